package org.capbuddy.sos.linux;

/**
 * How a call that waits for a signal ended: with a result for x0, or never, as nothing could ever
 * send it a signal it may take (the caller then ends the process instead of hanging).
 */
record WaitResult(boolean forever, long value) {
    static final WaitResult FOREVER = new WaitResult(true, 0);

    static WaitResult of(long value) {
        return new WaitResult(false, value);
    }
}
