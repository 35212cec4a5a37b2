package org.capbuddy.sos.linux;

import java.util.OptionalLong;
import org.capbuddy.sos.Errno;
import org.capbuddy.sos.Syscalls;

/**
 * The calls that wait for a signal (pause through ppoll, rt_sigsuspend, rt_sigtimedwait) and the
 * wait a sleep does, against the process's modelled clock. A waiting process has nothing else to
 * run, so a wait moves the clock at once to the next thing that can end it: the interval timer's
 * expiry ({@link IntervalTimers}) or its own timeout. When nothing can (no timer armed, no signal
 * pending that it lets through, and no other process in SOS may signal it) it would wait forever,
 * and the call's result says so ({@link WaitResult#FOREVER}).
 */
final class SignalWaits {
    private static final int SIGINFO_SIZE = 128;

    private SignalWaits() {
    }

    /**
     * How a wait ended: a signal to deliver or take, its own timeout, nothing can ever end it, or
     * it must block for its interval timer's expiry (others of its run may act first).
     */
    enum Woken {
        SIGNAL, TIMEOUT, NEVER, BLOCKS
    }

    /**
     * Waits under the current mask until a signal it lets through is pending ({@link
     * LinuxSignals#deliverable}), or one of {@code taken} whatever its action (sigtimedwait takes
     * such a signal rather than delivering it, so one kept pending though ignored, as it was
     * blocked before the wait, ends the wait as on Linux), or the clock reaches {@code end} (empty:
     * no timeout), moving the clock to each timer expiry on the way. An expiry at the very end is
     * left to the call's way out: the wait has timed out by then. Pending signals the wait's mask
     * opens whose action is to ignore them are dropped first, as Linux's restart of an interrupted
     * wait drops them (an expiry during the wait that is ignored is dropped when it is sent).
     * With {@code mayBlock} (others of its run may run meanwhile), a timer expiring later than now
     * and before {@code end} moves no clock: the wait is {@link Woken#BLOCKS}, and the scheduler
     * wakes it at the expiry unless another process's turn or an earlier expiry comes first.
     */
    static Woken wait(LinuxProcess state, OptionalLong end, long taken, boolean mayBlock) {
        LinuxSignals.dropIgnoredOpen(state, taken);
        while ((state.pendingSignals() & taken) == 0 && !LinuxSignals.deliverable(state)) {
            RealTimer timer = state.realTimer();
            if (!timer.armed() || end.isPresent() && timer.expires() >= end.getAsLong()) {
                if (end.isEmpty()) {
                    return Woken.NEVER;
                }
                advanceTo(state, end.getAsLong());
                return Woken.TIMEOUT;
            }
            if (mayBlock && timer.expires() > state.now()) {
                return Woken.BLOCKS;
            }
            advanceTo(state, timer.expires());
            IntervalTimers.expireDue(state);
        }
        return Woken.SIGNAL;
    }

    private static void advanceTo(LinuxProcess state, long time) {
        long now = state.now();
        if (time > now) {
            state.sleep(time - now);
        }
    }

    /** The end of a wait of {@code nanos} from now, saturating at the clock's limit. */
    static long endAfter(LinuxProcess state, long nanos) {
        long now = state.now();
        return nanos >= LinuxProcess.CLOCK_LIMIT - now ? Math.max(LinuxProcess.CLOCK_LIMIT, now) : now + nanos;
    }

    /**
     * rt_sigsuspend: the set size (EINVAL) and the mask read (EFAULT); then the process waits under
     * that mask (less SIGKILL and SIGSTOP) until a signal it lets through is pending, and returns
     * EINTR. Its own mask is put aside: the first handler's frame saves it, so rt_sigreturn restores
     * it, or the way out does when no handler runs.
     */
    static WaitResult sigsuspend(Syscalls sys, LinuxProcess state, long mask, long size, boolean mayBlock) {
        if (size != Sigsets.SIZE) {
            return WaitResult.of(-Errno.EINVAL.code());
        }
        byte[] bytes = sys.copyFromUser(mask, 8);
        if (bytes == null) {
            return WaitResult.of(-Errno.EFAULT.code());
        }
        state.waitUnder(Sigsets.read(bytes) & ~Sigsets.UNBLOCKABLE);
        Woken woken = wait(state, OptionalLong.empty(), 0, mayBlock);
        return woken == Woken.NEVER || woken == Woken.BLOCKS ? WaitResult.FOREVER
                : WaitResult.of(-Errno.EINTR.code());
    }

