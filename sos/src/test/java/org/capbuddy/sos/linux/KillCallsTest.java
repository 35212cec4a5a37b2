package org.capbuddy.sos.linux;

import static org.assertj.core.api.Assertions.assertThat;

import org.capbuddy.kernel.cpu.ThreadRunner;
import org.capbuddy.sos.SosFixture;
import org.capbuddy.sos.process.Process;
import org.capbuddy.sos.process.ProcessState;
import org.junit.jupiter.api.Test;

/**
 * kill, tkill and tgkill to another process of the run, one system call at a time: the pid forms
 * (a pid, 0 and -pgid for a process group, -1 for all but the caller), signal 0, ESRCH,
 * EINVAL, a zombie, a runnable child killed or sent to its handler at once, and blocked
 * processes woken as a signal they sent themselves would wake them.
 */
class KillCallsTest {
    private static final long KILL = 129;
    private static final long TKILL = 130;
    private static final long TGKILL = 131;
    private static final long RT_SIGACTION = 134;
    private static final long RT_SIGPROCMASK = 135;
    private static final long WAIT4 = 260;
    private static final long NANOSLEEP = 101;
    private static final long EXIT = 93;
    private static final int SIGUSR1 = 10;
    private static final int SIGTERM = 15;
    private static final int SIGKILL = 9;
    private static final int SIGSTOP = 19;
    private static final long ESRCH = -3;
    private static final long EINVAL = -22;

    private final SosFixture fx = new SosFixture(true);
    private final Process parent = fx.process();
    private final long code = fx.codePage(parent);

    /** A fork of {@code p}, the child run to where its clone returns. */
    private Process fork(Process p) {
        return fx.fork(p, code);
    }

    /** The child ended as a run would end it: its parent told, its SOS process destroyed. */
    private void reapable(Process child) {
        fx.sos.linux().ended(child);
        fx.sos.destroy(child);
    }

    @Test
    void aPidIsFoundProbedAndCheckedInLinuxsOrder() {
        Process child = fork(parent);
        assertThat(fx.linuxCall(parent, code, KILL, child.pid(), 0)).as("signal 0 probes").isZero();
        assertThat(fx.linuxCall(parent, code, KILL, child.pid(), 65)).as("a bad signal to one found").isEqualTo(EINVAL);
        assertThat(fx.linuxCall(parent, code, KILL, 999, 65)).as("none found first").isEqualTo(ESRCH);
        assertThat(fx.linuxCall(parent, code, KILL, 999, 0)).isEqualTo(ESRCH);
        assertThat(fx.linuxCall(child, code, KILL, parent.pid(), 0)).as("a child may signal its parent").isZero();
        assertThat(fx.linuxCall(parent, code, KILL, -12345, 0)).as("another group").isEqualTo(ESRCH);
        assertThat(fx.linuxCall(parent, code, KILL, Integer.MIN_VALUE, 0)).isEqualTo(ESRCH);
        assertThat(fx.linuxCall(parent, code, KILL, -1, 65)).isEqualTo(EINVAL);
        assertThat(child.state()).isEqualTo(ProcessState.RUNNING);
    }

    @Test
    void aRunnableChildIsKilledAtOnceAndItsParentReapsItAsKilled() {
        Process child = fork(parent);
        assertThat(fx.linuxCall(parent, code, KILL, child.pid(), SIGTERM)).isZero();
        assertThat(child.state()).isEqualTo(ProcessState.KILLED);
        assertThat(child.killReport().signal()).isEqualTo(SIGTERM);
        assertThat(child.killReport().reason()).contains("kill from process " + parent.pid());
        reapable(child);
        long status = code + 0x200;
        assertThat(fx.linuxCall(parent, code, WAIT4, child.pid(), status, 0, 0)).isEqualTo(child.pid());
        assertThat(fx.sos.peek(parent, status, 4).getAsLong()).as("WTERMSIG 15").isEqualTo(SIGTERM);
    }

    @Test
    void aZombieExistsForKillAndTheSignalIsDropped() {
        Process child = fork(parent);
        fx.linuxCall(child, code, EXIT, 4);
        reapable(child);
        assertThat(fx.linuxCall(parent, code, KILL, child.pid(), SIGKILL)).isZero();
        assertThat(fx.linuxCall(parent, code, KILL, child.pid(), 65)).isEqualTo(EINVAL);
        assertThat(fx.linuxCall(parent, code, TKILL, child.pid(), SIGKILL)).isZero();
        long status = code + 0x200;
        assertThat(fx.linuxCall(parent, code, WAIT4, child.pid(), status, 0, 0)).isEqualTo(child.pid());
        assertThat(fx.sos.peek(parent, status, 4).getAsLong()).as("exited 4, not killed").isEqualTo(4 << 8);
        assertThat(fx.linuxCall(parent, code, KILL, child.pid(), 0)).as("reaped: gone").isEqualTo(ESRCH);
    }

    @Test
    void minusOneSkipsTheCallerAndZeroAndMinusTheGroupIncludeIt() {
        Process child = fork(parent);
        Process second = fork(parent);
        // the children ignore SIGUSR1 (SIG_IGN = 1): the parent's kill(-1) reaches both, not itself
        long act = code + 0x300;
        for (Process c : new Process[] {child, second}) {
            fx.sos.syscalls(c).copyToUser(act, java.nio.ByteBuffer.allocate(32)
                    .order(java.nio.ByteOrder.LITTLE_ENDIAN).putLong(1).array(), 32);
            assertThat(fx.linuxCall(c, code, RT_SIGACTION, SIGUSR1, act, 0, 8)).isZero();
        }
        assertThat(fx.linuxCall(parent, code, KILL, -1, SIGUSR1)).isZero();
        assertThat(parent.state()).isEqualTo(ProcessState.RUNNING);
        assertThat(child.state()).isEqualTo(ProcessState.RUNNING);
        // -1 from a child reaches its parent and its sibling: SIGTERM kills both
        assertThat(fx.linuxCall(child, code, KILL, -1, SIGTERM)).isZero();
        assertThat(second.state()).isEqualTo(ProcessState.KILLED);
        assertThat(parent.state()).isEqualTo(ProcessState.KILLED);
        assertThat(child.state()).as("not the caller").isEqualTo(ProcessState.RUNNING);
    }

