package org.ecrreplicator.worker.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.ecrreplicator.domain.contract.BuildResults.BLOBS_COPIED;
import static org.ecrreplicator.domain.contract.BuildResults.BLOBS_SKIPPED;
import static org.ecrreplicator.domain.contract.BuildResults.BYTES_COPIED;
import static org.ecrreplicator.domain.contract.BuildResults.OUTCOME;
import static org.ecrreplicator.domain.contract.BuildResults.REFERRERS_COPIED;
import static org.ecrreplicator.domain.contract.BuildResults.REFERRERS_SKIPPED;
import static org.ecrreplicator.domain.contract.BuildResults.REMOVED_DIGEST;
import static org.ecrreplicator.domain.contract.BuildResults.REPLICATED_DIGEST;
import static org.ecrreplicator.domain.contract.BuildVariables.COPY_REFERRERS;
import static org.ecrreplicator.domain.contract.BuildVariables.CREATE_REPOSITORIES;
import static org.ecrreplicator.domain.contract.BuildVariables.DESTINATION_ACCESS_KEY_ID;
import static org.ecrreplicator.domain.contract.BuildVariables.DESTINATION_REGION;
import static org.ecrreplicator.domain.contract.BuildVariables.DESTINATION_REGISTRY;
import static org.ecrreplicator.domain.contract.BuildVariables.DESTINATION_REGISTRY_IS_ECR;
import static org.ecrreplicator.domain.contract.BuildVariables.DESTINATION_SECRET_ACCESS_KEY;
import static org.ecrreplicator.domain.contract.BuildVariables.IMAGE_TAG_MUTABILITY;
import static org.ecrreplicator.domain.contract.BuildVariables.REGISTRY_INSECURE;
import static org.ecrreplicator.domain.contract.BuildVariables.REPLICATION_REQUEST;
import static org.ecrreplicator.domain.contract.BuildVariables.SCAN_ON_PUSH;
import static org.ecrreplicator.domain.contract.BuildVariables.SOURCE_REGISTRY;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.ecrreplicator.domain.Json;
import org.ecrreplicator.domain.contract.BuildResults;
import org.ecrreplicator.domain.contract.BuildVariables;
import org.ecrreplicator.engines.LocalEcrApi;
import org.ecrreplicator.engines.ReferrersApiFront;
import org.ecrreplicator.engines.RegistryProcess;
import org.ecrreplicator.engines.SampleImages;
import org.ecrreplicator.worker.engine.Endpoint;
import org.ecrreplicator.worker.engine.ImageCopier;
import org.ecrreplicator.worker.engine.TestRegistries;
import org.ecrreplicator.worker.engine.ecr.EcrApi;
import org.ecrreplicator.worker.engine.registry.Credentials;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.services.ecr.EcrClient;

/** The commands in process, as the launcher and the build call them. */
class CliIT {
    private static final String USER = "operator";
    private static final String PASSWORD = "fake-cli-password-42";
    private static RegistryProcess source;
    private static RegistryProcess destination;

    @TempDir
    Path temp;

    @BeforeAll
    static void start() {
        source = RegistryProcess.builder().htpasswd(USER, PASSWORD).start();
        destination = RegistryProcess.startAnonymous();
    }

    @AfterAll
    static void stop() {
        destination.close();
        source.close();
    }

    private static CliRun run(Map<String, String> env, EcrFactory ecr, String... args) {
        return CliRun.inProcess(env, ecr, args);
    }

    private static CliRun run(Map<String, String> env, String... args) {
        return run(env, EcrFactory.sdk(), args);
    }

    private static SampleImages.Image push(long seed, String repository, String tag) {
        return SampleImages.seed(seed)
                .pushOciIndex(SampleImages.Target.basic(source.baseUri(), USER, PASSWORD), repository, tag);
    }

    @Test
    void shouldPrintExactlyOneJsonObjectWhenCopyingWithJson() throws Exception {
        SampleImages.Image image = push(51, "cli/app", "1.0");

        CliRun run = run(
                Map.of(),
                "copy",
                "--insecure",
                "--src-creds",
                USER + ":" + PASSWORD,
                "--json",
                source.authority() + "/cli/app:1.0",
                destination.authority() + "/cli/app:1.0");

        assertThat(run.exit()).as(run.err()).isZero();
        assertThat(run.err()).isEmpty();
        assertThat(run.out().strip().lines()).hasSize(1);
        JsonNode json = Json.parse(run.out());
        assertThat(json.get("digest").asText()).isEqualTo(image.digest());
        assertThat(json.get("mediaType").asText()).isEqualTo(SampleImages.OCI_INDEX);
        assertThat(json.get("manifests").asInt()).isEqualTo(4);
        assertThat(json.get("blobsCopied").asInt()).isEqualTo(image.blobs().size());
        assertThat(json.get("blobsSkipped").asInt()).isZero();
        assertThat(json.get("bytesCopied").asLong()).isEqualTo(image.blobBytes());
        assertThat(json.get("blobsMounted").asInt()).isZero();
        assertThat(json.get("bytesMounted").asLong()).isZero();
        assertThat(json.get("seconds").isNumber()).isTrue();
        assertThat(json.get("referrersCopied").asInt()).isZero();
        assertThat(json.get("referrersSkipped").isArray()).isTrue();
        assertThat(json.get("referrersSkipped")).isEmpty();
        List<String> fields = new java.util.ArrayList<>();
        json.fieldNames().forEachRemaining(fields::add);
        assertThat(fields)
                .containsExactly(
                        "status",
                        "source",
                        "destination",
                        "digest",
                        "mediaType",
                        "manifests",
                        "blobsCopied",
                        "blobsSkipped",
                        "bytesCopied",
                        "blobsMounted",
                        "bytesMounted",
                        "seconds",
                        "referrersCopied",
                        "referrersSkipped");
    }

