package org.capbuddy.sos.linux;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.capbuddy.kernel.cpu.RunResult;
import org.capbuddy.kernel.cpu.ThreadRunner;
import org.capbuddy.sos.SosFixture;
import org.capbuddy.sos.Syscalls;
import org.capbuddy.sos.addrspace.Layout;
import org.capbuddy.sos.process.Process;
import org.capbuddy.sos.process.ProcessState;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Hand-assembled programs in an SOS process, on the interpreter: their svc calls reach SOS's Linux
 * personality through the kernel (UnknownSyscall, x8 read with TCB_ReadRegisters), bad pointers
 * are -EFAULT, unknown calls -ENOSYS, and exceptions kill with a report naming the instruction.
 */
class LinuxSyscallsTest {
    private static final int MOV_X0_1 = 0xD280_0020;
    private static final int MOV_X2_6 = 0xD280_00C2;
    private static final int MOV_X8_WRITE = 0xD280_0808;
    private static final int SVC = 0xD400_0001;
    private static final int MOV_X8_EXIT_GROUP = 0xD280_0BC8;
    private static final int MOV_X0_3 = 0xD280_0060;
    private static final int MOV_X1_1 = 0xD280_0021;
    private static final int MOV_X2_16 = 0xD280_0202;
    private static final int MOV_X8_999 = 0xD280_7CE8;
    private static final int LDR_X3_X4 = 0xF940_0083;
    private static final int UDF = 0x0000_0000;
    private static final int LDXR_X1_X1 = 0xC85F_7C21;
    /** movz x1, #0x40, lsl #16: FPCR.RMode = 01, round toward +infinity. */
    private static final int MOVZ_X1_ROUND_UP = 0xD2A0_0801;
    private static final int MSR_FPCR_X1 = 0xD51B_4401;

    private SosFixture fx;
    private Process p;
    private long code;

    @BeforeEach
    void setUp() {
        fx = new SosFixture(true);
        p = fx.process();
        code = fx.codePage(p);
    }

    private ThreadRunner load(int... words) {
        return fx.load(p, code, words);
    }

    /** Makes one system call from the process, with x0.. = {@code args}, and returns x0 after it. */
    private long call(LinuxSyscall number, long... args) {
        return fx.linuxCall(p, code, number.number(), args);
    }

    @Test
    void killOfMinusOneFindsNoOtherProcess() {
        // Linux's kill(-1) signals every process but the caller
        assertThat(call(LinuxSyscall.KILL, -1, 15)).isEqualTo(-3); // ESRCH
        assertThat(p.state()).isEqualTo(ProcessState.RUNNING);
        assertThat(call(LinuxSyscall.KILL, -1, 99)).isEqualTo(-22); // EINVAL: no such signal
    }

    @Test
    void aClosedStandardStreamStaysClosedForEveryCallThatNamesIt() {
        // a student's close(1) then printf: under Linux the output is lost with EBADF, not printed
        long buffer = code + 0x800;
        p.cpu().copyOut(buffer, "ok\n".getBytes(StandardCharsets.US_ASCII), 0, 3);
        fx.sos.linux().attach(p, new LinuxProcess("in".getBytes(StandardCharsets.US_ASCII), 0));
        assertThat(call(LinuxSyscall.CLOSE, 3)).as("not a descriptor the process has").isEqualTo(-9); // EBADF
        assertThat(call(LinuxSyscall.CLOSE, 1)).isZero();
        assertThat(call(LinuxSyscall.WRITE, 1, buffer, 3)).isEqualTo(-9);
        assertThat(call(LinuxSyscall.IOCTL, 1, 0x5413, buffer)).isEqualTo(-9);
        assertThat(call(LinuxSyscall.CLOSE, 1)).as("closed already").isEqualTo(-9);
        assertThat(call(LinuxSyscall.CLOSE, 0x1_0000_0001L)).as("an unsigned int: the low 32 bits").isEqualTo(-9);
        assertThat(call(LinuxSyscall.MMAP, 0, 4096, Syscalls.PROT_READ, Syscalls.MAP_PRIVATE, 1, 0)).isEqualTo(-9);
        assertThat(call(LinuxSyscall.MMAP, 0, 4096, Syscalls.PROT_READ, Syscalls.MAP_PRIVATE, 2, 0))
                .as("an open stream cannot be mapped: ENODEV").isEqualTo(-19);
        assertThat(call(LinuxSyscall.WRITE, 2, buffer, 3)).as("stderr is still open").isEqualTo(3);
        assertThat(fx.sos.console()).isEqualTo("ok\n");
        assertThat(call(LinuxSyscall.READ, 0, buffer, 1)).isEqualTo(1);
        assertThat(call(LinuxSyscall.CLOSE, 0)).isZero();
        assertThat(call(LinuxSyscall.READ, 0, buffer, 1)).as("input left, but stdin is closed").isEqualTo(-9);
    }

