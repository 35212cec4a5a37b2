package org.capbuddy.sos.run;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.capbuddy.aarch64.cpu.Exit;
import org.capbuddy.aarch64.cpu.Registers;
import org.capbuddy.aarch64.elf.ElfSymbols;
import org.capbuddy.kernel.api.PagingWalk;
import org.capbuddy.kernel.cpu.RunResult;
import org.capbuddy.kernel.cpu.ThreadRunner;
import org.capbuddy.kernel.trace.Tracer;
import org.capbuddy.sos.Sos;
import org.capbuddy.sos.addrspace.Layout;
import org.capbuddy.sos.inspect.CallChain;
import org.capbuddy.sos.inspect.ProcessDump;
import org.capbuddy.sos.inspect.StopReport;
import org.capbuddy.sos.linux.LinuxProcess;
import org.capbuddy.sos.linux.LinuxSyscall;
import org.capbuddy.sos.process.Process;
import org.capbuddy.sos.process.ProcessState;

/**
 * A program started in an SOS process ({@link ProgramRunner#start}) and run in pieces of any size,
 * down to one instruction: between pieces its process, registers, page tables and SOS's state can
 * be inspected, as a debugger would between steps. {@link #finish} collects the
 * {@link ProgramResult}, as one uninterrupted run would have given it.
 */
public final class ProgramRun {
    /**
     * Entries a killed program's backtrace keeps: every real chain, folded, is far shorter; a mutual
     * recursion that overflowed the stack would otherwise keep one per frame.
     */
    static final int KILL_BACKTRACE_ENTRIES = 1024;

    private final Sos sos;
    private final ProgramRunner.Launch launch;
    private final Process process;
    private final LinuxProcess linux;
    private final ThreadRunner runner;
    private final long initialSp;
    private final long framesBefore;
    private final long structuresBefore;
    private long executed;
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
    }

    /**
     * Runs at most {@code budget} more instructions (fewer when the program exits, is killed, stops
     * or reaches its instruction limit) and returns how many retired; 0 once it has ended or when
     * {@code budget} is not positive.
     */
    public long advance(long budget) {
        if (ended() || budget <= 0) {
            return 0;
        }
        // the kernel's events in the slice (its faults, the invocations they cause) are this process's
        Tracer tracer = sos.tracer();
        tracer.serve(process);
        RunResult slice;
        try {
            slice = runner.run(Math.min(budget, launch.maxInstructions() - executed));
        } finally {
            tracer.endService();
        }
        executed += slice.instructions();
        if (slice.stop() == RunResult.Stop.STOPPED) {
            stopped = true;
            detail = slice.detail();
        }
        return slice.instructions();
    }

    /** True once the program can run no further: it exited, was killed, stopped, or reached its limit. */
    public boolean ended() {
        return stopped || executed >= launch.maxInstructions() || result != null;
    }

    /** True when the program has run as many instructions as its launch allows (and so has ended). */
    public boolean atInstructionLimit() {
        return executed >= launch.maxInstructions();
    }

    /** Instructions retired so far. */
    public long instructions() {
        return executed;
    }

    /** System calls the program has made so far, served or not (ENOSYS), as its result will count them. */
    public long systemCalls() {
        long n = 0;
        for (long c : linux.calls().values()) {
            n += c;
        }
        for (long c : linux.unknownCalls().values()) {
            n += c;
        }
        return n;
    }

    /** The process the program runs in (alive until {@link #finish} tears it down). */
    public Process process() {
        return process;
    }

    /** The address of the next instruction. */
    public long pc() {
        return runner.context().pc();
    }

    /** A copy of the program's registers now. */
    public Registers registers() {
        return runner.context().snapshot();
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
        Map<String, Long> calls = new LinkedHashMap<>();
        for (Map.Entry<LinuxSyscall, Long> e : new TreeMap<>(linux.calls()).entrySet()) {
            calls.put(e.getKey().linuxName(), e.getValue());
        }
        // a stack page SOS paged out was reached all the same
        long lowestStack = Stream.concat(process.shadow().pageAddresses().stream(),
                        process.shadow().pagedOutAddresses(Layout.STACK_BASE, Layout.STACK_TOP).stream())
                .filter(va -> va >= Layout.STACK_BASE && va < Layout.STACK_TOP).min(Long::compare).orElse(0L);
        String why = detail != null ? detail : switch (outcome) {
            case STOPPED -> "stopped before the end";
            // where it was: a loop that never ends is found by its pc
            case INSTRUCTION_LIMIT -> String.format("the limit of %,d instructions ran out at pc 0x%x",
                    launch.maxInstructions(), runner.context().pc());
            default -> null;
        };
        result = new ProgramResult(outcome, outcome == ProgramOutcome.EXITED ? process.exitCode() : -1,
                process.killReport(), why, console.append(sos.takeConsole()).toString(), executed, calls, linux.unknownCalls(),
                process.faultsHandled(), sos.pages().framesMapped() - framesBefore,
                sos.pages().structuresCreated() - structuresBefore, runner.context().pc(), initialSp, lowestStack,
                linux.mmapAddresses(), runner.interpreter().translatedInstructions(),
                runner.interpreter().translatedBlocks(), outcome == ProgramOutcome.KILLED ? stopReport() : null,
                linux.refusedCalls(), linux.signalsDelivered());
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
        ElfSymbols symbols = ElfSymbols.of(launch.elf());
        // read for inspection, not through SOS's window: the report must not change the run's figures
        CallChain calls = CallChain.walk(registers, at -> sos.peek(process, at, 8),
                at -> org.capbuddy.sos.inspect.CodeNames.describe(symbols, process.addressSpace(), at).orElse(null),
                KILL_BACKTRACE_ENTRIES);
        return new StopReport(pc, fetched, fetched ? runner.interpreter().exitWord() : 0, calls, registers,
                sos.walk(process, address).orElse(new PagingWalk(address, 0, List.of())),
                process.addressSpace().regions().stream().map(ProcessDump.RegionLine::of).toList());
    }
}
