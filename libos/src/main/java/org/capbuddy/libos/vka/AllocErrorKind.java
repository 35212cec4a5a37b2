package org.capbuddy.libos.vka;

/** Why an allocation or a free was refused. */
public enum AllocErrorKind {
    /** No free capability slot (or no contiguous run of them). */
    OUT_OF_SLOTS,
    /** No untyped memory of the size asked for (at the address asked for). */
    OUT_OF_MEMORY,
    /** The bookkeeping allocator (mspace) could not grow. */
    OUT_OF_BOOKKEEPING,
    /** An argument is invalid: a size, type, address or alignment the operation cannot take. */
    BAD_ARGUMENT,
    /** The cptr, cookie or block was not handed out by this allocator, or was already freed. */
    NOT_ALLOCATED,
    /** The allocator was re-entered while busy and its reserve could not serve the request. */
    BUSY,
    /** A kernel invocation failed; the kernel's result is attached. */
    KERNEL,
    /**
     * A request made while an allocman operation was in progress (by a manager at work, by the
     * refill, by the reserves) was cut short by a throwable at its entry, before it did anything:
     * an injected interruption or a stack overflow. The request fails with this value so that
     * whoever made it undoes its work through its ordinary error paths; allocman rethrows the
     * throwable itself when the outermost operation ends. Not a shortage: the reserves are not
     * used to make up for it.
     */
    INTERRUPTED;

    /**
     * True for "not enough of it here right now" (slots, memory, bookkeeping, or a busy
     * allocator): a refusal another source, or a reserve, may make up for.
     */
    public boolean isShortage() {
        return this == OUT_OF_SLOTS || this == OUT_OF_MEMORY || this == OUT_OF_BOOKKEEPING || this == BUSY;
    }
}
