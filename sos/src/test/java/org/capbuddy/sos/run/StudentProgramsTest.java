package org.capbuddy.sos.run;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.capbuddy.aarch64.cpu.Interpreter;
import org.capbuddy.sos.SosFixture;
import org.capbuddy.sos.exec.ProgramTable;
import org.capbuddy.sos.process.KillReport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The student programs (programs/src/student_*.c: printf, malloc churn, qsort, recursion and
 * setjmp, libm, 128-bit integers, stdin, argv and time, mmap and faults, exit statuses and
 * signals, a large .bss; hash tables and lists, string parsing and long double, variadic
 * functions and longjmp, -O3 vector kernels, -ffast-math reciprocal estimates, C11 atomics, large
 * allocations, a word count, -fwrapv arithmetic, the classic memory bugs, the standard streams and close, time arithmetic,
 * getopt, random numbers, data layout, system calls at their edges, long double and complex arithmetic and strtod's edges,
 * getline with regular expressions and fnmatch, a hundred -O3 vector loops with their FPSR flags, residency and
 * page faults watched with mincore, getrusage and madvise)
 * print in SOS exactly what they print under qemu-aarch64 and end the same way: the same exit status, or death by the same signal (programs/expected, recorded by
 * programs/expected.sh). SOS's own line about a kill is the one difference in the console, as
 * qemu's is left out of its file. Signal handlers run as under Linux (student_signals,
 * student_sighandler); threads, which SOS does not model, are refused in a way the program can see
 * and the report names.
 */
class StudentProgramsTest {
    private static final Path EXPECTED = Path.of("..", "programs", "expected");
    /** student_bss sieves 8 MiB: about 130 M instructions. */
    private static final long MAX_INSTRUCTIONS = 1_000_000_000L;

    /**
     * One line of expected/CASES: the program, its arguments, its standard input file, its
     * environment, and the programs its execve may load (each PROG at bin/PROG.elf).
     */
    record Case(String name, List<String> args, String stdin, List<String> env, List<String> programs) {
        String file() {
            return name + (args.isEmpty() ? "" : "_" + String.join("_", args));
        }

        @Override
        public String toString() {
            return String.join(" ", Programs.argv(name, args));
        }
    }

