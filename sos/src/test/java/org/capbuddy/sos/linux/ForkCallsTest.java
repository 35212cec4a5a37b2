package org.capbuddy.sos.linux;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import org.capbuddy.kernel.cpu.ThreadRunner;
import org.capbuddy.sos.SosFixture;
import org.capbuddy.sos.addrspace.Layout;
import org.capbuddy.sos.process.Process;
import org.capbuddy.sos.process.ProcessState;
import org.junit.jupiter.api.Test;

/**
 * clone and wait4 as one system call each, from a process a test drives: Linux's refusals of
 * clone's flags, the flags SOS serves (fork's and vfork's) and those it refuses, what the parent
 * and the child get, wait4's errors, and a vfork parent blocked until its child ends.
 */
class ForkCallsTest {
    private static final long CLONE = 220;
    private static final long WAIT4 = 260;
    private static final long WAITID = 95;
    private static final long P_ALL = 0;
    private static final long P_PID = 1;
    private static final long WNOHANG = 1;
    private static final long WSTOPPED = 2;
    private static final long WEXITED = 4;
    private static final long WCONTINUED = 8;
    private static final long EXIT = 93;
    private static final long SIGCHLD = 17;
    private static final long CLONE_VM = 0x100;
    private static final long CLONE_SIGHAND = 0x800;
    private static final long CLONE_VFORK = 0x4000;
    private static final long CLONE_THREAD = 0x10000;
    private static final long CLONE_SETTLS = 0x80000;
    private static final long READ = 63;
    private static final long PIPE2 = 59;
    private static final long RT_SIGACTION = 134;
    private static final long RT_SIGPROCMASK = 135;
    private static final long RT_SIGTIMEDWAIT = 137;
    private static final long KILL = 129;
    private static final long SA_SIGINFO = 4;
    private static final long SA_RESTART = 0x1000_0000;
    private static final long EINTR = -4;
    private static final long HANDLER = 0x800;

    private final SosFixture fx = new SosFixture(true);
    private final Process parent = fx.process();
    private final long code = fx.codePage(parent);

    /**
     * A clone from {@code p} at the code page, run through SOS's fork routine in the signal page to
     * where the call returns (the instruction after the svc); x0 then. A vfork parent stops blocked
     * inside the routine.
     */
    private long cloneCall(Process p, long flags) {
        ThreadRunner r = fx.load(p, code, 0xD400_0001);
        // the routine keeps its record below the stack pointer: a stack, as a program has one
        r.context().setSp(Layout.STACK_TOP - 256);
        r.context().setX(0, flags);
        r.context().setX(1, 0);
        r.context().setX(8, CLONE);
        return toCallsEnd(r);
    }

    /** Runs {@code r} an instruction at a time until it is back after the svc at the code page (or blocks). */
    private long toCallsEnd(ThreadRunner r) {
        for (int i = 0; i < 500 && r.context().pc() != code + 4; i++) {
            if (r.run(1).instructions() == 0) {
                break;
            }
        }
        return r.context().x(0);
    }

    /** Gives {@code p} a handler at code + {@link #HANDLER} (never run here) for {@code signal}. */
    private void handle(Process p, long signal, long flags) {
        action(p, signal, code + HANDLER, flags);
    }

    private void action(Process p, long signal, long handler, long flags) {
        long act = code + 0x300;
        assertThat(fx.sos.syscalls(p).copyToUser(act, ByteBuffer.allocate(32)
                .order(ByteOrder.LITTLE_ENDIAN).putLong(handler).putLong(flags).array(), 32)).isTrue();
        assertThat(fx.linuxCall(p, code, RT_SIGACTION, signal, act, 0, 8)).isZero();
    }

    /** {@code p}'s mask set to {@code mask}, after SIGCHLD's pending instance is discarded (SIG_IGN). */
    private void resetMask(Process p, long mask) {
        action(p, SIGCHLD, 1 /* SIG_IGN */, 0);
        long set = code + 0x500;
        assertThat(fx.sos.syscalls(p).copyToUser(set, ByteBuffer.allocate(8)
                .order(ByteOrder.LITTLE_ENDIAN).putLong(mask).array(), 8)).isTrue();
        assertThat(fx.linuxCall(p, code, RT_SIGPROCMASK, 2 /* SIG_SETMASK */, set, 0, 8)).isZero();
    }

    /** {@code p} makes call {@code number} with SP on its stack (room for a handler's frame) and blocks in it. */
    private ThreadRunner blockIn(Process p, long number, long... args) {
        ThreadRunner r = enter(p, number, args);
        assertThat(fx.sos.linux().waitsForChild(p)).as("blocked").isTrue();
        return r;
    }

    /** {@code p} makes call {@code number} with SP on its stack (room for a handler's frame). */
    private ThreadRunner enter(Process p, long number, long... args) {
        ThreadRunner r = fx.load(p, code, 0xD400_0001);
        r.context().setSp(Layout.STACK_TOP - 4096);
        for (int i = 0; i < args.length; i++) {
            r.context().setX(i, args[i]);
        }
        r.context().setX(8, number);
        r.run(1);
        return r;
    }

    private void exit(Process child, long status) {
        fx.linuxCall(child, code, EXIT, status);
        fx.sos.linux().ended(child);
        fx.sos.destroy(child);
    }

    /** A word of the signal frame at the handler's entry (SP is the frame). */
    private long frameWord(ThreadRunner r, int offset, int size) {
        return fx.sos.peek(parent, r.context().sp() + offset, size).getAsLong();
    }

