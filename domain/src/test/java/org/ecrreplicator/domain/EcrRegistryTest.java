package org.ecrreplicator.domain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class EcrRegistryTest {

    @ParameterizedTest
    @CsvSource({
        "us-east-1, aws",
        "eu-west-3, aws",
        "us-gov-west-1, aws-us-gov",
        "us-gov-east-1, aws-us-gov",
        "cn-north-1, aws-cn",
        "cn-northwest-1, aws-cn"
    })
    void shouldDerivePartitionFromRegion(String region, String partition) {
        assertThat(Partition.fromRegion(region).id()).isEqualTo(partition);
    }

    @ParameterizedTest
    @CsvSource({
        "123456789012, us-east-1, false, 123456789012.dkr.ecr.us-east-1.amazonaws.com, https://api.ecr.us-east-1.amazonaws.com",
        "123456789012, us-gov-west-1, false, 123456789012.dkr.ecr.us-gov-west-1.amazonaws.com, https://api.ecr.us-gov-west-1.amazonaws.com",
        "123456789012, us-gov-west-1, true, 123456789012.dkr.ecr-fips.us-gov-west-1.amazonaws.com, https://ecr-fips.us-gov-west-1.amazonaws.com",
        "123456789012, cn-north-1, false, 123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn, https://api.ecr.cn-north-1.amazonaws.com.cn",
        "123456789012, us-east-2, true, 123456789012.dkr.ecr-fips.us-east-2.amazonaws.com, https://ecr-fips.us-east-2.amazonaws.com"
    })
    void shouldProduceAndRecogniseHostWhenInAnyPartition(
            String account, String region, boolean fips, String host, String api) {
        EcrRegistry registry = new EcrRegistry(account, region, fips);

        assertThat(registry.host()).isEqualTo(host);
        assertThat(registry.apiEndpoint()).isEqualTo(URI.create(api));
        assertThat(EcrRegistry.fromHost(host)).contains(registry);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "registry.example.com",
                "12345678901.dkr.ecr.us-east-1.amazonaws.com",
                "123456789012.dkr.ecr.cn-north-1.amazonaws.com",
                "123456789012.dkr.ecr.us-east-1.amazonaws.com.cn",
                "123456789012.dkr.ecr.us-east-1.amazonaws.com.evil.example",
                "localhost:5000"
            })
    void shouldNotRecogniseHostWhenNotAnEcrRegistryOfItsPartition(String host) {
        assertThat(EcrRegistry.isEcrHost(host)).isFalse();
    }

    @Test
    void shouldRefuseFipsInChina() {
        assertThatThrownBy(() -> new EcrRegistry("123456789012", "cn-north-1", true))
                .hasMessageContaining("FIPS");
    }

    @Test
    void shouldNameTheProblemWhenRegionOrAccountIsInvalid() {
        assertThatThrownBy(() -> EcrRegistry.of("123456789012", "useast1"))
                .hasMessageContaining("invalid region 'useast1'");
        assertThatThrownBy(() -> EcrRegistry.of("1234", "us-east-1")).hasMessageContaining("12 digits");
        assertThatThrownBy(() -> Partition.fromId("aws-iso")).hasMessageContaining("aws, aws-us-gov, aws-cn");
    }
}
