package org.capbuddy.sos.linux;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.SplittableRandom;
import org.capbuddy.kernel.cpu.ThreadRunner;
import org.capbuddy.kernel.trace.TraceEvent;
import org.capbuddy.kernel.trace.TraceKind;
import org.capbuddy.sos.TestElf;
import org.capbuddy.sos.addrspace.Layout;
import org.capbuddy.sos.exec.ProgramTable;
import org.capbuddy.sos.process.Process;
import org.capbuddy.sos.process.ProcessState;
import org.junit.jupiter.api.Test;

/**
 * epoll_create1, epoll_ctl, epoll_pwait and epoll_pwait2 on pipes, one system call at a time:
 * every error in Linux 6.1's order with nothing changed, level- and edge-triggered and oneshot
 * reports, the ready list's order under maxevents, the registration keyed by description and
 * number (the dup and close rule), the interest list shared across fork and the epoll closed on
 * exec, blocking until another process writes or closes, a signal (EINTR) or the timeout, the
 * zero timeout that looks at no signal, the events array that cannot be written, poll on an
 * epoll, nesting refused; and level-triggered epoll against ppoll on random pipes.
 */
class EpollCallsTest extends LinuxCallsTestBase {
    private static final long EPOLL_CREATE1 = 20;
    private static final long EPOLL_CTL = 21;
    private static final long EPOLL_PWAIT = 22;
    private static final long EPOLL_PWAIT2 = 441;
    private static final long EXECVE = 221;
    private static final long DUP = 23;
    private static final long DUP3 = 24;
    private static final long FCNTL = 25;
    private static final long CLOSE = 57;
    private static final long READ = 63;
    private static final long WRITE = 64;
    private static final long READV = 65;
    private static final long PPOLL = 73;
    private static final long MMAP = 222;
    private static final long KILL = 129;
    private static final long TKILL = 130;
    private static final long RT_SIGPROCMASK = 135;
    private static final long RT_SIGPENDING = 136;
    private static final long MUNMAP = 215;
    private static final int ADD = 1;
    private static final int DEL = 2;
    private static final int MOD = 3;
    private static final int IN = 0x1;
    private static final int OUT = 0x4;
    private static final int ERR = 0x8;
    private static final int HUP = 0x10;
    private static final int RDNORM = 0x40;
    private static final int RDHUP = 0x2000;
    private static final int EXCLUSIVE = 1 << 28;
    private static final int ONESHOT = 1 << 30;
    private static final int ET = 1 << 31;
    private static final int CLOEXEC = 0x80000;
    private static final int O_NONBLOCK = 0x800;
    private static final int SIGUSR1 = 10;
    private static final int SIGTERM = 15;
    private static final long SA_RESTART = 0x1000_0000L;
    private static final long EPERM = -1;
    private static final long ENOENT = -2;
    private static final long EINTR = -4;
    private static final long EBADF = -9;
    private static final long EFAULT = -14;
    private static final long EEXIST = -17;
    private static final long EINVAL = -22;
    private static final long ENOSYS = -38;
    private static final long MS = 1_000_000;

    private final long event = data + 0x100;
    private final long ts = data + 0x200;
    private final long sigset = data + 0x300;
    /** The events array epoll_pwait writes: eight of them. */
    private final long events = data + 0x400;

    /** epoll_ctl from {@code p} with the event {@code bits}, {@code userData}. */
    private long ctl(Process p, long ep, int op, long fd, int bits, long userData) {
        put(p, event, bits & 0xFFFF_FFFFL, userData);
        return call(p, EPOLL_CTL, ep, op, fd, event);
    }

    private long ctl(long ep, int op, long fd, int bits, long userData) {
        return ctl(parent, ep, op, fd, bits, userData);
    }

    /** One event as epoll_pwait wrote it: its bits and its data. */
    private record Event(int bits, long data) {
    }

