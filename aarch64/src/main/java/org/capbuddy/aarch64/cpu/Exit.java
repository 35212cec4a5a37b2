package org.capbuddy.aarch64.cpu;

/**
 * Why {@link Interpreter#run} returned. Everything but {@link #LIMIT} and {@link #SVC} is what the
 * architecture would raise as a synchronous exception to EL1, where seL4 would turn it into a fault
 * for the thread's handler.
 */
public enum Exit {
    /** The instruction budget ran out; PC is the next instruction. */
    LIMIT,
    /** {@code svc} retired; PC is the instruction after it (the preferred return address). */
    SVC,
    /** An instruction the interpreter does not implement or that is unallocated; PC is on it. */
    UNDEFINED,
    /** {@code brk}; PC is on it. */
    BREAKPOINT,
    /** The instruction could not be fetched; PC is on it. */
    PREFETCH_ABORT,
    /** A load or store could not be made; PC is on the instruction, its registers unchanged. */
    DATA_ABORT,
    /** An exclusive or acquire/release access to a misaligned address, or a branch to one; PC is on it. */
    ALIGNMENT_FAULT
}