    @Test
    void fionreadOnStandardInputIsTheBytesLeftAsOnAFile() {
        // mm.c under QEMU with a 6-byte file as standard input: FIONREAD 6
        long buffer = code + 0x800;
        fx.sos.linux().attach(p, new LinuxProcess("input!".getBytes(StandardCharsets.US_ASCII), 0));
        assertThat(call(LinuxSyscall.IOCTL, 0, 0x541B, buffer)).isZero();
        assertThat(p.cpu().read(buffer, 4)).isEqualTo(6);
        assertThat(call(LinuxSyscall.READ, 0, buffer + 8, 2)).isEqualTo(2);
        assertThat(call(LinuxSyscall.IOCTL, 0, 0x541B, buffer)).isZero();
        assertThat(p.cpu().read(buffer, 4)).as("after a read of 2").isEqualTo(4);
        assertThat(call(LinuxSyscall.IOCTL, 0, 0x541B, code + 4096)).as("nowhere to write it").isEqualTo(-14);
        assertThat(call(LinuxSyscall.IOCTL, 1, 0x541B, buffer)).as("the console is no file").isEqualTo(-25);
    }

    @Test
    void resourceLimitsAreTheModelsAndCannotBeChanged() {
        // a student's getrlimit(RLIMIT_STACK) reads the 8 MiB stack SOS gives every process
        long rl = code + 0x800;
        assertThat(call(LinuxSyscall.PRLIMIT64, 0, 3, 0, rl)).isZero();
        assertThat(p.cpu().read(rl, 8)).isEqualTo(8L << 20);
        assertThat(p.cpu().read(rl + 8, 8)).as("RLIM_INFINITY").isEqualTo(-1);
        assertThat(call(LinuxSyscall.GETRLIMIT, 7, rl)).isZero(); // RLIMIT_NOFILE: Linux's default
        assertThat(p.cpu().read(rl, 8)).isEqualTo(1024);
        assertThat(p.cpu().read(rl + 8, 8)).isEqualTo(4096);
        assertThat(call(LinuxSyscall.PRLIMIT64, p.pid(), 9, 0, rl)).isZero(); // RLIMIT_AS
        assertThat(p.cpu().read(rl, 8)).isEqualTo(-1);
        assertThat(call(LinuxSyscall.PRLIMIT64, 0, 16, 0, rl)).isEqualTo(-22); // EINVAL
        assertThat(call(LinuxSyscall.PRLIMIT64, p.pid() + 1, 3, 0, rl)).isEqualTo(-3); // ESRCH
        assertThat(call(LinuxSyscall.GETRLIMIT, 3, code + 4096)).isEqualTo(-14); // EFAULT
        assertThat(call(LinuxSyscall.PRLIMIT64, 0, 3, rl, 0)).as("a new limit SOS cannot enforce").isEqualTo(-38);
        assertThat(fx.sos.linux().state(p).refusedCalls()).containsEntry("prlimit64: setting a resource limit", 1L);
    }

    @Test
    void clockGetresSaysOneNanosecondForEveryClockClockGettimeKnows() {
        long res = code + 0x800;
        p.cpu().write(res, 8, -1);
        assertThat(call(LinuxSyscall.CLOCK_GETRES, 1, res)).isZero(); // CLOCK_MONOTONIC
        assertThat(p.cpu().read(res, 8)).isZero();
        assertThat(p.cpu().read(res + 8, 8)).isEqualTo(1);
        assertThat(call(LinuxSyscall.CLOCK_GETRES, 6, res)).as("CLOCK_MONOTONIC_COARSE").isZero();
        assertThat(call(LinuxSyscall.CLOCK_GETRES, 0, 0)).as("NULL: only whether the clock exists").isZero();
        assertThat(call(LinuxSyscall.CLOCK_GETRES, 8, res)).isEqualTo(-22); // EINVAL, as clock_gettime says
        assertThat(call(LinuxSyscall.CLOCK_GETRES, 0, code + 4096)).isEqualTo(-14); // EFAULT
    }