    private List<Event> written(Process p, long n) {
        List<Event> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(new Event((int) word(p, events + 16L * i), word(p, events + 16L * i + 8)));
        }
        return out;
    }

    /** epoll_pwait with a zero timeout and no mask: the events it reports. */
    private List<Event> poll(Process p, long ep, int max) {
        long n = call(p, EPOLL_PWAIT, ep, events, max, 0, 0, 8);
        assertThat(n).as("epoll_pwait's result").isGreaterThanOrEqualTo(0);
        return written(p, n);
    }

    private List<Event> poll(long ep) {
        return poll(parent, ep, 8);
    }

    private Epoll epollOf(Process p, long ep) {
        return fx.sos.linux().state(p).descriptors().get(ep).epollInstance();
    }

    /** Starts {@code number} from {@code p} and leaves it as it ends or blocks: its runner. */
    private ThreadRunner run(Process p, long number, long... args) {
        return fx.run(p, code, number, args);
    }

    private ThreadRunner blockIn(Process p, long... args) {
        ThreadRunner r = run(p, EPOLL_PWAIT, args);
        assertThat(fx.sos.linux().blocked(p)).as("blocked in epoll_pwait").isTrue();
        return r;
    }

    private void handle(Process p, int signal, long flags) {
        fx.handle(p, code, data + 0x700, signal, flags);
    }

    @Test
    void epollCreate1TakesOnlyEpollCloexecAndGivesADescriptorOpenForBothThatCanDoNeither() {
        int before = fx.sos.linux().state(parent).descriptors().count();
        assertThat(call(parent, EPOLL_CREATE1, 1)).isEqualTo(EINVAL);
        assertThat(call(parent, EPOLL_CREATE1, O_NONBLOCK)).isEqualTo(EINVAL);
        assertThat(fx.sos.linux().state(parent).descriptors().count()).as("nothing opened").isEqualTo(before);
        long ep = call(parent, EPOLL_CREATE1, CLOEXEC);
        assertThat(ep).isEqualTo(3);
        assertThat(call(parent, FCNTL, ep, 1, 0)).as("FD_CLOEXEC").isEqualTo(1);
        assertThat(call(parent, FCNTL, ep, 3, 0)).as("F_GETFL: O_RDWR").isEqualTo(2);
        assertThat(call(parent, READ, ep, data, 8)).isEqualTo(EINVAL);
        assertThat(call(parent, WRITE, ep, data, 8)).isEqualTo(EINVAL);
        assertThat(call(parent, READV, ep, data, 0)).as("before the count is looked at").isEqualTo(EINVAL);
        assertThat(call(parent, EPOLL_CREATE1, 0)).isEqualTo(4);
        assertThat(fx.sos.linux().state(parent).descriptors().closeOnExec(4)).isFalse();
    }

    @Test
    void everyCtlErrorInLinuxsOrderChangesNothing() {
        int[] p = pipe(parent, 0);
        long ep = call(parent, EPOLL_CREATE1, 0);
        Epoll epoll = epollOf(parent, ep);
        // the event is read first, for any op but DEL
        assertThat(call(parent, EPOLL_CTL, 99, ADD, 98, 8)).as("event unreadable").isEqualTo(EFAULT);
        assertThat(call(parent, EPOLL_CTL, 99, 7, 98, 8)).as("a bad op reads it too").isEqualTo(EFAULT);
        assertThat(call(parent, EPOLL_CTL, ep, DEL, p[0], 8)).as("DEL reads none").isEqualTo(ENOENT);
        assertThat(ctl(99, ADD, 98, IN, 0)).as("epfd first").isEqualTo(EBADF);
        assertThat(ctl(ep, ADD, 98, IN, 0)).isEqualTo(EBADF);
        assertThat(ctl(ep, ADD, -1, IN, 0)).isEqualTo(EBADF);
        assertThat(ctl(p[1], ADD, 0, IN, 0)).as("a target that cannot be polled before epfd's kind").isEqualTo(EPERM);
        assertThat(ctl(ep, ADD, 1, OUT, 0)).as("the console: /dev/null has no poll").isEqualTo(EPERM);
        assertThat(ctl(ep, 7, 0, IN, 0)).as("EPERM before a bad op").isEqualTo(EPERM);
        assertThat(ctl(p[1], ADD, p[0], IN, 0)).as("epfd not an epoll").isEqualTo(EINVAL);
        assertThat(ctl(ep, ADD, ep, IN, 0)).as("itself").isEqualTo(EINVAL);
        assertThat(ctl(ep, MOD, p[0], IN | EXCLUSIVE, 0)).as("EXCLUSIVE with MOD, before ENOENT").isEqualTo(EINVAL);
        assertThat(ctl(ep, ADD, p[0], IN | RDNORM | EXCLUSIVE, 0)).isEqualTo(EINVAL);
        assertThat(ctl(ep, ADD, p[0], IN | ONESHOT | EXCLUSIVE, 0)).isEqualTo(EINVAL);
        assertThat(ctl(ep, 0, p[0], IN, 0)).as("a bad op").isEqualTo(EINVAL);
        assertThat(ctl(ep, DEL, p[0], 0, 0)).isEqualTo(ENOENT);
        assertThat(ctl(ep, MOD, p[0], IN, 0)).isEqualTo(ENOENT);
        assertThat(epoll.size()).isZero();
        assertThat(fx.sos.linux().state(parent).descriptors().get(p[0]).watcherCount()).isZero();

        assertThat(ctl(ep, ADD, p[0], IN | EXCLUSIVE | ET, 1)).isZero();
        assertThat(ctl(ep, ADD, p[0], OUT, 2)).isEqualTo(EEXIST);
        assertThat(ctl(ep, MOD, p[0], IN, 3)).as("MOD of an exclusive one").isEqualTo(EINVAL);
        assertThat(ctl(ep, ADD, p[1], OUT | 0x0010_0000, 4)).as("unknown event bits are kept, not refused").isZero();
        assertThat(epoll.size()).isEqualTo(2);
        assertThat(poll(ep)).containsExactly(new Event(OUT, 4));
        assertThat(ctl(ep, DEL, p[1], 0, 0)).isZero();
        assertThat(ctl(ep, DEL, p[1], 0, 0)).isEqualTo(ENOENT);
        assertThat(epoll.size()).isEqualTo(1);
    }

    @Test
    void everyWaitErrorInLinuxsOrderChangesNothing() {
        int[] p = pipe(parent, 0);
        long ep = call(parent, EPOLL_CREATE1, 0);
        assertThat(ctl(ep, ADD, p[1], OUT, 9)).isZero();
        // epoll_pwait2: the timeout first
        assertThat(call(parent, EPOLL_PWAIT2, 99, events, 0, 8, 0, 0)).as("timeout unreadable").isEqualTo(EFAULT);
        put(parent, ts, 0, 1_000_000_000L);
        assertThat(call(parent, EPOLL_PWAIT2, 99, events, 0, ts, 0, 0)).as("timeout invalid").isEqualTo(EINVAL);
        put(parent, ts, 0, 0);
        put(parent, sigset, 0);
        assertThat(call(parent, EPOLL_PWAIT2, 99, events, 0, ts, sigset, 4)).as("the mask's size").isEqualTo(EINVAL);
        assertThat(call(parent, EPOLL_PWAIT, 99, events, 0, 0, 8, 8)).as("the mask unreadable").isEqualTo(EFAULT);
        assertThat(call(parent, EPOLL_PWAIT, 99, events, 0, 0, 0, 0)).as("maxevents 0").isEqualTo(EINVAL);
        assertThat(call(parent, EPOLL_PWAIT, 99, events, -1, 0, 0, 0)).isEqualTo(EINVAL);
        assertThat(call(parent, EPOLL_PWAIT, 99, events, SignalWaits.EP_MAX_EVENTS + 1L, 0, 0, 0)).isEqualTo(EINVAL);
        assertThat(call(parent, EPOLL_PWAIT, 99, events, 1L << 32 | 1, 0, 0, 0)).as("an int: 1").isEqualTo(EBADF);
        assertThat(call(parent, EPOLL_PWAIT, 99, -16L, 1, 0, 0, 0)).as("access_ok").isEqualTo(EFAULT);
        assertThat(call(parent, EPOLL_PWAIT, 99, Layout.USER_TOP - 16, 2, 0, 0, 0)).isEqualTo(EFAULT);
        assertThat(call(parent, EPOLL_PWAIT, 99, events, 1, 0, 0, 0)).isEqualTo(EBADF);
        assertThat(call(parent, EPOLL_PWAIT, p[0], events, 1, 0, 0, 0)).as("not an epoll").isEqualTo(EINVAL);
        assertThat(fx.sos.linux().state(parent).blockedSignals()).as("the mask as before").isZero();
        put(parent, ts, 5, 0);
        assertThat(call(parent, EPOLL_PWAIT2, ep, events, 8, ts, 0, 0)).isEqualTo(1);
        assertThat(written(parent, 1)).containsExactly(new Event(OUT, 9));
        assertThat(word(parent, ts)).as("a timeout is never written back").isEqualTo(5);
    }

    @Test
    void levelTriggeredReportsWhileReadyAndMaxeventsTakesTheReadyListInTurn() {
        int[] p = pipe(parent, 0);
        long ep = call(parent, EPOLL_CREATE1, 0);
        assertThat(ctl(ep, ADD, p[0], IN, 0x1122_3344_5566_7788L)).isZero();
        assertThat(poll(ep)).isEmpty();
        assertThat(call(parent, WRITE, p[1], data, 3)).isEqualTo(3);
        assertThat(poll(ep)).containsExactly(new Event(IN, 0x1122_3344_5566_7788L));
        assertThat(poll(ep)).as("level-triggered: again").containsExactly(new Event(IN, 0x1122_3344_5566_7788L));
        assertThat(ctl(ep, ADD, p[1], OUT, 7)).isZero();
        assertThat(poll(parent, ep, 1)).containsExactly(new Event(IN, 0x1122_3344_5566_7788L));
        assertThat(poll(parent, ep, 1)).as("the one sent went to the tail").containsExactly(new Event(OUT, 7));
        assertThat(poll(ep)).containsExactly(new Event(IN, 0x1122_3344_5566_7788L), new Event(OUT, 7));
        assertThat(call(parent, READ, p[0], data, 8)).isEqualTo(3);
        assertThat(poll(ep)).containsExactly(new Event(OUT, 7));
    }

    @Test
    void edgeTriggeredReportsEachWakeupOnceAndModArmsItAgain() {
        int[] p = pipe(parent, 0);
        long ep = call(parent, EPOLL_CREATE1, 0);
        assertThat(ctl(ep, ADD, p[0], IN | ET, 1)).isZero();
        assertThat(call(parent, WRITE, p[1], data, 1)).isEqualTo(1);
        assertThat(poll(ep)).containsExactly(new Event(IN, 1));
        assertThat(poll(ep)).isEmpty();
        assertThat(call(parent, WRITE, p[1], data, 1)).isEqualTo(1);
        assertThat(poll(ep)).as("every write wakes, the pipe not empty as it was")
                .containsExactly(new Event(IN, 1));
        assertThat(call(parent, READ, p[0], data, 1)).isEqualTo(1);
        assertThat(poll(ep)).as("a read wakes no reader").isEmpty();
        assertThat(ctl(ep, MOD, p[0], IN | ET, 2)).isZero();
        assertThat(poll(ep)).containsExactly(new Event(IN, 2));
        assertThat(call(parent, READ, p[0], data, 1)).isEqualTo(1);
        assertThat(ctl(ep, MOD, p[0], IN | ET, 3)).isZero();
        assertThat(poll(ep)).as("MOD of one not ready").isEmpty();

        // a write end: the read of a full pipe wakes its writers
        int[] q = pipe(parent, O_NONBLOCK);
        assertThat(ctl(ep, ADD, q[1], OUT | ET, 4)).isZero();
        assertThat(poll(ep)).containsExactly(new Event(OUT, 4));
        while (call(parent, WRITE, q[1], data + 0x1000, Pipe.PAGE) > 0) {
            // fill it
        }
        assertThat(poll(ep)).isEmpty();
        assertThat(call(parent, READ, q[0], data + 0x1000, Pipe.PAGE)).isEqualTo(Pipe.PAGE);
        assertThat(poll(ep)).containsExactly(new Event(OUT, 4));
        assertThat(call(parent, READ, q[0], data + 0x1000, Pipe.PAGE)).isEqualTo(Pipe.PAGE);
        assertThat(poll(ep)).as("that read found it not full: no wakeup").isEmpty();
    }

    @Test
    void oneshotReportsOnceUntilModArmsIt() {
        int[] p = pipe(parent, 0);
        long ep = call(parent, EPOLL_CREATE1, 0);
        assertThat(ctl(ep, ADD, p[0], IN | ONESHOT, 1)).isZero();
        assertThat(call(parent, WRITE, p[1], data, 1)).isEqualTo(1);
        assertThat(poll(ep)).containsExactly(new Event(IN, 1));
        assertThat(poll(ep)).isEmpty();
        assertThat(call(parent, WRITE, p[1], data, 1)).isEqualTo(1);
        assertThat(poll(ep)).as("disabled: a wakeup is ignored").isEmpty();
        assertThat(ctl(ep, ADD, p[0], IN, 9)).as("still registered").isEqualTo(EEXIST);
        assertThat(ctl(ep, MOD, p[0], IN | ONESHOT, 2)).isZero();
        assertThat(poll(ep)).containsExactly(new Event(IN, 2));
        assertThat(poll(ep)).isEmpty();
        assertThat(ctl(ep, MOD, p[0], IN, 3)).isZero();
        assertThat(poll(ep)).containsExactly(new Event(IN, 3));
        assertThat(poll(ep)).containsExactly(new Event(IN, 3));
    }

    @Test
    void aRegistrationIsOfTheDescriptionAndTheNumberAndGoesWithTheDescriptionsLastClose() {
        int[] p = pipe(parent, 0);
        long ep = call(parent, EPOLL_CREATE1, 0);
        Epoll epoll = epollOf(parent, ep);
        OpenFile readEnd = fx.sos.linux().state(parent).descriptors().get(p[0]);
        assertThat(ctl(ep, ADD, p[0], IN, 100)).isZero();
        long b = call(parent, DUP, p[0]);
        assertThat(call(parent, CLOSE, p[0])).isZero();
        assertThat(call(parent, WRITE, p[1], data, 1)).isEqualTo(1);
        assertThat(poll(ep)).as("the number closed, the description open").containsExactly(new Event(IN, 100));
        assertThat(ctl(ep, DEL, p[0], 0, 0)).isEqualTo(EBADF);
        assertThat(ctl(ep, ADD, b, IN, 200)).isZero();
        assertThat(poll(ep)).containsExactly(new Event(IN, 100), new Event(IN, 200));
        assertThat(call(parent, DUP3, b, p[0], 0)).isEqualTo(p[0]);
        assertThat(ctl(ep, ADD, p[0], IN, 300)).as("the same description and number").isEqualTo(EEXIST);
        assertThat(ctl(ep, DEL, p[0], 0, 0)).isZero();
        assertThat(poll(ep)).containsExactly(new Event(IN, 200));
        assertThat(call(parent, CLOSE, p[0])).isZero();
        assertThat(epoll.size()).isEqualTo(1);
        assertThat(call(parent, CLOSE, b)).isZero();
        assertThat(epoll.size()).as("the last close removes it").isZero();
        assertThat(readEnd.watcherCount()).isZero();
        assertThat(poll(ep)).isEmpty();

        // the epoll's own last close removes every registration from the files it watched
        int[] q = pipe(parent, 0);
        OpenFile qEnd = fx.sos.linux().state(parent).descriptors().get(q[1]);
        assertThat(ctl(ep, ADD, q[1], OUT, 1)).isZero();
        assertThat(qEnd.watcherCount()).isEqualTo(1);
        assertThat(call(parent, CLOSE, ep)).isZero();
        assertThat(qEnd.watcherCount()).isZero();
    }

    @Test
    void theInterestListIsSharedAcrossForkAndTheEpollClosedOnExecWithEpollCloexec() {
        // a process that can exec a program; its code and data at the parent's addresses (the same
        // layout), so the helpers serve it and its child
        Process q = fx.process();
        fx.sos.linux().attach(q, new LinuxProcess(new byte[0], 7, ProgramTable.empty()
                .with("bin/exec_target.elf", TestElf.program("exec_target.elf")).value()));
        assertThat(fx.codePage(q)).isEqualTo(code);
        assertThat(fx.linuxCall(q, code, MMAP, 0, 256 << 10, 3, 0x22, -1, 0)).isEqualTo(data);
        int[] p = pipe(q, 0);
        long ep = call(q, EPOLL_CREATE1, CLOEXEC);
        Process child = fx.fork(q, code);
        assertThat(ctl(child, ep, ADD, p[1], OUT, 42)).isZero();
        assertThat(poll(q, ep, 8)).as("the parent's epoll has the child's registration").containsExactly(new Event(OUT, 42));
        long path = data + 0x800;
        byte[] name = "/bin/exec_target.elf\0".getBytes(StandardCharsets.US_ASCII);
        assertThat(fx.sos.syscalls(child).copyToUser(path, name, name.length)).isTrue();
        put(child, data + 0x900, path, 0);
        put(child, data + 0x980, 0);
        assertThat(call(child, EXECVE, path, data + 0x900, data + 0x980)).isNotNegative();
        Process image = fx.sos.linux().takeExec(child).image();
        Descriptors childTable = fx.sos.linux().state(image).descriptors();
        assertThat(childTable.get(ep)).as("closed on exec").isNull();
        assertThat(childTable.get(p[1])).isNotNull();
        assertThat(poll(q, ep, 8)).as("the parent's still open").containsExactly(new Event(OUT, 42));
        assertThat(epollOf(q, ep).size()).as("the registration the child added kept").isEqualTo(1);
    }

    /**
     * Linux's pipe_write leaves by out: however it ends, a signal or its process's death too, and
     * there wakes the readers (the pipe has been polled): an edge-triggered reader is armed again
     * by a write cut short while another writer keeps the pipe open, as by one that finishes.
     */
    @Test
    void aBlockedWriteEndedByASignalOrByItsProcesssDeathWakesTheReaders() {
        int[] p = pipe(parent, 0);
        long ep = call(parent, EPOLL_CREATE1, 0);
        assertThat(ctl(ep, ADD, p[0], IN | ET, 1)).isZero();
        assertThat(call(parent, WRITE, p[1], data, 1)).isEqualTo(1);
        assertThat(poll(ep)).containsExactly(new Event(IN, 1));
        assertThat(poll(ep)).as("reported once").isEmpty();

        // 368 bytes merged into the first page, then 15 pages, and the pipe full: blocked
        Process writer = fx.fork(parent, code);
        handle(writer, SIGTERM, 0);
        ThreadRunner r = run(writer, WRITE, p[1], data, 70_000);
        assertThat(fx.sos.linux().blocked(writer)).as("blocked in write").isTrue();
        assertThat(poll(ep)).as("a write to a pipe not empty wakes nobody as it blocks").isEmpty();
        assertThat(call(parent, KILL, writer.pid(), SIGTERM)).isZero();
        assertThat(fx.word(writer, r.context().sp() + SignalFrame.REGS)).as("what it moved").isEqualTo(61_808);
        assertThat(poll(ep)).as("woken as the write ended").containsExactly(new Event(IN, 1));

        // the pipe read empty, a byte and its report, then a writer blocked and killed (no handler)
        assertThat(call(parent, READ, p[0], data + 0x10000, 65_536)).isEqualTo(61_809);
        assertThat(call(parent, WRITE, p[1], data, 1)).isEqualTo(1);
        assertThat(poll(ep)).containsExactly(new Event(IN, 1));
        Process killed = fx.fork(parent, code);
        run(killed, WRITE, p[1], data, 70_000);
        assertThat(fx.sos.linux().blocked(killed)).as("blocked in write").isTrue();
        assertThat(poll(ep)).isEmpty();
        assertThat(call(parent, KILL, killed.pid(), SIGTERM)).isZero();
        assertThat(killed.state()).isEqualTo(ProcessState.KILLED);
        assertThat(poll(ep)).as("woken as the write ended, the parent's write end still open")
                .containsExactly(new Event(IN, 1));
    }

    /**
     * pipe_write looks for a pending signal before its before-sleep wakeup of the readers: a write
     * into an empty pipe that fills it with a signal already pending does not sleep, and wakes the
     * readers once, as it leaves by out: (of two epoll_pwait waiters, one woken).
     */
    @Test
    void aWriteStoppedAtItsEntryByAPendingSignalWakesTheReadersOnce() {
        int[] p = pipe(parent, 0);
        long ep = call(parent, EPOLL_CREATE1, 0);
        assertThat(ctl(ep, ADD, p[0], IN | ET, 1)).isZero();
        Process a = fx.fork(parent, code);
        Process b = fx.fork(parent, code);
        Process writer = fx.fork(parent, code);
        handle(writer, SIGUSR1, 0);
        blockIn(a, ep, events, 8, -1, 0, 8);
        ThreadRunner rb = blockIn(b, ep, events, 8, -1, 0, 8);
        assertThat(fx.sos.linux().state(writer).queue(SIGUSR1, new PendingSignal(0, true, parent.pid(), "kill"), true))
                .isTrue();
        ThreadRunner r = run(writer, WRITE, p[1], data, 70_000);
        assertThat(fx.sos.linux().blocked(writer)).as("not asleep: the signal was pending").isFalse();
        assertThat(fx.word(writer, r.context().sp() + SignalFrame.REGS)).as("what it moved").isEqualTo(65_536);
        assertThat(epollOf(parent, ep).waiters()).as("one wakeup: one waiter woken").isEqualTo(1);
        assertThat(fx.sos.linux().runnable(a)).isFalse();
        assertThat(fx.sos.linux().runnable(b)).isTrue();
        assertThat(rb.context().x(0)).isEqualTo(1);
    }

    /**
     * pipe_poll's add_wait_queue puts each registration at the head of the pipe's wait queue, so a
     * wakeup links the last added first: of a read end and a dup of it, added in that order to an
     * empty pipe, one write reports the dup's first (qemu-aarch64: [0x1 20] [0x1 10]).
     */
    @Test
    void aWakeupLinksTheRegistrationsLastAddedFirst() {
        int[] p = pipe(parent, 0);
        long dup = call(parent, DUP, p[0]);
        long ep = call(parent, EPOLL_CREATE1, 0);
        assertThat(ctl(ep, ADD, p[0], IN, 10)).isZero();
        assertThat(ctl(ep, ADD, dup, IN, 20)).isZero();
        assertThat(poll(ep)).isEmpty();
        assertThat(call(parent, WRITE, p[1], data, 1)).isEqualTo(1);
        assertThat(poll(ep)).containsExactly(new Event(IN, 20), new Event(IN, 10));
    }

    /**
     * A pipe's write wakes its readers' queue with nr_exclusive 1: the walk ends at the first
     * EPOLLEXCLUSIVE registration whose epoll has an epoll_pwait blocked on it (ep_poll_callback's
     * ewake), and those after it are not even put on their ready lists (qemu-aarch64: a zero-timeout
     * wait on the second epoll finds nothing). A woken waiter leaves its epoll's queue until it
     * looks again, so a second write before the waiter's turn goes on to the next registration.
     */
    @Test
    void anExclusiveWakeupEndsAtTheFirstExclusiveRegistrationWhoseEpollHasAWaiter() {
        int[] p = pipe(parent, 0);
        long e1 = call(parent, EPOLL_CREATE1, 0);
        long e2 = call(parent, EPOLL_CREATE1, 0);
        assertThat(ctl(e1, ADD, p[0], IN | EXCLUSIVE, 1)).isZero();
        assertThat(ctl(e2, ADD, p[0], IN | EXCLUSIVE, 2)).isZero();
        assertThat(call(parent, WRITE, p[1], data, 1)).isEqualTo(1);
        assertThat(poll(e1)).as("no waiter: the walk goes on").containsExactly(new Event(IN, 1));
        assertThat(poll(e2)).containsExactly(new Event(IN, 2));
        assertThat(call(parent, READ, p[0], data, 1)).isEqualTo(1);
        assertThat(poll(e1)).isEmpty();
        assertThat(poll(e2)).isEmpty();

        Process child = fx.fork(parent, code);
        ThreadRunner r = blockIn(child, e1, events, 8, -1, 0, 8);
        assertThat(call(parent, WRITE, p[1], data, 1)).isEqualTo(1);
        assertThat(poll(e2)).as("the walk ended at e1's registration").isEmpty();
        assertThat(call(parent, WRITE, p[1], data, 1)).isEqualTo(1);
        assertThat(poll(e2)).as("e1's waiter woken already: this walk reaches e2")
                .containsExactly(new Event(IN, 2));
        assertThat(fx.sos.linux().runnable(child)).isTrue();
        assertThat(r.context().x(0)).isEqualTo(1);
        assertThat(written(child, 1)).containsExactly(new Event(IN, 1));
        assertThat(epollOf(parent, e1).waiters()).as("none left blocked").isZero();
    }

    /**
     * ep_poll queues a blocked epoll_pwait at the head of the epoll's wait queue and a wakeup wakes
     * the head only: of two waiters the last to block takes an edge-triggered event, whichever the
     * scheduler asks first, and the other sleeps on until the next (qemu-aarch64, epoll_pipe's lifo
     * part: B first, then A). A level-triggered event put back on the ready list wakes the next
     * waiter as ep_done_scan ends, so it reaches both in turn; an EPOLL_CTL_ADD of a ready
     * descriptor wakes a waiter as ep_insert does.
     */
    @Test
    void aWakeupWakesTheLastToBlockOnlyAndALevelTriggeredEventGoesOnToTheNext() {
        int[] p = pipe(parent, 0);
        long ep = call(parent, EPOLL_CREATE1, 0);
        assertThat(ctl(ep, ADD, p[0], IN | ET, 7)).isZero();
        Process a = fx.fork(parent, code);
        Process b = fx.fork(parent, code);
        ThreadRunner ra = blockIn(a, ep, events, 8, -1, 0, 8);
        ThreadRunner rb = blockIn(b, ep, events, 8, -1, 0, 8);
        assertThat(epollOf(parent, ep).waiters()).isEqualTo(2);
        assertThat(call(parent, WRITE, p[1], data, 1)).isEqualTo(1);
        assertThat(fx.sos.linux().wouldRun(a)).as("A, the first to block, is not woken").isFalse();
        assertThat(fx.sos.linux().runnable(a)).isFalse();
        assertThat(fx.sos.linux().runnable(b)).as("B, the last to block, is").isTrue();
        assertThat(rb.context().x(0)).isEqualTo(1);
        assertThat(written(b, 1)).containsExactly(new Event(IN, 7));
        assertThat(fx.sos.linux().runnable(a)).as("the event taken: A sleeps on").isFalse();
        assertThat(call(parent, WRITE, p[1], data, 1)).isEqualTo(1);
        assertThat(fx.sos.linux().runnable(a)).isTrue();
        assertThat(ra.context().x(0)).isEqualTo(1);
        assertThat(epollOf(parent, ep).waiters()).isZero();

        // level-triggered: B woken first, and the event it puts back wakes A
        assertThat(call(parent, READ, p[0], data + 0x1000, 8)).isEqualTo(2);
        assertThat(ctl(ep, MOD, p[0], IN, 8)).isZero();
        ra = blockIn(a, ep, events, 8, -1, 0, 8);
        rb = blockIn(b, ep, events, 8, -1, 0, 8);
        assertThat(call(parent, WRITE, p[1], data, 1)).isEqualTo(1);
        assertThat(fx.sos.linux().runnable(a)).as("B not yet run: A sleeps").isFalse();
        assertThat(fx.sos.linux().runnable(b)).isTrue();
        assertThat(written(b, 1)).containsExactly(new Event(IN, 8));
        assertThat(fx.sos.linux().runnable(a)).as("woken by ep_done_scan").isTrue();
        assertThat(ra.context().x(0)).isEqualTo(1);
        assertThat(written(a, 1)).containsExactly(new Event(IN, 8));

        // EPOLL_CTL_ADD of a descriptor ready now wakes the waiter
        assertThat(ctl(ep, DEL, p[0], 0, 0)).isZero();
        ra = blockIn(a, ep, events, 8, -1, 0, 8);
        assertThat(ctl(ep, ADD, p[0], IN, 9)).isZero();
        assertThat(fx.sos.linux().runnable(a)).isTrue();
        assertThat(written(a, 1)).containsExactly(new Event(IN, 9));
        assertThat(epollOf(parent, ep).waiters()).isZero();
    }

    @Test
    void aBlockedWaitEndsWhenAnotherProcessWritesOrClosesOrAtItsTimeout() {
        int[] p = pipe(parent, 0);
        long ep = call(parent, EPOLL_CREATE1, 0);
        assertThat(ctl(ep, ADD, p[0], IN | ET, 5)).isZero();
        Process child = fx.fork(parent, code);
        ThreadRunner r = blockIn(child, ep, events, 8, -1, 0, 8);
        assertThat(fx.sos.linux().wouldRun(child)).isFalse();
        assertThat(fx.sos.linux().runnable(child)).isFalse();
        assertThat(call(parent, WRITE, p[1], data, 1)).isEqualTo(1);
        assertThat(fx.sos.linux().wouldRun(child)).isTrue();
        assertThat(fx.sos.linux().runnable(child)).isTrue();
        assertThat(r.context().x(0)).isEqualTo(1);
        assertThat(written(child, 1)).containsExactly(new Event(IN, 5));

        // the last writer's close: EPOLLHUP, asked or not (the child's and the parent's write ends)
        assertThat(call(child, READ, p[0], data, 1)).isEqualTo(1);
        assertThat(call(child, CLOSE, p[1])).isZero();
        r = blockIn(child, ep, events, 8, -1, 0, 8);
        assertThat(call(parent, CLOSE, p[1])).isZero();
        assertThat(fx.sos.linux().runnable(child)).isTrue();
        assertThat(r.context().x(0)).isEqualTo(1);
        assertThat(written(child, 1)).containsExactly(new Event(HUP, 5));

        // the timeout, in milliseconds, every process blocked: the clock jumps to it
        int[] q = pipe(child, 0);
        long ep2 = call(child, EPOLL_CREATE1, 0);
        assertThat(ctl(child, ep2, ADD, q[0], IN | RDHUP, 6)).isZero();
        long start = fx.sos.linux().state(child).now();
        r = blockIn(child, ep2, events, 8, 30, 0, 8);
        assertThat(fx.sos.linux().wakeTime(child)).isPresent();
        assertThat(fx.sos.linux().jumpToEarliestWake(List.of(child))).isTrue();
        assertThat(fx.sos.linux().runnable(child)).isTrue();
        assertThat(r.context().x(0)).as("timed out").isZero();
        assertThat(fx.sos.linux().state(child).now() - start).isGreaterThanOrEqualTo(30 * MS);
    }

    @Test
    void aSignalEndsABlockedWaitWithEintrEvenUnderSaRestartAndTheTraceSaysWhatEndedIt() {
        List<TraceEvent> trace = new ArrayList<>();
        fx.kernel.state().tracer().start(EnumSet.of(TraceKind.SYSCALLS), -1, trace::add);
        int[] p = pipe(parent, 0);
        long ep = call(parent, EPOLL_CREATE1, 0);
        assertThat(ctl(ep, ADD, p[0], IN, 5)).isZero();
        Process child = fx.fork(parent, code);
        handle(child, SIGTERM, SA_RESTART);
        ThreadRunner r = blockIn(child, ep, events, 8, -1, 0, 8);
        assertThat(call(parent, KILL, child.pid(), SIGTERM)).isZero();
        assertThat(fx.sos.linux().blocked(child)).isFalse();
        assertThat(r.context().x(0)).as("in its handler").isEqualTo(SIGTERM);
        long frame = r.context().sp();
        assertThat(child.cpu().read(frame + SignalFrame.REGS, 8)).as("EINTR, not restarted").isEqualTo(EINTR);
        assertThat(child.cpu().read(frame + SignalFrame.PC, 8)).as("past its svc").isEqualTo(code + 4);

        // ready by the time the signal comes: the event counts first
        Process second = fx.fork(parent, code);
        handle(second, SIGTERM, 0);
        r = blockIn(second, ep, events, 8, -1, 0, 8);
        assertThat(call(parent, WRITE, p[1], data, 1)).isEqualTo(1);
        assertThat(call(parent, KILL, second.pid(), SIGTERM)).isZero();
        assertThat(second.cpu().read(r.context().sp() + SignalFrame.REGS, 8)).as("one ready").isEqualTo(1);
        assertThat(call(parent, READ, p[0], data, 1)).isEqualTo(1);

        // no handler: woken by SIGTERM, which kills it
        Process third = fx.fork(parent, code);
        blockIn(third, ep, events, 8, -1, 0, 8);
        assertThat(call(parent, KILL, third.pid(), SIGTERM)).isZero();
        assertThat(third.state()).isEqualTo(ProcessState.KILLED);

        assertThat(trace).filteredOn(e -> e.fields().containsKey("woken"))
                .extracting(e -> e.name() + ": " + e.fields().get("woken"))
                .containsExactly("epoll_pwait: a signal came", "epoll_pwait: a descriptor was ready",
                        "epoll_pwait: a signal came");
    }

    @Test
    void aZeroTimeoutLooksAtNoSignalAsEpPollLooksAtItsTimeoutFirstWhereDoPollDoesNot() {
        int[] p = pipe(parent, 0);
        long ep = call(parent, EPOLL_CREATE1, 0);
        assertThat(ctl(ep, ADD, p[0], IN, 5)).isZero();
        handle(parent, SIGUSR1, 0);
        long usr1 = 1L << (SIGUSR1 - 1);
        put(parent, sigset, usr1);
        assertThat(call(parent, RT_SIGPROCMASK, 0, sigset, 0, 8)).isZero();
        assertThat(call(parent, TKILL, parent.pid(), SIGUSR1)).isZero();
        put(parent, data + 0x800, 0);
        assertThat(call(parent, EPOLL_PWAIT, ep, events, 1, 0, data + 0x800, 8)).as("0, no handler run").isZero();
        assertThat(fx.sos.linux().state(parent).blockedSignals()).as("the mask back").isEqualTo(usr1);
        assertThat(call(parent, RT_SIGPENDING, data + 0x808, 8)).isZero();
        assertThat(word(parent, data + 0x808)).as("still pending").isEqualTo(usr1);
        put(parent, ts, 0, 0);
        assertThat(call(parent, EPOLL_PWAIT2, ep, events, 1, ts, data + 0x800, 8)).as("pwait2's too").isZero();
        // ppoll, the same: EINTR (the handler entered: x0 is its signal)
        put(parent, data + 0x900, p[0] | 1L << 32);
        ThreadRunner r = run(parent, PPOLL, data + 0x900, 1, ts, data + 0x800, 8);
        assertThat(r.context().x(0)).as("in its handler").isEqualTo(SIGUSR1);
        assertThat(parent.cpu().read(r.context().sp() + SignalFrame.REGS, 8)).isEqualTo(EINTR);
    }

    @Test
    void anEventThatCannotBeWrittenGoesBackOnTheReadyListWithThoseAfterIt() {
        int[] p = pipe(parent, 0);
        int[] q = pipe(parent, 0);
        long ep = call(parent, EPOLL_CREATE1, 0);
        assertThat(ctl(ep, ADD, p[1], OUT | ONESHOT, 1)).isZero();
        assertThat(ctl(ep, ADD, q[1], OUT | ET, 2)).isZero();
        assertThat(call(parent, EPOLL_PWAIT, ep, 0, 8, 0, 0, 8)).as("NULL passes access_ok; none written")
                .isEqualTo(EFAULT);
        assertThat(poll(ep)).as("both back, in order, the oneshot one armed")
                .containsExactly(new Event(OUT, 1), new Event(OUT, 2));
        assertThat(poll(ep)).isEmpty();

        // the second event on a page that is not mapped: the first counts
        assertThat(ctl(ep, MOD, p[1], OUT, 1)).isZero();
        assertThat(ctl(ep, MOD, q[1], OUT | ET, 2)).isZero();
        long page = data + (128 << 10);
        assertThat(call(parent, MUNMAP, page, 4096)).isZero();
        assertThat(call(parent, EPOLL_PWAIT, ep, page - 16, 8, 0, 0, 8)).isEqualTo(1);
        assertThat(word(parent, page - 8)).isEqualTo(1);
        assertThat(poll(ep)).as("the unsent one first, then the level-triggered one sent")
                .containsExactly(new Event(OUT, 2), new Event(OUT, 1));
    }

    @Test
    void pollWatchesAnEpollButAnotherEpollIsRefusedAndCounted() {
        int[] p = pipe(parent, 0);
        long ep = call(parent, EPOLL_CREATE1, 0);
        long outer = call(parent, EPOLL_CREATE1, 0);
        assertThat(ctl(ep, ADD, p[0], IN, 1)).isZero();
        put(parent, data + 0x900, ep | (long) (IN | OUT) << 32);
        put(parent, ts, 0, 0);
        assertThat(call(parent, PPOLL, data + 0x900, 1, ts, 0, 8)).as("none ready").isZero();
        assertThat(call(parent, WRITE, p[1], data, 1)).isEqualTo(1);
        assertThat(call(parent, PPOLL, data + 0x900, 1, ts, 0, 8)).isEqualTo(1);
        assertThat(word(parent, data + 0x900) >>> 48).as("POLLIN (POLLRDNORM not asked)").isEqualTo(IN);

        assertThat(ctl(outer, ADD, ep, IN | EXCLUSIVE, 0)).as("Linux's EINVAL comes first").isEqualTo(EINVAL);
        assertThat(ctl(outer, ADD, ep, IN, 0)).isEqualTo(ENOSYS);
        assertThat(fx.sos.linux().state(parent).refusedCalls())
                .containsEntry("epoll_ctl: an epoll added to another epoll (nested epolls)", 1L);
        assertThat(ctl(outer, MOD, ep, IN, 0)).isEqualTo(ENOENT);
        assertThat(epollOf(parent, outer).size()).isZero();
    }

    /**
     * Pipes in random states, each end registered level-triggered for POLLIN and POLLOUT: epoll
     * reports exactly the ends ppoll finds with something, with the same bits (EPOLLERR and
     * EPOLLHUP as ppoll adds them). The seed is printed on failure ({@code -Depoll.seed=N} runs one).
     */
    @Test
    void levelTriggeredEpollAgreesWithPpollOnRandomPipes() {
        long seed = Long.getLong("epoll.seed", 20261208L);
        System.out.println("levelTriggeredEpollAgreesWithPpollOnRandomPipes: seed " + seed);
        SplittableRandom random = new SplittableRandom(seed);
        for (int round = 0; round < 30; round++) {
            long ep = call(parent, EPOLL_CREATE1, 0);
            List<Integer> fds = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                int[] p = pipe(parent, O_NONBLOCK);
                int fill = random.nextInt(4);
                for (int k = 0; k < (fill == 3 ? Pipe.PAGES : fill); k++) {
                    call(parent, WRITE, p[1], data + 0x1000, Pipe.PAGE);
                }
                fds.add(p[0]);
                fds.add(p[1]);
            }
            for (int fd : fds) {
                assertThat(ctl(ep, ADD, fd, IN | OUT, fd)).as("seed %d round %d", seed, round).isZero();
            }
            for (int i = 0; i < 2; i++) {
                int victim = fds.get(random.nextInt(fds.size()));
                if (random.nextBoolean() && fds.contains(victim)) {
                    assertThat(call(parent, CLOSE, victim)).isZero();
                    fds.remove(Integer.valueOf(victim));
                }
            }
            List<Event> expected = new ArrayList<>();
            for (int fd : fds) {
                put(parent, data + 0x900, fd | (long) (IN | OUT) << 32);
                put(parent, ts, 0, 0);
                long n = call(parent, PPOLL, data + 0x900, 1, ts, 0, 8);
                int revents = (int) (word(parent, data + 0x900) >>> 48);
                if (n == 1) {
                    expected.add(new Event(revents, fd));
                }
            }
            List<Event> got = poll(parent, ep, 8);
            assertThat(got).as("seed %d round %d", seed, round).containsExactlyInAnyOrderElementsOf(expected);
            for (int fd : fds) {
                call(parent, CLOSE, fd);
            }
            assertThat(epollOf(parent, ep).size()).as("seed %d round %d: all gone", seed, round).isZero();
            assertThat(call(parent, CLOSE, ep)).isZero();
        }
    }
}
