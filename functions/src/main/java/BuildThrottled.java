/**
 * Error {@code BuildThrottled} as Step Functions sees it. CodeBuild kept refusing StartBuild (AccountLimitExceededException, ThrottlingException).
 *
 * <p>In the unnamed package on purpose: Lambda reports a Java exception's {@code getClass().getName()} as the
 * error name that {@code ErrorEquals} matches, so this class's name is exactly {@code BuildThrottled}. Code in named
 * packages creates it through {@code org.ecrreplicator.functions.WorkflowErrors}.
 */
public final class BuildThrottled extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public BuildThrottled(String message) {
        super(message);
    }
}
