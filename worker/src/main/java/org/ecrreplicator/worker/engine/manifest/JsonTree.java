package org.ecrreplicator.worker.engine.manifest;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A small, strict JSON (RFC 8259) reader into plain maps, lists, strings, numbers and booleans, and a
 * string quoter for writing. The copier only reads a few fields of manifests, tokens and error bodies;
 * Jackson would cost every run a tenth of a second of class loading and static set-up (its parser
 * initialises {@code BigDecimal}, which computes 5^65536) before the first request
 * (docs/decisions/0016-startup-trimming.md). Nothing read here is ever written back: manifests are pushed as
 * their original bytes.
 */
public final class JsonTree {
    private static final int MAX_DEPTH = 64;

    private final String text;
    private int position;

    private JsonTree(String text) {
        this.text = text;
    }

    /**
     * The document's value: {@code Map<String, Object>} for an object (the last of duplicate keys wins),
     * {@code List<Object>} for an array, {@link String}, {@link Long} (integers that fit), {@link Double}
     * (other numbers), {@link Boolean}, or null.
     *
     * @throws IOException the bytes are not one JSON value in UTF-8; the message says what and where
     */
    public static Object parse(byte[] bytes) throws IOException {
        String text;
        try {
            text = StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new IOException("not UTF-8 text");
        }
        JsonTree reader = new JsonTree(text);
        reader.skipWhitespace();
        Object value = reader.value(0);
        reader.skipWhitespace();
        if (reader.position < text.length()) {
            throw reader.error("unexpected content after the value");
        }
        return value;
    }

    /** The object's member {@code name} when it is an object, else an empty map. */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> object(Object parent, String name) {
        return member(parent, name) instanceof Map<?, ?> map ? (Map<String, Object>) map : Map.of();
    }

    /** The object's member {@code name} when it is an array, else an empty list. */
    @SuppressWarnings("unchecked")
    public static List<Object> array(Object parent, String name) {
        return member(parent, name) instanceof List<?> list ? (List<Object>) list : List.of();
    }

    /** The object's member {@code name} when it is a string, else null. */
    public static String string(Object parent, String name) {
        return member(parent, name) instanceof String value ? value : null;
    }

    /** The object's member {@code name}, or null when absent or when {@code parent} is not an object. */
    public static Object member(Object parent, String name) {
        return parent instanceof Map<?, ?> map ? map.get(name) : null;
    }

    public static boolean has(Object parent, String name) {
        return parent instanceof Map<?, ?> map && map.containsKey(name);
    }

    // ---------------------------------------------------------------- writing

    /**
     * Compact JSON text for a value of the shapes {@link #parse} returns. Used only for documents the engine
     * composes itself (a merged referrers index); a manifest read from a registry is never written back.
     */
    public static String write(Object value) {
        StringBuilder out = new StringBuilder();
        write(out, value);
        return out.toString();
    }

    private static void write(StringBuilder out, Object value) {
        switch (value) {
            case null -> out.append("null");
            case String text -> quote(out, text);
            case Boolean bool -> out.append(bool);
            case Long number -> out.append(number);
            case Integer number -> out.append(number);
            case Double number -> {
                if (number.isNaN() || number.isInfinite()) {
                    throw new IllegalArgumentException("JSON has no " + number);
                }
                out.append(number);
            }
            case Map<?, ?> map -> {
                out.append('{');
                boolean first = true;
                for (Map.Entry<?, ?> entry : map.entrySet()) {
                    if (!first) {
                        out.append(',');
                    }
                    first = false;
                    quote(out, String.valueOf(entry.getKey()));
                    out.append(':');
                    write(out, entry.getValue());
                }
                out.append('}');
            }
            case List<?> list -> {
                out.append('[');
                for (int i = 0; i < list.size(); i++) {
                    if (i > 0) {
                        out.append(',');
                    }
                    write(out, list.get(i));
                }
                out.append(']');
            }
            default ->
                throw new IllegalArgumentException(
                        "cannot write " + value.getClass().getSimpleName() + " as JSON");
        }
    }

    private static void quote(StringBuilder out, String text) {
        out.append('"');
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }

    // ---------------------------------------------------------------- reading

    private Object value(int depth) throws IOException {
        if (position >= text.length()) {
            throw error("unexpected end of input");
        }
        char c = text.charAt(position);
        return switch (c) {
            case '{' -> object(depth + 1);
            case '[' -> array(depth + 1);
            case '"' -> string();
            case 't' -> literal("true", Boolean.TRUE);
            case 'f' -> literal("false", Boolean.FALSE);
            case 'n' -> literal("null", null);
            default -> {
                if (c == '-' || (c >= '0' && c <= '9')) {
                    yield number();
                }
                throw error("unexpected character '" + printable(c) + "'");
            }
        };
    }

