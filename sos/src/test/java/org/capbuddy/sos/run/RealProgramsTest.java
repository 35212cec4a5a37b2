package org.capbuddy.sos.run;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.capbuddy.sos.SosFixture;
import org.capbuddy.sos.addrspace.Layout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The committed real programs (programs/bin, see programs/README.md) run end to end in SOS through
 * {@link ProgramRunner}, on the CapBuddy pool and on plain allocman: each exits as it does under
 * Linux, with its exact output, system calls, instruction count and faults (the same on both
 * allocators: where frames come from must not change what a program sees), and its teardown
 * leaves the machine as it was.
 */
class RealProgramsTest {
    /** pt_test's own bound (TEST_ADDRESS in the seed's code): its stack buffer must lie above it. */
    private static final long TEST_ADDRESS = 0x80_0000_0000L;
    /** malloc(114688) in musl's mallocng: 28 pages of data plus a header page, one mmap each. */
    private static final long PT_TEST_BLOCK = 0x1d000;

    @ParameterizedTest(name = "pool={0}")
    @ValueSource(booleans = {true, false})
    void theUnmodifiedMuslPtTestPassesWithExactlyItsSystemCallsAndFaults(boolean usePool) {
        SosFixture fx = new SosFixture(usePool);
        var settled = fx.balance();

        ProgramResult r = Programs.run(fx, "pt_test");

        assertThat(r.outcome()).as(Programs.describe(r)).isEqualTo(ProgramOutcome.EXITED);
        assertThat(r.exitCode()).isZero();
        assertThat(r.killReport()).isNull();
        assertThat(r.detail()).isEqualTo("exit_group(0)");
        assertThat(r.console()).isEqualTo("pt_test: stack and heap page-table test passed\n");
        assertThat(r.systemCalls()).isEqualTo(Map.of("set_tid_address", 1L, "brk", 2L, "mmap", 10L, "munmap", 9L,
                "ioctl", 1L, "writev", 1L, "exit_group", 1L));
        assertThat(Programs.totalCalls(r)).isEqualTo(25);
        assertThat(r.unknownSystemCalls()).isEmpty();
        // 256 stack pages of the 1 MiB buffer, 9 blocks of 29 pages, and the image, TLS and libc pages.
        assertThat(r.faultsHandled()).as("faults handled").isEqualTo(524);
        assertThat(r.framesMapped()).as("one frame per fault").isEqualTo(524);
        assertThat(r.pagingStructures()).isEqualTo(8);
        assertThat(r.instructions()).isEqualTo(14_554);
        assertThat(r.initialSp()).isEqualTo(0x8f_ffff_fe80L);
        assertThat(r.lowestStackPage()).as("the seed's assert((void *) buf1 > (void *) TEST_ADDRESS)")
                .isGreaterThan(TEST_ADDRESS).isEqualTo(0x8f_fff0_3000L);
        // The first mmap is the PROT_NONE page malloc puts at the old break (brk(0) = end of .bss);
        // each of the 9 blocks has a mapping of its own in the mmap area, freed by munmap.
        assertThat(r.mmapAddresses()).hasSize(10);
        assertThat(r.mmapAddresses().get(0)).isEqualTo(0x40_c000L).isLessThan(Layout.MMAP_BASE);
        List<Long> heap = r.mmapAddresses().stream().filter(a -> a >= Layout.MMAP_BASE).toList();
        assertThat(heap).containsExactlyElementsOf(
                LongStream.range(0, 9).map(k -> Layout.MMAP_BASE + k * PT_TEST_BLOCK).boxed().toList());
        assertThat(fx.sos.liveProcesses()).isZero();
        fx.assertInvariants();

        // The first run built SOS's frame window, a cache that stays. A second run, in a new
        // process, gives exactly the same result and leaves the strict balance as it found it:
        // not one slot, frame, table or byte of bookkeeping more.
        var strict = fx.strictBalance();
        ProgramResult again = Programs.run(fx, "pt_test");
        // (how much of it ran translated depends on the machine's history: zeroing the first
        // run's code pages for reuse tells every interpreter to decode again)
        // (and its one process has the next pid)
        assertThat(again).usingRecursiveComparison().ignoringFields("translated",
                "processes").isEqualTo(r);
        assertThat(again.processes()).singleElement().usingRecursiveComparison().ignoringFields("pid")
                .isEqualTo(r.processes().get(0));
        assertThat(again.processes().get(0).pid()).isEqualTo(r.processes().get(0).pid() + 1);
        assertThat(fx.strictBalance()).as("strict balance after teardown").isEqualTo(strict);
        assertThat(fx.balance()).isEqualTo(settled);
        fx.assertInvariants();
    }

