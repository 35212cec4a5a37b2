package org.capbuddy.sos.linux;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.SplittableRandom;
import org.capbuddy.kernel.cpu.ThreadRunner;
import org.capbuddy.kernel.trace.TraceEvent;
import org.capbuddy.kernel.trace.TraceKind;
import org.capbuddy.sos.process.Process;
import org.capbuddy.sos.process.ProcessState;
import org.junit.jupiter.api.Test;

/**
 * pselect6 on descriptors, one system call at a time: what is ready in each set (pipes' ends in
 * each state, the standard streams), what goes back (only the bits found, whole words, nothing
 * when interrupted), every error in Linux's order with nothing changed, nfds capped at the
 * descriptor table's size, the timeout and its time left, the signal mask it waits under, blocking
 * until another process writes, a signal (EINTR, never restarted) or the process's own timer; and
 * select's answers against ppoll's for the same descriptors in random states.
 */
class SelectCallsTest extends LinuxCallsTestBase {
    private static final long PSELECT6 = 72;
    private static final long PPOLL = 73;
    private static final long DUP3 = 24;
    private static final long CLOSE = 57;
    private static final long READ = 63;
    private static final long WRITE = 64;
    private static final long MMAP = 222;
    private static final long MPROTECT = 226;
    private static final long KILL = 129;
    private static final long TKILL = 130;
    private static final long RT_SIGACTION = 134;
    private static final long RT_SIGPROCMASK = 135;
    private static final long SETITIMER = 103;
    private static final long PRLIMIT64 = 261;
    private static final int SIGTERM = 15;
    private static final int SIGUSR1 = 10;
    private static final int SIGALRM = 14;
    private static final long SA_RESTART = 0x1000_0000L;
    private static final int O_NONBLOCK = 0x800;
    private static final long EINTR = -4;
    private static final long EBADF = -9;
    private static final long EFAULT = -14;
    private static final long EINVAL = -22;
    private static final long MS = 1_000_000;
    /** A word a set's untouched bits hold, to see what select writes and what it leaves. */
    private static final long MARK = 0x5A5A_5A5A_5A5A_5A5AL;

    private final long rd = data + 0x100;
    private final long wr = data + 0x200;
    private final long ex = data + 0x300;
    private final long ts = data + 0x400;
    private final long pack = data + 0x500;
    private final long sigset = data + 0x600;

    /** An fd_set of the descriptors given, in its first word, the next holding {@link #MARK}. */
    private void set(Process p, long at, int... fds) {
        long bits = 0;
        for (int fd : fds) {
            bits |= 1L << fd;
        }
        put(p, at, bits, MARK);
    }

    private static long bits(int... fds) {
        long bits = 0;
        for (int fd : fds) {
            bits |= 1L << fd;
        }
        return bits;
    }

    /** Starts pselect6 from {@code p} and leaves it blocked: its runner, to read x0 once it is woken. */
    private ThreadRunner blockIn(Process p, long... args) {
        ThreadRunner r = fx.run(p, code, PSELECT6, args);
        assertThat(fx.sos.linux().blocked(p)).as("blocked in pselect6").isTrue();
        return r;
    }

    /** Gives {@code p} a handler (at code + 0x800, never run here) for {@code signal}, with {@code flags}. */
    private void handle(Process p, int signal, long flags) {
        fx.handle(p, code, data + 0x700, signal, flags);
    }

    @Test
    void eachSetHoldsOnlyWhatIsReadyAndTheCountIsOfBits() {
        int[] p = pipe(parent, 0);
        set(parent, rd, 0, 1, p[0], p[1]);
        set(parent, wr, 0, 1, p[0], p[1]);
        set(parent, ex, 0, 1, p[0], p[1]);
        put(parent, ts, 0, 0);
        // standard input and the console are both readable and writable; the empty pipe's read end
        // neither; its write end writable; nothing is exceptional
        assertThat(call(parent, PSELECT6, 64, rd, wr, ex, ts, 0)).isEqualTo(5);
        assertThat(word(parent, rd)).isEqualTo(bits(0, 1));
        assertThat(word(parent, wr)).isEqualTo(bits(0, 1, p[1]));
        assertThat(word(parent, ex)).as("no out-of-band data anywhere").isZero();
        assertThat(word(parent, rd + 8)).as("past nfds: left alone").isEqualTo(MARK);

        assertThat(call(parent, WRITE, p[1], data, 1)).isEqualTo(1);
        set(parent, rd, p[0]);
        assertThat(call(parent, PSELECT6, p[0] + 1, rd, 0, 0, ts, 0)).as("bytes to read").isEqualTo(1);
        assertThat(word(parent, rd)).isEqualTo(bits(p[0]));

        // no writer left: readable (end of file) even once empty
        assertThat(call(parent, CLOSE, p[1])).isZero();
        assertThat(call(parent, READ, p[0], data, 10)).isEqualTo(1);
        set(parent, rd, p[0]);
        set(parent, wr, p[0]);
        assertThat(call(parent, PSELECT6, p[0] + 1, rd, wr, 0, ts, 0)).isEqualTo(1);
        assertThat(word(parent, rd)).isEqualTo(bits(p[0]));
        assertThat(word(parent, wr)).as("a read end is never writable").isZero();

        // no reader left: the write end is writable (the write is EPIPE), full as it is, and,
        // POLLERR, readable too
        int[] q = pipe(parent, O_NONBLOCK);
        while (call(parent, WRITE, q[1], data + 0x1000, Pipe.PAGE) > 0) {
            // fill it: POLLOUT goes
        }
        assertThat(call(parent, CLOSE, q[0])).isZero();
        set(parent, rd, q[1]);
        set(parent, wr, q[1]);
        assertThat(call(parent, PSELECT6, q[1] + 1, rd, wr, 0, ts, 0)).isEqualTo(2);
        assertThat(word(parent, rd)).isEqualTo(bits(q[1]));
        assertThat(word(parent, wr)).isEqualTo(bits(q[1]));
    }

