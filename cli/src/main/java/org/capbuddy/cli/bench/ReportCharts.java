package org.capbuddy.cli.bench;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.knowm.xchart.AnnotationTextPanel;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.BitmapEncoder.BitmapFormat;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries.XYSeriesRenderStyle;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.AxesChartStyler;
import org.knowm.xchart.style.CategoryStyler;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.Styler.LegendPosition;
import org.knowm.xchart.style.XYStyler;
import org.knowm.xchart.style.lines.SeriesLines;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** The charts of a bench report, drawn with XChart off screen, each as PNG and as SVG. */
final class ReportCharts {
    /** Every chart's size in pixels. */
    static final int WIDTH = 900;
    static final int HEIGHT = 560;
    /** Free-block chart: block sizes 2^0 .. 2^10 frames. */
    static final int MAX_ORDER = 10;

    private ReportCharts() {
    }

    /** Writes the charts that the report has data for; returns the files written. */
    static List<Path> write(BenchReport r, Path outDir, String base) throws IOException {
        // The launcher sets this; a caller that did not (tests, an IDE) must not need a display.
        System.setProperty("java.awt.headless", "true");
        List<Path> written = new ArrayList<>();
        XYChart footprint = footprint(r);
        if (footprint != null) {
            written.addAll(saveBoth(footprint, outDir.resolve(base + "-footprint.png")));
        }
        if (!r.runs().isEmpty()) {
            written.addAll(saveBoth(invocationsPerFrame(r), outDir.resolve(base + "-invocations-per-frame.png")));
        }
        XYChart free = freeBlocks(r);
        if (free != null) {
            written.addAll(saveBoth(free, outDir.resolve(base + "-free-blocks.png")));
        }
        return written;
    }

    private static String subtitle(BenchReport r) {
        return BenchSpec.seeded(r.workload()) ? String.format(Locale.ROOT, "%s, seed %d", r.name(), r.seed()) : r.name();
    }

    /** Series name: the allocator, and where (in its unit of work) and why its run stopped early. */
    static String seriesName(AllocatorRun run) {
        return run.completed() ? run.allocator()
                : String.format(Locale.ROOT, "%s (stopped at %s %,d: %s)", run.allocator(), run.reachedUnit().words(),
                        run.reached(), run.stopReason().kind().words(run.reachedUnit()));
    }

    /**
     * RAM each allocator holds over the iterations (what allocman has handed out of its untypeds:
     * the pool's whole trees, every allocator's CNodes and bookkeeping pages), beside the demand
     * (frames live x 4 KiB, the same for every allocator that got as far); null without samples.
     */
    static XYChart footprint(BenchReport r) {
        if (r.runs().stream().allMatch(run -> run.footprint().isEmpty())) {
            return null;
        }
        XYChart chart = xyChart("Memory held: RAM handed out of allocman's untypeds (" + subtitle(r) + ")",
                "iteration", "MiB");
        XYStyler style = chart.getStyler();
        style.setLegendPosition(LegendPosition.InsideNW);
        style.setDefaultSeriesRenderStyle(XYSeriesRenderStyle.Line);
        style.setXAxisDecimalPattern("#,##0");
        style.setYAxisDecimalPattern("#,##0");
        AllocatorRun longest = null;
        for (AllocatorRun run : r.runs()) {
            if (run.footprint().isEmpty() || run.footprint().get(0).length < 3) {
                continue;
            }
            java.awt.Color colour = allocatorColour(style, run.allocator());
            chart.addSeries(seriesName(run), column(run, 0, 1), column(run, 2, 1.0 / (1 << 20)))
                    .setMarker(run.footprint().size() > 40 ? SeriesMarkers.NONE : SeriesMarkers.CIRCLE)
                    .setMarkerColor(colour).setLineColor(colour);
            if (longest == null || run.footprint().size() > longest.footprint().size()) {
                longest = run;
            }
        }
        if (longest == null) {
            longest = r.runs().stream().filter(run -> !run.footprint().isEmpty()).findFirst().orElseThrow();
        }
        chart.addSeries("demand: frames live x 4 KiB", column(longest, 0, 1), column(longest, 1, 4096.0 / (1 << 20)))
                .setMarker(SeriesMarkers.NONE).setLineStyle(SeriesLines.DASH_DASH).setLineColor(java.awt.Color.GRAY);
        spaceXAxisLabels(chart, 0.0); // the iterations from the start
        return chart;
    }

