package org.capbuddy.sos.run;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.capbuddy.aarch64.cpu.Exit;
import org.capbuddy.aarch64.cpu.Interpreter;
import org.capbuddy.kernel.api.PagingWalk;
import org.capbuddy.kernel.cpu.RunResult;
import org.capbuddy.kernel.cpu.ThreadRunner;
import org.capbuddy.libos.vka.Result;
import org.capbuddy.sos.Sos;
import org.capbuddy.sos.addrspace.Layout;
import org.capbuddy.sos.inspect.ProcessDump;
import org.capbuddy.sos.inspect.StopReport;
import org.capbuddy.sos.linux.LinuxProcess;
import org.capbuddy.sos.linux.LinuxSyscall;
import org.capbuddy.sos.process.Process;
import org.capbuddy.sos.process.ProcessState;

/**
 * Runs a static AArch64 ELF program in SOS from start to end: spawns it (its image mapped on
 * demand, its stack built), gives it standard input and a seed, runs its thread on the interpreter
 * until it exits, is killed or reaches the instruction limit, collects a {@link ProgramResult}
 * and, when asked, tears the process down.
 */
public final class ProgramRunner {
    /** Instructions per call into the interpreter: the limit is checked between slices. */
    private static final long SLICE = 1L << 22;

    private final Sos sos;

    public ProgramRunner(Sos sos) {
        this.sos = sos;
    }

    /**
     * What to run and how.
     *
     * @param translateAfter the interpreter translates a block of the program into a JVM method at
     *     its this-many-th entry; 0 interprets every instruction (see {@link Interpreter#translateAfter})
     */
    public record Launch(byte[] elf, List<String> argv, List<String> envp, byte[] stdin, long seed,
            long maxInstructions, int translateAfter) {
        public Launch {
            argv = List.copyOf(argv);
            envp = List.copyOf(envp);
            stdin = stdin.clone();
        }

        /** A launch with the interpreter's default translation. */
        public Launch(byte[] elf, List<String> argv, List<String> envp, byte[] stdin, long seed, long maxInstructions) {
            this(elf, argv, envp, stdin, seed, maxInstructions, Interpreter.DEFAULT_TRANSLATE_AFTER);
        }
    }

    /** A finished run and the process it ran in (null when teardown was asked for or it never started). */
    public record Finished(ProgramResult result, Process process) {
    }

    /** Runs {@code launch} and tears its process down. */
    public ProgramResult run(Launch launch) {
        Finished finished = run(launch, true);
        return finished.result();
    }

    /** Runs {@code launch}; the process is kept (for inspection, then {@link Sos#destroy}) unless {@code tearDown}. */
    public Finished run(Launch launch, boolean tearDown) {
        if (launch.translateAfter() < 0) {
            return new Finished(refused("translateAfter must be 0 (never) or more, not " + launch.translateAfter()), null);
        }
        sos.takeConsole();
        long framesBefore = sos.pages().framesMapped();
        long structuresBefore = sos.pages().structuresCreated();
        Result<Process> spawned = sos.spawn(launch.elf(), launch.argv(), launch.envp(), launch.seed());
        if (!spawned.isOk()) {
            return new Finished(refused(spawned.error().detail()), null);
        }
        Process p = spawned.value();
        LinuxProcess linux = new LinuxProcess(launch.stdin(), launch.seed());
        sos.linux().attach(p, linux);
        ThreadRunner runner = sos.runner(p).orElseThrow();
        runner.interpreter().translateAfter(launch.translateAfter());
        long initialSp = runner.context().sp();
        long executed = 0;
        String detail = null;
        boolean limited = false;
        while (true) {
            if (executed >= launch.maxInstructions()) {
                limited = true;
                break;
            }
            RunResult slice = runner.run(Math.min(SLICE, launch.maxInstructions() - executed));
            executed += slice.instructions();
            if (slice.stop() == RunResult.Stop.STOPPED) {
                detail = slice.detail();
                break;
            }
        }
        ProgramOutcome outcome;
        if (p.state() == ProcessState.EXITED) {
            outcome = ProgramOutcome.EXITED;
        } else if (p.state() == ProcessState.KILLED) {
            outcome = ProgramOutcome.KILLED;
        } else {
            outcome = limited ? ProgramOutcome.INSTRUCTION_LIMIT : ProgramOutcome.STOPPED;
        }
        Map<String, Long> calls = new LinkedHashMap<>();
        for (Map.Entry<LinuxSyscall, Long> e : new java.util.TreeMap<>(linux.calls()).entrySet()) {
            calls.put(e.getKey().linuxName(), e.getValue());
        }
        long lowestStack = p.shadow().pageAddresses().stream()
                .filter(va -> va >= Layout.STACK_BASE && va < Layout.STACK_TOP).min(Long::compare).orElse(0L);
        ProgramResult result = new ProgramResult(outcome, outcome == ProgramOutcome.EXITED ? p.exitCode() : -1,
                p.killReport(), detail, sos.takeConsole(), executed, calls, linux.unknownCalls(), p.faultsHandled(),
                sos.pages().framesMapped() - framesBefore, sos.pages().structuresCreated() - structuresBefore,
                runner.context().pc(), initialSp, lowestStack, linux.mmapAddresses(),
                runner.interpreter().translatedInstructions(), runner.interpreter().translatedBlocks(),
                outcome == ProgramOutcome.KILLED ? stopReport(p, runner) : null);
        if (tearDown) {
            sos.destroy(p);
            return new Finished(result, null);
        }
        return new Finished(result, p);
    }

    /** Where the killed {@code p} stopped: read before teardown, while its tables still exist. */
    private StopReport stopReport(Process p, ThreadRunner runner) {
        long pc = runner.context().pc();
        long address = p.killReport() != null ? p.killReport().address() : pc;
        boolean fetched = runner.interpreter().exit() != Exit.PREFETCH_ABORT;
        return new StopReport(pc, fetched, fetched ? runner.interpreter().exitWord() : 0, runner.context().snapshot(),
                sos.walk(p, address).orElse(new PagingWalk(address, 0, List.of())),
                p.addressSpace().regions().stream().map(ProcessDump.RegionLine::of).toList());
    }

    private ProgramResult refused(String why) {
        return new ProgramResult(ProgramOutcome.REFUSED, -1, null, why, sos.takeConsole(), 0, Map.of(), Map.of(), 0, 0,
                0, 0, 0, 0, List.of(), 0, 0, null);
    }
}