    @Test
    void aDescriptorClosedSinceTheCheckIsInEverySetItWasAskedInAsLinuxsSetsHoldPollnval() {
        int[] p = pipe(parent, 0);
        LinuxProcess state = fx.sos.linux().state(parent);
        set(parent, rd, p[0]);
        set(parent, wr, p[0]);
        set(parent, ex, p[0]);
        DescriptorSelect select = DescriptorSelect.read(fx.sos.syscalls(parent), p[0] + 1,
                state.descriptors().tableSize(), rd, wr, ex);
        assertThat(select.namesClosed(state)).isFalse();
        assertThat(select.scan(state)).as("an empty pipe's read end").isZero();
        // nothing in SOS closes a blocked process's descriptors; on Linux another thread may
        assertThat(call(parent, CLOSE, p[0])).isZero();
        assertThat(select.ready(state)).isEqualTo(3);
    }

    @Test
    void aFullPipesWriteEndIsNotWritableUntilAReaderMakesRoom() {
        int[] p = pipe(parent, O_NONBLOCK);
        int pages = 0;
        while (call(parent, WRITE, p[1], data + 0x1000, Pipe.PAGE) == Pipe.PAGE) {
            pages++;
        }
        assertThat(pages).isEqualTo(Pipe.PAGES);
        set(parent, wr, p[1]);
        put(parent, ts, 0, 0);
        assertThat(call(parent, PSELECT6, p[1] + 1, 0, wr, 0, ts, 0)).isZero();
        assertThat(word(parent, wr)).as("all clear at the timeout").isZero();
        assertThat(call(parent, READ, p[0], data + 0x1000, Pipe.PAGE)).isEqualTo(Pipe.PAGE);
        set(parent, wr, p[1]);
        assertThat(call(parent, PSELECT6, p[1] + 1, 0, wr, 0, ts, 0)).isEqualTo(1);
        assertThat(word(parent, wr)).isEqualTo(bits(p[1]));
    }

    @Test
    void bitsPastNfdsInItsLastWordAreClearedAndNotAsked() {
        int[] p = pipe(parent, 0); // 3 and 4, the write end writable
        put(parent, wr, bits(1, p[1], 40), MARK);
        put(parent, ts, 0, 0);
        // nfds 4: descriptor 4 and 40 are past it, not asked (40 is not open: no EBADF), and the
        // word goes back whole, only descriptor 1's bit in it
        assertThat(call(parent, PSELECT6, 4, 0, wr, 0, ts, 0)).isEqualTo(1);
        assertThat(word(parent, wr)).isEqualTo(bits(1));
        assertThat(word(parent, wr + 8)).isEqualTo(MARK);
    }

