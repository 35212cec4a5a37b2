package org.capbuddy.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.capbuddy.cli.CliRun;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code capbuddy sweep}: 3 seeds x 3 RAM sizes x 2 allocators on two threads give the same exact
 * figures as on one (machines on different threads share nothing), an interrupted sweep (runs
 * missing) resumes with only what is missing, and bad sweeps are refused before anything runs.
 */
class SweepTest {
    private static final String SWEEP = """
            {"base": {"workload": "mcmc", "iterations": 200},
             "vary": {"seed": [1, 2, 3], "ram": ["128M", "256M", "512M"], "allocators": [["capbuddy"], ["allocman"]]}}
            """;

    /** The CSV's lines without the wall-time column (host time, the one figure that varies). */
    private static List<String> exact(Path csv) throws IOException {
        List<String> lines = Files.readAllLines(csv);
        int wall = List.of(lines.get(0).split(",")).indexOf("wallMillis");
        List<String> out = new ArrayList<>();
        for (String line : lines) {
            List<String> cells = new ArrayList<>(List.of(line.split(",", -1)));
            cells.remove(wall);
            out.add(String.join(",", cells));
        }
        return out;
    }

    @Test
    void aSweepRunsOnTwoThreadsAsOnOneAndResumesWhereItStopped(@TempDir Path dir) throws Exception {
        Path sweep = dir.resolve("sweep.json");
        Files.writeString(sweep, SWEEP);
        Path two = dir.resolve("two");
        CliRun first = CliRun.of("sweep", sweep.toString(), "--out", two.toString(), "--threads", "2");
        assertThat(first.exitCode()).as(first.err()).isZero();
        assertThat(first.out()).contains("sweep: 18 runs (3 seed x 3 ram x 2 allocators); 0 done before, 18 run now on"
                + " 2 threads, 0 failed", "sweep.csv", "sweep.json", "sweep-ram.png",
                "sweep-ram-bookkeeping.png");
        try (var files = Files.list(two.resolve("runs"))) {
            assertThat(files.filter(p -> p.toString().endsWith(".json"))).hasSize(18);
        }
        List<String> csv = exact(two.resolve("sweep.csv"));
        assertThat(csv).hasSize(1 + 18);
        assertThat(csv.get(0)).startsWith("run,seed,ram,allocators,allocator,kernelInvocations,invocationsPerFrame,");
        for (String row : csv.subList(1, csv.size())) {
            // the figure the chart plots, as bench's CSV has it: the invocations over the frames
            List<String> header = List.of(csv.get(0).split(","));
            String[] cells = row.split(",", -1);
            assertThat(Double.parseDouble(cells[header.indexOf("invocationsPerFrame")]))
                    .isEqualTo(Double.parseDouble(cells[header.indexOf("kernelInvocations")])
                            / Double.parseDouble(cells[header.indexOf("framesAllocated")]));
            // mcmc's work split between allocating and freeing adds up to its total
            assertThat(Long.parseLong(cells[header.indexOf("alloc.invocations")])
                    + Long.parseLong(cells[header.indexOf("free.invocations")]))
                    .isEqualTo(Long.parseLong(cells[header.indexOf("kernelInvocations")]));
            assertThat(cells[header.indexOf("free.modelledCyclesPerFrame")]).isNotEmpty();
        }
        assertThat(csv.get(1)).as("figures and stop reasons as bench's CSV writes them")
                .endsWith(",iteration limit reached").doesNotContainPattern("\\d\\.\\d+E\\d");
        assertThat(csv.get(0)).as("how far a run got, and in what unit").contains(",reached,reachedUnit,completed,");
        assertThat(csv.get(1)).contains(",200,iteration,true,");
        assertThat(Files.size(two.resolve("sweep-ram.png"))).isGreaterThan(1_000);

        Path one = dir.resolve("one");
        assertThat(CliRun.of("sweep", sweep.toString(), "--out", one.toString(), "--threads", "1").exitCode()).isZero();
        assertThat(exact(one.resolve("sweep.csv"))).as("the same figures on one thread").isEqualTo(csv);

        // interrupted: five runs never finished (and a half-written one left behind)
        for (int i : new int[] {0, 4, 9, 13, 17}) {
            Files.delete(two.resolve("runs").resolve(String.format("%05d.json", i)));
        }
        Files.writeString(two.resolve("runs").resolve("00004.json.partial"), "{\"index\": 4, \"rep");
        Files.delete(two.resolve("sweep.csv"));
        CliRun resumed = CliRun.of("sweep", sweep.toString(), "--out", two.toString(), "--threads", "2");
        assertThat(resumed.exitCode()).as(resumed.err()).isZero();
        assertThat(resumed.out()).contains("13 done before, 5 run now");
        assertThat(exact(two.resolve("sweep.csv"))).isEqualTo(csv);

        // a run made elsewhere with bench --spec (its bare report) merges like one made here
        Path run7 = two.resolve("runs").resolve("00007.json");
        Path spec7 = dir.resolve("spec7.json");
        Files.writeString(spec7, new com.fasterxml.jackson.databind.ObjectMapper().readTree(run7.toFile()).get("spec")
                .toString());
        CliRun elsewhere = CliRun.of("bench", "--spec", spec7.toString(), "--json");
        assertThat(elsewhere.exitCode()).as(elsewhere.err()).isZero();
        Files.writeString(run7, elsewhere.out());
        CliRun merged = CliRun.of("sweep", sweep.toString(), "--out", two.toString());
        assertThat(merged.out()).contains("18 done before, 0 run now");
        assertThat(exact(two.resolve("sweep.csv"))).isEqualTo(csv);

        // a run kept by an earlier version of the tool, whose spec lacks fields added since
        // (experiment, poolRequests), is the same run
        Path run8 = two.resolve("runs").resolve("00008.json");
        var old = (com.fasterxml.jackson.databind.node.ObjectNode) new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(run8.toFile());
        ((com.fasterxml.jackson.databind.node.ObjectNode) old.get("spec")).remove(List.of("experiment", "poolRequests"));
        Files.writeString(run8, old.toString());
        CliRun older = CliRun.of("sweep", sweep.toString(), "--out", two.toString());
        assertThat(older.exitCode()).as(older.err()).isZero();
        assertThat(older.out()).contains("18 done before, 0 run now");

        // another sweep's folder is refused, and nothing is overwritten
        Files.writeString(sweep, SWEEP.replace("\"iterations\": 200", "\"iterations\": 100"));
        CliRun other = CliRun.of("sweep", sweep.toString(), "--out", two.toString());
        assertThat(other.exitCode()).isEqualTo(1);
        assertThat(other.err()).contains("holds runs of another sweep");
        assertThat(exact(two.resolve("sweep.csv"))).isEqualTo(csv);
    }