    /**
     * Lets XChart space a linear x axis's labels by the tick spacing hint, at round values.
     * XChart 3.8 has a way of its own with an x axis whose values, with the axis's ends, are evenly
     * spaced (a footprint sampled every n iterations, a sweep over evenly spaced values): it labels
     * only data values, every k-th from the first, and takes the first k at which the widest label
     * fits with a tenth of its width to spare, ignoring the hint. Labels such as 101, 111, 121 then
     * touched, and 1,004, 1,104 ran together. An axis minimum of 0 does not help, since the samples
     * are multiples of the interval and 0 continues the progression; an axis end half a step past
     * the last value breaks it, and XChart takes its usual round steps at least the hint apart.
     * {@code min}: where the axis starts, or null for the smallest value.
     */
    static void spaceXAxisLabels(XYChart chart, Double min) {
        double[] xs = chart.getSeriesMap().values().stream().flatMapToDouble(s -> java.util.Arrays.stream(s.getXData()))
                .distinct().sorted().toArray();
        chart.getStyler().setXAxisTickMarkSpacingHint(120); // labels such as 12,500 want room
        chart.getStyler().setXAxisMin(min);
        if (xs.length < 2) {
            return; // one value: XChart labels it alone, at the middle
        }
        double step = Double.MAX_VALUE;
        for (int i = 1; i < xs.length; i++) {
            step = Math.min(step, xs[i] - xs[i - 1]);
        }
        chart.getStyler().setXAxisMax(xs[xs.length - 1] + step / 2);
    }

    /** Column {@code index} of a run's footprint samples, scaled. */
    private static double[] column(AllocatorRun run, int index, double scale) {
        double[] values = new double[run.footprint().size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = run.footprint().get(i)[index] * scale;
        }
        return values;
    }

    /** Kernel invocations per 4 KiB frame handed out, one bar per allocator. */
    static CategoryChart invocationsPerFrame(BenchReport r) {
        CategoryChart chart = new CategoryChartBuilder().width(WIDTH).height(HEIGHT)
                .title("Kernel invocations per 4 KiB frame allocated (" + subtitle(r) + ")")
                .xAxisTitle("workload").yAxisTitle("kernel invocations per 4 KiB frame (log scale)").build();
        CategoryStyler style = chart.getStyler();
        solidGrid(style);
        // Outside: a bar may reach the top of the plot, where an inside legend would hide it.
        style.setLegendPosition(LegendPosition.OutsideS);
        // one allocator a line: a stopped run's name is long, and a row of them would run off the chart
        style.setLegendLayout(Styler.LegendLayout.Vertical);
        style.setLabelsVisible(true);
        // Log scale: the two allocators differ by three orders of magnitude or more.
        style.setYAxisLogarithmic(true);
        style.setYAxisMin(1e-4);
        style.setYAxisDecimalPattern("#,##0.####");
        for (AllocatorRun run : r.runs()) {
            // A zero cannot sit on a log axis; 1e-4 invocations per frame stands for "none".
            chart.addSeries(seriesName(run), List.of(r.name()), List.of(Math.max(1e-4, run.invocationsPerFrame())))
                    .setFillColor(allocatorColour(style, run.allocator()));
        }
        return chart;
    }

