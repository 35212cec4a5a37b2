package org.capbuddy.sos.run;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.capbuddy.kernel.cpu.AccessKind;
import org.capbuddy.kernel.cpu.RunResult;
import org.capbuddy.kernel.cpu.ThreadRunner;
import org.capbuddy.libos.vka.Result;
import org.capbuddy.sos.SosFixture;
import org.capbuddy.sos.linux.LinuxProcess;
import org.capbuddy.sos.linux.LinuxSyscall;
import org.capbuddy.sos.process.KillReport;
import org.capbuddy.sos.process.Process;
import org.capbuddy.sos.process.ProcessState;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Two real programs live in one SOS at once, their threads run in turn in slices of seeded random
 * length: stack_overflow is killed (and torn down at once) while pt_test is still going; pt_test
 * does not notice, exits 0 with exactly the instructions, faults and system calls it has alone,
 * and after both are gone nothing is left. Seeded: re-run a failure with {@code -Dcapbuddy.seed=S}.
 */
class TwoProgramsAtOnceTest {
    private static final long SEED = Long.getLong("capbuddy.seed", 0x7E57_2026L);
    /** Most instructions in one slice: both programs take ~13–15 k, so each gets dozens of turns. */
    private static final int MAX_SLICE = 600;

    private record Running(String name, Process process, LinuxProcess linux, ThreadRunner runner) {
    }

    private static Running spawn(SosFixture fx, String name) {
        Result<Process> spawned = fx.sos.spawn(Programs.elf(name), List.of(name), List.of(), 1);
        assertThat(spawned.isOk()).as("%s", spawned).isTrue();
        Process p = spawned.value();
        LinuxProcess linux = new LinuxProcess(new byte[0], 1);
        fx.sos.linux().attach(p, linux);
        return new Running(name, p, linux, fx.sos.runner(p).orElseThrow());
    }

    @ParameterizedTest(name = "pool={0}")
    @ValueSource(booleans = {true, false})
    void aKilledProgramDoesNotDisturbPtTestRunningBesideIt(boolean usePool) {
        System.out.printf("TwoProgramsAtOnceTest seed %d, pool=%s (re-run with -Dcapbuddy.seed=%d)%n", SEED, usePool,
                SEED);
        SplittableRandom random = new SplittableRandom(SEED);
        SosFixture fx = new SosFixture(usePool);
        var settled = fx.balance();
        long killsBefore = fx.sos.faultHandler().kills();
        fx.sos.takeConsole();

        Running pt = spawn(fx, "pt_test");
        Running overflow = spawn(fx, "stack_overflow");
        long ptInstructions = 0;
        long overflowInstructions = 0;
        boolean ptDone = false;
        boolean overflowDone = false;
        int turns = 0;
        Map<LinuxSyscall, Long> overflowCalls = null;
        long ptAtKill = -1;
        while (!ptDone || !overflowDone) {
            assertThat(++turns).as("turns (seed %d)", SEED).isLessThan(10_000);
            if (!overflowDone) {
                RunResult slice = overflow.runner().run(1 + random.nextInt(MAX_SLICE));
                overflowInstructions += slice.instructions();
                if (slice.stop() == RunResult.Stop.STOPPED) {
                    overflowDone = true;
                    assertThat(overflow.process().state()).as(slice.detail()).isEqualTo(ProcessState.KILLED);
                    assertThat(pt.process().state()).as("pt_test, beside it").isIn(ProcessState.RUNNING,
                            ProcessState.EXITED);
                    overflowCalls = overflow.linux().calls();
                    ptAtKill = ptInstructions;
                    assertThat(overflow.process().faultsHandled()).isEqualTo(2_052);
                    // Torn down at once, pt_test (most likely) still running.
                    assertThat(fx.sos.destroy(overflow.process()).isOk()).isTrue();
                    assertThat(fx.sos.runner(overflow.process())).isEmpty();
                    fx.assertInvariants();
                }
            }
            if (!ptDone) {
                RunResult slice = pt.runner().run(1 + random.nextInt(MAX_SLICE));
                ptInstructions += slice.instructions();
                if (slice.stop() == RunResult.Stop.STOPPED) {
                    ptDone = true;
                    assertThat(slice.detail()).isEqualTo("exit_group(0)");
                }
            }
        }

        System.out.printf("  %d turns; pt_test had run %,d instructions when stack_overflow was killed%n", turns,
                ptAtKill);
        assertThat(overflow.process().killReport()).isEqualTo(new KillReport(0x8f_ff7f_fe50L, AccessKind.WRITE, null,
                "stack overflow into the guard page"));
        assertThat(overflowInstructions).isEqualTo(12_613);
        assertThat(overflowCalls).isEqualTo(Map.of(LinuxSyscall.SET_TID_ADDRESS, 1L, LinuxSyscall.IOCTL, 1L,
                LinuxSyscall.WRITEV, 1L));
        assertThat(fx.sos.faultHandler().kills()).isEqualTo(killsBefore + 1);

        // pt_test as it is alone (RealProgramsTest): nothing of the other process reached it.
        assertThat(pt.process().state()).isEqualTo(ProcessState.EXITED);
        assertThat(pt.process().exitCode()).isZero();
        assertThat(pt.process().killReport()).isNull();
        assertThat(ptInstructions).isEqualTo(14_554);
        assertThat(pt.process().faultsHandled()).isEqualTo(524);
        assertThat(pt.linux().calls()).isEqualTo(Map.of(LinuxSyscall.SET_TID_ADDRESS, 1L, LinuxSyscall.BRK, 2L,
                LinuxSyscall.MMAP, 10L, LinuxSyscall.MUNMAP, 9L, LinuxSyscall.IOCTL, 1L, LinuxSyscall.WRITEV, 1L,
                LinuxSyscall.EXIT_GROUP, 1L));
        assertThat(pt.linux().unknownCalls()).isEmpty();
        assertThat(fx.sos.takeConsole().lines().toList()).containsExactlyInAnyOrder(
                "pt_test: stack and heap page-table test passed",
                "stack_overflow: recursing with 16 KiB frames until the guard page stops it",
                "[sos] process " + overflow.process().pid() + " " + overflow.process().killReport());

        assertThat(fx.sos.destroy(pt.process()).isOk()).isTrue();
        assertThat(fx.sos.liveProcesses()).isZero();
        assertThat(fx.balance()).as("balance after both teardowns").isEqualTo(settled);
        fx.assertInvariants();
    }
}
