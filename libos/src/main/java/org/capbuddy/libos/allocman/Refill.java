package org.capbuddy.libos.allocman;

import org.capbuddy.kernel.trace.TraceKind;

/**
 * allocman's {@code _refill_watermark}, the end-of-operation work: when the outermost operation
 * ends with frees deferred or the reserves taken from, perform the deferred frees and top the
 * reserves up, in passes, while something is short and a pass makes progress. Each step leaves
 * the reserves and queues consistent, so the refill stops as soon as an interruption is pending
 * and the next operation carries on.
 */
final class Refill implements Runnable {
    /** Passes made while reserves are short and progress is made. */
    private static final int PASSES = 4;

    private final Allocman allocman;
    private final Reserves reserves;
    private final DeferredFrees deferred;
    private boolean running;

    Refill(Allocman allocman, Reserves reserves, DeferredFrees deferred) {
        this.allocman = allocman;
        this.reserves = reserves;
        this.deferred = deferred;
    }

    @Override
    public void run() {
        if (running || !(reserves.touched() || !deferred.isEmpty())) {
            return;
        }
        running = true;
        Object[] before = allocman.sel4().tracer().on(TraceKind.ALLOCMAN) ? allocman.reserveLevels("_before") : null;
        try {
            for (int pass = 0; pass < PASSES; pass++) {
                boolean progress = deferred.drain(allocman);
                progress |= !allocman.interruptionPending() && reserves.topUpSlots(allocman);
                progress |= !allocman.interruptionPending() && reserves.topUpObjects(allocman);
                progress |= !allocman.interruptionPending() && reserves.topUpChunks(allocman);
                if (allocman.interruptionPending()) {
                    return;
                }
                if (reserves.full() && deferred.isEmpty()) {
                    reserves.markUntouched();
                    return;
                }
                if (!progress) {
                    return;
                }
            }
        } finally {
            running = false;
            if (before != null) {
                Object[] after = allocman.reserveLevels("");
                Object[] fields = new Object[before.length + after.length];
                System.arraycopy(before, 0, fields, 0, before.length);
                System.arraycopy(after, 0, fields, before.length, after.length);
                allocman.traceReserve("refill", fields);
            }
        }
    }

    /**
     * Keeps the refill from running until {@link #resume()}: while the reserves are being given
     * back, refilling them would undo the work (allocman's {@code refilling_watermark} flag).
     */
    void pause() {
        running = true;
    }

    void resume() {
        running = false;
    }
}
