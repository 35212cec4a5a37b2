package org.capbuddy.sos.linux;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.capbuddy.sos.Errno;
import org.capbuddy.sos.Syscalls;

/**
 * The interval timer and the calls that wait for a signal, against the process's modelled clock
 * (a millisecond per system call plus the time it slept; {@link LinuxProcess#now}). ITIMER_REAL
 * (setitimer, getitimer; musl's alarm is setitimer) expires when a call finds the clock past its
 * time, or when a wait moves the clock to it, and then sends SIGALRM as Linux's it_real_fn does.
 * A wait (pause through ppoll, rt_sigsuspend, rt_sigtimedwait, and a sleep an expiry interrupts)
 * has nothing else to run meanwhile, so it moves the clock at once to the next thing that can end
 * it: the timer's expiry or its own timeout. When nothing can (no timer armed, no signal pending
 * that it lets through, and no other process in SOS may signal it) it would wait forever, and
 * the caller ends the process instead ({@link #FOREVER}).
 *
 * <p>ITIMER_VIRTUAL and ITIMER_PROF are EINVAL: they count the process's CPU time, and the model
 * has none apart from its clock (its user-mode instructions take no time on it), so such a timer
 * could only fire at moments that mean nothing.
 */
final class LinuxTimers {
    static final int SIGALRM = 14;
    /** The clock never runs past this (about 146 years): long sleeps and timers saturate. */
    static final long CLOCK_LIMIT = Long.MAX_VALUE / 2;
    /** Not a result: the call waits for a signal that nothing can send; the caller ends the process. */
    static final long FOREVER = Long.MIN_VALUE;
    /** What sent a timer's SIGALRM, for the kill report. */
    static final String SENDER = "its ITIMER_REAL timer (setitimer or alarm)";
    private static final int ITIMER_REAL = 0;
    private static final long NO_END = Long.MAX_VALUE;
    private static final long NANOS_PER_SECOND = 1_000_000_000L;
    private static final long NANOS_PER_MICRO = 1000;
    private static final long SIGSET_SIZE = 8;
    private static final long UNBLOCKABLE = 1L << (9 - 1) | 1L << (19 - 1); // SIGKILL, SIGSTOP
    private static final int ITIMERVAL_SIZE = 32;
    private static final int SIGINFO_SIZE = 128;
    /** RLIMIT_NOFILE as getrlimit reports it: ppoll refuses more descriptors than that. */
    private static final long MAX_DESCRIPTORS = 3;

    private LinuxTimers() {
    }

    /** How a wait ended: a signal to deliver or take, its own timeout, or nothing can ever end it. */
    enum Woken {
        SIGNAL, TIMEOUT, NEVER
    }

    /**
     * setitimer in Linux's order: the new value read (EFAULT) and its timevals checked (EINVAL,
     * seconds below 0 or microseconds outside 0 to 999,999), then {@code which} (EINVAL for all
     * but ITIMER_REAL); the timer is set (an it_value of 0 disarms it and clears its period; a
     * NULL new value is all zero, as Linux still takes it), and only then the old value written
     * back, so that a bad place for it is EFAULT with the new timer standing, as on Linux.
     */
    static long setitimer(Syscalls sys, LinuxProcess state, int which, long value, long oldValue) {
        long interval = 0;
        long expiresIn = 0;
        if (value != 0) {
            byte[] bytes = sys.copyFromUser(value, ITIMERVAL_SIZE);
            if (bytes == null) {
                return -Errno.EFAULT.code();
            }
            ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
            interval = timevalNanos(b.getLong(0), b.getLong(8));
            expiresIn = timevalNanos(b.getLong(16), b.getLong(24));
            if (interval < 0 || expiresIn < 0) {
                return -Errno.EINVAL.code();
            }
        }
        if (which != ITIMER_REAL) {
            return -Errno.EINVAL.code();
        }
        byte[] old = itimerval(state);
        long now = state.now();
        if (expiresIn == 0) {
            state.setTimer(false, state.timerExpires(), 0);
        } else {
            state.setTimer(true, expiresIn >= CLOCK_LIMIT - now ? CLOCK_LIMIT : now + expiresIn, interval);
        }
        return oldValue == 0 || sys.copyToUser(oldValue, old, ITIMERVAL_SIZE) ? 0 : -Errno.EFAULT.code();
    }

