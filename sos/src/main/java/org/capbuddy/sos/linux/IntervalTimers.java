package org.capbuddy.sos.linux;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.OptionalLong;
import org.capbuddy.sos.Errno;
import org.capbuddy.sos.Syscalls;

/**
 * setitimer and getitimer against the process's modelled clock (a millisecond per system call
 * plus the time it slept; {@link LinuxProcess#now}). ITIMER_REAL (musl's alarm is setitimer)
 * expires when a call's way out finds the clock past its time, or when a wait moves the clock to
 * it ({@link SignalWaits}), and then sends SIGALRM as Linux's it_real_fn does.
 *
 * <p>ITIMER_VIRTUAL and ITIMER_PROF are EINVAL: they count the process's CPU time, and the model
 * has none apart from its clock (its user-mode instructions take no time on it), so such a timer
 * could only fire at moments that mean nothing.
 */
final class IntervalTimers {
    static final int SIGALRM = 14;
    /** What sent a timer's SIGALRM, for the kill report. */
    static final String SENDER = "its ITIMER_REAL timer (setitimer or alarm)";
    private static final int ITIMER_REAL = 0;
    private static final long NANOS_PER_SECOND = 1_000_000_000L;
    private static final long NANOS_PER_MICRO = 1000;
    private static final int ITIMERVAL_SIZE = 32;

    private IntervalTimers() {
    }

    /**
     * setitimer in Linux's order: the new value read (EFAULT) and its timevals checked (EINVAL,
     * seconds below 0 or microseconds outside 0 to 999,999), then {@code which} (EINVAL for all
     * but ITIMER_REAL); the timer is set (an it_value of 0 disarms it and clears its period; a NULL new value is all zero, as Linux still takes it), and only then the old value
     * written back, so that a bad place for it is EFAULT with the new timer standing, as on Linux.
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
            OptionalLong period = timevalNanos(b.getLong(0), b.getLong(8));
            OptionalLong first = timevalNanos(b.getLong(16), b.getLong(24));
            if (period.isEmpty() || first.isEmpty()) {
                return -Errno.EINVAL.code();
            }
            interval = period.getAsLong();
            expiresIn = first.getAsLong();
        }
        if (which != ITIMER_REAL) {
            return -Errno.EINVAL.code();
        }
        byte[] old = itimerval(state);
        long now = state.now();
        RealTimer timer = state.realTimer();
        if (expiresIn == 0) {
            state.setRealTimer(new RealTimer(false, timer.expires(), 0));
        } else {
            long expires = expiresIn >= LinuxProcess.CLOCK_LIMIT - now ? LinuxProcess.CLOCK_LIMIT : now + expiresIn;
            state.setRealTimer(new RealTimer(true, expires, interval));
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

    /** A timeval's nanoseconds, saturating at the clock's limit; empty when Linux's timeval_valid refuses it. */
    private static OptionalLong timevalNanos(long seconds, long micros) {
        if (seconds < 0 || micros < 0 || micros >= 1_000_000) {
            return OptionalLong.empty();
        }
        return OptionalLong.of(seconds >= LinuxProcess.CLOCK_LIMIT / NANOS_PER_SECOND ? LinuxProcess.CLOCK_LIMIT
                : seconds * NANOS_PER_SECOND + micros * NANOS_PER_MICRO);
    }

    /**
     * struct itimerval as Linux's getitimer fills it: the period, and the time left (at least a
     * microsecond while armed, 0 when not), both in whole microseconds (the rest dropped).
     */
    private static byte[] itimerval(LinuxProcess state) {
        RealTimer timer = state.realTimer();
        long left = timer.armed() ? Math.max(timer.expires() - state.now(), NANOS_PER_MICRO) : 0;
        return itimerval(timer.interval(), left);
    }

    /** struct itimerval of a period and a time left, both cut to whole microseconds. */
    private static byte[] itimerval(long period, long left) {
        return ByteBuffer.allocate(ITIMERVAL_SIZE).order(ByteOrder.LITTLE_ENDIAN)
                .putLong(period / NANOS_PER_SECOND).putLong(period % NANOS_PER_SECOND / NANOS_PER_MICRO)
                .putLong(left / NANOS_PER_SECOND).putLong(left % NANOS_PER_SECOND / NANOS_PER_MICRO).array();
    }

    /** When the clock has reached the armed timer's expiry: it expires and SIGALRM is sent. */
    static void expireDue(LinuxProcess state) {
        RealTimer timer = state.realTimer();
        if (timer.armed() && state.now() >= timer.expires()) {
            state.setRealTimer(timer.expired());
            LinuxSignals.sendTimerSignal(state, SENDER);
        }
    }
}
