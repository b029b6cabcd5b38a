package org.ecrreplicator.functions;

import java.lang.reflect.InvocationTargetException;

/**
 * Creates the exceptions whose class names are the workflow's error names ({@code SecretNotFound}, {@code
 * SecretInvalid}, {@code LeaseTimeout}, {@code LeaseHeld}, {@code BuildThrottled}). Those classes live in the
 * unnamed package so that {@code getClass().getName()}, which Lambda reports as the error type, is the short
 * name the state machine matches; Java code in a named package cannot refer to them, hence reflection.
 */
public final class WorkflowErrors {
    public static final String SECRET_NOT_FOUND = "SecretNotFound";
    public static final String SECRET_INVALID = "SecretInvalid";
    public static final String LEASE_TIMEOUT = "LeaseTimeout";
    public static final String LEASE_HELD = "LeaseHeld";
    public static final String BUILD_THROTTLED = "BuildThrottled";

    /** The error Completion sends with SendTaskFailure; never thrown by a handler. */
    public static final String BUILD_FAILED = "BuildFailed";

    private WorkflowErrors() {}

    public static RuntimeException secretNotFound(String message) {
        return create(SECRET_NOT_FOUND, message);
    }

    public static RuntimeException secretInvalid(String message) {
        return create(SECRET_INVALID, message);
    }

    public static RuntimeException leaseTimeout(String message) {
        return create(LEASE_TIMEOUT, message);
    }

    public static RuntimeException leaseHeld(String message) {
        return create(LEASE_HELD, message);
    }

    public static RuntimeException buildThrottled(String message) {
        return create(BUILD_THROTTLED, message);
    }

    /** The error name Step Functions will see for {@code error}, exactly as Lambda reports it. */
    public static String nameOf(Throwable error) {
        return error.getClass().getName();
    }

    static RuntimeException create(String name, String message) {
        try {
            return (RuntimeException) Class.forName(name, true, WorkflowErrors.class.getClassLoader())
                    .getConstructor(String.class)
                    .newInstance(message);
        } catch (ClassNotFoundException
                | NoSuchMethodException
                | InstantiationException
                | IllegalAccessException
                | InvocationTargetException e) {
            throw new IllegalStateException("error class " + name + " is missing from the functions jar", e);
        }
    }
}
