package org.ecrreplicator.worker.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.ecrreplicator.engines.RegistryProcess;
import org.ecrreplicator.engines.SampleImages;
import org.ecrreplicator.worker.engine.FaultProxy;
import org.ecrreplicator.worker.engine.RegistryAssertions;
import org.ecrreplicator.worker.engine.TestRegistries;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code replicator diff} and {@code sync} in process between two real CNCF distribution registries (2.8:
 * it cannot untag). The registries are shared by every test; each test works under its own prefix. Page
 * size 2 forces several pages of the catalog and of tag lists.
 */
class RegistrySyncIT {
    private static RegistryProcess source;
    private static RegistryProcess destination;

    @BeforeAll
    static void start() {
        source = RegistryProcess.startAnonymous();
        destination = RegistryProcess.startAnonymous();
    }

    @AfterAll
    static void stop() {
        destination.close();
        source.close();
    }

    private static CliRun run(String... args) {
        return CliRun.inProcess(args);
    }

    private static SampleImages.Target at(RegistryProcess registry) {
        return SampleImages.Target.anonymous(registry.baseUri());
    }

    private static SampleImages.Image image(long seed, RegistryProcess at, String repository, String tag) {
        return SampleImages.seed(seed).pushOciIndex(at(at), repository, tag);
    }

    private static SampleImages.Image single(long seed, RegistryProcess at, String repository, String tag) {
        return SampleImages.seed(seed).pushOciImage(at(at), repository, tag);
    }

    private static List<String> entries(JsonNode array, String... fields) {
        List<String> out = new ArrayList<>();
        for (JsonNode entry : array) {
            StringBuilder line = new StringBuilder();
            for (String field : fields) {
                line.append(line.isEmpty() ? "" : " ").append(entry.path(field).asText());
            }
            out.add(line.toString());
        }
        return out;
    }

    private static String digestAtDestination(String repository, String tag) throws Exception {
        return TestRegistries.digestOf(destination.baseUri(), repository, tag).orElse(null);
    }

    @Test
    void shouldClassifyMissingStaleAndExtraTagsOverSeveralPagesWhenPrefixesDiffer() throws Exception {
        SampleImages.Image c1 = single(1, source, "diff/team/a/b/c", "1");
        SampleImages.Image c2 = single(2, source, "diff/team/a/b/c", "2");
        SampleImages.Image c3 = single(3, source, "diff/team/a/b/c", "3");
        SampleImages.Image x1 = single(4, source, "diff/team/x", "1");
        SampleImages.Image x2 = single(5, source, "diff/team/x", "2");
        SampleImages.Image y1 = single(6, source, "diff/team/y", "1");
        // A signature under the fallback tag sha256-<hex>: not a user tag, so in no list.
        SampleImages.seed(6)
                .pushReferrer(
                        at(source), "diff/team/y", y1.manifests().get(0), SampleImages.SIGNATURE_TYPE, "sig", true);
        single(7, source, "diff/other/z", "1");
        single(4, destination, "diff/mirror/x", "1");
        SampleImages.Image staleThere = single(8, destination, "diff/mirror/x", "2");
        SampleImages.Image oldThere = single(9, destination, "diff/mirror/x", "old");
        SampleImages.Image onlyThere = single(10, destination, "diff/mirror/only", "e");

        CliRun run = run(
                "diff",
                "--insecure",
                "--json",
                "--page-size",
                "2",
                source.authority() + "/diff/team",
                destination.authority() + "/diff/mirror/");

        assertThat(run.exit()).as(run.err()).isEqualTo(1);
        assertThat(run.err()).isEmpty();
        JsonNode json = run.json();
        assertThat(json.get("inSync").asInt()).isEqualTo(1);
        assertThat(entries(json.get("missing"), "repository", "tag", "sourceDigest"))
                .containsExactly(
                        "a/b/c 1 " + c1.digest(),
                        "a/b/c 2 " + c2.digest(),
                        "a/b/c 3 " + c3.digest(),
                        "y 1 " + y1.digest());
        assertThat(entries(json.get("stale"), "repository", "tag", "sourceDigest", "destinationDigest"))
                .containsExactly("x 2 " + x2.digest() + " " + staleThere.digest());
        assertThat(entries(json.get("extra"), "repository", "tag", "destinationDigest"))
                .containsExactly("only e " + onlyThere.digest(), "x old " + oldThere.digest());
        assertThat(json.get("errors")).isEmpty();
        assertThat(x1.digest()).isNotEqualTo(staleThere.digest());

        CliRun text =
                run("diff", "--insecure", source.authority() + "/diff/team", destination.authority() + "/diff/mirror");
        assertThat(text.exit()).isEqualTo(1);
        assertThat(text.out().lines().toList())
                .contains("stale   x:2 " + x2.digest() + " (destination " + staleThere.digest() + ")")
                .last()
                .isEqualTo("1 tags in sync, 4 missing, 1 stale, 2 extra, 0 repositories unreadable");
    }

