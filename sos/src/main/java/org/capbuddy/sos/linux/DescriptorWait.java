package org.capbuddy.sos.linux;

import java.util.OptionalLong;
import org.capbuddy.sos.Syscalls;

/**
 * The descriptors a ppoll, pselect6 or epoll_pwait watches, as read from the process: each asks them the same
 * question ({@link PollMask}), answers in its own layout (pollfd revents, fd_set bits), and writes
 * its answer back its own way. The blocking around them (a signal, the timeout, another process
 * making one ready) is shared, in {@link SignalWaits}.
 */
interface DescriptorWait {
    /**
     * A ppoll or pselect6 blocked on {@code watch} until a descriptor is ready, a signal, or the
     * run's clock reaches {@code end} (none: no timeout); the time left goes back as {@code back}
     * says ({@link TimeLeft#NONE}: nowhere), as both write it.
     */
    record Waiting(DescriptorWait watch, OptionalLong end, TimeLeft back) {
    }

    /** The call's Linux name, as a wake reports it. */
    String call();

    /**
     * Asks every descriptor watched and returns the call's count; with {@code keep}, keeps the
     * answer for {@link #finish}, else leaves the answer kept as it was.
     */
    int ask(LinuxProcess state, boolean keep);

    /** Asks every descriptor watched, keeps the answer for {@link #finish}, and returns the call's count. */
    default int scan(LinuxProcess state) {
        return ask(state, true);
    }

    /** The count {@link #scan} would return now; the answer kept does not change. */
    default int ready(LinuxProcess state) {
        return ask(state, false);
    }

    /**
     * Whether a zero timeout that finds nothing ready is EINTR when a signal is pending, as
     * do_poll and do_select look at signals before their timeout; epoll's ep_poll looks at its
     * timeout first (0).
     */
    default boolean zeroTimeoutSeesSignals() {
        return true;
    }

    /**
     * Its process blocks on it, or looked again and found nothing (Linux's ep_poll puts its task
     * on the epoll's wait queue each time round): only epoll_pwait's wait is on a queue a wakeup
     * looks at ({@link Epoll#wake}); ppoll's and pselect6's are not.
     */
    default void blocks() {
    }

    /**
     * Whether a blocked call looks at its descriptors now: ppoll's and pselect6's each turn, as
     * their wait queue entries wake them on any event; an epoll_pwait's only once a wakeup has
     * taken it off its epoll's waiters (ep_poll sleeps until then).
     */
    default boolean woken() {
        return true;
    }

    /** Its process no longer blocks on it: the call ended, by any way. */
    default void unblocks() {
    }

    /**
     * Writes the answer back as the call does when it returns {@code result} (the count, 0 at the
     * timeout, -EINTR): -EFAULT when it cannot, else {@code result}.
     */
    long finish(Syscalls sys, long result);
}