    private Map<String, Object> object(int depth) throws IOException {
        checkDepth(depth);
        position++;
        Map<String, Object> members = new LinkedHashMap<>();
        skipWhitespace();
        if (peek() == '}') {
            position++;
            return members;
        }
        while (true) {
            skipWhitespace();
            if (peek() != '"') {
                throw error("expected a member name in double quotes");
            }
            String name = string();
            skipWhitespace();
            expect(':');
            skipWhitespace();
            members.put(name, value(depth));
            if (closes('}', "an object")) {
                return members;
            }
        }
    }

    private List<Object> array(int depth) throws IOException {
        checkDepth(depth);
        position++;
        List<Object> elements = new ArrayList<>();
        skipWhitespace();
        if (peek() == ']') {
            position++;
            return elements;
        }
        while (true) {
            skipWhitespace();
            elements.add(value(depth));
            if (closes(']', "an array")) {
                return elements;
            }
        }
    }

    /** After a member or element: true past the closing bracket, false past a comma, else an error. */
    private boolean closes(char close, String where) throws IOException {
        skipWhitespace();
        char next = peek();
        if (next != close && next != ',') {
            throw error("expected ',' or '" + close + "' in " + where);
        }
        position++;
        return next == close;
    }

    private String string() throws IOException {
        position++;
        StringBuilder out = null;
        int start = position;
        while (true) {
            if (position >= text.length()) {
                throw error("unterminated string");
            }
            char c = text.charAt(position);
            if (c == '"') {
                String value = out == null
                        ? text.substring(start, position)
                        : out.append(text, start, position).toString();
                position++;
                return value;
            }
            if (c < 0x20) {
                throw error("control character in a string");
            }
            if (c != '\\') {
                position++;
                continue;
            }
            if (out == null) {
                out = new StringBuilder();
            }
            out.append(text, start, position);
            position++;
            if (position >= text.length()) {
                throw error("unterminated string");
            }
            char escaped = text.charAt(position++);
            switch (escaped) {
                case '"' -> out.append('"');
                case '\\' -> out.append('\\');
                case '/' -> out.append('/');
                case 'b' -> out.append('\b');
                case 'f' -> out.append('\f');
                case 'n' -> out.append('\n');
                case 'r' -> out.append('\r');
                case 't' -> out.append('\t');
                case 'u' -> {
                    if (position + 4 > text.length()) {
                        throw error("incomplete \\u escape");
                    }
                    int code = 0;
                    for (int i = 0; i < 4; i++) {
                        int digit = Character.digit(text.charAt(position + i), 16);
                        if (digit < 0) {
                            throw error("invalid \\u escape");
                        }
                        code = code * 16 + digit;
                    }
                    position += 4;
                    out.append((char) code);
                }
                default -> {
                    position--;
                    throw error("invalid escape '\\" + printable(escaped) + "'");
                }
            }
            start = position;
        }
    }

    private Object number() throws IOException {
        int start = position;
        if (peek() == '-') {
            position++;
        }
        if (peek() == '0') {
            position++;
        } else if (isDigit(peek())) {
            skipDigits();
        } else {
            throw error("invalid number");
        }
        boolean integral = true;
        if (peek() == '.') {
            integral = false;
            position++;
            if (!isDigit(peek())) {
                throw error("invalid number: no digits after '.'");
            }
            skipDigits();
        }
        if (peek() == 'e' || peek() == 'E') {
            integral = false;
            position++;
            if (peek() == '+' || peek() == '-') {
                position++;
            }
            if (!isDigit(peek())) {
                throw error("invalid number: no digits in the exponent");
            }
            skipDigits();
        }
        String literal = text.substring(start, position);
        if (integral && literal.length() <= 18) {
            return Long.parseLong(literal);
        }
        if (integral) {
            try {
                return Long.parseLong(literal);
            } catch (NumberFormatException e) {
                // beyond a long: a double, as for any other large number
            }
        }
        return Double.parseDouble(literal);
    }

    private Object literal(String word, Object value) throws IOException {
        if (!text.startsWith(word, position)) {
            throw error("invalid literal, expected '" + word + "'");
        }
        position += word.length();
        return value;
    }

    private void skipDigits() {
        while (isDigit(peek())) {
            position++;
        }
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    private void skipWhitespace() {
        while (position < text.length()) {
            char c = text.charAt(position);
            if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
                return;
            }
            position++;
        }
    }

    /** The next character, or NUL at the end (never valid where a real character is expected). */
    private char peek() {
        return position < text.length() ? text.charAt(position) : '\0';
    }

    private void expect(char c) throws IOException {
        if (peek() != c) {
            throw error("expected '" + c + "'");
        }
        position++;
    }

    private void checkDepth(int depth) throws IOException {
        if (depth > MAX_DEPTH) {
            throw error("nested more than " + MAX_DEPTH + " levels deep");
        }
    }

    private static String printable(char c) {
        return c < 0x20 || c > 0x7e ? String.format("\\u%04x", (int) c) : String.valueOf(c);
    }

    private IOException error(String what) {
        return new IOException(what + " at character " + position);
    }
}
