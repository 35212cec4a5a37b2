package org.capbuddy.sos.run;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.capbuddy.sos.SosFixture;
import org.capbuddy.sos.TestElf;
import org.capbuddy.sos.frametable.FrameTable;
import org.capbuddy.sos.machine.SosConfig;
import org.capbuddy.sos.paging.PolicyRegistry;
import org.capbuddy.sos.process.ForkMode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Programs that fork (programs/src/fork_*.c) run with their children in one run: every process
 * is listed with its parent and how it ended, the scheduler gives the same interleaving every
 * time, the instruction limit counts every process, and nothing is left behind, paging or not.
 * (What they print is checked against qemu-aarch64 by {@link StudentProgramsTest}.)
 */
class ForkProgramsTest {
    @Test
    void forkBasicListsTheParentAndItsTwoChildren() {
        SosFixture fx = new SosFixture(true);
        var settled = fx.balance();
        ProgramResult r = Programs.run(fx, "fork_basic");

        assertThat(r.outcome()).as(Programs.describe(r)).isEqualTo(ProgramOutcome.EXITED);
        assertThat(r.console()).contains("parent: exited yes, exit status 7\n",
                "parent keeps: global 1, local 2, heap[63] 63, big pp, double 7.5\n", "child's double: 7.5\n", "vfork child: waited yes, exit status 3\n");
        List<ProcessSummary> ps = r.processes();
        assertThat(ps).hasSize(3);
        int first = ps.get(0).pid();
        assertThat(ps).extracting(ProcessSummary::pid).containsExactly(first, first + 1, first + 2);
        assertThat(ps).extracting(ProcessSummary::parent).containsExactly(0, first, first);
        assertThat(ps).extracting(ProcessSummary::outcomeText).containsExactly("exit 0", "exit 7", "exit 3");
        assertThat(ps.stream().mapToLong(ProcessSummary::instructions).sum()).isEqualTo(r.instructions());
        assertThat(r.systemCalls()).containsEntry("clone", 2L).containsEntry("wait4", 2L);
        assertThat(fx.sos.liveProcesses()).isZero();
        assertThat(fx.sos.linux().zombies()).isZero();
        assertThat(fx.balance()).isEqualTo(settled);
        fx.assertInvariants();
    }

    /**
     * fork_exec's three processes each exec exec_target: the run names both programs of each, the
     * status is the first process's new program's, the figures are the same under copy-on-write
     * and copying forks, and nothing is left behind, paging or not.
     */
    @ParameterizedTest
    @ValueSource(strings = {"cow", "copy", "paged"})
    void forkExecListsWhatEachProcessRanAndLeavesNothing(String mode) {
        SosFixture fx = mode.equals("paged")
                ? new SosFixture(true, new SosConfig(FrameTable.SEED_REF_BITS, 16, 4096, PolicyRegistry.defaultName()))
                : new SosFixture(true);
        if (mode.equals("copy")) {
            assertThat(fx.sos.setForkMode(ForkMode.COPY).isOk()).isTrue();
        }
        var settled = fx.balance();
        org.capbuddy.sos.exec.ProgramTable table = org.capbuddy.sos.exec.ProgramTable.empty()
                .with("bin/exec_target.elf", Programs.elf("exec_target")).value();
        ProgramResult r = new ProgramRunner(fx.sos).run(new ProgramRunner.Launch(Programs.elf("fork_exec"),
                List.of("bin/fork_exec.elf"), List.of(), new byte[0], 1, Programs.MAX_INSTRUCTIONS,
                org.capbuddy.aarch64.cpu.Interpreter.DEFAULT_TRANSLATE_AFTER, table));

        assertThat(r.outcome()).as(Programs.describe(r)).isEqualTo(ProgramOutcome.EXITED);
        assertThat(r.exitCode()).isEqualTo(44);
        assertThat(r.processes()).extracting(ProcessSummary::outcomeText).containsExactly("exit 44", "exit 43", "exit 42");
        assertThat(r.processes()).extracting(ProcessSummary::images).containsExactly(
                List.of("bin/fork_exec.elf", "./bin/../bin/exec_target.elf"),
                List.of("bin/fork_exec.elf", "bin/exec_target.elf"),
                List.of("bin/fork_exec.elf", "bin/exec_target.elf"));
        assertThat(r.processes()).extracting(ProcessSummary::execs).containsExactly(1, 1, 1);
        assertThat(r.systemCalls()).containsEntry("execve", 4L);
        assertThat(r.unknownSystemCalls()).isEmpty();
        assertThat(r.instructions()).isEqualTo(46_109);
        assertThat(fx.sos.liveProcesses()).isZero();
        assertThat(fx.sos.linux().zombies()).isZero();
        assertThat(fx.balance()).isEqualTo(settled);
        fx.assertInvariants();
    }