    @Test
    void everyErrorInLinuxsOrderChangesNothing() {
        int[] p = pipe(parent, 0);
        set(parent, rd, 0, p[0]);
        set(parent, wr, p[1]);
        set(parent, ex, 9); // 9 is not open: the last check, EBADF, unless an earlier one fails
        put(parent, ts, 1, 0);
        long badTs = data + 0x800;
        put(parent, badTs, 0, 1_000_000_000);
        put(parent, sigset, 0);
        put(parent, pack, sigset, 8);
        long before = fx.sos.linux().state(parent).now();

        assertThat(call(parent, PSELECT6, 10, rd, wr, ex, ts, pack)).as("9 not open").isEqualTo(EBADF);
        // the sixth argument is read first, then the timeout, then the mask, then nfds, then the sets
        assertThat(call(parent, PSELECT6, 10, rd, wr, ex, badTs, 0x10)).as("the pair unreadable").isEqualTo(EFAULT);
        assertThat(call(parent, PSELECT6, 10, rd, wr, ex, 0x10, pack)).as("the timeout unreadable").isEqualTo(EFAULT);
        put(parent, pack, sigset, 4);
        assertThat(call(parent, PSELECT6, -1, rd, wr, ex, badTs, pack)).as("nanoseconds past a second")
                .isEqualTo(EINVAL);
        put(parent, badTs, -1, 0);
        assertThat(call(parent, PSELECT6, 10, rd, wr, ex, badTs, pack)).as("negative seconds").isEqualTo(EINVAL);
        assertThat(call(parent, PSELECT6, 10, rd, wr, ex, ts, pack)).as("a sigset of 4 bytes").isEqualTo(EINVAL);
        put(parent, pack, 0x10, 8);
        assertThat(call(parent, PSELECT6, 10, rd, wr, ex, ts, pack)).as("the sigset unreadable").isEqualTo(EFAULT);
        put(parent, pack, 0, 4);
        assertThat(call(parent, PSELECT6, 10, rd, wr, ex, ts, pack)).as("no sigset: its size is not looked at")
                .isEqualTo(EBADF);
        assertThat(call(parent, PSELECT6, -1, 0x10, wr, ex, ts, 0)).as("nfds negative").isEqualTo(EINVAL);
        assertThat(call(parent, PSELECT6, 0xFFFF_FFFF_0000_000AL, rd, wr, ex, ts, 0)).as("nfds is an int: 10")
                .isEqualTo(EBADF);
        // the sets are read in order, none written when one cannot be read
        assertThat(call(parent, PSELECT6, 10, rd, wr, 0x10, ts, 0)).as("except unreadable").isEqualTo(EFAULT);
        assertThat(call(parent, PSELECT6, 10, 0x10, wr, ex, ts, 0)).as("read unreadable").isEqualTo(EFAULT);
        put(parent, data + 0x880, 0, 0);
        assertThat(call(parent, PSELECT6, 0, 0x10, 0x10, 0x10, data + 0x880, 0)).as("nfds 0 reads no set")
                .isEqualTo(0);
        assertThat(call(parent, CLOSE, p[1])).isZero();
        assertThat(call(parent, PSELECT6, p[1] + 1, rd, wr, 0, ts, 0)).as("a closed write end").isEqualTo(EBADF);

        assertThat(word(parent, rd)).isEqualTo(bits(0, p[0]));
        assertThat(word(parent, wr)).isEqualTo(bits(p[1]));
        assertThat(word(parent, ex)).isEqualTo(bits(9));
        assertThat(word(parent, ts)).as("the timeout as given").isEqualTo(1);
        assertThat(word(parent, ts + 8)).isZero();
        assertThat(fx.sos.linux().state(parent).blockedSignals()).isZero();
        assertThat(fx.sos.linux().state(parent).now() - before).as("no wait: a millisecond a call")
                .isLessThan(1_000 * MS);
        assertThat(parent.state()).isEqualTo(ProcessState.RUNNING);
    }

    @Test
    void aSetThatCannotBeWrittenBackIsEfaultAfterTheOnesBeforeIt() {
        long page = fx.linuxCall(parent, code, MMAP, 0, 4096, 3, 0x22, -1, 0);
        put(parent, page, bits(1), MARK);
        assertThat(call(parent, MPROTECT, page, 4096, 1)).isZero();
        set(parent, rd, 0);
        put(parent, ts, 0, 0);
        // read set first: written; the write set (read-only) fails
        assertThat(call(parent, PSELECT6, 2, rd, page, 0, ts, 0)).isEqualTo(EFAULT);
        assertThat(word(parent, rd)).isEqualTo(bits(0));
        assertThat(word(parent, page)).isEqualTo(bits(1));
    }

    /**
     * Linux's ppoll and pselect6 send every return of do_sys_poll and core_sys_select through
     * poll_select_finish once the mask is set: a failure after that (pselect6's nfds negative, its
     * sets unreadable or naming a descriptor not open; ppoll's count past RLIMIT_NOFILE or its
     * pollfds unreadable) writes the time left back, while one before (the mask's size) does not.
     * Linux writes the time asked for less the time elapsed, whatever its size: a timeout of 2^40 s,
     * past SOS's clock limit (2^62 ns), comes back whole (the run's clock does not move within a
     * call), not as the time to that limit.
     */
    @Test
    void aFailureAfterTheMaskIsSetWritesTheTimeLeftBackAsPollSelectFinishDoes() {
        LinuxProcess state = fx.sos.linux().state(parent);
        long huge = 1L << 40; // seconds: past the clock's limit
        set(parent, rd, 9); // 9 is not open
        put(parent, sigset, 0);
        put(parent, pack, sigset, 8);
        long[][] calls = {
            {PSELECT6, -1, rd, 0, 0, ts, pack},
            {PSELECT6, 10, 0x10, 0, 0, ts, pack},
            {PSELECT6, 10, rd, 0, 0, ts, pack},
            {PPOLL, 0x10, 2, ts, sigset, 8},
            {PPOLL, data, 5000, ts, sigset, 8},
        };
        long[] errors = {EINVAL, EFAULT, EBADF, EFAULT, EINVAL};
        for (int i = 0; i < calls.length; i++) {
            put(parent, ts, huge, 0);
            long[] args = java.util.Arrays.copyOfRange(calls[i], 1, calls[i].length);
            assertThat(call(parent, calls[i][0], args)).as("call %d", i).isEqualTo(errors[i]);
            assertThat(word(parent, ts)).as("call %d: the request less no time elapsed", i).isEqualTo(huge);
            assertThat(word(parent, ts + 8)).isZero();
            assertThat(state.blockedSignals()).isZero();
        }
        put(parent, ts, huge, 0);
        assertThat(call(parent, PPOLL, 0x10, 2, ts, sigset, 4)).as("before the mask: its size").isEqualTo(EINVAL);
        assertThat(word(parent, ts)).as("not written").isEqualTo(huge);

        // do_sys_poll and core_sys_select write their answer before poll_select_finish writes the
        // time left: a timeout whose nanoseconds are the read set's word ends holding the time left
        // (the word as asked, both ends of a pipe), not the answer (only the read end ready)
        int[] p = pipe(parent, 0);
        assertThat(call(parent, WRITE, p[1], data, 1)).isEqualTo(1);
        set(parent, rd, p[0], p[1]);
        put(parent, rd - 8, huge);
        assertThat(call(parent, PSELECT6, Math.max(p[0], p[1]) + 1, rd, 0, 0, rd - 8, 0)).isEqualTo(1);
        assertThat(word(parent, rd)).as("the time left's nanoseconds, written last").isEqualTo(bits(p[0], p[1]));
        assertThat(word(parent, rd - 8)).isEqualTo(huge);
    }

