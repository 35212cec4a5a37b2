package org.capbuddy.kernel.object;

/** The scheduling states of a thread that the model distinguishes. */
public enum ThreadState {
    /** Runnable: its memory accesses proceed. */
    RUNNING,
    /** Sent a fault to its handler and waits for the reply. */
    BLOCKED_ON_FAULT,
    /** Stopped: never started, suspended, or killed by a double fault (no valid fault handler). */
    INACTIVE
}
