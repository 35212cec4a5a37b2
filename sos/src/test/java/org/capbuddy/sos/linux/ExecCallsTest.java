package org.capbuddy.sos.linux;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.capbuddy.kernel.cpu.ThreadRunner;
import org.capbuddy.sos.SosFixture;
import org.capbuddy.sos.Syscalls;
import org.capbuddy.sos.TestElf;
import org.capbuddy.sos.addrspace.Region;
import org.capbuddy.sos.exec.ProgramLoader;
import org.capbuddy.sos.exec.ProgramTable;
import org.capbuddy.sos.machine.Balance;
import org.capbuddy.sos.process.Process;
import org.capbuddy.sos.process.ProcessState;
import org.junit.jupiter.api.Test;

/**
 * execve as one system call from a process a test drives: each of Linux's errors, returned with
 * the process exactly as it was (the machine's balance, its regions, its thread, its Linux
 * state), and what a successful one keeps and resets (a vfork parent released too): the pid, parent and children, the pending
 * signals and the mask, ignored signals and ITIMER_REAL kept; handlers back to SIG_DFL, the
 * alternate stack off, FD_CLOEXEC descriptors closed; the old address space gone (its pages,
 * copy-on-write shares and shared objects given back, other sharers keeping theirs) and a new
 * thread whose registers are a new program's, with nothing of the old interpreter's.
 */
class ExecCallsTest {
    private static final long EXECVE = 221;
    private static final long PIPE2 = 59;
    private static final long DUP3 = 24;
    private static final long FCNTL = 25;
    private static final long RT_SIGACTION = 134;
    private static final long RT_SIGPROCMASK = 135;
    private static final long KILL = 129;
    private static final long SETITIMER = 103;
    private static final long SIGALTSTACK = 132;
    private static final int O_CLOEXEC = 0x80000;
    private static final int F_DUPFD = 0;
    private static final int F_GETFD = 1;
    private static final int SIGUSR1 = 10;
    private static final int SIGUSR2 = 12;
    private static final int SIGTERM = 15;
    private static final long SA_RESTART = 0x1000_0000L;
    private static final String TARGET = "bin/exec_target.elf";

    private final SosFixture fx = new SosFixture(true);
    private final byte[] target = TestElf.program("exec_target.elf");
    private final ProgramTable table = ProgramTable.empty().with(TARGET, target).value()
            .with("bin/text", "not a program\n".getBytes(StandardCharsets.UTF_8)).value();
    /** The machine before the test's process exists. */
    private final Balance initial = fx.balance();
    private final Process p = fx.process();
    private final LinuxProcess state = new LinuxProcess(new byte[0], 7, table);
    private final long code;
    /** Where a test writes the call's strings and arrays: a page after the code page's call. */
    private final long data;

    ExecCallsTest() {
        fx.sos.linux().attach(p, state);
        code = fx.codePage(p);
        data = code + 0x100;
    }

    private Syscalls sys(Process of) {
        return fx.sos.syscalls(of);
    }

    private void put(long at, byte[] bytes) {
        assertThat(sys(p).copyToUser(at, bytes, bytes.length)).isTrue();
    }

    /** {@code s} and its NUL at {@code at}; the address. */
    private long string(long at, String s) {
        put(at, (s + "\0").getBytes(StandardCharsets.UTF_8));
        return at;
    }

    /** The words at {@code at} (a pointer array, 0 ending it when the caller gives it). */
    private long words(long at, long... words) {
        ByteBuffer b = ByteBuffer.allocate(8 * words.length).order(ByteOrder.LITTLE_ENDIAN);
        for (long w : words) {
            b.putLong(w);
        }
        put(at, b.array());
        return at;
    }

    private long execve(long path, long argv, long envp) {
        return fx.linuxCall(p, code, EXECVE, path, argv, envp);
    }

    /** An argv of "prog" and an empty envp; execve of {@code path}, written at data. */
    private long execve(String path) {
        long argv = words(data + 0x800, string(data + 0x900, "prog"), 0);
        return execve(string(data, path), argv, words(data + 0xA00, 0));
    }

    /** A fresh read-write anonymous mapping of {@code bytes}. */
    private long mapping(long bytes) {
        var m = sys(p).mmap(0, bytes, Syscalls.PROT_READ | Syscalls.PROT_WRITE,
                Syscalls.MAP_PRIVATE | Syscalls.MAP_ANONYMOUS, -1, 0);
        assertThat(m.isOk()).as("%s", m).isTrue();
        return m.value();
    }