    @Test
    void shouldTakeCredentialsFromTheEnvironmentAndNeverPrintThem() {
        push(52, "cli/env", "1");

        CliRun good = run(
                Map.of("REPLICATOR_SRC_CREDS", USER + ":" + PASSWORD),
                "copy",
                "--insecure",
                source.authority() + "/cli/env:1",
                destination.authority() + "/cli/env:1");
        CliRun bad = run(
                Map.of("REPLICATOR_SRC_CREDS", USER + ":fake-wrong-password"),
                "copy",
                "--insecure",
                source.authority() + "/cli/env:1",
                destination.authority() + "/cli/env:1");

        assertThat(good.exit()).as(good.err()).isZero();
        assertThat(good.out()).startsWith("copied " + destination.authority() + "/cli/env:1@sha256:");
        assertThat(bad.exit()).isEqualTo(1);
        assertThat(bad.err().strip().lines()).hasSize(1);
        assertThat(bad.err()).startsWith("error: ").contains("refused the credentials of user 'operator'");
        assertThat(bad.err() + bad.out()).doesNotContain("fake-wrong-password").doesNotContain(PASSWORD);
    }

    @Test
    void shouldExplainBadInputInOneLineWhenArgumentsAreWrong() {
        CliRun noHost = run(Map.of(), "copy", "team/app:1", destination.authority() + "/x:1");
        CliRun missing = run(Map.of(), "copy", source.authority() + "/x:1");
        CliRun badCreds = run(
                Map.of(),
                "copy",
                "--src-creds",
                "no-colon-secret",
                source.authority() + "/x:1",
                destination.authority() + "/x:1");
        CliRun gone = run(
                Map.of("REPLICATOR_SRC_CREDS", USER + ":" + PASSWORD),
                "copy",
                "--insecure",
                source.authority() + "/cli/none:1",
                destination.authority() + "/cli/none:1");

        for (CliRun run : List.of(noHost, missing, badCreds, gone)) {
            assertThat(run.err().strip().lines()).as(run.err()).hasSize(1);
            assertThat(run.err())
                    .startsWith("error: ")
                    .doesNotContain("Exception")
                    .doesNotContain("\tat ");
        }
        assertThat(noHost.exit()).isEqualTo(2);
        assertThat(noHost.err()).contains("SOURCE").contains("is not a registry host");
        assertThat(missing.exit()).isEqualTo(2);
        assertThat(missing.err()).contains("DESTINATION");
        assertThat(badCreds.exit()).isEqualTo(2);
        assertThat(badCreds.err()).contains("USER:PASSWORD").doesNotContain("no-colon-secret");
        assertThat(gone.exit()).isEqualTo(3);
        assertThat(gone.err()).contains("does not exist");
    }

    @Test
    void shouldNameTheFixInOneLineWhenTheRegistryOrTheReferenceIsWrong() {
        CliRun plainHttp = run(Map.of(), "copy", destination.authority() + "/x:1", destination.authority() + "/y:1");
        CliRun unresolved =
                run(Map.of(), "copy", "--insecure", "no-such-host.invalid/x:1", destination.authority() + "/y:1");
        CliRun url =
                run(Map.of(), "copy", "http://" + destination.authority() + "/x:1", destination.authority() + "/y");
        CliRun zero = run(
                Map.of(), "copy", "--concurrency=0", destination.authority() + "/x:1", destination.authority() + "/y");

        for (CliRun run : List.of(plainHttp, unresolved, url, zero)) {
            assertThat(run.err().strip().lines()).as(run.err()).hasSize(1);
        }
        assertThat(plainHttp.exit()).isEqualTo(1);
        assertThat(plainHttp.err()).contains(destination.authority() + " speaks plain HTTP: pass --insecure");
        assertThat(unresolved.exit()).isEqualTo(1);
        assertThat(unresolved.err())
                .contains("cannot resolve host no-such-host.invalid")
                .doesNotContain("attempts");
        assertThat(url.exit()).isEqualTo(2);
        assertThat(url.err()).contains("is a URL, not an image reference").contains("e.g. " + destination.authority());
        assertThat(zero.exit()).isEqualTo(2);
        assertThat(zero.err()).contains("--concurrency must be 1 to 64, not 0");
    }

