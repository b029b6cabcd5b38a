/**
 * Error {@code LeaseTimeout} as Step Functions sees it. CheckState waited MAX_LEASE_WAITS times for another execution's lease on the tag.
 *
 * <p>In the unnamed package on purpose: Lambda reports a Java exception's {@code getClass().getName()} as the
 * error name that {@code ErrorEquals} matches, so this class's name is exactly {@code LeaseTimeout}. Code in named
 * packages creates it through {@code org.ecrreplicator.functions.WorkflowErrors}.
 */
public final class LeaseTimeout extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public LeaseTimeout(String message) {
        super(message);
    }
}
