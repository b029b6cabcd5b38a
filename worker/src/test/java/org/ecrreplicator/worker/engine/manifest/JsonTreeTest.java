package org.ecrreplicator.worker.engine.manifest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonTreeTest {
    private static Object parse(String json) throws IOException {
        return JsonTree.parse(json.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void shouldReadEveryKindOfValueWhenTheDocumentIsValid() throws IOException {
        Object root = parse(" {\"s\":\"a\\\"b\\\\c\\/d\\n\\u00e9\\ud83d\\ude00\", \"n\":[0,-12,9007199254740993,"
                + "1.5e3,-0.25,12345678901234567890],\"t\":true,\"f\":false,\"z\":null,\"o\":{},\"a\":[],"
                + "\"x\":1,\"x\":2,\"é\":\"ü\"}\n");

        assertThat(JsonTree.string(root, "s")).isEqualTo("a\"b\\c/d\né\uD83D\uDE00");
        assertThat(JsonTree.array(root, "n"))
                .containsExactly(0L, -12L, 9007199254740993L, 1500.0, -0.25, 1.2345678901234567e19);
        assertThat(JsonTree.member(root, "t")).isEqualTo(true);
        assertThat(JsonTree.member(root, "f")).isEqualTo(false);
        assertThat(JsonTree.has(root, "z")).isTrue();
        assertThat(JsonTree.member(root, "z")).isNull();
        assertThat(JsonTree.object(root, "o")).isEmpty();
        assertThat(JsonTree.array(root, "a")).isEmpty();
        assertThat(JsonTree.member(root, "x")).as("the last duplicate wins").isEqualTo(2L);
        assertThat(JsonTree.string(root, "é")).isEqualTo("ü");
        assertThat(((Map<?, ?>) root).keySet().stream().map(String::valueOf).toList())
                .startsWith("s", "n", "t");
    }

    @Test
    void shouldAnswerEmptyWhenAFieldHasAnotherTypeOrTheParentIsNoObject() throws IOException {
        Object root = parse("{\"a\":\"text\",\"o\":[1]}");

        assertThat(JsonTree.array(root, "a")).isEmpty();
        assertThat(JsonTree.object(root, "o")).isEmpty();
        assertThat(JsonTree.string(root, "o")).isNull();
        assertThat(JsonTree.string(List.of(), "a")).isNull();
        assertThat(JsonTree.has("text", "a")).isFalse();
    }

    @Test
    void shouldRefuseWithWhereWhenTheDocumentIsNotJson() {
        for (String bad : List.of(
                "",
                "{",
                "{\"a\":1,}",
                "[1,]",
                "{\"a\" 1}",
                "{a:1}",
                "\"unterminated",
                "\"tab\tinside\"",
                "\"\\x\"",
                "\"\\u12\"",
                "01",
                "-",
                "1.",
                "1e",
                "tru",
                "nul",
                "{} {}",
                "[1] x")) {
            assertThatThrownBy(() -> parse(bad))
                    .as(bad)
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("at ");
        }
        assertThatThrownBy(() -> JsonTree.parse(new byte[] {'"', (byte) 0xc3, '"'}))
                .hasMessageContaining("not UTF-8");
        assertThatThrownBy(() -> parse("[".repeat(100) + "]".repeat(100))).hasMessageContaining("nested");
    }

    @Test
    void shouldNameTheMissingSeparatorAndWhereWhenMembersOrElementsRunTogether() {
        assertThatThrownBy(() -> parse("{\"a\":1 \"b\":2}"))
                .isInstanceOf(IOException.class)
                .hasMessage("expected ',' or '}' in an object at character 7");
        assertThatThrownBy(() -> parse("[1 2]"))
                .isInstanceOf(IOException.class)
                .hasMessage("expected ',' or ']' in an array at character 3");
    }

    @Test
    void shouldWriteCompactJsonThatReadsBackTheSameWhenComposingADocument() throws IOException {
        String text = "{\"schemaVersion\":2,\"manifests\":[{\"digest\":\"sha256:ab\",\"size\":12,\"annotations\":"
                + "{\"q\":\"a\\\"b\\\\c\\n\\u0001é\"}}],\"ok\":true,\"none\":null,\"half\":0.5}";

        String written = JsonTree.write(parse(text));

        assertThat(written).isEqualTo(text);
        assertThat(JsonTree.write(List.of(Map.of("n", 1), "x"))).isEqualTo("[{\"n\":1},\"x\"]");
        assertThatThrownBy(() -> JsonTree.write(Map.of("bad", new Object())))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