    @Test
    void aChildKilledByAFaultIsListedAsKilledBySigsegv() {
        SosFixture fx = new SosFixture(true);
        ProgramResult r = Programs.run(fx, "fork_wait");

        assertThat(r.outcome()).as(Programs.describe(r)).isEqualTo(ProgramOutcome.EXITED);
        assertThat(r.processes()).extracting(ProcessSummary::outcomeText)
                .containsExactly("exit 0", "exit 42", "killed by SIGSEGV", "exit 5", "exit 1", "exit 4", "exit 2");
        assertThat(r.console()).contains("sigsuspend until SIGCHLD: -1 EINTR, handler ran 1\n");
        assertThat(r.signalsDelivered()).containsEntry("SIGCHLD", 2L);
        assertThat(r.console()).contains("faulting child: signalled yes, signal 11, exited no\n");
        assertThat(fx.sos.liveProcesses()).isZero();
        assertThat(fx.sos.linux().zombies()).isZero();
    }

    @Test
    void childrenKilledByTheirParentAreListedAsKilledByItsSignals() {
        SosFixture fx = new SosFixture(true);
        var settled = fx.balance();
        ProgramResult r = Programs.run(fx, "fork_kill");

        assertThat(r.outcome()).as(Programs.describe(r)).isEqualTo(ProgramOutcome.EXITED);
        assertThat(r.processes()).extracting(ProcessSummary::outcomeText).containsExactly("exit 0",
                "killed by SIGTERM", "killed by SIGKILL", "exit 5", "killed by SIGKILL", "exit 7", "exit 3");
        assertThat(r.console()).contains("child in sigsuspend, SIGUSR2 (EINTR, handler, sender's pid): exited 7\n",
                "kill(zombie, SIGTERM): 0 ok\n", "kill(reaped child, 0): -1 ESRCH\n");
        assertThat(r.processes().get(1).killReport().reason()).contains("kill from process " + r.processes().get(0).pid());
        assertThat(fx.sos.liveProcesses()).isZero();
        assertThat(fx.sos.linux().zombies()).isZero();
        assertThat(fx.balance()).isEqualTo(settled);
        fx.assertInvariants();
    }

    @Test
    void aPipeCarriesMoreThanItHoldsEachWayAndTheChildsStatusCarriesTheChecksum() {
        SosFixture fx = new SosFixture(true);
        var settled = fx.balance();
        ProgramResult r = Programs.run(fx, "fork_pipe");

        assertThat(r.outcome()).as(Programs.describe(r)).isEqualTo(ProgramOutcome.EXITED);
        assertThat(r.console()).contains("child read 204800 bytes, 0 wrong", "match\n",
                "parent read 204800 bytes, 0 wrong, checksum as expected; writer exited 0\n");
        assertThat(r.processes()).extracting(ProcessSummary::outcomeText).containsExactly("exit 0", "exit 24", "exit 0");
        assertThat(r.systemCalls()).containsEntry("pipe2", 2L);
        assertThat(fx.sos.liveProcesses()).isZero();
        assertThat(fx.balance()).isEqualTo(settled);
        fx.assertInvariants();
    }

    @Test
    void aPipelineSendsOneProcesssStandardOutputToAnothersStandardInput() {
        SosFixture fx = new SosFixture(true);
        ProgramResult r = Programs.run(fx, "pipeline", "3");

        assertThat(r.outcome()).as(Programs.describe(r)).isEqualTo(ProgramOutcome.EXITED);
        assertThat(r.console()).isEqualTo(" 42 LINE 1 OF 3: THE QUICK BROWN FOX, 1 TIMES\n"
                + " 42 LINE 2 OF 3: THE QUICK BROWN FOX, 4 TIMES\n 42 LINE 3 OF 3: THE QUICK BROWN FOX, 9 TIMES\n"
                + "consumer: 3 lines, 126 bytes, then end of file\nproducer exited 0, consumer exited 0\n");
        assertThat(r.readStandardInput()).as("the consumer read the pipe").isFalse();
        assertThat(r.systemCalls()).containsEntry("dup3", 2L);
    }

