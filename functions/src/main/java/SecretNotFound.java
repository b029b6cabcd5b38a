/**
 * Error {@code SecretNotFound} as Step Functions sees it. The destination secret does not exist or is marked for deletion.
 *
 * <p>In the unnamed package on purpose: Lambda reports a Java exception's {@code getClass().getName()} as the
 * error name that {@code ErrorEquals} matches, so this class's name is exactly {@code SecretNotFound}. Code in named
 * packages creates it through {@code org.ecrreplicator.functions.WorkflowErrors}.
 */
public final class SecretNotFound extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public SecretNotFound(String message) {
        super(message);
    }
}