    /** What a program that exits should do: its argv after the name, its output, its costs. */
    record Exits(String name, List<String> args, String console, long instructions, long faults,
                 Map<String, Long> calls, Map<Long, Long> unknown) {
        @Override
        public String toString() {
            return String.join(" ", Programs.argv(name, args));
        }
    }

    private static Map<String, Long> musl(Object... more) {
        Map<String, Long> calls = new HashMap<>(Programs.MUSL_CALLS);
        for (int i = 0; i < more.length; i += 2) {
            calls.merge((String) more[i], ((Number) more[i + 1]).longValue(), Long::sum);
        }
        return calls;
    }

    static Stream<Arguments> exitingPrograms() {
        List<Exits> programs = List.of(
                new Exits("hello", List.of(), "hello, world\n", 1_027, 5, musl(), Map.of()),
                new Exits("libc_smoke", List.of(), "libc_smoke: 39 checks, 0 failed; pi ~ 3.141593, e ~ 2.71828\n",
                        81_183, 15, musl(), Map.of()),
                // mallocng's free gives a freed slot's whole pages back with madvise(MADV_FREE) twice
                new Exits("malloc_stress", List.of(), "malloc_stress: 2000 operations ok, checksum 8f58b7c3162922ac\n",
                        2_593_961, 4_965, musl("brk", 2, "mmap", 394, "munmap", 393, "madvise", 2), Map.of()),
                new Exits("pt_test_freestanding", List.of(),
                        "pt_test_freestanding: stack and heap page-table test passed\n", 7_207, 507,
                        Map.of("brk", 10L, "write", 1L, "exit_group", 1L), Map.of()),
                new Exits("bad_write", List.of(), """
                        bad_write: write(1, (void *) 1, 16) = -1, errno 14 (EFAULT, as expected)
                        bad_write: write(1, unmapped page, 16) = -1, errno 14 (EFAULT, as expected)
                        bad_write: write(1, (void *) 0xffff000000000000, 16) = -1, errno 14 (EFAULT, as expected)
                        bad_write: all bad writes got EFAULT
                        """, 10_539, 10, musl("mmap", 1, "munmap", 1, "write", 3, "writev", 3), Map.of()),
                new Exits("loop_k1", List.of("100"), "loop_k1: 100 iterations, checksum 2c30d4ce\n", 5_157, 9, musl(),
                        Map.of()));
        return Stream.of(true, false).flatMap(pool -> programs.stream().map(p -> Arguments.of(pool, p)));
    }

    @ParameterizedTest(name = "pool={0}: {1}")
    @MethodSource("exitingPrograms")
    void aProgramExitsZeroWithItsExpectedOutputAndLeavesNothing(boolean usePool, Exits expected) {
        SosFixture fx = new SosFixture(usePool);
        var settled = fx.balance();

        ProgramResult r = Programs.run(fx, expected.name(), expected.args().toArray(String[]::new));

        assertThat(r.outcome()).as(Programs.describe(r)).isEqualTo(ProgramOutcome.EXITED);
        assertThat(r.exitCode()).isZero();
        assertThat(r.console()).isEqualTo(expected.console());
        assertThat(r.systemCalls()).isEqualTo(expected.calls());
        assertThat(r.unknownSystemCalls()).isEqualTo(expected.unknown());
        assertThat(r.instructions()).as("instructions").isEqualTo(expected.instructions());
        assertThat(r.faultsHandled()).as("faults handled").isEqualTo(expected.faults());
        assertThat(r.framesMapped()).isEqualTo(expected.faults());

        assertThat(fx.sos.liveProcesses()).isZero();
        assertThat(fx.balance()).as("balance after teardown").isEqualTo(settled);
        fx.assertInvariants();
    }

