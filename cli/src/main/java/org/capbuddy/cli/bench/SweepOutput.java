package org.capbuddy.cli.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.capbuddy.cli.common.Json;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.style.Styler.LegendPosition;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * A sweep's merged results: {@code sweep.csv} (a row per run and allocator: the varied values, then
 * the exact figures and wall time, then the split between allocating and freeing), {@code sweep.json} (the sweep and every run's report) and
 * charts of kernel invocations per frame and of bookkeeping across the first varied field that
 * is not the seed (the seed if it is the only one), one line per allocator, averaged over the
 * other fields.
 */
final class SweepOutput {
    private static final List<String> FIGURES = List.of("kernelInvocations", "invocationsPerFrame", "objectsRetyped",
            "bytesZeroed",
            "modelledCycles", "bookkeepingBytes", "framesAllocated", "reached", "reachedUnit", "completed", "wallMillis");

    /**
     * The workloads' split of the work between allocating and freeing (from each run's
     * {@code extra}; empty where a workload has none), which a per-run total would hide.
     */
    private static final List<String> SPLIT = List.of("alloc.invocations", "free.invocations",
            "alloc.modelledCyclesPerFrame", "free.modelledCyclesPerFrame");

    private SweepOutput() {
    }

    static List<Path> write(SweepSpec sweep, JsonNode sweepTree, List<JsonNode> results, Path outDir) throws IOException {
        List<Path> written = new ArrayList<>();
        written.add(write(outDir.resolve("sweep.csv"), csv(sweep, results)));
        ObjectNode merged = JsonNodeFactory.instance.objectNode();
        merged.set("sweep", sweepTree);
        ArrayNode runs = merged.putArray("runs");
        results.forEach(runs::add);
        written.add(write(outDir.resolve("sweep.json"), Json.write(merged) + "\n"));
        String axis = axis(sweep);
        if (axis != null) {
            System.setProperty("java.awt.headless", "true");
            List<XYChart> charts = charts(axis, results);
            written.addAll(ReportCharts.saveBoth(charts.get(0), outDir.resolve("sweep-" + axis + ".png")));
            written.addAll(ReportCharts.saveBoth(charts.get(1), outDir.resolve("sweep-" + axis + "-bookkeeping.png")));
        }
        return written;
    }

    private static Path write(Path file, String text) throws IOException {
        Files.writeString(file, text);
        return file;
    }

    static String csv(SweepSpec sweep, List<JsonNode> results) {
        List<String> params = List.copyOf(sweep.varied().keySet());
        StringBuilder out = new StringBuilder();
        List<String> header = new ArrayList<>(List.of("run"));
        header.addAll(params);
        header.add("allocator");
        header.addAll(FIGURES);
        header.addAll(SPLIT);
        header.add("stopReason");
        out.append(String.join(",", header)).append('\n');
        for (JsonNode result : results) {
            for (JsonNode run : result.at("/report/runs")) {
                List<String> row = new ArrayList<>(List.of(result.get("index").asText()));
                params.forEach(p -> row.add(value(result.at("/params/" + p))));
                row.add(run.get("allocator").asText());
                FIGURES.forEach(f -> row.add(f.equals("invocationsPerFrame") ? perFrame(run) : cell(run.get(f))));
                SPLIT.forEach(f -> row.add(cell(run.path("extra").get(f))));
                row.add(stopWords(run.at("/stopReason/kind").asText(), run.at("/reachedUnit").asText()));
                out.append(String.join(",", row)).append('\n');
            }
        }
        return out.toString();
    }

    /**
     * Kernel invocations per frame, which the report leaves to its reader and the chart plots: as
     * bench's CSV writes it (0 for a run that allocated nothing).
     */
    private static String perFrame(JsonNode run) {
        double frames = run.path("framesAllocated").asDouble();
        return cell(JsonNodeFactory.instance.numberNode(frames == 0 ? 0 : run.path("kernelInvocations").asDouble() / frames));
    }

    /** A figure as bench's own CSV writes it: a whole number as digits, not as 5.0672676E7. */
    private static String cell(JsonNode v) {
        if (v != null && v.isFloatingPointNumber() && v.asDouble() == Math.rint(v.asDouble())
                && Math.abs(v.asDouble()) < 0x1p53) {
            return Long.toString((long) v.asDouble());
        }
        return v == null ? "" : v.asText();
    }

    /**
     * A stop reason in the words bench's table and CSV use ("frame limit reached"), from a run's
     * JSON: its kind and its unit of work ({@code reachedUnit}). A kind this version does not
     * know is written as it stands.
     */
    private static String stopWords(String kind, String unit) {
        StopReason.Kind k = StopReason.Kind.fromJson(kind);
        if (k == null) {
            return kind;
        }
        for (WorkUnit u : WorkUnit.values()) {
            if (u.words().equals(unit)) {
                return k.words(u);
            }
        }
        return k == StopReason.Kind.LIMIT_REACHED ? "limit reached" : k.words(WorkUnit.ITERATION);
    }

    /** A varied value as one CSV cell: lists joined with '+' (["capbuddy"] is capbuddy). */
    private static String value(JsonNode v) {
        if (v.isArray()) {
            List<String> parts = new ArrayList<>();
            v.forEach(e -> parts.add(e.asText()));
            return String.join("+", parts);
        }
        return v.asText();
    }

    /** The field the chart runs along: the first varied one that is not the seed, or the seed. */
    static String axis(SweepSpec sweep) {
        for (String name : sweep.varied().keySet()) {
            if (!name.equals("seed") && numeric(name)) {
                return name;
            }
        }
        return sweep.varied().containsKey("seed") ? "seed" : null;
    }

    private static boolean numeric(String field) {
        return List.of("ram", "touch", "iterations", "lifetime", "spareTrees", "seed", "rootCNodeBits", "fanOut",
                "repeat").contains(field);
    }

    /** The charts across {@code axis}: kernel invocations per frame, and bookkeeping held at the end. */
    static List<XYChart> charts(String axis, List<JsonNode> results) {
        return List.of(
                chart(axis, results, "Kernel invocations per 4 KiB frame", "kernel invocations per frame",
                        run -> {
                            double frames = run.get("framesAllocated").asDouble();
                            return frames == 0 ? 0 : run.get("kernelInvocations").asDouble() / frames;
                        }),
                chart(axis, results, "Bookkeeping at the end",
                        "allocman's records and the pool's trees, KiB", run -> run.get("bookkeepingBytes").asDouble() / 1024));
    }

    /**
     * One line per allocator of {@code figure} across {@code axis}, the mean over the other varied
     * values (a line per value of each varied field that is not a number), on a log y axis (the allocators differ by orders of magnitude; a zero is drawn at
     * 1e-4) and a log x axis when the values span a factor of ten or more. A legend entry says how
     * many of the allocator's runs stopped before their limit, and why.
     */
    private static XYChart chart(String axis, List<JsonNode> results, String title, String yTitle,
                                 java.util.function.ToDoubleFunction<JsonNode> figure) {
        // allocator -> x -> (sum, count)
        Map<String, TreeMap<Double, double[]>> lines = new TreeMap<>();
        Map<String, TreeMap<String, Integer>> stops = new TreeMap<>();
        Map<String, Integer> runsOf = new TreeMap<>();
        for (JsonNode result : results) {
            double x = result.at("/spec/" + axis).asDouble();
            if (axis.equals("ram") || axis.equals("touch")) {
                x /= 1 << 20;
            }
            String variant = variant(axis, result);
            for (JsonNode run : result.at("/report/runs")) {
                String allocator = run.get("allocator").asText() + variant;
                double[] acc = lines.computeIfAbsent(allocator, k -> new TreeMap<>())
                        .computeIfAbsent(x, k -> new double[2]);
                acc[0] += Math.max(1e-4, figure.applyAsDouble(run));
                acc[1]++;
                runsOf.merge(allocator, 1, Integer::sum);
                String stop = run.at("/stopReason/kind").asText();
                if (!stop.isEmpty() && StopReason.Kind.fromJson(stop) != StopReason.Kind.LIMIT_REACHED) {
                    stops.computeIfAbsent(allocator, k -> new TreeMap<>())
                            .merge(stopWords(stop, run.at("/reachedUnit").asText()), 1, Integer::sum);
                }
            }
        }
        String unit = axis.equals("ram") || axis.equals("touch") ? axis + " (MiB)" : axis;
        java.util.DoubleSummaryStatistics span = lines.values().stream().flatMap(m -> m.keySet().stream())
                .mapToDouble(Double::doubleValue).summaryStatistics();
        boolean logX = span.getMin() > 0 && span.getMax() / span.getMin() >= 10;
        XYChart chart = ReportCharts.xyChart(title + " across " + axis + " (mean over the other varied values)",
                unit + (logX ? " (log scale)" : ""), yTitle + " (log scale)");
        chart.getStyler().setLegendPosition(LegendPosition.OutsideS);
        chart.getStyler().setYAxisLogarithmic(true);
        chart.getStyler().setXAxisLogarithmic(logX);
        chart.getStyler().setXAxisDecimalPattern("#,##0");
        chart.getStyler().setYAxisDecimalPattern("#,##0.####");
        lines.forEach((allocator, points) -> {
            double[] xs = points.keySet().stream().mapToDouble(Double::doubleValue).toArray();
            double[] ys = points.values().stream().mapToDouble(a -> a[0] / a[1]).toArray();
            java.awt.Color colour = ReportCharts.allocatorColour(chart.getStyler(), allocator);
            chart.addSeries(legend(allocator, stops.get(allocator), runsOf.get(allocator)), xs, ys)
                    .setMarker(SeriesMarkers.CIRCLE).setMarkerColor(colour).setLineColor(colour);
        });
        if (!logX) {
            ReportCharts.spaceXAxisLabels(chart, null); // evenly spaced values must not crowd their labels either
        }
        return chart;
    }

    /**
     * What tells a run's line apart besides its allocator: the values of the varied fields that
     * are not numbers (poolRequests, treePolicy, distribution, ...), which a mean over them would
     * blur; empty when there are none.
     */
    private static String variant(String axis, JsonNode result) {
        StringBuilder out = new StringBuilder();
        for (java.util.Iterator<Map.Entry<String, JsonNode>> it = result.path("params").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> p = it.next();
            if (!p.getKey().equals(axis) && !p.getKey().equals("allocators") && !numeric(p.getKey())) {
                out.append(", ").append(p.getKey()).append(' ').append(value(p.getValue()));
            }
        }
        return out.toString();
    }

    /** The allocator, and how many of its runs stopped before their limit and why. */
    private static String legend(String allocator, Map<String, Integer> stops, int runs) {
        if (stops == null) {
            return allocator;
        }
        List<String> why = new ArrayList<>();
        stops.forEach((reason, n) -> why.add(n + " of " + runs + " runs stopped early: " + reason));
        return allocator + " (" + String.join("; ", why) + ")";
    }
}
