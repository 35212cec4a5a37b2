package org.capbuddy.cli.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
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
 * a host figure never is. The comparison is rendered as a table or as one JSON object.
 */
final class ReportComparison {
    /** Exact figures every run has, in the report's order. */
    private static final List<String> EXACT = List.of("kernelInvocations", "objectsRetyped", "bytesZeroed",
            "modelledCycles", "bookkeepingBytes", "framesAllocated", "reached", "reachedUnit", "completed");
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    /**
     * One figure of one allocator's two runs: its name (dotted inside a map of figures, whose
     * name is {@code group}), its values as the reports hold them and as the table shows them,
     * whether it is exact or the host's, whether it is the same, and for a list compared as a
     * whole the first entry that differs (null where there is none or one side has no list).
     */
    record Figure(String name, String group, JsonNode old, JsonNode now, String oldText, String nowText,
                  boolean exact, boolean same, Integer firstDifference) {
        /** new/old, for two numbers of which the old is not 0; null otherwise. */
        Double ratio() {
            if (old == null || now == null || !old.isNumber() || !now.isNumber() || old.asDouble() == 0) {
                return null;
            }
            return now.asDouble() / old.asDouble();
        }

        /** The verdict as the JSON gives it: host, same or differs. */
        String kindOfVerdict() {
            return !exact ? "host" : same ? "same" : "differs";
        }

        /** What the table's verdict column says: the JSON's verdict, a difference in capitals with where a list first differs. */
        String verdict() {
            if (!exact || same) {
                return kindOfVerdict();
            }
            return firstDifference == null ? "DIFFERS" : "DIFFERS from entry " + firstDifference;
        }
    }

    /** One allocator: its figures, or the report it is missing from ({@code onlyIn} is "old" or "new"). */
    record Allocator(String name, String onlyIn, List<Figure> figures) {
    }

    /** A spec field whose values differ, its nested name dotted. */
    record SpecChange(String field, JsonNode old, JsonNode now) {
    }

    private final JsonNode before;
    private final String beforeName;
    private final JsonNode after;
    private final String afterName;
    private final List<SpecChange> specChanges = new ArrayList<>();
    private final List<Allocator> allocators = new ArrayList<>();
    private final List<String> differences = new ArrayList<>();

    private ReportComparison(JsonNode before, String beforeName, JsonNode after, String afterName) {
        this.before = before;
        this.beforeName = beforeName;
        this.after = after;
        this.afterName = afterName;
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
        ReportComparison c = new ReportComparison(before, beforeName, after, afterName);
        c.compare();
        return c;
    }

    /** The exact figures that differ (allocator, figure, both values), in the order found. */
    List<String> differences() {
        return List.copyOf(differences);
    }

    /** The exit status the comparison gives: 0 when every exact figure is the same, 1 when one is not. */
    int exitCode() {
        return differences.isEmpty() ? 0 : 1;
    }

    /** The comparison as text: what was compared, a table per allocator, and the verdict. */
    String render() {
        List<String> lines = new ArrayList<>();
        lines.add(String.format("old: %s (%s, tool %s)", beforeName, describe(before), tool(before)));
        lines.add(String.format("new: %s (%s, tool %s)", afterName, describe(after), tool(after)));
        List<String> changes = specChanges.stream().map(c -> c.field() + ": " + value(c.old()) + " -> "
                + value(c.now())).toList();
        lines.add(changes.isEmpty() ? "spec: the same" : "spec differs: " + String.join(", ", changes)
                + " (exact figures then differ by design)");
        for (Allocator allocator : allocators) {
            lines.add("");
            if (allocator.onlyIn() != null) {
                lines.add(String.format("%s: only in the %s report", allocator.name(), allocator.onlyIn()));
                continue;
            }
            lines.add(allocator.name() + ":");
            lines.add(table(allocator.figures()).indent(2).stripTrailing());
        }
        lines.add("");
        lines.add(differences.isEmpty() ? "Exact figures: all the same."
                : String.format("Exact figures: %d differ%s.", differences.size(), differences.size() == 1 ? "s" : ""));
        return String.join("\n", lines) + "\n";
    }

