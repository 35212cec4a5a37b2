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
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.Styler.LegendPosition;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * A sweep's merged results: {@code sweep.csv} (a row per run and allocator: the varied values, then
 * the exact figures and wall time), {@code sweep.json} (the sweep and every run's report) and a
 * chart of kernel invocations per frame across the first varied field that is not the seed (the
 * seed if it is the only one), one line per allocator, averaged over the other fields.
 */
final class SweepOutput {
    private static final List<String> FIGURES = List.of("kernelInvocations", "objectsRetyped", "bytesZeroed",
            "modelledCycles", "bookkeepingBytes", "framesAllocated", "iterationReached", "completed", "wallMillis");

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
            written.addAll(ReportCharts.saveBoth(chart(axis, results), outDir.resolve("sweep-" + axis + ".png")));
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
        header.add("stopReason");
        out.append(String.join(",", header)).append('\n');
        for (JsonNode result : results) {
            for (JsonNode run : result.at("/report/runs")) {
                List<String> row = new ArrayList<>(List.of(result.get("index").asText()));
                params.forEach(p -> row.add(value(result.at("/params/" + p))));
                row.add(run.get("allocator").asText());
                FIGURES.forEach(f -> row.add(run.get(f).asText()));
                row.add(run.at("/stopReason/kind").asText());
                out.append(String.join(",", row)).append('\n');
            }
        }
        return out.toString();
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
        return List.of("ram", "touch", "iterations", "lifetime", "spareTrees", "seed").contains(field);
    }

    private static XYChart chart(String axis, List<JsonNode> results) {
        // allocator -> x -> (sum, count)
        Map<String, TreeMap<Double, double[]>> lines = new TreeMap<>();
        for (JsonNode result : results) {
            double x = result.at("/spec/" + axis).asDouble();
            if (axis.equals("ram") || axis.equals("touch")) {
                x /= 1 << 20;
            }
            for (JsonNode run : result.at("/report/runs")) {
                double frames = run.get("framesAllocated").asDouble();
                double perFrame = frames == 0 ? 1e-4 : Math.max(1e-4, run.get("kernelInvocations").asDouble() / frames);
                double[] acc = lines.computeIfAbsent(run.get("allocator").asText(), k -> new TreeMap<>())
                        .computeIfAbsent(x, k -> new double[2]);
                acc[0] += perFrame;
                acc[1]++;
            }
        }
        String unit = axis.equals("ram") || axis.equals("touch") ? axis + " (MiB)" : axis;
        XYChart chart = new XYChartBuilder().width(ReportCharts.WIDTH).height(ReportCharts.HEIGHT)
                .title("Kernel invocations per 4 KiB frame across " + axis + " (mean over the other varied values)")
                .xAxisTitle(unit).yAxisTitle("kernel invocations per frame (log scale)").build();
        chart.getStyler().setLegendPosition(LegendPosition.OutsideS);
        chart.getStyler().setYAxisLogarithmic(true);
        chart.getStyler().setXAxisDecimalPattern("#,##0");
        chart.getStyler().setYAxisDecimalPattern("#,##0.####");
        lines.forEach((allocator, points) -> {
            double[] xs = points.keySet().stream().mapToDouble(Double::doubleValue).toArray();
            double[] ys = points.values().stream().mapToDouble(a -> a[0] / a[1]).toArray();
            chart.addSeries(allocator, xs, ys).setMarker(SeriesMarkers.CIRCLE);
        });
        return chart;
    }
}
