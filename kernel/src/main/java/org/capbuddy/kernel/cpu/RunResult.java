package org.capbuddy.kernel.cpu;

/**
 * How a {@link ThreadRunner#run} ended.
 *
 * @param stop why it returned
 * @param instructions instructions retired during this run
 * @param detail for {@link Stop#STOPPED}, why the thread is no longer running (its handler's
 *     reason when it did not reply); null otherwise
 */
public record RunResult(Stop stop, long instructions, String detail) {
    /** Why a run returned. */
    public enum Stop {
        /** The instruction budget ran out with the thread still running: it can go on. */
        BUDGET,
        /** The thread no longer runs: blocked on a fault its handler did not reply to, or inactive. */
        STOPPED
    }
}