    @Test
    void nfdsIsCappedAtTheDescriptorTablesSizeNotRlimitNofile() {
        LinuxProcess state = fx.sos.linux().state(parent);
        assertThat(state.descriptors().tableSize()).isEqualTo(64);
        put(parent, rd, bits(0), 1L << (100 - 64));
        put(parent, ts, 0, 0);
        // 100 is past the table: neither asked (no EBADF) nor written back
        assertThat(call(parent, PSELECT6, 1 << 20, rd, 0, 0, ts, 0)).isEqualTo(1);
        assertThat(word(parent, rd)).isEqualTo(bits(0));
        assertThat(word(parent, rd + 8)).isEqualTo(1L << (100 - 64));
        // past RLIMIT_NOFILE too, where ppoll is EINVAL
        assertThat(call(parent, PPOLL, 0, 1 << 20, ts, 0, 0)).isEqualTo(EINVAL);
        // a set of one word at a page's end: only that word is read
        long page = fx.linuxCall(parent, code, MMAP, 0, 8192, 3, 0x22, -1, 0);
        assertThat(call(parent, MPROTECT, page + 4096, 4096, 0)).isZero();
        put(parent, page + 4088, bits(0));
        assertThat(call(parent, PSELECT6, 1024, page + 4088, 0, 0, ts, 0)).isEqualTo(1);

        // a descriptor at 100 grows the table to 128 (Linux 6.1's alloc_fdtable), which closing it keeps
        assertThat(call(parent, DUP3, 0, 100, 0)).isEqualTo(100);
        assertThat(state.descriptors().tableSize()).isEqualTo(128);
        put(parent, rd, bits(0), 1L << (100 - 64));
        assertThat(call(parent, PSELECT6, 1024, rd, 0, 0, ts, 0)).isEqualTo(2);
        assertThat(call(parent, CLOSE, 100)).isZero();
        assertThat(call(parent, PSELECT6, 1024, rd, 0, 0, ts, 0)).as("100 asked, not open").isEqualTo(EBADF);
        assertThat(call(parent, PSELECT6, 1024, page + 4088, 0, 0, ts, 0)).as("two words now").isEqualTo(EFAULT);
        assertThat(Descriptors.grownTable(127)).isEqualTo(128);
        assertThat(Descriptors.grownTable(128)).isEqualTo(256);
        assertThat(Descriptors.grownTable(256)).isEqualTo(512);
        assertThat(Descriptors.grownTable((1 << 20) - 1)).isEqualTo(1 << 20);

        // a child's table is what its parent's open descriptors need, and RLIMIT_NOFILE is not looked at
        put(parent, data + 0x800, 10, 10);
        assertThat(call(parent, PRLIMIT64, 0, 7, data + 0x800, 0)).isZero();
        Process child = fx.fork(parent, code);
        assertThat(fx.sos.linux().state(child).descriptors().tableSize()).isEqualTo(64);
        put(child, rd, bits(0), 0);
        assertThat(call(child, PSELECT6, 1024, rd, 0, 0, ts, 0)).isEqualTo(1);
    }

    @Test
    void aDup3FailingOnItsOldDescriptorStillGrowsTheTableAsLinuxExpandsItFirst() {
        LinuxProcess state = fx.sos.linux().state(parent);
        put(parent, ts, 0, 0);
        // the checks before Linux's expand_files leave the table as it was
        assertThat(call(parent, DUP3, 0, 100, 0x4000)).as("flags").isEqualTo(EINVAL);
        assertThat(call(parent, DUP3, 100, 100, 0)).as("the same descriptor").isEqualTo(EINVAL);
        assertThat(call(parent, DUP3, 0, 1 << 20, 0)).as("past RLIMIT_NOFILE").isEqualTo(EBADF);
        assertThat(state.descriptors().tableSize()).isEqualTo(64);
        put(parent, rd, 0, 1L << (100 - 64));
        assertThat(call(parent, PSELECT6, 101, rd, 0, 0, ts, 0)).as("100 past the table").isZero();

        // an old descriptor not open is EBADF after the table grew to hold the new one
        assertThat(call(parent, DUP3, 999, 100, 0)).isEqualTo(EBADF);
        assertThat(state.descriptors().tableSize()).isEqualTo(128);
        put(parent, rd, 0, 1L << (100 - 64));
        assertThat(call(parent, PSELECT6, 101, rd, 0, 0, ts, 0)).as("100 asked, not open").isEqualTo(EBADF);
    }