    @Test
    void aProcessReadingItsOwnEmptyPipeIsADeadlockTheRunReports() {
        SosFixture fx = new SosFixture(true);
        var settled = fx.balance();
        ProgramResult r = Programs.run(fx, "pipe_errors", "deadlock");

        assertThat(r.outcome()).isEqualTo(ProgramOutcome.STOPPED);
        assertThat(r.detail()).startsWith("deadlock: every live process waits").contains("(pid ");
        assertThat(r.console()).isEqualTo("reading my own empty pipe\n");
        assertThat(fx.sos.liveProcesses()).isZero();
        assertThat(fx.balance()).isEqualTo(settled);
    }

    /**
     * fork_sigchld: a sibling's SIGCHLD with a handler, or its kill, ends the parent's wait for
     * another child (EINTR, or made again under SA_RESTART) with no deadlock, the default
     * (ignore) does not, the SIGCHLD's siginfo names the child and how it ended, and a child's
     * SIGCHLD reaches a parent that makes no system call (a spin that ends only when it has).
     */
    @Test
    void aSiblingsSignalEndsAWaitAndASigchldsSiginfoNamesTheChild() {
        SosFixture fx = new SosFixture(true);
        var settled = fx.balance();
        ProgramResult r = Programs.run(fx, "fork_sigchld");

        assertThat(r.outcome()).as(Programs.describe(r)).isEqualTo(ProgramOutcome.EXITED);
        assertThat(r.console()).contains("waitpid(A) while B exits, no SA_RESTART: -1 EINTR, handler ran 1\n",
                "waitpid(A) while B exits, SA_RESTART: the child, exited 7\n",
                "waitid(A) without SA_RESTART, B's SIGUSR1: -1 EINTR, handler ran 1\n",
                "a child killed by SIGTERM: si_signo SIGCHLD, si_code CLD_KILLED, si_status 15, si_pid the child yes\n",
                // a parent making no call: the child's SIGCHLD reaches it all the same
                "a child's exit while the parent spins: handler ran\n",
                "B's exit while the parent spins: handler ran; waitpid(A): the child, exited 7\n");
        List<String> ends = new ArrayList<>(List.of("exit 0"));
        for (int i = 0; i < 5; i++) {
            ends.addAll(List.of("exit 7", "exit 5"));
        }
        ends.addAll(List.of("exit 42", "exit 3", "killed by SIGTERM", "exit 3", "exit 7", "exit 5"));
        assertThat(r.processes()).extracting(ProcessSummary::outcomeText).isEqualTo(ends);
        assertThat(fx.sos.liveProcesses()).isZero();
        assertThat(fx.sos.linux().zombies()).isZero();
        assertThat(fx.balance()).isEqualTo(settled);
        fx.assertInvariants();
    }