    /** getitimer: {@code which} first (EINVAL for all but ITIMER_REAL), then the value written (EFAULT). */
    static long getitimer(Syscalls sys, LinuxProcess state, int which, long value) {
        if (which != ITIMER_REAL) {
            return -Errno.EINVAL.code();
        }
        return sys.copyToUser(value, itimerval(state), ITIMERVAL_SIZE) ? 0 : -Errno.EFAULT.code();
    }

    /** A timeval's nanoseconds, saturating at {@link #CLOCK_LIMIT}; -1 when Linux's timeval_valid refuses it. */
    private static long timevalNanos(long seconds, long micros) {
        if (seconds < 0 || micros < 0 || micros >= 1_000_000) {
            return -1;
        }
        return seconds >= CLOCK_LIMIT / NANOS_PER_SECOND ? CLOCK_LIMIT : seconds * NANOS_PER_SECOND + micros * NANOS_PER_MICRO;
    }

    /**
     * struct itimerval as Linux's getitimer fills it: the period, and the time left (at least a
     * microsecond while armed, 0 when not), both in whole microseconds (the rest dropped).
     */
    private static byte[] itimerval(LinuxProcess state) {
        long left = state.timerArmed() ? Math.max(state.timerExpires() - state.now(), NANOS_PER_MICRO) : 0;
        long period = state.timerInterval();
        return ByteBuffer.allocate(ITIMERVAL_SIZE).order(ByteOrder.LITTLE_ENDIAN)
                .putLong(period / NANOS_PER_SECOND).putLong(period % NANOS_PER_SECOND / NANOS_PER_MICRO)
                .putLong(left / NANOS_PER_SECOND).putLong(left % NANOS_PER_SECOND / NANOS_PER_MICRO).array();
    }

    /** When the clock has reached the armed timer's expiry: it expires and SIGALRM is sent. */
    static void expireDue(LinuxProcess state) {
        if (state.timerArmed() && state.now() >= state.timerExpires()) {
            state.timerExpired();
            LinuxSignals.sendTimerSignal(state, SENDER);
        }
    }

    /**
     * Waits under the current mask until a signal it lets through is pending ({@link
     * LinuxSignals#deliverable}) or the clock reaches {@code end} (NO_END: no timeout), moving the
     * clock to each timer expiry on the way. An expiry at the very end is left to the call's way
     * out: the wait has timed out by then.
     */
    static Woken wait(LinuxProcess state, long end) {
        return wait(state, end, 0);
    }

    /**
     * {@link #wait(LinuxProcess, long)}, also ended by any pending signal of {@code taken}, whatever
     * its action: sigtimedwait takes such a signal rather than delivering it, so one kept pending
     * though ignored (it was blocked before the wait) ends the wait as on Linux.
     */
    private static Woken wait(LinuxProcess state, long end, long taken) {
        while ((state.pendingSignals() & taken) == 0 && !LinuxSignals.deliverable(state)) {
            long next = state.timerArmed() ? state.timerExpires() : NO_END;
            if (next >= end) {
                if (end == NO_END) {
                    return Woken.NEVER;
                }
                advanceTo(state, end);
                return Woken.TIMEOUT;
            }
            advanceTo(state, next);
            expireDue(state);
        }
        return Woken.SIGNAL;
    }

    private static void advanceTo(LinuxProcess state, long time) {
        long now = state.now();
        if (time > now) {
            state.sleep(time - now);
        }
    }

