package org.capbuddy.sos.linux;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.OptionalLong;
import org.capbuddy.sos.Errno;
import org.capbuddy.sos.Syscalls;

/**
 * The calls that wait for a signal (pause through ppoll, pselect6, rt_sigsuspend,
 * rt_sigtimedwait) and the wait a sleep does, against the process's modelled clock. A process
 * alone in its run has nothing else to run, so a wait moves the clock at once to the next thing
 * that can end it: the interval timer's expiry ({@link IntervalTimers}) or its own timeout. When
 * nothing can (no timer armed, no signal pending that it lets through, and no other process of its
 * run to signal it) it would wait forever, and the call's result says so ({@link WaitResult#FOREVER}).
 * With others, a wait blocks ({@link WaitResult#BLOCKS}, {@link WaitResult#taking}) and the run's
 * scheduler or another process's signal ends it.
 */
final class SignalWaits {
    private static final int SIGINFO_SIZE = 128;
    /** pselect6's sixth argument: a {const sigset_t *, size_t} pair. */
    private static final int SIGSET_PACK = 16;

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
     * array read (EFAULT), these two after the mask is set, so with the time left written back
     * ({@link #failAfterMask}); then it watches them ({@link #watch}). Without descriptors (musl's pause,
     * or a sleep with a signal mask) it waits for a signal or its timeout only.
     */
    static WaitResult ppoll(Syscalls sys, LinuxProcess state, long fds, long count, long timeout, long mask,
            long size, boolean mayBlock) {
        WaitArguments args = WaitArguments.read(sys, state, timeout, mask, size);
        if (args.error() != null) {
            return WaitResult.of(-args.error().code());
        }
        // nfds is an unsigned int
        if (Integer.toUnsignedLong((int) count) > state.descriptors().softLimit()) {
            return WaitResult.of(failAfterMask(sys, state, args.timeout(), Errno.EINVAL));
        }
        DescriptorPoll poll = DescriptorPoll.none(fds);
        if ((int) count != 0) {
            poll = DescriptorPoll.read(sys, fds, (int) count);
            if (poll == null) {
                return WaitResult.of(failAfterMask(sys, state, args.timeout(), Errno.EFAULT));
            }
        }
        return watch(sys, state, poll, (int) count != 0, args.timeout(), args.mask().mask(), mayBlock);
    }

    /**
     * pselect6, in Linux's order: the sixth argument, a {const sigset_t *, size_t} pair, read when
     * not null (EFAULT); the timeout read (EFAULT) and checked (EINVAL); a signal mask given: its
     * size (EINVAL unless 8) and the mask read (EFAULT); nfds negative (EINVAL), then capped at the
     * descriptor table's size (Linux's max_fds: a larger nfds is no error); the three fd_sets read
     * (EFAULT); a bit naming a descriptor not open (EBADF), the last three after the mask is set, so
     * with the time left written back ({@link #failAfterMask}). Then it watches them ({@link #watch}) as
     * ppoll does; with no bit set it waits for a signal or its timeout only, as select(0, ...)
     * sleeps. {@link DescriptorSelect} says what is ready and what goes back.
     */
    static WaitResult pselect6(Syscalls sys, LinuxProcess state, long nfds, long read, long write, long except,
            long timeout, long sigmask, boolean mayBlock) {
        long mask = 0;
        long size = 0;
        if (sigmask != 0) {
            byte[] pack = sys.copyFromUser(sigmask, SIGSET_PACK);
            if (pack == null) {
                return WaitResult.of(-Errno.EFAULT.code());
            }
            ByteBuffer b = ByteBuffer.wrap(pack).order(ByteOrder.LITTLE_ENDIAN);
            mask = b.getLong(0);
            size = b.getLong(8);
        }
        WaitArguments args = WaitArguments.read(sys, state, timeout, mask, size);
        if (args.error() != null) {
            return WaitResult.of(-args.error().code());
        }
        // nfds is an int
        if ((int) nfds < 0) {
            return WaitResult.of(failAfterMask(sys, state, args.timeout(), Errno.EINVAL));
        }
        DescriptorSelect select = DescriptorSelect.read(sys, (int) nfds, state.descriptors().tableSize(), read,
                write, except);
        if (select == null) {
            return WaitResult.of(failAfterMask(sys, state, args.timeout(), Errno.EFAULT));
        }
        if (select.namesClosed(state)) {
            return WaitResult.of(failAfterMask(sys, state, args.timeout(), Errno.EBADF));
        }
        return watch(sys, state, select, select.any(), args.timeout(), args.mask().mask(), mayBlock);
    }

    /** Linux's EP_MAX_EVENTS: INT_MAX / sizeof(struct epoll_event). */
    static final int EP_MAX_EVENTS = Integer.MAX_VALUE / EpollWait.EVENT;

    /**
     * epoll_pwait ({@code timeout} in milliseconds, an int: negative waits for ever) and
     * epoll_pwait2 ({@code timeout} a timespec's address, 0 for none), in Linux's order: (pwait2)
     * the timeout read (EFAULT) and checked (EINVAL); the signal mask's size (EINVAL) and the mask
     * read (EFAULT), as ppoll's; then do_epoll_wait's maxevents (EINVAL when not positive or past
     * {@link #EP_MAX_EVENTS}), the events array's range (access_ok: EFAULT), epfd (EBADF) and
     * that it is an epoll (EINVAL). Then it watches the epoll as ppoll watches its descriptors
     * ({@link #watch}); no time left is ever written back, as epoll's timeouts are read-only.
     */
    static WaitResult epollPwait(Syscalls sys, LinuxProcess state, LinuxSyscall call, long epfd, long events,
            long maxevents, long timeout, long mask, long size, boolean mayBlock) {
        Timeout t = call == LinuxSyscall.EPOLL_PWAIT ? Timeout.millis(state, (int) timeout)
                : Timeout.read(sys, state, timeout).readOnly();
        WaitArguments args = WaitArguments.then(sys, t, mask, size);
        if (args.error() != null) {
            return WaitResult.of(-args.error().code());
        }
        int max = (int) maxevents;
        if (max <= 0 || max > EP_MAX_EVENTS) {
            return WaitResult.of(-Errno.EINVAL.code());
        }
        if (!LinuxSyscalls.accessOk(events, (long) max * EpollWait.EVENT)) {
            return WaitResult.of(-Errno.EFAULT.code());
        }
        OpenFile file = state.descriptors().get((int) epfd);
        if (file == null) {
            return WaitResult.of(-Errno.EBADF.code());
        }
        if (!file.isEpoll()) {
            return WaitResult.of(-Errno.EINVAL.code());
        }
        EpollWait wait = new EpollWait(call.linuxName(), file.epollInstance(), events, max);
        return watch(sys, state, wait, true, t, args.mask().mask(), mayBlock);
    }

    /**
     * A ppoll or pselect6 failing after its mask is set (Linux's set_user_sigmask): every return
     * of do_sys_poll and core_sys_select goes through poll_select_finish, which has the old mask
     * back (SOS sets the call's mask only once the checks pass, so it is the mask still) and then
     * writes the time left to a timeout that was not zero, ignoring a write that fails.
     */
    private static long failAfterMask(Syscalls sys, LinuxProcess state, Timeout t, Errno error) {
        t.back().write(sys, state.now());
        return -error.code();
    }

    /**
     * A timeout as ppoll and pselect6 read it: none (null: wait for ever), zero (poll once), or
     * its end on the run's clock; {@code error} EFAULT when it cannot be read or EINVAL when it is
     * not valid, else null. {@code back} is where the time left goes back and what from
     * (nowhere for none and zero).
     */
    private record Timeout(OptionalLong end, boolean zero, TimeLeft back, Errno error) {
        static Timeout read(Syscalls sys, LinuxProcess state, long timeout) {
            if (timeout == 0) {
                return new Timeout(OptionalLong.empty(), false, TimeLeft.NONE, null);
            }
            byte[] bytes = sys.copyFromUser(timeout, Timespecs.SIZE);
            if (bytes == null) {
                return new Timeout(OptionalLong.empty(), false, TimeLeft.NONE, Errno.EFAULT);
            }
            OptionalLong nanos = Timespecs.nanos(bytes);
            if (nanos.isEmpty()) {
                return new Timeout(OptionalLong.empty(), false, TimeLeft.NONE, Errno.EINVAL);
            }
            boolean zero = nanos.getAsLong() == 0;
            return new Timeout(OptionalLong.of(endAfter(state, nanos.getAsLong())), zero,
                    zero ? TimeLeft.NONE : TimeLeft.of(timeout, bytes, state.now()), null);
        }

        /**
         * epoll_pwait's timeout in milliseconds (Linux's ep_timeout_to_timespec): negative is none,
         * 0 polls once; no time left goes back.
         */
        static Timeout millis(LinuxProcess state, int ms) {
            if (ms < 0) {
                return new Timeout(OptionalLong.empty(), false, TimeLeft.NONE, null);
            }
            return new Timeout(OptionalLong.of(endAfter(state, ms * 1_000_000L)), ms == 0, TimeLeft.NONE, null);
        }

        /** The same timeout with no time left written back (epoll_pwait2's is const). */
        Timeout readOnly() {
            return new Timeout(end, zero, TimeLeft.NONE, error);
        }
    }

    /**
     * A ppoll's, pselect6's or epoll_pwait's timeout, then its signal mask, read in that order as
     * the calls do: the first that fails is the call's error ({@code mask} null when the timeout failed).
     */
    private record WaitArguments(Timeout timeout, MaskRead mask) {
        static WaitArguments read(Syscalls sys, LinuxProcess state, long timeout, long mask, long size) {
            return then(sys, Timeout.read(sys, state, timeout), mask, size);
        }

        /** The timeout {@code t} taken (read or given), then the mask read unless {@code t} failed. */
        static WaitArguments then(Syscalls sys, Timeout t, long mask, long size) {
            return new WaitArguments(t, t.error() != null ? null : MaskRead.of(sys, mask, size));
        }

        /** The errno the call ends with, or null when both were read. */
        Errno error() {
            return timeout.error() != null ? timeout.error() : mask.error();
        }
    }

    /**
     * The signal mask a ppoll or pselect6 waits under, as Linux's set_user_sigmask reads it: none
     * (empty) when {@code address} is 0; a size other than 8 is EINVAL, a mask that cannot be read
     * EFAULT ({@code error} that errno, else null); SIGKILL and SIGSTOP stay open.
     */
    private record MaskRead(OptionalLong mask, Errno error) {
        static MaskRead of(Syscalls sys, long address, long size) {
            if (address == 0) {
                return new MaskRead(OptionalLong.empty(), null);
            }
            if (size != Sigsets.SIZE) {
                return new MaskRead(OptionalLong.empty(), Errno.EINVAL);
            }
            byte[] bytes = sys.copyFromUser(address, 8);
            if (bytes == null) {
                return new MaskRead(OptionalLong.empty(), Errno.EFAULT);
            }
            return new MaskRead(OptionalLong.of(Sigsets.read(bytes) & ~Sigsets.UNBLOCKABLE), null);
        }
    }

    /**
     * What ppoll, pselect6 and epoll_pwait share once their arguments are read: the mask given (if any) is put
     * aside as rt_sigsuspend's. With descriptors to ask ({@code any}), those ready are the result
     * at once; with none ready, a signal it lets through pending is EINTR (Linux's do_poll and
     * do_select look at signals once they found nothing, whatever the timeout), a zero timeout 0
     * (it runs no timer: one due fires on the way out);
     * otherwise a process that others of its run may help ({@code mayBlock}) blocks (SOS does not
     * reply) until one is ready, a signal, or the run's clock reaches the timeout, and one alone,
     * which nothing but a signal or the timeout can end, waits for those as with no descriptors.
     * With none to ask, the wait under the mask ends with EINTR for a signal or 0 at the timeout,
     * the old mask then restored before the way out delivers a signal it lets through. The time
     * left is written back to the timeout, as Linux does, unless it was zero or cannot be written
     * (which Linux ignores); then the call's own answer ({@link DescriptorWait#finish}).
     */
    private static WaitResult watch(Syscalls sys, LinuxProcess state, DescriptorWait watch, boolean any,
            Timeout t, OptionalLong mask, boolean mayBlock) {
        if (mask.isPresent()) {
            state.waitUnder(mask.getAsLong());
        }
        OptionalLong end = t.end();
        if (t.zero()) {
            // a zero timeout does not sleep: it looks once at the descriptors, then only at the
            // signals already pending; a timer that fell due during the call's own clock step
            // fires on the way out, after the call returned, or a retry loop would never end
            int ready = any ? watch.scan(state) : 0;
            if (ready == 0) {
                LinuxSignals.dropIgnoredOpen(state, 0);
            }
            long result = ready > 0 ? ready
                    : watch.zeroTimeoutSeesSignals() && LinuxSignals.deliverable(state) ? -Errno.EINTR.code() : 0;
            return WaitResult.of(pollEnd(sys, state, watch, t.back(), result));
        }
        if (any) {
            int ready = watch.scan(state);
            if (ready > 0 || LinuxSignals.deliverable(state) || !mayBlock) {
                // ready at once, or nothing but a signal or the timeout can end it: a signal's wait
                if (ready == 0) {
                    Woken woken = wait(state, end, 0, false);
                    if (woken == Woken.NEVER) {
                        return WaitResult.FOREVER;
                    }
                    return WaitResult.of(pollEnd(sys, state, watch, t.back(),
                            woken == Woken.SIGNAL ? -Errno.EINTR.code() : watch.scan(state)));
                }
                return WaitResult.of(pollEnd(sys, state, watch, t.back(), ready));
            }
            // another process may make a descriptor ready: it blocks (the scheduler asks again each turn)
            state.setPollWait(new DescriptorWait.Waiting(watch, end, t.back()));
            return WaitResult.BLOCKS;
        }
        Woken woken = wait(state, end, 0, mayBlock);
        if (woken == Woken.NEVER || woken == Woken.BLOCKS && end.isEmpty()) {
            return WaitResult.FOREVER;
        }
        if (woken == Woken.BLOCKS) {
            // its timer expires before its timeout: it blocks as a wait on no descriptors, which
            // the scheduler ends at the earlier of the two or at another process's signal
            state.setPollWait(new DescriptorWait.Waiting(watch, end, t.back()));
            return WaitResult.BLOCKS;
        }
        // Linux's poll_select_finish: only an interrupted wait keeps its mask for the handler's
        // frame; one that timed out has the old mask back before the way out delivers what that
        // mask lets through
        return WaitResult.of(pollEnd(sys, state, watch, t.back(),
                woken == Woken.SIGNAL ? -Errno.EINTR.code() : 0));
    }

    /**
     * The end of a ppoll or pselect6 with {@code result} (the count ready, 0 at the timeout,
     * -EINTR), in Linux's order: the call's answer written back ({@link DescriptorWait#finish}, as
     * do_sys_poll and core_sys_select do, EFAULT when it cannot be), then poll_select_finish's
     * steps: the mask put aside back unless the call is EINTR (its handler's frame saves that
     * mask), then the time left written back to a timeout that was not zero.
     */
    static long pollEnd(Syscalls sys, LinuxProcess state, DescriptorWait poll, TimeLeft back, long result) {
        long answer = poll.finish(sys, result);
        if (answer != -Errno.EINTR.code()) {
            state.restoreSavedMask();
        }
        back.write(sys, state.now());
        return answer;
    }

    /**
     * What ended a blocked ppoll or pselect6, for the syscall trace, told by the {@code result} it
     * returns: a signal (EINTR), a descriptor ready (its count), its timeout (0); any other error
     * is its answer failing to go back after one of those.
     */
    static String wokenBy(long result) {
        if (result == -Errno.EINTR.code()) {
            return "a signal came";
        }
        if (result > 0) {
            return "a descriptor was ready";
        }
        return result == 0 ? "its timeout came" : "its answer could not be written back";
    }

    /**
     * rt_sigtimedwait in Linux's order: the set size (EINVAL), the set read (EFAULT), the timeout
     * read (EFAULT) and checked (EINVAL). A signal of the set (never SIGKILL or SIGSTOP) already
     * pending is taken at once, whether blocked or not; otherwise, unless the timeout is zero, the
     * process waits with the set unblocked (the mask before put aside as Linux's real_blocked, so
     * that a signal blocked before is kept, not ignored, and ends the wait whatever its action),
     * and the mask before is back before the call returns ({@link #finishTake}). Alone in its run,
     * the wait moves the clock at once to its timer's expiry or its timeout; with others
     * ({@code mayBlock}), whose signals may end it, it blocks ({@link WaitResult#taking}: its set
     * stays unblocked) on the run's clock as nanosleep does, until another process's signal, its
     * own timer's expiry or its timeout, once a timer already due has fired.
     */
    static WaitResult sigtimedwait(Syscalls sys, LinuxProcess state, int pid, long set, long info, long timeout,
            long size, boolean mayBlock) {
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
        long before = state.blockedSignals();
        OptionalLong end = nanos.isEmpty() ? nanos : OptionalLong.of(endAfter(state, nanos.getAsLong()));
        SignalTake take = new SignalTake(wanted, before, info, end);
        if (LinuxSignals.nextSignal(state, wanted) != 0 || nanos.isPresent() && nanos.getAsLong() == 0) {
            return WaitResult.of(takeSignal(sys, state, pid, take, false)); // a zero timeout waits for nothing
        }
        state.setRealBlocked(before);
        state.setBlockedSignals(before & ~wanted);
        if (mayBlock) {
            // a timer already due fires first; then, nothing come, it blocks with its set unblocked
            Woken now = wait(state, OptionalLong.of(state.now()), wanted, false);
            if (now == Woken.TIMEOUT && !take.timedOut(state.now())) {
                return WaitResult.taking(take);
            }
            return WaitResult.of(finishTake(sys, state, pid, take, now == Woken.SIGNAL));
        }
        Woken woken = wait(state, end, wanted, false);
        if (woken == Woken.NEVER) {
            state.setBlockedSignals(before);
            state.setRealBlocked(0);
            return WaitResult.FOREVER;
        }
        return WaitResult.of(finishTake(sys, state, pid, take, woken == Woken.SIGNAL));
    }

    /**
     * The end of an rt_sigtimedwait, as the end of Linux's do_sigtimedwait: the mask before is the
     * mask again and real_blocked cleared; then a signal of the set pending is taken without running
     * a handler: its number is the result and its siginfo written (EFAULT, the signal taken, when it
     * cannot be). None is EINTR when a signal ended the wait ({@code interrupted}: it is delivered on
     * the way out), else EAGAIN (its timeout, or a zero one). A signal of the set not blocked before
     * whose default kills at once is EINTR, left pending: Linux's complete_signal ends the process
     * for it as it arrives, and the way out does.
     */
    static long finishTake(Syscalls sys, LinuxProcess state, int pid, SignalTake take, boolean interrupted) {
        state.setBlockedSignals(take.before());
        state.setRealBlocked(0);
        if (LinuxSignals.fatalOf(state, take.wanted() & ~take.before()) != 0) {
            return -Errno.EINTR.code(); // the way out delivers it: the process dies of it
        }
        return takeSignal(sys, state, pid, take, interrupted);
    }

    /** {@link #finishTake}'s last step, with the mask before in place: a signal of the set taken, or none. */
    private static long takeSignal(Syscalls sys, LinuxProcess state, int pid, SignalTake take, boolean interrupted) {
        int signal = LinuxSignals.nextSignal(state, take.wanted());
        if (signal == 0) {
            return interrupted ? -Errno.EINTR.code() : -Errno.EAGAIN.code();
        }
        PendingSignal taken = state.take(signal);
        if (take.info() != 0) {
            byte[] siginfo = taken.siginfo(signal, pid);
            if (!sys.copyToUser(take.info(), siginfo, SIGINFO_SIZE)) {
                return -Errno.EFAULT.code();
            }
        }
        return signal;
    }
}