    @Test
    void aTimerExpiringInAWaitInterruptsOrRestartsItOrKills() {
        SosFixture fx = new SosFixture(true);
        var settled = fx.balance();
        ProgramResult r = Programs.run(fx, "fork_alarm");

        assertThat(r.outcome()).as(Programs.describe(r)).isEqualTo(ProgramOutcome.EXITED);
        // no deadlock: each wait's own timer woke it (the clock jumped to the expiry)
        assertThat(r.console()).contains("wait4 without SA_RESTART: EINTR\n  then: child killed by signal 9\n",
                "wait4 with SA_RESTART: child killed by signal 9\n",
                "a child's alarm with the default action: child killed by signal 14\n",
                "wait4 with SIGALRM blocked: child exited 4\n  SIGALRM pending: yes, alarms taken: 0\n");
        // the middle process's 1 s alarm comes before its child's 3 s one, which a pause of that child
        // must not bring forward: the child's pipe end is still open once the middle one is reaped
        assertThat(r.console()).contains(
                "  its child still there then: yes\n  then its own alarm ended it: end of file\n");
        // a wait with its own timer armed ends for another process's signal sent first
        assertThat(r.console()).contains("pause: -1 EINTR, usr1 1 alrm 0, alarm left 2\n",
                "sigsuspend: -1 EINTR, usr1 1 alrm 0, alarm left 2\n");
        // its own timer ends a read of a pipe and a ppoll on it (no deadlock), a read restarted under SA_RESTART
        assertThat(r.console()).contains("a read of an empty pipe, alarm without SA_RESTART: -1 EINTR, alarms taken 1\n"
                + "  a poll of it: -1 EINTR, alarms taken 2\n"
                + "  with SA_RESTART: read 1 byte 'x' after the handler, alarms taken 3\n"
                + "the pipe reader: child exited 0\n");
        assertThat(r.processes()).extracting(ProcessSummary::outcomeText).containsExactly("exit 0",
                "killed by SIGKILL", "killed by SIGKILL", "killed by SIGALRM", "killed by SIGALRM", "exit 4",
                "exit 0", "exit 0", "exit 0");
        assertThat(r.processes().get(3).killReport().reason()).contains("when wait4 returned");
        assertThat(r.processes().get(4).killReport().reason()).contains("when ppoll returned");
        assertThat(fx.sos.liveProcesses()).isZero();
        assertThat(fx.balance()).isEqualTo(settled);
        fx.assertInvariants();
    }

    @Test
    void sharedMemoryIsSharedAndGoesBackWithItsLastProcess() {
        for (ForkMode mode : ForkMode.values()) {
            SosFixture fx = new SosFixture(true, new SosConfig(1 << 18).withForkMode(mode));
            var settled = fx.balance();
            ProgramResult r = Programs.run(fx, "fork_shared");

            assertThat(r.outcome()).as(Programs.describe(r)).isEqualTo(ProgramOutcome.EXITED);
            assertThat(r.console()).as("%s", mode).contains(
                    "parent sees counter 2, buffer \"written by the child\", private 1, late page 'C'\n",
                    "child sees the parent's later page 'P'\n",
                    "madvise shared: 0, counter 2, buffer \"written by the child\"\n",
                    "counter after the grandchild's 1000 and the child's 10: 1111\n");
            assertThat(fx.sos.pages().liveSharedObjects()).isZero();
            assertThat(fx.sos.pages().sharedFramesHeld()).isZero();
            assertThat(fx.balance()).isEqualTo(settled);
            fx.assertInvariants();
        }
    }

    @Test
    void sleepersBlockUntilTheRunsClockReachesThemAndTheClockJumpsWhenAllAreBlocked() {
        SosFixture fx = new SosFixture(true);
        var settled = fx.balance();
        ProgramResult r = Programs.run(fx, "fork_sleep");

        assertThat(r.outcome()).as(Programs.describe(r)).isEqualTo(ProgramOutcome.EXITED);
        // the shortest sleeper wakes first though it was forked last
        assertThat(r.console()).startsWith("child 2 woke after 100 ms\nchild 1 woke after 200 ms\n"
                + "child 0 woke after 300 ms\nreaped in order: 2 1 0\n");
        assertThat(r.console()).contains("a 10 s sleep ended by SIGCHLD: -1 EINTR, handler ran 1, more than 9 s left: yes");
        assertThat(r.processes()).hasSize(5);
        assertThat(fx.sos.liveProcesses()).isZero();
        assertThat(fx.balance()).isEqualTo(settled);
    }

    @Test
    void theSameRunInterleavesTheSameWay() {
        ProgramResult a = Programs.run(new SosFixture(true), "fork_many", "64");
        ProgramResult b = Programs.run(new SosFixture(true), "fork_many", "64");

        assertThat(a.console()).isEqualTo("forked 64 children, reaped 64, sum of their codes 2016, wrong 0\n");
        assertThat(a.processes()).hasSize(65).isEqualTo(b.processes());
        assertThat(a.instructions()).isEqualTo(b.instructions());
        assertThat(a.faultsHandled()).isEqualTo(b.faultsHandled());
    }

