package org.ecrreplicator.worker.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import org.ecrreplicator.domain.Json;
import org.ecrreplicator.worker.engine.ImageCopier;
import org.ecrreplicator.worker.engine.sync.RegistryDiff;
import org.ecrreplicator.worker.engine.sync.RepositoryError;
import org.ecrreplicator.worker.engine.sync.TagDifference;
import picocli.CommandLine.Model.CommandSpec;

/** {@code replicator diff [options] SOURCE DEST}. */
final class DiffCommand implements Callable<Integer> {
    private final CommandSpec spec;
    private final Environment environment;
    private final EcrFactory ecrFactory;

    DiffCommand(Environment environment, EcrFactory ecrFactory) {
        this.environment = environment;
        this.ecrFactory = ecrFactory;
        spec = CommandSpecs.command(
                this,
                "diff",
                "Compares the digest of every tag under SOURCE and DEST.",
                "Repositories map by their path below the prefixes (src/team -> dst/mirror maps team/a to mirror/a);"
                        + " a repository DEST lacks counts as empty. Referrer fallback tags (sha256-<hex>) are left"
                        + " out: they travel with their subject.");
        CommandSpecs.exitCodes(
                spec,
                "0:in sync",
                "1:they differ (missing, stale or extra tags)",
                "2:bad arguments",
                "4:something could not be read (each repository named on stderr; the rest was compared)");
        spec.addMixin("connection", ConnectionOptions.mixin());
        spec.addOption(CommandSpecs.flag("--json", "Print exactly one JSON object with the differences on stdout."));
        RegistrySides.addTo(spec);
    }

    CommandSpec spec() {
        return spec;
    }

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        try (RegistrySides sides = new RegistrySides(spec, environment, ecrFactory, ImageCopier.Options.defaults())) {
            RegistryDiff diff = sides.syncer().diff(sides.source(), sides.destination());
            for (RepositoryError error : diff.errors()) {
                err.println("error: " + error.repository() + ": " + error.reason());
            }
            err.flush();
            if (CommandSpecs.flag(spec, "--json")) {
                out.println(Json.write(SyncJson.diff(diff)));
            } else {
                diff.missing().forEach(tag -> out.println(describe(tag)));
                diff.stale().forEach(tag -> out.println(describe(tag)));
                diff.extra().forEach(tag -> out.println(describe(tag)));
                out.println(summary(diff));
            }
            out.flush();
            return exitCode(diff);
        }
    }

    static int exitCode(RegistryDiff diff) {
        if (!diff.errors().isEmpty()) {
            return ReplicatorCommand.ERRORS;
        }
        return diff.inSync() ? 0 : ReplicatorCommand.FAILED;
    }

    /** {@code missing team/a:1.0 sha256:...}, {@code stale team/a:2 sha256:src (destination sha256:dst)}. */
    static String describe(TagDifference tag) {
        String name = tag.repository() + ":" + tag.tag();
        return switch (tag.kind()) {
            case MISSING -> "missing " + name + " " + tag.sourceDigest();
            case STALE ->
                "stale   " + name + " " + tag.sourceDigest() + " (destination " + tag.destinationDigest() + ")";
            case EXTRA -> "extra   " + name + " " + tag.destinationDigest();
        };
    }

    /** {@code 12 tags in sync, 1 missing, 0 stale, 2 extra, 0 repositories unreadable}. */
    static String summary(RegistryDiff diff) {
        return diff.inSyncTags() + " tags in sync, " + diff.missing().size() + " missing, "
                + diff.stale().size()
                + " stale, " + diff.extra().size() + " extra, " + diff.errors().size() + " repositor"
                + (diff.errors().size() == 1 ? "y" : "ies") + " unreadable";
    }
}
