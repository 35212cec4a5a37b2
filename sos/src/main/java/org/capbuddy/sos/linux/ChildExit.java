package org.capbuddy.sos.linux;

/**
 * What a child's exit signal tells its parent in its siginfo, as Linux's do_notify_parent fills
 * it: the child's pid, its wait status (si_code CLD_EXITED or CLD_KILLED and si_status from it,
 * {@link ChildCode}) and its user time (si_utime, in clock ticks). That user time is the figure
 * wait4's ru_utime gives: the child's clock, a millisecond a system call plus the time it slept
 * (SOS's model has no other), where Linux's counts the time it ran in user mode only.
 */
record ChildExit(int pid, int status, long cpuNanos) {
    /** Linux's USER_HZ on arm64: si_utime and si_stime count hundredths of a second. */
    private static final long NANOS_PER_TICK = 10_000_000;

    /** si_utime: the child's user time (its clock, sleeps included) in clock ticks, rounded down as Linux's nsec_to_clock_t. */
    long userTicks() {
        return cpuNanos / NANOS_PER_TICK;
    }
}
