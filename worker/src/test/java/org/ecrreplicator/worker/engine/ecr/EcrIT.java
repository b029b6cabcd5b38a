package org.ecrreplicator.worker.engine.ecr;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.ecrreplicator.domain.contract.BuildVariables.CREATE_REPOSITORIES;
import static org.ecrreplicator.worker.engine.RegistryAssertions.assertExactCopy;

import java.time.Clock;
import java.time.Duration;
import org.ecrreplicator.domain.Digest;
import org.ecrreplicator.domain.ImageReference;
import org.ecrreplicator.engines.LocalEcrApi;
import org.ecrreplicator.engines.RegistryProcess;
import org.ecrreplicator.engines.SampleImages;
import org.ecrreplicator.worker.engine.CopyResult;
import org.ecrreplicator.worker.engine.DeleteResult;
import org.ecrreplicator.worker.engine.Endpoint;
import org.ecrreplicator.worker.engine.ImageCopier;
import org.ecrreplicator.worker.engine.ReplicatorException;
import org.ecrreplicator.worker.engine.TagConflictException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.ecr.EcrClient;

/** ECR auth, repository creation, immutable tags and deletes, through the ECR JSON protocol. */
class EcrIT {
    private static final String ACCOUNT = "123456789012";
    private static final String ECR_PASSWORD = "fake-ecr-registry-password";

    private RegistryProcess source;
    private RegistryProcess ecrRegistry;
    private LocalEcrApi ecr;
    private ImageCopier copier;

    @BeforeEach
    void start() {
        source = RegistryProcess.startAnonymous();
        ecrRegistry = RegistryProcess.builder().htpasswd("AWS", ECR_PASSWORD).start();
        ecr = new LocalEcrApi(ecrRegistry, ECR_PASSWORD, ACCOUNT, "us-gov-west-1");
        copier = new ImageCopier(ImageCopier.Options.defaults());
    }

    @AfterEach
    void stop() {
        copier.close();
        ecr.close();
        ecrRegistry.close();
        source.close();
    }

    private EcrApi api(EcrApi.RepositoryDefaults defaults) {
        EcrClient client = EcrClient.builder()
                .endpointOverride(ecr.endpoint())
                .region(Region.US_GOV_WEST_1)
                .credentialsProvider(StaticCredentialsProvider.create(
                        AwsBasicCredentials.create("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")))
                .httpClientBuilder(UrlConnectionHttpClient.builder())
                .build();
        return new EcrApi(client, ACCOUNT, defaults, Clock.systemUTC());
    }

    private SampleImages.Image push(long seed, String repository, String tag) {
        return SampleImages.seed(seed).pushOciIndex(SampleImages.Target.anonymous(source.baseUri()), repository, tag);
    }

    private CopyResult copyTo(EcrApi api, String from, String to) {
        return copier.copy(
                ImageReference.parse(source.authority() + "/" + from),
                Endpoint.anonymous(true),
                ImageReference.parse(ecrRegistry.authority() + "/" + to),
                Endpoint.ecr(api, true));
    }

    private String basicAuth() {
        return SampleImages.Target.basic(ecrRegistry.baseUri(), "AWS", ECR_PASSWORD)
                .authorization();
    }

    @Test
    void shouldCreateTheRepositoryWithConfiguredSettingsAndAuthenticateWithEcrTokensWhenCopyingToEcr()
            throws Exception {
        SampleImages.Image image = push(41, "team/app", "1.0");
        try (EcrApi api = api(new EcrApi.RepositoryDefaults(true, "IMMUTABLE", true))) {
            CopyResult result = copyTo(api, "team/app:1.0", "team/app:1.0");

            assertThat(result.digest().toString()).isEqualTo(image.digest());
            assertThat(ecr.repository("team/app")).hasValueSatisfying(repository -> {
                assertThat(repository.tagMutability()).isEqualTo("IMMUTABLE");
                assertThat(repository.scanOnPush()).isTrue();
            });
            assertThat(ecr.calls("CreateRepository")).hasSize(1);
            assertThat(ecr.calls("GetAuthorizationToken")).hasSize(1);
            assertExactCopy(ecrRegistry.baseUri(), basicAuth(), "team/app", "1.0", image);
        }
    }

    @Test
    void shouldDescribeARepositoryOnceWhenOneClientCopiesSeveralTagsIntoIt() {
        push(42, "team/many", "1");
        push(43, "team/many", "2");
        push(44, "team/many", "3");
        try (EcrApi api = api(new EcrApi.RepositoryDefaults(true, "MUTABLE", false))) {
            for (String tag : java.util.List.of("1", "2", "3")) {
                copyTo(api, "team/many:" + tag, "team/many:" + tag);
            }

            assertThat(ecr.calls("CreateRepository")).hasSize(1);
            assertThat(ecr.calls("DescribeRepositories"))
                    .as("a sync or a reconcile shard copies many tags of one repository")
                    .hasSize(1);
        }
    }

    @Test
    void shouldFailNamingTheRepositoryWhenItIsMissingAndCreationIsDisabled() {
        push(42, "team/app", "1.0");
        try (EcrApi api = api(EcrApi.RepositoryDefaults.noCreate())) {
            assertThatThrownBy(() -> copyTo(api, "team/app:1.0", "missing/repo:1.0"))
                    .isInstanceOf(ReplicatorException.class)
                    .hasMessageContaining("'missing/repo' does not exist")
                    .hasMessageContaining(CREATE_REPOSITORIES);
            assertThat(ecr.calls("CreateRepository")).isEmpty();
        }
    }

