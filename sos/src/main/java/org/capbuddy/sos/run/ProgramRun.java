package org.capbuddy.sos.run;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.capbuddy.aarch64.cpu.Exit;
import org.capbuddy.aarch64.cpu.Registers;
import org.capbuddy.aarch64.elf.ElfSymbols;
import org.capbuddy.kernel.api.PagingWalk;
import org.capbuddy.kernel.cpu.RunResult;
import org.capbuddy.kernel.cpu.ThreadRunner;
import org.capbuddy.kernel.host.AssuredHeadroom;
import org.capbuddy.kernel.trace.Tracer;
import org.capbuddy.sos.Sos;
import org.capbuddy.sos.addrspace.Layout;
import org.capbuddy.sos.inspect.CallChain;
import org.capbuddy.sos.inspect.CodeNames;
import org.capbuddy.sos.inspect.ProcessDump;
import org.capbuddy.sos.inspect.StopReport;
import org.capbuddy.sos.linux.LinuxProcess;
import org.capbuddy.sos.linux.LinuxSyscall;
import org.capbuddy.sos.linux.LinuxSyscalls;
import org.capbuddy.sos.process.Process;
import org.capbuddy.sos.process.ProcessState;

/**
 * A program started in an SOS process ({@link ProgramRunner#start}) and run in pieces of any size,
 * down to one instruction: between pieces its process, registers, page tables and SOS's state can
 * be inspected, as a debugger would between steps. {@link #finish} collects the
 * {@link ProgramResult}, as one uninterrupted run would have given it.
 *
 * <p>The processes the program forks, and theirs, run in the same run, scheduled round robin in
 * the order they were made: each runs a quantum of {@link #QUANTUM} instructions in turn (fewer
 * when it blocks or ends), so the same run interleaves the same way every time. A process blocked
 * waiting for a child (wait4, a vfork parent, a pause a child's signal may end) is skipped until a
 * child's end resumes it; one asleep, until the run's clock reaches its wake time; one blocked on a
 * pipe or in a ppoll on descriptors, until its turn finds it can go on. The clock moves
 * a millisecond per system call of any process; when every live process is blocked and one
 * sleeps, it jumps to the earliest wake time. The run
 * ends when every process has ended, or at the instruction limit, which counts the instructions
 * of them all; or, should every live process wait for another forever, at that deadlock, with a
 * report. An ended child's SOS process is destroyed at once (every frame given back), its wait
 * status kept for its parent; the process the run started is kept until {@link #finish}. Of an
 * ended process the run keeps only its {@link ProcessSummary} and its share of the run's totals
 * (calls, translation), so a run that forks and reaps thousands of processes holds no more than a
 * line for each. A process that execs goes on under its pid with the new image's process and
 * runner (the old ones are gone); its line names every program it ran.
 */
public final class ProgramRun {
    /**
     * Entries a killed program's backtrace keeps: every real chain, folded, is far shorter; a mutual
     * recursion that overflowed the stack would otherwise keep one per frame.
     */
    static final int KILL_BACKTRACE_ENTRIES = 1024;
    /** Instructions a process runs before the next runnable one gets its turn. */
    public static final long QUANTUM = 10_000;

    /**
     * A process of the run: its runner, its Linux state, what it ran, and how it ended once it has.
     * A forked one's process, state and runner are dropped when it ends (its summary stays).
     */
    private static final class Member {
        final int pid;
        Process process;
        final int parent;
        LinuxProcess linux;
        ThreadRunner runner;
        /** The programs it ran: the one it started with, then each it exec'd. */
        final List<String> images = new ArrayList<>();
        long instructions;
        long faults;
        /** Set once it has ended (or stopped for good): its line in the report. */
        ProcessSummary summary;

        Member(Process process, int parent, LinuxProcess linux, ThreadRunner runner, List<String> images) {
            this.pid = process.pid();
            this.process = process;
            this.parent = parent;
            this.linux = linux;
            this.runner = runner;
            this.images.addAll(images);
        }

        boolean done() {
            return summary != null;
        }
    }

    /** What the run's ended and dropped processes made, for the run's totals. */
    private final Map<LinuxSyscall, Long> droppedCalls = new TreeMap<>();
    private final Map<Long, Long> droppedUnknownCalls = new TreeMap<>();
    private final Map<String, Long> droppedRefused = new TreeMap<>();
    private TranslationCounts droppedTranslated = TranslationCounts.NONE;

