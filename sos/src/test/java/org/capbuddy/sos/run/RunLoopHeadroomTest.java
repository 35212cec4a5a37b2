package org.capbuddy.sos.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.EnumSet;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.capbuddy.kernel.cpu.ThreadRunner;
import org.capbuddy.kernel.host.MachineGuard;
import org.capbuddy.kernel.host.StackHeadroom;
import org.capbuddy.kernel.trace.TraceKind;
import org.capbuddy.libos.machine.MachineConfig;
import org.capbuddy.sos.DeepestFaultMachines;
import org.capbuddy.sos.FreshThread;
import org.capbuddy.sos.addrspace.Layout;
import org.capbuddy.sos.machine.SosConfig;
import org.capbuddy.sos.machine.SosMachine;
import org.capbuddy.sos.process.Process;
import org.capbuddy.sos.process.ProcessTraps;
import org.capbuddy.sos.user.MemoryFault;
import org.capbuddy.sos.user.UserContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The one probe {@link ThreadRunner#run} makes for all the faults and system calls below it
 * (the default headroom plus {@link ThreadRunner#RUN_FRAMES}) covers whole runs with a margin of
 * 1.5, on the machines where first touches go deepest; and code the machine does not control (a
 * fault handler's own work, a trace sink) is not covered by it. Measured in probe frames, as
 * {@code StackHeadroomTest} measures one fault: the deepest a thread can recurse before running
 * the program still lets the run end as a shallow run does (with every headroom check off),
 * against the deepest it can recurse at all.
 */
class RunLoopHeadroomTest {
    private static final int THREAD_STACK = 1 << 20;

    static Stream<Arguments> runs() {
        MachineConfig[] m = DeepestFaultMachines.configs();
        return Stream.of(Arguments.of(m[0], "pt_test"), Arguments.of(m[1], "pt_test"), Arguments.of(m[2], "pt_test"),
                Arguments.of(m[3], "pt_test"), Arguments.of(m[2], "stack_overflow"),
                Arguments.of(m[3], "stack_overflow"));
    }

    private static ProgramRun start(SosMachine m, String program) {
        return new ProgramRunner(m.sos()).start(Programs.launch(Programs.elf(program), List.of(program),
                Programs.MAX_INSTRUCTIONS)).run();
    }

    /** What {@code work} returns, run on a fresh thread with a {@link #THREAD_STACK} stack; null when it threw. */
    private static <T> T onFreshThread(Supplier<T> work) throws InterruptedException {
        return FreshThread.result("run loop headroom", THREAD_STACK, work);
    }

    /**
     * How {@code program}'s run ended on a fresh machine, {@code frames} probe frames down with
     * every headroom check off; null when a throwable (an overflow) cut it short.
     */
    private static String ending(MachineConfig config, String program, int frames) throws InterruptedException {
        return onFreshThread(() -> {
            SosMachine m = SosMachine.boot(config, SosConfig.defaults()).value();
            m.kernel().guard().setStackHeadroomFrames(0);
            ProgramRun run = start(m, program);
            StackHeadroom.below(frames, () -> {
                while (!run.ended()) {
                    run.advance(Long.MAX_VALUE);
                }
            });
            ProgramResult r = run.finish(true);
            return r.outcome() + " " + r.exitCode() + " " + r.killReport() + " " + r.instructions();
        });
    }

    /** Whether a thread can recurse {@code frames} probe frames at all. */
    private static boolean recurses(int frames) throws InterruptedException {
        return onFreshThread(() -> {
            StackHeadroom.below(frames, () -> { });
            return true;
        }) != null;
    }

    private static int deepestRecursion() throws InterruptedException {
        int fits = 0;
        int fails = THREAD_STACK / 16;
        while (fails - fits > 1) {
            int mid = (fits + fails) >>> 1;
            if (recurses(mid)) {
                fits = mid;
            } else {
                fails = mid;
            }
        }
        return fits;
    }

    /** The most probe frames, up to {@code limit}, under which the run ends as {@code expected}. */
    private static int deepestRun(MachineConfig config, String program, String expected, int limit)
            throws InterruptedException {
        int fits = Math.max(0, limit - 512);
        if (!expected.equals(ending(config, program, fits))) {
            fits = 0;
        }
        int fails = limit + 1;
        while (fails - fits > 1) {
            int mid = (fits + fails) >>> 1;
            if (expected.equals(ending(config, program, mid))) {
                fits = mid;
            } else {
                fails = mid;
            }
        }
        return fits;
    }

    @ParameterizedTest
    @MethodSource("runs")
    void oneProbePerRunCoversEveryFaultAndSystemCallOfTheRunWithAMarginOfOneAndAHalf(MachineConfig config,
            String program) throws InterruptedException {
        String expected = ending(config, program, 8);
        assertThat(expected).as("the program runs on this machine").isNotNull();
        // Warm the probe (deep) and the run first: a frame's size changes when the JIT compiles its
        // method, and the measurements must see the same frames.
        for (int i = 0; i < 200; i++) {
            recurses(2_000);
        }
        for (int i = 0; i < 40; i++) {
            ending(config, program, 8);
        }
        int needed = 0;
        for (int round = 0, agreed = 0; agreed < 2 && round < 6; round++) {
            int limitBefore = deepestRecursion();
            int withRun = deepestRun(config, program, expected, limitBefore);
            int limitAfter = deepestRecursion();
            if (Math.abs(limitBefore - limitAfter) > limitBefore / 50) {
                continue; // the probe's frames changed size meanwhile (the JIT): measure again
            }
            agreed++;
            needed = Math.max(needed, Math.min(limitBefore, limitAfter) - withRun);
        }
        int probed = StackHeadroom.DEFAULT_FRAMES + ThreadRunner.RUN_FRAMES;
        System.out.printf("run loop headroom: a run of %s needs %d probe frames; one probe per run covers %d%n",
                program, needed, probed);
        // Only that the measurement measured (a run that never started would need 0): a run's depth
        // shrinks as the JIT inlines more of the fault path, 46 to 92 frames usually and down to 16
        // on a heavily loaded machine, so the floor sits well below any JIT state's.
        assertThat(needed).as("a run with faults needs stack: the measurement measured").isGreaterThanOrEqualTo(8);
        assertThat(needed * 3 / 2).as("frames a whole run needs, times 1.5").isLessThanOrEqualTo(probed);
    }

    @Test
    void aRunWhoseProbeDoesNotFitIsRefusedBeforeItsFirstInstructionAndThenRunsWithOneProbeASlice() {
        SosMachine m = SosMachine.boot(DeepestFaultMachines.configs()[0], SosConfig.defaults()).value();
        MachineGuard guard = m.kernel().guard();
        ProgramRun run = start(m, "pt_test");
        // More headroom than any thread has: the run's one probe cannot fit, wherever it is made.
        guard.setStackHeadroomFrames(1_000_000);

        assertThatThrownBy(() -> run.advance(Long.MAX_VALUE)).isInstanceOf(StackOverflowError.class)
                .hasMessageContaining("too deep to run a fault handler or system call safely");
        assertThat(run.instructions()).as("not one instruction ran").isZero();
        assertThat(guard.isBroken()).isFalse();
        assertThat(guard.headroomAssured()).isFalse();

        guard.setStackHeadroomFrames(StackHeadroom.DEFAULT_FRAMES);
        long probesBefore = guard.headroomProbes();
        long slices = 0;
        while (!run.ended()) {
            run.advance(Long.MAX_VALUE);
            slices++;
        }
        ProgramResult r = run.finish(true);
        assertThat(r.outcome()).as(Programs.describe(r)).isEqualTo(ProgramOutcome.EXITED);
        assertThat(r.console()).isEqualTo("pt_test: stack and heap page-table test passed\n");
        assertThat(r.faultsHandled()).as("each of them would have probed").isGreaterThan(500);
        // SOS serves a system call inside the run's fault receiver, whose own calls probe again.
        long calls = Programs.totalCalls(r);
        assertThat(calls).isGreaterThan(20);
        assertThat(guard.headroomProbes() - probesBefore).as("one a slice, and one a system call SOS serves")
                .isBetween(slices, slices + calls);
        assertThat(guard.headroomAssured()).as("every run closed its scope").isFalse();
    }

    @Test
    void oneAdvanceProbesOnceForAllItsSchedulerTurns() {
        SosMachine m = SosMachine.boot(DeepestFaultMachines.configs()[0], SosConfig.defaults()).value();
        MachineGuard guard = m.kernel().guard();
        // about 1M instructions in a handful of system calls: a hundred 10,000-instruction turns
        ProgramRun run = new ProgramRunner(m.sos()).start(Programs.launch(Programs.elf("loop_k1"),
                List.of("loop_k1", "60000"), Programs.MAX_INSTRUCTIONS)).run();
        long probesBefore = guard.headroomProbes();
        long advances = 0;
        while (!run.ended()) {
            run.advance(Long.MAX_VALUE);
            advances++;
        }
        ProgramResult r = run.finish(true);
        assertThat(r.outcome()).as(Programs.describe(r)).isEqualTo(ProgramOutcome.EXITED);
        long turns = r.instructions() / ProgramRun.QUANTUM;
        long calls = Programs.totalCalls(r);
        assertThat(turns).as("turns").isGreaterThan(50 + advances + calls);
        assertThat(guard.headroomProbes() - probesBefore).as("one an advance, and one a system call SOS serves; none a turn")
                .isBetween(advances, advances + calls);
        assertThat(guard.headroomAssured()).as("every advance closed its scope").isFalse();
    }

    @Test
    void singleStepsOpenNoScopeAndProbeOnlyForTheirFaults() {
        SosMachine m = SosMachine.boot(DeepestFaultMachines.configs()[0], SosConfig.defaults()).value();
        MachineGuard guard = m.kernel().guard();
        ProgramRun run = start(m, "pt_test");
        long probes = guard.headroomProbes();
        long faults = run.process().faultsHandled();
        int steps = 0;
        while (!run.ended() && steps < 2_000) {
            run.advance(1);
            steps++;
        }
        assertThat(steps).isEqualTo(2_000);
        long faulted = run.process().faultsHandled() - faults;
        assertThat(faulted).isPositive();
        // A scope a step would make 2,000 probes; without, each fault (and system call) probes itself.
        assertThat(guard.headroomProbes() - probes).as("no probe a step: its faults' and system calls' only")
                .isGreaterThanOrEqualTo(faulted).isLessThan(steps / 4);
        while (!run.ended()) {
            run.advance(Long.MAX_VALUE);
        }
        assertThat(run.finish(true).exitCode()).isZero();
    }

    @Test
    void aFaultCausedByCodeTheMachineDoesNotControlIsProbedInsideARun() throws MemoryFault {
        SosMachine m = SosMachine.boot(DeepestFaultMachines.configs()[0], SosConfig.defaults()).value();
        MachineGuard guard = m.kernel().guard();
        Process other = m.sos().createProcess(4096, 4096).value();
        UserContext otherCtx = new UserContext(other, m.sos().syscalls(other));
        long otherBreak = otherCtx.brk(0);
        assertThat(otherCtx.brk(otherBreak + 2 * 4096)).isEqualTo(otherBreak + 2 * 4096);
        long[] probes = new long[4];
        boolean[] started = new boolean[2];
        boolean[] running = new boolean[1];
        // A traps layer that, inside the run's first system call, makes a Java program fault: it
        // could have recursed as deep as it liked first, so that fault must be probed.
        ProcessTraps linux = m.sos().linux();
        m.sos().faultHandler().setTraps((p, message) -> {
            if (!started[0]) {
                started[0] = true;
                probes[0] = guard.headroomProbes();
                try {
                    otherCtx.store(otherBreak, 8, 1);
                } catch (MemoryFault e) {
                    throw new IllegalStateException(e);
                }
                probes[1] = guard.headroomProbes();
            }
            return linux.onSystemCall(p, message);
        });
        // And a trace sink that does the same on the first fault of the run it is told of.
        m.kernel().rootTask().tracer().start(EnumSet.of(TraceKind.FAULTS), -1, event -> {
            if (running[0] && !started[1] && event.name().equals("vm_fault")) {
                started[1] = true;
                probes[2] = guard.headroomProbes();
                try {
                    otherCtx.store(otherBreak + 4096, 8, 1);
                } catch (MemoryFault e) {
                    throw new IllegalStateException(e);
                }
                probes[3] = guard.headroomProbes();
            }
        });
        ProgramRun run = start(m, "pt_test");
        running[0] = true; // the spawn's own faults came before the run
        while (!run.ended()) {
            run.advance(Long.MAX_VALUE);
        }
        running[0] = false;
        ProgramResult r = run.finish(true);
        m.kernel().rootTask().tracer().stop();
        m.sos().faultHandler().setTraps(linux);

        assertThat(r.outcome()).as(Programs.describe(r)).isEqualTo(ProgramOutcome.EXITED);
        assertThat(other.faultsHandled()).isEqualTo(2);
        assertThat(probes[1] - probes[0]).as("the handler's own fault").isEqualTo(1);
        assertThat(probes[3] - probes[2]).as("the sink's fault").isEqualTo(1);
        assertThat(m.sos().destroy(other).isOk()).isTrue();
    }
}
