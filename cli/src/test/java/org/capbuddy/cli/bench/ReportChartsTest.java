package org.capbuddy.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.DecimalFormat;
import java.text.DecimalFormatSymbols;
import java.text.ParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.internal.chartpart.Axis;
import org.knowm.xchart.internal.chartpart.AxisTickCalculator;
import org.knowm.xchart.internal.chartpart.Chart;

/** The charts' x-axis labels (round, and apart at any run length) and the size of their SVG. */
class ReportChartsTest {
    /** Adjacent labels at least this far apart, in pixels: "20,000" is about 45 wide. */
    private static final double MIN_LABEL_SPACING = 60;

    /** A report of two runs of {@code iterations} mcmc iterations, sampled as the workload samples them. */
    private static BenchReport mcmc(long iterations) {
        long every = Math.max(1, iterations / 500);
        List<AllocatorRun> runs = new ArrayList<>();
        for (String allocator : List.of("capbuddy", "allocman")) {
            List<long[]> footprint = new ArrayList<>();
            for (long it = every; it <= iterations; it += every) {
                long live = 2_000 + (it * 7_919 + allocator.length() * 104_729) % 12_000; // a jagged line
                footprint.add(new long[] {it, live, (live * 4096 + (4L << 20)) / (4L << 20) * (4L << 20)});
            }
            runs.add(new AllocatorRun(allocator, 1_000, Map.of(), 10, 4096, 1_000, 4096, 1.0, 1_000, iterations, WorkUnit.ITERATION, true,
                    StopReason.LIMIT, footprint, List.of(), Map.of()));
        }
        return new BenchReport("mcmc", 1, iterations, 1L << 30, "two-level", "p2", runs, Map.of(), null, Map.of(),
                null, null, Map.of());
    }

    /** The x-axis labels XChart draws (those inside the axis) and where, once the chart is painted. */
    private static List<Map.Entry<String, Double>> xLabels(XYChart chart) throws ReflectiveOperationException {
        BufferedImage image = new BufferedImage(ReportCharts.WIDTH, ReportCharts.HEIGHT, BufferedImage.TYPE_INT_RGB);
        java.awt.Graphics2D g = image.createGraphics();
        chart.paint(g, ReportCharts.WIDTH, ReportCharts.HEIGHT);
        g.dispose();
        // XChart keeps the axes package-private; the ticks it computed are what it drew
        java.lang.reflect.Method getXAxis = Chart.class.getDeclaredMethod("getXAxis");
        getXAxis.setAccessible(true);
        Axis<?, ?> axis = (Axis<?, ?>) getXAxis.invoke(chart);
        AxisTickCalculator ticks = axis.getAxisTickCalculator();
        List<Map.Entry<String, Double>> shown = new ArrayList<>();
        for (int i = 0; i < ticks.getTickLabels().size(); i++) {
            double at = ticks.getTickLocations().get(i);
            if (ticks.getTickLabels().get(i) != null && at > 0 && at < axis.getBounds().getWidth()) {
                shown.add(Map.entry(ticks.getTickLabels().get(i), at));
            }
        }
        return shown;
    }

    /** Labels at least {@link #MIN_LABEL_SPACING} apart, on round values an equal step apart. */
    private static void assertRoundAndApart(List<Map.Entry<String, Double>> labels) throws ParseException {
        assertThat(labels).as("labels %s", labels).hasSizeBetween(3, 12);
        DecimalFormat format = new DecimalFormat("#,##0", DecimalFormatSymbols.getInstance(Locale.ROOT));
        List<Long> values = new ArrayList<>();
        for (Map.Entry<String, Double> label : labels) {
            values.add(format.parse(label.getKey()).longValue());
        }
        long step = values.get(1) - values.get(0);
        assertThat(Long.toString(step)).as("a step of 1, 2 or 5 times a power of ten: %s", values)
                .matches("[125]0*");
        for (int i = 1; i < labels.size(); i++) {
            assertThat(values.get(i) - values.get(i - 1)).as("%s", values).isEqualTo(step);
            assertThat(values.get(i) % step).as("round: %s", values).isZero();
            assertThat(labels.get(i).getValue() - labels.get(i - 1).getValue()).as("pixels apart: %s", labels)
                    .isGreaterThanOrEqualTo(MIN_LABEL_SPACING);
        }
    }

    @ParameterizedTest
    @ValueSource(longs = {2, 12, 30, 100, 300, 1_000, 2_000, 20_000, 1_000_000})
    void footprintLabelsAreRoundAndApartForShortAndLongRuns(long iterations) throws Exception {
        // XChart labelled every 10th sample of 300 (1, 11, 21, ...: the labels touched) and every
        // 25th of 2,000 sampled every 4 (4, 104, ..., 1,004, 1,104: run together)
        assertRoundAndApart(xLabels(ReportCharts.footprint(mcmc(iterations))));
    }

