package org.ecrreplicator.worker.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Map;
import org.ecrreplicator.domain.Json;
import picocli.CommandLine;

/** One run of the {@code replicator} command line: its exit code and what it printed on stdout and stderr. */
record CliRun(int exit, String out, String err) {
    /** In this JVM, with {@code env} as the environment and {@code ecr} building the ECR clients. */
    static CliRun inProcess(Map<String, String> env, EcrFactory ecr, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        // As main builds it: only the command named first, when there is one.
        CommandLine commandLine = ReplicatorCommand.commandLine(new Environment(withOwnCache(env)), ecr, args);
        commandLine.setOut(new PrintWriter(out));
        commandLine.setErr(new PrintWriter(err));
        int exit = commandLine.execute(args);
        return new CliRun(exit, out.toString(), err.toString());
    }

    /**
     * Each run keeps its blob-location cache in a directory of its own unless the test names one: runs do not
     * mount from what an earlier test copied, and nothing is written under the user's home.
     */
    private static Map<String, String> withOwnCache(Map<String, String> env) {
        if (env.containsKey("XDG_CACHE_HOME")) {
            return env;
        }
        try {
            java.util.Map<String, String> own = new java.util.HashMap<>(env);
            own.put(
                    "XDG_CACHE_HOME",
                    java.nio.file.Files.createTempDirectory("cli-cache").toString());
            return own;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** In this JVM, with an empty environment and the SDK's ECR clients. */
    static CliRun inProcess(String... args) {
        return inProcess(Map.of(), EcrFactory.sdk(), args);
    }

    String all() {
        return out + err;
    }

    /** stdout as the one line of JSON the command printed. */
    JsonNode json() {
        assertThat(out.strip().lines()).as("one line of JSON: %s", out).hasSize(1);
        return Json.parse(out);
    }
}