    /**
     * Linux's do_wait finds nothing to reap and a signal pending: ERESTARTSYS. A child's SIGCHLD
     * with a handler ends a wait4 for another child with EINTR (the handler's frame holds it as
     * x0, its return after the svc); under SA_RESTART the frame holds the call as made, so it is
     * made again once the handler returns. waitid alike.
     */
    @Test
    void anotherChildsSigchldWithAHandlerEndsAWaitWithEintrOrRestartsIt() {
        for (long flags : new long[] {0, SA_RESTART}) {
            for (long call : new long[] {WAIT4, WAITID}) {
                handle(parent, SIGCHLD, flags);
                Process waited = fx.fork(parent, code);
                Process other = fx.fork(parent, code);
                ThreadRunner p = call == WAIT4 ? blockIn(parent, WAIT4, waited.pid(), 0, 0, 0)
                        : blockIn(parent, WAITID, P_PID, waited.pid(), code + 0x400, WEXITED, 0);
                exit(other, 5);

                String what = (call == WAIT4 ? "wait4" : "waitid") + (flags == 0 ? "" : " under SA_RESTART");
                assertThat(fx.sos.linux().waitsForChild(parent)).as(what + ": woken").isFalse();
                assertThat(p.context().pc()).as(what + ": in its handler").isEqualTo(SigPage.ENTRY);
                assertThat(p.context().x(0)).isEqualTo(SIGCHLD);
                assertThat(frameWord(p, SignalFrame.PC, 8)).as(what + ": the handler returns to")
                        .isEqualTo(flags == 0 ? code + 4 : code);
                assertThat(frameWord(p, SignalFrame.REGS, 8)).as(what + ": x0 then")
                        .isEqualTo(flags == 0 ? EINTR : call == WAIT4 ? waited.pid() : P_PID);
                assertThat(fx.linuxCall(parent, code, WAIT4, other.pid(), 0, 0, 0)).as("then reaped").isEqualTo(other.pid());
                exit(waited, 7);
                assertThat(fx.linuxCall(parent, code, WAIT4, waited.pid(), 0, 0, 0)).isEqualTo(waited.pid());
                resetMask(parent, 0); // the handler's mask (SIGCHLD) stands: the next wait starts afresh
            }
        }
    }

    /**
     * A child's SIGCHLD reaches a parent that makes no call (a loop) before its next instruction,
     * as another process's kill does: the parent is in its handler, whose frame returns to where it
     * was. Ignored (the default), nothing happens; nor for a run's teardown.
     */
    @Test
    void aChildsSigchldReachesAParentThatMakesNoCallBeforeItsNextInstruction() {
        Process ignoredChild = fx.fork(parent, code);
        ThreadRunner p = fx.sos.runner(parent).orElseThrow();
        exit(ignoredChild, 1);
        assertThat(p.context().pc()).as("SIGCHLD ignored: it runs on").isEqualTo(code + 4);

        handle(parent, SIGCHLD, 0);
        Process child = fx.fork(parent, code);
        p.context().setSp(Layout.STACK_TOP - 4096);
        exit(child, 3);
        assertThat(p.context().pc()).as("in its handler").isEqualTo(SigPage.ENTRY);
        assertThat(p.context().x(0)).isEqualTo(SIGCHLD);
        assertThat(frameWord(p, SignalFrame.PC, 8)).as("the handler returns to").isEqualTo(code + 4);
        assertThat(fx.sos.linux().state(parent).pendingSignals()).isZero();

        resetMask(parent, 0);
        handle(parent, SIGCHLD, 0);
        Process torn = fx.fork(parent, code);
        fx.sos.linux().endedAtTeardown(torn);
        fx.sos.destroy(torn);
        assertThat(p.context().pc()).as("a teardown sends it into no handler").isEqualTo(code + 4);
        assertThat(fx.sos.linux().state(parent).pendingSignals()).isEqualTo(1L << (SIGCHLD - 1));
    }

    /**
     * A SIGCHLD that came while the parent was inside SOS's signal page stays pending (it is
     * delivered at its next call's way out); a wait4, waitid or pipe read made then would block,
     * but Linux's do_wait and pipe_read look for a pending signal before they sleep: EINTR at once,
     * or, under SA_RESTART, the call as made in the handler's frame, to be made again.
     */
    @Test
    void aWaitOrPipeReadEnteredWithASignalPendingEndsAtOnceOrIsMadeAgain() {
        long fds = code + 0x700;
        assertThat(fx.linuxCall(parent, code, PIPE2, fds, 0)).isZero();
        long readEnd = fx.sos.peek(parent, fds, 4).getAsLong();
        for (long flags : new long[] {0, SA_RESTART}) {
            for (long call : new long[] {WAIT4, WAITID, READ}) {
                handle(parent, SIGCHLD, flags);
                Process waited = fx.fork(parent, code);
                Process other = fx.fork(parent, code);
                ThreadRunner r = fx.sos.runner(parent).orElseThrow();
                r.context().setPc(SigPage.ENTRY); // entering a handler: deliverNow leaves it pending
                exit(other, 5);
                assertThat(fx.sos.linux().state(parent).pendingSignals()).isEqualTo(1L << (SIGCHLD - 1));
                long first = call == WAIT4 ? waited.pid() : call == WAITID ? P_PID : readEnd;
                ThreadRunner p = call == WAIT4 ? enter(parent, WAIT4, waited.pid(), 0, 0, 0)
                        : call == WAITID ? enter(parent, WAITID, P_PID, waited.pid(), code + 0x400, WEXITED, 0)
                        : enter(parent, READ, readEnd, code + 0x600, 1);

                String what = (call == WAIT4 ? "wait4" : call == WAITID ? "waitid" : "read")
                        + (flags == 0 ? "" : " under SA_RESTART");
                assertThat(fx.sos.linux().blocked(parent)).as(what + ": not blocked").isFalse();
                assertThat(p.context().pc()).as(what + ": in its handler").isEqualTo(SigPage.ENTRY);
                assertThat(p.context().x(0)).isEqualTo(SIGCHLD);
                assertThat(frameWord(p, SignalFrame.PC, 8)).as(what + ": the handler returns to")
                        .isEqualTo(flags == 0 ? code + 4 : code);
                assertThat(frameWord(p, SignalFrame.REGS, 8)).as(what + ": x0 then")
                        .isEqualTo(flags == 0 ? EINTR : first);
                assertThat(fx.linuxCall(parent, code, WAIT4, other.pid(), 0, 0, 0)).isEqualTo(other.pid());
                exit(waited, 7);
                assertThat(fx.linuxCall(parent, code, WAIT4, waited.pid(), 0, 0, 0)).isEqualTo(waited.pid());
                resetMask(parent, 0);
            }
        }
    }

