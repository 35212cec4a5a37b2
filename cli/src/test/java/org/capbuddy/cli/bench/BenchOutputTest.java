package org.capbuddy.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.capbuddy.cli.common.HostJvm;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class BenchOutputTest {
    /** Under target/ so the charts can be looked at after the run. */
    private static final Path OUT = Path.of("target", "bench-output-test");

    private static BenchReport report;
    private static List<Path> files;

    @BeforeAll
    static void writeReport() throws IOException {
        AllocatorRun capbuddy = new AllocatorRun("capbuddy", 1_200, Map.of("UntypedRetype", 700L, "CNodeDelete", 300L,
                "CNodeRevoke", 150L, "PageMap", 40L, "PageUnmap", 6L, "TCBSuspend", 4L),
                64, 4_194_304, 150_000.0, 65_536, 12.5, 1_024, 100, WorkUnit.ITERATION, true, StopReason.LIMIT,
                List.of(new long[] {0, 0, 0}, new long[] {25, 300, 4L << 20}, new long[] {50, 520, 8L << 20},
                        new long[] {75, 610, 8L << 20}, new long[] {100, 580, 8L << 20}),
                List.of(3L, 2L, 4L, 1L, 0L, 2L, 1L, 0L, 0L, 1L, 3L),
                Map.of("largestUntypedBytes", 8_388_608.0, "usableFraction", 0.9375));
        AllocatorRun allocman = new AllocatorRun("allocman", 4_800, Map.of("UntypedRetype", 2_400L,
                "CNodeDelete", 2_300L, "CNodeRevoke", 100L),
                2_048, 8_388_608, 600_000.0, 262_144, 50.0, 1_024, 80, WorkUnit.ITERATION, false,
                new StopReason(StopReason.Kind.SLOTS_EXHAUSTED, "OUT_OF_SLOTS: no free slot"),
                List.of(new long[] {0, 0}, new long[] {25, 280}, new long[] {50, 500}, new long[] {80, 700}),
                List.of(40L, 12L, 6L, 2L, 1L, 0L, 0L, 0L, 0L, 0L, 0L),
                Map.of("largestUntypedBytes", 1_048_576.0));
        report = new BenchReport("fragmentation", 42, 100, 1L << 30, "two-level, root 2^11, L2 2^12", "p1", List.of(capbuddy, allocman),
                BenchSystem.ratios(List.of(capbuddy, allocman)), null, Map.of(), null, null, Map.of());
        if (Files.exists(OUT)) {
            try (Stream<Path> walk = Files.walk(OUT)) {
                for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
        files = BenchOutput.writeFiles(report, OUT.resolve("nested"));
    }

    @Test
    void extraFiguresAreOrderedByTheNumbersInTheirNames() {
        java.util.List<String> names = new java.util.ArrayList<>(java.util.List.of("invocationsPerBlock.2^10",
                "invocationsPerBlock.2^2", "alloc.invocations", "invocationsPerBlock.2^0", "invocationsPerBlock.2^1"));
        names.sort(BenchOutput::natural);
        assertThat(names).containsExactly("alloc.invocations", "invocationsPerBlock.2^0", "invocationsPerBlock.2^1",
                "invocationsPerBlock.2^2", "invocationsPerBlock.2^10");
        assertThat(BenchOutput.natural("a2", "a02")).isNotZero();
    }

    @Test
    void aSmallRatioKeepsItsDigitsInsteadOfPrintingZero() {
        assertThat(BenchOutput.ratio(1.0 / 4096)).isEqualTo("0.0002441");
        assertThat(BenchOutput.ratio(0)).isEqualTo("0.000");
        assertThat(BenchOutput.ratio(4.76)).isEqualTo("4.760");
        // below 0.01 three decimals would keep one digit: the pool's 0.0015 a frame read 0.001
        assertThat(BenchOutput.ratio(5_779.0 / 3_762_695)).isEqualTo("0.001536");
        assertThat(BenchOutput.ratio(185.0 / 32_768)).isEqualTo("0.005646");
        assertThat(BenchOutput.ratio(0.054)).isEqualTo("0.054");
    }

    @Test
    void tableHasFiguresRatiosLabelsAndExtras() {
        String table = BenchOutput.table(report);
        assertThat(table).contains("workload fragmentation", "seed 42", "RAM 1 GiB", "distribution p1");
        assertThat(table).contains("capbuddy", "allocman", "capbuddy/allocman");
        assertThat(lineOf(table, "kernel invocations ")).contains("1,200", "4,800", "0.250");
        assertThat(lineOf(table, "invocations per 4 KiB frame")).contains("1.172", "4.688", "0.250");
        assertThat(lineOf(table, "objects retyped")).contains("64", "2,048", "0.031");
        assertThat(lineOf(table, "bytes zeroed")).contains("4 MiB", "8 MiB", "0.500");
        assertThat(lineOf(table, "modelled cycles")).contains("150,000", "600,000", "0.250");
        assertThat(lineOf(table, "bookkeeping bytes")).contains("64 KiB", "256 KiB", "0.250");
        assertThat(lineOf(table, "wall time (ms)")).contains("12.5", "50.0", "0.250");
        assertThat(lineOf(table, "4 KiB frames allocated")).contains("1,024", "1.000");
        // No ratio for these: the ratio column shows "-".
        assertThat(lineOf(table, "iteration reached")).contains("100", "80").endsWith("-");
        assertThat(table).as("the unit is in the label, not a row of its own").doesNotContain("reachedUnit");
        assertThat(lineOf(table, "completed")).contains("yes", "no").endsWith("-");
        assertThat(table).contains("top kernel invocations");
        assertThat(lineMatching(table, "capbuddy +UntypedRetype .*")).contains("700", "58.3%");
        assertThat(lineMatching(table, "allocman +CNodeDelete .*")).contains("2,300", "47.9%");
        // Only the top five labels of capbuddy's six.
        assertThat(table).doesNotContain("TCBSuspend");
        assertThat(lineOf(table, "largestUntypedBytes")).contains("8,388,608", "1,048,576");
        assertThat(lineOf(table, "usableFraction")).contains("0.9375").endsWith("-");
        System.out.println(table);
    }

    @Test
    void tableWithoutRatiosHasNoRatioColumn() {
        BenchReport one = new BenchReport("churn", 1, 10, 1L << 20, "single-level, root 2^18", "", List.of(report.runs().get(0)), Map.of(), null, Map.of(), null, null, Map.of());
        String table = BenchOutput.table(one);
        assertThat(table).doesNotContain("capbuddy/allocman").doesNotContain("distribution");
        assertThat(lineOf(table, "kernel invocations ")).contains("1,200");
        assertThat(table).as("no host line when none was recorded").doesNotContain("host ");
    }

    @Test
    void aRecordedHostIsNamedUnderTheHeadingAndInTheJson() throws Exception {
        HostJvm host = new HostJvm("17.0.99", "Test VM", "Serial", 2, 1L << 30);
        BenchReport withHost = new BenchReport("churn", 1, 10, 1L << 20, "single-level, root 2^18", "",
                List.of(report.runs().get(0)), Map.of(), null, Map.of(), null, null, Map.of(), host);
        String table = BenchOutput.table(withHost);
        assertThat(table.lines().toList().get(1))
                .isEqualTo("host Java 17.0.99 (Test VM), Serial collector, 2 CPUs, heap limit 1 GiB");
        Path dir = OUT.resolve("with-host");
        BenchOutput.writeFiles(withHost, dir);
        JsonNode json = new ObjectMapper().readTree(dir.resolve("churn.json").toFile());
        assertThat(json.path("host").path("collector").asText()).isEqualTo("Serial");
        assertThat(json.path("host").path("processors").asInt()).isEqualTo(2);
    }

    @Test
    void writesTheExpectedFiles() {
        Path dir = OUT.resolve("nested");
        assertThat(files).containsExactly(dir.resolve("fragmentation.json"), dir.resolve("fragmentation.csv"),
                dir.resolve("fragmentation-footprint.csv"), dir.resolve("fragmentation-footprint.png"),
                dir.resolve("fragmentation-footprint.svg"), dir.resolve("fragmentation-invocations-per-frame.png"),
                dir.resolve("fragmentation-invocations-per-frame.svg"), dir.resolve("fragmentation-free-blocks.png"),
                dir.resolve("fragmentation-free-blocks.svg"));
        assertThat(files).allMatch(Files::isRegularFile);
        for (Path svg : files.stream().filter(p -> p.toString().endsWith(".svg")).toList()) {
            try {
                assertThat(Files.readString(svg)).as(svg.toString()).contains("<svg", "</svg>");
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
    }

    @Test
    void jsonParsesBack() throws IOException {
        JsonNode json = new ObjectMapper().readTree(OUT.resolve("nested/fragmentation.json").toFile());
        assertThat(json.get("workload").asText()).isEqualTo("fragmentation");
        assertThat(json.get("seed").asLong()).isEqualTo(42);
        assertThat(json.get("runs")).hasSize(2);
        JsonNode cb = json.get("runs").get(0);
        assertThat(cb.get("allocator").asText()).isEqualTo("capbuddy");
        assertThat(cb.get("kernelInvocations").asLong()).isEqualTo(1_200);
        assertThat(cb.get("invocationsByLabel").get("UntypedRetype").asLong()).isEqualTo(700);
        assertThat(cb.get("footprint")).hasSize(5);
        assertThat(cb.get("footprint").get(2).get(1).asLong()).isEqualTo(520);
        assertThat(cb.get("freeBlocksByOrder")).hasSize(11);
        assertThat(json.get("ratios").get("kernelInvocations").asDouble()).isEqualTo(0.25);
    }

    @Test
    void csvHasOneRowPerAllocator() throws IOException {
        List<String> lines = Files.readAllLines(OUT.resolve("nested/fragmentation.csv"));
        assertThat(lines).hasSize(3);
        String[] header = lines.get(0).split(",");
        assertThat(header).startsWith("allocator", "kernelInvocations", "invocationsPerFrame", "objectsRetyped",
                "bytesZeroed", "modelledCycles", "bookkeepingBytes", "wallMillis", "framesAllocated",
                "reached", "reachedUnit", "completed", "stopReason", "largestUntypedBytes", "usableFraction");
        assertThat(header).contains("invocations:UntypedRetype", "invocations:TCBSuspend");
        for (String line : lines.subList(1, 3)) {
            assertThat(line.split(",", -1)).hasSize(header.length);
        }
        String[] cb = lines.get(1).split(",", -1);
        assertThat(cb[0]).isEqualTo("capbuddy");
        assertThat(cb[1]).isEqualTo("1200");
        assertThat(Double.parseDouble(cb[2])).isEqualTo(1_200 / 1_024.0);
        assertThat(cb[9]).isEqualTo("100");
        assertThat(cb[10]).isEqualTo("iteration");
        assertThat(cb[11]).isEqualTo("true");
        assertThat(cb[12]).isEqualTo("iteration limit reached");
        // whole figures held as doubles are written whole at every size, fractions as they are
        assertThat(cb[5]).as("modelledCycles").isEqualTo("150000");
        assertThat(cb[13]).as("largestUntypedBytes").isEqualTo("8388608");
        assertThat(cb[14]).as("usableFraction").isEqualTo("0.9375");
        assertThat(cb[7]).as("wallMillis").isEqualTo("12.5");
        String[] am = lines.get(2).split(",", -1);
        assertThat(am[0]).isEqualTo("allocman");
        assertThat(am[11]).isEqualTo("false");
        assertThat(am[12]).isEqualTo("slots exhausted");
        assertThat(am[14]).isEmpty(); // allocman has no usableFraction
        int tcb = List.of(header).indexOf("invocations:TCBSuspend");
        assertThat(am[tcb]).isEqualTo("0");
    }

    @Test
    void footprintCsvHasOneRowPerSampleWithItsRunsStopPointAndReason() throws IOException {
        List<String> lines = Files.readAllLines(OUT.resolve("nested/fragmentation-footprint.csv"));
        assertThat(lines.get(0)).isEqualTo("iteration,allocator,framesLive,heldBytes,reached,reachedUnit,stopReason");
        assertThat(lines).hasSize(1 + 5 + 4);
        assertThat(lines).contains("50,capbuddy,520,8388608,100,iteration,iteration limit reached",
                "80,allocman,700,,80,iteration,slots exhausted");
    }

    @Test
    void pngsDecodeToTheChartSize() throws IOException {
        for (Path png : files.stream().filter(p -> p.toString().endsWith(".png")).toList()) {
            assertThat(Files.size(png)).as(png.toString()).isGreaterThan(1_000);
            BufferedImage image = ImageIO.read(png.toFile());
            assertThat(image).as(png.toString()).isNotNull();
            assertThat(image.getWidth()).isEqualTo(ReportCharts.WIDTH);
            assertThat(image.getHeight()).isEqualTo(ReportCharts.HEIGHT);
        }
    }

    @Test
    void noFreeBlockChartWithoutFreeBlocks(@org.junit.jupiter.api.io.TempDir Path dir) throws IOException {
        AllocatorRun plain = new AllocatorRun("capbuddy", 10, Map.of(), 1, 4096, 10, 0, 0.1, 1, 1, WorkUnit.ITERATION, true,
                StopReason.LIMIT, List.of(), List.of(), Map.of());
        List<Path> written = BenchOutput.writeFiles(
                new BenchReport("one/off", 7, 1, 1L << 20, "single-level, root 2^18", "p2", List.of(plain), Map.of(), null, Map.of(), null, null, Map.of()), dir);
        assertThat(written).as("no footprint file without samples, and none listed")
                .extracting(p -> p.getFileName().toString()).containsExactly("one_off.json", "one_off.csv",
                        "one_off-invocations-per-frame.png", "one_off-invocations-per-frame.svg");
        assertThat(dir.resolve("one_off-footprint.csv")).doesNotExist();
    }

    @Test
    void theFreeBlockChartShowsTheLargestUntypedAllocmanCouldStillGiveBesideThePoolsBlocks() {
        AllocatorRun pool = report.runs().get(0);
        AllocatorRun plain = new AllocatorRun("allocman", 10, Map.of(), 1, 4096, 10, 0, 0.1, 1, 1, WorkUnit.ITERATION, false,
                StopReason.LIMIT, List.of(), List.of(), Map.of("largestAllocatableUntypedBits", 24.0));
        BenchReport both = new BenchReport("utilisation", 1, 0, 1L << 30, "two-level", null, List.of(pool, plain),
                Map.of(), null, Map.of(), null, null, Map.of());
        assertThat(ReportCharts.freeBlocks(both).getSeriesMap().keySet()).containsExactly(pool.allocator(),
                "allocman: largest untyped still allocatable, 2^12 frames");
    }

    @Test
    void aPoolWithNoFreeBlockIsNamedNotDrawnAndNothingProbedMeansNoChart(@org.junit.jupiter.api.io.TempDir Path dir)
            throws IOException {
        List<Long> none = java.util.Collections.nCopies(11, 0L);
        AllocatorRun full = new AllocatorRun("capbuddy", 10, Map.of(), 1, 4096, 10, 0, 0.1, 1, 1, WorkUnit.ITERATION, false,
                StopReason.LIMIT, List.of(), none, Map.of("largestAllocatableUntypedBits", 0.0));
        AllocatorRun plain = new AllocatorRun("allocman", 10, Map.of(), 1, 4096, 10, 0, 0.1, 1, 1, WorkUnit.ITERATION, false,
                StopReason.LIMIT, List.of(), List.of(), Map.of("largestAllocatableUntypedBits", 21.0));
        BenchReport both = new BenchReport("mcmc", 1, 0, 1L << 30, "two-level", null, List.of(full, plain),
                Map.of(), null, Map.of(), null, null, Map.of());
        var chart = ReportCharts.freeBlocks(both);
        assertThat(chart.getSeriesMap().keySet()).containsExactly("allocman: largest untyped still allocatable, 2^9 frames");
        assertThat(chart.getSeriesMap().values().iterator().next().getXData()).containsExactly(512.0);
        BenchReport alone = new BenchReport("mcmc", 1, 0, 1L << 30, "two-level", null, List.of(full),
                Map.of(), null, Map.of(), null, null, Map.of());
        var onlyTheNote = ReportCharts.freeBlocks(alone);
        assertThat(onlyTheNote.getSeriesMap()).as("a log axis cannot show zeros; the note names the pool").isEmpty();
        assertThat(ReportCharts.saveBoth(onlyTheNote, dir.resolve("note.png"))).allSatisfy(f -> assertThat(f).isNotEmptyFile());
        BenchReport unprobed = new BenchReport("mcmc", 1, 0, 1L << 30, "two-level", null, List.of(plainRun()),
                Map.of(), null, Map.of(), null, null, Map.of());
        assertThat(ReportCharts.freeBlocks(unprobed)).as("nothing probed, no chart").isNull();
    }

    private static AllocatorRun plainRun() {
        return new AllocatorRun("allocman", 10, Map.of(), 1, 4096, 10, 0, 0.1, 1, 1, WorkUnit.ITERATION, true, StopReason.LIMIT, List.of(),
                List.of(), Map.of());
    }

    @Test
    void disabledProgressPrintsNothing() {
        assertThat(captured(() -> {
            try (Progress p = Progress.start("bench", 1_000, false)) {
                assertThat(p.enabled()).isFalse();
                for (int i = 0; i < 1_000; i++) {
                    p.step(1);
                }
            }
        })).isEmpty();
    }

    @Test
    void progressWithoutAConsolePrintsNothing() {
        assumeThat(System.console()).isNull();
        assertThat(captured(() -> {
            try (Progress p = Progress.start("bench", 10, true)) {
                assertThat(p.enabled()).isFalse();
                p.step(10);
            }
        })).isEmpty();
    }

    private static String captured(Runnable action) {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream capture = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        System.setOut(capture);
        System.setErr(capture);
        try {
            action.run();
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }

    private static String lineMatching(String table, String regex) {
        return table.lines().filter(l -> l.matches(regex)).findFirst()
                .orElseThrow(() -> new AssertionError("no line matching '" + regex + "' in\n" + table));
    }

    private static String lineOf(String table, String start) {
        return table.lines().filter(l -> l.startsWith(start)).findFirst()
                .orElseThrow(() -> new AssertionError("no line starting '" + start + "' in\n" + table));
    }
}