    /**
     * ppoll, in Linux's order: the timeout read (EFAULT) and checked (EINVAL), the signal mask's
     * size (EINVAL) and the mask read (EFAULT), the count against RLIMIT_NOFILE (EINVAL), the pollfd
     * array read (EFAULT). With descriptors ({@link DescriptorPoll}), those ready are the result at
     * once (their revents written back); with none ready and a timeout that is not zero, a process
     * that others of its run may help ({@code mayBlock}) blocks (SOS does not reply) until one is
     * ready, a signal, or the run's clock reaches the timeout; alone, nothing but a signal or the
     * timeout can end it, which it waits for as with no descriptors. With none (musl's pause, or a
     * sleep with a signal mask), the wait under the mask
     * given (put aside as rt_sigsuspend's) ends with EINTR for a signal or 0 at the timeout, the
     * old mask then restored before the way out delivers a signal it lets through; the time left
     * is written back to the timeout, as Linux does, unless it was zero or cannot be written
     * (which Linux ignores).
     */
    static WaitResult ppoll(Syscalls sys, LinuxProcess state, long fds, long count, long timeout, long mask,
            long size, boolean mayBlock) {
        OptionalLong end = OptionalLong.empty();
        boolean zeroTimeout = false;
        if (timeout != 0) {
            byte[] bytes = sys.copyFromUser(timeout, Timespecs.SIZE);
            if (bytes == null) {
                return WaitResult.of(-Errno.EFAULT.code());
            }
            OptionalLong nanos = Timespecs.nanos(bytes);
            if (nanos.isEmpty()) {
                return WaitResult.of(-Errno.EINVAL.code());
            }
            zeroTimeout = nanos.getAsLong() == 0;
            end = OptionalLong.of(endAfter(state, nanos.getAsLong()));
        }
        long newMask = state.blockedSignals();
        if (mask != 0) {
            if (size != Sigsets.SIZE) {
                return WaitResult.of(-Errno.EINVAL.code());
            }
            byte[] bytes = sys.copyFromUser(mask, 8);
            if (bytes == null) {
                return WaitResult.of(-Errno.EFAULT.code());
            }
            newMask = Sigsets.read(bytes) & ~Sigsets.UNBLOCKABLE;
        }
        // nfds is an unsigned int
        if (Integer.toUnsignedLong((int) count) > state.descriptors().softLimit()) {
            return WaitResult.of(-Errno.EINVAL.code());
        }
        DescriptorPoll poll = null;
        if ((int) count != 0) {
            poll = DescriptorPoll.read(sys, fds, (int) count);
            if (poll == null) {
                return WaitResult.of(-Errno.EFAULT.code());
            }
        }
        if (mask != 0) {
            state.waitUnder(newMask);
        }
        if (poll != null) {
            int ready = poll.scan(state);
            if (ready > 0 || zeroTimeout || LinuxSignals.deliverable(state) || !mayBlock) {
                // ready at once, or nothing but a signal or the timeout can end it: a signal's wait
                if (ready == 0 && !zeroTimeout) {
                    Woken woken = wait(state, end, 0, false);
                    if (woken == Woken.NEVER) {
                        return WaitResult.FOREVER;
                    }
                    return WaitResult.of(pollEnd(sys, state, poll, end, timeout,
                            woken == Woken.SIGNAL ? -Errno.EINTR.code() : poll.scan(state)));
                }
                return WaitResult.of(pollEnd(sys, state, poll, end, zeroTimeout ? 0 : timeout, ready));
            }
            // another process may make a descriptor ready: it blocks (the scheduler asks again each turn)
            state.setPollWait(new DescriptorPoll.Waiting(poll, end, zeroTimeout ? 0 : timeout));
            return WaitResult.BLOCKS;
        }
        Woken woken = wait(state, end, 0, mayBlock);
        if (woken == Woken.NEVER || woken == Woken.BLOCKS && end.isEmpty()) {
            return WaitResult.FOREVER;
        }
        if (woken == Woken.BLOCKS) {
            // its timer expires before its timeout: it blocks as a ppoll on no descriptors, which
            // the scheduler ends at the earlier of the two or at another process's signal
            state.setPollWait(new DescriptorPoll.Waiting(DescriptorPoll.none(fds), end, timeout));
            return WaitResult.BLOCKS;
        }
        if (end.isPresent() && !zeroTimeout) {
            sys.copyToUser(timeout, Timespecs.of(Math.max(0, end.getAsLong() - state.now())), Timespecs.SIZE);
        }
        if (woken == Woken.TIMEOUT) {
            // Linux's poll_select_finish: only an interrupted ppoll keeps its mask for the
            // handler's frame; one that timed out has the old mask back before the way out
            // delivers what that mask lets through
            state.restoreSavedMask();
        }
        return WaitResult.of(woken == Woken.SIGNAL ? -Errno.EINTR.code() : 0);
    }

