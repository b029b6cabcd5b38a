package org.ecrreplicator.worker.engine.registry;

/** How to authenticate to one registry. {@code toString()} never shows a secret. */
public sealed interface Credentials {

    /**
     * No credentials: anonymous access, or anonymous bearer tokens where the registry hands them out.
     *
     * @param hint how to give credentials for this registry, for the error when it requires them, or null
     */
    record Anonymous(String hint) implements Credentials {}

    /** A user and password, sent as Basic or to the registry's token endpoint. */
    record Basic(String user, String password) implements Credentials {
        public Basic {
            if (user == null || user.isEmpty() || password == null) {
                throw new IllegalArgumentException("credentials need a user and a password");
            }
        }

        @Override
        public String toString() {
            return "Basic[user=" + user + ", password=****]";
        }
    }

    /**
     * Basic with passwords handed out for a while (ECR: user {@code AWS}, a password from {@code
     * GetAuthorizationToken}), renewed when a registry refuses one.
     */
    record Issued(PasswordSource source) implements Credentials {}

    static Credentials anonymous() {
        return new Anonymous(null);
    }

    /** @param hint how to give credentials, named in the error when the registry requires them */
    public static Credentials anonymous(String hint) {
        return new Anonymous(hint);
    }

    static Credentials basic(String user, String password) {
        return new Basic(user, password);
    }

    static Credentials issued(PasswordSource source) {
        return new Issued(source);
    }

    /**
     * Parses {@code USER:PASS} (the password may itself contain colons).
     *
     * @param source names where the value came from for the error, e.g. {@code --src-creds}; the value
     *     itself is never repeated
     */
    static Credentials parseUserPassword(String value, String source) {
        int colon = value == null ? -1 : value.indexOf(':');
        if (colon <= 0) {
            throw new IllegalArgumentException(
                    source + " must be USER:PASSWORD (a user name, a colon, then the password)");
        }
        return new Basic(value.substring(0, colon), value.substring(colon + 1));
    }
}