    @Test
    void shouldCopyExactlyDeleteExtrasAndKeepTheirSiblingsWhenSyncingWithDeleteExtra() throws Exception {
        SampleImages.Image kept = image(21, source, "sync/src/app", "1");
        SampleImages.Image moved = image(22, source, "sync/src/app", "2");
        SampleImages.Image nested = SampleImages.seed(23).pushDockerManifestList(at(source), "sync/src/lib/core", "1");
        SampleImages.Image second = single(24, source, "sync/src/lib/core", "2");
        SampleImages.Image third = single(25, source, "sync/src/lib/core", "3");
        image(21, destination, "sync/dst/app", "1");
        // "old" names the digest app:1 names: deleting it on distribution 2.8 deletes that digest, and app:1
        // must come back.
        image(21, destination, "sync/dst/app", "old");
        image(21, destination, "sync/dst/app", "2");
        single(26, destination, "sync/dst/app", "gone");

        CliRun run = run(
                "sync",
                "--insecure",
                "--json",
                "--delete-extra",
                "--page-size",
                "2",
                "--concurrency",
                "3",
                source.authority() + "/sync/src",
                destination.authority() + "/sync/dst");

        assertThat(run.exit()).as(run.err() + run.out()).isZero();
        JsonNode json = run.json();
        assertThat(entries(json.get("actions"), "repository", "tag", "difference", "outcome"))
                .containsExactly(
                        "app 2 stale copied",
                        "app gone extra deleted",
                        "app old extra deleted",
                        "lib/core 1 missing copied",
                        "lib/core 2 missing copied",
                        "lib/core 3 missing copied");
        JsonNode counts = json.get("counts");
        assertThat(counts.get("copied").asInt()).isEqualTo(4);
        assertThat(counts.get("deleted").asInt()).isEqualTo(2);
        assertThat(counts.get("failed").asInt()).isZero();
        assertThat(counts.get("inSync").asInt()).isEqualTo(1);
        assertThat(counts.get("bytesCopied").asLong()).isPositive();
        assertThat(json.get("converged").asBoolean()).isTrue();
        assertThat(json.get("before").get("missing")).hasSize(3);
        assertThat(json.get("after").get("inSync").asInt()).isEqualTo(5);
        assertThat(json.get("after").get("missing")).isEmpty();

        RegistryAssertions.assertExactCopy(destination.baseUri(), null, "sync/dst/app", "1", kept);
        RegistryAssertions.assertExactCopy(destination.baseUri(), null, "sync/dst/app", "2", moved);
        RegistryAssertions.assertExactCopy(destination.baseUri(), null, "sync/dst/lib/core", "1", nested);
        RegistryAssertions.assertExactCopy(destination.baseUri(), null, "sync/dst/lib/core", "2", second);
        RegistryAssertions.assertExactCopy(destination.baseUri(), null, "sync/dst/lib/core", "3", third);
        assertThat(digestAtDestination("sync/dst/app", "old")).isNull();
        assertThat(digestAtDestination("sync/dst/app", "gone")).isNull();

        CliRun diff =
                run("diff", "--insecure", source.authority() + "/sync/src", destination.authority() + "/sync/dst");
        assertThat(diff.exit()).as(diff.out() + diff.err()).isZero();

        CliRun again =
                run("sync", "--insecure", source.authority() + "/sync/src", destination.authority() + "/sync/dst");
        assertThat(again.exit()).as(again.err()).isZero();
        assertThat(again.out().strip())
                .isEqualTo("sync: 0 copied (0 B), 0 deleted, 5 in sync before, 0 failed, 0 repositories unreadable;"
                        + " in sync now");
    }