    /** Another process's kill with a handler ends the wait as a child's SIGCHLD does. */
    @Test
    void anotherProcesssSignalWithAHandlerEndsAWaitidWithEintr() {
        handle(parent, 10 /* SIGUSR1 */, 0);
        Process waited = fx.fork(parent, code);
        Process other = fx.fork(parent, code);
        ThreadRunner p = blockIn(parent, WAITID, P_PID, waited.pid(), code + 0x400, WEXITED, 0);
        assertThat(fx.linuxCall(other, code, KILL, parent.pid(), 10)).isZero();
        assertThat(fx.sos.linux().waitsForChild(parent)).isFalse();
        assertThat(p.context().x(0)).isEqualTo(10);
        assertThat(frameWord(p, SignalFrame.REGS, 8)).isEqualTo(EINTR);
    }

    /**
     * A child's SIGCHLD that its parent ignores (the default), blocks, or that reaches a vfork
     * parent (a killable wait) leaves the wait for another child as it was.
     */
    @Test
    void anIgnoredOrBlockedSigchldAndAVforkParentsWaitGoOn() {
        Process waited = fx.fork(parent, code);
        Process other = fx.fork(parent, code);
        blockIn(parent, WAIT4, waited.pid(), 0, 0, 0);
        exit(other, 5);
        assertThat(fx.sos.linux().waitsForChild(parent)).as("SIGCHLD's default: ignored").isTrue();
        assertThat(fx.sos.linux().zombies()).isEqualTo(1);

        exit(waited, 7);
        assertThat(fx.sos.linux().waitsForChild(parent)).isFalse();
        assertThat(fx.linuxCall(parent, code, WAIT4, other.pid(), 0, 0, 0)).isEqualTo(other.pid());
        handle(parent, SIGCHLD, 0);
        long sigchld = 1L << (SIGCHLD - 1);
        long set = code + 0x500;
        assertThat(fx.sos.syscalls(parent).copyToUser(set, new byte[] {0, 0, 1, 0, 0, 0, 0, 0}, 8)).isTrue();
        assertThat(fx.linuxCall(parent, code, RT_SIGPROCMASK, 0, set, 0, 8)).as("SIGCHLD blocked").isZero();
        waited = fx.fork(parent, code);
        other = fx.fork(parent, code);
        blockIn(parent, WAIT4, waited.pid(), 0, 0, 0);
        exit(other, 5);
        assertThat(fx.sos.linux().waitsForChild(parent)).as("SIGCHLD blocked").isTrue();
        assertThat(fx.sos.linux().state(parent).pendingSignals()).isEqualTo(sigchld);
        exit(waited, 7);
        assertThat(fx.sos.linux().waitsForChild(parent)).isFalse();

        resetMask(parent, 0);
        handle(parent, SIGCHLD, 0);
        other = fx.fork(parent, code);
        cloneCall(parent, CLONE_VM | CLONE_VFORK | SIGCHLD);
        Process vforked = fx.sos.linux().takeForked(parent).get(0);
        exit(other, 5);
        assertThat(fx.sos.linux().state(parent).pendingSignals()).isEqualTo(sigchld);
        assertThat(fx.sos.linux().state(parent).blockedSignals()).isZero();
        assertThat(fx.sos.linux().waitsForChild(parent)).as("a vfork parent waits on").isTrue();
        exit(vforked, 3);
        assertThat(fx.sos.linux().waitsForChild(parent)).isFalse();
    }

    /**
     * A SIGCHLD's siginfo as Linux's do_notify_parent fills it: CLD_EXITED or CLD_KILLED, the
     * child's pid, uid 0, si_status its exit code or signal; in the handler's frame, and as
     * rt_sigtimedwait takes it.
     */
    @Test
    void aSigchldsSiginfoNamesTheChildAndHowItEnded() {
        handle(parent, SIGCHLD, SA_SIGINFO);
        Process child = fx.fork(parent, code);
        ThreadRunner p = blockIn(parent, WAIT4, child.pid(), 0, 0, 0);
        exit(child, 42);
        assertThat(p.context().pc()).isEqualTo(SigPage.ENTRY);
        assertThat(frameWord(p, SignalFrame.REGS, 8)).as("wait4's result").isEqualTo(child.pid());
        assertThat(frameWord(p, SignalFrame.SIGINFO, 4)).as("si_signo").isEqualTo(SIGCHLD);
        assertThat(frameWord(p, SignalFrame.SIGINFO + 8, 4)).as("si_code CLD_EXITED").isEqualTo(1);
        assertThat(frameWord(p, SignalFrame.SIGINFO + 16, 4)).as("si_pid").isEqualTo(child.pid());
        assertThat(frameWord(p, SignalFrame.SIGINFO + 20, 4)).as("si_uid").isZero();
        assertThat(frameWord(p, SignalFrame.SIGINFO + 24, 4)).as("si_status").isEqualTo(42);

        // a child killed by SIGTERM, its SIGCHLD blocked and taken by rt_sigtimedwait
        long set = code + 0x500;
        long info = code + 0x600;
        assertThat(fx.sos.syscalls(parent).copyToUser(set, new byte[] {0, 0, 1, 0, 0, 0, 0, 0}, 8)).isTrue();
        assertThat(fx.linuxCall(parent, code, RT_SIGPROCMASK, 0, set, 0, 8)).isZero();
        Process killed = fx.fork(parent, code);
        assertThat(fx.linuxCall(parent, code, KILL, killed.pid(), 15)).isZero();
        assertThat(killed.state()).isEqualTo(ProcessState.KILLED);
        fx.sos.linux().ended(killed);
        fx.sos.destroy(killed);
        assertThat(fx.linuxCall(parent, code, RT_SIGTIMEDWAIT, set, info, 0, 8)).isEqualTo(SIGCHLD);
        assertThat(fx.sos.peek(parent, info + 8, 4).getAsLong()).as("si_code CLD_KILLED").isEqualTo(2);
        assertThat(fx.sos.peek(parent, info + 16, 4).getAsLong()).as("si_pid").isEqualTo(killed.pid());
        assertThat(fx.sos.peek(parent, info + 24, 4).getAsLong()).as("si_status").isEqualTo(15);
        assertThat(fx.linuxCall(parent, code, WAIT4, killed.pid(), 0, 0, 0)).isEqualTo(killed.pid());
    }

    /** Writes the 8-byte sigset {@code mask} at {@code at} in {@code p}'s memory. */
    private void sigset(Process p, long at, long mask) {
        assertThat(fx.sos.syscalls(p).copyToUser(at, ByteBuffer.allocate(8)
                .order(ByteOrder.LITTLE_ENDIAN).putLong(mask).array(), 8)).isTrue();
    }

