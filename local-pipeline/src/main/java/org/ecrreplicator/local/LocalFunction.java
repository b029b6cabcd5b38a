package org.ecrreplicator.local;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * One Lambda function as the local Lambda stand-in runs it: the invocation payload in, the function's response
 * out. An exception is a function error, reported as Lambda reports it ({@code errorType} = the exception's class
 * name). Use {@link LambdaHandlers#adapt(Object)} to wrap a real {@code RequestHandler}/{@code
 * RequestStreamHandler}.
 */
@FunctionalInterface
public interface LocalFunction {
    JsonNode invoke(JsonNode payload) throws Exception;
}