    @Test
    void sizesAreReadUnsignedAndASmallSigsetGetsItsFirstBytes() {
        long buffer = code + 0x800;
        assertThat(call(LinuxSyscall.GETCWD, buffer, -1)).as("a huge size, not a negative one").isEqualTo(2);
        assertThat(call(LinuxSyscall.GETCWD, buffer, 1)).isEqualTo(-34); // ERANGE
        assertThat(call(LinuxSyscall.RT_SIGPENDING, buffer, 4)).isZero();
        assertThat(call(LinuxSyscall.RT_SIGPENDING, buffer, 16)).isEqualTo(-22);
    }

    @Test
    void munmapOfAKernelHalfRangeIsEinval() {
        assertThat(call(LinuxSyscall.MUNMAP, 0xFFFF_FFFF_FFFF_F000L, 4096)).isEqualTo(-22);
        assertThat(call(LinuxSyscall.MUNMAP, 1L << 63, 4096)).isEqualTo(-22);
        assertThat(call(LinuxSyscall.MUNMAP, 0x7000_0000L, 4096)).as("nothing there, in user space").isZero();
    }

    @Test
    void anUnblockedPendingSignalIsDeliveredEvenWhenTheOldMaskCannotBeWritten() {
        long set = code + 0x800;
        p.cpu().write(set, 8, 1L << (10 - 1)); // SIGUSR1
        assertThat(call(LinuxSyscall.RT_SIGPROCMASK, 0, set, 0, 8)).isZero(); // SIG_BLOCK
        assertThat(call(LinuxSyscall.TKILL, p.pid(), 10)).isZero();
        assertThat(p.state()).as("blocked: pending").isEqualTo(ProcessState.RUNNING);
        // SIG_UNBLOCK with an old set in no memory: EFAULT, but the mask changed and the signal is delivered
        ThreadRunner r = load(SVC, MOV_X8_EXIT_GROUP, SVC);
        r.context().setX(0, 1);
        r.context().setX(1, set);
        r.context().setX(2, 8);
        r.context().setX(3, 8);
        r.context().setX(8, LinuxSyscall.RT_SIGPROCMASK.number());
        r.run(1_000);
        assertThat(p.state()).isEqualTo(ProcessState.KILLED);
        assertThat(p.killReport().signal()).isEqualTo(10);
    }

    @Test
    void aBlockedSignalStaysPendingWhateverItsActionAndIsSettledWhenUnblocked() {
        long set = code + 0x800;
        long pending = code + 0x808;
        long sigchld = 1L << (17 - 1);
        long sigtstp = 1L << (20 - 1);
        p.cpu().write(set, 8, sigchld | sigtstp);
        assertThat(call(LinuxSyscall.RT_SIGPROCMASK, 0, set, 0, 8)).isZero(); // block both
        assertThat(call(LinuxSyscall.TKILL, p.pid(), 17)).isZero();
        assertThat(call(LinuxSyscall.TKILL, p.pid(), 20)).as("a blocked stop signal is pended, not refused").isZero();
        assertThat(call(LinuxSyscall.RT_SIGPENDING, pending, 8)).isZero();
        assertThat(p.cpu().read(pending, 8)).isEqualTo(sigchld | sigtstp);
        // unblocked: SIGCHLD's default is to be ignored, and SOS cannot stop a process
        assertThat(call(LinuxSyscall.RT_SIGPROCMASK, 1, set, 0, 8)).isZero();
        assertThat(p.state()).isEqualTo(ProcessState.RUNNING);
        assertThat(call(LinuxSyscall.RT_SIGPENDING, pending, 8)).isZero();
        assertThat(p.cpu().read(pending, 8)).isZero();
        assertThat(fx.sos.linux().state(p).refusedCalls().keySet()).anyMatch(r -> r.contains("SIGTSTP"));
    }

    @Test
    void msyncAndMlockAskThatTheirRangeIsMapped() {
        assertThat(call(LinuxSyscall.MSYNC, code, 4096, 4)).isZero(); // MS_SYNC on the mapped page
        assertThat(call(LinuxSyscall.MSYNC, 0x7000_0000L, 4096, 4)).isEqualTo(-12); // ENOMEM: a hole
        assertThat(call(LinuxSyscall.MSYNC, code, 8192, 4)).as("runs past the mapping").isEqualTo(-12);
        assertThat(call(LinuxSyscall.MLOCK, code + 16, 100)).isZero();
        assertThat(call(LinuxSyscall.MLOCK, 0x7000_0000L, 4096)).isEqualTo(-12);
        assertThat(call(LinuxSyscall.MLOCKALL, 4)).as("MCL_ONFAULT alone").isEqualTo(-22);
        assertThat(call(LinuxSyscall.MLOCKALL, 1)).isZero();
    }