    @Test
    void aSweepStoppedByASignalSaysWhatItKeptAndHowToGoOn(@TempDir Path dir) throws Exception {
        // run 0 takes a moment, run 1 far longer than the test waits: the stop comes between them
        Path sweep = dir.resolve("sweep.json");
        Files.writeString(sweep, "{\"base\": {\"workload\": \"mcmc\", \"ram\": \"128M\", \"allocators\": \"capbuddy\"},"
                + " \"vary\": {\"iterations\": [100, 10000000]}}");
        Path out = dir.resolve("out");
        Path err = dir.resolve("err.txt");
        Process sweeping = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Djava.awt.headless=true", "-Xmx256m", "-cp", System.getProperty("java.class.path"),
                org.capbuddy.cli.CapBuddyCommand.class.getName(), "sweep", sweep.toString(), "--out", out.toString(),
                "--threads", "1")
                .redirectOutput(dir.resolve("out.txt").toFile()).redirectError(err.toFile()).start();
        try {
            Path first = out.resolve("runs").resolve("00000.json");
            for (int waited = 0; !Files.exists(first) && sweeping.isAlive() && waited < 3000; waited++) {
                Thread.sleep(100);
            }
            assertThat(first).as("run 0 kept while run 1 runs").exists();
            assertThat(sweeping.isAlive()).as(Files.readString(err)).isTrue();
            sweeping.destroy(); // SIGTERM, which runs the JVM's shutdown hooks as Ctrl-C's SIGINT does
            assertThat(sweeping.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        } finally {
            sweeping.destroyForcibly();
        }
        assertThat(Files.readString(err)).contains("capbuddy sweep: stopped; 1 of 2 runs are kept in "
                + out.resolve("runs") + ", and the same command resumes with the rest");
    }

