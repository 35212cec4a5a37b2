package org.capbuddy.cli.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import org.capbuddy.cli.common.ByteSize;
import org.capbuddy.cli.common.TextTable;

/**
 * Two bench reports (their JSON, as {@code bench --json} or {@code --out} wrote them) figure by
 * figure: per allocator, every exact figure (counts, modelled cycles, bookkeeping, frames, where
 * and why the run stopped, the invocations by label, the workload's own figures, the footprint
 * and the free blocks) old against new with their ratio, and the host's (wall time, the paging
 * workload's host memory) beside them for reading only. Exact figures are what the model
 * promises to repeat to the digit for the same spec, so any one that differs is a difference;
 * a host figure never is.
 */
final class ReportComparison {
    /** Exact figures every run has, in the report's order. */
    private static final List<String> EXACT = List.of("kernelInvocations", "objectsRetyped", "bytesZeroed",
            "modelledCycles", "bookkeepingBytes", "framesAllocated", "reached", "reachedUnit", "completed");

    private final List<String> lines = new ArrayList<>();
    private final List<String> differences = new ArrayList<>();

    private ReportComparison() {
    }

    /** The bench report in {@code document}: itself, or the report a sweep's run file holds. */
    static JsonNode report(JsonNode document) {
        JsonNode inner = document == null ? null : document.get("report");
        return inner != null && inner.isObject() && inner.has("runs") ? inner : document;
    }

    /**
     * Why {@code report} cannot be compared (it is not a bench report), naming it by {@code name};
     * null when it can.
     */
    static String problem(JsonNode report, String name) {
        if (report == null || !report.isObject()) {
            return name + " is not a bench report (a JSON object from bench --json or bench --out)";
        }
        if (report.has("runs") && report.get("runs").isArray() && report.has("workload")) {
            return null;
        }
        if (report.has("sweep")) {
            return name + " is a sweep's merged results: compare two of its runs/*.json reports instead";
        }
        if (report.has("base") || report.has("vary")) {
            return name + " is a sweep file: run it with capbuddy sweep, then compare two of its runs/*.json reports";
        }
        if (report.has("workload")) {
            return name + " is a spec, not a report: run it with bench --spec FILE --json and compare what that prints";
        }
        return name + " is not a bench report: it has no workload and no runs";
    }

    /** Compares {@code before} with {@code after}, both of which must have passed {@link #problem}. */
    static ReportComparison of(JsonNode before, String beforeName, JsonNode after, String afterName) {
        ReportComparison c = new ReportComparison();
        c.compare(before, beforeName, after, afterName);
        return c;
    }

    /** The comparison as text: what was compared, a table per allocator, and the verdict. */
    String render() {
        return String.join("\n", lines) + "\n";
    }

    /** The exact figures that differ (allocator, figure, both values), in the order found. */
    List<String> differences() {
        return List.copyOf(differences);
    }

    private void compare(JsonNode a, String aName, JsonNode b, String bName) {
        lines.add(String.format("old: %s (%s, tool %s)", aName, describe(a), tool(a)));
        lines.add(String.format("new: %s (%s, tool %s)", bName, describe(b), tool(b)));
        List<String> specChanges = changes("", a.path("spec"), b.path("spec"));
        lines.add(specChanges.isEmpty() ? "spec: the same" : "spec differs: " + String.join(", ", specChanges)
                + " (exact figures then differ by design)");
        Map<String, JsonNode> oldRuns = runs(a);
        Map<String, JsonNode> newRuns = runs(b);
        Set<String> allocators = new LinkedHashSet<>(oldRuns.keySet());
        allocators.addAll(newRuns.keySet());
        for (String allocator : allocators) {
            lines.add("");
            JsonNode x = oldRuns.get(allocator);
            JsonNode y = newRuns.get(allocator);
            if (x == null || y == null) {
                String where = x == null ? "new" : "old";
                lines.add(String.format("%s: only in the %s report", allocator, where));
                differences.add(allocator + ": only in the " + where + " report");
                continue;
            }
            lines.add(allocator + ":");
            lines.add(table(allocator, x, y).indent(2).stripTrailing());
        }
        lines.add("");
        lines.add(differences.isEmpty() ? "Exact figures: all the same."
                : String.format("Exact figures: %d differ%s.", differences.size(), differences.size() == 1 ? "s" : ""));
    }

