package org.ecrreplicator.domain;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Durations as operators type them on a command line: {@code 30s}, {@code 10m}, {@code 24h}, {@code 7d}, or
 * ISO-8601 ({@code PT30M}, {@code P7D}). Used by {@code redrive --since} and {@code demo --timeout}.
 */
public final class Durations {
    /** The accepted forms, for the usage error. */
    public static final String FORMS =
            "a whole number with s, m, h or d (30s, 10m, 24h, 7d) or an ISO-8601 duration (PT30M, P7D)";

    private static final Pattern SHORT = Pattern.compile("(\\d{1,7})([smhd])");

    private Durations() {}

    /**
     * @param what the option, for the error ({@code --since})
     * @throws IllegalArgumentException naming the option and the accepted forms
     */
    public static Duration parse(String text, String what) {
        String value = text == null ? "" : text.strip();
        Duration duration = null;
        Matcher matcher = SHORT.matcher(value);
        if (matcher.matches()) {
            long amount = Long.parseLong(matcher.group(1));
            duration = switch (matcher.group(2)) {
                case "s" -> Duration.ofSeconds(amount);
                case "m" -> Duration.ofMinutes(amount);
                case "h" -> Duration.ofHours(amount);
                default -> Duration.ofDays(amount);
            };
        } else if (value.startsWith("P") || value.startsWith("p")) {
            try {
                duration = Duration.parse(value);
            } catch (DateTimeParseException e) {
                duration = null;
            }
        }
        if (duration == null || duration.isNegative() || duration.isZero()) {
            throw new IllegalArgumentException(what + " '" + text + "' is not a positive duration: use " + FORMS);
        }
        return duration;
    }

    /** {@code 24h}, {@code 7d}, {@code 90m}: the shortest of the short forms that is exact. */
    public static String text(Duration duration) {
        long seconds = duration.toSeconds();
        if (duration.getNano() != 0) {
            return duration.toString();
        }
        if (seconds % 86_400 == 0) {
            return seconds / 86_400 + "d";
        }
        if (seconds % 3_600 == 0) {
            return seconds / 3_600 + "h";
        }
        if (seconds % 60 == 0) {
            return seconds / 60 + "m";
        }
        return seconds + "s";
    }
}