    @Test
    void readsAndWritesGoUpToTheFirstPageTheyCannotReach() {
        // the code page is followed by nothing: a buffer 8 bytes short of its end runs off it
        long edge = code + 4096 - 8;
        assertThat(call(LinuxSyscall.WRITE, 1, edge, 4096)).as("the 8 readable bytes").isEqualTo(8);
        assertThat(call(LinuxSyscall.WRITE, 1, code + 4096, 16)).isEqualTo(-14); // EFAULT: none readable
        byte[] input = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
        fx.sos.linux().attach(p, new LinuxProcess(input, 0));
        assertThat(call(LinuxSyscall.READ, 0, edge, 16)).as("the 8 writable bytes").isEqualTo(8);
        assertThat(p.cpu().read(edge, 8)).isEqualTo(0x3736_3534_3332_3130L); // "01234567"
        assertThat(call(LinuxSyscall.READ, 0, code + 4096, 16)).isEqualTo(-14);
        assertThat(call(LinuxSyscall.READ, 0, code + 0x100, 16)).as("the rest stayed for the next read").isEqualTo(8);
    }

    @Test
    void aRangePastTheEndOfUserSpaceIsEfaultBeforeAByteMoves() {
        // a student's write(1, msg, len - 1) with len 0 asks for SIZE_MAX bytes: Linux's access_ok
        // refuses the whole range, where writing up to the first unreadable page would print memory
        long buffer = code + 0x800;
        p.cpu().copyOut(buffer, "ok\n".getBytes(StandardCharsets.US_ASCII), 0, 3);
        fx.sos.linux().attach(p, new LinuxProcess("input".getBytes(StandardCharsets.US_ASCII), 0));
        assertThat(call(LinuxSyscall.WRITE, 1, buffer, -1)).isEqualTo(-14); // EFAULT
        assertThat(call(LinuxSyscall.WRITE, 1, buffer, 1L << 62)).isEqualTo(-14);
        assertThat(call(LinuxSyscall.WRITE, 1, buffer, Layout.USER_TOP - buffer + 1)).as("one byte past the top")
                .isEqualTo(-14);
        assertThat(call(LinuxSyscall.WRITE, 1, 0xFFFF_0000_0000_0000L, 0)).as("even empty, a kernel address")
                .isEqualTo(-14);
        assertThat(call(LinuxSyscall.READ, 0, buffer, -1)).isEqualTo(-14);
        assertThat(fx.sos.console()).isEmpty();
        assertThat(p.cpu().read(buffer, 4) & 0xFF_FFFFL).as("nothing read into it").isEqualTo(0x0A_6B6FL);
        // inside user space the old rule stands: up to the first page that cannot be reached
        assertThat(call(LinuxSyscall.WRITE, 1, buffer, Layout.USER_TOP - buffer)).isEqualTo(4096 - 0x800);
        assertThat(call(LinuxSyscall.READ, 0, buffer, 16)).as("the input stayed").isEqualTo(5);
    }

    /** Writes iovecs {base, length} at {@code at} and returns {@code at}. */
    private long iovecs(long at, long... baseAndLength) {
        for (int i = 0; i < baseAndLength.length; i++) {
            assertThat(p.cpu().write(at + 8L * i, 8, baseAndLength[i])).isTrue();
        }
        return at;
    }

