package org.capbuddy.sos.linux;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.capbuddy.sos.SosFixture;
import org.capbuddy.sos.Syscalls;
import org.capbuddy.sos.process.Process;
import org.capbuddy.sos.process.ProcessState;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The Linux calls other than the memory ones at their edges, answered as Linux answers them
 * (programs/src/student_syscalls.c runs the cases qemu-aarch64 answers as Linux does; these are
 * the ones qemu-user checks in its own order, and the ones whose fault a fixture could not
 * survive): read and write ask access_ok before moving a byte; writev and readv check the
 * descriptor, then every length, before any; registers Linux reads as ints (the call number,
 * pids, signals, how, resources, flags) ignore their upper half; getrandom checks its flags
 * first and fills what it can; rt_sigaction reads the new action before checking the signal and
 * takes it before writing the old one back; the break stops a page short of the next mapping.
 */
class LinuxCallEdgesTest {
    private static final long KERNEL_HALF = 0xFFFF_0000_0000_0000L;
    private static final long HIGH = 1L << 32;
    private static final int EBADF = -9;
    private static final int EFAULT = -14;
    private static final int EINVAL = -22;
    private static final int ESRCH = -3;
    private static final int EOPNOTSUPP = -95;

    private SosFixture fx;
    private Process p;
    /** A read-write-execute page with nothing mapped after it; its second half is scratch memory. */
    private long code;
    private long scratch;

    @BeforeEach
    void setUp() {
        fx = new SosFixture(true);
        p = fx.process();
        code = fx.codePage(p);
        scratch = code + 0x800;
    }

    /** Makes one system call from the process with x8 = {@code number}, x0.. = {@code args}, and returns x0 after it. */
    private long callNumber(long number, long... args) {
        return fx.linuxCall(p, code, number, args);
    }

    private long call(LinuxSyscall call, long... args) {
        return callNumber(call.number(), args);
    }

    private void input(String text) {
        fx.sos.linux().attach(p, new LinuxProcess(text.getBytes(StandardCharsets.US_ASCII), 0));
    }

    /** Writes iovecs (base, length pairs) at {@code at}. */
    private long iovecs(long at, long... pairs) {
        for (int i = 0; i < pairs.length; i++) {
            p.cpu().write(at + 8L * i, 8, pairs[i]);
        }
        return at;
    }

    @Test
    void readAndWriteAskThatTheRangeIsUserSpaceBeforeMovingAByte() {
        p.cpu().write(scratch, 8, 0x0A6F_6C6C_6568L); // "hello\n"
        // a count past user space was a write of 2 GiB up to the first hole; Linux's access_ok refuses it
        assertThat(call(LinuxSyscall.WRITE, 1, scratch, -1)).isEqualTo(EFAULT);
        assertThat(call(LinuxSyscall.WRITE, 1, scratch, 1L << 62)).isEqualTo(EFAULT);
        assertThat(call(LinuxSyscall.WRITE, 2, KERNEL_HALF, 0)).as("an empty range at a kernel address").isEqualTo(EFAULT);
        assertThat(fx.sos.console()).isEmpty();
        assertThat(call(LinuxSyscall.WRITE, 1, scratch, 0)).isZero();
        assertThat(call(LinuxSyscall.WRITE, 1, 0, 0)).isZero();

        input("abc");
        assertThat(call(LinuxSyscall.READ, 0, scratch, -1)).isEqualTo(EFAULT);
        assertThat(call(LinuxSyscall.READ, 0, KERNEL_HALF, 0)).isEqualTo(EFAULT);
        assertThat(call(LinuxSyscall.READ, 0, scratch, 16)).as("the input is still there").isEqualTo(3);
        assertThat(call(LinuxSyscall.READ, 0, 0, 0)).isZero();
    }