    @Test
    void theTimeoutMovesTheClockAndTheTimeLeftGoesBack() {
        int[] p = pipe(parent, 0);
        LinuxProcess state = fx.sos.linux().state(parent);
        set(parent, rd, p[0]);
        put(parent, ts, 0, 5 * MS);
        long before = state.now();
        // alone, nothing but the timeout can end it: the clock moves at once
        assertThat(call(parent, PSELECT6, p[0] + 1, rd, 0, 0, ts, 0)).isZero();
        assertThat(state.now() - before).isGreaterThanOrEqualTo(5 * MS);
        assertThat(word(parent, rd)).as("all clear").isZero();
        assertThat(word(parent, ts + 8)).as("no time left").isZero();

        // ready at once: the time left is the whole timeout (the clock has not moved within the call)
        assertThat(call(parent, WRITE, p[1], data, 1)).isEqualTo(1);
        set(parent, rd, p[0]);
        put(parent, ts, 3, 0);
        assertThat(call(parent, PSELECT6, p[0] + 1, rd, 0, 0, ts, 0)).isEqualTo(1);
        assertThat(word(parent, ts)).isEqualTo(3);
        assertThat(word(parent, ts + 8)).isZero();
        // under a mask of every signal (signal 64's bit is a long's sign), then the old mask back
        put(parent, sigset, -1L);
        put(parent, pack, sigset, 8);
        set(parent, rd, p[0]);
        assertThat(call(parent, PSELECT6, p[0] + 1, rd, 0, 0, ts, pack)).isEqualTo(1);
        assertThat(state.blockedSignals()).isZero();

        // no bit set: select(0, ...) sleeps for its timeout
        put(parent, ts, 0, 7 * MS);
        before = state.now();
        assertThat(call(parent, PSELECT6, 0, 0, 0, 0, ts, 0)).isZero();
        assertThat(state.now() - before).isGreaterThanOrEqualTo(7 * MS);
    }

    @Test
    void aNullTimeoutThatNothingCanEndKillsInsteadOfHanging() {
        int[] p = pipe(parent, 0);
        set(parent, rd, p[0]);
        call(parent, PSELECT6, p[0] + 1, rd, 0, 0, 0, 0);
        assertThat(parent.state()).isEqualTo(ProcessState.KILLED);
    }

    @Test
    void aZeroTimeoutWithASignalItsMaskOpensIsEintrAsDoSelectLooksAtSignalsWhenNothingIsReady() {
        long usr1 = 1L << (SIGUSR1 - 1);
        handle(parent, SIGUSR1, 0);
        put(parent, data + 0x800, usr1);
        assertThat(call(parent, RT_SIGPROCMASK, 0, data + 0x800, 0, 8)).isZero();
        assertThat(call(parent, TKILL, parent.pid(), SIGUSR1)).isZero();
        int[] p = pipe(parent, 0);
        set(parent, rd, p[0]);
        put(parent, ts, 0, 0);
        put(parent, sigset, 0);
        put(parent, pack, sigset, 8);
        ThreadRunner r = run(parent, PSELECT6, p[0] + 1, rd, 0, 0, ts, pack);
        assertThat(r.context().x(0)).as("in the handler").isEqualTo(SIGUSR1);
        long frame = r.context().sp();
        assertThat(parent.cpu().read(frame + SignalFrame.REGS, 8)).as("EINTR").isEqualTo(EINTR);
        assertThat(parent.cpu().read(frame + SignalFrame.UC_SIGMASK, 8)).as("the old mask saved").isEqualTo(usr1);
        assertThat(word(parent, rd)).as("interrupted: the set as given").isEqualTo(bits(p[0]));

        // the same with ppoll (a pollfd of the read end, POLLIN)
        assertThat(call(parent, RT_SIGPROCMASK, 2, data + 0x800, 0, 8)).isZero();
        assertThat(call(parent, TKILL, parent.pid(), SIGUSR1)).isZero();
        put(parent, data + 0x900, p[0] | 1L << 32);
        assertThat(call(parent, PPOLL, data + 0x900, 1, ts, sigset, 8)).isEqualTo(SIGUSR1);
    }

    /** Runs one call from {@code p} as its program would: the runner, to read x0 or a handler's frame. */
    private ThreadRunner run(Process p, long number, long... args) {
        return fx.run(p, code, number, args);
    }