    @Test
    void shouldNameTheOptionAndTheVariableWhenTheRegistryRequiresCredentialsAndNoneWereGiven() {
        push(42, "cli/needs-creds", "1");

        CliRun run = run(
                Map.of(),
                "copy",
                "--insecure",
                source.authority() + "/cli/needs-creds:1",
                destination.authority() + "/cli/needs-creds:1");

        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.err().strip().lines()).hasSize(1);
        assertThat(run.err())
                .contains("requires authentication and no credentials were given")
                .contains("pass --src-creds USER:PASSWORD, or set REPLICATOR_SRC_CREDS=USER:PASSWORD");
    }

    @Test
    void shouldSayWhichTagItTookWhenTheDestinationNamesNone() throws Exception {
        SampleImages.Image image = push(43, "cli/untagged", "7");
        Map<String, String> env = Map.of("REPLICATOR_SRC_CREDS", USER + ":" + PASSWORD);

        CliRun byTag = run(
                env,
                "copy",
                "--insecure",
                source.authority() + "/cli/untagged:7",
                destination.authority() + "/cli/untagged-a");
        CliRun byDigest = run(
                env,
                "copy",
                "--insecure",
                source.authority() + "/cli/untagged@" + image.digest(),
                destination.authority() + "/cli/untagged-b");

        assertThat(byTag.exit()).as(byTag.err()).isZero();
        assertThat(byTag.out()).contains("/cli/untagged-a:7@").contains("took the source's, 7");
        assertThat(byDigest.exit()).as(byDigest.err()).isZero();
        assertThat(byDigest.out()).contains("copied by digest, untagged");
        assertThat(TestRegistries.digestOf(destination.baseUri(), "cli/untagged-b", image.digest()))
                .contains(image.digest());
    }

    @Test
    void shouldMountWhatAnEarlierRunCopiedWhenTheCacheRemembersItAndNotWithNoCache() throws Exception {
        SampleImages.Image image = push(61, "cli/cached", "1");
        Map<String, String> env =
                Map.of("REPLICATOR_SRC_CREDS", USER + ":" + PASSWORD, "XDG_CACHE_HOME", temp.toString());
        String from = source.authority() + "/cli/cached:1";
        Path cache = temp.resolve("ecr-replicator/blob-locations");

        CliRun first = run(env, "copy", "--insecure", "--json", from, destination.authority() + "/cli/cached-a:1");
        String afterFirst = Files.readString(cache);
        CliRun noCache = run(
                env, "copy", "--insecure", "--json", "--no-cache", from, destination.authority() + "/cli/cached-b:1");
        String afterNoCache = Files.readString(cache);
        CliRun second = run(env, "copy", "--insecure", "--json", from, destination.authority() + "/cli/cached-c:1");

        assertThat(first.exit()).as(first.err()).isZero();
        assertThat(first.json().get("blobsCopied").asInt())
                .isEqualTo(image.blobs().size());
        assertThat(afterFirst).contains(destination.authority()).contains("cli/cached-a");
        assertThat(noCache.exit()).as(noCache.err()).isZero();
        assertThat(noCache.json().get("blobsMounted").asInt()).isZero();
        assertThat(noCache.json().get("blobsCopied").asInt())
                .isEqualTo(image.blobs().size());
        assertThat(afterNoCache).isEqualTo(afterFirst);
        assertThat(second.exit()).as(second.err()).isZero();
        assertThat(second.json().get("blobsMounted").asInt())
                .isEqualTo(image.blobs().size());
        assertThat(second.json().get("bytesMounted").asLong()).isEqualTo(image.blobBytes());
        assertThat(second.json().get("blobsCopied").asInt()).isZero();
        assertThat(TestRegistries.digestOf(destination.baseUri(), "cli/cached-c", "1"))
                .contains(image.digest());
    }

    @Test
    void shouldCopyAndRewriteTheCacheWhenItsFileIsCorrupt() throws Exception {
        SampleImages.Image image = push(62, "cli/corrupt-cache", "1");
        Path cache = temp.resolve("ecr-replicator/blob-locations");
        Files.createDirectories(cache.getParent());
        Files.write(cache, new byte[] {'e', 'c', 'r', 0, (byte) 0xff, '\t', '\n', 'x'});
        Map<String, String> env =
                Map.of("REPLICATOR_SRC_CREDS", USER + ":" + PASSWORD, "XDG_CACHE_HOME", temp.toString());

        CliRun run = run(
                env,
                "copy",
                "--insecure",
                "--json",
                source.authority() + "/cli/corrupt-cache:1",
                destination.authority() + "/cli/corrupt-cache:1");

        assertThat(run.exit()).as(run.err()).isZero();
        assertThat(run.json().get("blobsCopied").asInt())
                .isEqualTo(image.blobs().size());
        assertThat(Files.readAllLines(cache)).first().isEqualTo("ecr-replicator blob-locations 1");
        assertThat(Files.readAllLines(cache)).hasSize(1 + image.blobs().size());
        try (var listing = Files.list(cache.getParent())) {
            assertThat(listing).containsExactly(cache);
        }
    }

    @Test
    void shouldPrintExactlyOneJsonObjectOnFailureAsOnSuccessWhenAskedForJson() throws Exception {
        push(44, "cli/json-shapes", "1");
        Map<String, String> env = Map.of("REPLICATOR_SRC_CREDS", USER + ":" + PASSWORD);
        String from = source.authority() + "/cli/json-shapes:1";
        String to = destination.authority() + "/cli/json-shapes:1";

        CliRun copied = run(env, "copy", "--insecure", "--json", from, to);
        CliRun unchanged = run(env, "copy", "--insecure", "--json", from, to);
        CliRun missing = run(env, "copy", "--insecure", "--json", source.authority() + "/cli/none:1", to);
        CliRun usage = run(env, "copy", "--insecure", "--json", "--concurrency=0", from, to);
        CliRun unknownOption = run(env, "copy", "--json", "--no-such-option", from, to);

        for (CliRun run : List.of(copied, unchanged, missing, usage, unknownOption)) {
            assertThat(run.out().strip().lines()).as(run.out() + run.err()).hasSize(1);
        }
        JsonNode first = Json.parse(copied.out());
        assertThat(first.get("status").asText()).isEqualTo("copied");
        assertThat(first.get("source").asText()).isEqualTo(from);
        assertThat(first.get("destination").asText()).startsWith(to + "@sha256:");
        assertThat(first.has("error")).isFalse();
        assertThat(Json.parse(unchanged.out()).get("status").asText()).isEqualTo("unchanged");

        JsonNode notFound = Json.parse(missing.out());
        assertThat(missing.exit()).isEqualTo(3);
        assertThat(notFound.get("status").asText()).isEqualTo("failed");
        assertThat(notFound.get("source").asText()).isEqualTo(source.authority() + "/cli/none:1");
        assertThat(notFound.get("destination").asText()).isEqualTo(to);
        assertThat(notFound.at("/error/code").asText()).isEqualTo("SOURCE_NOT_FOUND");
        assertThat(notFound.at("/error/message").asText()).contains("does not exist");
        assertThat(usage.exit()).isEqualTo(2);
        assertThat(Json.parse(usage.out()).at("/error/code").asText()).isEqualTo("USAGE");
        assertThat(unknownOption.exit()).isEqualTo(2);
        assertThat(Json.parse(unknownOption.out()).at("/error/message").asText())
                .contains("--no-such-option");
    }

    @Test
    void shouldAcceptTheDockerTransportPrefixAndSayAlreadyUpToDateWhenNothingChanged() {
        push(41, "cli/uptodate", "1");
        String from = "docker://" + source.authority() + "/cli/uptodate:1";
        String to = "docker://" + destination.authority() + "/cli/uptodate:1";
        Map<String, String> env = Map.of("REPLICATOR_SRC_CREDS", USER + ":" + PASSWORD);

        CliRun first = run(env, "copy", "--insecure", from, to);
        CliRun second = run(env, "copy", "--insecure", from, to);

        assertThat(first.exit()).as(first.err()).isZero();
        assertThat(first.out()).startsWith("copied " + destination.authority() + "/cli/uptodate:1");
        assertThat(second.exit()).as(second.err()).isZero();
        assertThat(second.out())
                .startsWith(destination.authority() + "/cli/uptodate:1@")
                .contains(" is already up to date")
                .contains("nothing copied");
    }

    @Test
    void shouldDeleteATagWhenAskedAndSayNothingWasThereTheSecondTime() {
        push(53, "cli/del", "1");
        run(
                Map.of("REPLICATOR_SRC_CREDS", USER + ":" + PASSWORD),
                "copy",
                "--insecure",
                source.authority() + "/cli/del:1",
                destination.authority() + "/cli/del:1");

        CliRun first = run(Map.of(), "delete", "--insecure", destination.authority() + "/cli/del:1");
        CliRun second = run(Map.of(), "delete", "--insecure", destination.authority() + "/cli/del:1");

        assertThat(first.exit()).as(first.err()).isZero();
        assertThat(first.out()).startsWith("deleted ");
        assertThat(second.exit()).isZero();
        assertThat(second.out()).startsWith("nothing to delete");
    }

    private Map<String, String> buildEnvironment(String requestJson) {
        Map<String, String> env = new HashMap<>();
        env.put(REPLICATION_REQUEST, requestJson);
        env.put(SOURCE_REGISTRY, source.authority());
        env.put(DESTINATION_REGISTRY, destination.authority());
        env.put(REGISTRY_INSECURE, "true");
        env.put("REPLICATOR_SRC_CREDS", USER + ":" + PASSWORD);
        return env;
    }

    private static String request(String action, String repository, String tag, String digest) {
        return "{\"repository\":\"" + repository + "\"," + (tag == null ? "" : "\"tag\":\"" + tag + "\",")
                + "\"digest\":\"" + digest + "\",\"action\":\"" + action + "\","
                + "\"eventTime\":\"2026-11-22T10:00:00Z\",\"eventId\":\"event-1\",\"sourceRegistry\":\"123456789012\"}";
    }

    private static Map<String, String> results(Path file) throws Exception {
        Map<String, String> results = new HashMap<>();
        for (String line : Files.readAllLines(file)) {
            int eq = line.indexOf('=');
            results.put(line.substring(0, eq), line.substring(eq + 1));
        }
        return results;
    }

    @Test
    void shouldReplicateThenReportSourceGoneThenKeepWhenRunAsTheBuildStep() throws Exception {
        SampleImages.Image image = push(54, "build/app", "2.0");
        Path output = temp.resolve("replication-result.env");

        CliRun push = run(
                buildEnvironment(request("PUSH", "build/app", "2.0", "sha256:" + "1".repeat(64))),
                "replicate",
                "--output",
                output.toString());
        Map<String, String> pushed = results(output);
        CliRun gone = run(
                buildEnvironment(request("PUSH", "build/app", "9.9", "sha256:" + "1".repeat(64))),
                "replicate",
                "--output",
                output.toString());
        Map<String, String> goneResults = results(output);
        CliRun delete = run(
                buildEnvironment(request("DELETE", "build/app", "2.0", image.digest())),
                "replicate",
                "--output",
                output.toString());
        Map<String, String> kept = results(output);

        assertThat(push.exit()).as(push.err()).isZero();
        assertThat(pushed)
                .containsEntry(OUTCOME, "REPLICATED")
                .containsEntry(REPLICATED_DIGEST, image.digest())
                .containsEntry(BYTES_COPIED, Long.toString(image.blobBytes()))
                .containsEntry(BLOBS_COPIED, Integer.toString(image.blobs().size()))
                .containsEntry(BLOBS_SKIPPED, "0")
                .containsEntry(BuildResults.BLOBS_MOUNTED, "0")
                .containsEntry(BuildResults.BYTES_MOUNTED, "0");
        assertThat(gone.exit()).as(gone.err()).isZero();
        assertThat(goneResults).containsEntry(OUTCOME, "SOURCE_GONE");
        assertThat(gone.out()).contains("source not found (SourceNotFound); deletes do not replicate");
        assertThat(delete.exit()).as(delete.err()).isZero();
        // The source still has the tag the delete event named: the build converges on the source and keeps it.
        assertThat(kept)
                .containsEntry(OUTCOME, "KEPT")
                .containsEntry(REPLICATED_DIGEST, image.digest())
                .containsEntry(REMOVED_DIGEST, "");
        assertThat(TestRegistries.digestOf(destination.baseUri(), "build/app", "2.0"))
                .contains(image.digest());
        assertThat(delete.out())
                .isEqualTo("replicate DELETE build/app:2.0: KEPT " + image.digest()
                        + " (the source holds it, so the destination keeps it; 0 referrers copied)\n");
    }

    private static SampleImages.Target sourceTarget() {
        return SampleImages.Target.basic(source.baseUri(), USER, PASSWORD);
    }

    /** An OCI index with a signature of the index (refused by ECR) and an SBOM of its amd64 manifest. */
    private record Signed(SampleImages.Image image, SampleImages.Image signature, SampleImages.Image sbom) {}

    private static Signed pushSigned(long seed, String repository, String tag) {
        SampleImages images = SampleImages.seed(seed);
        SampleImages.Image image = images.pushOciIndex(sourceTarget(), repository, tag);
        SampleImages.Image signature = images.pushReferrer(
                sourceTarget(),
                repository,
                image.manifests().get(0),
                SampleImages.SIGNATURE_TYPE,
                "signature " + seed,
                true);
        SampleImages.Image sbom = images.pushReferrer(
                sourceTarget(), repository, image.manifests().get(1), SampleImages.SBOM_TYPE, "sbom " + seed, true);
        return new Signed(image, signature, sbom);
    }

    @Test
    void shouldListCopiedAndSkippedReferrersInJsonAndWarnOnStderrWhenTheDestinationRefusesOne() throws Exception {
        Signed signed = pushSigned(56, "cli/signed", "1");
        try (RegistryProcess registry = RegistryProcess.startAnonymous();
                ReferrersApiFront likeEcr = ReferrersApiFront.startLikeEcr(registry)) {
            String from = source.authority() + "/cli/signed:1";
            String to = likeEcr.authority() + "/cli/signed:1";
            Map<String, String> env = Map.of("REPLICATOR_SRC_CREDS", USER + ":" + PASSWORD);

            CliRun json = run(env, "copy", "--insecure", "--json", from, to);
            CliRun again = run(env, "copy", "--insecure", from, to);

            assertThat(json.exit()).as(json.err()).isZero();
            assertThat(json.out().strip().lines()).hasSize(1);
            JsonNode result = Json.parse(json.out());
            assertThat(result.get("referrersCopied").asInt()).isEqualTo(1);
            assertThat(result.get("referrersSkipped")).hasSize(1);
            JsonNode skipped = result.get("referrersSkipped").get(0);
            assertThat(skipped.get("digest").asText())
                    .isEqualTo(signed.signature().digest());
            assertThat(skipped.get("artifactType").asText()).isEqualTo(SampleImages.SIGNATURE_TYPE);
            assertThat(skipped.get("subject").asText()).isEqualTo(signed.image().digest());
            assertThat(skipped.get("reason").asText()).contains("HTTP 405").contains("image index");
            assertThat(json.err().strip())
                    .isEqualTo("warning: referrer " + signed.signature().digest() + " ("
                            + SampleImages.SIGNATURE_TYPE + ") of "
                            + signed.image().digest() + " not copied: "
                            + skipped.get("reason").asText());
            assertThat(TestRegistries.digestOf(
                            registry.baseUri(), "cli/signed", signed.sbom().digest()))
                    .contains(signed.sbom().digest());
            assertThat(again.exit()).as(again.err()).isZero();
            assertThat(again.out())
                    .startsWith("copied " + likeEcr.authority() + "/cli/signed:1@"
                            + signed.image().digest())
                    .contains("0 referrers copied and 1 skipped (see the warnings)");
            assertThat(again.err())
                    .startsWith("warning: referrer " + signed.signature().digest());
        }
    }

    @Test
    void shouldCopyTheImageAloneWhenAskedForNoReferrers() throws Exception {
        Signed signed = pushSigned(57, "cli/alone", "1");

        CliRun run = run(
                Map.of("REPLICATOR_SRC_CREDS", USER + ":" + PASSWORD),
                "copy",
                "--insecure",
                "--no-referrers",
                "--json",
                source.authority() + "/cli/alone:1",
                destination.authority() + "/cli/alone:1");

        assertThat(run.exit()).as(run.err()).isZero();
        assertThat(Json.parse(run.out()).get("referrersCopied").asInt()).isZero();
        assertThat(TestRegistries.digestOf(destination.baseUri(), "cli/alone", "1"))
                .contains(signed.image().digest());
        assertThat(TestRegistries.digestOf(
                        destination.baseUri(), "cli/alone", signed.signature().digest()))
                .isEmpty();
        assertThat(TestRegistries.digestOf(
                        destination.baseUri(), "cli/alone", signed.sbom().digest()))
                .isEmpty();
    }

    @Test
    void shouldNameTheSiblingTagsItPutBackWhenTheRegistryCannotUntag() throws Exception {
        SampleImages.Image image = null;
        for (String tag : List.of("gone", "keep")) {
            image = SampleImages.seed(58)
                    .pushOciImage(SampleImages.Target.anonymous(destination.baseUri()), "cli/siblings", tag);
        }

        CliRun run = run(Map.of(), "delete", "--insecure", destination.authority() + "/cli/siblings:gone");

        assertThat(run.exit()).as(run.err()).isZero();
        assertThat(run.out().strip())
                .isEqualTo("deleted " + destination.authority() + "/cli/siblings:gone (" + image.digest()
                        + "); the registry cannot untag, so it deleted the digest and put back 1 sibling tag: keep");
        assertThat(TestRegistries.digestOf(destination.baseUri(), "cli/siblings", "gone"))
                .isEmpty();
        assertThat(TestRegistries.digestOf(destination.baseUri(), "cli/siblings", "keep"))
                .contains(image.digest());
    }

    @Test
    void shouldWriteItsOneLineErrorAsTheFailureReasonWhenTheBuildFails() throws Exception {
        SampleImages.Image image = push(61, "build/refused", "1");
        Map<String, String> env = buildEnvironment(request("PUSH", "build/refused", "1", image.digest()));
        String wrongPassword = "not-the-password-" + System.nanoTime();
        env.put("REPLICATOR_SRC_CREDS", USER + ":" + wrongPassword);
        Path output = temp.resolve("refused.env");

        CliRun run = run(env, "replicate", "--output", output.toString());
        Map<String, String> written = results(output);

        assertThat(run.exit()).as(run.err()).isNotZero();
        String reason = written.get(BuildResults.FAILURE_REASON);
        assertThat(reason).contains("refused the credentials of user '" + USER + "'");
        assertThat(run.err()).as("the same line the command prints").contains("error: " + reason);
        assertThat(Files.readString(output)).doesNotContain(wrongPassword);
        assertThat(written).containsEntry(OUTCOME, "");
    }

    @Test
    void shouldReportReplicatedThenUnchangedAndWriteEveryExportedKeyWhenTheBuildRunsTwice() throws Exception {
        SampleImages.Image image = push(59, "build/twice", "1");
        Map<String, String> env = buildEnvironment(request("PUSH", "build/twice", "1", image.digest()));
        Path output = temp.resolve("twice.env");

        CliRun first = run(env, "replicate", "--output", output.toString());
        Map<String, String> replicated = results(output);
        List<String> keys = Files.readAllLines(output).stream()
                .map(line -> line.substring(0, line.indexOf('=')))
                .toList();
        CliRun second = run(env, "replicate", "--output", output.toString());
        Map<String, String> unchanged = results(output);

        assertThat(first.exit()).as(first.err()).isZero();
        assertThat(keys).containsExactlyElementsOf(BuildResults.EXPORTED);
        assertThat(replicated)
                .containsEntry(OUTCOME, "REPLICATED")
                .containsEntry(REPLICATED_DIGEST, image.digest())
                .containsEntry(REFERRERS_COPIED, "0")
                .containsEntry(REFERRERS_SKIPPED, "0")
                .containsEntry(REMOVED_DIGEST, "");
        assertThat(second.exit()).as(second.err()).isZero();
        assertThat(unchanged)
                .containsEntry(OUTCOME, "UNCHANGED")
                .containsEntry(REPLICATED_DIGEST, image.digest())
                .containsEntry(BYTES_COPIED, "0")
                .containsEntry(BLOBS_COPIED, "0")
                .containsEntry(BLOBS_SKIPPED, Integer.toString(image.blobs().size()));
        assertThat(second.out()).startsWith("replicate PUSH build/twice:1: UNCHANGED " + image.digest());
    }

    @Test
    void shouldCopyReferrersAndLogEachSkippedOneWhenTheBuildReplicatesToTheEcrStandIn() throws Exception {
        Signed signed = pushSigned(60, "build/signed", "1");
        String ecrPassword = "fake-ecr-referrers-password";
        try (RegistryProcess ecrRegistry =
                        RegistryProcess.builder().htpasswd("AWS", ecrPassword).start();
                LocalEcrApi ecr = new LocalEcrApi(ecrRegistry, ecrPassword, "123456789012", "us-gov-west-1", true)) {
            Map<String, String> env = ecrBuild(
                    ecr, request("PUSH", "build/signed", "1", signed.image().digest()));
            Path output = temp.resolve("signed.env");

            CliRun run = run(env, localEcr(ecr), "replicate", "--output", output.toString());

            assertThat(run.exit()).as(run.err()).isZero();
            assertThat(results(output))
                    .containsEntry(OUTCOME, "REPLICATED")
                    .containsEntry(REFERRERS_COPIED, "1")
                    .containsEntry(REFERRERS_SKIPPED, "1");
            assertThat(run.out().lines().toList())
                    .contains("skipped referrer " + signed.signature().digest() + " ("
                            + SampleImages.SIGNATURE_TYPE + ") of "
                            + signed.image().digest()
                            + " not copied: the destination refused it with HTTP 405 UNSUPPORTED: ECR does not take"
                            + " a referrer whose subject is an image index (aws/containers-roadmap#2783)");

            env.put(BuildVariables.COPY_REFERRERS, "false");
            SampleImages.Image later = SampleImages.seed(61).pushOciImage(sourceTarget(), "build/signed", "2");
            SampleImages.Image laterSignature = SampleImages.seed(61)
                    .pushReferrer(
                            sourceTarget(),
                            "build/signed",
                            later.manifests().get(0),
                            SampleImages.SIGNATURE_TYPE,
                            "signature 61",
                            true);
            env.put(REPLICATION_REQUEST, request("PUSH", "build/signed", "2", later.digest()));
            CliRun withoutReferrers = run(env, localEcr(ecr), "replicate", "--output", output.toString());

            assertThat(withoutReferrers.exit()).as(withoutReferrers.err()).isZero();
            assertThat(results(output)).containsEntry(OUTCOME, "REPLICATED").containsEntry(REFERRERS_COPIED, "0");
            String basic = SampleImages.Target.basic(ecrRegistry.baseUri(), "AWS", ecrPassword)
                    .authorization();
            assertThat(TestRegistries.digestOf(ecrRegistry.baseUri(), basic, "build/signed", "2"))
                    .contains(later.digest());
            assertThat(TestRegistries.digestOf(ecrRegistry.baseUri(), basic, "build/signed", laterSignature.digest()))
                    .as(COPY_REFERRERS + "=false")
                    .isEmpty();
            assertThat(TestRegistries.digestOf(
                            ecrRegistry.baseUri(),
                            basic,
                            "build/signed",
                            signed.sbom().digest()))
                    .contains(signed.sbom().digest());
        }
    }

    @Test
    void shouldConvergeOnTheSourceWhenItNoLongerHasTheTagAndDeletesReplicateOrNot() throws Exception {
        SampleImages.Image image = null;
        for (String tag : List.of("1", "keep")) {
            image = push(62, "build/converge", tag);
        }
        Path output = temp.resolve("converge.env");
        for (String tag : List.of("1", "keep")) {
            CliRun copied = run(
                    buildEnvironment(request("PUSH", "build/converge", tag, image.digest())),
                    "replicate",
                    "--output",
                    output.toString());
            assertThat(copied.exit()).as(copied.err()).isZero();
        }
        // A tag only the destination has: gone with the digest, and not put back, since the source lacks it.
        run(
                Map.of(),
                "copy",
                "--insecure",
                destination.authority() + "/build/converge:1",
                destination.authority() + "/build/converge:stale");
        // The source loses tag 1 (its registry cannot untag either: the engine puts "keep" back there).
        try (ImageCopier copier = new ImageCopier(ImageCopier.Options.defaults())) {
            copier.delete(
                    org.ecrreplicator.domain.ImageReference.parse(source.authority() + "/build/converge:1"),
                    Endpoint.of(Credentials.basic(USER, PASSWORD), true));
        }
        Map<String, String> env = buildEnvironment(request("PUSH", "build/converge", "1", image.digest()));

        CliRun kept = run(env, "replicate", "--output", output.toString());
        Map<String, String> sourceGone = results(output);
        env.put(BuildVariables.REPLICATE_DELETES, "true");
        CliRun delete = run(env, "replicate", "--output", output.toString());
        Map<String, String> deleted = results(output);
        CliRun again = run(env, "replicate", "--output", output.toString());
        Map<String, String> nothing = results(output);

        assertThat(kept.exit()).as(kept.err()).isZero();
        assertThat(sourceGone).containsEntry(OUTCOME, "SOURCE_GONE").containsEntry(REPLICATED_DIGEST, "");
        assertThat(kept.out())
                .isEqualTo("replicate PUSH build/converge:1: SOURCE_GONE (source not found (SourceNotFound); deletes"
                        + " do not replicate)\n");
        assertThat(delete.exit()).as(delete.err()).isZero();
        assertThat(deleted)
                .containsEntry(OUTCOME, "DELETED")
                .containsEntry(REPLICATED_DIGEST, image.digest())
                .containsEntry(REMOVED_DIGEST, image.digest());
        assertThat(delete.out()).contains("sibling tags put back: keep");
        assertThat(TestRegistries.digestOf(destination.baseUri(), "build/converge", "1"))
                .isEmpty();
        assertThat(TestRegistries.digestOf(destination.baseUri(), "build/converge", "stale"))
                .isEmpty();
        assertThat(TestRegistries.digestOf(destination.baseUri(), "build/converge", "keep"))
                .contains(image.digest());
        assertThat(again.exit()).as(again.err()).isZero();
        assertThat(nothing).containsEntry(OUTCOME, "NOTHING_TO_DELETE").containsEntry(REMOVED_DIGEST, "");
    }

    private static EcrFactory localEcr(LocalEcrApi ecr) {
        return (region, credentials, registryId, defaults) -> new EcrApi(
                EcrClient.builder()
                        .endpointOverride(ecr.endpoint())
                        .region(region)
                        .credentialsProvider(credentials)
                        .httpClientBuilder(UrlConnectionHttpClient.builder())
                        .build(),
                registryId,
                defaults,
                Clock.systemUTC());
    }

    private Map<String, String> ecrBuild(LocalEcrApi ecr, String requestJson) {
        Map<String, String> env = buildEnvironment(requestJson);
        env.put(DESTINATION_REGISTRY, ecr.authority());
        env.put(DESTINATION_REGISTRY_IS_ECR, "true");
        env.put(DESTINATION_REGION, "us-gov-west-1");
        env.put(DESTINATION_ACCESS_KEY_ID, "AKIAIOSFODNN7EXAMPLE");
        env.put(DESTINATION_SECRET_ACCESS_KEY, "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY");
        env.put(CREATE_REPOSITORIES, "true");
        return env;
    }

    @Test
    void shouldCreateTheEcrRepositoryWithTheDestinationKeysWhenTheDestinationIsEcr() throws Exception {
        SampleImages.Image image = push(55, "build/ecr", "1");
        String ecrPassword = "fake-ecr-password";
        try (RegistryProcess ecrRegistry =
                        RegistryProcess.builder().htpasswd("AWS", ecrPassword).start();
                LocalEcrApi ecr = new LocalEcrApi(ecrRegistry, ecrPassword, "123456789012", "us-gov-west-1")) {
            Map<String, String> env = ecrBuild(ecr, request("PUSH", "build/ecr", "1", image.digest()));
            env.put(IMAGE_TAG_MUTABILITY, "IMMUTABLE");
            env.put(SCAN_ON_PUSH, "true");
            Path output = temp.resolve("ecr.env");

            CliRun run = run(env, localEcr(ecr), "replicate", "--output", output.toString());

            assertThat(run.exit()).as(run.err()).isZero();
            assertThat(results(output)).containsEntry(OUTCOME, "REPLICATED");
            assertThat(ecr.repository("build/ecr"))
                    .hasValueSatisfying(
                            repository -> assertThat(repository.tagMutability()).isEqualTo("IMMUTABLE"));
            assertThat(run.out() + run.err()).doesNotContain("wJalrXUtnFEMI");
        }
    }

    @Test
    void shouldNameTheVariableWhenTheBuildEnvironmentIsIncomplete() {
        Map<String, String> env = buildEnvironment(request("PUSH", "build/app", "1", "sha256:" + "1".repeat(64)));
        env.remove(DESTINATION_REGISTRY);

        CliRun run = run(env, "replicate", "--output", temp.resolve("x.env").toString());

        assertThat(run.exit()).isEqualTo(2);
        assertThat(run.err().strip())
                .isEqualTo("error: environment variable " + DESTINATION_REGISTRY + " is not set: it must"
                        + " hold the destination registry host[:port]");
    }
}
