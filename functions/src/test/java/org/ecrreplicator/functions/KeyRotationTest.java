package org.ecrreplicator.functions;

import static org.assertj.core.api.Assertions.assertThat;

import org.ecrreplicator.domain.Partition;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.iam.endpoints.IamEndpointProvider;

class KeyRotationTest {
    private static String iamEndpoint(Partition partition) {
        return IamEndpointProvider.defaultProvider()
                .resolveEndpoint(params -> params.region(KeyRotation.iamRegion(partition)))
                .join()
                .url()
                .toString();
    }

    @Test
    void shouldCallThePartitionsOwnIamEndpointWhenRotating() {
        assertThat(iamEndpoint(Partition.AWS)).isEqualTo("https://iam.amazonaws.com");
        assertThat(iamEndpoint(Partition.AWS_US_GOV)).isEqualTo("https://iam.us-gov.amazonaws.com");
        assertThat(iamEndpoint(Partition.AWS_CN)).isEqualTo("https://iam.cn-north-1.amazonaws.com.cn");
    }
}
