package org.ecrreplicator.worker.doctor;

import java.util.Objects;

/**
 * One check of {@code replicator doctor}: what was looked at, what was found and, when it is not a pass, what to
 * do about it.
 *
 * @param fix null for a pass
 */
public record Check(String name, Status status, String detail, String fix) {
    public enum Status {
        PASS,
        /** Worth a look, not broken: the command still exits 0. */
        WARN,
        FAIL
    }

    public Check {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(detail, "detail");
        if (status != Status.PASS) {
            Objects.requireNonNull(fix, "a warning or a failure names its fix");
        }
    }

    public static Check pass(String name, String detail) {
        return new Check(name, Status.PASS, detail, null);
    }

    public static Check warn(String name, String detail, String fix) {
        return new Check(name, Status.WARN, detail, fix);
    }

    public static Check fail(String name, String detail, String fix) {
        return new Check(name, Status.FAIL, detail, fix);
    }
}
