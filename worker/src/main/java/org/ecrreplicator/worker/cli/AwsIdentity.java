package org.ecrreplicator.worker.cli;

import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;

/**
 * The AWS credentials one side's calls are signed with, and how error messages name them.
 *
 * @param profile the named profile whose settings ({@code endpoint_url} included) the clients follow, or null
 * @param description e.g. {@code source side, profile 'gov'}: names where the keys come from, never a key
 */
record AwsIdentity(AwsCredentialsProvider credentials, String profile, String description) {
    static AwsIdentity defaultChain(String side) {
        return new AwsIdentity(
                DefaultCredentialsProvider.builder().build(), null, side + " side, the default AWS credentials");
    }

    @Override
    public String toString() {
        return "AwsIdentity[" + description + "]";
    }
}