    @Test
    void writevAndReadvCheckEveryIovecBeforeTheyMoveAByte() {
        // Linux's import_iovec: a length negative as ssize_t is EINVAL and a range outside user
        // space EFAULT, for the whole call, before the first iovec is written
        long buffer = code + 0x800;
        p.cpu().copyOut(buffer, "ok\n".getBytes(StandardCharsets.US_ASCII), 0, 3);
        fx.sos.linux().attach(p, new LinuxProcess("input".getBytes(StandardCharsets.US_ASCII), 0));
        long iov = iovecs(code + 0x900, buffer, 3, buffer, -1);
        assertThat(call(LinuxSyscall.WRITEV, 1, iov, 2)).isEqualTo(-22); // EINVAL
        assertThat(call(LinuxSyscall.READV, 0, iov, 2)).isEqualTo(-22);
        iovecs(iov, buffer, 3, buffer, 1L << 62);
        assertThat(call(LinuxSyscall.WRITEV, 1, iov, 2)).isEqualTo(-14); // EFAULT
        iovecs(iov, buffer, 3, 0xFFFF_0000_0000_0000L, 4);
        assertThat(call(LinuxSyscall.WRITEV, 1, iov, 2)).isEqualTo(-14);
        assertThat(call(LinuxSyscall.READV, 0, iov, 2)).isEqualTo(-14);
        assertThat(fx.sos.console()).isEmpty();
        assertThat(p.cpu().read(buffer, 4) & 0xFF_FFFFL).as("nothing read into it").isEqualTo(0x0A_6B6FL);
        // the descriptor is looked at first, as Linux's fdget comes before the iovecs
        assertThat(call(LinuxSyscall.WRITEV, 7, iov, 1025)).isEqualTo(-9); // EBADF
        assertThat(call(LinuxSyscall.WRITEV, 0, iov, 0)).isEqualTo(-9);
        assertThat(call(LinuxSyscall.WRITEV, 1, iov, 1025)).isEqualTo(-22);
        assertThat(call(LinuxSyscall.WRITEV, 1, iov, 0)).isZero();
        iovecs(iov, buffer, 3, buffer, 2);
        assertThat(call(LinuxSyscall.WRITEV, 1, iov, 2)).isEqualTo(5);
        assertThat(fx.sos.console()).isEqualTo("ok\nok");
        assertThat(call(LinuxSyscall.READV, 0, iov, 2)).isEqualTo(5);
    }

    @Test
    void anIntArgumentIsItsLow32BitsAsLinuxsSyscallWrappersTakeIt() {
        // a student's syscall(SYS_tkill, -1, 0) passes the int in w0: x0 is 0x00000000ffffffff
        long buffer = code + 0x800;
        long minusOne = 0xFFFF_FFFFL;
        long high = 1L << 32;
        assertThat(call(LinuxSyscall.TKILL, minusOne, 0)).as("pid -1").isEqualTo(-22); // EINVAL
        assertThat(call(LinuxSyscall.TGKILL, minusOne, p.pid(), 0)).isEqualTo(-22);
        assertThat(call(LinuxSyscall.TKILL, high | p.pid(), high)).as("own tid, signal 0").isZero();
        assertThat(call(LinuxSyscall.TGKILL, high | p.pid(), high | p.pid(), high)).isZero();
        assertThat(call(LinuxSyscall.KILL, high | p.pid(), high)).isZero();
        assertThat(call(LinuxSyscall.GETRUSAGE, minusOne, buffer)).as("RUSAGE_CHILDREN").isZero();
        assertThat(call(LinuxSyscall.RT_SIGACTION, high | 2, 0, buffer, 8)).as("SIGINT's action").isZero();
        assertThat(p.cpu().write(buffer, 8, 0)).isTrue();
        assertThat(call(LinuxSyscall.RT_SIGPROCMASK, high, buffer, 0, 8)).as("SIG_BLOCK of nothing").isZero();
        assertThat(p.state()).isEqualTo(ProcessState.RUNNING);
    }

    @Test
    void clockTaiExistsAndGetrandomRefusesUnknownFlags() {
        // CLOCK_TAI (11) keeps TAI's 37 s lead over UTC, as Linux's does once NTP has set it
        long buffer = code + 0x800;
        assertThat(call(LinuxSyscall.CLOCK_GETTIME, 11, buffer)).isZero();
        long tai = p.cpu().read(buffer, 8);
        assertThat(call(LinuxSyscall.CLOCK_GETTIME, 0, buffer)).isZero();
        assertThat(tai - p.cpu().read(buffer, 8)).isEqualTo(37);
        assertThat(call(LinuxSyscall.CLOCK_GETRES, 11, buffer)).isZero();
        assertThat(call(LinuxSyscall.CLOCK_GETTIME, 10, buffer)).as("no clock 10").isEqualTo(-22);
        assertThat(call(LinuxSyscall.CLOCK_GETTIME, 12, buffer)).isEqualTo(-22);
        assertThat(call(LinuxSyscall.GETRANDOM, buffer, 16, 0)).isEqualTo(16);
        assertThat(call(LinuxSyscall.GETRANDOM, buffer, 16, 1 | 2)).as("GRND_NONBLOCK | GRND_RANDOM").isEqualTo(16);
        assertThat(call(LinuxSyscall.GETRANDOM, buffer, 16, 4)).as("GRND_INSECURE").isEqualTo(16);
        assertThat(call(LinuxSyscall.GETRANDOM, buffer, 16, 8)).as("no such flag").isEqualTo(-22);
        assertThat(call(LinuxSyscall.GETRANDOM, buffer, 16, 4 | 2)).as("GRND_INSECURE with GRND_RANDOM")
                .isEqualTo(-22);
    }