    /**
     * The end of a ppoll on descriptors with {@code result} (the count ready, 0 at the timeout,
     * -EINTR): the time left written back to a timeout that was not zero, the mask put aside back
     * unless a signal interrupted it (its handler's frame saves that mask, as Linux's
     * poll_select_finish keeps it), and every revents written back.
     */
    static long pollEnd(Syscalls sys, LinuxProcess state, DescriptorPoll poll, OptionalLong end, long timeout,
            long result) {
        if (end.isPresent() && timeout != 0) {
            sys.copyToUser(timeout, Timespecs.of(Math.max(0, end.getAsLong() - state.now())), Timespecs.SIZE);
        }
        if (result != -Errno.EINTR.code()) {
            state.restoreSavedMask();
        }
        return poll.finish(sys, result);
    }

    /**
     * rt_sigtimedwait in Linux's order: the set size (EINVAL), the set read (EFAULT), the timeout
     * read (EFAULT) and checked (EINVAL). A signal of the set (never SIGKILL or SIGSTOP) already
     * pending is taken at once, whether blocked or not; otherwise, unless the timeout is zero, the
     * process waits with the set unblocked (the mask before put aside as Linux's real_blocked, so
     * that a signal blocked before is kept, not ignored, and ends the wait whatever its action),
     * and the mask before is back before the call returns. A signal of the set is then taken
     * without running a handler: its number is the result and its siginfo is written (EFAULT, the
     * signal taken, when it cannot be). The timeout coming first is EAGAIN; another signal, which
     * is delivered on the way out, EINTR; so is a signal of the set that was not blocked before
     * and whose default action kills, as Linux's complete_signal ends the process for it.
     */
    static WaitResult sigtimedwait(Syscalls sys, LinuxProcess state, int pid, long set, long info, long timeout,
            long size) {
        if (size != Sigsets.SIZE) {
            return WaitResult.of(-Errno.EINVAL.code());
        }
        byte[] setBytes = sys.copyFromUser(set, 8);
        if (setBytes == null) {
            return WaitResult.of(-Errno.EFAULT.code());
        }
        OptionalLong nanos = OptionalLong.empty(); // no timeout
        if (timeout != 0) {
            byte[] bytes = sys.copyFromUser(timeout, Timespecs.SIZE);
            if (bytes == null) {
                return WaitResult.of(-Errno.EFAULT.code());
            }
            nanos = Timespecs.nanos(bytes);
            if (nanos.isEmpty()) {
                return WaitResult.of(-Errno.EINVAL.code());
            }
        }
        long wanted = Sigsets.read(setBytes) & ~Sigsets.UNBLOCKABLE;
        int signal = LinuxSignals.nextSignal(state, wanted);
        Woken woken = Woken.TIMEOUT; // a zero timeout waits for nothing
        if (signal == 0 && !(nanos.isPresent() && nanos.getAsLong() == 0)) {
            long before = state.blockedSignals();
            state.setRealBlocked(before);
            state.setBlockedSignals(before & ~wanted);
            OptionalLong end = nanos.isEmpty() ? nanos : OptionalLong.of(endAfter(state, nanos.getAsLong()));
            woken = wait(state, end, wanted, false);
            state.setBlockedSignals(before);
            state.setRealBlocked(0);
            if (woken == Woken.NEVER) {
                return WaitResult.FOREVER;
            }
            boolean fatal = (state.pendingSignals() & wanted & ~before & Sigsets.bit(IntervalTimers.SIGALRM)) != 0
                    && LinuxSignals.killsByDefault(state, IntervalTimers.SIGALRM);
            if (fatal) {
                return WaitResult.of(-Errno.EINTR.code()); // the way out delivers it: the process dies of it
            }
            signal = LinuxSignals.nextSignal(state, wanted);
        }
        if (signal == 0) {
            return WaitResult.of(woken == Woken.SIGNAL ? -Errno.EINTR.code() : -Errno.EAGAIN.code());
        }
        PendingSignal taken = state.take(signal);
        if (info != 0) {
            byte[] siginfo = taken.siginfo(signal, pid);
            if (!sys.copyToUser(info, siginfo, SIGINFO_SIZE)) {
                return WaitResult.of(-Errno.EFAULT.code());
            }
        }
        return WaitResult.of(signal);
    }
}