    /** The end of a wait of {@code nanos} from now, saturating at {@link #CLOCK_LIMIT}. */
    static long endAfter(LinuxProcess state, long nanos) {
        long now = state.now();
        return nanos >= CLOCK_LIMIT - now ? Math.max(CLOCK_LIMIT, now) : now + nanos;
    }

    /** A timespec's nanoseconds, saturating at {@link #CLOCK_LIMIT}; -1 when Linux's timespec64_valid refuses it. */
    static long timespecNanos(byte[] bytes) {
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        long seconds = b.getLong(0);
        long nanos = b.getLong(8);
        if (seconds < 0 || nanos < 0 || nanos >= NANOS_PER_SECOND) {
            return -1;
        }
        return seconds >= CLOCK_LIMIT / NANOS_PER_SECOND ? CLOCK_LIMIT : seconds * NANOS_PER_SECOND + nanos;
    }

    static byte[] timespec(long nanos) {
        return ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(nanos / NANOS_PER_SECOND)
                .putLong(nanos % NANOS_PER_SECOND).array();
    }

    /**
     * rt_sigsuspend: the set size (EINVAL) and the mask read (EFAULT); then the process waits under
     * that mask (less SIGKILL and SIGSTOP) until a signal it lets through is pending, and returns
     * EINTR. Its own mask is put aside: the first handler's frame saves it, so rt_sigreturn restores
     * it, or the way out does when no handler runs.
     */
    static long sigsuspend(Syscalls sys, LinuxProcess state, long mask, long size) {
        if (size != SIGSET_SIZE) {
            return -Errno.EINVAL.code();
        }
        byte[] bytes = sys.copyFromUser(mask, 8);
        if (bytes == null) {
            return -Errno.EFAULT.code();
        }
        state.waitUnder(ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong() & ~UNBLOCKABLE);
        return wait(state, NO_END) == Woken.NEVER ? FOREVER : -Errno.EINTR.code();
    }

    /**
     * ppoll with no descriptors, as musl's pause calls it (and as a sleep with a signal mask), in
     * Linux's order: the timeout read (EFAULT) and checked (EINVAL), the signal mask's size (EINVAL)
     * and the mask read (EFAULT), the count against RLIMIT_NOFILE (EINVAL). Descriptors to wait on
     * are refused with ENOSYS and counted: SOS has no poll of its streams. The wait under the mask
     * given (put aside as rt_sigsuspend's) ends with EINTR for a signal or 0 at the timeout, the
     * old mask then restored before the way out delivers a signal it lets through; the
     * time left is written back to the timeout, as Linux does, unless it was zero or cannot be
     * written (which Linux ignores).
     */
    static long ppoll(Syscalls sys, LinuxProcess state, long fds, long count, long timeout, long mask, long size) {
        long end = NO_END;
        boolean zeroTimeout = false;
        if (timeout != 0) {
            byte[] bytes = sys.copyFromUser(timeout, 16);
            if (bytes == null) {
                return -Errno.EFAULT.code();
            }
            long nanos = timespecNanos(bytes);
            if (nanos < 0) {
                return -Errno.EINVAL.code();
            }
            zeroTimeout = nanos == 0;
            end = endAfter(state, nanos);
        }
        long newMask = state.blockedSignals();
        if (mask != 0) {
            if (size != SIGSET_SIZE) {
                return -Errno.EINVAL.code();
            }
            byte[] bytes = sys.copyFromUser(mask, 8);
            if (bytes == null) {
                return -Errno.EFAULT.code();
            }
            newMask = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong() & ~UNBLOCKABLE;
        }
        // nfds is an unsigned int
        if (Integer.toUnsignedLong((int) count) > MAX_DESCRIPTORS) {
            return -Errno.EINVAL.code();
        }
        if ((int) count != 0) {
            state.refuse("ppoll: waiting on file descriptors");
            return -Errno.ENOSYS.code();
        }
        if (mask != 0) {
            state.waitUnder(newMask);
        }
        Woken woken = wait(state, end);
        if (woken == Woken.NEVER) {
            return FOREVER;
        }
        if (timeout != 0 && !zeroTimeout) {
            sys.copyToUser(timeout, timespec(Math.max(0, end - state.now())), 16);
        }
        if (woken == Woken.TIMEOUT) {
            // Linux's poll_select_finish: only an interrupted ppoll keeps its mask for the
            // handler's frame; one that timed out has the old mask back before the way out
            // delivers what that mask lets through
            state.restoreSavedMask();
        }
        return woken == Woken.SIGNAL ? -Errno.EINTR.code() : 0;
    }

