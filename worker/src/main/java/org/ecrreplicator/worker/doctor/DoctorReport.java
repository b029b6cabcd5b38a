package org.ecrreplicator.worker.doctor;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import org.ecrreplicator.domain.Json;
import org.ecrreplicator.worker.doctor.Check.Status;

/** The checks of one {@code replicator doctor} run, in the order they ran. */
public record DoctorReport(String stack, List<Check> checks) {
    public DoctorReport {
        checks = List.copyOf(checks);
    }

    /** No check failed (warnings allowed): the command exits 0. */
    public boolean passed() {
        return checks.stream().noneMatch(check -> check.status() == Status.FAIL);
    }

    public long count(Status status) {
        return checks.stream().filter(check -> check.status() == status).count();
    }

    /**
     * One line per check, {@code STATUS  name  detail}, names aligned; a warning's or failure's fix on the next
     * line, indented under the name; then a summary line.
     */
    public String text() {
        int width =
                checks.stream().mapToInt(check -> check.name().length()).max().orElse(0);
        StringBuilder out = new StringBuilder();
        for (Check check : checks) {
            out.append(String.format("%-4s  %-" + width + "s  %s", check.status(), check.name(), check.detail()))
                    .append('\n');
            if (check.fix() != null) {
                out.append(" ".repeat(6)).append("fix: ").append(check.fix()).append('\n');
            }
        }
        out.append(stack)
                .append(": ")
                .append(checks.size())
                .append(" checks, ")
                .append(count(Status.FAIL))
                .append(" failing, ")
                .append(count(Status.WARN))
                .append(" with a warning")
                .append('\n');
        return out.toString();
    }

    /** {@code {"checks":[{"name","status","detail","fix"}],"passed":bool}}; {@code fix} is null for a pass. */
    public String json() {
        ObjectNode root = Json.MAPPER.createObjectNode();
        ArrayNode array = root.putArray("checks");
        for (Check check : checks) {
            ObjectNode node = array.addObject();
            node.put("name", check.name());
            node.put("status", check.status().name());
            node.put("detail", check.detail());
            node.put("fix", check.fix());
        }
        root.put("passed", passed());
        return root.toString();
    }
}
