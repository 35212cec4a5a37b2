package org.capbuddy.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class FuzzCommandTest {

    private static String[] run(String... args) {
        CliRun r = CliRun.of(args);
        return new String[] {String.valueOf(r.exitCode()), r.out(), r.err()};
    }

    @Test
    void shortSoaksOfEveryLayerPass() {
        String[] kernel = run("fuzz", "kernel", "--iterations", "3000", "--seed", "3");
        assertThat(kernel[0]).as(kernel[2]).isEqualTo("0");
        assertThat(kernel[1]).contains("fuzz kernel: 3,000 operations, seed 3").contains("all held");
        String[] libos = run("fuzz", "libos", "--ops", "2000", "--seed", "3");
        assertThat(libos[0]).as(libos[2]).isEqualTo("0");
        assertThat(libos[1]).contains("fuzz libos: 2,000 operations");
        String[] sos = run("fuzz", "--layer", "sos", "--ops", "3000", "--seed", "3", "--check-every", "500");
        assertThat(sos[0]).as(sos[2]).isEqualTo("0");
        // six periodic checks and the drain's
        assertThat(sos[1]).contains("fuzz sos: 3,000 operations, seed 3, 7 invariant checks, all held")
                .contains("SOS on plain allocman").contains("processes created");
    }

    @Test
    void aPagingSeedSaysSoAndReportsItsPaging() {
        // seed 2 is 2 mod 3: SOS pages, in a frame table far smaller than the processes' pages
        String[] sos = run("fuzz", "sos", "--iterations", "3000", "--seed", "2", "--check-every", "500");
        assertThat(sos[0]).as(sos[2]).isEqualTo("0");
        assertThat(sos[1]).contains("fuzz sos: 3,000 operations, seed 2, 7 invariant checks, all held")
                .containsPattern("SOS on CapBuddy pool, \\d+-frame table, paging \\((fifo|second-chance|enhanced-second-chance), \\d+-page file\\)")
                .containsPattern("paging: [\\d,]+ page-outs, [\\d,]+ page-ins, [\\d,]+ soft faults")
                .containsPattern("dirty tracking: [1-9][\\d,]* clean drops \\(writes saved\\), [1-9][\\d,]* dirty faults, "
                        + "[\\d,]+ kept slots reclaimed");
        assertThat(run("fuzz", "sos", "--iterations", "1000", "--seed", "3")[1]).as("seed 3 does not page")
                .doesNotContain("paging");
    }

    @Test
    void forksShareAndSaySoOnlyForTheSosLayer() {
        String[] sos = run("fuzz", "sos", "--forks", "--iterations", "3000", "--seed", "4", "--check-every", "500");
        assertThat(sos[0]).as(sos[2]).isEqualTo("0");
        assertThat(sos[1]).contains("fuzz sos: 3,000 operations, seed 4")
                .containsPattern("forks: [1-9][\\d,]*, sharing their pages; [1-9][\\d,]* copy-on-write copies, [\\d,]+ reuses")
                .containsPattern("MAP_SHARED: [1-9][\\d,]* mappings; [\\d,]+ checked reads of a shared page another process"
                        + " stored to last");
        assertThat(run("fuzz", "sos", "--iterations", "1000", "--seed", "4")[1]).as("no forks without --forks")
                .doesNotContain("forks:").doesNotContain("MAP_SHARED");
        String[] kernel = run("fuzz", "kernel", "--forks", "--iterations", "10");
        assertThat(kernel[0]).isEqualTo("2");
        assertThat(kernel[2]).contains("--forks is for the sos layer");
    }

    @Test
    void aCheckIntervalLongerThanOneChunkStillChecksOnThatInterval() {
        // Soaks run in chunks of 100,000 operations; the interval counts across them.
        String[] kernel = run("fuzz", "--layer", "kernel", "--ops", "250000", "--seed", "5", "--check-every", "150000");
        assertThat(kernel[0]).as(kernel[2]).isEqualTo("0");
        // One periodic check at operation 150,000, and one at the end of each of the three chunks.
        assertThat(kernel[1]).contains("250,000 operations, seed 5, 4 invariant checks");
    }

    @Test
    void badOptionsAreRefused() {
        assertThat(run("fuzz", "vm")[2]).contains("LAYER must be kernel, libos or sos, got 'vm'");
        assertThat(run("fuzz", "--layer", "vm")[2]).as("the earlier spelling").contains("LAYER must be kernel, libos or sos");
        assertThat(run("fuzz", "kernel", "--layer", "sos")[2]).contains("LAYER and --layer name different layers");
        assertThat(run("fuzz")[2]).contains("Missing LAYER");
        assertThat(run("fuzz", "--layer", "kernel", "--ops", "0")[0]).isEqualTo("2");
        assertThat(run("fuzz")[0]).isEqualTo("2");
    }
}
