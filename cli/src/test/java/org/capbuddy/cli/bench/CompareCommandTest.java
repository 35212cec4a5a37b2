package org.capbuddy.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.capbuddy.cli.CliRun;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code capbuddy compare}: a report against itself, against copies with one figure changed (an
 * exact one, a host one), with an allocator missing, and against files that are not reports; and
 * {@code --json}, which must say what the table says, figure by figure, with the same exit status.
 */
class CompareCommandTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static ObjectNode report;

    @TempDir
    Path dir;

    @BeforeAll
    static void oneReport() throws IOException {
        CliRun r = CliRun.of("bench", "single", "--ram", "64M", "--json");
        assertThat(r.exitCode()).as(r.err()).isZero();
        report = (ObjectNode) MAPPER.readTree(r.out());
    }

    private Path write(String name, Object tree) throws IOException {
        Path file = dir.resolve(name);
        Files.writeString(file, MAPPER.writeValueAsString(tree));
        return file;
    }

    private ObjectNode copy() {
        return report.deepCopy();
    }

    private static ObjectNode run(ObjectNode report, int i) {
        return (ObjectNode) report.withArray("runs").get(i);
    }

    @Test
    void aReportAgainstItselfIsTheSameEverywhere() throws IOException {
        Path a = write("a.json", report);
        CliRun r = CliRun.of("compare", a.toString(), a.toString());
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).contains("spec: the same\n", "capbuddy:\n", "allocman:\n", "Exact figures: all the same.\n")
                .containsPattern("kernelInvocations +[\\d,]+ +[\\d,]+ +1\\.000 +same\n")
                .containsPattern("wallMillis +[\\d,.]+ +[\\d,.]+ +1\\.000 +host\n")
                .doesNotContain("DIFFERS");
    }

    @Test
    void anExactFigureThatMovedIsNamedAndFailsTheComparison() throws IOException {
        ObjectNode changed = copy();
        long invocations = run(changed, 0).get("kernelInvocations").asLong();
        run(changed, 0).put("kernelInvocations", invocations + 1);
        ObjectNode labels = (ObjectNode) run(changed, 1).get("invocationsByLabel");
        String label = labels.fieldNames().next();
        labels.put(label, labels.get(label).asLong() * 2);
        CliRun r = CliRun.of("compare", write("old.json", report).toString(), write("new.json", changed).toString());
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.out()).containsPattern("kernelInvocations +" + String.format("%,d", invocations) + " +"
                        + String.format("%,d", invocations + 1) + " +1\\.\\d{3} +DIFFERS\n")
                .containsPattern("invocationsByLabel\\." + label + " +[\\d,]+ +[\\d,]+ +2\\.000 +DIFFERS\n")
                .contains("Exact figures: 2 differ.\n");
    }

    @Test
    void aNumberTooLargeForADoubleIsComparedNotACrash() throws IOException {
        long invocations = run(report, 0).get("kernelInvocations").asLong();
        // Jackson reads 1e400 as an infinite double, which has no decimal value
        String huge = MAPPER.writeValueAsString(report)
                .replaceFirst("\"kernelInvocations\":" + invocations, "\"kernelInvocations\":1e400");
        assertThat(huge).contains("1e400");
        Path old = write("old.json", report);
        Path inf = dir.resolve("inf.json");
        Files.writeString(inf, huge);

        CliRun moved = CliRun.of("compare", old.toString(), inf.toString());
        assertThat(moved.exitCode()).as(moved.err()).isEqualTo(1);
        assertThat(moved.err()).isEmpty();
        assertThat(moved.out()).containsPattern("kernelInvocations +[\\d,]+ +\\S+ +\\S* *DIFFERS\n");

        CliRun same = CliRun.of("compare", inf.toString(), inf.toString(), "--json");
        assertThat(same.exitCode()).as(same.err()).isZero();
        assertThat(MAPPER.readTree(same.out()).get("verdict").asText()).isEqualTo("same");
    }

    @Test
    void aHostFigureIsShownButNeverADifference() throws IOException {
        ObjectNode slower = copy();
        run(slower, 0).put("wallMillis", run(slower, 0).get("wallMillis").asDouble() * 3 + 1);
        CliRun r = CliRun.of("compare", write("old.json", report).toString(), write("new.json", slower).toString());
        assertThat(r.exitCode()).as(r.out()).isZero();
        assertThat(r.out()).contains("Exact figures: all the same.").containsPattern("wallMillis .* host\n");
    }

    @Test
    void anAllocatorInOneReportOnlyIsADifferenceAndADifferentSpecIsSaid() throws IOException {
        ObjectNode fewer = copy();
        fewer.withArray("runs").remove(1);
        ((ObjectNode) fewer.get("spec")).put("seed", 7);
        CliRun r = CliRun.of("compare", write("old.json", report).toString(), write("new.json", fewer).toString());
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.out()).contains("spec differs: seed: 1 -> 7 (exact figures then differ by design)\n",
                "allocman: only in the old report\n", "Exact figures: 1 differs.\n");
    }

    @Test
    void anOldReportsNamesAndNumberFormsAreNotDifferences() throws IOException {
        // a report from before LIMIT_REACHED was named so, its figures written as 1234.0 or 1234
        ObjectNode old = copy();
        ((ObjectNode) run(old, 0).get("stopReason")).put("kind", "ITERATION_LIMIT");
        run(old, 0).put("kernelInvocations", run(old, 0).get("kernelInvocations").asDouble());
        run(old, 1).put("modelledCycles", run(old, 1).get("modelledCycles").asLong());
        CliRun r = CliRun.of("compare", write("old.json", old).toString(), write("new.json", report).toString());
        assertThat(r.exitCode()).as(r.out()).isZero();
        assertThat(r.out()).contains("Exact figures: all the same.");

        ObjectNode stopped = copy();
        ((ObjectNode) run(stopped, 0).get("stopReason")).put("kind", "ERROR").put("detail", "the pool refused");
        run(stopped, 0).remove("footprint");
        CliRun s = CliRun.of("compare", write("a.json", report).toString(), write("b.json", stopped).toString());
        assertThat(s.exitCode()).isEqualTo(1);
        assertThat(s.out()).containsPattern("stopReason +LIMIT_REACHED +ERROR: the pool refused +DIFFERS\n")
                .containsPattern("footprint +0 entries +\\(none\\) +DIFFERS\n")
                .contains("Exact figures: 2 differ.");
    }

    @Test
    void aSweepsRunFileIsReadAsTheReportItHolds() throws IOException {
        ObjectNode runFile = MAPPER.createObjectNode();
        runFile.put("index", 0);
        runFile.set("spec", report.get("spec"));
        runFile.set("report", report);
        CliRun r = CliRun.of("compare", write("run-0.json", runFile).toString(), write("a.json", report).toString());
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).contains("Exact figures: all the same.");
    }

    @Test
    void whatIsNotAReportIsRefusedAndNothingIsCompared() throws IOException {
        Path good = write("good.json", report);
        CliRun spec = CliRun.of("compare", write("spec.json", report.get("spec")).toString(), good.toString());
        assertThat(spec.exitCode()).isEqualTo(2);
        assertThat(spec.err()).contains("spec.json is a spec, not a report: run it with bench --spec FILE --json");
        ObjectNode sweepFile = MAPPER.createObjectNode();
        sweepFile.putObject("base").put("workload", "mcmc");
        assertThat(CliRun.of("compare", write("sw.json", sweepFile).toString(), good.toString()).err())
                .contains("sw.json is a sweep file: run it with capbuddy sweep");
        assertThat(spec.out()).isEmpty();

        ObjectNode merged = MAPPER.createObjectNode();
        merged.putObject("sweep");
        merged.putArray("runs");
        CliRun sweep = CliRun.of("compare", good.toString(), write("sweep.json", merged).toString());
        assertThat(sweep.exitCode()).isEqualTo(2);
        assertThat(sweep.err()).contains("sweep.json is a sweep's merged results: compare two of its runs/*.json");

        Path broken = dir.resolve("broken.json");
        Files.writeString(broken, "{\"runs\": [");
        assertThat(CliRun.of("compare", good.toString(), broken.toString()).exitCode()).isEqualTo(2);

        CliRun missing = CliRun.of("compare", good.toString(), dir.resolve("nowhere.json").toString());
        assertThat(missing.exitCode()).as("not 1, which says a figure moved").isEqualTo(2);
        assertThat(missing.err()).contains("capbuddy compare: cannot read ");
        assertThat(CliRun.of("compare", good.toString()).exitCode()).as("NEW is required").isEqualTo(2);
    }

    /** The figure named {@code name} of {@code allocator} in a {@code compare --json} object. */
    private static JsonNode figure(JsonNode comparison, String allocator, String name) {
        for (JsonNode a : comparison.get("allocators")) {
            if (a.get("allocator").asText().equals(allocator)) {
                for (JsonNode f : a.get("figures")) {
                    if (f.get("figure").asText().equals(name)) {
                        return f;
                    }
                }
            }
        }
        throw new AssertionError(allocator + " has no figure " + name + " in " + comparison);
    }

    @Test
    void jsonOfAReportAgainstItselfListsEveryFigureTheSame() throws IOException {
        Path a = write("a.json", report);
        CliRun r = CliRun.of("compare", a.toString(), a.toString(), "--json");
        assertThat(r.exitCode()).as(r.err()).isZero();
        JsonNode c = MAPPER.readTree(r.out());
        assertThat(c.get("verdict").asText()).isEqualTo("same");
        assertThat(c.get("exitCode").asInt()).isZero();
        assertThat(c.get("differences")).isEmpty();
        assertThat(c.at("/spec/same").asBoolean()).isTrue();
        assertThat(c.at("/old/file").asText()).isEqualTo(a.toString());
        assertThat(c.at("/old/workload").asText()).isEqualTo("single");
        assertThat(c.at("/new/tool")).isEqualTo(report.get("tool"));

        JsonNode run = run(report, 0);
        JsonNode invocations = figure(c, "capbuddy", "kernelInvocations");
        assertThat(invocations.get("old")).isEqualTo(run.get("kernelInvocations"));
        assertThat(invocations.get("new")).isEqualTo(run.get("kernelInvocations"));
        assertThat(invocations.get("ratio").asDouble()).isEqualTo(1.0);
        assertThat(invocations.get("kind").asText()).isEqualTo("exact");
        assertThat(invocations.get("verdict").asText()).isEqualTo("same");
        assertThat(figure(c, "capbuddy", "wallMillis").get("kind").asText()).isEqualTo("host");
        assertThat(figure(c, "capbuddy", "wallMillis").get("verdict").asText()).isEqualTo("host");
        assertThat(figure(c, "allocman", "stopReason").get("old").get("kind").asText()).isEqualTo("LIMIT_REACHED");

        // the table folds the same figures of a map into one row; the JSON has each of them
        List<String> labels = new ArrayList<>();
        run.get("invocationsByLabel").fieldNames().forEachRemaining(labels::add);
        assertThat(labels).isNotEmpty();
        for (String label : labels) {
            JsonNode f = figure(c, "capbuddy", "invocationsByLabel." + label);
            assertThat(f.get("old")).isEqualTo(run.get("invocationsByLabel").get(label));
            assertThat(f.get("verdict").asText()).isEqualTo("same");
        }
        assertThat(r.out()).as("one object, no table").doesNotContain("Exact figures");
    }

    @Test
    void jsonNamesWhatMovedWithTheTablesVerdictAndExitStatus() throws IOException {
        ObjectNode changed = copy();
        long invocations = run(changed, 0).get("kernelInvocations").asLong();
        run(changed, 0).put("kernelInvocations", invocations + 1);
        run(changed, 1).put("wallMillis", run(changed, 1).get("wallMillis").asDouble() * 3 + 1);
        ((ObjectNode) changed.get("spec")).put("seed", 7);
        changed.withArray("runs").add(run(changed, 0).deepCopy().put("allocator", "mine"));
        Path old = write("old.json", report);
        Path now = write("new.json", changed);
        CliRun table = CliRun.of("compare", old.toString(), now.toString());
        CliRun r = CliRun.of("compare", old.toString(), now.toString(), "--json");
        assertThat(r.exitCode()).as(r.err()).isEqualTo(1).isEqualTo(table.exitCode());
        JsonNode c = MAPPER.readTree(r.out());
        assertThat(c.get("verdict").asText()).isEqualTo("differs");
        assertThat(c.get("exitCode").asInt()).isEqualTo(1);
        assertThat(c.get("differences")).hasSize(2);
        assertThat(table.out()).contains("Exact figures: 2 differ.");
        assertThat(c.at("/spec/same").asBoolean()).isFalse();
        assertThat(c.at("/spec/changes/0/field").asText()).isEqualTo("seed");
        assertThat(c.at("/spec/changes/0/old").asInt()).isEqualTo(1);
        assertThat(c.at("/spec/changes/0/new").asInt()).isEqualTo(7);

        JsonNode moved = figure(c, "capbuddy", "kernelInvocations");
        assertThat(moved.get("old").asLong()).isEqualTo(invocations);
        assertThat(moved.get("new").asLong()).isEqualTo(invocations + 1);
        assertThat(moved.get("ratio").asDouble()).isEqualTo((invocations + 1) / (double) invocations);
        assertThat(moved.get("verdict").asText()).isEqualTo("differs");
        JsonNode wall = figure(c, "allocman", "wallMillis");
        assertThat(wall.get("verdict").asText()).as("a host figure is never a difference").isEqualTo("host");
        assertThat(wall.get("ratio").asDouble()).isGreaterThan(1);

        JsonNode mine = c.get("allocators").get(2);
        assertThat(mine.get("allocator").asText()).isEqualTo("mine");
        assertThat(mine.get("in").asText()).isEqualTo("new");
        assertThat(mine.get("figures")).isEmpty();
        assertThat(c.get("allocators").get(0).get("in").asText()).isEqualTo("both");
    }

    @Test
    void jsonGivesAListsFirstDifferenceAndNullForWhatAReportLacks() throws IOException {
        ObjectNode changed = copy();
        ((ObjectNode) run(changed, 0).get("stopReason")).put("kind", "ERROR").put("detail", "the pool refused");
        run(changed, 0).putArray("freeBlocksByOrder").add(9);
        run(changed, 1).remove("wallMillis");
        CliRun r = CliRun.of("compare", write("old.json", report).toString(), write("new.json", changed).toString(),
                "--json");
        assertThat(r.exitCode()).as(r.err()).isEqualTo(1);
        JsonNode c = MAPPER.readTree(r.out());
        JsonNode stop = figure(c, "capbuddy", "stopReason");
        assertThat(stop.get("new").get("kind").asText()).isEqualTo("ERROR");
        assertThat(stop.get("new").get("detail").asText()).isEqualTo("the pool refused");
        assertThat(stop.get("verdict").asText()).isEqualTo("differs");
        assertThat(stop.get("ratio").isNull()).isTrue();
        JsonNode blocks = figure(c, "capbuddy", "freeBlocksByOrder");
        assertThat(blocks.get("verdict").asText()).isEqualTo("differs");
        assertThat(blocks.get("new").get(0).asInt()).isEqualTo(9);
        assertThat(blocks.get("firstDifference").asInt()).isZero();
        JsonNode wall = figure(c, "allocman", "wallMillis");
        assertThat(wall.get("new").isNull()).isTrue();
        assertThat(wall.get("ratio").isNull()).isTrue();
    }

    @Test
    void jsonRefusesWhatIsNotAReportAsTheTableDoes() throws IOException {
        Path good = write("good.json", report);
        CliRun spec = CliRun.of("compare", "--json", write("spec.json", report.get("spec")).toString(),
                good.toString());
        assertThat(spec.exitCode()).isEqualTo(2);
        assertThat(spec.err()).contains("spec.json is a spec, not a report");
        assertThat(spec.out()).isEmpty();
        CliRun missing = CliRun.of("compare", "--json", good.toString(), dir.resolve("nowhere.json").toString());
        assertThat(missing.exitCode()).isEqualTo(2);
        assertThat(missing.out()).isEmpty();
    }
}