    private final Sos sos;
    private final ProgramRunner.Launch launch;
    /** The process the run started, and its runner: another process and runner once it has exec'd. */
    private Process process;
    private final LinuxProcess linux;
    private ThreadRunner runner;
    /** The program the first process runs now (its symbols name a kill's function). */
    private byte[] firstElf;
    /** Every process of the run, by pid (the first is the one it started). */
    private final List<Member> members = new ArrayList<>();
    /** The member whose turn it is, and what is left of its quantum. */
    private int turn;
    private long quantumLeft = QUANTUM;
    /** Why every live process waits forever, once they do; null otherwise. */
    private String deadlock;
    private final long initialSp;
    private final long framesBefore;
    private final long structuresBefore;
    private long executed;
    /** The execve calls that replaced a process's program so far, in every process of the run. */
    private int execs;
    private boolean stopped;
    private String detail;
    private ProgramResult result;
    /** What the program has written to the console so far, once taken from SOS by {@link #newOutput}. */
    private final StringBuilder console = new StringBuilder();

    ProgramRun(Sos sos, ProgramRunner.Launch launch, Process process, LinuxProcess linux, ThreadRunner runner,
            long framesBefore, long structuresBefore) {
        this.sos = sos;
        this.launch = launch;
        this.process = process;
        this.linux = linux;
        this.runner = runner;
        this.initialSp = runner.context().sp();
        this.framesBefore = framesBefore;
        this.structuresBefore = structuresBefore;
        this.firstElf = launch.elf();
        members.add(new Member(process, 0, linux, runner, List.of(launch.argv().get(0))));
    }

    /**
     * Runs at most {@code budget} more instructions (fewer when the program exits, is killed, stops
     * or reaches its instruction limit) and returns how many retired; 0 once it has ended or when
     * {@code budget} is not positive.
     */
    public long advance(long budget) {
        if (ended() || budget < ThreadRunner.SCOPED_BUDGET) {
            return turns(budget, null); // a debugger's steps: each fault probes for itself, as run does
        }
        try (AssuredHeadroom turns = runner.assureTurns()) {
            return turns(budget, turns);
        }
    }

    /** {@link #advance}'s turns, each under {@code turns} (null: each probes for itself). */
    private long turns(long budget, AssuredHeadroom turns) {
        long done = 0;
        while (!ended() && done < budget) {
            Member m = current();
            if (m == null) {
                deadlock = deadlockReport();
                break;
            }
            long room = Math.min(budget - done, launch.maxInstructions() - executed);
            room = Math.min(room, quantumLeft);
            // the kernel's events in the slice (its faults, the invocations they cause) are this process's
            Tracer tracer = sos.tracer();
            tracer.serve(m.process);
            RunResult slice;
            try {
                slice = m.runner.runTurn(room, turns);
            } finally {
                tracer.endService();
            }
            executed += slice.instructions();
            m.instructions += slice.instructions();
            done += slice.instructions();
            quantumLeft -= slice.instructions();
            for (Process child : sos.linux().takeForked(m.process)) {
                ThreadRunner r = sos.runner(child).orElseThrow();
                r.interpreter().translateAfter(launch.translateAfter());
                members.add(new Member(child, m.process.pid(), sos.linux().state(child), r,
                        List.of(m.images.get(m.images.size() - 1))));
            }
            LinuxSyscalls.Exec exec = sos.linux().takeExec(m.process);
            if (exec != null) {
                swapImage(m, exec);
            }
            if (slice.stop() == RunResult.Stop.STOPPED && exec == null && !sos.linux().blocked(m.process)
                    || exec != null && m.process.state() != ProcessState.RUNNING) {
                end(m, exec == null ? slice.detail() : m.process.killReport() == null ? "stopped"
                        : m.process.killReport().toString());
            }
            // a process another one killed (a signal's default action) ends as if it had run
            for (int i = 0; i < members.size(); i++) {
                Member other = members.get(i);
                if (other != m && !other.done() && other.process.state() != ProcessState.RUNNING) {
                    end(other, other.process.killReport() == null ? "stopped" : other.process.killReport().toString());
                }
            }
            if (m.done() || sos.linux().blocked(m.process) || quantumLeft <= 0) {
                turn = (turn + 1) % members.size();
                quantumLeft = QUANTUM;
            }
        }
        return done;
    }