    /** What an execve failure must leave as it was. */
    private record Snapshot(Balance balance, List<Region> regions, long[] registers, long mask, long pending,
            long usr1, int descriptors, ProcessState state, String random) {
    }

    /** The next bytes of {@code of}'s random stream (getrandom's), left in it. */
    private static String nextRandom(LinuxProcess of) {
        return java.util.HexFormat.of().formatHex(of.peekRandom(16));
    }

    private Snapshot snapshot() {
        ThreadRunner r = fx.sos.runner(p).orElseThrow();
        long[] regs = new long[33];
        for (int i = 0; i < 31; i++) {
            regs[i] = r.context().x(i);
        }
        regs[31] = r.context().sp();
        regs[32] = r.context().pc();
        return new Snapshot(fx.strictBalance(), List.copyOf(p.addressSpace().regions()), regs, state.blockedSignals(),
                state.pendingSignals(), state.action(SIGUSR1).handler(), state.descriptors().count(), p.state(), nextRandom(state));
    }

    /** The registers as they were before the call but x0 (its result) and the pc (past the svc). */
    private static void assertSameBut(Snapshot before, Snapshot after) {
        assertThat(after.balance()).isEqualTo(before.balance());
        assertThat(after.regions()).isEqualTo(before.regions());
        assertThat(Arrays.copyOfRange(after.registers(), 1, 32)).isEqualTo(Arrays.copyOfRange(before.registers(), 1, 32));
        assertThat(after.mask()).isEqualTo(before.mask());
        assertThat(after.pending()).isEqualTo(before.pending());
        assertThat(after.usr1()).isEqualTo(before.usr1());
        assertThat(after.descriptors()).isEqualTo(before.descriptors());
        assertThat(after.state()).isEqualTo(ProcessState.RUNNING);
        assertThat(after.random()).as("the random stream").isEqualTo(before.random());
    }

    /** Each failing execve: its errno, and the process exactly as before (once warmed: its pages are touched). */
    private void failsWith(long errno, Runnable setUp, java.util.function.LongSupplier call) {
        setUp.run();
        call.getAsLong(); // the first call touches the pages its arguments and the signal page need
        Snapshot before = snapshot();
        assertThat(call.getAsLong()).isEqualTo(errno);
        assertSameBut(before, snapshot());
        assertThat(fx.sos.linux().takeExec(p)).isNull();
        assertThat(fx.sos.runner(p)).isPresent();
        fx.assertInvariants();
    }

