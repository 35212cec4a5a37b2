package org.capbuddy.cli.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.capbuddy.cli.run.RunCli.program;
import static org.capbuddy.cli.run.RunCli.run;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.capbuddy.cli.CliRun;
import org.junit.jupiter.api.Test;

/**
 * {@code capbuddy run --fork cow|copy}: both modes run a program that does not fork as before, with
 * no sharing line or field; a bad word, and copy-on-write with paging, are usage errors.
 */
class RunForkOptionTest {

    @Test
    void eitherModeRunsAProgramThatDoesNotForkAsBefore() throws Exception {
        ObjectMapper json = new ObjectMapper();
        for (String mode : new String[] {"cow", "copy", "COW"}) {
            CliRun r = run("--json", program("hello"), "--fork", mode);
            assertThat(r.exitCode()).as(r.err()).isZero();
            assertThat(json.readTree(r.out()).has("sharing")).as(mode).isFalse();
        }
        CliRun text = run(program("hello"), "--fork", "copy", "--page-file", "64");
        assertThat(text.exitCode()).as(text.err()).isZero();
        assertThat(text.out()).contains("hello, world").doesNotContain("Copy-on-write");
    }

    @Test
    void aBadModeAndCopyOnWriteWithPagingAreRefused() {
        CliRun bad = run(program("hello"), "--fork", "share");
        assertThat(bad.exitCode()).isEqualTo(2);
        assertThat(bad.err()).contains("--fork must be cow or copy, got 'share'");
        CliRun paged = run(program("hello"), "--fork", "cow", "--page-file", "64");
        assertThat(paged.exitCode()).isEqualTo(2);
        assertThat(paged.err()).contains("--fork cow needs SOS without paging");
    }
}
