package org.capbuddy.sos.linux;

/**
 * What a child's exit signal tells its parent in its siginfo, as Linux's do_notify_parent fills
 * it: the child's pid, its wait status (si_code CLD_EXITED or CLD_KILLED and si_status from it,
 * {@link ChildCode}) and its user time (si_utime, in clock ticks).
 */
record ChildExit(int pid, int status, long cpuNanos) {
    /** Linux's USER_HZ on arm64: si_utime and si_stime count hundredths of a second. */
    private static final long NANOS_PER_TICK = 10_000_000;

    /** si_utime: the child's user time in clock ticks, as Linux's nsec_to_clock_t rounds it (down). */
    long userTicks() {
        return cpuNanos / NANOS_PER_TICK;
    }
}