    private String table(String allocator, JsonNode x, JsonNode y) {
        TextTable t = new TextTable("figure", "old", "new", "new/old", "verdict");
        for (String f : EXACT) {
            row(t, allocator, f, x.path(f), y.path(f), true);
        }
        stopReason(t, allocator, x.path("stopReason"), y.path("stopReason"));
        group(t, allocator, "invocationsByLabel", x.path("invocationsByLabel"), y.path("invocationsByLabel"), false);
        group(t, allocator, "extra", x.path("extra"), y.path("extra"), true);
        whole(t, allocator, "footprint", x.path("footprint"), y.path("footprint"));
        whole(t, allocator, "freeBlocksByOrder", x.path("freeBlocksByOrder"), y.path("freeBlocksByOrder"));
        row(t, allocator, "wallMillis", x.path("wallMillis"), y.path("wallMillis"), false);
        return t.render();
    }

    /**
     * A map of figures by name: the ones that differ each a row; those the same one row saying how
     * many. {@code hostInside}: its host figures (the paging workload's) are rows for reading, never differences.
     */
    private void group(TextTable t, String allocator, String name, JsonNode x, JsonNode y, boolean hostInside) {
        Set<String> keys = new TreeSet<>();
        x.fieldNames().forEachRemaining(keys::add);
        y.fieldNames().forEachRemaining(keys::add);
        int same = 0;
        for (String key : keys) {
            boolean host = hostInside && RepeatCheck.HOST_EXTRAS.contains(key);
            if (host) {
                row(t, allocator, name + "." + key, x.path(key), y.path(key), false);
            } else if (same(x.get(key), y.get(key))) {
                same++;
            } else {
                row(t, allocator, name + "." + key, x.path(key), y.path(key), true);
            }
        }
        if (same > 0) {
            t.row(name, same + " figures", same + " figures", "", "same");
        }
    }

    /** A figure compared as a whole (a list of samples or counts): the same, or where it first differs. */
    private void whole(TextTable t, String allocator, String name, JsonNode x, JsonNode y) {
        if (x.isMissingNode() && y.isMissingNode()) {
            return;
        }
        if (same(x, y)) {
            t.row(name, entries(x), entries(y), "", "same");
            return;
        }
        int at = 0;
        while (at < x.size() && at < y.size() && same(x.get(at), y.get(at))) {
            at++;
        }
        t.row(name, entries(x), entries(y), "", x.isMissingNode() || y.isMissingNode() ? "DIFFERS"
                : "DIFFERS from entry " + at);
        differences.add(String.format("%s %s: %d and %d entries, the first to differ at %d", allocator, name, x.size(),
                y.size(), at));
    }

    /**
     * Why each run stopped, one figure: its kind (an old report's name for a kind read as this
     * version reads it, as sweep does) and, where either has one, its detail.
     */
    private void stopReason(TextTable t, String allocator, JsonNode x, JsonNode y) {
        String kindX = kind(x);
        String kindY = kind(y);
        String detailX = x.path("detail").asText("");
        String detailY = y.path("detail").asText("");
        boolean differs = !kindX.equals(kindY) || !detailX.equals(detailY);
        String shownX = detailX.isEmpty() ? kindX : kindX + ": " + detailX;
        String shownY = detailY.isEmpty() ? kindY : kindY + ": " + detailY;
        t.row("stopReason", shownX, shownY, "", differs ? "DIFFERS" : "same");
        if (differs) {
            differences.add(String.format("%s stopReason: %s then %s", allocator, shownX, shownY));
        }
    }

    private static String kind(JsonNode stopReason) {
        if (stopReason.isMissingNode() || stopReason.isNull()) {
            return "(none)";
        }
        String name = stopReason.path("kind").asText("");
        StopReason.Kind k = StopReason.Kind.fromJson(name);
        return k == null ? name : k.name();
    }

