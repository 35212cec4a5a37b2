package org.capbuddy.sos.linux;

/**
 * ITIMER_REAL's state on the process's clock: whether it is armed, when it expires (or last
 * expired), and its period (0: one-shot). As Linux's, a periodic timer is not re-armed when it
 * expires but when its SIGALRM is taken ({@link #rearmedAfter}).
 */
record RealTimer(boolean armed, long expires, long interval) {
    static final RealTimer DISARMED = new RealTimer(false, 0, 0);

    /** It has expired: unarmed until its signal is taken (a periodic one) or it is set again. */
    RealTimer expired() {
        return new RealTimer(false, expires, interval);
    }

    /**
     * Linux's dequeue_signal for a SIGALRM taken from the process's list: a periodic timer that is
     * not armed is forwarded by whole periods to its first expiry after {@code now} and armed.
     */
    RealTimer rearmedAfter(long now) {
        if (armed || interval == 0) {
            return this;
        }
        long next = expires;
        if (next <= now) {
            long periods = (now - next) / interval + 1;
            next = periods > (LinuxProcess.CLOCK_LIMIT - next) / interval ? LinuxProcess.CLOCK_LIMIT
                    : next + periods * interval;
        }
        return new RealTimer(true, next, interval);
    }
}