    @Test
    void aZeroTimeoutRunsNoTimerSoATimerDueDuringTheCallFiresAfterItReturnedZero() {
        handle(parent, SIGALRM, 0);
        int[] p = pipe(parent, 0);
        put(parent, ts, 0, 0);
        put(parent, data + 0x900, p[0] | 1L << 32);
        // a one-shot timer of 500 us, which each call's own millisecond makes due; without a handler
        // run meanwhile, select(0, ...) and ppoll on no descriptors too
        long[][] calls = {
                {PSELECT6, p[0] + 1, rd, 0, 0, ts, 0},
                {PPOLL, data + 0x900, 1, ts, 0, 0},
                {PSELECT6, 0, 0, 0, 0, ts, 0},
                {PPOLL, 0, 0, ts, 0, 0}};
        for (long[] c : calls) {
            put(parent, sigset, 0); // the handler's frame left SIGALRM blocked (no handler runs here)
            assertThat(call(parent, RT_SIGPROCMASK, 2, sigset, 0, 8)).isZero();
            set(parent, rd, p[0]);
            put(parent, data + 0x800, 0, 0, 0, 500);
            assertThat(call(parent, SETITIMER, 0, data + 0x800, 0)).isZero();
            long[] args = Arrays.copyOfRange(c, 1, c.length);
            ThreadRunner r = run(parent, c[0], args);
            assertThat(r.context().x(0)).as("the timer fired on the way out").isEqualTo(SIGALRM);
            long frame = r.context().sp();
            assertThat(parent.cpu().read(frame + SignalFrame.REGS, 8)).as("call %d: 0, not EINTR", c[0]).isZero();
            if (c[0] == PSELECT6 && c[1] != 0) {
                assertThat(word(parent, rd)).as("nothing ready").isZero();
            }
        }
        // a signal already pending that the call's mask opens is still EINTR (see the test above),
        // and an ignored one is dropped, not EINTR
        put(parent, data + 0xA00, 1, 0, 0, 0); // SIG_IGN
        assertThat(call(parent, RT_SIGACTION, SIGUSR1, data + 0xA00, 0, 8)).isZero();
        put(parent, sigset, 1L << (SIGUSR1 - 1));
        assertThat(call(parent, RT_SIGPROCMASK, 0, sigset, 0, 8)).isZero();
        assertThat(call(parent, TKILL, parent.pid(), SIGUSR1)).isZero();
        put(parent, sigset, 0);
        put(parent, pack, sigset, 8);
        set(parent, rd, p[0]);
        assertThat(call(parent, PSELECT6, p[0] + 1, rd, 0, 0, ts, pack)).isZero();
        assertThat(fx.sos.linux().state(parent).pendingSignals()).isZero();
    }

    @Test
    void aBlockedSelectEndsWhenAnotherProcessWritesOrAtItsTimeout() {
        int[] p = pipe(parent, 0);
        Process child = fork(parent);
        set(child, rd, p[0]);
        set(child, wr, p[1]);
        put(child, ts, 0, 0);
        // the write end is ready: no block
        assertThat(call(child, PSELECT6, p[1] + 1, rd, wr, 0, 0, 0)).isEqualTo(1);
        set(child, rd, p[0]);
        ThreadRunner r = blockIn(child, p[0] + 1, rd, 0, 0, 0, 0);
        assertThat(fx.sos.linux().wouldRun(child)).isFalse();
        assertThat(fx.sos.linux().runnable(child)).isFalse();
        assertThat(call(parent, WRITE, p[1], data, 1)).isEqualTo(1);
        assertThat(fx.sos.linux().wouldRun(child)).isTrue();
        assertThat(fx.sos.linux().runnable(child)).isTrue();
        assertThat(r.context().x(0)).isEqualTo(1);
        assertThat(word(child, rd)).isEqualTo(bits(p[0]));

        // the last writer's close ends it too (end of file)
        assertThat(call(child, READ, p[0], data, 1)).isEqualTo(1);
        assertThat(call(child, CLOSE, p[1])).isZero();
        set(child, rd, p[0]);
        r = blockIn(child, p[0] + 1, rd, 0, 0, 0, 0);
        assertThat(call(parent, CLOSE, p[1])).isZero();
        assertThat(fx.sos.linux().runnable(child)).isTrue();
        assertThat(r.context().x(0)).isEqualTo(1);

        // with a timeout, every process blocked: the clock jumps to it
        int[] q = pipe(child, 0);
        set(child, rd, q[0]);
        put(child, ts, 2, 0);
        r = blockIn(child, q[0] + 1, rd, 0, 0, ts, 0);
        assertThat(fx.sos.linux().wakeTime(child)).isPresent();
        assertThat(fx.sos.linux().jumpToEarliestWake(List.of(child))).isTrue();
        assertThat(fx.sos.linux().runnable(child)).isTrue();
        assertThat(r.context().x(0)).as("timed out").isZero();
        assertThat(word(child, rd)).isZero();
        assertThat(word(child, ts)).as("no time left").isZero();
    }

