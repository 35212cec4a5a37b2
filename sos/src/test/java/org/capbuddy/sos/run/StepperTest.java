package org.capbuddy.sos.run;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.capbuddy.kernel.trace.TraceEvent;
import org.capbuddy.kernel.trace.TraceKind;
import org.capbuddy.sos.SosFixture;
import org.capbuddy.sos.TestElf;
import org.junit.jupiter.api.Test;

/**
 * Step mode's engine: a program advanced in pieces (single instructions, random slices, to each
 * fault or system call) ends exactly as one uninterrupted run does, and each pause is where it
 * says: after the instruction during which the fault happened, after the {@code svc} served.
 */
class StepperTest {
    private static final long LIMIT = 50_000_000L;

    private static ProgramRunner.Launch ptTest() {
        return new ProgramRunner.Launch(TestElf.program("pt_test.elf"), List.of("pt_test"), List.of(), new byte[0], 1,
                LIMIT);
    }

    private static Stepper stepper(SosFixture fx, Set<Stepper.PauseOn> on, long every) {
        ProgramRunner.Started started = new ProgramRunner(fx.sos).start(ptTest());
        assertThat(started.refused()).isNull();
        Stepper stepper = new Stepper(started.run(), on, every);
        fx.kernel.state().tracer().start(EnumSet.of(TraceKind.FAULTS, TraceKind.SYSCALLS, TraceKind.PROCESSES), -1,
                stepper);
        return stepper;
    }

    @Test
    void resumingStopsAfterEachFaultAndSystemCallAndEndsAsAStraightRun() {
        ProgramResult straight = new ProgramRunner(new SosFixture(true).sos).run(ptTest());

        SosFixture fx = new SosFixture(true);
        Stepper stepper = stepper(fx, EnumSet.allOf(Stepper.PauseOn.class), 0);
        Stepper.Pause first = stepper.step(1);
        assertThat(first.instructions()).isEqualTo(1);
        assertThat(first.events()).extracting(TraceEvent::name).contains("vm_fault", "page_mapped");
        int faults = 0;
        int calls = 0;
        while (true) {
            Stepper.Pause p = stepper.resume();
            if (p.ended()) {
                assertThat(p.events()).extracting(TraceEvent::name).contains("exit_group", "exited");
                break;
            }
            TraceEvent cause = p.events().stream().filter(e -> e.name().equals("vm_fault")
                    || e.kind() == TraceKind.SYSCALLS).findFirst().orElseThrow();
            if (cause.kind() == TraceKind.SYSCALLS) {
                calls++;
                assertThat(p.reason()).isEqualTo("syscall " + cause.name());
                assertThat(cause.instructions()).as("the svc has retired").isEqualTo(p.instructions());
            } else {
                faults++;
                assertThat(p.reason()).isEqualTo("vm_fault");
                assertThat(cause.instructions()).as("paused after the faulting instruction completed")
                        .isEqualTo(p.instructions() - 1);
                assertThat(p.events()).extracting(TraceEvent::name).containsSubsequence("vm_fault", "page_mapped");
            }
            assertThat(p.events()).as("one cause per pause").filteredOn(e -> e.name().equals("vm_fault")
                    || e.kind() == TraceKind.SYSCALLS).hasSize(1);
        }
        assertThat(faults).isEqualTo(straight.faultsHandled() - 2); // SOS's stack write and the first fetch came first
        assertThat(calls).isEqualTo((int) straight.systemCalls().values().stream().mapToLong(Long::longValue).sum() - 1);
        ProgramResult stepped = stepper.run().finish(true);
        assertSameRun(stepped, straight);
        assertThat(stepper.resume().ended()).as("nothing more to run").isTrue();
    }

    @Test
    void everyNInstructionsAndRandomSlicesGiveTheSameRun() {
        ProgramResult straight = new ProgramRunner(new SosFixture(false).sos).run(ptTest());

        SosFixture fx = new SosFixture(false);
        Stepper every = stepper(fx, Set.of(), 1000);
        long last = 0;
        while (true) {
            Stepper.Pause p = every.resume();
            if (p.ended()) {
                break;
            }
            assertThat(p.reason()).isEqualTo("every 1000 instructions");
            assertThat(p.instructions()).isEqualTo(last + 1000);
            last = p.instructions();
        }
        assertSameRun(every.run().finish(true), straight);

        long seed = Long.getLong("capbuddy.stepper.seed", 0x57E9L);
        SplittableRandom random = new SplittableRandom(seed);
        SosFixture sliced = new SosFixture(false);
        Stepper slices = stepper(sliced, Set.of(), 0);
        while (!slices.step(random.nextInt(1, 700)).ended()) {
            // on to the end in random slices
        }
        ProgramResult result = slices.run().finish(true);
        assertThat(result.instructions()).as("seed %d", seed).isEqualTo(straight.instructions());
        assertSameRun(result, straight);
    }