    /**
     * {@code m} exec'd: its old process and runner are gone, the new image's run on under its pid.
     * What the old runner translated stays in the run's totals.
     */
    private void swapImage(Member m, LinuxSyscalls.Exec exec) {
        execs++;
        droppedTranslated = droppedTranslated.plus(TranslationCounts.of(m.runner.interpreter()));
        boolean first = m.process == process;
        m.process = exec.image();
        m.runner = sos.runner(exec.image()).orElseThrow();
        m.runner.interpreter().translateAfter(launch.translateAfter());
        m.images.add(exec.path());
        if (first) {
            process = m.process;
            runner = m.runner;
            firstElf = exec.elf();
        }
    }

    /** The member to run now: the one whose turn it is, or the next that can run; null when none can. */
    private Member current() {
        while (true) {
            for (int i = 0; i < members.size(); i++) {
                int at = (turn + i) % members.size();
                Member m = members.get(at);
                // a sleeper whose time has come is woken here
                if (!m.done() && sos.linux().runnable(m.process)) {
                    if (at != turn) {
                        turn = at;
                        quantumLeft = QUANTUM;
                    }
                    return m;
                }
            }
            // every live process is blocked: time passes to the earliest wake, if any sleeps
            List<Process> live = new ArrayList<>();
            for (Member m : members) {
                if (!m.done()) {
                    live.add(m.process);
                }
            }
            if (live.isEmpty() || !sos.linux().jumpToEarliestWake(live)) {
                return null;
            }
        }
    }

    /**
     * {@code m}'s thread stopped: it exited, was killed, or stopped for another reason. Its parent
     * learns of it (SIGCHLD, a zombie, a wait resumed); a forked process is destroyed now, the
     * run's first kept for {@link #finish}.
     */
    private void end(Member m, String why) {
        m.faults = m.process.faultsHandled();
        m.summary = summary(m, outcomeOf(m.process, ProgramOutcome.STOPPED));
        if (m.process == process) {
            stopped = true;
            detail = why;
        }
        sos.linux().ended(m.process);
        if (m.process != process) {
            sos.destroy(m.process);
            drop(m);
        }
    }

    /** Keeps what an ended forked member adds to the run's totals and lets go of its objects. */
    private void drop(Member m) {
        m.linux.calls().forEach((call, n) -> droppedCalls.merge(call, n, Long::sum));
        m.linux.unknownCalls().forEach((call, n) -> droppedUnknownCalls.merge(call, n, Long::sum));
        m.linux.refusedCalls().forEach((what, n) -> droppedRefused.merge(what, n, Long::sum));
        droppedTranslated = droppedTranslated.plus(TranslationCounts.of(m.runner.interpreter()));
        m.process = null;
        m.linux = null;
        m.runner = null;
    }

    private static ProgramOutcome outcomeOf(Process p, ProgramOutcome otherwise) {
        return p.state() == ProcessState.EXITED ? ProgramOutcome.EXITED
                : p.state() == ProcessState.KILLED ? ProgramOutcome.KILLED : otherwise;
    }

    private static ProcessSummary summary(Member m, ProgramOutcome outcome) {
        return new ProcessSummary(m.process.pid(), m.parent, outcome,
                outcome == ProgramOutcome.EXITED ? m.process.exitCode() : -1, m.process.killReport(), m.instructions,
                m.faults, m.linux.totalCalls(), m.images);
    }

    private String deadlockReport() {
        StringBuilder waiting = new StringBuilder();
        for (Member m : members) {
            if (!m.done()) {
                waiting.append(waiting.length() == 0 ? "" : ", ").append("pid ").append(m.pid);
            }
        }
        return "deadlock: every live process waits for something no other can give (" + waiting + ")";
    }

    /**
     * True once the run can go no further: every process has ended (exited, killed, stopped), the
     * instruction limit is reached, or every live process waits forever.
     */
    public boolean ended() {
        if (result != null || deadlock != null || executed >= launch.maxInstructions()) {
            return true;
        }
        for (Member m : members) {
            if (!m.done()) {
                return false;
            }
        }
        return true;
    }

    /** The pid of the process that runs next (the one a step mode follows): {@link #process()}'s. */
    public int currentPid() {
        return followed().pid;
    }

