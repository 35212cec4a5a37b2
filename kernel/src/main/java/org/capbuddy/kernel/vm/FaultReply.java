package org.capbuddy.kernel.vm;

/** What a fault handler does with a faulting thread. */
public enum FaultReply {
    /** Reply: the thread re-executes the faulting access. */
    RESUME,
    /** No reply: the thread stays blocked (for instance because the handler killed it). */
    NO_REPLY
}
