package org.ecrreplicator.worker.engine.registry;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Parses {@code WWW-Authenticate} (RFC 9110 section 11.6.1): one or more challenges, each a scheme and
 * comma-separated {@code name=value} parameters in any order, values quoted (with backslash escapes) or not.
 */
final class WwwAuthenticate {
    /** One challenge; scheme and parameter names are lower-cased, since both are case-insensitive. */
    record Challenge(String scheme, Map<String, String> parameters) {
        Optional<String> parameter(String name) {
            return Optional.ofNullable(parameters.get(name.toLowerCase(Locale.ROOT)));
        }
    }

    private final String text;
    private int pos;

    private WwwAuthenticate(String text) {
        this.text = text;
    }

    static List<Challenge> parse(String header) {
        return header == null ? List.of() : new WwwAuthenticate(header).challenges();
    }

    /** The challenges of several header lines, in order. */
    static List<Challenge> parse(List<String> headers) {
        List<Challenge> all = new ArrayList<>();
        headers.forEach(header -> all.addAll(parse(header)));
        return all;
    }

    private List<Challenge> challenges() {
        List<Challenge> challenges = new ArrayList<>();
        while (true) {
            skip(" \t,");
            if (pos >= text.length()) {
                return challenges;
            }
            String scheme = token();
            if (scheme.isEmpty()) {
                pos++; // not a token character: skip it rather than loop forever on bad input
                continue;
            }
            Map<String, String> parameters = new LinkedHashMap<>();
            while (true) {
                skip(" \t");
                int mark = pos;
                String name = token();
                skip(" \t");
                if (name.isEmpty() || pos >= text.length() || text.charAt(pos) != '=') {
                    pos = mark; // the next challenge's scheme (or a token68 we do not use)
                    if (!name.isEmpty() && parameters.isEmpty()) {
                        token();
                        skip("=");
                    }
                    break;
                }
                pos++;
                skip(" \t");
                parameters.put(name.toLowerCase(Locale.ROOT), value());
                skip(" \t");
                if (pos < text.length() && text.charAt(pos) == ',') {
                    pos++;
                    continue;
                }
                break;
            }
            challenges.add(new Challenge(scheme.toLowerCase(Locale.ROOT), Map.copyOf(parameters)));
        }
    }

    private String value() {
        if (pos < text.length() && text.charAt(pos) == '"') {
            pos++;
            StringBuilder value = new StringBuilder();
            while (pos < text.length()) {
                char c = text.charAt(pos++);
                if (c == '\\' && pos < text.length()) {
                    value.append(text.charAt(pos++));
                } else if (c == '"') {
                    return value.toString();
                } else {
                    value.append(c);
                }
            }
            return value.toString(); // unterminated: be lenient, the registry meant the rest
        }
        return token();
    }

    private String token() {
        int start = pos;
        while (pos < text.length() && isTokenChar(text.charAt(pos))) {
            pos++;
        }
        return text.substring(start, pos);
    }

    private void skip(String characters) {
        while (pos < text.length() && characters.indexOf(text.charAt(pos)) >= 0) {
            pos++;
        }
    }

    private static boolean isTokenChar(char c) {
        return c > 0x20 && c < 0x7f && "()<>@,;:\\\"/[]?={} \t".indexOf(c) < 0 || c == '/' || c == ':';
    }
}