    @Test
    void shouldCountTheSharedBaseLayerAsMountedNotCopiedWhenALaterSyncCopiesASecondRepositoryThatHasIt(
            @TempDir Path cacheHome) throws Exception {
        // Same seed and first layer size: the same base layer; the second layer and the config differ.
        long baseSize = 1024L * 1024;
        SampleImages.Image one =
                SampleImages.seed(7301).layerSizes(baseSize, 4096).pushOciImage(at(source), "mount/src/one", "1");
        // The runs share a blob-location cache, as one operator's runs do: the second learns where the first
        // put the base layer from it.
        Map<String, String> env = Map.of("XDG_CACHE_HOME", cacheHome.toString());
        String from = source.authority() + "/mount/src";
        String to = destination.authority() + "/mount/dst";

        CliRun first = CliRun.inProcess(env, EcrFactory.sdk(), "sync", "--insecure", "--json", from, to);
        SampleImages.Image two =
                SampleImages.seed(7301).layerSizes(baseSize, 8192).pushOciImage(at(source), "mount/src/two", "1");
        CliRun second = CliRun.inProcess(env, EcrFactory.sdk(), "sync", "--insecure", "--json", from, to);

        List<SampleImages.Blob> shared =
                two.blobs().stream().filter(one.blobs()::contains).toList();
        long sharedBytes = shared.stream().mapToLong(SampleImages.Blob::size).sum();
        assertThat(shared).extracting(SampleImages.Blob::size).containsExactly(baseSize);
        assertThat(first.exit()).as(first.err()).isZero();
        assertThat(first.json().get("counts").get("bytesCopied").asLong()).isEqualTo(one.blobBytes());
        assertThat(first.json().get("counts").get("bytesMounted").asLong()).isZero();
        assertThat(second.exit()).as(second.err()).isZero();
        JsonNode json = second.json();
        assertThat(entries(json.get("actions"), "repository", "tag", "outcome", "bytesCopied", "bytesMounted"))
                .containsExactly("two 1 copied " + (two.blobBytes() - sharedBytes) + " " + sharedBytes);
        assertThat(json.get("counts").get("bytesMounted").asLong()).isEqualTo(sharedBytes);
        assertThat(json.get("counts").get("bytesCopied").asLong()).isEqualTo(two.blobBytes() - sharedBytes);
        assertThat(second.err())
                .contains("sync: 1/1 tags done, 0 failed, " + ProgressDisplay.size(two.blobBytes() - sharedBytes)
                        + " copied, " + ProgressDisplay.size(sharedBytes) + " mounted");
        RegistryAssertions.assertExactCopy(destination.baseUri(), null, "mount/dst/two", "1", two);

        SampleImages.Image three =
                SampleImages.seed(7301).layerSizes(baseSize, 2048).pushOciImage(at(source), "mount/src/three", "1");
        CliRun text = CliRun.inProcess(env, EcrFactory.sdk(), "sync", "--insecure", from, to);

        assertThat(text.exit()).as(text.err()).isZero();
        String copied = ProgressDisplay.size(three.blobBytes() - sharedBytes) + ", " + ProgressDisplay.size(sharedBytes)
                + " mounted";
        assertThat(text.out().lines().toList())
                .containsExactly(
                        "copied three:1 " + three.digest() + " (missing, " + copied + ")",
                        "sync: 1 copied (" + copied + "), 0 deleted, 2 in sync before, 0 failed,"
                                + " 0 repositories unreadable; in sync now");
    }

    @Test
    void shouldChangeNothingAndExitOneWhenDryRunFindsWork() throws Exception {
        SampleImages.Image wanted = single(31, source, "dry/src/app", "1");
        SampleImages.Image extra = single(32, destination, "dry/dst/app", "x");

        CliRun run = run(
                "sync",
                "--insecure",
                "--dry-run",
                "--delete-extra",
                source.authority() + "/dry/src",
                destination.authority() + "/dry/dst");

        assertThat(run.exit()).as(run.err()).isEqualTo(1);
        assertThat(run.out().lines().toList())
                .containsExactly(
                        "would copy app:1 " + wanted.digest() + " (missing)",
                        "would delete app:x " + extra.digest(),
                        "sync: dry run, would copy 1 and delete 1, 0 in sync before, 0 failed,"
                                + " 0 repositories unreadable; NOT in sync");
        assertThat(digestAtDestination("dry/dst/app", "1")).isNull();
        assertThat(digestAtDestination("dry/dst/app", "x")).isEqualTo(extra.digest());
    }

