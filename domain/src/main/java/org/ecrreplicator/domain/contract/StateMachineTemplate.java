package org.ecrreplicator.domain.contract;

import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A state-machine definition with {@code ${Name}} placeholders (statemachine/replicate.asl.json), and the names
 * they take. The CDK app hands the substitutions to CloudFormation; the local Step Functions stand-in applies
 * them itself. Both refuse a placeholder without a value (Step Functions would reject it or, worse, keep the
 * literal text) and a value no placeholder uses (the definition and its users have drifted apart).
 */
public final class StateMachineTemplate {
    public static final String READ_SECRET_FUNCTION_ARN = "ReadSecretFunctionArn";
    public static final String CHECK_STATE_FUNCTION_ARN = "CheckStateFunctionArn";
    public static final String START_BUILD_FUNCTION_ARN = "StartBuildFunctionArn";
    public static final String RECORD_RESULT_FUNCTION_ARN = "RecordResultFunctionArn";
    /** statemachine/reconcile.asl.json (decision 0068); it also uses READ_SECRET and BUILD_TASK_TIMEOUT. */
    public static final String START_RECONCILE_BUILD_FUNCTION_ARN = "StartReconcileBuildFunctionArn";

    public static final String RECORD_RECONCILE_FUNCTION_ARN = "RecordReconcileFunctionArn";

    /** Shard builds run at once (the {@code reconcileConcurrency} setting). */
    public static final String RECONCILE_CONCURRENCY = "ReconcileConcurrency";

    public static final String LEASE_WAIT_SECONDS = "LeaseWaitSeconds";
    public static final String BUILD_TASK_TIMEOUT_SECONDS = "BuildTaskTimeoutSeconds";

    private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{([A-Za-z0-9_]+)}");

    private StateMachineTemplate() {}

    /** The placeholder names in {@code definition}, sorted. */
    public static Set<String> placeholders(String definition) {
        Set<String> names = new TreeSet<>();
        Matcher matcher = PLACEHOLDER.matcher(definition);
        while (matcher.find()) {
            names.add(matcher.group(1));
        }
        return names;
    }

    /**
     * Checks that {@code substitutions} give every placeholder of {@code definition} a value and no more.
     *
     * @param what names the definition in the error, e.g. its file
     * @throws IllegalArgumentException naming the missing and the unused names
     */
    public static void requireExactly(String definition, Map<String, String> substitutions, String what) {
        Set<String> placeholders = placeholders(definition);
        Set<String> missing = new TreeSet<>(placeholders);
        missing.removeAll(substitutions.keySet());
        Set<String> unused = new TreeSet<>(substitutions.keySet());
        unused.removeAll(placeholders);
        if (!missing.isEmpty() || !unused.isEmpty()) {
            throw new IllegalArgumentException(what + " and its substitutions disagree:"
                    + (missing.isEmpty() ? "" : " placeholders without a value " + missing + ";")
                    + (unused.isEmpty() ? "" : " values no placeholder uses " + unused + ";")
                    + " the names are listed in docs/contracts.md");
        }
    }

    /** The definition with every placeholder replaced, after {@link #requireExactly}. */
    public static String substitute(String definition, Map<String, String> substitutions, String what) {
        requireExactly(definition, substitutions, what);
        Matcher matcher = PLACEHOLDER.matcher(definition);
        StringBuilder result = new StringBuilder();
        while (matcher.find()) {
            matcher.appendReplacement(result, Matcher.quoteReplacement(substitutions.get(matcher.group(1))));
        }
        matcher.appendTail(result);
        return result.toString();
    }
}