    @Test
    void vectorsCheckTheDescriptorThenEveryLengthThenEveryRangeBeforeMoving() {
        long iov = iovecs(scratch, scratch + 0x100, 3, scratch + 0x200, -1);
        assertThat(call(LinuxSyscall.WRITEV, -1, iov, 0)).as("no iovecs, but no descriptor either").isEqualTo(EBADF);
        assertThat(call(LinuxSyscall.WRITEV, -1, iov, 2000)).isEqualTo(EBADF);
        assertThat(call(LinuxSyscall.WRITEV, 0, iov, 0)).as("standard input is not for writing").isEqualTo(EBADF);
        assertThat(call(LinuxSyscall.READV, 1, iov, 0)).isEqualTo(EBADF);
        assertThat(call(LinuxSyscall.WRITEV, 1, iov, 1025)).isEqualTo(EINVAL);
        assertThat(call(LinuxSyscall.WRITEV, 1, iov, 2)).as("a negative second length").isEqualTo(EINVAL);
        iovecs(scratch, scratch + 0x100, 3, scratch + 0x200, 1L << 62);
        assertThat(call(LinuxSyscall.WRITEV, 1, iov, 2)).as("a second range past user space").isEqualTo(EFAULT);
        iovecs(scratch, KERNEL_HALF, 3, scratch + 0x200, -1);
        assertThat(call(LinuxSyscall.WRITEV, 1, iov, 2)).as("every length before any range").isEqualTo(EINVAL);
        assertThat(fx.sos.console()).as("nothing written by a refused call").isEmpty();

        input("abcdef");
        iovecs(scratch, scratch + 0x100, 4, scratch + 0x200, -1);
        assertThat(call(LinuxSyscall.READV, 0, iov, 2)).isEqualTo(EINVAL);
        iovecs(scratch, scratch + 0x100, 4, scratch + 0x200, 4);
        assertThat(call(LinuxSyscall.READV, 0, iov, 2)).as("all the input, nothing taken before").isEqualTo(6);
    }

    @Test
    void theUpperHalfOfAnIntArgumentIsNotLookedAt() {
        assertThat(callNumber(HIGH + LinuxSyscall.SCHED_YIELD.number())).as("sched_yield").isZero();
        assertThat(fx.sos.linux().state(p).calls()).containsEntry(LinuxSyscall.SCHED_YIELD, 1L);
        assertThat(fx.sos.linux().state(p).unknownCalls()).isEmpty();
        assertThat(call(LinuxSyscall.KILL, p.pid(), HIGH)).as("signal 0").isZero();
        assertThat(call(LinuxSyscall.KILL, HIGH + p.pid(), 0)).as("its own pid").isZero();
        assertThat(call(LinuxSyscall.TKILL, HIGH + p.pid(), 0)).isZero();
        assertThat(call(LinuxSyscall.TGKILL, HIGH + p.pid(), HIGH + p.pid(), HIGH)).isZero();
        assertThat(call(LinuxSyscall.GETRLIMIT, HIGH + 3, scratch)).as("RLIMIT_STACK").isZero();
        assertThat(p.cpu().read(scratch, 8)).isEqualTo(8L << 20);
        assertThat(call(LinuxSyscall.GETRANDOM, scratch, 16, HIGH)).as("no flags").isEqualTo(16);
        p.cpu().write(scratch, 8, 1L << (10 - 1)); // SIGUSR1
        assertThat(call(LinuxSyscall.RT_SIGPROCMASK, HIGH, scratch, 0, 8)).as("SIG_BLOCK").isZero();
        assertThat(call(LinuxSyscall.RT_SIGPROCMASK, 0, 0, scratch + 8, 8)).isZero();
        assertThat(p.cpu().read(scratch + 8, 8)).isEqualTo(1L << (10 - 1));
        p.cpu().write(scratch + 0x100, 8, 1); // SIG_IGN
        assertThat(call(LinuxSyscall.RT_SIGACTION, HIGH + 10, scratch + 0x100, 0, 8)).isZero();
        assertThat(p.state()).isEqualTo(ProcessState.RUNNING);
    }

    @Test
    void anotherPidIsLookedUpBeforeTheSignalIsChecked() {
        assertThat(call(LinuxSyscall.KILL, p.pid() + 1, 65)).isEqualTo(ESRCH);
        assertThat(call(LinuxSyscall.KILL, Integer.MIN_VALUE, 0)).isEqualTo(ESRCH);
        assertThat(call(LinuxSyscall.KILL, p.pid(), 65)).isEqualTo(EINVAL);
        assertThat(call(LinuxSyscall.TKILL, p.pid() + 1, 65)).isEqualTo(ESRCH);
    }

