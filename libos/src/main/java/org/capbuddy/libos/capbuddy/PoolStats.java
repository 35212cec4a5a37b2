package org.capbuddy.libos.capbuddy;

import java.util.List;

/**
 * A CapBuddy pool's state: trees live (RAM and device) and kept spare, free frames and free
 * blocks by size class (maximal free blocks of 2^k frames, k = 0..10), the largest free block,
 * bookkeeping bytes, trees made and given back so far, and frees that given-back trees still owe
 * the inner vka (0 unless a return was cut short).
 */
public record PoolStats(long trees, long deviceTrees, long spareTrees, long freeFrames, List<Long> freeBlocksByOrder,
                        int largestFreeOrder, long bookkeepingBytes, long treesCreated, long treesReturned,
                        long owedFrees) {

    public PoolStats {
        freeBlocksByOrder = List.copyOf(freeBlocksByOrder);
    }

    /** The largest block the pool can serve without a new tree, in bytes (0 when none). */
    public long largestFreeBytes() {
        return largestFreeOrder < 0 ? 0 : 4096L << largestFreeOrder;
    }
}