    /**
     * Free blocks by block size, one series of points per pool run (sizes 1..1024 frames), with
     * the largest untyped plain allocman (or a frame policy over it) could still hand out as a
     * point of its own; null without data. Both axes are logarithmic, since counts run from one
     * to hundreds of thousands and sizes from one frame to beyond a tree: a size with no free
     * block has no point (a log axis has no zero), as the title says, and a run with no free block
     * at all is named in a note on the plot (which may then hold nothing else); the CSV has every
     * count.
     */
    static XYChart freeBlocks(BenchReport r) {
        List<XYPoints> series = new ArrayList<>();
        List<String> none = new ArrayList<>();
        for (AllocatorRun run : r.runs()) {
            List<Double> sizes = new ArrayList<>();
            List<Double> counts = new ArrayList<>();
            for (int k = 0; k < Math.min(run.freeBlocksByOrder().size(), MAX_ORDER + 1); k++) {
                long n = run.freeBlocksByOrder().get(k);
                if (n > 0) {
                    sizes.add((double) (1L << k));
                    counts.add((double) n);
                }
            }
            if (!sizes.isEmpty()) {
                series.add(new XYPoints(seriesName(run), sizes, counts, false));
            } else if (!run.freeBlocksByOrder().isEmpty()) {
                none.add(seriesName(run) + ": no free block");
            }
        }
        // beside the pool's free blocks, the largest block plain allocman could still hand out
        for (AllocatorRun run : r.runs()) {
            Double bits = run.extra().get("largestAllocatableUntypedBits");
            if (bits == null || !run.freeBlocksByOrder().isEmpty() || bits < 12) {
                continue;
            }
            int order = bits.intValue() - 12;
            series.add(new XYPoints(String.format(Locale.ROOT, "%s: largest untyped still allocatable, 2^%d frames",
                    run.allocator(), order), List.of((double) (1L << order)), List.of(1.0), true));
        }
        if (series.isEmpty() && none.isEmpty()) {
            return null;
        }
        XYChart chart = xyChart("Free blocks by size, sizes with none free not drawn (" + subtitle(r) + ")",
                "block size (frames, log scale)", "free blocks (log scale)");
        XYStyler style = chart.getStyler();
        style.setLegendPosition(LegendPosition.OutsideS);
        style.setLegendLayout(Styler.LegendLayout.Vertical);
        style.setDefaultSeriesRenderStyle(XYSeriesRenderStyle.Scatter);
        style.setMarkerSize(10);
        style.setXAxisLogarithmic(true);
        style.setYAxisLogarithmic(true);
        // the same 1..1024 frames at least, so charts of different runs compare at a glance
        style.setXAxisMin(0.7);
        style.setXAxisMax(Math.max(1500.0, series.stream().flatMap(s -> s.x().stream()).mapToDouble(d -> d).max()
                .orElse(1024) * 1.5));
        style.setYAxisMin(0.7);
        style.setYAxisMax(Math.max(20.0, series.stream().flatMap(s -> s.y().stream()).mapToDouble(d -> d).max()
                .orElse(1) * 1.5));
        style.setXAxisDecimalPattern("#,##0");
        style.setYAxisDecimalPattern("#,##0");
        for (XYPoints points : series) {
            chart.addSeries(points.name(), points.x(), points.y())
                    .setMarker(points.untyped() ? SeriesMarkers.DIAMOND : SeriesMarkers.CIRCLE);
        }
        if (!none.isEmpty()) {
            // a run with every count zero has no point to draw, and must not vanish unremarked
            AnnotationTextPanel note = new AnnotationTextPanel(String.join("\n", none), WIDTH - 440, HEIGHT - 80, true);
            note.setLines(none);
            chart.addAnnotation(note);
        }
        return chart;
    }

    /** One series of the free-block chart: its points, and whether it is allocman's largest untyped. */
    private record XYPoints(String name, List<Double> x, List<Double> y, boolean untyped) {
    }

    /**
     * The colour of an allocator's series on every chart, bench's and sweep's alike: the theme's
     * first for capbuddy and its second for allocman, whatever order a chart adds them in; any
     * other name (a frame policy of one's own, a sweep's variant) one of the rest, chosen from its
     * name so that it keeps its colour too.
     */
    static java.awt.Color allocatorColour(org.knowm.xchart.style.Styler styler, String allocator) {
        java.awt.Color[] palette = styler.getSeriesColors();
        return switch (allocator) {
            case "capbuddy" -> palette[0];
            case "allocman" -> palette[1];
            default -> palette[2 + Math.floorMod(allocator.hashCode(), palette.length - 2)];
        };
    }

    /** An empty XY chart of the size every chart here has. */
    static XYChart xyChart(String title, String xTitle, String yTitle) {
        XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(title).xAxisTitle(xTitle)
                .yAxisTitle(yTitle).build();
        solidGrid(chart.getStyler());
        return chart;
    }

    /**
     * Solid grid lines, a shade lighter than XChart's dashed ones so that they weigh about the
     * same. XChart fills each dash of a dashed grid line as a shape of its own, a hundred to a
     * line: in SVG that was half a megabyte of a two-bar chart with a log axis's forty lines.
     */
    static void solidGrid(AxesChartStyler style) {
        style.setPlotGridLinesStroke(new java.awt.BasicStroke(1f));
        style.setPlotGridLinesColor(new java.awt.Color(228, 228, 228));
    }

    private static Path save(Chart<?, ?> chart, Path file) throws IOException {
        try (OutputStream out = Files.newOutputStream(file)) {
            BitmapEncoder.saveBitmap(chart, out, BitmapFormat.PNG);
        }
        return file;
    }

    /** {@code chart} as PNG at {@code png} and as SVG beside it (same name, .svg), for print and papers. */
    static List<Path> saveBoth(Chart<?, ?> chart, Path png) throws IOException {
        Path svg = png.resolveSibling(png.getFileName().toString().replaceFirst("\\.png$", ".svg"));
        save(chart, png);
        try (OutputStream out = Files.newOutputStream(svg)) {
            ChartSvg.write(chart, out);
        }
        return List.of(png, svg);
    }
}
