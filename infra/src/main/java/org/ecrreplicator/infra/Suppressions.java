package org.ecrreplicator.infra;

import io.github.cdklabs.cdknag.NagPackSuppression;
import io.github.cdklabs.cdknag.RegexAppliesTo;
import java.util.List;

/**
 * cdk-nag suppressions as the stacks write them: each added to one resource with its own reason, and for
 * wildcard findings only the evidence listed (decision 0035).
 */
public final class Suppressions {
    private Suppressions() {}

    public static NagPackSuppression suppression(String id, String reason) {
        return NagPackSuppression.builder().id(id).reason(reason).build();
    }

    /** A suppression that covers only the listed findings (cdk-nag's evidence), so new wildcards still fail. */
    public static NagPackSuppression suppression(String id, String reason, List<Object> appliesTo) {
        return NagPackSuppression.builder()
                .id(id)
                .reason(reason)
                .appliesTo(appliesTo)
                .build();
    }

    /** Evidence matched by an anchored regular expression, for findings whose text holds a token or account. */
    public static RegexAppliesTo regex(String pattern) {
        return RegexAppliesTo.builder().regex(pattern).build();
    }
}
