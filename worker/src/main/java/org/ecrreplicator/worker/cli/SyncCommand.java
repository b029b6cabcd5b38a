package org.ecrreplicator.worker.cli;

import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.ecrreplicator.worker.engine.ImageCopier;
import org.ecrreplicator.worker.engine.sync.RepositoryError;
import org.ecrreplicator.worker.engine.sync.SyncReport;
import org.ecrreplicator.worker.engine.sync.Syncer;
import org.ecrreplicator.worker.engine.sync.TagAction;
import org.ecrreplicator.worker.engine.transfer.ProgressListener;
import picocli.CommandLine.Model.CommandSpec;

/** {@code replicator sync [options] SOURCE DEST}. */
final class SyncCommand implements Callable<Integer> {
    private static final String CONCURRENCY = "--concurrency";
    private static final String DELETE_EXTRA = "--delete-extra";
    private static final String DRY_RUN = "--dry-run";
    private static final String NO_REFERRERS = "--no-referrers";
    static final int DEFAULT_CONCURRENCY = 8;

    private final CommandSpec spec;
    private final Environment environment;
    private final EcrFactory ecrFactory;

    SyncCommand(Environment environment, EcrFactory ecrFactory) {
        this.environment = environment;
        this.ecrFactory = ecrFactory;
        spec = CommandSpecs.command(
                this,
                "sync",
                "Copies every tag DEST lacks or holds stale from SOURCE, exactly.",
                "Stale: the tag names another digest at DEST.",
                "Repositories map as for diff; tags copy several at a time across repositories, with their"
                        + " referrers unless --no-referrers. Afterwards the repositories it changed are compared"
                        + " again: it exits 0 only when diff would now say in sync.");
        CommandSpecs.exitCodes(
                spec,
                "0:in sync afterwards",
                "1:not in sync afterwards (extra tags left without --delete-extra, the source moved meanwhile,"
                        + " or --dry-run found work)",
                "2:bad arguments",
                "4:something could not be read, copied or deleted (each named on stderr; the rest was synced)");
        spec.addMixin("connection", ConnectionOptions.mixin());
        spec.addOption(CommandSpecs.flag("--json", "Print exactly one JSON object with the result on stdout."));
        spec.addOption(CommandSpecs.option(
                        CONCURRENCY,
                        "N",
                        int.class,
                        "Tags to copy at once, across repositories (default: ${DEFAULT-VALUE}).")
                .defaultValue(Integer.toString(DEFAULT_CONCURRENCY))
                .build());
        spec.addOption(BlobLocationCache.flag());
        spec.addOption(CommandSpecs.flag(DELETE_EXTRA, "Also delete the tags DEST has and SOURCE does not."));
        spec.addOption(CommandSpecs.flag(DRY_RUN, "Print what it would copy and delete; change nothing."));
        spec.addOption(
                CommandSpecs.flag(NO_REFERRERS, "Copy the images alone, without the manifests that refer to them."));
        RegistrySides.addTo(spec);
    }

    CommandSpec spec() {
        return spec;
    }

    @Override
    // The interruption hook acts while it is open; the body never needs to name it.
    @SuppressWarnings("try")
    public Integer call() {
        int concurrency = CommandSpecs.<Integer>value(spec, CONCURRENCY);
        if (concurrency < 1) {
            throw new UsageException(CONCURRENCY + " must be at least 1, not " + concurrency);
        }
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        boolean json = CommandSpecs.flag(spec, "--json");
        ProgressDisplay display = ProgressDisplay.stderrIsTerminal() ? new ProgressDisplay(err) : null;
        Syncer.Listener listener = display != null
                ? Syncer.Listener.none()
                : new ProgressLog(err, System::nanoTime, ProgressLog.DEFAULT_INTERVAL, ProgressLog.DEFAULT_EVERY_TAGS);
        ImageCopier.Options options = ImageCopier.Options.defaults()
                .withProgress(display == null ? ProgressListener.none() : display)
                .withCopyReferrers(!CommandSpecs.flag(spec, NO_REFERRERS));
        try (BlobLocationCache cache =
                        BlobLocationCache.forCommand(CommandSpecs.flag(spec, BlobLocationCache.NO_CACHE), environment);
                RegistrySides sides = new RegistrySides(spec, environment, ecrFactory, options, cache.locations())) {
            SyncReport report = sides.syncer()
                    .sync(
                            sides.source(),
                            sides.destination(),
                            new Syncer.Options(
                                    concurrency,
                                    CommandSpecs.flag(spec, DELETE_EXTRA),
                                    CommandSpecs.flag(spec, DRY_RUN)),
                            listener);
            if (display != null) {
                display.close();
            }
            for (RepositoryError error : report.before().errors()) {
                err.println("error: " + error.repository() + ": " + error.reason());
            }
            for (TagAction action : report.actions()) {
                if (action.outcome() == TagAction.Outcome.FAILED) {
                    err.println("error: " + name(action) + ": " + action.error());
                }
                action.referrersSkipped().forEach(skipped -> err.println("warning: " + CopyCommand.skipped(skipped)));
            }
            if (report.after() != null) {
                report.after()
                        .errors()
                        .forEach(error ->
                                err.println("error: re-checking " + error.repository() + ": " + error.reason()));
            }
            err.flush();
            if (json) {
                out.println(SyncJson.sync(report));
            } else {
                for (TagAction action : report.actions()) {
                    if (action.outcome() != TagAction.Outcome.FAILED) {
                        out.println(describe(action));
                    }
                }
                out.println(summary(report, CommandSpecs.flag(spec, DELETE_EXTRA)));
            }
            out.flush();
            return exitCode(report);
        } finally {
            if (display != null) {
                display.close();
            }
        }
    }

