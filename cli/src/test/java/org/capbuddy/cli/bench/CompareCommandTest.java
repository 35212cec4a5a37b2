package org.capbuddy.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.capbuddy.cli.CliRun;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code capbuddy compare}: a report against itself, against copies with one figure changed (an
 * exact one, a host one), with an allocator missing, and against files that are not reports.
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
        assertThat(spec.err()).contains("spec.json is not a bench report: it has no workload and runs");
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
        assertThat(missing.exitCode()).isEqualTo(1);
        assertThat(missing.err()).contains("capbuddy compare: cannot read ");
        assertThat(CliRun.of("compare", good.toString()).exitCode()).as("NEW is required").isEqualTo(2);
    }
}