    @Test
    void shouldLeaveExtraTagsAndExitOneWhenSyncingWithoutDeleteExtra() throws Exception {
        single(33, source, "keep/src/app", "1");
        SampleImages.Image extra = single(34, destination, "keep/dst/app", "x");

        CliRun run = run("sync", "--insecure", source.authority() + "/keep/src", destination.authority() + "/keep/dst");

        assertThat(run.exit()).as(run.err()).isEqualTo(1);
        assertThat(run.out()).contains("1 extra tags left (--delete-extra removes them); NOT in sync");
        assertThat(digestAtDestination("keep/dst/app", "x")).isEqualTo(extra.digest());
        assertThat(digestAtDestination("keep/dst/app", "1")).isNotNull();
    }

    @Test
    void shouldNameTheUnreadableRepositoryAndSyncTheRestWhenOneTagListIsRefused() throws Exception {
        SampleImages.Image good = single(41, source, "fault/src/good", "1");
        single(42, source, "fault/src/bad", "1");
        try (FaultProxy proxy =
                new FaultProxy(source.baseUri(), 0, 1).answer("GET", "/fault/src/bad/tags/list", 403, "DENIED")) {
            CliRun sync =
                    run("sync", "--insecure", proxy.authority() + "/fault/src", destination.authority() + "/fault/dst");
            CliRun diff = run(
                    "diff",
                    "--insecure",
                    "--json",
                    proxy.authority() + "/fault/src",
                    destination.authority() + "/fault/dst");

            assertThat(sync.exit()).as(sync.out()).isEqualTo(ReplicatorCommand.ERRORS);
            assertThat(sync.err().lines().filter(line -> !line.startsWith("sync: ")))
                    .as("errors; the rest is the progress log")
                    .singleElement()
                    .asString()
                    .startsWith("error: bad: source: GET tags of fault/src/bad from " + proxy.authority())
                    .contains("HTTP 403 DENIED");
            assertThat(digestAtDestination("fault/dst/good", "1")).isEqualTo(good.digest());
            assertThat(digestAtDestination("fault/dst/bad", "1")).isNull();

            assertThat(diff.exit()).isEqualTo(ReplicatorCommand.ERRORS);
            JsonNode json = diff.json();
            assertThat(entries(json.get("errors"), "repository")).containsExactly("bad");
            assertThat(json.get("errors").get(0).get("reason").asText()).contains("HTTP 403");
            assertThat(json.get("inSync").asInt()).isEqualTo(1);
            assertThat(json.get("missing")).isEmpty();
        }
    }

    @Test
    void shouldFailWithAnErrorCodeWhenTheSourceCannotBeListedAtAll() {
        try (FaultProxy proxy = new FaultProxy(source.baseUri(), 0, 1).answer("GET", "/v2/_catalog", 403, "DENIED")) {
            CliRun run = run("diff", "--insecure", proxy.authority(), destination.authority());

            assertThat(run.exit()).isEqualTo(ReplicatorCommand.ERRORS);
            assertThat(run.err())
                    .startsWith("error: GET /v2/_catalog from " + proxy.authority())
                    .contains("403");
        }
    }

    @Test
    void shouldCopyReferrersWithTheirSubjectUnlessNoReferrers() throws Exception {
        SampleImages images = SampleImages.seed(51);
        SampleImages.Image signed = images.pushOciImage(at(source), "refs/src/app", "1");
        SampleImages.Image signature = images.pushReferrer(
                at(source), "refs/src/app", signed.manifests().get(0), SampleImages.SIGNATURE_TYPE, "sig 51", true);
        String fallbackTag = SampleImages.fallbackTag(signed.digest());

        CliRun with = run(
                "sync",
                "--insecure",
                "--json",
                source.authority() + "/refs/src",
                destination.authority() + "/refs/with");
        CliRun without = run(
                "sync",
                "--insecure",
                "--json",
                "--no-referrers",
                source.authority() + "/refs/src",
                destination.authority() + "/refs/without");

        assertThat(with.exit()).as(with.err()).isZero();
        assertThat(entries(with.json().get("actions"), "tag", "referrersCopied"))
                .containsExactly("1 1");
        assertThat(TestRegistries.digestOf(destination.baseUri(), "refs/with/app", signature.digest()))
                .contains(signature.digest());
        assertThat(digestAtDestination("refs/with/app", fallbackTag)).isNotNull();

        assertThat(without.exit()).as(without.err()).isZero();
        assertThat(entries(without.json().get("actions"), "tag", "referrersCopied"))
                .containsExactly("1 0");
        assertThat(TestRegistries.digestOf(destination.baseUri(), "refs/without/app", signature.digest()))
                .isEmpty();
        assertThat(digestAtDestination("refs/without/app", fallbackTag))
                .as("the fallback tag is not a user tag: diff and sync leave it to the referrers copy")
                .isNull();
    }