    /** The processes of the run so far, by pid, with how each ended (null outcome lines for those still running). */
    public List<ProcessSummary> processes() {
        List<ProcessSummary> all = new ArrayList<>();
        for (Member m : members) {
            all.add(m.done() ? m.summary : new ProcessSummary(m.pid, m.parent,
                    atInstructionLimit() ? ProgramOutcome.INSTRUCTION_LIMIT : ProgramOutcome.STOPPED, -1, null,
                    m.instructions, m.process.faultsHandled(), m.linux.totalCalls(), m.images));
        }
        return all;
    }

    /** Processes whose objects (SOS process, Linux state, runner) the run holds: the live ones and the first. */
    int heldProcesses() {
        int n = 0;
        for (Member m : members) {
            n += m.process != null ? 1 : 0;
        }
        return n;
    }

    /** Live processes of the run now. */
    public int liveProcesses() {
        int n = 0;
        for (Member m : members) {
            n += m.done() ? 0 : 1;
        }
        return n;
    }

    /** True when the program has run as many instructions as its launch allows (and so has ended). */
    public boolean atInstructionLimit() {
        return executed >= launch.maxInstructions();
    }

    /** Instructions retired so far. */
    public long instructions() {
        return executed;
    }

    /** System calls the run's processes have made so far, served or not (ENOSYS), as its result will count them. */
    public long systemCalls() {
        long n = 0;
        for (Member m : members) {
            n += m.linux != null ? m.linux.totalCalls() : m.summary.systemCalls();
        }
        return n;
    }

    /**
     * The process that runs next: the one the run started until it forks, then the one
     * {@link #advance} will run first (a step mode follows it), or the first when none will.
     * Alive until it ends (a forked one) or {@link #finish} tears it down (the first).
     */
    public Process process() {
        return followed().process;
    }

    /** The process the run started. */
    public Process firstProcess() {
        return process;
    }

    /** The member a step mode follows: the one {@link #advance} will run first, else (none will) the first. */
    private Member followed() {
        Member next = ended() ? null : next();
        return next != null ? next : members.get(0);
    }

    /**
     * The member {@link #current} would choose now, found without its side effects: a sleeper
     * whose time has come is not woken, and the clock does not jump. From the turn on, the first
     * live member that is not blocked, or asleep with its wake time come; when every live one is
     * blocked, the sleeper whose wake time is earliest (the first from the turn on among equals),
     * which is the one current() wakes after moving the clock there. Null when none would run (a
     * deadlock).
     */
    private Member next() {
        int n = members.size();
        for (int i = 0; i < n; i++) {
            Member m = members.get((turn + i) % n);
            if (!m.done() && sos.linux().wouldRun(m.process)) {
                return m;
            }
        }
        Member first = null;
        long earliest = Long.MAX_VALUE;
        for (int i = 0; i < n; i++) {
            Member m = members.get((turn + i) % n);
            OptionalLong wake = m.done() ? OptionalLong.empty() : sos.linux().wakeTime(m.process);
            if (wake.isPresent() && (first == null || wake.getAsLong() < earliest)) {
                first = m;
                earliest = wake.getAsLong();
            }
        }
        return first;
    }

    /** How many times a process of the run has exec'd another program so far. */
    public int execs() {
        return execs;
    }

    /** The address of the next instruction of {@link #process()}. */
    public long pc() {
        return followed().runner.context().pc();
    }

    /** A copy of {@link #process()}'s registers now. */
    public Registers registers() {
        return followed().runner.context().snapshot();
    }

    /**
     * What the program has written to the console since the last call (it is also kept for the
     * result), as a terminal shows output while a program runs.
     */
    public String newOutput() {
        String text = sos.takeConsole();
        console.append(text);
        return text;
    }

    /** The SOS the program runs in, for its dumps. */
    public Sos sos() {
        return sos;
    }

