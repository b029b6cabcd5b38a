/**
 * Error {@code SecretInvalid} as Step Functions sees it. The destination secret exists but is not usable; the message names the fields at fault.
 *
 * <p>In the unnamed package on purpose: Lambda reports a Java exception's {@code getClass().getName()} as the
 * error name that {@code ErrorEquals} matches, so this class's name is exactly {@code SecretInvalid}. Code in named
 * packages creates it through {@code org.ecrreplicator.functions.WorkflowErrors}.
 */
public final class SecretInvalid extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public SecretInvalid(String message) {
        super(message);
    }
}
