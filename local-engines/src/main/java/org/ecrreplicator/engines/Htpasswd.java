package org.ecrreplicator.engines;

import java.security.SecureRandom;
import org.bouncycastle.crypto.generators.OpenBSDBCrypt;

/** htpasswd lines as the distribution registry reads them: bcrypt only. */
public final class Htpasswd {
    private static final SecureRandom RANDOM = new SecureRandom();

    private Htpasswd() {}

    public static String line(String user, String password) {
        byte[] salt = new byte[16];
        RANDOM.nextBytes(salt);
        // Cost 5 keeps registry start-up and each Basic check fast; these are throwaway test users.
        return user + ":" + OpenBSDBCrypt.generate("2y", password.toCharArray(), salt, 5) + "\n";
    }
}
