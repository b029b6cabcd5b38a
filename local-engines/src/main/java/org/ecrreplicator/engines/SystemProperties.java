package org.ecrreplicator.engines;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * System properties set for a while and put back as they were: the SDK reads its keys, region and endpoints
 * ({@code aws.endpointUrl<Service>}) from them, so the local engines and the tests that use them set those here.
 * Not thread-safe; one owner sets and restores.
 */
public final class SystemProperties {
    private final Map<String, String> before = new LinkedHashMap<>();

    /** Sets {@code name}, remembering the value it had before this object first set it (null: none). */
    public void set(String name, String value) {
        if (!before.containsKey(name)) {
            before.put(name, System.getProperty(name));
        }
        System.setProperty(name, value);
    }

    /** Puts back every property set here as it was, clearing those that were not set before. */
    public void restore() {
        before.forEach((name, value) -> {
            if (value == null) {
                System.clearProperty(name);
            } else {
                System.setProperty(name, value);
            }
        });
        before.clear();
    }
}