    @Test
    void aRunFinishedEarlyStopsWhereItWasAndTearsDownWhole() {
        SosFixture fx = new SosFixture(true);
        var before = fx.machine.settledBalance();
        Stepper stepper = stepper(fx, EnumSet.of(Stepper.PauseOn.SYSCALLS), 0);
        Stepper.Pause p = stepper.resume();
        assertThat(p.reason()).isEqualTo("syscall set_tid_address");
        assertThat(stepper.run().process().shadow().pageAddresses()).isNotEmpty();
        ProgramResult r = stepper.run().finish(true);
        assertThat(r.outcome()).isEqualTo(ProgramOutcome.STOPPED);
        assertThat(r.detail()).isEqualTo("stopped before the end");
        assertThat(r.instructions()).isEqualTo(p.instructions());
        assertThat(stepper.run().finish(true)).as("finishing again changes nothing").isSameAs(r);
        assertThat(stepper.run().advance(10)).isZero();
        assertThat(fx.machine.settledBalance().diff(before).isZero()).isTrue();
    }

    @Test
    void aBreakpointPausesBeforeItsInstructionEachTimeItIsReachedAndTheRunEndsAsAStraightOne() {
        ProgramResult straight = new ProgramRunner(new SosFixture(false).sos).run(ptTest());

        // where the program is before each of its first instructions: the first address reached twice is in a loop
        Stepper probe = stepper(new SosFixture(false), Set.of(), 0);
        java.util.Map<Long, List<Long>> reachedAt = new java.util.HashMap<>();
        long loop = -1;
        for (int i = 0; i < 20_000 && loop < 0; i++) {
            List<Long> at = reachedAt.computeIfAbsent(probe.run().pc(), k -> new java.util.ArrayList<>());
            at.add(probe.run().instructions());
            if (at.size() == 2) {
                loop = probe.run().pc();
            }
            probe.step(1);
        }
        assertThat(loop).as("pt_test loops within its first 20,000 instructions").isNotNegative();

        Stepper stepper = stepper(new SosFixture(false), Set.of(), 0);
        assertThat(stepper.addBreakpoint(loop)).isTrue();
        assertThat(stepper.addBreakpoint(loop + 2)).as("not an instruction's address").isFalse();
        assertThat(stepper.addBreakpoint(-4)).isFalse();
        assertThat(stepper.breakpoints()).containsExactly(loop);
        for (long expected : reachedAt.get(loop)) {
            Stepper.Pause p = stepper.resume();
            assertThat(p.reason()).isEqualTo(String.format("breakpoint 0x%x", loop));
            assertThat(p.instructions()).as("paused before the instruction at the breakpoint ran").isEqualTo(expected);
            assertThat(stepper.run().pc()).isEqualTo(loop);
        }
        assertThat(stepper.removeBreakpoint(loop)).isTrue();
        assertThat(stepper.removeBreakpoint(loop)).isFalse();
        assertThat(stepper.resume().ended()).as("no breakpoint and no event to stop at: on to the end").isTrue();
        assertSameRun(stepper.run().finish(true), straight);
    }

    /**
     * A breakpoint set in fork_exec at the address where exec_target starts does not fire in the
     * exec'd program: the first execve drops it (a pause says so), and the run ends as a straight one.
     */
    @Test
    void anExecveDropsTheBreakpointsSetInTheOldProgram() {
        byte[] target = TestElf.program("exec_target.elf");
        org.capbuddy.sos.exec.ProgramTable table = org.capbuddy.sos.exec.ProgramTable.empty()
                .with("bin/exec_target.elf", target).value();
        ProgramRunner.Launch launch = new ProgramRunner.Launch(TestElf.program("fork_exec.elf"), List.of("fork_exec"),
                List.of(), new byte[0], 1, LIMIT, org.capbuddy.aarch64.cpu.Interpreter.DEFAULT_TRANSLATE_AFTER, table);
        ProgramResult straight = new ProgramRunner(new SosFixture(false).sos).run(launch);
        SosFixture fx = new SosFixture(false);
        ProgramRunner.Started started = new ProgramRunner(fx.sos).start(launch);
        assertThat(started.refused()).isNull();
        Stepper stepper = new Stepper(started.run(), Set.of(), 0);
        long entry = ((org.capbuddy.aarch64.elf.ElfResult.Ok) org.capbuddy.aarch64.elf.ElfParser.parse(target)).image()
                .entry();
        assertThat(stepper.addBreakpoint(entry)).isTrue();

        Stepper.Pause p = stepper.resume();
        assertThat(p.reason()).isEqualTo(Stepper.DROPPED);
        assertThat(stepper.run().execs()).isEqualTo(1);
        assertThat(stepper.breakpoints()).isEmpty();
        assertThat(stepper.resume().ended()).as("no breakpoint left: on to the end").isTrue();
        assertSameRun(stepper.run().finish(true), straight);
    }

