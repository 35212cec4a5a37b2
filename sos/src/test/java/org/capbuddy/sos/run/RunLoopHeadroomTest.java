package org.capbuddy.sos.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.capbuddy.kernel.cpu.ThreadRunner;
import org.capbuddy.kernel.host.StackHeadroom;
import org.capbuddy.libos.machine.MachineConfig;
import org.capbuddy.sos.DeepestFaultMachines;
import org.capbuddy.sos.machine.SosConfig;
import org.capbuddy.sos.machine.SosMachine;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The one probe {@link ThreadRunner#run} makes for all the faults and system calls below it
 * (the default headroom plus {@link ThreadRunner#RUN_FRAMES}) covers a whole run of pt_test with
 * a margin of 1.5, on the machines where its first touches go deepest. Measured in probe frames,
 * as {@code StackHeadroomTest} measures one fault: the deepest a thread can recurse before running
 * the program still lets the run complete (with every headroom check off), against the deepest
 * it can recurse at all.
 */
class RunLoopHeadroomTest {
    private static final int THREAD_STACK = 1 << 20;
    private static final byte[] PT_TEST = Programs.elf("pt_test");

    static MachineConfig[] machines() {
        MachineConfig[] all = DeepestFaultMachines.configs();
        return new MachineConfig[] {all[0], all[1]};
    }

    /**
     * True when pt_test, started on a fresh machine, runs to a clean exit {@code frames} probe
     * frames down; with {@code run} false, when the thread can recurse that far at all.
     */
    private static boolean fits(MachineConfig config, int frames, boolean run) throws InterruptedException {
        AtomicBoolean completed = new AtomicBoolean();
        Thread t = new Thread(null, () -> {
            try {
                if (!run) {
                    StackHeadroom.below(frames, () -> { });
                    completed.set(true);
                    return;
                }
                SosMachine m = SosMachine.boot(config, SosConfig.defaults()).value();
                m.kernel().guard().setStackHeadroomFrames(0);
                ProgramRunner runner = new ProgramRunner(m.sos());
                ProgramRun started = runner.start(Programs.launch(PT_TEST, List.of("pt_test"),
                        Programs.MAX_INSTRUCTIONS)).run();
                StackHeadroom.below(frames, () -> {
                    while (!started.ended()) {
                        started.advance(Long.MAX_VALUE);
                    }
                });
                ProgramResult r = started.finish(true);
                completed.set(r.outcome() == ProgramOutcome.EXITED && r.exitCode() == 0);
            } catch (Throwable e) {
                completed.set(false);
            }
        }, "run loop headroom", THREAD_STACK);
        t.start();
        t.join();
        return completed.get();
    }

    /** The most probe frames under which the work still completes (binary search below {@code limit}). */
    private static int deepestFit(MachineConfig config, boolean run, int limit) throws InterruptedException {
        int fits = 0;
        int fails = limit + 1;
        while (fails - fits > 1) {
            int mid = (fits + fails) >>> 1;
            if (fits(config, mid, run)) {
                fits = mid;
            } else {
                fails = mid;
            }
        }
        return fits;
    }

    @ParameterizedTest
    @MethodSource("machines")
    void oneProbePerRunCoversEveryFaultAndSystemCallOfPtTestWithAMarginOfOneAndAHalf(MachineConfig config)
            throws InterruptedException {
        // Warm the probe, the interpreter and the handlers first: a frame's size changes when the
        // JIT compiles its method, and the measurements must see the same frames.
        for (int i = 0; i < 40; i++) {
            assertThat(fits(config, 8, true)).as("pt_test runs on this machine").isTrue();
        }
        int needed = 0;
        for (int round = 0; round < 2; round++) {
            int limitBefore = deepestFit(config, false, THREAD_STACK / 16);
            int withRun = deepestFit(config, true, limitBefore);
            int limitAfter = deepestFit(config, false, THREAD_STACK / 16);
            needed = Math.max(needed, Math.min(limitBefore, limitAfter) - withRun);
        }
        int probed = StackHeadroom.DEFAULT_FRAMES + ThreadRunner.RUN_FRAMES;
        System.out.printf("run loop headroom: a run of pt_test needs %d probe frames; one probe per run covers %d%n",
                needed, probed);
        assertThat(needed * 3 / 2).as("frames a whole run needs, times 1.5").isLessThanOrEqualTo(probed);
    }

    @Test
    void aRunWhoseProbeDoesNotFitIsRefusedBeforeItsFirstInstructionAndRunsLaterInFull() {
        SosMachine m = SosMachine.boot(machines()[0], SosConfig.defaults()).value();
        ProgramRun run = new ProgramRunner(m.sos()).start(Programs.launch(PT_TEST, List.of("pt_test"),
                Programs.MAX_INSTRUCTIONS)).run();
        // More headroom than any thread has: the run's one probe cannot fit, wherever it is made.
        m.kernel().guard().setStackHeadroomFrames(1_000_000);

        assertThatThrownBy(() -> run.advance(Long.MAX_VALUE)).isInstanceOf(StackOverflowError.class)
                .hasMessageContaining("too deep to run a fault handler or system call safely");
        assertThat(run.instructions()).as("not one instruction ran").isZero();
        assertThat(m.kernel().guard().isBroken()).isFalse();
        assertThat(m.kernel().guard().headroomAssured()).isFalse();

        m.kernel().guard().setStackHeadroomFrames(StackHeadroom.DEFAULT_FRAMES);
        long probesBefore = m.kernel().guard().headroomProbes();
        long slices = 0;
        while (!run.ended()) {
            run.advance(Long.MAX_VALUE);
            slices++;
        }
        assertThat(m.kernel().guard().headroomProbes() - probesBefore).as("one probe a slice").isEqualTo(slices);
        ProgramResult r = run.finish(true);
        assertThat(r.faultsHandled()).as("each of them would have probed").isGreaterThan(500);
        assertThat(Programs.totalCalls(r)).isGreaterThan(20);
        assertThat(r.outcome()).as(Programs.describe(r)).isEqualTo(ProgramOutcome.EXITED);
        assertThat(r.exitCode()).isZero();
        assertThat(r.console()).isEqualTo("pt_test: stack and heap page-table test passed\n");
        assertThat(m.kernel().guard().headroomAssured()).as("every run closed its scope").isFalse();
    }
}
