package org.capbuddy.sos.linux;

import java.util.OptionalLong;

/**
 * An rt_sigtimedwait (sigwaitinfo, sigtimedwait) blocked while others of its run may signal it:
 * the signals it takes ({@code wanted}, never SIGKILL or SIGSTOP), the mask it was made under
 * ({@code before}: Linux's real_blocked while it waits, the mask again once it ends), where the
 * siginfo of the signal taken goes ({@code info}, 0 for nowhere), and when its timeout ends on the
 * run's clock ({@code end}, empty without one).
 */
record SignalTake(long wanted, long before, long info, OptionalLong end) {
    /** Whether the run's clock {@code now} has reached the timeout. */
    boolean timedOut(long now) {
        return end.isPresent() && now >= end.getAsLong();
    }
}