    @Test
    void aWatchPausesAfterTheInstructionThatChangedItsBytes() {
        ProgramResult straight = new ProgramRunner(new SosFixture(false).sos).run(ptTest());
        Stepper stepper = stepper(new SosFixture(false), Set.of(), 0);
        // pt_test's C runtime stores the environment pointer at 0x40ba58 (.bss) with the str at
        // 0x40049c, its 83rd instruction, whose fault maps the page; nothing writes there again
        assertThat(stepper.addWatch(0x40ba5a, 4)).as("not aligned to its size").isFalse();
        assertThat(stepper.addWatch(0x40ba58, 3)).isFalse();
        assertThat(stepper.addWatch(0x40ba58, 16)).isFalse();
        assertThat(stepper.addWatch(0x40ba58, 8)).isTrue();
        assertThat(stepper.watches()).containsExactly(new Stepper.Watch(0x40ba58, 8));
        Stepper.Pause p = stepper.resume();
        assertThat(p.instructions()).isEqualTo(83);
        assertThat(p.reason()).startsWith("watch 0x40ba58: 0x0 -> 0x").endsWith(
                " (its page mapped since), by the instruction at 0x40049c");
        long stored = stepper.run().sos().pages().peek(stepper.run().process(), 0x40ba58, 8).orElseThrow();
        assertThat(p.reason()).contains(String.format("-> 0x%x ", stored));
        var pages = stepper.run().sos().pages();
        var process = stepper.run().process();
        assertThat(pages.peek(process, 0x40ba58, 4).orElseThrow()).isEqualTo(stored & 0xFFFF_FFFFL);
        assertThat(pages.peek(process, 0x40bffc, 8)).as("leaves its page").isEmpty();
        assertThat(pages.peek(process, 0x40ba58, 0)).isEmpty();
        assertThat(pages.peek(process, 0x7000_0000L, 8)).as("no page mapped there").isEmpty();
        stepper.step(100); // a change made while stepping is not reported by the next resume
        assertThat(stepper.resume().ended()).as("nothing changes it again").isTrue();
        assertSameRun(stepper.run().finish(true), straight);
        assertThat(stepper.removeWatch(0x40ba58)).isTrue();
        assertThat(stepper.removeWatch(0x40ba58)).isFalse();
    }

    @Test
    void aWatchChangedByAFaultingInstructionAndABreakpointUnderAnotherPauseAreBothReported() {
        // the store that changes the watch faults first (its page is not mapped): one pause says both
        Stepper both = stepper(new SosFixture(false), EnumSet.allOf(Stepper.PauseOn.class), 0);
        both.addWatch(0x40ba58, 8);
        Stepper.Pause p = both.resume();
        while (!p.ended() && !p.reason().contains("watch")) {
            p = both.resume();
        }
        assertThat(p.instructions()).isEqualTo(83);
        assertThat(p.reason()).startsWith("vm_fault; watch 0x40ba58: 0x0 -> 0x");

        // the entry's fetch faults, and the pause after it lands on a breakpoint's address
        Stepper landed = stepper(new SosFixture(false), EnumSet.of(Stepper.PauseOn.FAULTS), 0);
        long next = landed.run().pc() + 4;
        landed.addBreakpoint(next);
        assertThat(landed.resume().reason()).isEqualTo(String.format("vm_fault, at breakpoint 0x%x", next));
    }

    private static void assertSameRun(ProgramResult a, ProgramResult b) {
        assertThat(a.outcome()).isEqualTo(b.outcome());
        assertThat(a.exitCode()).isEqualTo(b.exitCode());
        assertThat(a.console()).isEqualTo(b.console());
        assertThat(a.instructions()).isEqualTo(b.instructions());
        assertThat(a.systemCalls()).isEqualTo(b.systemCalls());
        assertThat(a.faultsHandled()).isEqualTo(b.faultsHandled());
        assertThat(a.framesMapped()).isEqualTo(b.framesMapped());
        assertThat(a.lastPc()).isEqualTo(b.lastPc());
        assertThat(a.mmapAddresses()).isEqualTo(b.mmapAddresses());
    }
}
