package org.ecrreplicator.infra.registry;

import java.util.List;
import java.util.Map;
import java.util.Set;
import software.amazon.awscdk.Aspects;
import software.amazon.awscdk.CfnResource;
import software.amazon.awscdk.IAspect;
import software.amazon.awscdk.TagManager;
import software.amazon.awscdk.Tags;
import software.constructs.IConstruct;

/** The context's tags on every taggable resource of a registry stack. */
final class RegistryTags {
    /**
     * Types that take Tags but that CDK's own singleton providers (the default security group custom
     * resource) create as plain CfnResources, which {@link Tags} skips.
     */
    private static final Set<String> PLAIN_TAGGABLE_TYPES = Set.of("AWS::IAM::Role", "AWS::Lambda::Function");

    private RegistryTags() {}

    static void apply(IConstruct scope, RegistrySettings settings) {
        settings.tags().forEach((key, value) -> Tags.of(scope).add(key, value));
        Aspects.of(scope).add(new PlainResourceTags(settings.tags()));
    }

    private record PlainResourceTags(Map<String, String> tags) implements IAspect {
        @Override
        public void visit(IConstruct node) {
            if (node instanceof CfnResource resource
                    && !TagManager.isTaggable(resource)
                    && PLAIN_TAGGABLE_TYPES.contains(resource.getCfnResourceType())
                    && !tags.isEmpty()) {
                List<Map<String, String>> list = tags.entrySet().stream()
                        .sorted(Map.Entry.comparingByKey())
                        .map(tag -> Map.of("Key", tag.getKey(), "Value", tag.getValue()))
                        .toList();
                resource.addPropertyOverride("Tags", list);
            }
        }
    }
}
