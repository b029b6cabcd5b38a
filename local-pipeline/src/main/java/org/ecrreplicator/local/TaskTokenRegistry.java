package org.ecrreplicator.local;

import com.fasterxml.jackson.databind.JsonNode;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;
import org.ecrreplicator.engines.AwsJsonEndpoint.AwsError;

/**
 * The task tokens of the Step Functions stand-in (decision 0052): one per attempt of a {@code .waitForTaskToken}
 * task, open until SendTaskSuccess/SendTaskFailure, its timeout, or the end of its execution. Closed tokens are
 * kept, so that a late callback is told {@code TaskTimedOut}, as on AWS, and not {@code TaskDoesNotExist}.
 */
final class TaskTokenRegistry implements AutoCloseable {
    private static final Pattern TOKEN_SHAPE = Pattern.compile("AQ[A-Za-z0-9_-]{60,}");
    private static final SecureRandom RANDOM = new SecureRandom();

    /** How a task ended: {@code status} is SUCCEEDED (with output), FAILED or TIMED_OUT (with error and cause). */
    record TaskOutcome(String status, JsonNode output, String error, String cause) {
        static TaskOutcome succeeded(JsonNode output) {
            return new TaskOutcome("SUCCEEDED", output, null, null);
        }

        static TaskOutcome failed(String error, String cause) {
            return new TaskOutcome("FAILED", null, error, cause);
        }

        static TaskOutcome timedOut() {
            return new TaskOutcome("TIMED_OUT", null, "States.Timeout", null);
        }
    }

    private record TaskToken(String executionArn, CompletableFuture<TaskOutcome> outcome) {}

    private final Map<String, TaskToken> tokens = new ConcurrentHashMap<>();
    private final ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "local-sfn-timers");
        thread.setDaemon(true);
        return thread;
    });

    /** A new token for one attempt of a task of {@code executionArn}; it times out after {@code timeoutSeconds}. */
    String mint(String executionArn, long timeoutSeconds) {
        byte[] nonce = new byte[48];
        RANDOM.nextBytes(nonce);
        String token = "AQ" + Base64.getUrlEncoder().withoutPadding().encodeToString(nonce);
        TaskToken minted = new TaskToken(executionArn, new CompletableFuture<>());
        tokens.put(token, minted);
        timers.schedule(() -> minted.outcome().complete(TaskOutcome.timedOut()), timeoutSeconds, TimeUnit.SECONDS);
        return token;
    }

    /** SendTaskSuccess. */
    void succeed(String token, JsonNode output) {
        open(token).outcome().complete(TaskOutcome.succeeded(output));
    }

    /** SendTaskFailure. */
    void fail(String token, String error, String cause) {
        open(token).outcome().complete(TaskOutcome.failed(error, cause));
    }

    /** SendTaskHeartbeat: heartbeats are not emulated (decision 0054), so this only checks the token. */
    void heartbeat(String token) {
        open(token);
    }

    /** The function that was to receive the token failed: nobody can complete the task any more. */
    void functionFailed(String token) {
        TaskToken minted = tokens.get(token);
        if (minted != null) {
            minted.outcome().complete(TaskOutcome.failed("States.TaskFailed", "the function failed"));
        }
    }

    /** A closed execution's tasks are gone: late callbacks get TaskTimedOut, as on AWS. */
    void executionEnded(String executionArn) {
        for (TaskToken minted : tokens.values()) {
            if (minted.executionArn().equals(executionArn)) {
                minted.outcome().complete(TaskOutcome.failed("States.Runtime", "execution ended"));
            }
        }
    }

    /**
     * The task's outcome, waiting at most {@code wait}; null when it is still open then. The runner long-polls
     * this, so that builds of any length never meet an HTTP client timeout.
     */
    TaskOutcome await(String token, Duration wait) {
        TaskToken minted = tokens.get(token);
        if (minted == null) {
            return TaskOutcome.failed("States.Runtime", "unknown task token");
        }
        try {
            return minted.outcome().get(wait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        } catch (ExecutionException e) {
            throw new IllegalStateException(e);
        }
    }

    private TaskToken open(String token) {
        if (token == null || !TOKEN_SHAPE.matcher(token).matches()) {
            throw new AwsError("InvalidToken", "Invalid Token: 'Unable to parse the task token'");
        }
        TaskToken minted = tokens.get(token);
        if (minted == null) {
            throw new AwsError("TaskDoesNotExist", "Task Does Not Exist: 'Provided task does not exist'");
        }
        if (minted.outcome().isDone()) {
            throw new AwsError("TaskTimedOut", "Task Timed Out: 'Provided task does not exist anymore'");
        }
        return minted;
    }

    @Override
    public void close() {
        timers.shutdownNow();
    }
}
