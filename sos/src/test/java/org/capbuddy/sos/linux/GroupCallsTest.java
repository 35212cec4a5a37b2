package org.capbuddy.sos.linux;

import static org.assertj.core.api.Assertions.assertThat;

import org.capbuddy.kernel.cpu.ThreadRunner;
import org.capbuddy.sos.SosFixture;
import org.capbuddy.sos.process.Process;
import org.capbuddy.sos.process.ProcessState;
import org.junit.jupiter.api.Test;

/**
 * Process groups and sessions, one system call at a time, against Linux 6.1's kernel/sys.c,
 * kernel/signal.c and kernel/exit.c: the group and session a run starts in (outside it: 0),
 * setpgid's errors in Linux's order, setsid, getpgid and getsid of the caller, a child and a
 * zombie, kill of a group and wait4 and waitid for one, fork passing them on and execve keeping them.
 */
class GroupCallsTest {
    private static final long SETPGID = 154;
    private static final long GETPGID = 155;
    private static final long GETSID = 156;
    private static final long SETSID = 157;
    private static final long KILL = 129;
    private static final long WAIT4 = 260;
    private static final long WAITID = 95;
    private static final long EXIT = 93;
    private static final long P_PGID = 2;
    private static final long WEXITED = 4;
    private static final long WNOHANG = 1;
    private static final int SIGKILL = 9;
    private static final long ESRCH = -3;
    private static final long EPERM = -1;
    private static final long EACCES = -13;
    private static final long EINVAL = -22;
    private static final long ECHILD = -10;
    private static final long EINTR = -4;
    private static final long RT_SIGACTION = 134;
    private static final long RT_SIGPROCMASK = 135;
    private static final long SIG_UNBLOCK = 1;
    private static final int SIGUSR1 = 10;

    private final SosFixture fx = new SosFixture(true);
    private final Process parent = fx.process();
    private final long code = fx.codePage(parent);

    private Process fork(Process p) {
        return fx.fork(p, code);
    }

    private long call(Process p, long number, long... args) {
        return fx.linuxCall(p, code, number, args);
    }

    /** {@code child} exits with {@code status} and is left a zombie for its parent. */
    private void exit(Process child, long status) {
        call(child, EXIT, status);
        fx.sos.linux().ended(child);
        fx.sos.destroy(child);
    }

    @Test
    void aRunStartsInAGroupAndSessionOutsideItThatForkPassesOn() {
        assertThat(call(parent, GETPGID, 0)).as("the shell's group: outside the run").isZero();
        assertThat(call(parent, GETSID, 0)).isZero();
        assertThat(call(parent, GETPGID, parent.pid())).isZero();
        Process child = fork(parent);
        assertThat(call(child, GETPGID, 0)).isZero();
        assertThat(call(parent, GETSID, child.pid())).isZero();
        assertThat(call(parent, GETPGID, 9999)).isEqualTo(ESRCH);
        assertThat(call(parent, GETSID, 9999)).isEqualTo(ESRCH);
        assertThat(call(parent, GETPGID, -1)).isEqualTo(ESRCH);
        // the outside group is no pid: it cannot be joined by number
        assertThat(call(child, SETPGID, 0, 0)).isZero();
        assertThat(call(child, SETPGID, 0, parent.pid())).as("no group has the parent's pid").isEqualTo(EPERM);
    }