    @Test
    void theBreakStopsAPageShortOfTheNextMapping() {
        // Linux's brk keeps a page free below the next mapping (qemu-user's own brk does not)
        long start = call(LinuxSyscall.BRK, 0);
        long above = ((start + 4095) & -4096) + 16 * 4096;
        assertThat(fx.sos.syscalls(p).mmap(above, 4096, Syscalls.PROT_READ, Syscalls.MAP_PRIVATE
                | Syscalls.MAP_ANONYMOUS | Syscalls.MAP_FIXED_NOREPLACE, -1, 0).value()).isEqualTo(above);
        assertThat(call(LinuxSyscall.BRK, above)).as("up to the mapping: refused").isEqualTo(start);
        assertThat(call(LinuxSyscall.BRK, above - 4095)).as("into its last free page").isEqualTo(start);
        assertThat(call(LinuxSyscall.BRK, above - 4096)).as("a page short of it").isEqualTo(above - 4096);
        assertThat(call(LinuxSyscall.BRK, start)).isEqualTo(start);
    }

    @Test
    void getrlimitNeedsAPlaceForTheLimitWhichPrlimitMayLeaveOut() {
        assertThat(call(LinuxSyscall.GETRLIMIT, 3, 0)).isEqualTo(EFAULT);
        assertThat(call(LinuxSyscall.GETRLIMIT, 16, 0)).as("the resource first").isEqualTo(EINVAL);
        assertThat(call(LinuxSyscall.GETRLIMIT, -1, scratch)).as("an unsigned int").isEqualTo(EINVAL);
        assertThat(call(LinuxSyscall.PRLIMIT64, 0, 3, 0, 0)).isZero();
    }

    @Test
    void getrandomChecksItsFlagsFirstAndFillsWhatItCan() {
        assertThat(call(LinuxSyscall.GETRANDOM, scratch, 16, 8)).isEqualTo(EINVAL);
        assertThat(call(LinuxSyscall.GETRANDOM, 0, 16, 8)).as("flags before the buffer").isEqualTo(EINVAL);
        assertThat(call(LinuxSyscall.GETRANDOM, scratch, 16, 6)).as("GRND_INSECURE | GRND_RANDOM").isEqualTo(EINVAL);
        assertThat(call(LinuxSyscall.GETRANDOM, scratch, 16, 5)).as("GRND_INSECURE | GRND_NONBLOCK").isEqualTo(16);
        assertThat(call(LinuxSyscall.GETRANDOM, 0, 0, 0)).isZero();
        assertThat(call(LinuxSyscall.GETRANDOM, KERNEL_HALF, 0, 0)).isEqualTo(EFAULT);
        assertThat(call(LinuxSyscall.GETRANDOM, code + 4096 - 8, 16, 0)).as("up to the hole").isEqualTo(8);
        assertThat(call(LinuxSyscall.GETRANDOM, code + 4096, 16, 0)).isEqualTo(EFAULT);

        int n = 3 * Syscalls.MAX_WRITE + 5;
        // placed where nothing follows it
        long big = fx.sos.syscalls(p).mmap(0x7000_0000L, n, Syscalls.PROT_READ | Syscalls.PROT_WRITE,
                Syscalls.MAP_PRIVATE | Syscalls.MAP_ANONYMOUS | Syscalls.MAP_FIXED, -1, 0).value();
        assertThat(call(LinuxSyscall.GETRANDOM, big, n, 0)).as("more than one piece, whole").isEqualTo(n);
        assertThat(p.cpu().read(big + n - 8, 8)).isNotZero();
        assertThat(call(LinuxSyscall.GETRANDOM, big, -1, 0)).as("cut to MAX_RW_COUNT, then up to the hole")
                .isEqualTo((n + 4095) & -4096);
    }

    @Test
    void theClocksIncludeTaiAndSleepingOnAClockThatCannotIsEopnotsupp() {
        assertThat(call(LinuxSyscall.CLOCK_GETTIME, 0, scratch)).isZero();
        assertThat(call(LinuxSyscall.CLOCK_GETTIME, 11, scratch + 16)).isZero();
        long realtime = p.cpu().read(scratch, 8);
        assertThat(p.cpu().read(scratch + 16, 8)).as("37 s ahead, as TAI is").isEqualTo(realtime + 37);
        assertThat(call(LinuxSyscall.CLOCK_GETRES, 11, 0)).isZero();
        assertThat(call(LinuxSyscall.CLOCK_GETTIME, 10, scratch)).isEqualTo(EINVAL);

        p.cpu().write(scratch, 8, 0);
        p.cpu().write(scratch + 8, 8, 1);
        assertThat(call(LinuxSyscall.CLOCK_NANOSLEEP, 11, 0, scratch, 0)).isZero();
        for (int coarseOrRaw : new int[] {3, 4, 5, 6}) {
            assertThat(call(LinuxSyscall.CLOCK_NANOSLEEP, coarseOrRaw, 0, scratch, 0)).as("clock %d", coarseOrRaw)
                    .isEqualTo(EOPNOTSUPP);
        }
        assertThat(call(LinuxSyscall.CLOCK_NANOSLEEP, 4, 0, 0, 0)).as("before the time is read").isEqualTo(EOPNOTSUPP);
        assertThat(call(LinuxSyscall.CLOCK_NANOSLEEP, 8, 0, scratch, 0)).as("no real-time clock device").isEqualTo(EOPNOTSUPP);
        assertThat(call(LinuxSyscall.CLOCK_NANOSLEEP, 100, 0, scratch, 0)).isEqualTo(EINVAL);
        assertThat(call(LinuxSyscall.NANOSLEEP, 0, 0)).as("NULL: qemu-user says EINVAL, Linux EFAULT").isEqualTo(EFAULT);
    }