    /** A 32-bit word of the siginfo rt_sigtimedwait wrote at {@code info}, read as an int. */
    private int infoWord(long info, int offset) {
        return (int) fx.sos.peek(parent, info + offset, 4).getAsLong();
    }

    /**
     * Linux's do_sigtimedwait sleeps with its set unblocked (the mask before kept as real_blocked),
     * so a signal of the set another process sends wakes it: a child's SIGCHLD (CLD_EXITED, its pid
     * and status), a kill (SI_USER, the sender's pid) and a tkill (SI_TKILL) end the wait, which
     * takes the signal off pending, writes its siginfo and has the mask back; a signal the mask
     * still blocks leaves it waiting. While it waits, its mask is the mask less the set.
     */
    @Test
    void aSigtimedwaitBlockedForAnotherProcesssSignalIsWokenAndTakesIt() {
        long sigchld = 1L << (SIGCHLD - 1);
        long usr1 = 1L << 9;
        long usr2 = 1L << 11;
        long set = code + 0x500;
        long info = code + 0x600;
        long mask = code + 0x580;
        sigset(parent, mask, sigchld | usr1 | usr2);
        assertThat(fx.linuxCall(parent, code, RT_SIGPROCMASK, 0, mask, 0, 8)).isZero();
        Process child = fx.fork(parent, code);
        Process other = fx.fork(parent, code);
        LinuxProcess state = fx.sos.linux().state(parent);

        sigset(parent, set, sigchld);
        ThreadRunner p = blockIn(parent, RT_SIGTIMEDWAIT, set, info, 0, 8);
        assertThat(state.blockedSignals()).as("its set unblocked while it waits").isEqualTo(usr1 | usr2);
        assertThat(state.realBlocked()).isEqualTo(sigchld | usr1 | usr2);
        assertThat(fx.linuxCall(other, code, KILL, parent.pid(), 12)).isZero();
        assertThat(fx.sos.linux().waitsForChild(parent)).as("SIGUSR2, blocked: still waiting").isTrue();
        exit(child, 42);
        assertThat(fx.sos.linux().waitsForChild(parent)).as("woken by the child's SIGCHLD").isFalse();
        assertThat(p.context().pc()).isEqualTo(code + 4);
        assertThat(p.context().x(0)).isEqualTo(SIGCHLD);
        assertThat(infoWord(info, 0)).as("si_signo").isEqualTo(SIGCHLD);
        assertThat(infoWord(info, 8)).as("si_code CLD_EXITED").isEqualTo(1);
        assertThat(infoWord(info, 16)).as("si_pid").isEqualTo(child.pid());
        assertThat(infoWord(info, 20)).as("si_uid").isZero();
        assertThat(infoWord(info, 24)).as("si_status").isEqualTo(42);
        assertThat(state.pendingSignals()).as("taken; SIGUSR2 still pending").isEqualTo(usr2);
        assertThat(state.blockedSignals()).as("the mask before").isEqualTo(sigchld | usr1 | usr2);
        assertThat(state.realBlocked()).isZero();
        assertThat(fx.linuxCall(parent, code, WAIT4, child.pid(), 0, 0, 0)).as("the zombie stays").isEqualTo(child.pid());

        sigset(parent, set, usr1);
        for (long call : new long[] {KILL, 130 /* tkill */}) {
            p = blockIn(parent, RT_SIGTIMEDWAIT, set, info, 0, 8);
            assertThat(fx.linuxCall(other, code, call, parent.pid(), 10)).isZero();
            assertThat(fx.sos.linux().waitsForChild(parent)).isFalse();
            assertThat(p.context().x(0)).isEqualTo(10);
            assertThat(infoWord(info, 0)).isEqualTo(10);
            assertThat(infoWord(info, 8)).as("si_code").isEqualTo(call == KILL ? 0 /* SI_USER */ : -6 /* SI_TKILL */);
            assertThat(infoWord(info, 16)).as("si_pid: the sender").isEqualTo(other.pid());
            assertThat(infoWord(info, 20)).as("si_uid").isZero();
            assertThat(state.pendingSignals()).isEqualTo(usr2);
            assertThat(state.blockedSignals()).isEqualTo(sigchld | usr1 | usr2);
        }
    }

    /**
     * A signal outside the set that the mask lets through ends an rt_sigtimedwait with EINTR, its
     * handler run on the way out (never restarted: Linux returns EINTR itself); one of the set not
     * blocked before whose default kills (complete_signal's group kill, real_blocked not holding it)
     * kills the waiting process; an ignored SIGCHLD not blocked before is dropped as it is sent,
     * leaving the wait waiting.
     */
    @Test
    void aSigtimedwaitIsInterruptedByAnotherSignalAndKilledByOneOfItsSetThatWasNotBlocked() {
        long set = code + 0x500;
        long usr1 = 1L << 9;
        Process other = fx.fork(parent, code);
        handle(parent, 12 /* SIGUSR2 */, SA_RESTART);
        sigset(parent, set, usr1 | 1L << (SIGCHLD - 1));
        ThreadRunner p = blockIn(parent, RT_SIGTIMEDWAIT, set, 0, 0, 8);
        Process child = fx.fork(other, code); // another process's child: its end is no signal of the parent's
        exit(child, 0);
        assertThat(fx.linuxCall(other, code, KILL, parent.pid(), 12)).isZero();
        assertThat(fx.sos.linux().waitsForChild(parent)).isFalse();
        assertThat(p.context().pc()).as("in its handler").isEqualTo(SigPage.ENTRY);
        assertThat(frameWord(p, SignalFrame.REGS, 8)).as("EINTR, not restarted").isEqualTo(EINTR);
        assertThat(frameWord(p, SignalFrame.PC, 8)).isEqualTo(code + 4);
        resetMask(parent, 0);

        action(parent, SIGCHLD, 0 /* SIG_DFL */, 0);
        Process own = fx.fork(parent, code);
        blockIn(parent, RT_SIGTIMEDWAIT, set, 0, 0, 8);
        exit(own, 0);
        assertThat(fx.sos.linux().waitsForChild(parent)).as("SIGCHLD ignored and not blocked: dropped").isTrue();
        assertThat(fx.linuxCall(other, code, KILL, parent.pid(), 10)).isZero();
        assertThat(parent.state()).as("SIGUSR1's default, not blocked before").isEqualTo(ProcessState.KILLED);
        assertThat(parent.killReport().signal()).isEqualTo(10);
    }

