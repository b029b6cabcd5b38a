package org.ecrreplicator.worker.cli;

/** Bad input from the user or the environment; the message names it and how to fix it. */
final class UsageException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    UsageException(String message) {
        super(message);
    }
}