    @Test
    void shouldAskNeitherRegistryAgainWhatItsListingJustSaidWhenSyncing() throws Exception {
        SampleImages images = SampleImages.seed(52);
        SampleImages.Image signed = images.pushOciImage(at(source), "asked/src/app", "signed");
        SampleImages.Image signature = images.pushReferrer(
                at(source), "asked/src/app", signed.manifests().get(0), SampleImages.SIGNATURE_TYPE, "sig 52", true);
        SampleImages.Image unsigned = single(53, source, "asked/src/app", "unsigned");
        assertThat(unsigned.digest()).isNotEqualTo(signed.digest());

        try (FaultProxy sourceProxy = new FaultProxy(source.baseUri(), 0, 1);
                FaultProxy destinationProxy = new FaultProxy(destination.baseUri(), 0, 1)) {
            CliRun sync = run(
                    "sync",
                    "--insecure",
                    "--json",
                    sourceProxy.authority() + "/asked/src",
                    destinationProxy.authority() + "/asked/dst");

            assertThat(sync.exit()).as(sync.err()).isZero();
            assertThat(entries(sync.json().get("actions"), "tag", "referrersCopied"))
                    .containsExactlyInAnyOrder("signed 1", "unsigned 0");
            assertThat(TestRegistries.digestOf(destination.baseUri(), "asked/dst/app", signature.digest()))
                    .contains(signature.digest());
            assertThat(sourceProxy.requests("GET", "/manifests/" + SampleImages.fallbackTag(signed.digest())))
                    .as("the fallback tag the listing named is read")
                    .isPositive();
            assertThat(sourceProxy.requests("GET", "/manifests/" + SampleImages.fallbackTag(unsigned.digest())))
                    .as("a fallback tag the listing did not name is not asked for")
                    .isZero();
            assertThat(destinationProxy.requests("HEAD", "/manifests/unsigned"))
                    .as("the destination tag is asked about once, by the check after the sync, not by the copy")
                    .isEqualTo(1);
            assertThat(destinationProxy.requests("HEAD", "/manifests/" + signed.digest())
                            + destinationProxy.requests("HEAD", "/manifests/" + unsigned.digest()))
                    .as("the listing found no such repository: the images' manifests are not asked about")
                    .isZero();
            assertThat(destinationProxy.requests("PUT", "/manifests/"))
                    .as("each manifest pushed once: two images, the signature and its fallback index")
                    .isEqualTo(4);
        }
        assertThat(digestAtDestination("asked/dst/app", "signed")).isEqualTo(signed.digest());
        assertThat(digestAtDestination("asked/dst/app", "unsigned")).isEqualTo(unsigned.digest());
    }

    @Test
    void shouldExitTwoNamingTheProblemWhenALocationIsMalformed() {
        String dst = "registry.example:5000/mirror";
        assertThat(run("diff", "docker://registry.example/team", dst))
                .satisfies(run -> assertThat(run.exit()).isEqualTo(ReplicatorCommand.USAGE))
                .satisfies(run -> assertThat(run.err()).contains("has a scheme: drop 'docker://'"));
        assertThat(run("sync", "registry.example/team/app:1.0", dst))
                .satisfies(run -> assertThat(run.exit()).isEqualTo(ReplicatorCommand.USAGE))
                .satisfies(run -> assertThat(run.err()).contains("names a tag"));
        assertThat(run("sync", dst, "registry.example/team/app@sha256:" + "a".repeat(64)))
                .satisfies(run -> assertThat(run.exit()).isEqualTo(ReplicatorCommand.USAGE))
                .satisfies(run -> assertThat(run.err())
                        .contains("DEST 'registry.example/team/app@sha256:")
                        .contains("names a digest"));
        assertThat(run("sync", "--concurrency", "0", "registry.example/team", dst))
                .satisfies(run -> assertThat(run.exit()).isEqualTo(ReplicatorCommand.USAGE))
                .satisfies(run -> assertThat(run.err()).contains("--concurrency must be at least 1, not 0"));
        assertThat(run("diff", "registry.example/Team", dst))
                .satisfies(run -> assertThat(run.exit()).isEqualTo(ReplicatorCommand.USAGE))
                .satisfies(run -> assertThat(run.err()).contains("invalid path component 'Team'"));
    }
}