    /** Two figures are the same when equal as text, truth values or numbers, whatever their JSON number type. */
    private static boolean same(JsonNode x, JsonNode y) {
        if (x != null && y != null && x.isNumber() && y.isNumber()) {
            return x.decimalValue().compareTo(y.decimalValue()) == 0;
        }
        if (x != null && y != null && x.isContainerNode() && y.isContainerNode() && x.size() == y.size()) {
            if (x.isArray() != y.isArray()) {
                return false;
            }
            if (x.isArray()) {
                for (int i = 0; i < x.size(); i++) {
                    if (!same(x.get(i), y.get(i))) {
                        return false;
                    }
                }
                return true;
            }
            Iterator<String> names = x.fieldNames();
            while (names.hasNext()) {
                String name = names.next();
                if (!y.has(name) || !same(x.get(name), y.get(name))) {
                    return false;
                }
            }
            return true;
        }
        return Objects.equals(x, y);
    }

    private static String entries(JsonNode list) {
        return list.isMissingNode() || list.isNull() ? "(none)" : list.size() + " entries";
    }

    private void row(TextTable t, String allocator, String figure, JsonNode x, JsonNode y, boolean exact) {
        boolean differs = exact && !same(x, y);
        t.row(figure, value(x), value(y), ratio(x, y), !exact ? "host" : differs ? "DIFFERS" : "same");
        if (differs) {
            differences.add(String.format("%s %s: %s then %s", allocator, figure, value(x), value(y)));
        }
    }

    private static String value(JsonNode v) {
        if (v == null || v.isMissingNode()) {
            return "(none)";
        }
        if (v.isNumber()) {
            double d = v.asDouble();
            if (v.isIntegralNumber() || (d == Math.rint(d) && Math.abs(d) < 1e18)) {
                return v.isIntegralNumber() ? String.format("%,d", v.bigIntegerValue()) : String.format("%,.0f", d);
            }
            return String.format("%,.4f", d);
        }
        return v.isTextual() ? v.asText() : v.toString();
    }

    private static String ratio(JsonNode x, JsonNode y) {
        if (!x.isNumber() || !y.isNumber() || x.asDouble() == 0) {
            return "";
        }
        return String.format("%.3f", y.asDouble() / x.asDouble());
    }

    /** The allocators' runs by name, in the report's order. */
    private static Map<String, JsonNode> runs(JsonNode report) {
        Map<String, JsonNode> runs = new LinkedHashMap<>();
        for (JsonNode run : report.path("runs")) {
            runs.put(run.path("allocator").asText("?"), run);
        }
        return runs;
    }

    /** The fields of two specs that differ, as {@code name: old -> new}, nested names dotted. */
    private static List<String> changes(String prefix, JsonNode x, JsonNode y) {
        List<String> out = new ArrayList<>();
        if (x.isObject() && y.isObject()) {
            Set<String> keys = new LinkedHashSet<>();
            x.fieldNames().forEachRemaining(keys::add);
            y.fieldNames().forEachRemaining(keys::add);
            for (String key : keys) {
                out.addAll(changes(prefix + key + ".", x.path(key), y.path(key)));
            }
        } else if (!same(x, y)) {
            String name = prefix.isEmpty() ? "spec" : prefix.substring(0, prefix.length() - 1);
            out.add(name + ": " + value(x) + " -> " + value(y));
        }
        return out;
    }

    private static String describe(JsonNode r) {
        return String.format("%s, seed %s, %s iterations, %s of RAM", r.path("workload").asText("?"),
                r.path("seed").asText("?"), value(r.path("iterations")), ByteSize.format(r.path("ramBytes").asLong()));
    }

    private static String tool(JsonNode r) {
        JsonNode tool = r.path("tool");
        if (tool.isMissingNode()) {
            return "not recorded";
        }
        Iterator<String> names = tool.fieldNames();
        return names.hasNext() ? tool.path("version").asText("?") + " at " + tool.path("commit").asText("?")
                : "not recorded";
    }
}
