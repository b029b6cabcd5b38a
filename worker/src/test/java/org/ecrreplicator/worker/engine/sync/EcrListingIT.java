package org.ecrreplicator.worker.engine.sync;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.util.Map;
import org.ecrreplicator.domain.Digest;
import org.ecrreplicator.engines.LocalEcrApi;
import org.ecrreplicator.engines.RegistryProcess;
import org.ecrreplicator.engines.SampleImages;
import org.ecrreplicator.worker.engine.ecr.EcrApi;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.ecr.EcrClient;

/** An ECR registry listed through its control plane (the LocalEcrApi stand-in), page by page. */
class EcrListingIT {
    private static final String PASSWORD = "fake-ecr-listing-password";

    @Test
    void shouldFollowNextTokenThroughEveryPageWhenListingRepositoriesAndTags() throws Exception {
        try (RegistryProcess registry =
                        RegistryProcess.builder().htpasswd("AWS", PASSWORD).start();
                LocalEcrApi ecr = new LocalEcrApi(registry, PASSWORD, "123456789012", "us-gov-west-1");
                EcrApi api = new EcrApi(
                        EcrClient.builder()
                                .endpointOverride(ecr.endpoint())
                                .region(Region.US_GOV_WEST_1)
                                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(
                                        "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")))
                                .httpClientBuilder(UrlConnectionHttpClient.builder())
                                .build(),
                        "123456789012",
                        EcrApi.RepositoryDefaults.noCreate(),
                        Clock.systemUTC())) {
            for (String name : new String[] {"team/a", "team/b/c", "team/d"}) {
                ecr.addRepository(name, "MUTABLE", false);
            }
            SampleImages.Target target = SampleImages.Target.basic(registry.baseUri(), "AWS", PASSWORD);
            SampleImages images = SampleImages.seed(81);
            SampleImages.Image one = images.pushOciImage(target, "team/b/c", "1");
            SampleImages.Image two = SampleImages.seed(82).pushOciIndex(target, "team/b/c", "2");
            SampleImages.seed(81).pushOciImage(target, "team/b/c", "3");
            images.pushReferrer(target, "team/b/c", one.manifests().get(0), SampleImages.SIGNATURE_TYPE, "sig", true);

            EcrLister lister = new EcrLister(api, 2);

            assertThat(lister.repositories()).containsExactly("team/a", "team/b/c", "team/d");
            assertThat(ecr.calls("DescribeRepositories")).hasSize(2);
            Map<String, Digest> tags = lister.tags("team/b/c").orElseThrow();
            assertThat(tags)
                    .as("the fallback tag sha256-<hex> is not a user tag")
                    .containsExactly(
                            Map.entry("1", Digest.parse(one.digest())),
                            Map.entry("2", Digest.parse(two.digest())),
                            Map.entry("3", Digest.parse(one.digest())));
            assertThat(ecr.calls("ListImages"))
                    .as("four images (three tags and the fallback tag), two a page")
                    .hasSize(2);
            assertThat(ecr.calls("ListImages")
                            .get(0)
                            .request()
                            .path("filter")
                            .path("tagStatus")
                            .asText())
                    .isEqualTo("TAGGED");
            assertThat(lister.tags("team/a")).contains(Map.of());
            assertThat(lister.tags("team/none")).isEmpty();
        }
    }
}