    /**
     * With others in its run, an rt_sigtimedwait with a timeout blocks on the run's clock as
     * nanosleep does, rather than moving the clock at once: another process's signal ends it early;
     * its own timer's expiry, SIGALRM in its set, ends it at the expiry; else the scheduler's jump
     * to its timeout ends it with EAGAIN, the mask before back.
     */
    @Test
    void aTimedSigtimedwaitBlocksOnTheRunsClockUntilASignalOrItsTimeout() {
        long usr1 = 1L << 9;
        long alrm = 1L << 13;
        long set = code + 0x500;
        long mask = code + 0x580;
        long timeout = code + 0x5C0;
        long info = code + 0x600;
        sigset(parent, mask, usr1 | alrm);
        assertThat(fx.linuxCall(parent, code, RT_SIGPROCMASK, 0, mask, 0, 8)).isZero();
        Process other = fx.fork(parent, code);
        LinuxProcess state = fx.sos.linux().state(parent);
        sigset(parent, set, usr1 | alrm);
        assertThat(fx.sos.syscalls(parent).copyToUser(timeout, ByteBuffer.allocate(16)
                .order(ByteOrder.LITTLE_ENDIAN).putLong(5).putLong(0).array(), 16)).isTrue();

        long before = state.now();
        ThreadRunner p = blockIn(parent, RT_SIGTIMEDWAIT, set, info, timeout, 8);
        long end = before + 1_000_000 + 5_000_000_000L; // the call's millisecond, then its 5 s
        assertThat(state.now()).as("no clock moved").isEqualTo(before + 1_000_000);
        assertThat(fx.sos.linux().wakeTime(parent)).hasValue(end);
        assertThat(fx.linuxCall(other, code, KILL, parent.pid(), 10)).isZero();
        assertThat(fx.sos.linux().waitsForChild(parent)).as("woken early").isFalse();
        assertThat(p.context().x(0)).isEqualTo(10);
        assertThat(infoWord(info, 16)).isEqualTo(other.pid());

        p = blockIn(parent, RT_SIGTIMEDWAIT, set, info, timeout, 8);
        end = state.now() + 5_000_000_000L;
        assertThat(fx.sos.linux().runnable(parent)).isFalse();
        assertThat(fx.sos.linux().jumpToEarliestWake(List.of(parent))).isTrue();
        assertThat(state.now()).isEqualTo(end);
        assertThat(fx.sos.linux().runnable(parent)).as("its timeout came").isTrue();
        assertThat(p.context().x(0)).isEqualTo(-11 /* EAGAIN */);
        assertThat(p.context().pc()).isEqualTo(code + 4);
        assertThat(state.blockedSignals()).isEqualTo(usr1 | alrm);
        assertThat(state.realBlocked()).isZero();

        long itimer = code + 0x680;
        assertThat(fx.sos.syscalls(parent).copyToUser(itimer, ByteBuffer.allocate(32)
                .order(ByteOrder.LITTLE_ENDIAN).putLong(0).putLong(0).putLong(2).putLong(0).array(), 32)).isTrue();
        assertThat(fx.linuxCall(parent, code, 103 /* setitimer */, 0, itimer, 0)).isZero();
        long expiry = state.now() + 2_000_000_000L;
        p = blockIn(parent, RT_SIGTIMEDWAIT, set, info, timeout, 8);
        assertThat(fx.sos.linux().wakeTime(parent)).as("its timer's expiry, before its timeout").hasValue(expiry);
        assertThat(fx.sos.linux().jumpToEarliestWake(List.of(parent))).isTrue();
        assertThat(fx.sos.linux().runnable(parent)).isTrue();
        assertThat(p.context().x(0)).isEqualTo(14 /* SIGALRM */);
        assertThat(infoWord(info, 8)).as("SI_KERNEL").isEqualTo(0x80);
        assertThat(state.pendingSignals()).isZero();
    }

    /**
     * Linux's do_notify_parent autoreaps a child whose parent has SIGCHLD at SIG_IGN or with
     * SA_NOCLDWAIT, and for SIG_IGN sets sig to 0: no SIGCHLD is queued even while the parent blocks
     * it (blocked, it would not count as ignored), so an rt_sigtimedwait for it times out with
     * EAGAIN. With SA_NOCLDWAIT and a handler the SIGCHLD is still sent. Either way wait4 finds no
     * child: ECHILD.
     */
    @Test
    void anIgnoredSigchldIsNeverQueuedWhileANocldwaitOneIsAndBothChildrenAreReaped() {
        long sigchld = 1L << (SIGCHLD - 1);
        long set = code + 0x500;
        long mask = code + 0x580;
        long timeout = code + 0x5C0;
        sigset(parent, mask, sigchld);
        assertThat(fx.linuxCall(parent, code, RT_SIGPROCMASK, 0, mask, 0, 8)).isZero();
        assertThat(fx.sos.syscalls(parent).copyToUser(timeout, new byte[16], 16)).isTrue();
        LinuxProcess state = fx.sos.linux().state(parent);

        action(parent, SIGCHLD, 1 /* SIG_IGN */, 0);
        Process child = fx.fork(parent, code);
        exit(child, 3);
        assertThat(state.pendingSignals()).as("SIG_IGN: sig = 0, nothing queued").isZero();
        sigset(parent, set, sigchld);
        assertThat(fx.linuxCall(parent, code, RT_SIGTIMEDWAIT, set, 0, timeout, 8)).isEqualTo(-11 /* EAGAIN */);
        assertThat(fx.linuxCall(parent, code, WAIT4, -1, 0, 0, 0)).as("autoreaped").isEqualTo(-10 /* ECHILD */);

        handle(parent, SIGCHLD, 2 /* SA_NOCLDWAIT */);
        child = fx.fork(parent, code);
        exit(child, 3);
        assertThat(state.pendingSignals()).as("SA_NOCLDWAIT: still sent").isEqualTo(sigchld);
        assertThat(fx.linuxCall(parent, code, WAIT4, -1, 0, 0, 0)).as("autoreaped").isEqualTo(-10 /* ECHILD */);
        assertThat(fx.linuxCall(parent, code, RT_SIGTIMEDWAIT, set, 0, timeout, 8)).isEqualTo(SIGCHLD);
    }