    @Test
    void setpgidRefusesInLinuxsOrder() {
        Process child = fork(parent);
        Process grandchild = fork(child);
        assertThat(call(parent, SETPGID, 9999, -1)).as("pgid below 0 before any lookup").isEqualTo(EINVAL);
        assertThat(call(parent, SETPGID, 9999, 0)).isEqualTo(ESRCH);
        assertThat(call(parent, SETPGID, -7, 0)).as("pgid 0 is pid: below 0").isEqualTo(EINVAL);
        assertThat(call(parent, SETPGID, -7, 1)).isEqualTo(ESRCH);
        assertThat(call(parent, SETPGID, grandchild.pid(), 0)).as("not its child").isEqualTo(ESRCH);
        assertThat(call(child, SETPGID, parent.pid(), 0)).as("its parent").isEqualTo(ESRCH);
        assertThat(call(parent, SETPGID, child.pid(), 424242)).as("no such group").isEqualTo(EPERM);
        assertThat(call(parent, GETPGID, child.pid())).as("nothing changed").isZero();

        fx.sos.linux().state(child).execed();
        assertThat(call(parent, SETPGID, child.pid(), 0)).as("a child that has exec'd").isEqualTo(EACCES);
        assertThat(call(child, SETPGID, 0, 0)).as("it may move itself").isZero();
        assertThat(call(child, GETPGID, 0)).as("and execve kept the group").isEqualTo(child.pid());

        Process other = fork(parent);
        assertThat(call(other, SETSID)).isEqualTo(other.pid());
        fx.sos.linux().state(other).execed();
        assertThat(call(parent, SETPGID, other.pid(), 0)).as("another session before EACCES").isEqualTo(EPERM);
        assertThat(call(other, SETPGID, 0, 0)).as("a session leader").isEqualTo(EPERM);
        Process third = fork(parent);
        assertThat(call(parent, SETPGID, third.pid(), other.pid())).as("a group of another session").isEqualTo(EPERM);
        assertThat(call(parent, SETPGID, third.pid(), child.pid())).as("a group of its session").isZero();
        assertThat(call(third, GETPGID, 0)).isEqualTo(child.pid());
    }

    @Test
    void setpgidMakesAndJoinsGroupsThatForkPassesOn() {
        assertThat(call(parent, SETPGID, 0, 0)).isZero();
        assertThat(call(parent, GETPGID, 0)).isEqualTo(parent.pid());
        assertThat(call(parent, GETSID, 0)).as("the session stays the shell's").isZero();
        Process child = fork(parent);
        assertThat(call(child, GETPGID, 0)).as("inherited").isEqualTo(parent.pid());
        Process second = fork(parent);
        assertThat(call(parent, SETPGID, child.pid(), child.pid())).isZero();
        assertThat(call(parent, SETPGID, second.pid(), child.pid())).isZero();
        assertThat(call(second, GETPGID, 0)).isEqualTo(child.pid());
        assertThat(call(parent, SETPGID, second.pid(), parent.pid())).as("and back").isZero();
        assertThat(call(second, GETPGID, second.pid())).isEqualTo(parent.pid());
    }

    @Test
    void setsidLeadsANewSessionUnlessAGroupHasTheCallersPid() {
        assertThat(call(parent, SETSID)).as("the first process leads no group").isEqualTo(parent.pid());
        assertThat(call(parent, GETSID, 0)).isEqualTo(parent.pid());
        assertThat(call(parent, GETPGID, 0)).isEqualTo(parent.pid());
        assertThat(call(parent, SETSID)).as("a session leader").isEqualTo(EPERM);
        Process child = fork(parent);
        assertThat(call(child, GETSID, 0)).as("inherited").isEqualTo(parent.pid());
        assertThat(call(child, SETPGID, 0, 0)).isZero();
        assertThat(call(child, SETSID)).as("a group leader").isEqualTo(EPERM);
        // its group lives on in a zombie after it leaves: setsid is refused until the zombie is reaped
        Process grandchild = fork(child);
        assertThat(call(child, SETPGID, 0, parent.pid())).isZero();
        exit(grandchild, 0);
        assertThat(call(child, GETPGID, grandchild.pid())).as("a zombie keeps its group").isEqualTo(child.pid());
        assertThat(call(child, SETSID)).isEqualTo(EPERM);
        assertThat(call(child, WAIT4, grandchild.pid(), 0, 0, 0)).isEqualTo(grandchild.pid());
        assertThat(call(child, SETSID)).as("the empty group is gone").isEqualTo(child.pid());
        assertThat(call(parent, GETSID, child.pid())).isEqualTo(child.pid());
    }