    @Test
    void aWriteIsHandedToTheConsoleInPiecesWithItsCharactersWhole() {
        // a 3-byte character straddling the 64 KiB piece boundary
        int length = Syscalls.MAX_WRITE + 2;
        Syscalls sys = fx.sos.syscalls(p);
        long buffer = sys.mmap(0, 2L << 16, Syscalls.PROT_READ | Syscalls.PROT_WRITE,
                Syscalls.MAP_PRIVATE | Syscalls.MAP_ANONYMOUS, -1, 0).value();
        byte[] text = new byte[length];
        java.util.Arrays.fill(text, (byte) 'a');
        byte[] euro = "\u20ac".getBytes(StandardCharsets.UTF_8);
        System.arraycopy(euro, 0, text, Syscalls.MAX_WRITE - 1, 3);
        assertThat(p.cpu().copyOut(buffer, text, 0, length)).isEqualTo(length);
        assertThat(call(LinuxSyscall.WRITE, 1, buffer, length)).isEqualTo(length);
        String console = fx.sos.console();
        assertThat(console).hasSize(length - 2).doesNotContain("\ufffd");
        assertThat(console.charAt(Syscalls.MAX_WRITE - 1)).isEqualTo('\u20ac');
    }

    @Test
    void theConsoleKeepsAProcesssFirst64MiBAndCountsTheRest() {
        LinuxProcess linux = fx.sos.linux().state(p);
        int nearly = (int) LinuxSyscalls.CONSOLE_LIMIT - 10;
        assertThat(linux.consoleRoom(nearly)).isEqualTo(nearly);
        assertThat(linux.consoleRoom(100)).isEqualTo(10);
        assertThat(linux.consoleRoom(5)).isZero();
        assertThat(linux.consoleDropped()).isEqualTo(95);
    }

    @Test
    void wholeCharactersHoldsBackOnlyASequenceTheEndCutsShort() {
        byte[] euro = "\u20ac".getBytes(StandardCharsets.UTF_8); // e2 82 ac
        assertThat(LinuxSyscalls.wholeCharacters(new byte[] {'a', euro[0], euro[1]})).isEqualTo(1);
        assertThat(LinuxSyscalls.wholeCharacters(new byte[] {'a', euro[0]})).isEqualTo(1);
        assertThat(LinuxSyscalls.wholeCharacters(new byte[] {'a', euro[0], euro[1], euro[2]})).isEqualTo(4);
        assertThat(LinuxSyscalls.wholeCharacters(new byte[] {'a', 'b'})).isEqualTo(2);
        assertThat(LinuxSyscalls.wholeCharacters(new byte[] {(byte) 0x82, (byte) 0x82, (byte) 0x82, (byte) 0x82}))
                .as("stray continuation bytes are not held").isEqualTo(4);
    }

    @Test
    void writeThenExitGroup() {
        byte[] hello = "hello\n".getBytes(StandardCharsets.US_ASCII);
        ThreadRunner r = load(MOV_X0_1, MOV_X2_6, MOV_X8_WRITE, SVC, MOV_X8_EXIT_GROUP, MOV_X0_3, SVC);
        p.cpu().copyOut(code + 0x100, hello, 0, hello.length);
        r.context().setX(1, code + 0x100);
        RunResult result = r.run(1_000);
        assertThat(result.stop()).isEqualTo(RunResult.Stop.STOPPED);
        assertThat(result.detail()).isEqualTo("exit_group(3)");
        assertThat(result.instructions()).isEqualTo(7);
        assertThat(fx.sos.console()).isEqualTo("hello\n");
        assertThat(p.state()).isEqualTo(ProcessState.EXITED);
        assertThat(p.exitCode()).isEqualTo(3);
        LinuxProcess linux = fx.sos.linux().state(p);
        assertThat(linux.calls()).containsEntry(LinuxSyscall.WRITE, 1L).containsEntry(LinuxSyscall.EXIT_GROUP, 1L);
        assertThat(fx.sos.destroy(p).isOk()).isTrue();
    }

