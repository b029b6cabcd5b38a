package org.ecrreplicator.functions;

import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.ClientContext;
import com.amazonaws.services.lambda.runtime.CognitoIdentity;
import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.LambdaLogger;
import com.fasterxml.jackson.databind.JsonNode;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.ecrreplicator.domain.Json;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class LogTest {
    private final List<String> lines = new CopyOnWriteArrayList<>();
    private final Log log =
            new Log("check-state", lines::add, Clock.fixed(Instant.parse("2026-11-22T10:00:00Z"), ZoneOffset.UTC));

    @AfterEach
    void clearTraceHeader() {
        System.clearProperty(Log.TRACE_HEADER_PROPERTY);
    }

    private static Context context(String requestId) {
        return new Context() {
            @Override
            public String getAwsRequestId() {
                return requestId;
            }

            @Override
            public String getLogGroupName() {
                return null;
            }

            @Override
            public String getLogStreamName() {
                return null;
            }

            @Override
            public String getFunctionName() {
                return "check-state";
            }

            @Override
            public String getFunctionVersion() {
                return "1";
            }

            @Override
            public String getInvokedFunctionArn() {
                return null;
            }

            @Override
            public CognitoIdentity getIdentity() {
                return null;
            }

            @Override
            public ClientContext getClientContext() {
                return null;
            }

            @Override
            public int getRemainingTimeInMillis() {
                return 30_000;
            }

            @Override
            public int getMemoryLimitInMB() {
                return 1024;
            }

            @Override
            public LambdaLogger getLogger() {
                return null;
            }
        };
    }

    private JsonNode line(int index) {
        return Json.parse(lines.get(index));
    }

    @Test
    void shouldPutTheRequestIdColdStartTraceIdAndSubjectOnEveryLineOfAnInvocation() {
        System.setProperty(
                Log.TRACE_HEADER_PROPERTY,
                "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1");

        log.begin(context("req-1"));
        log.about("imageKey", "team/app:1.4.2");
        log.info("checked", "decision", "PROCEED");
        log.warn("again");

        assertThat(line(0).path("requestId").asText()).isEqualTo("req-1");
        assertThat(line(0).path("coldStart").asBoolean()).isTrue();
        assertThat(line(0).path("traceId").asText()).isEqualTo("1-5759e988-bd862e3fe1be46a994272793");
        assertThat(line(0).path("imageKey").asText()).isEqualTo("team/app:1.4.2");
        assertThat(line(0).path("decision").asText()).isEqualTo("PROCEED");
        assertThat(line(1).path("imageKey").asText()).isEqualTo("team/app:1.4.2");
    }

    @Test
    void shouldStartEachInvocationAfreshAndCountOnlyTheFirstAsACold() {
        log.begin(context("req-1"));
        log.about("imageKey", "team/app:1.4.2");
        log.info("first");
        log.begin(context("req-2"));
        log.info("second");

        assertThat(line(1).path("requestId").asText()).isEqualTo("req-2");
        assertThat(line(1).path("coldStart").asBoolean()).isFalse();
        assertThat(line(1).has("imageKey")).as("the last invocation's subject").isFalse();
        assertThat(line(1).has("traceId")).as("no tracing header, no trace id").isFalse();
    }

    @Test
    void shouldReadTheRootOfTheTraceHeader() {
        assertThat(Log.traceId("Sampled=1;Root=1-abc")).isEqualTo("1-abc");
        assertThat(Log.traceId("Parent=x")).isNull();
        assertThat(Log.traceId(null)).isNull();
    }
}