    @Test
    void killOfAGroupReachesItsMembersOnly() {
        Process child = fork(parent);
        Process second = fork(parent);
        Process third = fork(parent);
        assertThat(call(parent, SETPGID, child.pid(), 0)).isZero();
        assertThat(call(parent, SETPGID, second.pid(), child.pid())).isZero();
        assertThat(call(parent, KILL, -third.pid(), 0)).as("a pid that names no group").isEqualTo(ESRCH);
        assertThat(call(parent, KILL, -third.pid(), 65)).as("empty: ESRCH before the signal's check").isEqualTo(ESRCH);
        assertThat(call(parent, KILL, -child.pid(), 65)).isEqualTo(EINVAL);
        assertThat(call(parent, KILL, -child.pid(), 0)).isZero();
        assertThat(call(third, KILL, 0, SIGKILL)).as("kill(0) from the third: its group has the parent").isZero();
        assertThat(parent.state()).isEqualTo(ProcessState.KILLED);
        assertThat(third.state()).isEqualTo(ProcessState.KILLED);
        assertThat(child.state()).as("moved away").isEqualTo(ProcessState.RUNNING);
        assertThat(second.state()).isEqualTo(ProcessState.RUNNING);
    }

    @Test
    void killOfAGroupOfZombiesSucceedsAndKillZeroLeavesTheParentsGroup() {
        Process child = fork(parent);
        Process second = fork(parent);
        assertThat(call(parent, SETPGID, child.pid(), 0)).isZero();
        assertThat(call(child, KILL, 0, 0)).isZero();
        exit(child, 3);
        assertThat(call(parent, KILL, -child.pid(), SIGKILL)).as("only a zombie: found, dropped").isZero();
        assertThat(call(second, KILL, -child.pid(), 0)).isZero();
        assertThat(call(parent, WAIT4, -child.pid(), 0, 0, 0)).isEqualTo(child.pid());
        assertThat(call(parent, KILL, -child.pid(), 0)).as("reaped: the group is gone").isEqualTo(ESRCH);
        assertThat(second.state()).isEqualTo(ProcessState.RUNNING);
    }

    @Test
    void wait4AndWaitidForAGroupMatchTheChildsGroupNow() {
        Process child = fork(parent);
        assertThat(call(parent, WAIT4, 0, 0, WNOHANG, 0)).as("in the caller's group").isZero();
        assertThat(call(parent, SETPGID, child.pid(), 0)).isZero();
        assertThat(call(parent, WAIT4, 0, 0, WNOHANG, 0)).as("moved away: no longer 0's").isEqualTo(ECHILD);
        assertThat(call(parent, WAITID, P_PGID, 0, 0, WEXITED | WNOHANG, 0)).isEqualTo(ECHILD);
        assertThat(call(parent, WAIT4, -child.pid(), 0, WNOHANG, 0)).isZero();
        assertThat(call(parent, WAIT4, -424242, 0, WNOHANG, 0)).isEqualTo(ECHILD);
        exit(child, 5);
        assertThat(call(parent, WAIT4, 0, 0, WNOHANG, 0)).isEqualTo(ECHILD);
        assertThat(call(parent, WAITID, P_PGID, child.pid(), 0, WEXITED, 0)).isZero();
        assertThat(call(parent, WAIT4, -child.pid(), 0, 0, 0)).as("reaped by waitid").isEqualTo(ECHILD);
    }

    /** Linux's kernel_wait4 takes the caller's group at the call: its parent moving it meanwhile does not change the wait. */
    @Test
    void aBlockedWait4ForItsGroupKeepsTheGroupItAskedFor() {
        Process child = fork(parent);
        Process grandchild = fork(child);
        ThreadRunner r = fx.run(child, code, WAIT4, 0, 0, 0, 0);
        assertThat(fx.sos.linux().waitsForChild(child)).as("blocked in wait4(0)").isTrue();
        assertThat(call(parent, SETPGID, child.pid(), 0)).isZero();
        exit(grandchild, 6);
        assertThat(fx.sos.linux().waitsForChild(child)).isFalse();
        assertThat(r.context().x(0)).as("reaped from the group it asked for").isEqualTo(grandchild.pid());
    }