    @Test
    void shouldSucceedForTheSameDigestAndRefuseAnotherWhenTheDestinationTagIsImmutable() {
        ecr.addRepository("team/app", "IMMUTABLE", false);
        SampleImages.Image first = push(43, "team/app", "1.0");
        try (EcrApi api = api(EcrApi.RepositoryDefaults.noCreate())) {
            copyTo(api, "team/app:1.0", "team/app:1.0");

            CopyResult again = copyTo(api, "team/app:1.0", "team/app:1.0");
            SampleImages.Image second = push(44, "team/app", "1.0");

            assertThat(again.digest().toString()).isEqualTo(first.digest());
            assertThat(again.bytesCopied()).isZero();
            assertThatThrownBy(() -> copyTo(api, "team/app:1.0", "team/app:1.0"))
                    .isInstanceOf(TagConflictException.class)
                    .hasMessageContaining("team/app:1.0 is immutable")
                    .hasMessageContaining(first.digest())
                    .hasMessageContaining(second.digest());
        }
    }

    @Test
    void shouldFetchANewTokenAndRetryWhenTheRegistryRefusesTheCachedOne() throws Exception {
        ecr.addRepository("team/app", "MUTABLE", false);
        SampleImages.Image image = push(45, "team/app", "1.0");
        ecr.handOutStaleTokens(1);
        try (EcrApi api = api(EcrApi.RepositoryDefaults.noCreate())) {
            copyTo(api, "team/app:1.0", "team/app:1.0");

            assertThat(ecr.calls("GetAuthorizationToken")).hasSize(2);
            assertExactCopy(ecrRegistry.baseUri(), basicAuth(), "team/app", "1.0", image);
        }
    }

    @Test
    void shouldRefreshTheTokenBeforeItExpiresWhenItIsOld() throws Exception {
        ecr.addRepository("team/app", "MUTABLE", false);
        push(46, "team/app", "1.0");
        ecr.tokenTtl(Duration.ofSeconds(2));
        try (EcrApi api = api(EcrApi.RepositoryDefaults.noCreate())) {
            api.authorization();
            long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            // Half of a 2 s life is the refresh point: poll until a call fetches a new one.
            while (ecr.calls("GetAuthorizationToken").size() < 2 && System.nanoTime() < deadline) {
                api.authorization();
                Thread.sleep(50);
            }
            assertThat(ecr.calls("GetAuthorizationToken")).hasSize(2);
        }
    }

    @Test
    void shouldCopyFromEcrWhenTheSourceIsEcr() throws Exception {
        ecr.addRepository("team/app", "MUTABLE", false);
        SampleImages.Image image = SampleImages.seed(47)
                .pushDockerManifestList(
                        SampleImages.Target.basic(ecrRegistry.baseUri(), "AWS", ECR_PASSWORD), "team/app", "7");
        try (EcrApi api = api(EcrApi.RepositoryDefaults.noCreate());
                RegistryProcess destination = RegistryProcess.startAnonymous()) {
            CopyResult result = copier.copy(
                    ImageReference.parse(ecrRegistry.authority() + "/team/app:7"),
                    Endpoint.ecr(api, true),
                    ImageReference.parse(destination.authority() + "/team/app:7"),
                    Endpoint.anonymous(true));

            assertThat(result.digest().toString()).isEqualTo(image.digest());
            assertExactCopy(destination.baseUri(), null, "team/app", "7", image);
        }
    }

    @Test
    void shouldDeleteThroughBatchDeleteImageAndReportReferencedChildrenWhenDestinationIsEcr() {
        SampleImages.Image image = push(48, "team/app", "1.0");
        try (EcrApi api = api(new EcrApi.RepositoryDefaults(true, "MUTABLE", false))) {
            copyTo(api, "team/app:1.0", "team/app:1.0");
            String child = image.manifests().get(1).digest();
            Endpoint endpoint = Endpoint.ecr(api, true);

            assertThatThrownBy(() -> copier.delete(
                            ImageReference.parse(ecrRegistry.authority() + "/team/app@" + child), endpoint))
                    .isInstanceOf(ReplicatorException.class)
                    .hasMessageContaining("ImageReferencedByManifestList");
            DeleteResult deleted =
                    copier.delete(ImageReference.parse(ecrRegistry.authority() + "/team/app:1.0"), endpoint);
            DeleteResult again =
                    copier.delete(ImageReference.parse(ecrRegistry.authority() + "/team/app:1.0"), endpoint);
            DeleteResult noRepository =
                    copier.delete(ImageReference.parse(ecrRegistry.authority() + "/no/such:1.0"), endpoint);

            assertThat(deleted.deleted()).isTrue();
            assertThat(deleted.digest()).isEqualTo(Digest.parse(image.digest()));
            assertThat(deleted.removedDigest())
                    .as("a tag delete reports no removed digest at ECR")
                    .isNull();
            assertThat(deleted.restoredTags()).isEmpty();
            assertThat(again.deleted()).isFalse();
            assertThat(noRepository.deleted()).isFalse();
            assertThat(ecr.calls("BatchDeleteImage")).hasSize(4);
        }
    }
}