    @Test
    void aSweepOverManyEvenlySpacedValuesGetsRoundLabelsApart() throws Exception {
        ObjectMapper mapper = new ObjectMapper();
        List<JsonNode> results = new ArrayList<>();
        for (int spare = 0; spare <= 40; spare++) {
            results.add(mapper.readTree(String.format("{\"spec\": {\"spareTrees\": %d}, \"report\": {\"runs\": ["
                    + "{\"allocator\": \"capbuddy\", \"kernelInvocations\": %d, \"framesAllocated\": 100,"
                    + " \"bookkeepingBytes\": 4096, \"stopReason\": {\"kind\": \"ITERATION_LIMIT\"}}]}}", spare,
                    1 + spare)));
        }
        for (XYChart chart : SweepOutput.charts("spareTrees", results)) {
            assertThat(chart.getStyler().isXAxisLogarithmic()).isFalse();
            assertRoundAndApart(xLabels(chart));
        }
    }

    @Test
    void svgChartsAreTensOfKilobytes(@TempDir Path dir) throws IOException {
        // a bar chart on a log axis was 640 KB (each dash of forty dashed grid lines a shape of its
        // own), a footprint of 500 samples a series 840 KB (each segment a <line> with its style)
        BenchReport report = mcmc(20_000);
        List<Path> written = new ArrayList<>();
        written.addAll(ReportCharts.saveBoth(ReportCharts.invocationsPerFrame(report), dir.resolve("bars.png")));
        written.addAll(ReportCharts.saveBoth(ReportCharts.footprint(report), dir.resolve("footprint.png")));
        for (Path svg : written.stream().filter(p -> p.toString().endsWith(".svg")).toList()) {
            String text = Files.readString(svg);
            assertThat(text).as(svg.toString()).startsWith("<?xml").contains("<svg", "</svg>");
            assertThat(Files.size(svg)).as(svg.toString()).isLessThan(100_000);
            assertThat(text.split("<line", -1).length - 1).as("lines left unjoined in %s", svg).isLessThan(100);
        }
    }

    @Test
    void pathDataBecomesRelativeHundredthsThatAddUpToTheSamePoints() {
        String absolute = "M95.62890625,285.203125 L98.62890625,285.203125 Q-1.96875,-10.71484375 -1.59375,-11.16796875"
                + " C1,2 3,4 5.006,6 Z M10,10 L10.5,9.25 Z";
        String relative = ChartSvg.relative(absolute);
        assertThat(relative).isEqualTo("m95.63 285.2l3 0q-100.6-295.91-100.22-296.37c2.59 13.17 4.59 15.17 6.6 17.17z"
                + "m-85.63-275.2l.5-.75z");
        assertThat(absolutePoints(relative)).isEqualTo(List.of(95.63, 285.2, 98.63, 285.2, -1.97, -10.71, -1.59,
                -11.17, 1.0, 2.0, 3.0, 4.0, 5.01, 6.0, 10.0, 10.0, 10.5, 9.25));
        assertThat(ChartSvg.relative("M1.0E-4,2 L3,4")).as("a form it does not know is left alone")
                .isEqualTo("M1.0E-4,2 L3,4");
        assertThat(ChartSvg.relative("M1,2 L3")).isEqualTo("M1,2 L3");
    }

    /** The absolute points of relative path data, as an SVG reader finds them. */
    private static List<Double> absolutePoints(String relative) {
        Matcher m = Pattern.compile("[a-z]|-?(?:[0-9]+(?:\\.[0-9]+)?|\\.[0-9]+)").matcher(relative);
        List<Double> points = new ArrayList<>();
        double x = 0;
        double y = 0;
        double startX = 0;
        double startY = 0;
        String command = "";
        List<Double> numbers = new ArrayList<>();
        while (true) {
            boolean found = m.find();
            if (!found || Character.isLetter(m.group().charAt(0))) {
                for (int k = 0; k < numbers.size(); k += 2) {
                    points.add(Math.round((x + numbers.get(k)) * 100) / 100.0);
                    points.add(Math.round((y + numbers.get(k + 1)) * 100) / 100.0);
                }
                if (!numbers.isEmpty()) {
                    x += numbers.get(numbers.size() - 2);
                    y += numbers.get(numbers.size() - 1);
                }
                if (command.equals("m")) {
                    startX = x;
                    startY = y;
                } else if (command.equals("z")) {
                    x = startX;
                    y = startY;
                }
                if (!found) {
                    return points;
                }
                command = m.group();
                numbers.clear();
            } else {
                numbers.add(Double.parseDouble(m.group()));
            }
        }
    }
}