    /** Puts a {@code ret} at code + {@link #HANDLER}: a handler that returns through the signal page's rt_sigreturn. */
    private void returningHandler(Process p) {
        byte[] ret = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(0xD65F_03C0).array();
        assertThat(p.cpu().copyOut(code + HANDLER, ret, 0, 4)).isEqualTo(4);
    }

    /**
     * Linux's copy_process (since 5.0, commit c3ad2c3b02e9) looks for a signal pending once, at its
     * start: then it fails with ERESTARTNOINTR, no child is made, the handler runs (its frame holds
     * the clone as made, SA_RESTART or not) and the clone is made again when it returns. A signal
     * that comes during the fork (in SOS, while the parent runs its fork routine in the signal page,
     * where a kill waits for the next call) stops it only when fatal (-EINTR, no child, the process
     * killed); any other waits for the fork's end: the child is made and the handler runs after,
     * returning to the instruction after the clone with the child's pid.
     */
    @Test
    void aForkWithASignalPendingMakesNoChildRunsTheHandlerAndForksAfterIt() {
        Process other = fx.fork(parent, code);
        handle(parent, 10 /* SIGUSR1 */, 0);
        returningHandler(parent);
        LinuxProcess state = fx.sos.linux().state(parent);
        int live = fx.sos.liveProcesses();
        ThreadRunner r = fx.load(parent, code, 0xD400_0001);
        r.context().setSp(Layout.STACK_TOP - 4096);
        r.context().setX(0, SIGCHLD);
        r.context().setX(1, 0);
        r.context().setX(8, CLONE);
        r.context().setPc(SigPage.ENTRY); // entering a handler: the kill waits
        assertThat(fx.linuxCall(other, code, KILL, parent.pid(), 10)).isZero();
        r.context().setPc(code);
        r.run(1);
        assertThat(r.context().pc()).as("before the clone: in its handler").isEqualTo(SigPage.ENTRY);
        assertThat(r.context().x(0)).isEqualTo(10);
        assertThat(frameWord(r, SignalFrame.PC, 8)).as("the handler returns to the clone").isEqualTo(code);
        assertThat(frameWord(r, SignalFrame.REGS, 8)).as("x0 as made").isEqualTo(SIGCHLD);
        assertThat(fx.sos.linux().takeForked(parent)).as("no child").isEmpty();
        assertThat(fx.sos.liveProcesses()).isEqualTo(live);
        assertThat(state.forkRegisters()).isNull();
        long pid = toCallsEnd(r);
        List<Process> made = fx.sos.linux().takeForked(parent);
        assertThat(made).as("forked once the handler returned").hasSize(1);
        assertThat(pid).isEqualTo(made.get(0).pid());
        assertThat(state.signalsDelivered()).containsEntry("SIGUSR1", 1L);
        exit(made.get(0), 0);
        assertThat(fx.linuxCall(parent, code, WAIT4, pid, 0, 0, 0)).isEqualTo(pid);

        r = fx.load(parent, code, 0xD400_0001);
        r.context().setSp(Layout.STACK_TOP - 4096);
        r.context().setX(0, SIGCHLD);
        r.context().setX(1, 0);
        r.context().setX(8, CLONE);
        r.run(1);
        assertThat(r.context().pc()).isEqualTo(SigPage.FORK_ENTRY);
        r.run(5);
        assertThat(fx.linuxCall(other, code, KILL, parent.pid(), 10)).isZero();
        assertThat(state.pendingSignals()).as("in the fork routine: pending").isEqualTo(1L << 9);
        while (r.context().pc() != SigPage.FORK_SVC) {
            r.run(1);
        }
        r.run(1);
        made = fx.sos.linux().takeForked(parent);
        assertThat(made).as("come during the fork: the fork goes on").hasSize(1);
        for (int i = 0; i < 500 && r.context().pc() != SigPage.ENTRY; i++) {
            r.run(1);
        }
        assertThat(r.context().pc()).as("the handler after the fork").isEqualTo(SigPage.ENTRY);
        assertThat(frameWord(r, SignalFrame.PC, 8)).as("returning after the clone").isEqualTo(code + 4);
        assertThat(frameWord(r, SignalFrame.REGS, 8)).as("with the child's pid").isEqualTo(made.get(0).pid());
        assertThat(state.signalsDelivered()).containsEntry("SIGUSR1", 2L);
        assertThat(toCallsEnd(r)).as("the handler returned: the clone's answer").isEqualTo(made.get(0).pid());
        exit(made.get(0), 0);

        r = fx.load(parent, code, 0xD400_0001);
        r.context().setSp(Layout.STACK_TOP - 4096);
        r.context().setX(0, SIGCHLD);
        r.context().setX(8, CLONE);
        r.run(6);
        assertThat(fx.linuxCall(other, code, KILL, parent.pid(), 15 /* SIGTERM */)).isZero();
        assertThat(parent.state()).as("in the routine: pending").isEqualTo(ProcessState.RUNNING);
        toCallsEnd(r);
        assertThat(parent.state()).as("fatal: the fork stops (EINTR)").isEqualTo(ProcessState.KILLED);
        assertThat(parent.killReport().signal()).isEqualTo(15);
        assertThat(fx.sos.linux().takeForked(parent)).as("killed before any child").isEmpty();
    }

    @Test
    void badFlagsAreEinvalAsLinuxAndThreadsAreRefused() {
        fx.linuxCall(parent, code, 172); // getpid: the code page is mapped from here on
        var before = fx.balance();
        assertThat(fx.linuxCall(parent, code, CLONE, CLONE_THREAD | SIGCHLD)).as("thread without sighand").isEqualTo(-22);
        assertThat(fx.linuxCall(parent, code, CLONE, CLONE_SIGHAND)).as("sighand without vm").isEqualTo(-22);
        long thread = CLONE_VM | 0x200 | 0x400 | CLONE_SIGHAND | CLONE_THREAD | CLONE_SETTLS;
        assertThat(fx.linuxCall(parent, code, CLONE, thread, 0x7000_0000L)).as("pthread_create's").isEqualTo(-38);
        assertThat(fx.linuxCall(parent, code, CLONE, SIGCHLD, 0x7000_0000L)).as("a new stack").isEqualTo(-38);
        assertThat(fx.sos.linux().state(parent).refusedCalls()).containsValue(2L);
        assertThat(fx.sos.linux().takeForked(parent)).isEmpty();
        assertThat(fx.balance()).isEqualTo(before);
    }