    @Test
    void theCallersCpuTimeClocksAreNamedByNegativeIdsAsLinuxMakesThem() {
        int processSched = -6; // clock_getcpuclockid(0): (-0 - 1) * 8 + 2
        int threadSched = -2;
        int ownPid = (~p.pid() << 3) | 2;
        assertThat(call(LinuxSyscall.CLOCK_GETTIME, processSched, scratch)).isZero();
        assertThat(call(LinuxSyscall.CLOCK_GETTIME, threadSched, scratch)).isZero();
        assertThat(call(LinuxSyscall.CLOCK_GETTIME, -8, scratch)).as("the process's profiling time").isZero();
        assertThat(call(LinuxSyscall.CLOCK_GETRES, ownPid, 0)).isZero();
        assertThat(call(LinuxSyscall.CLOCK_GETRES, (~(p.pid() + 1) << 3) | 2, 0)).as("another pid").isEqualTo(EINVAL);
        assertThat(call(LinuxSyscall.CLOCK_GETTIME, -1, scratch)).as("which time 3").isEqualTo(EINVAL);
        assertThat(call(LinuxSyscall.CLOCK_GETTIME, -5, scratch)).as("descriptor 0's clock").isEqualTo(EINVAL);

        p.cpu().write(scratch, 8, 0);
        p.cpu().write(scratch + 8, 8, 1);
        assertThat(call(LinuxSyscall.CLOCK_NANOSLEEP, threadSched, 0, scratch, 0)).isEqualTo(EINVAL);
        assertThat(call(LinuxSyscall.CLOCK_NANOSLEEP, threadSched, 0, 0, 0)).as("the time read first").isEqualTo(EFAULT);
        assertThat(call(LinuxSyscall.CLOCK_NANOSLEEP, 2, 0, 0, 0)).isEqualTo(EFAULT);
        assertThat(call(LinuxSyscall.CLOCK_NANOSLEEP, -5, 0, 0, 0)).isEqualTo(EOPNOTSUPP);
    }

    @Test
    void sigactionReadsTheNewActionFirstAndTakesItBeforeWritingTheOldBack() {
        assertThat(call(LinuxSyscall.RT_SIGACTION, 65, KERNEL_HALF, 0, 8)).isEqualTo(EFAULT);
        assertThat(call(LinuxSyscall.RT_SIGACTION, 9, KERNEL_HALF, 0, 8)).isEqualTo(EFAULT);
        assertThat(call(LinuxSyscall.RT_SIGACTION, 65, KERNEL_HALF, 0, 4)).as("the set size first").isEqualTo(EINVAL);
        assertThat(call(LinuxSyscall.RT_SIGACTION, 65, 0, 0, 8)).isEqualTo(EINVAL);

        p.cpu().write(scratch, 8, 1); // SIG_IGN
        assertThat(call(LinuxSyscall.RT_SIGACTION, 10, scratch, code + 4096, 8)).as("no place for the old action")
                .isEqualTo(EFAULT);
        assertThat(call(LinuxSyscall.RT_SIGACTION, 10, 0, scratch + 0x100, 8)).isZero();
        assertThat(p.cpu().read(scratch + 0x100, 8)).as("SIG_IGN stands, as on Linux").isEqualTo(1);
        assertThat(call(LinuxSyscall.KILL, p.pid(), 10)).isZero();
        assertThat(p.state()).as("SIGUSR1 ignored").isEqualTo(ProcessState.RUNNING);
    }
}
