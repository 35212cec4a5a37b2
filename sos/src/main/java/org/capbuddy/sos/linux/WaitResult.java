package org.capbuddy.sos.linux;

/**
 * How a call that waits for a signal ended: with a result for x0, or never, as nothing the process
 * itself does could end it (alone, the caller then ends the process instead of hanging; with others
 * of its run, it blocks until one signals it or the scheduler reaches its timer's expiry), or it
 * blocks as an rt_sigtimedwait ({@code take}) whose end {@link SignalWaits#finishTake} makes.
 */
record WaitResult(boolean forever, long value, SignalTake take) {
    static final WaitResult FOREVER = new WaitResult(true, 0, null);
    /** The wait blocks its process until another makes it end (a ppoll on descriptors): the process keeps it. */
    static final WaitResult BLOCKS = new WaitResult(false, Family.BLOCKS, null);

    static WaitResult of(long value) {
        return new WaitResult(false, value, null);
    }

    /**
     * An rt_sigtimedwait that blocks, its set unblocked, until another process's signal, its own
     * timer's expiry or its timeout on the run's clock ends it ({@link SignalWaits#finishTake}).
     */
    static WaitResult taking(SignalTake take) {
        return new WaitResult(false, Family.BLOCKS, take);
    }
}