    /** {@code p} makes call {@code number} and blocks in it; the runner holds its registers. */
    private ThreadRunner blockIn(Process p, long number, long... args) {
        ThreadRunner r = fx.run(p, code, number, args);
        assertThat(fx.sos.linux().waitsForChild(p)).as("blocked in call " + number).isTrue();
        return r;
    }

    /** {@code p} takes SIGUSR1 with a handler (no SA_RESTART). */
    private void handleSigusr1(Process p) {
        long act = code + 0x300;
        fx.put(p, act, code + 0x800, 0, 0, 0);
        assertThat(call(p, RT_SIGACTION, SIGUSR1, act, 0, 8)).isZero();
    }

    /** The x0 a signal's handler frame saved for {@code r}'s interrupted call, once in the handler. */
    private long resultUnderHandler(Process p, ThreadRunner r) {
        assertThat(r.context().pc()).as("in its handler, through the signal page").isEqualTo(SigPage.ENTRY);
        assertThat(r.context().x(0)).isEqualTo(SIGUSR1);
        return p.cpu().read(r.context().sp() + SignalFrame.REGS, 8);
    }

    /**
     * Linux's child_wait_callback wakes a waiting parent only for a child its wait is for
     * (eligible_pid, the child's group now): a parent blocked in waitpid(-b) sleeps on when b moves
     * into the parent's group and ends, though no child is left for its wait; the next signal it
     * takes wakes do_wait, which finds none and returns ECHILD (not EINTR).
     */
    @Test
    void aGroupWaitSleepsThroughTheEndOfAChildThatLeftTheGroupAndASignalEndsItWithEchild() {
        assertThat(call(parent, SETPGID, 0, 0)).isZero();
        Process b = fork(parent);
        Process killer = fork(parent);
        assertThat(call(parent, SETPGID, b.pid(), 0)).isZero();
        handleSigusr1(parent);
        ThreadRunner r = blockIn(parent, WAIT4, -b.pid(), 0, 0, 0);
        assertThat(call(b, SETPGID, 0, parent.pid())).isZero();
        exit(b, 3);
        assertThat(fx.sos.linux().waitsForChild(parent)).as("b is no longer of the group it waits for").isTrue();
        assertThat(call(killer, KILL, parent.pid(), SIGUSR1)).isZero();
        assertThat(fx.sos.linux().waitsForChild(parent)).isFalse();
        assertThat(resultUnderHandler(parent, r)).isEqualTo(ECHILD);
        assertThat(call(parent, WAIT4, b.pid(), 0, 0, 0)).as("b is still there to reap").isEqualTo(b.pid());
    }

    /** As for wait4(-b), for waitid(P_PGID, b); and while one of the group still runs, the signal is EINTR. */
    @Test
    void aWaitidForAGroupSleepsThroughAnotherChildsEndAndASignalEndsItByWhatIsLeft() {
        assertThat(call(parent, SETPGID, 0, 0)).isZero();
        Process b = fork(parent);
        Process second = fork(parent);
        Process killer = fork(parent);
        assertThat(call(parent, SETPGID, b.pid(), 0)).isZero();
        assertThat(call(parent, SETPGID, second.pid(), b.pid())).isZero();
        handleSigusr1(parent);
        ThreadRunner r = blockIn(parent, WAITID, P_PGID, b.pid(), 0, WEXITED, 0);
        assertThat(call(b, SETPGID, 0, parent.pid())).isZero();
        exit(b, 3);
        assertThat(fx.sos.linux().waitsForChild(parent)).isTrue();
        assertThat(call(killer, KILL, parent.pid(), SIGUSR1)).isZero();
        assertThat(resultUnderHandler(parent, r)).as("second still runs in group b").isEqualTo(EINTR);

        // out of the handler as sigreturn would leave it: SIGUSR1 no longer blocked
        long set = code + 0x340;
        fx.put(parent, set, 1L << (SIGUSR1 - 1));
        assertThat(call(parent, RT_SIGPROCMASK, SIG_UNBLOCK, set, 0, 8)).isZero();
        r = blockIn(parent, WAITID, P_PGID, b.pid(), 0, WEXITED, 0);
        assertThat(call(second, SETPGID, 0, parent.pid())).isZero();
        exit(second, 4);
        assertThat(fx.sos.linux().waitsForChild(parent)).isTrue();
        assertThat(call(killer, KILL, parent.pid(), SIGUSR1)).isZero();
        assertThat(resultUnderHandler(parent, r)).isEqualTo(ECHILD);
    }