    /**
     * The comparison as one JSON object: both reports' identities, the spec's changes, per
     * allocator every figure compared (those a table folds into one row each on their own), the
     * differences, the verdict and the exit status.
     */
    ObjectNode json() {
        ObjectNode root = NODES.objectNode();
        root.set("old", identity(beforeName, before));
        root.set("new", identity(afterName, after));
        ObjectNode spec = root.putObject("spec");
        spec.put("same", specChanges.isEmpty());
        ArrayNode changes = spec.putArray("changes");
        for (SpecChange c : specChanges) {
            ObjectNode change = changes.addObject();
            change.put("field", c.field());
            change.set("old", orNull(c.old()));
            change.set("new", orNull(c.now()));
        }
        ArrayNode runs = root.putArray("allocators");
        for (Allocator allocator : allocators) {
            ObjectNode a = runs.addObject();
            a.put("allocator", allocator.name());
            a.put("in", allocator.onlyIn() == null ? "both" : allocator.onlyIn());
            ArrayNode figures = a.putArray("figures");
            for (Figure f : allocator.figures()) {
                ObjectNode figure = figures.addObject();
                figure.put("figure", f.name());
                figure.set("old", orNull(f.old()));
                figure.set("new", orNull(f.now()));
                Double ratio = f.ratio();
                if (ratio == null) {
                    figure.putNull("ratio");
                } else {
                    figure.put("ratio", ratio);
                }
                figure.put("kind", f.exact() ? "exact" : "host");
                figure.put("verdict", f.kindOfVerdict());
                if (f.firstDifference() != null) {
                    figure.put("firstDifference", f.firstDifference());
                }
            }
        }
        ArrayNode found = root.putArray("differences");
        differences.forEach(found::add);
        root.put("verdict", differences.isEmpty() ? "same" : "differs");
        root.put("exitCode", exitCode());
        return root;
    }

    private void compare() {
        specChanges.addAll(changes("", before.path("spec"), after.path("spec")));
        Map<String, JsonNode> oldRuns = runs(before);
        Map<String, JsonNode> newRuns = runs(after);
        Set<String> names = new LinkedHashSet<>(oldRuns.keySet());
        names.addAll(newRuns.keySet());
        for (String name : names) {
            JsonNode x = oldRuns.get(name);
            JsonNode y = newRuns.get(name);
            if (x == null || y == null) {
                String where = x == null ? "new" : "old";
                allocators.add(new Allocator(name, where, List.of()));
                differences.add(name + ": only in the " + where + " report");
                continue;
            }
            allocators.add(new Allocator(name, null, figures(name, x, y)));
        }
    }

    private List<Figure> figures(String allocator, JsonNode x, JsonNode y) {
        List<Figure> figures = new ArrayList<>();
        for (String f : EXACT) {
            figures.add(figure(allocator, f, null, x.path(f), y.path(f), true));
        }
        figures.add(stopReason(allocator, x.path("stopReason"), y.path("stopReason")));
        group(figures, allocator, "invocationsByLabel", x.path("invocationsByLabel"), y.path("invocationsByLabel"),
                false);
        group(figures, allocator, "extra", x.path("extra"), y.path("extra"), true);
        whole(figures, allocator, "footprint", x.path("footprint"), y.path("footprint"));
        whole(figures, allocator, "freeBlocksByOrder", x.path("freeBlocksByOrder"), y.path("freeBlocksByOrder"));
        figures.add(figure(allocator, "wallMillis", null, x.path("wallMillis"), y.path("wallMillis"), false));
        return figures;
    }

    /**
     * The table of one allocator's figures: a row each, except that a map's figures that are
     * the same are one row saying how many, after those of the map that are not.
     */
    private static String table(List<Figure> figures) {
        TextTable t = new TextTable("figure", "old", "new", "new/old", "verdict");
        String group = null;
        int same = 0;
        for (Figure f : figures) {
            if (!Objects.equals(f.group(), group)) {
                sameRow(t, group, same);
                group = f.group();
                same = 0;
            }
            if (f.group() != null && f.exact() && f.same()) {
                same++;
                continue;
            }
            Double ratio = f.ratio();
            t.row(f.name(), f.oldText(), f.nowText(), ratio == null ? "" : String.format("%.3f", ratio), f.verdict());
        }
        sameRow(t, group, same);
        return t.render();
    }

    private static void sameRow(TextTable t, String group, int same) {
        if (group != null && same > 0) {
            t.row(group, same + " figures", same + " figures", "", "same");
        }
    }

    /**
     * A map of figures by name, each compared on its own. {@code hostInside}: its host figures
     * (the paging workload's) are for reading, never differences.
     */
    private void group(List<Figure> figures, String allocator, String name, JsonNode x, JsonNode y,
                       boolean hostInside) {
        Set<String> keys = new TreeSet<>();
        x.fieldNames().forEachRemaining(keys::add);
        y.fieldNames().forEachRemaining(keys::add);
        for (String key : keys) {
            boolean host = hostInside && RepeatCheck.HOST_EXTRAS.contains(key);
            figures.add(figure(allocator, name + "." + key, name, x.path(key), y.path(key), !host));
        }
    }