    @Test
    void badSweepsAreRefusedBeforeAnythingRuns(@TempDir Path dir) throws Exception {
        Path sweep = dir.resolve("sweep.json");
        Files.writeString(sweep, "{\"vary\": {\"seed\": [1]}}");
        CliRun noBase = CliRun.of("sweep", sweep.toString(), "--out", dir.resolve("a").toString());
        assertThat(noBase.exitCode()).isEqualTo(2);
        assertThat(noBase.err()).contains("a sweep is {\"base\"");
        Files.writeString(sweep, "{\"base\": {\"workload\": \"utilisation\"}, \"vary\": {\"iterations\": [5, 6]}}");
        CliRun notTaken = CliRun.of("sweep", sweep.toString(), "--out", dir.resolve("b").toString());
        assertThat(notTaken.exitCode()).isEqualTo(2);
        assertThat(notTaken.err()).contains("run 0 {iterations=5}: utilisation takes no --iterations");
        assertThat(dir.resolve("b")).doesNotExist();
        // seeds over a workload that draws none would run one run again and again, as --seed is refused for it
        Files.writeString(sweep, "{\"base\": {\"workload\": \"single\"}, \"vary\": {\"seed\": [1, 2]}}");
        CliRun unseeded = CliRun.of("sweep", sweep.toString(), "--out", dir.resolve("e").toString());
        assertThat(unseeded.exitCode()).isEqualTo(2);
        assertThat(unseeded.err()).contains("run 1 {seed=2}: single draws no random numbers: seed 2 would be ignored");
        assertThat(dir.resolve("e")).doesNotExist();
        Files.writeString(sweep, "{\"base\": {\"workload\": \"mcmc\"}, \"vary\": {\"ram\": [\"lots\"]}}");
        assertThat(CliRun.of("sweep", sweep.toString(), "--out", dir.resolve("c").toString()).err())
                .contains("ram 'lots' is not a size");
        assertThat(CliRun.of("sweep", sweep.toString(), "--out", dir.resolve("d").toString(), "--threads", "0").exitCode())
                .isEqualTo(2);
        assertThat(CliRun.of("sweep", sweep.toString()).exitCode()).as("--out is required").isEqualTo(2);
    }

    @Test
    void theChartsGoLogAlongAFieldSpanningOrdersAndTheLegendSaysWhichRunsStoppedEarly() throws Exception {
        var mapper = new com.fasterxml.jackson.databind.ObjectMapper();
        List<com.fasterxml.jackson.databind.JsonNode> results = new ArrayList<>();
        int[] lifetimes = {10, 100, 1000};
        for (int i = 0; i < lifetimes.length; i++) {
            String stop = i == 2 ? "MEMORY_EXHAUSTED" : "ITERATION_LIMIT";
            results.add(mapper.readTree(String.format("{\"spec\": {\"lifetime\": %d}, \"report\": {\"runs\": ["
                    + "{\"allocator\": \"allocman\", \"kernelInvocations\": 500, \"framesAllocated\": 100,"
                    + " \"bookkeepingBytes\": 4096, \"stopReason\": {\"kind\": \"%s\"}},"
                    + "{\"allocator\": \"capbuddy\", \"kernelInvocations\": 0, \"framesAllocated\": 100,"
                    + " \"bookkeepingBytes\": 2048, \"stopReason\": {\"kind\": \"ITERATION_LIMIT\"}}]}}",
                    lifetimes[i], stop)));
        }
        var charts = SweepOutput.charts("lifetime", results);
        assertThat(charts).hasSize(2);
        var perFrame = charts.get(0);
        assertThat(perFrame.getStyler().isXAxisLogarithmic()).as("10..1000 spans two orders").isTrue();
        assertThat(perFrame.getSeriesMap().keySet())
                .containsExactly("allocman (1 of 3 runs stopped early: memory exhausted)", "capbuddy");
        assertThat(perFrame.getSeriesMap().get("capbuddy").getYData()).as("a zero drawn at the axis floor")
                .containsExactly(1e-4, 1e-4, 1e-4);
        assertThat(charts.get(1).getSeriesMap().get("capbuddy").getYData()).containsExactly(2.0, 2.0, 2.0);
        // added second here, capbuddy still gets the colour bench's charts give it (the theme's first)
        var palette = perFrame.getStyler().getSeriesColors();
        assertThat(perFrame.getSeriesMap().get("capbuddy").getLineColor()).isEqualTo(palette[0]);
        assertThat(perFrame.getSeriesMap().get("allocman (1 of 3 runs stopped early: memory exhausted)")
                .getLineColor()).isEqualTo(palette[1]);
        assertThat(ReportCharts.allocatorColour(perFrame.getStyler(), "untyped-per-block"))
                .as("any other name keeps one colour").isEqualTo(
                        ReportCharts.allocatorColour(perFrame.getStyler(), "untyped-per-block"))
                .isNotIn(palette[0], palette[1]);
        assertThat(SweepOutput.charts("lifetime", results.subList(0, 1)).get(0).getStyler().isXAxisLogarithmic())
                .isFalse();
    }