    @ParameterizedTest(name = "pool={0}")
    @ValueSource(booleans = {true, false})
    void aProgramReadsItsStandardInputToTheEnd(boolean usePool) {
        SosFixture fx = new SosFixture(usePool);
        var settled = fx.balance();
        byte[] input = "hello, world: more than one read\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

        ProgramResult r = new ProgramRunner(fx.sos).run(new ProgramRunner.Launch(Programs.elf("echo_stdin"),
                List.of("echo_stdin"), List.of(), input, 1, 10_000_000));

        assertThat(r.outcome()).as(Programs.describe(r)).isEqualTo(ProgramOutcome.EXITED);
        assertThat(r.exitCode()).isZero();
        // 33 bytes in reads of at most 7: four full reads, one of 5, and the read that returns 0.
        assertThat(r.console()).isEqualTo("HELLO, WORLD: MORE THAN ONE READ\necho_stdin: 33 bytes in 6 reads\n");
        // writev: five echoes, and musl's stdout flush of the final printf.
        assertThat(r.systemCalls()).containsEntry("read", 6L).containsEntry("writev", 6L);
        assertThat(fx.balance()).isEqualTo(settled);
        fx.assertInvariants();
    }

    @ParameterizedTest(name = "pool={0}")
    @ValueSource(booleans = {true, false})
    void aProgramStoppedAtTheInstructionLimitIsTornDownLeavingNothing(boolean usePool) {
        SosFixture fx = new SosFixture(usePool);
        var settled = fx.balance();
        ProgramRunner runner = new ProgramRunner(fx.sos);
        byte[] elf = Programs.elf("loop_k1");

        // loop_k1's default 6,000,000 iterations take ~114 M instructions.
        ProgramResult limited = runner.run(Programs.launch(elf, List.of("loop_k1"), 10_000));
        assertThat(limited.outcome()).as(Programs.describe(limited)).isEqualTo(ProgramOutcome.INSTRUCTION_LIMIT);
        assertThat(limited.instructions()).isEqualTo(10_000);
        assertThat(limited.exitCode()).isEqualTo(-1);
        assertThat(limited.killReport()).isNull();
        assertThat(limited.detail()).isEqualTo(String.format("the limit of 10,000 instructions ran out at pc 0x%x",
                limited.lastPc()));
        assertThat(limited.console()).as("it prints only at its end").isEmpty();
        assertThat(limited.systemCalls()).doesNotContainKey("exit_group");
        assertThat(fx.sos.liveProcesses()).isZero();
        assertThat(fx.balance()).isEqualTo(settled);

        // The boundary: loop_k1 100 takes 5,157 instructions, its final svc (exit_group) included.
        List<String> argv = List.of("loop_k1", "100");
        ProgramResult oneShort = runner.run(Programs.launch(elf, argv, 5_156));
        assertThat(oneShort.outcome()).isEqualTo(ProgramOutcome.INSTRUCTION_LIMIT);
        assertThat(oneShort.instructions()).isEqualTo(5_156);
        assertThat(oneShort.console()).as("its line was written before the last svc")
                .isEqualTo("loop_k1: 100 iterations, checksum 2c30d4ce\n");
        ProgramResult exact = runner.run(Programs.launch(elf, argv, 5_157));
        assertThat(exact.outcome()).as(Programs.describe(exact)).isEqualTo(ProgramOutcome.EXITED);
        assertThat(exact.exitCode()).isZero();
        assertThat(exact.instructions()).isEqualTo(5_157);

        ProgramResult none = runner.run(Programs.launch(elf, argv, 0));
        assertThat(none.outcome()).isEqualTo(ProgramOutcome.INSTRUCTION_LIMIT);
        assertThat(none.instructions()).isZero();

        assertThat(fx.sos.liveProcesses()).isZero();
        assertThat(fx.balance()).isEqualTo(settled);
        fx.assertInvariants();
    }
}
