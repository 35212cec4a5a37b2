package org.capbuddy.sos.run;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.capbuddy.aarch64.cpu.Interpreter;
import org.capbuddy.kernel.cpu.ThreadRunner;
import org.capbuddy.libos.vka.Result;
import org.capbuddy.sos.Sos;
import org.capbuddy.sos.exec.ProgramTable;
import org.capbuddy.sos.linux.LinuxProcess;
import org.capbuddy.sos.process.Process;

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
     * @param programs the other programs the run's execve may load, by path; the program itself is
     *     reachable by its argv[0] too, unless the table has that path already
     */
    public record Launch(byte[] elf, List<String> argv, List<String> envp, byte[] stdin, long seed,
            long maxInstructions, int translateAfter, ProgramTable programs) {
        /** Copies what it is given, nulls included: {@link #start} refuses a launch with any, saying which. */
        public Launch {
            argv = argv == null ? null : Collections.unmodifiableList(new ArrayList<>(argv));
            envp = envp == null ? null : Collections.unmodifiableList(new ArrayList<>(envp));
            stdin = stdin == null ? null : stdin.clone();
            programs = programs == null ? ProgramTable.empty() : programs;
        }

        /** A launch whose execve reaches only the program itself. */
        public Launch(byte[] elf, List<String> argv, List<String> envp, byte[] stdin, long seed, long maxInstructions,
                int translateAfter) {
            this(elf, argv, envp, stdin, seed, maxInstructions, translateAfter, ProgramTable.empty());
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
        Started started = start(launch);
        if (started.run() == null) {
            return new Finished(started.refused(), null);
        }
        ProgramRun run = started.run();
        while (!run.ended()) {
            run.advance(SLICE);
        }
        ProgramResult result = run.finish(tearDown);
        return new Finished(result, tearDown ? null : run.process());
    }

    /** A program started (its run, to advance) or refused (why, as a result), exactly one of them. */
    public record Started(ProgramRun run, ProgramResult refused) {
    }

    /**
     * Spawns {@code launch}'s program in a new process, ready to run its first instruction, or
     * says why SOS refused it (nothing is left behind then).
     */
    public Started start(Launch launch) {
        if (launch == null) {
            return new Started(null, refused("no launch"));
        }
        if (launch.argv() == null || launch.envp() == null || launch.stdin() == null) {
            return new Started(null, refused("argv, envp and stdin must be given (empty, not null)"));
        }
        if (launch.translateAfter() < 0) {
            return new Started(null, refused("translateAfter must be 0 (never) or more, not " + launch.translateAfter()));
        }
        if (launch.maxInstructions() < 0) {
            return new Started(null, refused("maxInstructions must be 0 or more, not " + launch.maxInstructions()));
        }
        long framesBefore = sos.pages().framesMapped();
        long structuresBefore = sos.pages().structuresCreated();
        Result<Process> spawned = sos.spawn(launch.elf(), launch.argv(), launch.envp(), launch.seed());
        if (!spawned.isOk()) {
            return new Started(null, refused(spawned.error().detail()));
        }
        sos.takeConsole(); // what was written before is not this program's output
        Process p = spawned.value();
        LinuxProcess linux = new LinuxProcess(launch.stdin(), launch.seed(), withMain(launch));
        sos.linux().attach(p, linux);
        ThreadRunner runner = sos.runner(p).orElseThrow();
        runner.interpreter().translateAfter(launch.translateAfter());
        return new Started(new ProgramRun(sos, launch, p, linux, runner, framesBefore, structuresBefore), null);
    }

    /** The launch's table with its own program at its argv[0], unless that path is taken or names no program. */
    private static ProgramTable withMain(Launch launch) {
        String path = launch.argv().isEmpty() ? null : launch.argv().get(0);
        if (path == null || launch.programs().has(path)) {
            return launch.programs();
        }
        Result<ProgramTable> with = launch.programs().with(path, launch.elf());
        return with.isOk() ? with.value() : launch.programs();
    }

    /** A launch refused: nothing ran, so it has no console output (SOS's console is left as it was). */
    private ProgramResult refused(String why) {
        return new ProgramResult(ProgramOutcome.REFUSED, -1, null, why, "", 0, Map.of(), Map.of(), 0, 0,
                0, 0, 0, 0, List.of(), TranslationCounts.NONE, null, Map.of(), Map.of(), List.of(), false, null);
    }
}
