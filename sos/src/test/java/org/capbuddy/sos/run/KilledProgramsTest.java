package org.capbuddy.sos.run;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.capbuddy.kernel.cpu.AccessKind;
import org.capbuddy.kernel.api.PagingWalk;
import org.capbuddy.sos.SosFixture;
import org.capbuddy.sos.inspect.ProcessDump;
import org.capbuddy.sos.inspect.StopReport;
import org.capbuddy.sos.addrspace.Layout;
import org.capbuddy.sos.process.KillReport;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The committed programs that SOS must kill (programs/README.md): each is killed with the right
 * report (address, access, region, reason) at the right instruction, after printing its line; the
 * machine goes on (hello spawns and runs to exit 0 in the same SOS right after) and nothing leaks.
 * No committed program runs into an undefined instruction, so hello with {@code main}'s first
 * instruction replaced by {@code udf #0} stands in for one.
 */
class KilledProgramsTest {
    private static final String MAPPING_REFUSES_WRITE = "the mapping's rights refuse a write";
    private static final String MAPPING_REFUSES_EXECUTE = "the mapping's rights refuse an execute";
    private static final int UDF_0 = 0x0000_0000;

    /**
     * A program SOS kills: its file and argv, the line it prints first (null for none), the kill
     * report, the PC it stopped at, and what it cost until then.
     */
    record Killed(String label, Supplier<byte[]> elf, List<String> argv, String line, KillReport report, long lastPc,
                  long instructions, long faults, Map<String, Long> calls) {
        @Override
        public String toString() {
            return label;
        }
    }

    private static final Map<String, Long> UNTIL_MAIN_PRINTS = Map.of("set_tid_address", 1L, "ioctl", 1L,
            "writev", 1L);

    static Stream<Arguments> killedPrograms() {
        long writeCodeMain = Programs.symbol(Programs.elf("write_code"), "main");
        long dataBuf = Programs.symbol(Programs.elf("exec_data"), "data_buf");
        long helloMain = Programs.symbol(Programs.elf("hello"), "main");
        Map<String, Long> heapCalls = new HashMap<>(UNTIL_MAIN_PRINTS);
        heapCalls.put("brk", 2L);
        List<Killed> cases = List.of(
                // recurse()'s first store, stp x29, x30, [sp] at the bottom of its 16 KiB frame.
                new Killed("stack_overflow", () -> Programs.elf("stack_overflow"), List.of("stack_overflow"),
                        "stack_overflow: recursing with 16 KiB frames until the guard page stops it",
                        new KillReport(0x8f_ff7f_fe50L, AccessKind.WRITE, null, "stack overflow into the guard page"),
                        0x40_02e4L, 12_613, 2_052, UNTIL_MAIN_PRINTS),
                new Killed("write_code", () -> Programs.elf("write_code"), List.of("write_code"),
                        "write_code: storing into main's own code",
                        new KillReport(writeCodeMain, AccessKind.WRITE, "code", MAPPING_REFUSES_WRITE),
                        0x40_0194L, 1_138, 5, UNTIL_MAIN_PRINTS),
                // The buffer's page is mapped (memcpy wrote it) without execute: a permission fault on the fetch.
                new Killed("exec_data", () -> Programs.elf("exec_data"), List.of("exec_data"),
                        "exec_data: jumping into data",
                        new KillReport(dataBuf, AccessKind.EXECUTE, "data", MAPPING_REFUSES_EXECUTE),
                        dataBuf, 1_928, 8, UNTIL_MAIN_PRINTS),
                new Killed("exec_data data", () -> Programs.elf("exec_data"), List.of("exec_data", "data"),
                        "exec_data: jumping into data",
                        new KillReport(dataBuf, AccessKind.EXECUTE, "data", MAPPING_REFUSES_EXECUTE),
                        dataBuf, 1_955, 8, UNTIL_MAIN_PRINTS),
                new Killed("exec_data stack", () -> Programs.elf("exec_data"), List.of("exec_data", "stack"),
                        "exec_data: jumping into stack",
                        new KillReport(0x8f_ffff_fdf0L, AccessKind.EXECUTE, "stack", MAPPING_REFUSES_EXECUTE),
                        0x8f_ffff_fdf0L, 1_981, 8, UNTIL_MAIN_PRINTS),
                // malloc(8) comes from mallocng's brk area, the page after .bss.
                new Killed("exec_data heap", () -> Programs.elf("exec_data"), List.of("exec_data", "heap"),
                        "exec_data: jumping into heap",
                        new KillReport(0x40_a000L, AccessKind.EXECUTE, "heap", MAPPING_REFUSES_EXECUTE),
                        0x40_a000L, 2_102, 9, heapCalls),
                new Killed("hello with udf #0 at main",
                        () -> Programs.patchWord(Programs.elf("hello"), helloMain, UDF_0), List.of("hello"), null,
                        new KillReport(helloMain, AccessKind.EXECUTE, "code", "undefined instruction 0x00000000", 4, false),
                        helloMain, 537, 5, Map.of("set_tid_address", 1L)));
        return Stream.of(true, false).flatMap(pool -> cases.stream().map(c -> Arguments.of(pool, c)));
    }

    /** The instruction, registers, walk and regions of where it stopped, read before teardown. */
    private static void assertStopReport(ProgramResult r, Killed expected) {
        StopReport stop = r.stopReport();
        assertThat(stop).as("stop report").isNotNull();
        assertThat(stop.pc()).isEqualTo(expected.lastPc());
        assertThat(stop.registers().pc()).isEqualTo(expected.lastPc());
        assertThat(stop.walk().vaddr()).isEqualTo(expected.report().address());
        assertThat(stop.regions()).extracting(ProcessDump.RegionLine::kind).contains("code", "stack");
        KillReport report = expected.report();
        PagingWalk.Step last = stop.walk().steps().get(stop.walk().steps().size() - 1);
        if (report.region() == null) {
            // the guard page: nothing maps it
            assertThat(stop.walk().translated()).isFalse();
            assertThat(stop.fetched()).isTrue();
            assertThat(stop.operation()).isEqualTo("STP");
            assertThat(stop.assembly()).startsWith("stp ");
        } else if (report.access() == AccessKind.WRITE) {
            // mapped, but read-only
            assertThat(stop.walk().translated()).isTrue();
            assertThat(last.rights()).isEqualTo("r");
            assertThat(stop.operation()).startsWith("STR");
            assertThat(stop.assembly()).startsWith("str");
        } else if (report.reason().equals(MAPPING_REFUSES_EXECUTE)) {
            // mapped, but execute-never: the fetch itself faulted
            assertThat(stop.walk().translated()).isTrue();
            assertThat(last.executeNever()).isTrue();
            assertThat(stop.fetched()).isFalse();
        } else {
            // fetched from code and undefined
            assertThat(stop.walk().translated()).isTrue();
            assertThat(last.executeNever()).isFalse();
            assertThat(stop.fetched()).isTrue();
            assertThat(stop.operation()).isEqualTo("UNDEFINED");
            assertThat(stop.assembly()).isEqualTo(String.format(".inst 0x%08x ; undefined", stop.word()));
        }
        assertThat(stop.render()).contains("Instruction at 0x", "Registers:", "walk of 0x", "Regions:");
        if (stop.fetched()) {
            assertThat(stop.render()).contains(stop.assembly());
        }
    }

    @ParameterizedTest(name = "pool={0}: {1}")
    @MethodSource("killedPrograms")
    void aKilledProgramGetsItsReportAndSosRunsHelloRightAfterLeavingNothing(boolean usePool, Killed expected) {
        SosFixture fx = new SosFixture(usePool);
        var settled = fx.balance();
        long killsBefore = fx.sos.faultHandler().kills();
        ProgramRunner runner = new ProgramRunner(fx.sos);

        ProgramResult r = runner.run(Programs.launch(expected.elf().get(), expected.argv(), Programs.MAX_INSTRUCTIONS));

        assertThat(r.outcome()).as(Programs.describe(r)).isEqualTo(ProgramOutcome.KILLED);
        assertThat(r.exitCode()).isEqualTo(-1);
        assertThat(r.killReport()).isEqualTo(expected.report());
        assertThat(r.detail()).isEqualTo(expected.report().toString());
        assertThat(r.lastPc()).as("the killing instruction").isEqualTo(expected.lastPc());
        if (expected.report().region() == null) {
            assertThat(Layout.pageDown(r.killReport().address())).as("the guard page, right below the stack")
                    .isEqualTo(Layout.GUARD_PAGE).isEqualTo(Layout.STACK_BASE - Layout.PAGE);
        }
        String printed = expected.line() == null ? "" : expected.line() + "\n";
        assertThat(r.console()).as("its line, then SOS's kill line")
                .matches(Pattern.quote(printed + "[sos] process ") + "\\d+ " + Pattern.quote(expected.report() + "\n"));
        assertStopReport(r, expected);
        assertThat(r.systemCalls()).isEqualTo(expected.calls());
        assertThat(r.unknownSystemCalls()).isEmpty();
        assertThat(r.instructions()).as("instructions").isEqualTo(expected.instructions());
        assertThat(r.faultsHandled()).as("faults handled").isEqualTo(expected.faults());
        assertThat(fx.sos.faultHandler().kills()).isEqualTo(killsBefore + 1);
        assertThat(fx.sos.liveProcesses()).isZero();
        fx.assertInvariants();

        ProgramResult hello = Programs.run(fx, "hello");
        assertThat(hello.outcome()).as(Programs.describe(hello)).isEqualTo(ProgramOutcome.EXITED);
        assertThat(hello.exitCode()).isZero();
        assertThat(hello.console()).isEqualTo("hello, world\n");
        assertThat(hello.systemCalls()).isEqualTo(Programs.MUSL_CALLS);

        assertThat(fx.sos.faultHandler().kills()).isEqualTo(killsBefore + 1);
        assertThat(fx.sos.liveProcesses()).isZero();
        assertThat(fx.balance()).as("balance after both teardowns").isEqualTo(settled);
        fx.assertInvariants();
    }
}