    @Test
    void zeroReachesTheWholeGroupTheCallerLast() {
        assertThat(fx.linuxCall(parent, code, 154 /* setpgid */, 0, 0)).isZero();
        Process child = fork(parent);
        assertThat(fx.linuxCall(child, code, KILL, -parent.pid(), 0)).isZero();
        assertThat(fx.linuxCall(child, code, KILL, 0, SIGKILL)).as("the call's own death has no return").isZero();
        assertThat(parent.state()).isEqualTo(ProcessState.KILLED);
        assertThat(child.state()).isEqualTo(ProcessState.KILLED);
    }

    @Test
    void tkillAndTgkillReachAnotherProcesssThread() {
        Process child = fork(parent);
        assertThat(fx.linuxCall(parent, code, TGKILL, child.pid(), parent.pid(), 0)).as("tid not of tgid")
                .isEqualTo(ESRCH);
        assertThat(fx.linuxCall(parent, code, TKILL, 999, 0)).isEqualTo(ESRCH);
        assertThat(fx.linuxCall(parent, code, TKILL, 0, 0)).isEqualTo(EINVAL);
        assertThat(fx.linuxCall(parent, code, TGKILL, child.pid(), child.pid(), 0)).isZero();
        assertThat(fx.linuxCall(parent, code, TGKILL, child.pid(), child.pid(), SIGKILL)).isZero();
        assertThat(child.state()).isEqualTo(ProcessState.KILLED);
    }

    @Test
    void aBlockedSignalWaitsAndSigstopIsRefused() {
        Process child = fork(parent);
        long set = code + 0x300;
        fx.sos.syscalls(child).copyToUser(set, java.nio.ByteBuffer.allocate(8)
                .order(java.nio.ByteOrder.LITTLE_ENDIAN).putLong(1L << (SIGTERM - 1)).array(), 8);
        assertThat(fx.linuxCall(child, code, RT_SIGPROCMASK, 0, set, 0, 8)).isZero();
        assertThat(fx.linuxCall(parent, code, KILL, child.pid(), SIGTERM)).isZero();
        assertThat(child.state()).as("blocked: pending").isEqualTo(ProcessState.RUNNING);
        assertThat(fx.sos.linux().state(child).pendingSignals()).isEqualTo(1L << (SIGTERM - 1));
        assertThat(fx.linuxCall(parent, code, KILL, child.pid(), SIGSTOP)).as("no stop state in SOS").isEqualTo(-38);
        assertThat(child.state()).isEqualTo(ProcessState.RUNNING);
    }

    @Test
    void aParentBlockedInWait4IsWokenWithEintrAndKilledByTheDefaultAction() {
        Process child = fork(parent);
        ThreadRunner p = fx.load(parent, code, 0xD400_0001);
        p.context().setX(0, -1);
        p.context().setX(1, 0);
        p.context().setX(2, 0);
        p.context().setX(3, 0);
        p.context().setX(8, WAIT4);
        p.run(1);
        assertThat(fx.sos.linux().waitsForChild(parent)).isTrue();
        assertThat(fx.linuxCall(child, code, KILL, parent.pid(), SIGUSR1)).isZero();
        assertThat(fx.sos.linux().waitsForChild(parent)).isFalse();
        assertThat(parent.state()).isEqualTo(ProcessState.KILLED);
        assertThat(parent.killReport().signal()).isEqualTo(SIGUSR1);
    }

    @Test
    void aSleeperIsWokenWithEintrAndTheTimeLeft() {
        Process child = fork(parent);
        // SIGUSR1 handled: a handler address; the sleeper's nanosleep then ends EINTR as the frame is pushed
        long act = code + 0x300;
        fx.sos.syscalls(child).copyToUser(act, java.nio.ByteBuffer.allocate(32)
                .order(java.nio.ByteOrder.LITTLE_ENDIAN).putLong(code + 0x800).array(), 32);
        assertThat(fx.linuxCall(child, code, RT_SIGACTION, SIGUSR1, act, 0, 8)).isZero();
        long req = code + 0x400;
        fx.sos.syscalls(child).copyToUser(req, java.nio.ByteBuffer.allocate(16)
                .order(java.nio.ByteOrder.LITTLE_ENDIAN).putLong(10).putLong(0).array(), 16);
        ThreadRunner c = fx.load(child, code, 0xD400_0001);
        c.context().setX(0, req);
        c.context().setX(1, req + 16);
        c.context().setX(8, NANOSLEEP);
        c.run(1);
        assertThat(fx.sos.linux().blocked(child)).as("asleep while its parent runs").isTrue();
        assertThat(fx.linuxCall(parent, code, KILL, child.pid(), SIGUSR1)).isZero();
        assertThat(fx.sos.linux().blocked(child)).isFalse();
        assertThat(c.context().pc()).as("in its handler, through the signal page").isEqualTo(SigPage.ENTRY);
        assertThat(c.context().x(0)).isEqualTo(SIGUSR1);
        assertThat(fx.sos.peek(child, req + 16, 8).getAsLong()).as("seconds left").isGreaterThanOrEqualTo(9);
    }
}