    /**
     * rt_sigtimedwait in Linux's order: the set size (EINVAL), the set read (EFAULT), the timeout
     * read (EFAULT) and checked (EINVAL). A signal of the set (never SIGKILL or SIGSTOP) already
     * pending is taken at once, whether blocked or not; otherwise, unless the timeout is zero, the
     * process waits with the set unblocked (the mask before put aside as Linux's real_blocked, so
     * that a signal blocked before is kept, not ignored, and ends the wait whatever its action). A signal of the set is then taken without
     * running a handler: its number is the result and its siginfo is written (EFAULT, the signal
     * taken, when it cannot be). The timeout coming first is EAGAIN; another signal, which is
     * delivered on the way out, EINTR; so is a signal of the set that was not blocked before and
     * whose default action kills, as Linux's complete_signal ends the process for it.
     */
    static long sigtimedwait(Syscalls sys, LinuxProcess state, int pid, long set, long info, long timeout, long size) {
        if (size != SIGSET_SIZE) {
            return -Errno.EINVAL.code();
        }
        byte[] setBytes = sys.copyFromUser(set, 8);
        if (setBytes == null) {
            return -Errno.EFAULT.code();
        }
        long nanos = -2; // no timeout
        if (timeout != 0) {
            byte[] bytes = sys.copyFromUser(timeout, 16);
            if (bytes == null) {
                return -Errno.EFAULT.code();
            }
            nanos = timespecNanos(bytes);
            if (nanos < 0) {
                return -Errno.EINVAL.code();
            }
        }
        long wanted = ByteBuffer.wrap(setBytes).order(ByteOrder.LITTLE_ENDIAN).getLong() & ~UNBLOCKABLE;
        int signal = LinuxSignals.nextSignal(state, wanted);
        Woken woken = Woken.TIMEOUT; // a zero timeout waits for nothing
        if (signal == 0 && nanos != 0) {
            long before = state.blockedSignals();
            state.setRealBlocked(before);
            state.setBlockedSignals(before & ~wanted);
            woken = wait(state, nanos < 0 ? NO_END : endAfter(state, nanos), wanted);
            state.setBlockedSignals(before);
            state.setRealBlocked(0);
            if (woken == Woken.NEVER) {
                return FOREVER;
            }
            boolean fatal = (state.pendingSignals() & wanted & ~before & bit(SIGALRM)) != 0
                    && LinuxSignals.killsByDefault(state, SIGALRM);
            if (fatal) {
                return -Errno.EINTR.code(); // the way out delivers it: the process dies of it
            }
            signal = LinuxSignals.nextSignal(state, wanted);
        }
        if (signal == 0) {
            return woken == Woken.SIGNAL ? -Errno.EINTR.code() : -Errno.EAGAIN.code();
        }
        PendingSignal taken = state.take(signal);
        if (info != 0) {
            byte[] siginfo = SignalFrame.siginfo(signal, taken.code(), false, 0, taken.named() ? pid : 0);
            if (!sys.copyToUser(info, siginfo, SIGINFO_SIZE)) {
                return -Errno.EFAULT.code();
            }
        }
        return signal;
    }

    private static long bit(int signal) {
        return 1L << (signal - 1);
    }
}
