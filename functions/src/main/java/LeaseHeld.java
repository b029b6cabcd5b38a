/**
 * Error {@code LeaseHeld} as Step Functions sees it. StartBuild found another execution holding an unexpired lease on the tag.
 *
 * <p>In the unnamed package on purpose: Lambda reports a Java exception's {@code getClass().getName()} as the
 * error name that {@code ErrorEquals} matches, so this class's name is exactly {@code LeaseHeld}. Code in named
 * packages creates it through {@code org.ecrreplicator.functions.WorkflowErrors}.
 */
public final class LeaseHeld extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public LeaseHeld(String message) {
        super(message);
    }
}