    static int exitCode(SyncReport report) {
        if (report.hasErrors()) {
            return ReplicatorCommand.ERRORS;
        }
        return report.converged() ? 0 : ReplicatorCommand.FAILED;
    }

    private static String name(TagAction action) {
        return action.difference().repository() + ":" + action.difference().tag();
    }

    /**
     * {@code copied team/a:1.0 sha256:... (missing, 1.2 MiB)} (with {@code , 80.0 MiB mounted} after the size
     * when some blobs were mounted), {@code would delete team/a:old sha256:...}.
     */
    static String describe(TagAction action) {
        String kind = action.difference().kind().name().toLowerCase(Locale.ROOT);
        return switch (action.outcome()) {
            case COPIED ->
                "copied " + name(action) + " " + action.digest() + " (" + kind + ", "
                        + ProgressDisplay.size(action.bytesCopied())
                        + ProgressDisplay.mountedSuffix(action.bytesMounted()) + ")";
            case DELETED -> "deleted " + name(action) + " " + action.digest();
            case WOULD_COPY -> "would copy " + name(action) + " " + action.digest() + " (" + kind + ")";
            case WOULD_DELETE -> "would delete " + name(action) + " " + action.digest();
            case FAILED -> "failed " + name(action) + ": " + action.error();
            case DEFERRED -> "deferred " + name(action) + ": " + action.error();
        };
    }

    /**
     * {@code sync: 12 copied (3.4 MiB), 188 in sync, 2 deleted, 0 failed, 0 repositories unreadable; in sync
     * now}; {@code (3.4 MiB, 80.0 MiB mounted)} when the destination mounted some blobs.
     */
    static String summary(SyncReport report, boolean deleteExtra) {
        long wouldCopy = report.count(TagAction.Outcome.WOULD_COPY);
        long wouldDelete = report.count(TagAction.Outcome.WOULD_DELETE);
        StringBuilder line = new StringBuilder("sync: ");
        if (wouldCopy + wouldDelete > 0) {
            line.append("dry run, would copy ")
                    .append(wouldCopy)
                    .append(" and delete ")
                    .append(wouldDelete);
        } else {
            line.append(report.count(TagAction.Outcome.COPIED))
                    .append(" copied (")
                    .append(ProgressDisplay.size(report.bytesCopied()))
                    .append(ProgressDisplay.mountedSuffix(report.bytesMounted()))
                    .append("), ")
                    .append(report.count(TagAction.Outcome.DELETED))
                    .append(" deleted");
        }
        line.append(", ")
                .append(report.before().inSyncTags())
                .append(" in sync before, ")
                .append(report.count(TagAction.Outcome.FAILED))
                .append(" failed, ")
                .append(report.before().errors().size())
                .append(" repositories unreadable");
        int extraLeft = deleteExtra ? 0 : report.before().extra().size();
        if (extraLeft > 0) {
            line.append(", ").append(extraLeft).append(" extra tags left (--delete-extra removes them)");
        }
        line.append(report.converged() ? "; in sync now" : "; NOT in sync");
        return line.toString();
    }
}
