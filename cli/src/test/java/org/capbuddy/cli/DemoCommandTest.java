package org.capbuddy.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Iterator;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class DemoCommandTest {

    private static String[] run(String... args) {
        CliRun r = CliRun.of(args);
        return new String[] {String.valueOf(r.exitCode()), r.out(), r.err()};
    }

    @ParameterizedTest
    @ValueSource(strings = {"capbuddy", "allocman"})
    void demoJsonReportsAPassingPtTestAndNothingLeaked(String allocator) throws Exception {
        String[] r = run("demo", "--json", "--ram", "256M", "--allocator", allocator);
        assertThat(r[0]).as(r[2]).isEqualTo("0");
        JsonNode json = new ObjectMapper().readTree(r[1]);
        assertThat(json.at("/machine/allocator").asText()).isEqualTo(allocator);
        assertThat(json.at("/ptTest/passed").asBoolean()).isTrue();
        assertThat(json.at("/ptTest/failure").isNull()).isTrue();
        assertThat(json.at("/ptTest/stackAddress").asLong()).isGreaterThan(0x80_0000_0000L);
        assertThat(json.at("/ptTest/heapAddresses")).as("pt_test's 9 blocks, one mmap each").hasSize(9);
        // The real program: the seed's pt_test compiled unmodified against musl, on the interpreter.
        assertThat(json.at("/program/elf").asText()).startsWith("pt_test.elf");
        assertThat(json.at("/program/instructions").asLong()).isPositive();
        JsonNode calls = json.at("/program/systemCalls");
        assertThat(new ObjectMapper().convertValue(calls, Map.class)).isEqualTo(Map.of("set_tid_address", 1, "brk", 2,
                "mmap", 10, "munmap", 9, "ioctl", 1, "writev", 1, "exit_group", 1));
        long total = 0;
        for (JsonNode n : calls) {
            total += n.asLong();
        }
        assertThat(total).as("system calls").isEqualTo(25);
        assertThat(json.at("/faults/handled").asLong()).isEqualTo(524);
        assertThat(json.at("/faults/kills").asLong()).isZero();
        JsonNode leaked = json.at("/teardown/leaked");
        assertThat(leaked.size()).isEqualTo(8);
        for (Iterator<Map.Entry<String, JsonNode>> it = leaked.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            assertThat(e.getValue().asLong()).as("leaked %s", e.getKey()).isZero();
        }
        assertThat(json.at("/teardown/invariants").asText()).startsWith("invariants hold");
        assertThat(json.at("/kernel/invocations").asLong()).isPositive();
    }

    @Test
    void optionWordsAreTakenInAnyCaseAsBenchTakesThem() throws Exception {
        String[] r = run("demo", "--json", "--ram", "256M", "--allocator", "AllocMan", "--cspace", "ORIGINAL");
        assertThat(r[0]).as(r[2]).isEqualTo("0");
        JsonNode json = new ObjectMapper().readTree(r[1]);
        assertThat(json.at("/machine/allocator").asText()).isEqualTo("allocman");
        assertThat(json.at("/ptTest/passed").asBoolean()).isTrue();
        String[] bad = run("demo", "--ram", "256M", "--cspace", "Sideways");
        assertThat(bad[0]).isEqualTo("2");
        assertThat(bad[2]).contains("--cspace must be scaled or original, got 'sideways'");
    }

    @Test
    void demoTextShowsThePassAndTheProgramsOwnLine() {
        String[] r = run("demo", "--ram", "256M");
        assertThat(r[0]).as(r[2]).isEqualTo("0");
        assertThat(r[1]).contains("pt_test: PASSED\n", "(above 0x8000000000: yes)", "system calls: 25 (",
                "Faults handled: 524 (processes killed: 0)", "Kernel: 3,782 invocations, ",
                "Console:\npt_test: stack and heap page-table test passed\n");
    }

    @Test
    void ptTestPassesInA64FrameTableWithPagingAndTheReportSaysWhatWentOut() throws Exception {
        String[] r = run("demo", "--ram", "256M", "--frames", "64", "--page-file", "1024", "--paging-policy", "fifo");
        assertThat(r[0]).as(r[2]).isEqualTo("0");
        assertThat(r[1]).contains("pt_test: PASSED\n", "Paging (fifo, page file of 1,024 pages): ",
                "0 left after teardown", "leaked frames 0, slots 0");
        // the demo is deterministic: FIFO's exact figures, pt_test's pages read before written dropped clean
        assertThat(r[1]).contains("Paging (fifo, page file of 1,024 pages): 526 page-outs, 487 clean drops (writes"
                + " saved), 546 page-ins, 0 soft faults, 23 dirty faults; at most 516 slots in use");
        JsonNode json = new ObjectMapper().readTree(run("demo", "--json", "--ram", "256M", "--frames", "64",
                "--page-file", "1024")[1]);
        assertThat(json.at("/ptTest/passed").asBoolean()).isTrue();
        assertThat(json.at("/paging/policy").asText()).isEqualTo("second-chance");
        assertThat(json.at("/paging/pageOuts").asLong()).isGreaterThan(400);
        assertThat(json.at("/paging/softFaults").asLong()).isPositive();
        assertThat(json.at("/paging/cleanDrops").asLong()).isEqualTo(460);
        assertThat(json.at("/paging/dirtyFaults").asLong()).isEqualTo(21);
        assertThat(json.at("/paging/slotsReclaimed").asLong()).isZero();
        assertThat(new ObjectMapper().readTree(run("demo", "--json", "--ram", "256M")[1]).has("paging")).isFalse();
        assertThat(run("demo", "--ram", "256M", "--frames", "64")[0]).as("without paging pt_test runs out").isEqualTo("1");
    }

    @Test
    void badOptionsAreRefused() {
        assertThat(run("demo", "--allocator", "slab")[2]).contains("--allocator must be capbuddy or allocman");
        assertThat(run("demo", "--ram", "1M")[0]).isEqualTo("2");
    }

    @Test
    void theRootCNodeAndTheFanOutAreOptionsAndACombinationThatCannotWorkIsRefused() throws Exception {
        String[] r = run("demo", "--json", "--ram", "256M", "--root-cnode-bits", "14");
        assertThat(r[0]).as(r[2]).isEqualTo("0");
        JsonNode json = new ObjectMapper().readTree(r[1]);
        assertThat(json.at("/machine/rootCNodeBits").asInt()).isEqualTo(14);
        assertThat(json.at("/ptTest/passed").asBoolean()).isTrue();
        assertThat(run("demo", "--ram", "256M", "--allocator", "allocman", "--fan-out", "16")[0]).isEqualTo("0");
        String[] pool = run("demo", "--fan-out", "256");
        assertThat(pool[0]).isEqualTo("2");
        assertThat(pool[2]).contains("this machine cannot be built", "fan-out limit of at least 1024");
        assertThat(run("demo", "--root-cnode-bits", "40")[2]).contains("root CNode size must be 7..26 bits");
    }
}
