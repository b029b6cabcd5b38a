package org.ecrreplicator.functions;

import org.ecrreplicator.domain.ReplicationRequest;
import org.ecrreplicator.domain.Sha256;

/**
 * Deterministic, readable execution names: {@code <repository>_<tag or digest prefix>_<action>_<hash>}, the
 * hash being the first 12 hex characters of sha256(event id). A redelivered message maps to the same name,
 * so Step Functions refuses a second execution. Only {@code A-Z a-z 0-9 - _ .} are used: the execution-name
 * rules forbid whitespace, brackets, wildcards, most punctuation ({@code / : # % & ...}) and control
 * characters, and CloudWatch prefers ASCII; names are at most 80 characters.
 */
public final class ExecutionNames {
    public static final int MAX_LENGTH = 80;
    private static final int HASH_LENGTH = 12;
    private static final int MAX_REFERENCE_LENGTH = 24;

    private ExecutionNames() {}

    public static String of(ReplicationRequest request) {
        String hash = Sha256.hex(request.eventId()).substring(0, HASH_LENGTH);
        String action = request.action().name().toLowerCase(java.util.Locale.ROOT);
        String reference = request.tag() != null
                ? sanitise(request.tag())
                : request.digest().algorithm() + "-"
                        + request.digest().encoded().substring(0, 12);
        reference = cut(reference, MAX_REFERENCE_LENGTH);
        String suffix = "_" + reference + "_" + action + "_" + hash;
        String repository = cut(sanitise(request.repository()), MAX_LENGTH - suffix.length());
        return repository + suffix;
    }

    static String sanitise(String text) {
        StringBuilder out = new StringBuilder(text.length());
        for (char c : text.toCharArray()) {
            boolean allowed = (c >= 'a' && c <= 'z')
                    || (c >= 'A' && c <= 'Z')
                    || (c >= '0' && c <= '9')
                    || c == '-'
                    || c == '_'
                    || c == '.';
            out.append(allowed ? c : '-');
        }
        return out.toString();
    }

    private static String cut(String text, int max) {
        return text.length() <= max ? text : text.substring(0, max);
    }
}