    @Test
    void theSyscallTraceSaysWhatEndedABlockedSelectOrPpoll() {
        List<TraceEvent> events = new ArrayList<>();
        fx.kernel.state().tracer().start(EnumSet.of(TraceKind.SYSCALLS), -1, events::add);
        int[] p = pipe(parent, 0);
        Process child = fork(parent);
        handle(child, SIGTERM, 0);
        set(child, rd, p[0]);
        blockIn(child, p[0] + 1, rd, 0, 0, 0, 0);
        assertThat(call(parent, WRITE, p[1], data, 1)).isEqualTo(1);
        assertThat(fx.sos.linux().runnable(child)).isTrue();
        assertThat(call(child, READ, p[0], data, 1)).isEqualTo(1);

        set(child, rd, p[0]);
        put(child, ts, 2, 0);
        blockIn(child, p[0] + 1, rd, 0, 0, ts, 0);
        assertThat(fx.sos.linux().jumpToEarliestWake(List.of(child))).isTrue();
        assertThat(fx.sos.linux().runnable(child)).isTrue();

        // ppoll, ended by a handler's signal
        put(child, sigset, 0);
        assertThat(call(child, RT_SIGPROCMASK, 2, sigset, 0, 8)).isZero();
        put(child, data + 0x900, p[0] | 1L << 32);
        ThreadRunner r = run(child, PPOLL, data + 0x900, 1, 0, 0, 0);
        assertThat(fx.sos.linux().blocked(child)).as("blocked in ppoll").isTrue();
        assertThat(call(parent, KILL, child.pid(), SIGTERM)).isZero();
        assertThat(r.context().x(0)).as("in its handler").isEqualTo(SIGTERM);

        assertThat(events).filteredOn(e -> e.fields().containsKey("woken"))
                .extracting(e -> e.name() + ": " + e.fields().get("woken"))
                .containsExactly("pselect6: a descriptor was ready", "pselect6: its timeout came",
                        "ppoll: a signal came");
    }

    private Process fork(Process p) {
        return fx.fork(p, code);
    }

    @Test
    void aSignalEndsABlockedSelectWithEintrEvenUnderSaRestartOrKillsIt() {
        int[] p = pipe(parent, 0);
        Process child = fork(parent);
        handle(child, SIGTERM, SA_RESTART);
        set(child, rd, p[0]);
        put(child, ts, 9, 0);
        ThreadRunner r = blockIn(child, p[0] + 1, rd, 0, 0, ts, 0);
        assertThat(call(parent, KILL, child.pid(), SIGTERM)).isZero();
        assertThat(fx.sos.linux().blocked(child)).isFalse();
        assertThat(r.context().x(0)).as("in its handler").isEqualTo(SIGTERM);
        long frame = r.context().sp();
        assertThat(child.cpu().read(frame + SignalFrame.REGS, 8)).as("EINTR, not restarted").isEqualTo(EINTR);
        assertThat(child.cpu().read(frame + SignalFrame.PC, 8)).as("past its svc").isEqualTo(code + 4);
        assertThat(word(child, rd)).as("the set as given").isEqualTo(bits(p[0]));
        long left = word(child, ts) * 1_000_000_000L + word(child, ts + 8);
        assertThat(left).as("the time left").isBetween(8_000 * MS, 9_000 * MS);

        // a descriptor ready by the time the signal comes counts first
        Process second = fork(parent);
        handle(second, SIGTERM, 0);
        set(second, rd, p[0]);
        r = blockIn(second, p[0] + 1, rd, 0, 0, 0, 0);
        assertThat(call(parent, WRITE, p[1], data, 1)).isEqualTo(1);
        assertThat(call(parent, KILL, second.pid(), SIGTERM)).isZero();
        assertThat(second.cpu().read(r.context().sp() + SignalFrame.REGS, 8)).as("one ready").isEqualTo(1);
        assertThat(word(second, rd)).isEqualTo(bits(p[0]));
        assertThat(call(parent, READ, p[0], data, 1)).isEqualTo(1);

        Process third = fork(parent);
        set(third, rd, p[0]);
        blockIn(third, p[0] + 1, rd, 0, 0, 0, 0);
        assertThat(call(parent, KILL, third.pid(), SIGTERM)).isZero();
        assertThat(third.state()).isEqualTo(ProcessState.KILLED);
    }

    @Test
    void itsOwnTimersExpiryEndsABlockedSelectWithEintr() {
        int[] p = pipe(parent, 0);
        Process child = fork(parent);
        handle(child, SIGALRM, SA_RESTART);
        put(child, data + 0x800, 0, 0, 0, 20_000); // it_interval 0, it_value 20 ms
        assertThat(call(child, SETITIMER, 0, data + 0x800, 0)).isZero();
        set(child, rd, p[0]);
        ThreadRunner r = blockIn(child, p[0] + 1, rd, 0, 0, 0, 0);
        assertThat(fx.sos.linux().wakeTime(child)).isPresent();
        assertThat(fx.sos.linux().jumpToEarliestWake(List.of(child))).isTrue();
        assertThat(fx.sos.linux().runnable(child)).isTrue();
        assertThat(r.context().x(0)).as("in its handler").isEqualTo(SIGALRM);
        assertThat(child.cpu().read(r.context().sp() + SignalFrame.REGS, 8)).isEqualTo(EINTR);
        assertThat(word(child, rd)).isEqualTo(bits(p[0]));
    }

