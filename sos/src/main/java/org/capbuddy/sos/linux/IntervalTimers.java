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
 * <p>ITIMER_VIRTUAL and ITIMER_PROF count the process's CPU time, which the model does not have
 * (its user-mode instructions take no time on its clock): neither can be armed. Reading one, or a
 * setitimer that disarms one, does what Linux does for a timer that is not armed; a setitimer
 * that would arm one is refused with ENOSYS and counted.
 */
final class IntervalTimers {
    static final int SIGALRM = 14;
    /** What sent a timer's SIGALRM, for the kill report. */
    static final String SENDER = "its ITIMER_REAL timer (setitimer or alarm)";
    private static final int ITIMER_REAL = 0;
    private static final int ITIMER_VIRTUAL = 1;
    private static final int ITIMER_PROF = 2;
    private static final long NANOS_PER_SECOND = 1_000_000_000L;
    private static final long NANOS_PER_MICRO = 1000;
    private static final int ITIMERVAL_SIZE = 32;

    private IntervalTimers() {
    }

    /**
     * setitimer in Linux's order: the new value read (EFAULT) and its timevals checked (EINVAL,
     * seconds below 0 or microseconds outside 0 to 999,999), then {@code which} (EINVAL for an
     * unknown timer); the timer is set (an it_value of 0 disarms ITIMER_REAL and clears its
     * period; a NULL new value is all zero, as Linux still takes it), and only then the old value
     * written back, so that a bad place for it is EFAULT with the new timer standing, as on Linux.
     * A CPU-time timer keeps the period a disarming call gives, as Linux's set_cpu_itimer does.
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
        if (which == ITIMER_VIRTUAL || which == ITIMER_PROF) {
            return setCpuTimer(sys, state, which, interval, expiresIn, oldValue);
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

    /** ITIMER_VIRTUAL or ITIMER_PROF: arming is refused (ENOSYS, counted); disarming keeps the period. */
    private static long setCpuTimer(Syscalls sys, LinuxProcess state, int which, long interval, long expiresIn,
            long oldValue) {
        if (expiresIn != 0) {
            state.refuse("setitimer: arming " + (which == ITIMER_VIRTUAL ? "ITIMER_VIRTUAL" : "ITIMER_PROF")
                    + " (the model has no CPU time)");
            return -Errno.ENOSYS.code();
        }
        byte[] old = itimerval(state.cpuTimerPeriod(which), 0);
        state.setCpuTimerPeriod(which, interval);
        return oldValue == 0 || sys.copyToUser(oldValue, old, ITIMERVAL_SIZE) ? 0 : -Errno.EFAULT.code();
    }

    /**
     * getitimer: {@code which} first (EINVAL for an unknown timer), then the value written
     * (EFAULT). A CPU-time timer is never armed: its time left reads 0, its period as last set.
     */
    static long getitimer(Syscalls sys, LinuxProcess state, int which, long value) {
        byte[] current;
        if (which == ITIMER_REAL) {
            current = itimerval(state);
        } else if (which == ITIMER_VIRTUAL || which == ITIMER_PROF) {
            current = itimerval(state.cpuTimerPeriod(which), 0);
        } else {
            return -Errno.EINVAL.code();
        }
        return sys.copyToUser(value, current, ITIMERVAL_SIZE) ? 0 : -Errno.EFAULT.code();
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
     * ITIMER_REAL's struct itimerval as Linux's getitimer fills it: the period, and the time left,
     * 0 when not armed. As Linux's itimer_get_remtime, the time left is cut to whole microseconds,
     * and a timer armed but already due (its expiry not yet acted on) reads 1 µs, not 0, which
     * would mean disarmed.
     */
    private static byte[] itimerval(LinuxProcess state) {
        RealTimer timer = state.realTimer();
        long left = 0;
        if (timer.armed()) {
            long remaining = timer.expires() - state.now();
            left = remaining <= 0 ? NANOS_PER_MICRO : remaining;
        }
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
