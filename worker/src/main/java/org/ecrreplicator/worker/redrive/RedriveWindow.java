package org.ecrreplicator.worker.redrive;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** {@code --since}: how far back {@code redrive} looks at executions' stop dates. */
public final class RedriveWindow {
    /** The accepted forms, for the usage error. */
    public static final String FORMS =
            "a whole number with s, m, h or d (30s, 10m, 24h, 7d) or an ISO-8601 duration (PT30M, P7D)";

    private static final Pattern SHORT = Pattern.compile("(\\d{1,7})([smhd])");

    private RedriveWindow() {}

    /** @throws IllegalArgumentException naming the accepted forms */
    public static Duration parse(String text) {
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
            throw new IllegalArgumentException("--since '" + text + "' is not a positive duration: use " + FORMS);
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