    @Test
    void eachErrorReturnsBeforeAnythingChanges() {
        handle(SIGUSR1, code + 0x800, 0);
        long big = mapping(256 << 10);
        byte[] tooLong = new byte[ExecArguments.PATH_MAX];
        Arrays.fill(tooLong, (byte) 'a');
        // the longest path: "./" again and again, then a name (each component within NAME_MAX)
        byte[] longest = ("./".repeat((ExecArguments.PATH_MAX - 2) / 2) + "x").getBytes(StandardCharsets.US_ASCII);
        assertThat(longest).hasSize(ExecArguments.PATH_MAX - 1);
        long argv = words(data + 0x800, string(data + 0x900, "prog"), 0);
        long envp = words(data + 0xA00, 0);
        // EFAULT: the path, the argv array, a string of it, the envp array
        failsWith(-14, () -> { }, () -> execve(0x10, argv, envp));
        failsWith(-14, () -> { }, () -> execve(string(data, TARGET), 0x10, envp));
        failsWith(-14, () -> words(data + 0xB00, 0x10, 0), () -> execve(string(data, TARGET), data + 0xB00, envp));
        failsWith(-14, () -> { }, () -> execve(string(data, TARGET), argv, 0x10));
        // a path running into unmapped memory before its NUL
        long edge = p.addressSpace().regions().stream().filter(g -> g.write() && p.addressSpace().find(g.end()) == null)
                .findFirst().orElseThrow().end() - 3;
        failsWith(-14, () -> put(edge, "bin".getBytes(StandardCharsets.UTF_8)), () -> execve(edge, argv, envp));
        // ENAMETOOLONG: 4,096 bytes without a NUL; 4,095 and the NUL are a name (not found)
        failsWith(-36, () -> { put(big, tooLong); put(big + tooLong.length, new byte[1]); }, () -> execve(big, argv, envp));
        failsWith(-2, () -> { put(big, longest); put(big + longest.length, new byte[1]); }, () -> execve(big, argv, envp));
        // ENOENT: empty, not in the table, a directory's missing name
        failsWith(-2, () -> { }, () -> execve(string(data, ""), argv, envp));
        failsWith(-2, () -> { }, () -> execve(string(data, "bin/no_such.elf"), argv, envp));
        failsWith(-2, () -> { }, () -> execve(string(data, "/usr/bin/exec_target.elf"), argv, envp));
        // ENOTDIR: a program with more path after it; EACCES: a directory
        failsWith(-20, () -> { }, () -> execve(string(data, TARGET + "/"), argv, envp));
        failsWith(-20, () -> { }, () -> execve(string(data, TARGET + "/.."), argv, envp));
        failsWith(-13, () -> { }, () -> execve(string(data, "bin/"), argv, envp));
        failsWith(-13, () -> { }, () -> execve(string(data, "/"), argv, envp));
        // E2BIG: one string past MAX_ARG_STRLEN; all of them past the 2 MiB limit; pointers alone past it
        byte[] huge = new byte[128 << 10];
        Arrays.fill(huge, (byte) 'x');
        failsWith(-7, () -> { put(big, huge); put(big + huge.length, new byte[1]); },
                () -> execve(string(data, TARGET), words(data + 0xB00, big, 0), envp));
        long arrays = mapping(3L << 20);
        failsWith(-7, () -> {
            ByteBuffer b = ByteBuffer.allocate(20 * 8 + 8).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < 20; i++) {
                b.putLong(big + 1); // 20 strings of 128 KiB - 1 with their NUL: 2.5 MiB
            }
            put(arrays, b.putLong(0).array());
            put(big + huge.length - 1, new byte[1]);
        }, () -> execve(string(data, TARGET), arrays, envp));
        failsWith(-7, () -> {
            long[] many = new long[(2 << 20) / 8 + 1];
            Arrays.fill(many, data + 0x900);
            ByteBuffer b = ByteBuffer.allocate(8 * many.length + 8).order(ByteOrder.LITTLE_ENDIAN);
            for (long w : many) {
                b.putLong(w);
            }
            put(arrays, b.putLong(0).array());
        }, () -> execve(string(data, TARGET), arrays, envp));
        // ENOEXEC: a program the ELF parser refuses
        failsWith(-8, () -> { }, () -> execve(string(data, "bin/text"), argv, envp));
        failsWith(-8, () -> { }, () -> execve(string(data, "./bin/../bin//text"), argv, envp));
        assertThat(state.calls()).as("19 failures, each made twice").containsEntry(LinuxSyscall.EXECVE, 38L);
        assertThat(state.unknownCalls()).isEmpty();
    }

    /**
     * An execve through each spelling of the program's path (absolute, with "..", "." and doubled
     * slashes, ".." past the root) runs the program: a forked child execs it and runs it to its
     * end, which prints the path it was given as argv[1] and exits with 40 + argc.
     */
    @Test
    void anExecOfAPathResolvedFromTheWorkingDirectoryRunsTheProgram() {
        List<String> paths = List.of("/bin/exec_target.elf", "./bin/../bin//exec_target.elf", "../../bin/./exec_target.elf");
        long envp = words(data + 0xA00, 0);
        for (String path : paths) {
            long argv = words(data + 0x800, string(data + 0x900, "exec_target"), string(data + 0x980, path), 0);
            long at = string(data, path);
            Process child = fx.fork(p, code);
            fx.linuxCall(child, code, EXECVE, at, argv, envp);
            LinuxSyscalls.Exec exec = fx.sos.linux().takeExec(child);
            assertThat(exec).as(path).isNotNull();
            assertThat(exec.path()).isEqualTo(path);
            Process image = exec.image();
            ThreadRunner r = fx.sos.runner(image).orElseThrow();
            for (int i = 0; i < 100 && image.state() == ProcessState.RUNNING; i++) {
                r.run(10_000);
            }
            assertThat(image.state()).as(path).isNotEqualTo(ProcessState.RUNNING);
            assertThat(image.exitCode()).as("40 + argc").isEqualTo(42);
            assertThat(fx.sos.console()).contains("argv[1] = '" + path + "'");
        }
        assertThat(state.calls()).doesNotContainKey(LinuxSyscall.EXECVE); // each call was a child's
        fx.assertInvariants();
    }

    @Test
    void theTableWalksAPathFromTheWorkingDirectoryAndRefusesPathsThatClash() {
        for (String path : List.of("/bin/exec_target.elf", "./bin/../bin//exec_target.elf", "../../bin/./exec_target.elf")) {
            ProgramTable.Lookup found = table.lookup(ProgramTable.ROOT, path);
            assertThat(found.found()).as(path).isTrue();
            assertThat(found.path()).isEqualTo("/bin/exec_target.elf");
        }
        assertThat(table.lookup("/bin", "exec_target.elf").found()).isTrue();
        assertThat(table.lookup("/bin", "../exec_target.elf").error()).isEqualTo(org.capbuddy.sos.Errno.ENOENT);
        assertThat(table.with("/bin/exec_target.elf", target).isOk()).as("a path taken twice").isFalse();
        assertThat(table.with("bin", target).isOk()).as("a directory").isFalse();
        assertThat(table.with("bin/text/x", target).isOk()).as("below a program").isFalse();
    }

    /**
     * NAME_MAX: a component of more than 255 bytes is ENAMETOOLONG where the walk reaches it, as a
     * Linux file system's lookup refuses it before looking (255 bytes is only not found); a
     * missing directory before it is ENOENT, a program before it ENOTDIR.
     */
    @Test
    void aNameOfMoreThan255BytesIsTooLongWhereTheWalkReachesIt() {
        long argv = words(data + 0x800, string(data + 0x900, "prog"), 0);
        long envp = words(data + 0xA00, 0);
        String name255 = "a".repeat(255);
        String name256 = "a".repeat(256);
        failsWith(-36, () -> { }, () -> execve(string(data, "bin/" + name256), argv, envp));
        failsWith(-36, () -> { }, () -> execve(string(data, name256 + "/../" + TARGET), argv, envp));
        failsWith(-2, () -> { }, () -> execve(string(data, "bin/" + name255), argv, envp));
        failsWith(-2, () -> { }, () -> execve(string(data, "no_such/" + name256), argv, envp));
        failsWith(-20, () -> { }, () -> execve(string(data, TARGET + "/" + name256), argv, envp));
        byte[] notUtf8 = "bin/\u00ff/../exec_target.elf\0".getBytes(StandardCharsets.ISO_8859_1);
        failsWith(-2, () -> put(data, notUtf8), () -> execve(data, argv, envp));
    }

    /**
     * An empty argv gets the one empty string Linux adds, and its NUL is charged to the limit as
     * copy_string_kernel charges it: with the environment leaving no byte, E2BIG; with one byte
     * left, the program runs with argc 1 and argv[0] "".
     */
    @Test
    void anEmptyArgvIsChargedTheByteOfTheStringLinuxAdds() {
        long strings = mapping(256 << 10);
        int envc = 17;
        long pointerBytes = (1 + envc) * 8L; // max(argc, 1) + envc
        long full = InitialStackLimit.BYTES - pointerBytes - (TARGET.length() + 1);
        int each = 123_353; // 16 strings of this (their NUL counted), the 17th the rest
        int last = (int) (full - 16L * each);
        byte[] a = new byte[each];
        Arrays.fill(a, 0, each - 1, (byte) 'A');
        byte[] b = new byte[last];
        Arrays.fill(b, 0, last - 1, (byte) 'B');
        put(strings, a);
        long bAt = strings + each;
        put(bAt, b);
        long[] env = new long[envc + 1];
        Arrays.fill(env, 0, 16, strings);
        env[16] = bAt;
        long envp = mapping(4096);
        words(envp, env);
        failsWith(-7, () -> { }, () -> execve(string(data, TARGET), 0, envp));
        // a byte shorter: the "" fits
        put(bAt + last - 2, new byte[1]);
        execve(string(data, TARGET), 0, envp);
        LinuxSyscalls.Exec exec = fx.sos.linux().takeExec(p);
        assertThat(exec).isNotNull();
        ThreadRunner r = fx.sos.runner(exec.image()).orElseThrow();
        long sp = r.context().sp();
        assertThat(fx.sos.peek(exec.image(), sp, 8).getAsLong()).as("argc").isEqualTo(1);
        long arg0 = fx.sos.peek(exec.image(), sp + 8, 8).getAsLong();
        assertThat(sys(exec.image()).copyFromUser(arg0, 1)).containsExactly(0);
        fx.assertInvariants();
    }

    /** The limit ExecArguments reckons with. */
    private static final class InitialStackLimit {
        static final long BYTES = org.capbuddy.sos.exec.InitialStack.MAX_ARGUMENT_BYTES;
    }

    /** {@code length} bytes of {@code b} and a NUL. */
    private static byte[] filled(int length, int b) {
        byte[] bytes = new byte[length + 1];
        Arrays.fill(bytes, 0, length, (byte) b);
        return bytes;
    }

    /** The NUL-terminated string at {@code at} in {@code of}'s memory, as bytes. */
    private byte[] userString(Process of, long at) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (long a = at; ; a++) {
            byte[] one = sys(of).copyFromUser(a, 1);
            assertThat(one).isNotNull();
            if (one[0] == 0) {
                return out.toByteArray();
            }
            out.write(one[0]);
        }
    }

    /**
     * Strings that are not UTF-8 reach the new program as the bytes passed: a 60,000-byte argument
     * of 0xff, a 1,999-byte one of 0xc3 (a lead byte with no continuation), the longest one
     * MAX_ARG_STRLEN allows (131,071 bytes of 0x80 and the NUL), a Latin-1 environment string,
     * and argv[0] of 0xfe; one byte more in the longest is E2BIG, as is one byte past the 2 MiB
     * limit, which exactly at the limit is taken (0xff strings there too).
     */
    @Test
    void stringsThatAreNotUtf8ReachTheProgramAsTheirBytes() {
        long strings = mapping(1 << 20);
        byte[][] args = {filled(4, 0xfe), filled(60_000, 0xff), filled(1_999, 0xc3), filled(131_071, 0x80)};
        byte[] env = "GREETING=caf\u00e9\0".getBytes(StandardCharsets.ISO_8859_1);
        long[] argAt = new long[args.length + 1];
        long at = strings;
        for (int i = 0; i < args.length; i++) {
            put(at, args[i]);
            argAt[i] = at;
            at += args[i].length;
        }
        put(at, env);
        long envAt = at;
        long argv = words(data + 0x800, argAt);
        long envp = words(data + 0xA00, envAt, 0);
        // one byte more in the longest: past MAX_ARG_STRLEN
        long tooLong = at + env.length;
        put(tooLong, filled(131_072, 0x80));
        long argvTooLong = words(data + 0xB00, argAt[0], tooLong, 0);
        failsWith(-7, () -> { }, () -> execve(string(data, TARGET), argvTooLong, envp));

        execve(string(data, TARGET), argv, envp);
        LinuxSyscalls.Exec exec = fx.sos.linux().takeExec(p);
        assertThat(exec).as("the exec of non-UTF-8 strings").isNotNull();
        Process image = exec.image();
        long sp = fx.sos.runner(image).orElseThrow().context().sp();
        assertThat(fx.sos.peek(image, sp, 8).getAsLong()).as("argc").isEqualTo(args.length);
        for (int i = 0; i < args.length; i++) {
            long pointer = fx.sos.peek(image, sp + 8 + 8L * i, 8).getAsLong();
            assertThat(userString(image, pointer)).as("argv[%d]", i)
                    .isEqualTo(Arrays.copyOf(args[i], args[i].length - 1));
        }
        long envPointer = fx.sos.peek(image, sp + 8 + 8L * (args.length + 1), 8).getAsLong();
        assertThat(userString(image, envPointer)).isEqualTo(Arrays.copyOf(env, env.length - 1));
        fx.assertInvariants();
    }

    /**
     * The 2 MiB limit with strings of 0xff: pointers, the path and the strings with their NULs
     * exactly at it are taken, a byte past it is E2BIG (with U+FFFD for each byte the same
     * strings would be three times as long and refused).
     */
    @Test
    void nonUtf8StringsExactlyAtTheLimitAreTaken() {
        long strings = mapping(256 << 10);
        int argc = 17;
        long full = InitialStackLimit.BYTES - argc * 8L - (TARGET.length() + 1);
        int each = 123_353;
        int last = (int) (full - 16L * each);
        put(strings, filled(each - 1, 0xff));
        long bAt = strings + each;
        put(bAt, filled(last, 0xff)); // a byte too many: its NUL one further
        long[] pointers = new long[argc + 1];
        Arrays.fill(pointers, 0, 16, strings);
        pointers[16] = bAt;
        long argv = mapping(4096);
        words(argv, pointers);
        long envp = words(data + 0xA00, 0);
        failsWith(-7, () -> { }, () -> execve(string(data, TARGET), argv, envp));
        put(bAt + last - 1, new byte[1]); // exactly at the limit
        execve(string(data, TARGET), argv, envp);
        LinuxSyscalls.Exec exec = fx.sos.linux().takeExec(p);
        assertThat(exec).as("exactly at the limit").isNotNull();
        long sp = fx.sos.runner(exec.image()).orElseThrow().context().sp();
        assertThat(fx.sos.peek(exec.image(), sp, 8).getAsLong()).isEqualTo(argc);
        long lastPointer = fx.sos.peek(exec.image(), sp + 8 + 8L * 16, 8).getAsLong();
        assertThat(userString(exec.image(), lastPointer)).hasSize(last - 1).containsOnly((byte) 0xff);
        fx.assertInvariants();
    }

    private void handle(int signal, long handler, long flags) {
        long act = data + 0xC00;
        words(act, handler, flags, 0, 0);
        assertThat(fx.linuxCall(p, code, RT_SIGACTION, signal, act, 0, 8)).isZero();
    }

    @Test
    void aSuccessfulExecKeepsWhatLinuxKeepsAndResetsTheRest() {
        Process child = fx.fork(p, code);
        int pid = p.pid();
        handle(SIGUSR1, code + 0x800, SA_RESTART);
        handle(SIGUSR2, 1 /* SIG_IGN */, SA_RESTART);
        // SIGTERM blocked and pending
        words(data + 0xC80, 1L << (SIGTERM - 1));
        assertThat(fx.linuxCall(p, code, RT_SIGPROCMASK, 0 /* SIG_BLOCK */, data + 0xC80, 0, 8)).isZero();
        assertThat(fx.linuxCall(p, code, KILL, pid, SIGTERM)).isZero();
        // ITIMER_REAL armed for 100 s, an alternate stack
        words(data + 0xD00, 0, 0, 100, 0);
        assertThat(fx.linuxCall(p, code, SETITIMER, 0, data + 0xD00, 0)).isZero();
        RealTimer timer = state.realTimer();
        long stack = mapping(64 << 10);
        words(data + 0xD40, stack, 0, 64 << 10);
        assertThat(fx.linuxCall(p, code, SIGALTSTACK, data + 0xD40, 0)).isZero();
        // descriptors 3 and 4 a pipe with O_CLOEXEC, 20 a copy without, 21 one with (dup3), 22 by F_SETFD
        assertThat(fx.linuxCall(p, code, PIPE2, data + 0xD80, O_CLOEXEC)).isZero();
        assertThat(fx.linuxCall(p, code, FCNTL, 3, F_DUPFD, 20)).isEqualTo(20);
        assertThat(fx.linuxCall(p, code, DUP3, 4, 21, O_CLOEXEC)).isEqualTo(21);
        assertThat(fx.linuxCall(p, code, FCNTL, 3, F_DUPFD, 22)).isEqualTo(22);
        assertThat(fx.linuxCall(p, code, FCNTL, 22, 2 /* F_SETFD */, 1)).isZero();
        assertThat(fx.linuxCall(p, code, FCNTL, 21, F_GETFD, 0)).isEqualTo(1);
        assertThat(fx.linuxCall(p, code, FCNTL, 20, F_GETFD, 0)).isZero();
        ThreadRunner oldRunner = fx.sos.runner(p).orElseThrow();
        oldRunner.interpreter().translateAfter(1);

        long argv = words(data + 0x800, string(data + 0x900, "exec_target"), string(data + 0x980, "one"), 0);
        long envp = words(data + 0xA00, string(data + 0xA80, "GREETING=hi"), 0);
        execve(string(data, "./bin/../" + TARGET), argv, envp);

        LinuxSyscalls.Exec exec = fx.sos.linux().takeExec(p);
        assertThat(exec).isNotNull();
        Process image = exec.image();
        assertThat(exec.path()).isEqualTo("./bin/../" + TARGET);
        assertThat(image.pid()).isEqualTo(pid);
        assertThat(p.state()).as("the old image").isEqualTo(ProcessState.DESTROYED);
        assertThat(fx.sos.runner(p)).isEmpty();
        assertThat(image.state()).isEqualTo(ProcessState.RUNNING);
        assertThat(fx.sos.linux().state(image)).isSameAs(state);
        assertThat(fx.sos.linux().parentOf(child)).isEqualTo(pid);
        assertThat(fx.sos.liveProcesses()).isEqualTo(2);
        // the old address space is gone: the code page's mapping and every page of it
        assertThat(image.addressSpace().find(code)).isNull();
        assertThat(image.addressSpace().find(stack)).isNull();
        // a new thread, started as a spawned program starts, with nothing of the old interpreter's
        ThreadRunner r = fx.sos.runner(image).orElseThrow();
        assertThat(r).isNotSameAs(oldRunner);
        assertThat(r.cpu()).isNotSameAs(oldRunner.cpu());
        assertThat(r.interpreter().translatedBlocks()).isZero();
        var plan = ProgramLoader.plan(target, List.of("exec_target", "one"), List.of("GREETING=hi"),
                "./bin/../" + TARGET, 0).value();
        assertThat(r.context().pc()).isEqualTo(plan.entry());
        assertThat(r.context().sp()).isEqualTo(plan.stack().sp());
        for (int i = 0; i < 31; i++) {
            assertThat(r.context().x(i)).as("x%d", i).isZero();
        }
        assertThat(fx.sos.peek(image, r.context().sp(), 8).getAsLong()).as("argc").isEqualTo(2);
        // the signals: a handler reset, an ignored one kept, the mask and the pending SIGTERM kept
        assertThat(state.action(SIGUSR1)).isEqualTo(SignalAction.DEFAULT);
        assertThat(state.action(SIGUSR2)).isEqualTo(new SignalAction(SignalAction.SIG_IGN, 0, 0, 0));
        assertThat(state.blockedSignals()).isEqualTo(1L << (SIGTERM - 1));
        assertThat(state.pendingSignals()).isEqualTo(1L << (SIGTERM - 1));
        assertThat(state.altStackBase()).isZero();
        assertThat(state.altStackSize()).isZero();
        assertThat(state.realTimer()).isEqualTo(timer);
        // the descriptors: those with FD_CLOEXEC closed, the others kept as they were
        Descriptors d = state.descriptors();
        assertThat(d.get(3)).isNull();
        assertThat(d.get(4)).isNull();
        assertThat(d.get(21)).isNull();
        assertThat(d.get(22)).isNull();
        assertThat(d.get(20)).isNotNull();
        assertThat(d.closeOnExec(20)).isFalse();
        assertThat(state.execs()).isEqualTo(1);
        assertThat(state.calls()).containsEntry(LinuxSyscall.EXECVE, 1L);
        fx.assertInvariants();
    }

    @Test
    void theOldImagesPagesSharesAndSharedObjectsGoWhileTheOtherSharersKeepTheirs() {
        long shared = sys(p).mmap(0, 4096, Syscalls.PROT_READ | Syscalls.PROT_WRITE,
                Syscalls.MAP_SHARED | Syscalls.MAP_ANONYMOUS, -1, 0).value();
        long priv = mapping(4096);
        p.cpu().write(shared, 8, 42);
        p.cpu().write(priv, 8, 7);
        long argv = words(data + 0x800, string(data + 0x900, "exec_target"), 0);
        long envp = words(data + 0xA00, 0);
        long path = string(data, TARGET);
        // a child sharing every page copy-on-write and the shared object execs
        Process child = fx.fork(p, code);
        assertThat(fx.sos.pages().sharedFrames()).isPositive();
        assertThat(fx.sos.pages().sharedUsers(fx.sos.pages().sharedHolder(p.shadow().frameRef(shared)))).hasSize(2);
        assertThat(fx.linuxCall(child, code, EXECVE, path, argv, envp)).isNotNegative();
        Process image = fx.sos.linux().takeExec(child).image();

        assertThat(fx.sos.pages().sharedFrames()).as("no frame is shared copy-on-write any more").isZero();
        assertThat(fx.sos.pages().liveSharedObjects()).isEqualTo(1);
        assertThat(fx.sos.pages().sharedUsers(fx.sos.pages().sharedHolder(p.shadow().frameRef(shared))))
                .containsExactly(p);
        assertThat(fx.sos.peek(p, shared, 8).getAsLong()).isEqualTo(42);
        assertThat(fx.sos.peek(p, priv, 8).getAsLong()).isEqualTo(7);
        p.cpu().write(priv, 8, 8); // the parent's page is its own again: no copy needed, no fault kills
        assertThat(fx.sos.peek(p, priv, 8).getAsLong()).isEqualTo(8);
        // the new image and the parent torn down as any process: everything they and the old image had is back
        fx.sos.linux().ended(image);
        assertThat(fx.sos.destroy(image).isOk()).isTrue();
        fx.sos.linux().ended(p);
        assertThat(fx.sos.destroy(p).isOk()).isTrue();
        assertThat(fx.sos.pages().liveSharedObjects()).isZero();
        assertThat(fx.balance()).isEqualTo(initial);
        fx.assertInvariants();
    }

    /** Runs {@code r} an instruction at a time until it is back after the svc at the code page (or makes no progress). */
    private void toCallsEnd(ThreadRunner r) {
        for (int i = 0; i < 500 && r.context().pc() != code + 4; i++) {
            if (r.run(1).instructions() == 0) {
                break;
            }
        }
    }

    /**
     * Linux's exec releases a vfork parent (mm_release's complete_vfork_done): the parent, blocked
     * in its clone until then, goes on with the child's pid while the child runs its new program;
     * a failed exec releases nothing.
     */
    @Test
    void aVforkParentResumesWhenItsChildExecs() {
        long argv = words(data + 0x800, string(data + 0x900, "exec_target"), 0);
        long envp = words(data + 0xA00, 0);
        long path = string(data, TARGET);
        long missing = string(data + 0x40, "bin/missing");
        ThreadRunner r = fx.load(p, code, 0xD400_0001);
        r.context().setSp(org.capbuddy.sos.addrspace.Layout.STACK_TOP - 256);
        r.context().setX(0, 0x4000 /* CLONE_VFORK */ | 0x100 /* CLONE_VM */ | 17 /* SIGCHLD */);
        r.context().setX(1, 0);
        r.context().setX(8, 220 /* clone */);
        toCallsEnd(r);
        assertThat(fx.sos.linux().waitsForChild(p)).as("blocked in vfork").isTrue();
        Process child = fx.sos.linux().takeForked(p).get(0);

        assertThat(fx.linuxCall(child, code, EXECVE, missing, argv, envp)).isEqualTo(-2);
        assertThat(fx.sos.linux().waitsForChild(p)).as("a failed exec releases nothing").isTrue();
        fx.linuxCall(child, code, EXECVE, path, argv, envp);
        Process image = fx.sos.linux().takeExec(child).image();

        assertThat(fx.sos.linux().waitsForChild(p)).as("released by the exec").isFalse();
        toCallsEnd(r);
        assertThat(r.context().pc()).isEqualTo(code + 4);
        assertThat(r.context().x(0)).as("the child's pid").isEqualTo(image.pid());
        assertThat(image.state()).isEqualTo(ProcessState.RUNNING);
        fx.assertInvariants();
    }

    @Test
    void anExecThatFailsForWantOfMemoryLeavesEverythingAsItWas() {
        SosFixture small = new SosFixture(true, new org.capbuddy.sos.machine.SosConfig(
                org.capbuddy.sos.frametable.FrameTable.SEED_REF_BITS, 8));
        Process q = small.process();
        LinuxProcess linux = new LinuxProcess(new byte[0], 1, table);
        small.sos.linux().attach(q, linux);
        long page = small.codePage(q);
        ByteBuffer b = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
        b.put((TARGET + "\0").getBytes(StandardCharsets.UTF_8));
        assertThat(small.sos.syscalls(q).copyToUser(page + 0x100, b.array(), 64)).isTrue();
        assertThat(small.sos.syscalls(q).copyToUser(page + 0x200, new byte[16], 16)).isTrue();
        // fill the frame table: the new image's stack finds no frame
        long at = small.sos.syscalls(q).mmap(0, 64 << 10, Syscalls.PROT_READ | Syscalls.PROT_WRITE,
                Syscalls.MAP_PRIVATE | Syscalls.MAP_ANONYMOUS, -1, 0).value();
        for (long a = at; a < at + (64 << 10); a += 4096) {
            if (!small.sos.syscalls(q).copyToUser(a, new byte[] {1}, 1)) {
                break;
            }
        }
        small.linuxCall(q, page, EXECVE, page + 0x100, 0, page + 0x200); // the signal page, if any, mapped
        Balance before = small.strictBalance();
        List<Region> regions = List.copyOf(q.addressSpace().regions());
        String random = nextRandom(linux);
        long mask = linux.blockedSignals();
        long pending = linux.pendingSignals();
        int descriptors = linux.descriptors().count();
        int execs = linux.execs();

        assertThat(small.linuxCall(q, page, EXECVE, page + 0x100, 0, page + 0x200)).isEqualTo(-12);

        assertThat(small.strictBalance()).isEqualTo(before);
        assertThat(q.addressSpace().regions()).isEqualTo(regions);
        assertThat(q.state()).isEqualTo(ProcessState.RUNNING);
        assertThat(small.sos.linux().takeExec(q)).isNull();
        assertThat(small.sos.liveProcesses()).isEqualTo(1);
        assertThat(nextRandom(linux)).as("the random stream").isEqualTo(random);
        assertThat(linux.blockedSignals()).isEqualTo(mask);
        assertThat(linux.pendingSignals()).isEqualTo(pending);
        assertThat(linux.descriptors().count()).isEqualTo(descriptors);
        assertThat(linux.execs()).isEqualTo(execs);
        assertThat(small.sos.linux().state(q)).isSameAs(linux);
        small.assertInvariants();
    }
}
