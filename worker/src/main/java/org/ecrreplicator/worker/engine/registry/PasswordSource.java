package org.ecrreplicator.worker.engine.registry;

/**
 * Registry passwords that someone else hands out for a while, such as ECR's {@code GetAuthorizationToken}.
 * The registry package asks for one when it needs it and says when a registry refused it; how passwords are
 * fetched, cached and retried is the source's business (for ECR, the AWS SDK's), never ours to retry.
 */
public interface PasswordSource {
    /** A user and a password, sent as Basic. {@code toString()} leaves the password out. */
    record Password(String user, String password) {
        @Override
        public String toString() {
            return "Password[user=" + user + ", password=****]";
        }
    }

    /** The password to send now. */
    Password current();

    /** The registry refused {@code password}: the next {@link #current()} must not hand it out again. */
    void refused(String password);
}
