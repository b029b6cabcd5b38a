package org.ecrreplicator.worker.status;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import org.ecrreplicator.domain.Digest;
import org.ecrreplicator.worker.engine.ReplicatorException;
import org.ecrreplicator.worker.engine.registry.RegistryClient;
import org.ecrreplicator.worker.engine.sync.RegistryLocation;

/**
 * {@code status --live}: for each row, a {@code HEAD} of the tag's manifest at the source and at the destination,
 * through the engine's {@link RegistryClient}s (their authentication, retries and error messages), a few rows at
 * a time. The state table's repository {@code R} is {@code PREFIX/R} under a location with a prefix.
 */
public final class LiveLookup {
    /** Rows looked up at once (two {@code HEAD}s each): enough to hide latency, few enough for any registry. */
    public static final int ROWS_IN_FLIGHT = 8;

    private final Side source;
    private final Side destination;
    private final int inFlight;

    /** One registry as the lookup reaches it: its client, and where the state table's repositories are in it. */
    public record Side(RegistryClient client, RegistryLocation location) {}

    public LiveLookup(Side source, Side destination, int inFlight) {
        if (inFlight < 1) {
            throw new IllegalArgumentException("inFlight must be at least 1, not " + inFlight);
        }
        this.source = source;
        this.destination = destination;
        this.inFlight = inFlight;
    }

    /** The rows in the same order, each with its {@link LiveState}; a failed lookup is a row, not an exception. */
    public List<TagStatusRow> look(List<TagStatusRow> rows) {
        Semaphore slots = new Semaphore(inFlight);
        List<TagStatusRow> looked = new ArrayList<>(rows.size());
        try (ExecutorService tasks = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<LiveState>> states = new ArrayList<>(rows.size());
            for (TagStatusRow row : rows) {
                states.add(tasks.submit(() -> {
                    slots.acquire();
                    try {
                        return state(row);
                    } finally {
                        slots.release();
                    }
                }));
            }
            for (int i = 0; i < rows.size(); i++) {
                looked.add(rows.get(i).withLive(states.get(i).get()));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ReplicatorException("interrupted while asking the registries", e);
        } catch (ExecutionException e) {
            // state() turns every failure into a row; only an Error gets here.
            throw new IllegalStateException(e.getCause());
        }
        return looked;
    }

    private LiveState state(TagStatusRow row) {
        Digest at = null;
        Digest there = null;
        try {
            at = head(source, row);
        } catch (RuntimeException e) {
            return LiveState.failed(null, null, "source: " + message(e));
        }
        try {
            there = head(destination, row);
        } catch (RuntimeException e) {
            return LiveState.failed(at, null, "destination: " + message(e));
        }
        return LiveState.of(at, there);
    }

    private static Digest head(Side side, TagStatusRow row) {
        return side.client()
                .headManifest(side.location().repository(row.repository()), row.reference())
                .orElse(null);
    }

    private static String message(RuntimeException e) {
        String text = e.getMessage();
        return text == null ? e.getClass().getSimpleName() : text.replaceAll("\\s*[\\r\\n]+\\s*", " ");
    }
}