    /**
     * The same descriptors in random states asked by select and by ppoll (each for POLLIN, POLLOUT
     * and POLLPRI): a descriptor is in select's read set when ppoll's revents has POLLIN, POLLHUP or
     * POLLERR, in its write set for POLLOUT or POLLERR, in its except set for POLLPRI (Linux's
     * POLLIN_SET, POLLOUT_SET and POLLEX_SET); select is EBADF exactly when ppoll finds one
     * POLLNVAL, and its count is the bits it sets. The seed is printed on failure
     * ({@code -Dselect.seed=N} runs one).
     */
    @Test
    void selectAgreesWithPpollOnRandomDescriptors() {
        long seed = Long.getLong("select.seed", 20261208L);
        SplittableRandom random = new SplittableRandom(seed);
        for (int round = 0; round < 60; round++) {
            checkAgainstPpoll(random, round, seed);
        }
    }

    private void checkAgainstPpoll(SplittableRandom random, int round, long seed) {
        String at = "seed " + seed + " (re-run with -Dselect.seed=" + seed + "), round " + round;
        // a few pipes, each left empty, holding bytes, full, without writer, without reader, or full
        // without reader
        List<Integer> open = new ArrayList<>(List.of(0, 1, 2));
        List<int[]> pipes = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            int[] p = pipe(parent, O_NONBLOCK);
            pipes.add(p);
            switch (random.nextInt(6)) {
                case 1 -> call(parent, WRITE, p[1], data + 0x1000, 1 + random.nextInt(100));
                case 2 -> {
                    while (call(parent, WRITE, p[1], data + 0x1000, Pipe.PAGE) > 0) {
                        // fill it
                    }
                }
                case 3 -> call(parent, CLOSE, p[1]);
                case 4 -> call(parent, CLOSE, p[0]);
                case 5 -> {
                    while (call(parent, WRITE, p[1], data + 0x1000, Pipe.PAGE) > 0) {
                        // full, then no reader: POLLERR alone
                    }
                    call(parent, CLOSE, p[0]);
                }
                default -> {
                }
            }
            for (int fd : p) {
                if (fx.sos.linux().state(parent).descriptors().get(fd) != null) {
                    open.add(fd);
                }
            }
        }
        int nfds = 12;
        long[] asked = new long[3];
        for (int s = 0; s < 3; s++) {
            for (int fd = 0; fd < nfds; fd++) {
                // a closed descriptor now and then: EBADF
                boolean named = open.contains(fd) ? random.nextInt(3) > 0 : random.nextInt(40) == 0;
                asked[s] |= named ? 1L << fd : 0;
            }
        }
        put(parent, rd, asked[0]);
        put(parent, wr, asked[1]);
        put(parent, ex, asked[2]);
        put(parent, ts, 0, 0);
        long selected = call(parent, PSELECT6, nfds, rd, wr, ex, ts, 0);

        // ppoll of every descriptor named in any set
        long all = asked[0] | asked[1] | asked[2];
        ByteBuffer fds = ByteBuffer.allocate(8 * nfds).order(ByteOrder.LITTLE_ENDIAN);
        int entries = 0;
        for (int fd = 0; fd < nfds; fd++) {
            if ((all & 1L << fd) != 0) {
                fds.putInt(fd).putShort((short) (PollMask.POLLIN | PollMask.POLLOUT | PollMask.POLLPRI))
                        .putShort((short) 0);
                entries++;
            }
        }
        assertThat(fx.sos.syscalls(parent).copyToUser(data + 0x2000, fds.array(), 8 * entries)).isTrue();
        long polled = call(parent, PPOLL, data + 0x2000, entries, ts, 0, 0);
        assertThat(polled).as(at).isGreaterThanOrEqualTo(0);
        long[] expected = new long[3];
        boolean invalid = false;
        for (int i = 0; i < entries; i++) {
            int fd = (int) fx.sos.peek(parent, data + 0x2000 + 8L * i, 4).getAsLong();
            int revents = (int) fx.sos.peek(parent, data + 0x2000 + 8L * i + 6, 2).getAsLong();
            invalid |= (revents & PollMask.POLLNVAL) != 0;
            long bit = 1L << fd;
            expected[0] |= (revents & (PollMask.POLLIN | PollMask.POLLHUP | PollMask.POLLERR)) != 0 ? bit : 0;
            expected[1] |= (revents & (PollMask.POLLOUT | PollMask.POLLERR)) != 0 ? bit : 0;
            expected[2] |= (revents & PollMask.POLLPRI) != 0 ? bit : 0;
        }
        if (invalid) {
            assertThat(selected).as(at).isEqualTo(EBADF);
            assertThat(new long[] {word(parent, rd), word(parent, wr), word(parent, ex)}).as(at).isEqualTo(asked);
        } else {
            long[] got = {word(parent, rd), word(parent, wr), word(parent, ex)};
            for (int s = 0; s < 3; s++) {
                expected[s] &= asked[s];
            }
            assertThat(got).as(at).isEqualTo(expected);
            assertThat(selected).as(at).isEqualTo(Long.bitCount(expected[0]) + Long.bitCount(expected[1])
                    + Long.bitCount(expected[2]));
        }
        for (int[] p : pipes) {
            call(parent, CLOSE, p[0]);
            call(parent, CLOSE, p[1]);
        }
    }
}