    @Test
    void forkGivesTheParentTheChildsPidAndTheChildZeroAfterItsSvc() {
        long pid = cloneCall(parent, SIGCHLD);
        List<Process> children = fx.sos.linux().takeForked(parent);
        assertThat(children).singleElement().extracting(Process::pid).isEqualTo((int) pid);
        Process child = children.get(0);
        ThreadRunner c = fx.sos.runner(child).orElseThrow();
        assertThat(c.context().pc()).as("in the fork routine, after its fork").isEqualTo(SigPage.FORK_SVC + 4);
        assertThat(c.context().x(0)).isZero();
        assertThat(toCallsEnd(c)).isZero();
        assertThat(c.context().pc()).isEqualTo(code + 4);
        assertThat(fx.sos.runner(parent).orElseThrow().context().pc()).isEqualTo(code + 4);
        assertThat(fx.sos.linux().parentOf(child)).isEqualTo(parent.pid());
        assertThat(fx.sos.linux().parentOf(parent)).isZero();

        // the child's wait4 for children it does not have; the parent's WNOHANG while it runs
        assertThat(fx.linuxCall(child, code, WAIT4, -1, 0, 0, 0)).isEqualTo(-10);
        assertThat(fx.linuxCall(parent, code, WAIT4, -1, 0, 1, 0)).isZero();
        assertThat(fx.linuxCall(parent, code, WAIT4, -1, 0, 0x1000, 0)).as("unknown option").isEqualTo(-22);
        assertThat(fx.linuxCall(parent, code, WAIT4, Integer.MIN_VALUE, 0, 0, 0)).isEqualTo(-3);
        assertThat(fx.linuxCall(parent, code, WAIT4, parent.pid(), 0, 1, 0)).as("not a child").isEqualTo(-10);

        // the child exits 9: a zombie; the parent reaps it with its status
        fx.linuxCall(child, code, EXIT, 9);
        fx.sos.linux().ended(child);
        fx.sos.destroy(child);
        assertThat(fx.sos.linux().zombies()).isEqualTo(1);
        long status = fx.codePage(parent) + 0x100;
        assertThat(fx.linuxCall(parent, code, WAIT4, -1, status, 0, 0)).isEqualTo(pid);
        assertThat(fx.sos.peek(parent, status, 4).getAsLong()).isEqualTo(9 << 8);
        assertThat(fx.sos.linux().zombies()).isZero();
        assertThat(fx.linuxCall(parent, code, WAIT4, -1, status, 1, 0)).isEqualTo(-10);
    }

    @Test
    void waitidForStopsOrContinuesWithOnlyAZombieMatchingIsEchildAndLeavesIt() {
        long pid = cloneCall(parent, SIGCHLD);
        Process child = fx.sos.linux().takeForked(parent).get(0);
        fx.linuxCall(child, code, EXIT, 5);
        fx.sos.linux().ended(child);
        fx.sos.destroy(child);
        long info = fx.codePage(parent) + 0x100;
        // a zombie neither stops nor continues: Linux finds no child to wait for (qemu-aarch64 agrees)
        assertThat(fx.linuxCall(parent, code, WAITID, P_ALL, 0, info, WSTOPPED | WCONTINUED, 0)).isEqualTo(-10);
        assertThat(fx.linuxCall(parent, code, WAITID, P_PID, pid, info, WSTOPPED | WNOHANG, 0)).isEqualTo(-10);
        assertThat(fx.sos.linux().zombies()).isEqualTo(1);
        // asked for its exit, it is reaped: CLD_EXITED, status 5
        assertThat(fx.linuxCall(parent, code, WAITID, P_ALL, 0, info, WEXITED | WSTOPPED, 0)).isZero();
        assertThat(fx.sos.peek(parent, info, 4).getAsLong()).isEqualTo(17);
        assertThat(fx.sos.peek(parent, info + 8, 4).getAsLong()).isEqualTo(1);
        assertThat(fx.sos.peek(parent, info + 16, 4).getAsLong()).isEqualTo(pid);
        assertThat(fx.sos.peek(parent, info + 24, 4).getAsLong()).isEqualTo(5);
        assertThat(fx.sos.linux().zombies()).isZero();
    }

    @Test
    void aLiveChildStillMakesWaitidForStopsReturnAtOnce() {
        cloneCall(parent, SIGCHLD);
        fx.sos.linux().takeForked(parent);
        long info = fx.codePage(parent) + 0x100;
        // SOS's children never stop: with one running, the wait finds nothing and returns 0
        assertThat(fx.linuxCall(parent, code, WAITID, P_ALL, 0, info, WSTOPPED, 0)).isZero();
        assertThat(fx.sos.peek(parent, info, 4).getAsLong()).isZero();
    }

    @Test
    void anOrphanIsReapedBySosAndAParentsUnreapedZombiesGoWithIt() {
        cloneCall(parent, SIGCHLD);
        Process first = fx.sos.linux().takeForked(parent).get(0);
        cloneCall(parent, SIGCHLD);
        Process second = fx.sos.linux().takeForked(parent).get(0);
        fx.linuxCall(first, code, EXIT, 1);
        fx.sos.linux().ended(first);
        fx.sos.destroy(first);
        assertThat(fx.sos.linux().zombies()).isEqualTo(1);

        // the parent exits without waiting: its zombie goes, its live child is SOS's now
        fx.linuxCall(parent, code, EXIT, 0);
        fx.sos.linux().ended(parent);
        assertThat(fx.sos.linux().zombies()).isZero();
        assertThat(fx.linuxCall(second, code, 173)).as("getppid").isZero();
        fx.linuxCall(second, code, EXIT, 2);
        fx.sos.linux().ended(second);
        fx.sos.destroy(second);
        assertThat(fx.sos.linux().zombies()).as("SOS reaped it").isZero();
        fx.sos.destroy(parent);
        assertThat(fx.sos.liveProcesses()).isZero();
    }