    /**
     * Ends the run where it is (running it no further) and collects its result; the process is
     * torn down when {@code tearDown}, else kept for inspection until {@link Sos#destroy}. Asking
     * again returns the same result and does nothing.
     */
    public ProgramResult finish(boolean tearDown) {
        if (result != null) {
            return result;
        }
        ProgramOutcome outcome;
        if (process.state() == ProcessState.EXITED) {
            outcome = ProgramOutcome.EXITED;
        } else if (process.state() == ProcessState.KILLED) {
            outcome = ProgramOutcome.KILLED;
        } else {
            outcome = executed >= launch.maxInstructions() ? ProgramOutcome.INSTRUCTION_LIMIT : ProgramOutcome.STOPPED;
        }
        List<ProcessSummary> lines = processes();
        // the run's calls, faults and translation over all its processes (one of them, unforked)
        Map<LinuxSyscall, Long> byCall = new TreeMap<>();
        Map<Long, Long> unknownCalls = new TreeMap<>();
        Map<String, Long> refused = new TreeMap<>();
        long faults = 0;
        droppedCalls.forEach((call, n) -> byCall.merge(call, n, Long::sum));
        droppedUnknownCalls.forEach((call, n) -> unknownCalls.merge(call, n, Long::sum));
        droppedRefused.forEach((what, n) -> refused.merge(what, n, Long::sum));
        TranslationCounts translated = droppedTranslated;
        for (Member m : members) {
            faults += m.done() ? m.faults : m.process.faultsHandled();
            if (m.linux == null) {
                continue; // ended and dropped: counted above
            }
            m.linux.calls().forEach((call, n) -> byCall.merge(call, n, Long::sum));
            m.linux.unknownCalls().forEach((call, n) -> unknownCalls.merge(call, n, Long::sum));
            m.linux.refusedCalls().forEach((what, n) -> refused.merge(what, n, Long::sum));
            translated = translated.plus(TranslationCounts.of(m.runner.interpreter()));
        }
        // children still running when the run ended (at its limit) go now, the first at teardown
        for (Member m : members) {
            if (!m.done() && m.process != process) {
                sos.linux().endedAtTeardown(m.process);
                sos.destroy(m.process);
            }
        }
        Map<String, Long> calls = new LinkedHashMap<>();
        for (Map.Entry<LinuxSyscall, Long> e : byCall.entrySet()) {
            calls.put(e.getKey().linuxName(), e.getValue());
        }
        // a stack page SOS paged out was reached all the same
        long lowestStack = Stream.concat(process.shadow().pageAddresses().stream(),
                        process.shadow().pagedOutAddresses(Layout.STACK_BASE, Layout.STACK_TOP).stream())
                .filter(va -> va >= Layout.STACK_BASE && va < Layout.STACK_TOP).min(Long::compare).orElse(0L);
        String why = deadlock != null && outcome != ProgramOutcome.EXITED && outcome != ProgramOutcome.KILLED ? deadlock
                : detail != null ? detail : switch (outcome) {
            case STOPPED -> "stopped before the end";
            // where it was: a loop that never ends is found by its pc
            case INSTRUCTION_LIMIT -> String.format("the limit of %,d instructions ran out at pc 0x%x",
                    launch.maxInstructions(), runner.context().pc());
            default -> null;
        };
        result = new ProgramResult(outcome, outcome == ProgramOutcome.EXITED ? process.exitCode() : -1,
                process.killReport(), why, console.append(sos.takeConsole()).toString(), executed, calls,
                Map.copyOf(unknownCalls), faults, sos.pages().framesMapped() - framesBefore,
                sos.pages().structuresCreated() - structuresBefore, runner.context().pc(), initialSp, lowestStack,
                linux.mmapAddresses(), translated,
                outcome == ProgramOutcome.KILLED ? stopReport() : null, Map.copyOf(refused), linux.signalsDelivered(),
                List.copyOf(lines), linux.readStandardInput(), outcome == ProgramOutcome.KILLED
                        ? ElfSymbols.of(firstElf).describe(runner.context().pc()).orElse(null) : null);
        if (tearDown) {
            sos.destroy(process);
        }
        return result;
    }

    /** Where the killed process stopped: read before teardown, while its tables still exist. */
    private StopReport stopReport() {
        long pc = runner.context().pc();
        long address = process.killReport() != null ? process.killReport().address() : pc;
        boolean fetched = runner.interpreter().exit() != Exit.PREFETCH_ABORT;
        Registers registers = runner.context().snapshot();
        ElfSymbols symbols = ElfSymbols.of(firstElf);
        // read for inspection, not through SOS's window: the report must not change the run's figures
        CallChain calls = CallChain.walk(registers, at -> sos.peek(process, at, 8),
                at -> CodeNames.describe(symbols, process.addressSpace(), at).orElse(null),
                KILL_BACKTRACE_ENTRIES);
        return new StopReport(pc, fetched, fetched ? runner.interpreter().exitWord() : 0, calls, registers,
                sos.walk(process, address).orElse(new PagingWalk(address, 0, List.of())),
                process.addressSpace().regions().stream().map(ProcessDump.RegionLine::of).toList());
    }
}