    @Test
    void theInstructionLimitCountsEveryProcessAndEndsThemAll() {
        SosFixture fx = new SosFixture(true);
        var settled = fx.balance();
        ProgramResult full = Programs.run(new SosFixture(true), "fork_tree");
        long limit = full.instructions() / 2;
        ProgramResult r = new ProgramRunner(fx.sos).run(Programs.launch(Programs.elf("fork_tree"),
                Programs.argv("fork_tree", List.of()), limit));

        assertThat(r.outcome()).isEqualTo(ProgramOutcome.INSTRUCTION_LIMIT);
        assertThat(r.instructions()).isEqualTo(limit);
        assertThat(r.processes().stream().mapToLong(ProcessSummary::instructions).sum()).isEqualTo(limit);
        assertThat(r.processes()).extracting(ProcessSummary::outcome).contains(ProgramOutcome.INSTRUCTION_LIMIT);
        assertThat(fx.sos.liveProcesses()).isZero();
        assertThat(fx.sos.linux().zombies()).isZero();
        assertThat(fx.balance()).isEqualTo(settled);
        fx.assertInvariants();
    }

    @Test
    void anEndedChildIsLetGoOfAndOnlyItsLineAndItsShareOfTheTotalsKept() {
        SosFixture fx = new SosFixture(true);
        ProgramRun run = new ProgramRunner(fx.sos).start(Programs.launch(Programs.elf("fork_many"),
                Programs.argv("fork_many", List.of("64")), Programs.MAX_INSTRUCTIONS)).run();
        while (!run.ended()) {
            run.advance(ProgramRun.QUANTUM);
            // the live ones, and the first once it has ended
            assertThat(run.heldProcesses()).isBetween(run.liveProcesses(), run.liveProcesses() + 1);
        }
        assertThat(run.heldProcesses()).as("the first, kept for the report").isEqualTo(1);
        ProgramResult r = run.finish(true);
        assertThat(r.processes()).hasSize(65);
        // the totals still count every process, the dropped ones included
        assertThat(Programs.totalCalls(r)).isEqualTo(r.processes().stream().mapToLong(ProcessSummary::systemCalls).sum());
        assertThat(r.systemCalls()).containsEntry("clone", 64L);
        assertThat(r.faultsHandled()).isEqualTo(r.processes().stream().mapToLong(ProcessSummary::faultsHandled).sum());
        ProgramResult whole = Programs.run(new SosFixture(true), "fork_many", "64");
        assertThat(r.systemCalls()).isEqualTo(whole.systemCalls());
        assertThat(r.faultsHandled()).isEqualTo(whole.faultsHandled());
        // (translation depends on how the run was sliced: a whole run's is not this one's)
        assertThat(r.translated().instructions()).isPositive().isLessThanOrEqualTo(r.instructions());
    }

