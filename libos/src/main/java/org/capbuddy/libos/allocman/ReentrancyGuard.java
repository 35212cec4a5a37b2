package org.capbuddy.libos.allocman;

/**
 * allocman's re-entrancy guard ({@code _start_operation}, {@code _end_operation} and the
 * per-allocator depth counters of allocman.c): how deeply the current operation is nested, which
 * managers are busy further up the stack (a busy manager is never re-entered), and the
 * end-of-operation work, run when the outermost operation ends.
 */
final class ReentrancyGuard {
    /** The managers whose re-entry the guard refuses. */
    enum Manager { CSPACE, UTSPACE, MSPACE }

    private final Runnable endOfOperation;
    private final int[] busy = new int[Manager.values().length];
    private int depth;

    /** @param endOfOperation what to do when the outermost operation ends (allocman's refill) */
    ReentrancyGuard(Runnable endOfOperation) {
        this.endOfOperation = endOfOperation;
    }

    /** A request or operation starts (possibly inside another one). */
    void enter() {
        depth++;
    }

    /** It ends; if it was the outermost, the end-of-operation work runs first. */
    void exit() {
        try {
            if (depth == 1) {
                endOfOperation.run();
            }
        } finally {
            depth--;
        }
    }

    boolean isBusy(Manager manager) {
        return busy[manager.ordinal()] > 0;
    }

    /** The manager starts working for the current request. */
    void busy(Manager manager) {
        busy[manager.ordinal()]++;
    }

    /** The manager has returned. */
    void idle(Manager manager) {
        busy[manager.ordinal()]--;
    }
}
