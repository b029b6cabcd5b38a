package org.ecrreplicator.worker.engine;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.function.BiFunction;
import java.util.function.Predicate;
import org.ecrreplicator.domain.Digest;
import org.ecrreplicator.domain.ImageReference;
import org.ecrreplicator.worker.engine.ecr.EcrApi;
import org.ecrreplicator.worker.engine.manifest.Manifest;
import org.ecrreplicator.worker.engine.manifest.ReferrerListing;
import org.ecrreplicator.worker.engine.registry.RegistryClient;
import org.ecrreplicator.worker.engine.transfer.Futures;

/** Deletes a tag or a digest at a registry without taking the other tags of the digest along. */
final class ImageDeleter {
    /** HEAD requests in flight at once while looking for the tags that share a digest. */
    private static final int SIBLING_QUESTIONS = 8;

    private final ExecutorService tasks;
    private final BiFunction<String, Endpoint, RegistryClient> clients;

    /** @param clients the registry client for an authority reached through an endpoint */
    ImageDeleter(ExecutorService tasks, BiFunction<String, Endpoint, RegistryClient> clients) {
        this.tasks = tasks;
        this.clients = clients;
    }

    /**
     * Deletes a tag or digest at a registry. ECR: {@code BatchDeleteImage}, which untags a tag and deletes a
     * digest. Other registries: {@code DELETE /v2/<name>/manifests/<reference>}. A registry that cannot untag
     * (it answers the tag's delete with 400 or 405, as the CNCF distribution registry before version 3
     * does) gets the digest deleted instead, and then the same manifest bytes pushed again under each other
     * tag that named the digest and that {@code restoreSibling} accepts, so each keeps its exact digest.
     * Any other refusal (403 among them) fails, and the digest is left alone.
     *
     * @param restoreSibling which sibling tags to put back (fallback tags {@code sha256-<hex>} are never
     *     siblings)
     * @throws ReplicatorException the registry refused; one that refuses every delete names the fix
     */
    DeleteResult delete(ImageReference reference, Endpoint at, Predicate<String> restoreSibling) {
        if (reference.tag() == null && reference.digest() == null) {
            throw new ReplicatorException("delete needs a tag or a digest: " + reference + " names neither");
        }
        if (at.ecr() != null) {
            return deleteAtEcr(reference, at.ecr());
        }
        RegistryClient client = clients.apply(reference.authority(), at);
        String repository = reference.repository();
        if (reference.digest() != null) {
            RegistryClient.DeleteAnswer answer =
                    client.deleteReference(repository, reference.digest().toString());
            if (answer.status() == 404) {
                return DeleteResult.nothing(reference.digest());
            }
            if (answer.refused()) {
                throw new ReplicatorException("registry " + client.authority() + " refuses to delete " + reference
                        + " (" + answer.describe() + "): enable deletes in its storage configuration"
                        + " (storage.delete.enabled: true for the CNCF distribution registry)");
            }
            return new DeleteResult(true, reference.digest(), reference.digest(), List.of());
        }
        String tag = reference.tag();
        Optional<Digest> named = client.headManifest(repository, tag);
        if (named.isEmpty()) {
            return DeleteResult.nothing(null);
        }
        Digest digest = named.get();
        RegistryClient.DeleteAnswer byTag = client.deleteReference(repository, tag);
        if (byTag.status() == 202) {
            return new DeleteResult(true, digest, null, List.of());
        }
        if (byTag.status() == 404) {
            return DeleteResult.nothing(digest);
        }
        // 400 or 405: this registry cannot untag. Delete the digest and put the other tags back, having
        // decided which before anything is deleted.
        Future<List<String>> siblings =
                tasks.submit(() -> siblingsToRestore(client, repository, tag, digest, restoreSibling));
        Optional<Manifest> manifest = client.getManifest(repository, digest.toString());
        List<String> restore = Futures.join(siblings);
        if (manifest.isEmpty()) {
            return DeleteResult.nothing(digest);
        }
        RegistryClient.DeleteAnswer byDigest = client.deleteReference(repository, digest.toString());
        if (byDigest.refused()) {
            throw new ReplicatorException("registry " + client.authority() + " refuses to delete " + reference
                    + ": the tag's delete got " + byTag.describe() + " and the digest's (" + digest + ") "
                    + byDigest.describe() + ": enable deletes in its storage configuration"
                    + " (storage.delete.enabled: true for the CNCF distribution registry)");
        }
        if (byDigest.status() == 404) {
            return DeleteResult.nothing(digest);
        }
        Map<String, Future<?>> puts = new LinkedHashMap<>();
        for (String sibling : restore) {
            puts.put(sibling, tasks.submit(() -> client.putManifestExactly(repository, sibling, manifest.get())));
        }
        List<String> restored = new ArrayList<>();
        List<String> lost = new ArrayList<>();
        String failure = null;
        for (Map.Entry<String, Future<?>> put : puts.entrySet()) {
            try {
                Futures.join(put.getValue());
                restored.add(put.getKey());
            } catch (RuntimeException e) {
                lost.add(put.getKey());
                failure = failure == null ? e.getMessage() : failure;
            }
        }
        if (!lost.isEmpty()) {
            throw new ReplicatorException("deleted " + reference.withDigest(digest) + " (the registry cannot untag, so"
                    + " the digest went) but could not put back the sibling tags " + lost + ": push " + digest
                    + " under them again (" + failure + ")");
        }
        return new DeleteResult(true, digest, digest, restored);
    }

    private static DeleteResult deleteAtEcr(ImageReference reference, EcrApi ecr) {
        EcrApi.DeleteOutcome outcome = ecr.delete(
                reference.repository(),
                reference.digest() == null ? reference.tag() : null,
                reference.digest() == null ? null : reference.digest().toString());
        if (outcome.deleted()) {
            Digest digest = outcome.digest() == null ? null : Digest.parse(outcome.digest());
            // A tag is only untagged: the image stays while other tags name it.
            return new DeleteResult(true, digest, reference.digest() == null ? null : digest, List.of());
        }
        if ("ImageNotFound".equals(outcome.failureCode()) || "RepositoryNotFound".equals(outcome.failureCode())) {
            return DeleteResult.nothing(reference.digest());
        }
        throw new ReplicatorException(
                "ECR refused to delete " + reference + ": " + outcome.failureCode() + ": " + outcome.failureReason());
    }

    /**
     * Tags other than {@code tag} that name {@code digest} now and that {@code restore} accepts, asked a few
     * at a time.
     */
    private List<String> siblingsToRestore(
            RegistryClient client, String repository, String tag, Digest digest, Predicate<String> restore) {
        Semaphore asking = new Semaphore(SIBLING_QUESTIONS);
        Map<String, Future<Boolean>> answers = new LinkedHashMap<>();
        for (String other : client.listTags(repository)) {
            if (other.equals(tag) || ReferrerListing.looksLikeFallbackTag(other)) {
                continue;
            }
            answers.put(other, tasks.submit(() -> {
                asking.acquire();
                try {
                    return client.headManifest(repository, other)
                                    .filter(digest::equals)
                                    .isPresent()
                            && restore.test(other);
                } finally {
                    asking.release();
                }
            }));
        }
        List<String> chosen = new ArrayList<>();
        answers.forEach((other, answer) -> {
            if (Futures.join(answer)) {
                chosen.add(other);
            }
        });
        return chosen;
    }
}
