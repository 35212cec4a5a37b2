package org.capbuddy.kernel.invocation;

import org.capbuddy.kernel.api.InvocationResult;

/**
 * The successful replies to {@code seL4_ARM_Page_GetAddress} (MR0 the frame's physical address)
 * for the addresses asked most recently, in a small direct-mapped table, so that asking about
 * the same frame again builds nothing. Replies are immutable and depend on the address alone, so
 * a cached one is exactly the reply a fresh call would build. The table lives in the kernel, not
 * in each frame: a field per frame cost every frame host memory whether it was ever asked or not.
 */
final class AddressReplies {
    /** A power of two; enough for an allocator's working set of recently handed out frames. */
    static final int ENTRIES = 256;

    private final InvocationResult[] replies = new InvocationResult[ENTRIES];

    /** The reply for {@code paddr}: the cached one when it is for that address, else a new one, kept. */
    InvocationResult of(long paddr) {
        // Frames are at least 4 KiB aligned; folding in the 2 MiB and 1 GiB bits spreads large ones.
        int i = (int) ((paddr >>> 12) ^ (paddr >>> 21) ^ (paddr >>> 30)) & (ENTRIES - 1);
        InvocationResult r = replies[i];
        if (r == null || r.mr(0) != paddr) {
            r = InvocationResult.ok(paddr);
            replies[i] = r;
        }
        return r;
    }
}
