package org.ecrreplicator.local;

import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.NullNode;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;

/** Runs real Lambda handler objects the way the Java Lambda runtime does: JSON in, JSON out, same error type. */
public final class LambdaHandlers {
    private static final ObjectMapper JSON = new ObjectMapper();

    private LambdaHandlers() {}

    /**
     * @param handler a {@link RequestStreamHandler} or a {@link RequestHandler}; the latter's input is bound from
     *     the payload with Jackson to its declared input type, as the runtime does
     */
    public static LocalFunction adapt(Object handler) {
        String name = handler.getClass().getSimpleName();
        if (handler instanceof RequestStreamHandler stream) {
            return payload -> {
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                stream.handleRequest(
                        new ByteArrayInputStream(JSON.writeValueAsBytes(payload)), out, new LocalLambdaContext(name));
                byte[] bytes = out.toByteArray();
                return bytes.length == 0 ? NullNode.getInstance() : JSON.readTree(bytes);
            };
        }
        if (handler instanceof RequestHandler<?, ?> typed) {
            JavaType inputType = JSON.getTypeFactory().constructType(inputTypeOf(handler.getClass()));
            @SuppressWarnings("unchecked")
            RequestHandler<Object, Object> untyped = (RequestHandler<Object, Object>) typed;
            return payload -> {
                Object input = JSON.convertValue(payload, inputType);
                Object output = untyped.handleRequest(input, new LocalLambdaContext(name));
                return JSON.valueToTree(output);
            };
        }
        throw new IllegalArgumentException(handler.getClass().getName()
                + " is neither a RequestHandler nor a RequestStreamHandler; wrap it in a LocalFunction lambda");
    }

    private static Type inputTypeOf(Class<?> type) {
        for (Class<?> current = type; current != null; current = current.getSuperclass()) {
            for (Type candidate : current.getGenericInterfaces()) {
                if (candidate instanceof ParameterizedType parameterized
                        && parameterized.getRawType() == RequestHandler.class) {
                    return parameterized.getActualTypeArguments()[0];
                }
            }
        }
        return Object.class;
    }
}