    static Stream<Case> cases() throws IOException {
        List<Case> cases = new ArrayList<>();
        for (String line : Files.readAllLines(EXPECTED.resolve("CASES"), StandardCharsets.UTF_8)) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            String[] f = line.split("\\|", -1);
            cases.add(new Case(f[0], words(f[1]), f[2], words(f[3]), f.length > 4 ? words(f[4]) : List.of()));
        }
        return cases.stream();
    }

    private static List<String> words(String text) {
        return text.isBlank() ? List.of() : Arrays.asList(text.trim().split(" +"));
    }

    private static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static ProgramResult run(SosFixture fx, String name, List<String> args, List<String> env, byte[] stdin) {
        return run(fx, name, args, env, stdin, List.of());
    }

    /** {@code programs}' ELFs reachable by execve as bin/PROG.elf, as expected.sh makes them under qemu. */
    private static ProgramResult run(SosFixture fx, String name, List<String> args, List<String> env, byte[] stdin,
            List<String> programs) {
        ProgramTable table = ProgramTable.empty();
        for (String prog : programs) {
            table = table.with("bin/" + prog + ".elf", Programs.elf(prog)).value();
        }
        return new ProgramRunner(fx.sos).run(new ProgramRunner.Launch(Programs.elf(name), Programs.argv(name, args),
                env, stdin, 1, MAX_INSTRUCTIONS, Interpreter.DEFAULT_TRANSLATE_AFTER, table));
    }

    /** The exit status a shell would show: the program's own, or 128 + the signal it died of. */
    private static long status(ProgramResult r) {
        return r.outcome() == ProgramOutcome.KILLED ? 128 + r.killReport().signal() : r.exitCode();
    }

    /** The console less SOS's own line about a kill (qemu's is left out of the expected file too). */
    private static String programOutput(ProgramResult r) {
        return r.console().lines().filter(l -> !l.startsWith("[sos] process "))
                .map(l -> l + "\n").collect(Collectors.joining());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void printsAndEndsAsUnderQemu(Case c) throws IOException {
        SosFixture fx = new SosFixture(true);
        var settled = fx.balance();
        byte[] stdin = c.stdin().isEmpty() ? new byte[0] : Files.readAllBytes(Path.of("..", "programs", c.stdin()));

        ProgramResult r = run(fx, c.name(), c.args(), c.env(), stdin, c.programs());

        assertThat(r.outcome()).as(Programs.describe(r)).isIn(ProgramOutcome.EXITED, ProgramOutcome.KILLED);
        String expected = read(EXPECTED.resolve(c.file() + ".stdout"));
        assertThat(programOutput(r)).isEqualTo(expected.endsWith("\n") || expected.isEmpty() ? expected : expected + "\n");
        assertThat(status(r)).isEqualTo(Long.parseLong(read(EXPECTED.resolve(c.file() + ".status")).strip()));
        assertThat(r.unknownSystemCalls()).as("calls SOS does not serve").isEmpty();
        assertThat(fx.sos.liveProcesses()).isZero();
        assertThat(fx.balance()).isEqualTo(settled);
        fx.assertInvariants();
    }

    @Test
    void abortDiesOfSigabrtAtItsOwnSystemCallWithAReportNamingIt() {
        ProgramResult r = run(new SosFixture(true), "student_exit", List.of("abort"), List.of(), new byte[0]);

        assertThat(r.outcome()).isEqualTo(ProgramOutcome.KILLED);
        KillReport kill = r.killReport();
        assertThat(kill.sent()).isTrue();
        assertThat(kill.signal()).isEqualTo(6);
        assertThat(kill.address()).as("the svc that delivered it").isEqualTo(r.lastPc());
        // raise() blocks signals around tkill, so SIGABRT waits until the mask is restored
        assertThat(kill.reason()).contains("tkill").contains("rt_sigprocmask delivered it");
        assertThat(r.console()).contains("[sos] process 1 killed by SIGABRT (signal 6)");
        assertThat(r.systemCalls()).containsEntry("tkill", 1L);
    }

    @Test
    void aSignalHandlerRunsAndIsCounted() {
        ProgramResult r = run(new SosFixture(true), "student_exit", List.of("signal"), List.of(), new byte[0]);

        assertThat(r.outcome()).isEqualTo(ProgramOutcome.EXITED);
        assertThat(r.exitCode()).isZero();
        assertThat(r.console()).startsWith("mode 'signal' 0\nhandler got signal 2\n");
        assertThat(r.refusedSystemCalls()).isEmpty();
        assertThat(r.signalsDelivered()).isEqualTo(Map.of("SIGINT", 1L));
        assertThat(r.systemCalls()).containsEntry("rt_sigreturn", 1L);
    }

    @Test
    void aSigsegvHandlerCatchesTheNullWriteAndSiglongjmpsBack() {
        ProgramResult r = run(new SosFixture(true), "student_sighandler", List.of(), List.of(), new byte[0]);

        assertThat(r.outcome()).isEqualTo(ProgramOutcome.EXITED);
        assertThat(r.exitCode()).isZero();
        assertThat(r.killReport()).isNull();
        assertThat(programOutput(r)).endsWith("dereferencing NULL\ncaught signal 11, back in main\n");
        assertThat(r.signalsDelivered()).isEqualTo(Map.of("SIGSEGV", 1L));
        assertThat(r.systemCalls()).as("siglongjmp restores the mask itself").doesNotContainKey("rt_sigreturn");
    }

    @Test
    void aSpoiledSignalFrameIsRefusedByRtSigreturnWithSigsegv() {
        ProgramResult r = run(new SosFixture(true), "student_signals", List.of("badframe"), List.of(), new byte[0]);

        assertThat(r.outcome()).isEqualTo(ProgramOutcome.KILLED);
        assertThat(r.killReport().signal()).isEqualTo(11);
        assertThat(r.killReport().reason()).contains("rt_sigreturn found no signal frame Linux would accept",
                "its pstate or its records are not valid");
        assertThat(r.signalsDelivered()).isEqualTo(Map.of("SIGUSR1", 1L));
    }

    @Test
    void aStackOverflowWithAHandlerButNoAlternateStackKillsSayingThereIsNoRoomForItsFrame() {
        ProgramResult r = run(new SosFixture(true), "student_signals", List.of("overflow"), List.of(), new byte[0]);

        assertThat(r.outcome()).isEqualTo(ProgramOutcome.KILLED);
        assertThat(r.killReport().signal()).isEqualTo(11);
        assertThat(r.killReport().reason()).contains("its SIGSEGV handler could not run", "a stack overflow");
        assertThat(r.signalsDelivered()).isEmpty();
    }

    @Test
    void pthreadCreateFailsCleanlyAndTheReportNamesTheRefusedClone() {
        ProgramResult r = run(new SosFixture(true), "student_threads", List.of(), List.of(), new byte[0]);

        assertThat(r.outcome()).isEqualTo(ProgramOutcome.EXITED);
        assertThat(r.exitCode()).isZero();
        // musl's pthread_create turns clone's ENOSYS into EAGAIN
        assertThat(r.console()).isEqualTo("""
                mutex locked without threads
                pthread_create failed: Resource temporarily unavailable; summing on the main thread
                pthread_create failed: Resource temporarily unavailable; summing on the main thread
                threads started: 0, total 499500
                """);
        assertThat(r.unknownSystemCalls()).isEmpty();
        assertThat(r.systemCalls()).containsEntry("clone", 2L);
        assertThat(r.refusedSystemCalls()).isEqualTo(Map.of(
                "clone of a thread, with a new stack or with flags beyond fork's and vfork's", 2L));
        assertThat(r.processes()).hasSize(1);
    }

    @Test
    void theEnvironmentKeepsItsOrderAndSleepMovesTheClock() {
        // qemu-user reverses the environment it passes (Linux does not), so expected/ has one variable
        ProgramResult r = run(new SosFixture(true), "student_env", List.of(),
                List.of("USER=student", "HOME=/home/student"), new byte[0]);

        assertThat(r.console()).contains("envp[0] = USER=student\nenvp[1] = HOME=/home/student\n")
                .contains("sleep(1) = 0, and time() moved by 1 or 2 seconds: yes\n")
                .contains("uname: sysname Linux, machine aarch64\n");
        assertThat(r.systemCalls()).containsKeys("uname", "nanosleep", "getppid", "getuid", "geteuid");
    }
}