    @Test
    void destroyingAParentDropsTheZombiesOfItsChildren() {
        cloneCall(parent, SIGCHLD);
        Process child = fx.sos.linux().takeForked(parent).get(0);
        fx.linuxCall(child, code, EXIT, 1);
        fx.sos.linux().ended(child);
        fx.sos.destroy(child);
        assertThat(fx.sos.linux().zombies()).isEqualTo(1);
        fx.sos.destroy(parent);
        assertThat(fx.sos.linux().zombies()).isZero();
    }

    @Test
    void theChildGetsTheParentsFpSimdRegistersThroughTheForkRoutine() {
        ThreadRunner p = fx.sos.runner(parent).orElseThrow();
        p.context().setV(8, 0x4009_8000_0000_0000L, 0x1234L);
        p.context().setV(31, -1L, 7L);
        p.context().setFpsr(0x10); // IXC: a cumulative flag a program may have set
        p.context().setX(19, 0xABCDL);
        cloneCall(parent, SIGCHLD);
        Process child = fx.sos.linux().takeForked(parent).get(0);
        ThreadRunner c = fx.sos.runner(child).orElseThrow();
        toCallsEnd(c);

        for (ThreadRunner r : List.of(p, c)) {
            assertThat(r.context().vLow(8)).as("%s pc 0x%x, x4 0x%x, sp 0x%x", r == p ? "parent" : "child",
                    r.context().pc(), r.context().x(4), r.context().sp()).isEqualTo(0x4009_8000_0000_0000L);
            assertThat(r.context().vHigh(8)).isEqualTo(0x1234L);
            assertThat(r.context().vLow(31)).isEqualTo(-1L);
            assertThat(r.context().vHigh(31)).isEqualTo(7L);
            assertThat(r.context().fpsr()).isEqualTo(0x10);
            assertThat(r.context().x(19)).as("general registers as at the clone").isEqualTo(0xABCDL);
            assertThat(r.context().x(4)).as("the routine's x4 given back").isEqualTo(p.context().x(4));
        }
        assertThat(c.context().sp()).isEqualTo(p.context().sp());
        assertThat(fx.sos.linux().state(parent).calls()).as("one clone, counted once").containsEntry(LinuxSyscall.CLONE, 1L);
    }

    @Test
    void aVforkParentWaitsUntilItsChildEnds() {
        cloneCall(parent, CLONE_VM | CLONE_VFORK | SIGCHLD);
        assertThat(fx.sos.linux().waitsForChild(parent)).isTrue();
        ThreadRunner p = fx.sos.runner(parent).orElseThrow();
        assertThat(p.run(10).instructions()).as("blocked").isZero();
        Process child = fx.sos.linux().takeForked(parent).get(0);

        fx.linuxCall(child, code, EXIT, 3);
        fx.sos.linux().ended(child);
        fx.sos.destroy(child);

        assertThat(fx.sos.linux().waitsForChild(parent)).isFalse();
        assertThat(p.context().x(0)).isEqualTo(child.pid());
        assertThat(p.context().pc()).isEqualTo(SigPage.FORK_SVC + 4);
        assertThat(toCallsEnd(p)).isEqualTo(child.pid());
        assertThat(p.context().pc()).isEqualTo(code + 4);
        assertThat(fx.linuxCall(parent, code, WAIT4, child.pid(), 0, 0, 0)).as("then reaped").isEqualTo(child.pid());
    }

    /**
     * Linux's vfork parent waits killable (wait_for_vfork_done): a blocked signal or one with a
     * handler stays pending, a fatal one (here SIGTERM with no handler) ends the parent, whose
     * child goes on.
     */
    @Test
    void aVforkParentDiesOfAFatalSignalAndKeepsAnyOtherPending() {
        long set = fx.codePage(parent) + 0x100;
        assertThat(fx.sos.syscalls(parent).copyToUser(set, new byte[] {0, 8, 0, 0, 0, 0, 0, 0}, 8)).isTrue();
        assertThat(fx.linuxCall(parent, code, 135 /* rt_sigprocmask */, 0 /* SIG_BLOCK */, set, 0, 8))
                .as("SIGUSR2 blocked").isZero();
        cloneCall(parent, CLONE_VM | CLONE_VFORK | SIGCHLD);
        Process child = fx.sos.linux().takeForked(parent).get(0);
        assertThat(fx.linuxCall(child, code, 129 /* kill */, parent.pid(), 12 /* SIGUSR2 */)).isZero();
        assertThat(fx.sos.linux().waitsForChild(parent)).as("a blocked signal leaves it waiting").isTrue();
        assertThat(parent.state()).isEqualTo(ProcessState.RUNNING);
        assertThat(fx.linuxCall(child, code, 129, parent.pid(), 15 /* SIGTERM */)).isZero();
        assertThat(parent.state()).as("killed in its wait").isEqualTo(ProcessState.KILLED);
        assertThat(fx.sos.linux().waitsForChild(parent)).isFalse();
        assertThat(parent.killReport().reason()).contains("vfork");
        assertThat(fx.linuxCall(child, code, 172 /* getpid */)).as("the child goes on").isEqualTo(child.pid());
    }

    /**
     * A core-dumping signal with no handler is not made the group's SIGKILL at once (Linux's
     * complete_signal skips sig_kernel_coredump signals), so the vfork parent goes on waiting and
     * dies of it once its child has ended.
     */
    @Test
    void aVforkParentDiesOfACoreDumpingSignalOnlyAfterItsChildEnds() {
        cloneCall(parent, CLONE_VM | CLONE_VFORK | SIGCHLD);
        Process child = fx.sos.linux().takeForked(parent).get(0);
        assertThat(fx.linuxCall(child, code, 129 /* kill */, parent.pid(), 3 /* SIGQUIT */)).isZero();
        assertThat(fx.linuxCall(child, code, 129, parent.pid(), 6 /* SIGABRT */)).isZero();
        assertThat(fx.sos.linux().waitsForChild(parent)).as("still waiting for its child").isTrue();
        assertThat(parent.state()).isEqualTo(ProcessState.RUNNING);

        fx.linuxCall(child, code, EXIT, 0);
        fx.sos.linux().ended(child);
        assertThat(parent.state()).as("killed as its wait ends").isEqualTo(ProcessState.KILLED);
        assertThat(parent.killReport().signal()).isEqualTo(3);
    }
}
