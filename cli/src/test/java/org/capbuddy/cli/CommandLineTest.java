package org.capbuddy.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The command line as a whole: suggestions for near misses, version, exit statuses, completion. */
class CommandLineTest {
    @Test
    void aMistypedCommandOrOptionGetsASuggestionAndStatus2() {
        CliRun demo = CliRun.of("dmeo");
        assertThat(demo.exitCode()).isEqualTo(2);
        assertThat(demo.err()).contains("Unmatched argument at index 0: 'dmeo'", "Did you mean: capbuddy demo?");
        assertThat(CliRun.of("bnech", "mcmc").err()).contains("Did you mean: capbuddy bench?");
        assertThat(CliRun.of("bench", "mcmc", "--iteratoins", "5").err()).contains("Did you mean: --iterations?");
        CliRun nothingClose = CliRun.of("xyzzyplugh");
        assertThat(nothingClose.exitCode()).isEqualTo(2);
        assertThat(nothingClose.err()).doesNotContain("Did you mean").contains("Usage: capbuddy");
    }

    @Test
    void nearMissesAreWithinTwoEditsOrAPrefix() {
        assertThat(Suggestions.distance("dmeo", "demo")).isEqualTo(1);
        assertThat(Suggestions.distance("bnech", "bench")).isEqualTo(1);
        assertThat(Suggestions.distance("fuz", "fuzz")).isEqualTo(1);
        assertThat(Suggestions.close("ru", "run")).isTrue();
        assertThat(Suggestions.close("boat", "boot")).isTrue();
        assertThat(Suggestions.close("bench", "demo")).isFalse();
        assertThat(Suggestions.close("", "demo")).isFalse();
    }

    @Test
    void versionHelpAndCompletion() {
        CliRun version = CliRun.of("--version");
        assertThat(version.exitCode()).isZero();
        assertThat(version.out()).startsWith("capbuddy 0.1.0 (commit ");
        for (String command : new String[] {"bench", "sweep", "compare", "demo", "run", "fuzz", "boot"}) {
            CliRun its = CliRun.of(command, "-V");
            assertThat(its.exitCode()).as(command).isZero();
            assertThat(its.out()).as("%s -V, which its help lists", command).isEqualTo(version.out());
        }
        CliRun help = CliRun.of("--help");
        assertThat(help.out()).contains("Exit status:", "bad options or command (nothing ran)", "bench", "run")
                .doesNotContain("generate-completion");
        CliRun completion = CliRun.of("generate-completion");
        assertThat(completion.exitCode()).isZero();
        assertThat(completion.out()).contains("bash", "complete", "bench", "--spare-trees", "--step");
    }
}