    /** wait4(0) is for the caller's group at the call: a child that leaves it and ends does not wake the wait. */
    @Test
    void aWaitForTheCallersGroupSleepsThroughTheEndOfAChildThatLeftIt() {
        assertThat(call(parent, SETPGID, 0, 0)).isZero();
        Process c = fork(parent);
        Process killer = fork(parent);
        assertThat(call(parent, SETPGID, killer.pid(), 0)).isZero();
        handleSigusr1(parent);
        ThreadRunner r = blockIn(parent, WAIT4, 0, 0, 0, 0);
        assertThat(call(c, SETPGID, 0, 0)).isZero();
        exit(c, 2);
        assertThat(fx.sos.linux().waitsForChild(parent)).isTrue();
        assertThat(call(killer, KILL, parent.pid(), SIGUSR1)).isZero();
        assertThat(resultUnderHandler(parent, r)).isEqualTo(ECHILD);
        assertThat(call(parent, WAIT4, -c.pid(), 0, 0, 0)).isEqualTo(c.pid());
    }

    /** A zombie's session is not its group: a session leader's child that made a group of its own. */
    @Test
    void getsidAndGetpgidOfAZombieReadItsOwnSessionAndGroup() {
        assertThat(call(parent, SETSID)).isEqualTo(parent.pid());
        Process child = fork(parent);
        assertThat(call(child, SETPGID, 0, 0)).isZero();
        exit(child, 0);
        assertThat(call(parent, GETSID, child.pid())).as("the leader's session").isEqualTo(parent.pid());
        assertThat(call(parent, GETPGID, child.pid())).as("its own group").isEqualTo(child.pid());
        assertThat(call(parent, WAIT4, child.pid(), 0, 0, 0)).isEqualTo(child.pid());
        assertThat(call(parent, GETSID, child.pid())).as("reaped").isEqualTo(ESRCH);
    }

    @Test
    void aZombieChildCanBeMovedAndIsReapedByItsNewGroup() {
        Process child = fork(parent);
        exit(child, 1);
        assertThat(call(parent, GETSID, child.pid())).isZero();
        assertThat(call(parent, SETPGID, child.pid(), 0)).isZero();
        assertThat(call(parent, GETPGID, child.pid())).isEqualTo(child.pid());
        assertThat(call(parent, WAIT4, 0, 0, WNOHANG, 0)).isEqualTo(ECHILD);
        assertThat(call(parent, WAIT4, -child.pid(), 0, 0, 0)).isEqualTo(child.pid());
        assertThat(call(parent, GETPGID, child.pid())).as("reaped").isEqualTo(ESRCH);
    }

    @Test
    void anotherRunsProcessesAndGroupsAreNotFound() {
        Process stranger = fx.process();
        assertThat(fx.linuxCall(stranger, fx.codePage(stranger), SETPGID, 0, 0)).isZero();
        assertThat(call(parent, GETPGID, stranger.pid())).isEqualTo(ESRCH);
        assertThat(call(parent, GETSID, stranger.pid())).isEqualTo(ESRCH);
        assertThat(call(parent, KILL, -stranger.pid(), 0)).isEqualTo(ESRCH);
        assertThat(call(parent, SETPGID, 0, stranger.pid())).isEqualTo(EPERM);
    }
}
