package org.ecrreplicator.worker.cli;

import java.io.PrintWriter;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.ecrreplicator.domain.Digest;
import org.ecrreplicator.state.DynamoBlobIndex;
import org.ecrreplicator.worker.engine.transfer.BlobLocations;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * The builds' view of the shared blob index (decision 0072): what the state table says, and what this build
 * adds to it. A failure to read or write it costs mounts, never a copy: it is said in one line of the build's
 * log and the copy carries on.
 *
 * <p>An entry the index already holds, or that this process wrote, is not written again: a reconcile shard
 * copying many tags of one repository would otherwise repeat the same updates for every tag.
 */
final class SharedBlobIndex implements BlobLocations.Index, AutoCloseable {
    /** Entries remembered as already in the index, at most. */
    private static final int KNOWN = 100_000;

    /** The table whose index a client made on first use reads; null when given an index. */
    private final String table;

    private final PrintWriter log;
    private DynamoBlobIndex index;
    private DynamoDbClient client;
    private boolean opened;
    private final Set<String> known = Collections.synchronizedSet(Collections.newSetFromMap(new LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
            return size() > KNOWN;
        }
    }));

    SharedBlobIndex(DynamoBlobIndex index, PrintWriter log) {
        this.table = null;
        this.log = log;
        this.index = index;
        this.opened = true;
    }

    private SharedBlobIndex(String table, PrintWriter log) {
        this.table = table;
        this.log = log;
    }

    /**
     * The index in {@code table}, through a client made when the build first needs it: an SDK client costs a
     * cold JVM a second or two of CPU, and a build that deletes or finds its image up to date needs none.
     */
    static SharedBlobIndex opening(String table, PrintWriter log) {
        return new SharedBlobIndex(table, log);
    }

    /** The build's DynamoDB client, or null (said in one line) when none can be made: the copy goes on without. */
    private static DynamoDbClient client(PrintWriter log) {
        try {
            return new AwsClients(Optional.empty(), Optional.empty()).dynamoDb();
        } catch (RuntimeException e) {
            warn(log, "no shared blob index (blobs are uploaded instead of mounted): " + e.getMessage());
            return null;
        }
    }

    private synchronized DynamoBlobIndex index() {
        if (!opened) {
            opened = true;
            client = client(log);
            index = client == null ? null : new DynamoBlobIndex(client, table);
        }
        return index;
    }

    /** Closes the client this made, if it made one. */
    @Override
    public synchronized void close() {
        if (client != null) {
            client.close();
        }
    }

    @Override
    public Map<Digest, List<String>> read(String registry, Collection<Digest> digests) {
        DynamoBlobIndex index = index();
        if (index == null) {
            return Map.of();
        }
        try {
            Map<Digest, List<String>> found = new LinkedHashMap<>();
            index.read(registry, digests).forEach((digest, repositories) -> {
                repositories.forEach(repository -> known.add(entry(registry, repository, digest)));
                found.put(digest, List.copyOf(repositories));
            });
            return found;
        } catch (RuntimeException e) {
            warn("cannot read the shared blob index (blobs are uploaded instead of mounted): " + e.getMessage());
            return Map.of();
        }
    }

    @Override
    public void write(String registry, String repository, Collection<Digest> digests) {
        List<Digest> fresh = digests.stream()
                .filter(digest -> !known.contains(entry(registry, repository, digest)))
                .toList();
        DynamoBlobIndex index = fresh.isEmpty() ? null : index();
        if (index == null) {
            return;
        }
        try {
            index.add(registry, repository, fresh);
            fresh.forEach(digest -> known.add(entry(registry, repository, digest)));
        } catch (RuntimeException e) {
            warn("cannot write the shared blob index (later builds upload these blobs again): " + e.getMessage());
        }
    }

    private void warn(String line) {
        warn(log, line);
    }

    private static void warn(PrintWriter log, String line) {
        synchronized (log) {
            log.println("warning: " + line.replace('\n', ' '));
            log.flush();
        }
    }

    private static String entry(String registry, String repository, Digest digest) {
        return registry + "\t" + repository + "\t" + digest;
    }
}