    /** A figure compared as a whole (a list of samples or counts): the same, or where it first differs. */
    private void whole(List<Figure> figures, String allocator, String name, JsonNode x, JsonNode y) {
        if (x.isMissingNode() && y.isMissingNode()) {
            return;
        }
        if (same(x, y)) {
            figures.add(new Figure(name, null, x, y, entries(x), entries(y), true, true, null));
            return;
        }
        int at = 0;
        while (at < x.size() && at < y.size() && same(x.get(at), y.get(at))) {
            at++;
        }
        boolean missing = x.isMissingNode() || y.isMissingNode();
        figures.add(new Figure(name, null, x, y, entries(x), entries(y), true, false, missing ? null : at));
        differences.add(String.format("%s %s: %d and %d entries, the first to differ at %d", allocator, name, x.size(),
                y.size(), at));
    }

    /**
     * Why each run stopped, one figure: its kind (an old report's name for a kind read as this
     * version reads it, as sweep does) and, where either has one, its detail.
     */
    private Figure stopReason(String allocator, JsonNode x, JsonNode y) {
        String kindX = kind(x);
        String kindY = kind(y);
        String detailX = x.path("detail").asText("");
        String detailY = y.path("detail").asText("");
        boolean differs = !kindX.equals(kindY) || !detailX.equals(detailY);
        String shownX = detailX.isEmpty() ? kindX : kindX + ": " + detailX;
        String shownY = detailY.isEmpty() ? kindY : kindY + ": " + detailY;
        if (differs) {
            differences.add(String.format("%s stopReason: %s then %s", allocator, shownX, shownY));
        }
        return new Figure("stopReason", null, readStopReason(x, kindX, detailX), readStopReason(y, kindY, detailY),
                shownX, shownY, true, !differs, null);
    }

    /** A stop reason as this version reads it (its kind's current name), or a missing node where the run has none. */
    private static JsonNode readStopReason(JsonNode stopReason, String kind, String detail) {
        if (stopReason.isMissingNode() || stopReason.isNull()) {
            return stopReason;
        }
        ObjectNode read = NODES.objectNode();
        read.put("kind", kind);
        read.put("detail", detail);
        return read;
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
            // a number too large for a double (1e400) reads as infinite, which has no decimal value
            if (!Double.isFinite(x.doubleValue()) || !Double.isFinite(y.doubleValue())) {
                return Double.compare(x.doubleValue(), y.doubleValue()) == 0;
            }
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

    private Figure figure(String allocator, String name, String group, JsonNode x, JsonNode y, boolean exact) {
        boolean same = same(x, y);
        if (exact && !same) {
            differences.add(String.format("%s %s: %s then %s", allocator, name, value(x), value(y)));
        }
        return new Figure(name, group, x, y, value(x), value(y), exact, same, null);
    }

    /** A value for the JSON: a figure a report does not have is null. */
    private static JsonNode orNull(JsonNode v) {
        return v == null || v.isMissingNode() ? NullNode.getInstance() : v;
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

    /** The allocators' runs by name, in the report's order. */
    private static Map<String, JsonNode> runs(JsonNode report) {
        Map<String, JsonNode> runs = new LinkedHashMap<>();
        for (JsonNode run : report.path("runs")) {
            runs.put(run.path("allocator").asText("?"), run);
        }
        return runs;
    }

    /** The fields of two specs that differ, nested names dotted. */
    private static List<SpecChange> changes(String prefix, JsonNode x, JsonNode y) {
        List<SpecChange> out = new ArrayList<>();
        if (x.isObject() && y.isObject()) {
            Set<String> keys = new LinkedHashSet<>();
            x.fieldNames().forEachRemaining(keys::add);
            y.fieldNames().forEachRemaining(keys::add);
            for (String key : keys) {
                out.addAll(changes(prefix + key + ".", x.path(key), y.path(key)));
            }
        } else if (!same(x, y)) {
            String name = prefix.isEmpty() ? "spec" : prefix.substring(0, prefix.length() - 1);
            out.add(new SpecChange(name, x, y));
        }
        return out;
    }

    /** A report as the JSON names it: the file, what ran and the tool that ran it (null where not recorded). */
    private static ObjectNode identity(String name, JsonNode r) {
        ObjectNode id = NODES.objectNode();
        id.put("file", name);
        id.set("workload", orNull(r.get("workload")));
        id.set("seed", orNull(r.get("seed")));
        id.set("iterations", orNull(r.get("iterations")));
        id.set("ramBytes", orNull(r.get("ramBytes")));
        JsonNode tool = r.path("tool");
        id.set("tool", tool.isObject() && tool.size() > 0 ? tool : NullNode.getInstance());
        return id;
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
