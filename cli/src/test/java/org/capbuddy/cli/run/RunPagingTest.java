package org.capbuddy.cli.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.capbuddy.cli.run.RunCli.program;
import static org.capbuddy.cli.run.RunCli.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.capbuddy.cli.CliRun;
import org.junit.jupiter.api.Test;

/** {@code capbuddy run} with {@code --page-file} and {@code --paging-policy}: the report's paging line, and bad options. */
class RunPagingTest {

    @Test
    void mallocStressInA64FrameTablePagesAndPrintsWhatItPrintsWithoutPaging() {
        CliRun plain = run(program("malloc_stress"));
        CliRun paged = run(program("malloc_stress"), "--frames", "64", "--page-file", "4096");
        assertThat(paged.exitCode()).as(paged.err()).isZero();
        assertThat(paged.out()).contains("malloc_stress: 2000 operations ok, checksum 8f58b7c3162922ac\n")
                .containsPattern("Paging \\(second-chance, page file of 4,096 pages\\): [\\d,]+ page-outs, [\\d,]+"
                        + " clean drops \\(writes saved\\), [\\d,]+ page-ins, [\\d,]+ soft faults, [\\d,]+ dirty faults;"
                        + " at most [\\d,]+ slots in use, 0 left after teardown")
                .contains("leaked frames 0, slots 0, untyped bytes 0");
        assertThat(paged.out()).doesNotContain("Paging (second-chance, page file of 4,096 pages): 0 page-outs");
        assertThat(plain.out()).doesNotContain("Paging");
    }

    @Test
    void withoutPagingAFullFrameTableStillKillsForWantOfMemory() {
        CliRun r = run(program("malloc_stress"), "--frames", "64");
        assertThat(r.exitCode()).as(r.out()).isEqualTo(137);
        assertThat(r.out()).contains("out of memory").doesNotContain("Paging");
    }

    @Test
    void aFullPageFileIsSaidInTheKillReport() {
        CliRun r = run(program("malloc_stress"), "--frames", "64", "--page-file", "8", "--paging-policy", "fifo");
        assertThat(r.exitCode()).as(r.out()).isEqualTo(137);
        assertThat(r.out()).contains("the page file is full (8 pages)", "Paging (fifo, page file of 8 pages)",
                "0 left after teardown");
    }

    @Test
    void jsonCarriesThePagingFiguresOnlyWhenPagingIsOn() throws Exception {
        ObjectMapper json = new ObjectMapper();
        JsonNode off = json.readTree(run("--json", program("hello")).out());
        assertThat(off.has("paging")).isFalse();
        CliRun r = run("--json", program("malloc_stress"), "--frames", "64", "--page-file", "4096", "--paging-policy",
                "fifo");
        assertThat(r.exitCode()).as(r.err()).isZero();
        JsonNode on = json.readTree(r.out()).at("/paging");
        assertThat(on.at("/policy").asText()).isEqualTo("fifo");
        assertThat(on.at("/pageFilePages").asInt()).isEqualTo(4096);
        assertThat(on.at("/pageOuts").asLong()).isPositive();
        assertThat(on.at("/pageIns").asLong()).isPositive();
        assertThat(on.at("/softFaults").asLong()).isZero();
        // malloc_stress reads pages it has not written (clean, dropped without a write) and writes pages it read
        assertThat(on.at("/cleanDrops").asLong()).isPositive();
        assertThat(on.at("/dirtyFaults").asLong()).isPositive();
        assertThat(on.has("slotsReclaimed")).isTrue();
        assertThat(on.at("/slotsLeaked").asLong()).isZero();
    }

    @Test
    void theFaultsTraceShowsPagesGoingOutAndComingBack() {
        CliRun r = run(program("hello"), "--frames", "3", "--page-file", "64", "--trace", "faults");
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).contains("hello, world\n")
                .containsPattern("faults page_unreferenced pid 1 @\\d+ page=0x[0-9a-f]+ frame=\\d+\n")
                .containsPattern("faults page_out pid 1 @\\d+ page=0x[0-9a-f]+ slot=\\d+ frame=\\d+\n")
                .containsPattern("faults page_in pid 1 @\\d+ page=0x[0-9a-f]+ slot=\\d+ frame=\\d+\n")
                .containsPattern("faults soft_fault pid 1 @\\d+ page=0x[0-9a-f]+ frame=\\d+\n")
                // a clean page leaves without a write; a store to one read back is a dirty fault
                .containsPattern("faults page_drop pid 1 @\\d+ page=0x[0-9a-f]+ slot=-?\\d+ frame=\\d+\n")
                .containsPattern("faults dirty_fault pid 1 @\\d+ page=0x[0-9a-f]+ slot=-?\\d+ frame=\\d+\n");
        CliRun fifo = run(program("hello"), "--frames", "3", "--page-file", "64", "--paging-policy", "fifo", "--trace",
                "faults");
        assertThat(fifo.out()).contains("faults page_out ").doesNotContain("soft_fault", "page_unreferenced");
    }

    /** 0, the default the help names, is accepted and means no paging: no paging line. */
    @Test
    void aPageFileOfZeroIsNoPaging() {
        CliRun zero = run(program("hello"), "--page-file", "0");
        assertThat(zero.exitCode()).as(zero.err()).isZero();
        assertThat(zero.out()).doesNotContain("Paging");
    }

    @Test
    void badPagingOptionsAreRefusedWithAClearMessage() {
        CliRun policy = run(program("hello"), "--page-file", "16", "--paging-policy", "lru");
        assertThat(policy.exitCode()).isEqualTo(2);
        assertThat(policy.err()).contains("--paging-policy must be one of second-chance, fifo, enhanced-second-chance, got 'lru'");
        CliRun negative = run(program("hello"), "--page-file", "-1");
        assertThat(negative.exitCode()).isEqualTo(2);
        assertThat(negative.err()).contains("--page-file must be 0 (no paging)..67108864 pages, got -1");
        CliRun tooBig = run(program("hello"), "--page-file", "67108865");
        assertThat(tooBig.exitCode()).isEqualTo(2);
        assertThat(tooBig.err()).contains("got 67108865");
        CliRun zeroWithPolicy = run(program("hello"), "--page-file", "0", "--paging-policy", "fifo");
        assertThat(zeroWithPolicy.exitCode()).isEqualTo(2);
        assertThat(zeroWithPolicy.err()).contains("--paging-policy needs --page-file PAGES");
        CliRun alone = run(program("hello"), "--paging-policy", "fifo");
        assertThat(alone.exitCode()).isEqualTo(2);
        assertThat(alone.err()).contains("--paging-policy needs --page-file PAGES");
    }
}