    @Test
    void aBadPointerIsEfaultNotAKill() {
        ThreadRunner r = load(MOV_X0_1, MOV_X1_1, MOV_X2_16, MOV_X8_WRITE, SVC, MOV_X8_EXIT_GROUP, SVC);
        RunResult result = r.run(1_000);
        assertThat(result.detail()).isEqualTo("exit_group(" + (-14 & 0xFF) + ")");
        assertThat(p.state()).isEqualTo(ProcessState.EXITED);
        assertThat(fx.sos.console()).isEmpty();
    }

    @Test
    void anUnknownCallIsEnosysAndCounted() {
        ThreadRunner r = load(MOV_X8_999, SVC, MOV_X8_EXIT_GROUP, SVC);
        r.run(1_000);
        assertThat(p.exitCode()).isEqualTo(-38 & 0xFF);
        assertThat(fx.sos.linux().state(p).unknownCalls()).containsEntry(999L, 1L);
    }

    @Test
    void aGuardPageMadeWithMmapKillsItsToucher() {
        Syscalls sys = fx.sos.syscalls(p);
        long guard = sys.mmap(0, 4096, 0, Syscalls.MAP_PRIVATE | Syscalls.MAP_ANONYMOUS, -1, 0).value();
        ThreadRunner r = load(LDR_X3_X4, SVC);
        r.context().setX(4, guard);
        RunResult result = r.run(1_000);
        assertThat(result.stop()).isEqualTo(RunResult.Stop.STOPPED);
        assertThat(p.state()).isEqualTo(ProcessState.KILLED);
        assertThat(p.killReport().address()).isEqualTo(guard);
        assertThat(p.killReport().reason()).isEqualTo("no access to a PROT_NONE mmap region");
    }

    @Test
    void anUndefinedInstructionKillsWithItsEncoding() {
        ThreadRunner r = load(MOV_X0_1, UDF);
        r.run(1_000);
        assertThat(p.state()).isEqualTo(ProcessState.KILLED);
        assertThat(p.killReport().address()).isEqualTo(code + 4);
        assertThat(p.killReport().reason()).isEqualTo("undefined instruction 0x00000000");
        assertThat(p.killReport().signal()).as("SIGILL, as Linux sends").isEqualTo(4);
        assertThat(fx.sos.destroy(p).isOk()).isTrue();
    }

    @Test
    void aReturnToAMisalignedAddressIsSigbusAndTheReportNamesWhereItWent() {
        // a smashed return address: the report shows the target, not only the ret's encoding
        int movzX30 = 0xD288_283E; // movz x30, #0x4141
        int ret = 0xD65F_03C0;
        ThreadRunner r = load(movzX30, ret);
        r.run(1_000);
        assertThat(p.state()).isEqualTo(ProcessState.KILLED);
        assertThat(p.killReport().signal()).as("SIGBUS").isEqualTo(7);
        assertThat(p.killReport().address()).as("the ret").isEqualTo(code + 4);
        assertThat(p.killReport().reason()).isEqualTo("branch to the misaligned address 0x4141 (0xd65f03c0)");
    }

    @Test
    void aKillNoticeStartsItsOwnLineAfterAnUnfinishedOne() {
        // a program that printed "result: " and then faulted: the notice must not be glued to it
        byte[] partial = "result: ".getBytes(StandardCharsets.US_ASCII);
        ThreadRunner r = load(MOV_X0_1, MOV_X8_WRITE, SVC, UDF);
        p.cpu().copyOut(code + 0x100, partial, 0, partial.length);
        r.context().setX(1, code + 0x100);
        r.context().setX(2, partial.length);
        r.run(1_000);
        assertThat(p.state()).isEqualTo(ProcessState.KILLED);
        assertThat(fx.sos.console()).isEqualTo("result: \n[sos] process " + p.pid() + " " + p.killReport() + "\n");
    }

    @Test
    void anLseAtomicKillsWithAReportThatSaysWhatItIs() {
        // -march=armv8.1-a makes gcc inline ldaddal, which a Cortex-A53 does not have
        ThreadRunner r = load(0xB8E2_0023);
        r.run(1_000);
        assertThat(p.state()).isEqualTo(ProcessState.KILLED);
        assertThat(p.killReport().signal()).isEqualTo(4);
        assertThat(p.killReport().reason()).startsWith("undefined instruction 0xb8e20023: an atomic memory operation"
                + " (LSE, Armv8.1), which the modelled Cortex-A53 (Armv8.0) does not have");
    }

