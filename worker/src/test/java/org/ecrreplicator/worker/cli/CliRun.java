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
        CommandLine commandLine = ReplicatorCommand.commandLine(new Environment(env), ecr);
        commandLine.setOut(new PrintWriter(out));
        commandLine.setErr(new PrintWriter(err));
        int exit = commandLine.execute(args);
        return new CliRun(exit, out.toString(), err.toString());
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