    @Test
    void aSweepOfAnOriginalExperimentGetsItsParametersAndTextFieldsSplitTheChartsLines() throws Exception {
        var mapper = new com.fasterxml.jackson.databind.ObjectMapper();
        SweepSpec sweep = SweepSpec.of(mapper.readTree(
                "{\"base\": {\"experiment\": \"murbench\", \"ram\": \"64M\"}, \"vary\": {\"seed\": [1, 2]}}"));
        BenchSpec first = sweep.runs().get(0).spec();
        assertThat(first.workload()).isEqualTo("mcmc");
        assertThat(first.poolRequests()).isEqualTo("frames");
        assertThat(first.lifetime()).isEqualTo(12_000);
        assertThat(first.iterations()).isEqualTo(20_000);
        assertThat(first.allocators()).containsExactly("capbuddy", "murbench-baseline", "allocman");
        assertThat(first.ram()).as("the base's own value wins").isEqualTo(64L << 20);

        List<com.fasterxml.jackson.databind.JsonNode> results = new ArrayList<>();
        for (String mode : List.of("blocks", "frames")) {
            for (int lifetime : new int[] {10, 20}) {
                results.add(mapper.readTree(String.format("{\"params\": {\"lifetime\": %d, \"poolRequests\": \"%s\"},"
                        + " \"spec\": {\"lifetime\": %d}, \"report\": {\"runs\": [{\"allocator\": \"capbuddy\","
                        + " \"kernelInvocations\": 5, \"framesAllocated\": 100, \"bookkeepingBytes\": 4096,"
                        + " \"stopReason\": {\"kind\": \"ITERATION_LIMIT\"}}]}}", lifetime, mode, lifetime)));
            }
        }
        assertThat(SweepOutput.charts("lifetime", results).get(0).getSeriesMap().keySet())
                .containsExactly("capbuddy, poolRequests blocks", "capbuddy, poolRequests frames");
    }

    @Test
    void aSweepWrittenInYamlRuns(@TempDir Path dir) throws Exception {
        Path sweep = dir.resolve("sweep.yml");
        Files.writeString(sweep, """
                base: {workload: mcmc, iterations: 100, ram: 128M, allocators: [capbuddy]}
                vary:
                  seed: [1, 2]
                """);
        CliRun r = CliRun.of("sweep", sweep.toString(), "--out", dir.resolve("out").toString(), "--threads", "1");
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).contains("sweep: 2 runs (2 seed); 0 done before, 2 run now");
        assertThat(exact(dir.resolve("out").resolve("sweep.csv"))).hasSize(3);
    }

    @Test
    void handWrittenSpecsAreReadStrictly(@TempDir Path dir) throws Exception {
        Path yaml = dir.resolve("s.yaml");
        Files.writeString(yaml, "base: {workload: single, iterations: 64, workload: mcmc}\n");
        assertThat(CliRun.of("sweep", yaml.toString(), "--out", dir.resolve("a").toString()).err())
                .as("a key twice").contains("Duplicate field 'workload'");
        Files.writeString(yaml, "base: {workload: mcmc, iterations: 64}\n---\nbase: {workload: single}\n");
        assertThat(CliRun.of("sweep", yaml.toString(), "--out", dir.resolve("b").toString()).err())
                .contains("it holds more than one document");
        Files.writeString(yaml, "base: {workload: mcmc, iterations: 16.7}\n");
        assertThat(CliRun.of("sweep", yaml.toString(), "--out", dir.resolve("c").toString()).err())
                .as("a fraction where a count belongs").contains("field 'iterations' takes a whole number");
        Files.writeString(yaml, "base: {workload: mcmc, iterations: \"100\"}\n");
        assertThat(CliRun.of("sweep", yaml.toString(), "--out", dir.resolve("q").toString()).err())
                .as("a quoted count").contains("field 'iterations' takes a whole number");
        Files.writeString(yaml, "base: {workload: mcmc}\nvarry: {seed: [1, 2]}\n");
        assertThat(CliRun.of("sweep", yaml.toString(), "--out", dir.resolve("d").toString()).err())
                .contains("a sweep has \"base\" and \"vary\", not \"varry\"");
        Files.writeString(yaml, "base: {workload: mcmc}\nvary: {seed: " + java.util.stream.IntStream.range(0, 1000)
                .boxed().toList() + ", lifetime: " + java.util.stream.IntStream.range(2, 1002).boxed().toList() + "}\n");
        assertThat(CliRun.of("sweep", yaml.toString(), "--out", dir.resolve("e").toString()).err())
                .contains("a sweep of more than 100,000 runs is too many");
        // one allocator where a list belongs is a list of one
        Files.writeString(yaml, "base: {workload: mcmc, iterations: 20, ram: 128M}\nvary: {allocators: [capbuddy, allocman]}\n");
        CliRun two = CliRun.of("sweep", yaml.toString(), "--out", dir.resolve("f").toString(), "--threads", "1");
        assertThat(two.exitCode()).as(two.err()).isZero();
        assertThat(exact(dir.resolve("f").resolve("sweep.csv"))).hasSize(3).anyMatch(l -> l.contains(",capbuddy,capbuddy,"));
    }
}