    @Test
    void aDirectedRoundingModeIsRefusedWithAReportThatSaysSo() {
        ThreadRunner r = load(MOVZ_X1_ROUND_UP, MSR_FPCR_X1, SVC);
        r.run(1_000);
        assertThat(p.state()).isEqualTo(ProcessState.KILLED);
        assertThat(p.killReport().address()).isEqualTo(code + 4);
        assertThat(p.killReport().reason()).startsWith("msr fpcr asks for a rounding mode other than to nearest");
        assertThat(p.killReport().signal()).isEqualTo(4);
    }

    @Test
    void aMisalignedExclusiveOnAMappedPageIsSigbusAndMapsNothing() {
        // The page is mapped (the code page itself), so only the alignment is wrong: SOS must not
        // try to map it again, which had leaked frames until memory ran out.
        ThreadRunner r = load(LDXR_X1_X1, SVC);
        r.context().setX(1, code + 0x101);
        long framesBefore = fx.sos.pages().framesMapped();
        r.run(1_000);
        assertThat(p.state()).isEqualTo(ProcessState.KILLED);
        assertThat(p.killReport().signal()).as("SIGBUS").isEqualTo(7);
        assertThat(p.killReport().address()).isEqualTo(code + 0x101);
        assertThat(p.killReport().reason()).contains("misaligned");
        assertThat(fx.sos.pages().framesMapped()).isEqualTo(framesBefore);
        assertThat(fx.sos.destroy(p).isOk()).isTrue();
        fx.assertInvariants();
    }

    @Test
    void aWriteLargerThanOnePieceIsWrittenWhole() {
        // A student's write(1, buf, n) that does not loop on a short count must not lose output.
        int n = 3 * Syscalls.MAX_WRITE + 123;
        Syscalls sys = fx.sos.syscalls(p);
        long buffer = sys.mmap(0, n, Syscalls.PROT_READ | Syscalls.PROT_WRITE, Syscalls.MAP_PRIVATE
                | Syscalls.MAP_ANONYMOUS, -1, 0).value();
        byte[] text = "0123456789abcdef".repeat(n / 16 + 1).substring(0, n).getBytes(StandardCharsets.US_ASCII);
        assertThat(p.cpu().copyOut(buffer, text, 0, n)).isEqualTo(n);
        ThreadRunner r = load(MOV_X0_1, MOV_X8_WRITE, SVC);
        r.context().setX(1, buffer);
        r.context().setX(2, n);
        r.run(3);
        assertThat(r.context().x(0)).isEqualTo(n);
        assertThat(fx.sos.console()).isEqualTo(new String(text, StandardCharsets.US_ASCII));
    }

    @Test
    void aWriteOfNeverTouchedMemoryReadsZerosAndMapsNoFrame() {
        // 1 MiB of anonymous memory, one byte written in its middle page: the other 255 pages read as zeros
        int n = 1 << 20;
        Syscalls sys = fx.sos.syscalls(p);
        long buffer = sys.mmap(0, n, Syscalls.PROT_READ | Syscalls.PROT_WRITE, Syscalls.MAP_PRIVATE
                | Syscalls.MAP_ANONYMOUS, -1, 0).value();
        long touched = buffer + n / 2 + 7;
        assertThat(p.cpu().write(touched, 1, 'x')).isTrue();
        assertThat(p.cpu().write(code, 4, SVC)).as("the code page, mapped before counting").isTrue();
        long pagesBefore = p.shadow().pageCount();
        long framesBefore = fx.sos.frameTable().framesInUse();

        assertThat(call(LinuxSyscall.WRITE, 1, buffer, n)).isEqualTo(n);

        String console = fx.sos.console();
        assertThat(console).hasSize(n);
        assertThat(console.charAt(n / 2 + 7)).isEqualTo('x');
        assertThat(console.chars().filter(c -> c != 0).count()).isEqualTo(1);
        assertThat(p.shadow().pageCount()).as("no page mapped for the read").isEqualTo(pagesBefore);
        assertThat(fx.sos.frameTable().framesInUse()).isEqualTo(framesBefore);
        // a page the process then touches is zero, as the write read it
        assertThat(p.cpu().read(buffer + 8, 8)).isZero();
        assertThat(p.shadow().pageCount()).isEqualTo(pagesBefore + 1);
    }
}
