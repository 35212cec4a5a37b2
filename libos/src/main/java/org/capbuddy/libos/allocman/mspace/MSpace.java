package org.capbuddy.libos.allocman.mspace;

import org.capbuddy.libos.allocman.ManagerContext;
import org.capbuddy.libos.vka.Result;

/**
 * Bookkeeping memory (allocman's mspace interface): where the allocators' records live. The
 * model keeps the records themselves as Java objects but charges each one's size here, at an
 * address of the root task's address space, so the cost and the circular dependency are real:
 * growing a virtual pool takes a frame, a slot and perhaps page tables.
 */
public interface MSpace {

    Result<Long> alloc(ManagerContext ctx, long bytes);

    Result<Void> free(ManagerContext ctx, long address, long bytes);

    /** Bytes handed out and not yet freed (as asked, before rounding). */
    long bytesInUse();

    /** Bytes this mspace can hand out without growing. */
    long bytesAvailable();
}
