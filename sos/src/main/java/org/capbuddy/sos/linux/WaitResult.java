package org.capbuddy.sos.linux;

/**
 * How a call that waits for a signal ended: with a result for x0, or never, as nothing the process
 * itself does could end it (alone, the caller then ends the process instead of hanging; with others
 * of its run, it blocks until one signals it or the scheduler reaches its timer's expiry).
 */
record WaitResult(boolean forever, long value) {
    static final WaitResult FOREVER = new WaitResult(true, 0);
    /** The wait blocks its process until another makes it end (a ppoll on descriptors): the process keeps it. */
    static final WaitResult BLOCKS = new WaitResult(false, Family.BLOCKS);

    static WaitResult of(long value) {
        return new WaitResult(false, value);
    }
}