    /**
     * Step mode's "next to run" and the view's process: at every instruction of runs that wait,
     * block and sleep, the pid named before a step is the one whose instruction the step runs.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"fork_tree", "fork_sleep", "fork_wait", "fork_alarm", "fork_sigchld"})
    void thePidNamedAsNextToRunIsTheOneThatRuns(String name) {
        SosFixture fx = new SosFixture(true);
        ProgramRun run = new ProgramRunner(fx.sos).start(Programs.launch(Programs.elf(name),
                Programs.argv(name, List.of()), Programs.MAX_INSTRUCTIONS)).run();
        int checked = 0;
        while (!run.ended()) {
            int named = run.currentPid();
            assertThat(run.process().pid()).isEqualTo(named);
            Map<Integer, Long> before = instructionsByPid(run);
            long pc = run.pc();
            assertThat(run.advance(1)).isEqualTo(1);
            Map<Integer, Long> after = instructionsByPid(run);
            List<Integer> ran = after.keySet().stream()
                    .filter(pid -> after.get(pid) > before.getOrDefault(pid, 0L)).toList();
            if (!ran.equals(List.of(named))) {
                // its instruction did not retire: it faulted and was killed, and the next ran
                assertThat(outcomeOf(run, named)).as("pid %d at pc 0x%x", named, pc).isEqualTo(ProgramOutcome.KILLED);
                assertThat(after.get(named)).isEqualTo(before.get(named));
            }
            checked++;
        }
        assertThat(run.finish(true).outcome()).isEqualTo(ProgramOutcome.EXITED);
        assertThat(checked).isEqualTo(run.instructions());
        assertThat(run.process().pid()).as("none runs: the first").isEqualTo(run.firstProcess().pid());
    }

    private static ProgramOutcome outcomeOf(ProgramRun run, int pid) {
        return run.processes().stream().filter(p -> p.pid() == pid).findFirst().orElseThrow().outcome();
    }

    private static Map<Integer, Long> instructionsByPid(ProgramRun run) {
        Map<Integer, Long> by = new HashMap<>();
        run.processes().forEach(p -> by.put(p.pid(), p.instructions()));
        return by;
    }

    /** A frame table a few pages larger than a process: the copies and the children page out and in. */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"fork_basic", "fork_tree"})
    void forkedProgramsPrintTheSameWhenSosPages(String name) {
        ProgramResult plain = Programs.run(new SosFixture(true), name);
        SosFixture fx = new SosFixture(true, new SosConfig(FrameTable.SEED_REF_BITS, 12, 4096,
                PolicyRegistry.defaultName()));
        var settled = fx.balance();
        ProgramResult paged = Programs.run(fx, name);

        assertThat(paged.outcome()).as(Programs.describe(paged)).isEqualTo(ProgramOutcome.EXITED);
        assertThat(paged.console()).isEqualTo(plain.console());
        assertThat(fx.sos.pages().pageOuts()).as("it paged").isPositive();
        assertThat(fx.sos.liveProcesses()).isZero();
        assertThat(fx.balance()).isEqualTo(settled);
        fx.assertInvariants();
    }

    /**
     * Every fork program in programs/bin under both fork modes: the same console, outcome and
     * exit status, each process ending alike, and the same instructions (the scheduler turns by
     * them, so the interleaving too); cow shares pages where copy copies them, and both leave
     * nothing behind.
     */
    @Test
    void everyForkProgramRunsTheSameUnderCopyAndCopyOnWrite() throws java.io.IOException {
        List<String> names;
        try (var files = java.nio.file.Files.list(TestElf.PROGRAMS)) {
            names = files.map(f -> f.getFileName().toString()).filter(f -> f.startsWith("fork_") && f.endsWith(".elf"))
                    .map(f -> f.substring(0, f.length() - ".elf".length())).sorted().toList();
        }
        assertThat(names).as("the fork programs").contains("fork_basic", "fork_wait", "fork_tree", "fork_many",
                "fork_sleep", "fork_waitid", "fork_shared", "fork_alarm", "fork_sigchld");
        for (String name : names) {
            SosFixture cowFx = new SosFixture(true);
            assertThat(cowFx.sos.forkMode()).isEqualTo(ForkMode.COW);
            var cowSettled = cowFx.balance();
            ProgramResult cow = Programs.run(cowFx, name);
            SosFixture copyFx = new SosFixture(true, new SosConfig(1 << 18).withForkMode(ForkMode.COPY));
            var copySettled = copyFx.balance();
            ProgramResult copy = Programs.run(copyFx, name);

            assertThat(cow.outcome()).as(name + ": " + Programs.describe(cow)).isEqualTo(ProgramOutcome.EXITED);
            assertThat(copy.outcome()).as(name).isEqualTo(cow.outcome());
            assertThat(copy.exitCode()).as(name).isEqualTo(cow.exitCode());
            assertThat(copy.console()).as(name).isEqualTo(cow.console());
            assertThat(copy.instructions()).as(name).isEqualTo(cow.instructions());
            assertThat(copy.processes()).extracting(ProcessSummary::outcomeText).as(name)
                    .isEqualTo(cow.processes().stream().map(ProcessSummary::outcomeText).toList());
            assertThat(cowFx.sos.pages().pagesShared()).as(name + ": cow shares").isPositive();
            assertThat(copyFx.sos.pages().pagesShared()).as(name + ": copy does not").isZero();
            assertThat(cowFx.balance()).as(name).isEqualTo(cowSettled);
            assertThat(copyFx.balance()).as(name).isEqualTo(copySettled);
            cowFx.assertInvariants();
            copyFx.assertInvariants();
        }
    }
}
