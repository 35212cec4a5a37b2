package org.capbuddy.libos.allocman.utspace;

import org.capbuddy.kernel.api.ObjectType;

/**
 * The split allocator's free lists ({@code heads}, {@code dev_heads}, {@code dev_mem_heads}), one
 * per untyped kind and size, plus the totals derived from them: free bytes and the number of node
 * records held in the mspace. Each list hands out its lowest-addressed free buddy first.
 *
 * <p>Each list is a {@link FreeList}, a heap on the address, and a bit per size and kind says
 * which lists hold anything, so the smallest size with a free buddy is one bit scan. (The free
 * buddy at a given address is found in the buddy trees instead: {@link SplitRoots#freeCovering}.)
 */
final class SplitLedger {
    private static final int SIZES = ObjectType.MAX_UNTYPED_BITS + 1;

    /** {@code lists[kind.ordinal()][sizeBits]}, made when first used. */
    private final FreeList[][] lists = new FreeList[UntypedKind.values().length][SIZES];
    /**
     * Per kind, which sizes have a free node: bit b of {@code nonEmpty[kind.ordinal()]} is set
     * while {@code lists[kind.ordinal()][b]} is not empty (sizes run 0..47, so one long holds them).
     */
    private final long[] nonEmpty = new long[UntypedKind.values().length];
    private long freeBytes;
    private long records;

    void add(SplitNode node) {
        if (node.onFreeList()) {
            throw new IllegalStateException("already on a free list: " + node);
        }
        FreeList list = lists[node.kindIndex()][node.sizeBits];
        if (list == null) {
            list = new FreeList();
            lists[node.kindIndex()][node.sizeBits] = list;
        }
        list.add(node);
        nonEmpty[node.kindIndex()] |= 1L << node.sizeBits;
        freeBytes += node.bytes();
    }

    void remove(SplitNode node) {
        FreeList list = lists[node.kindIndex()][node.sizeBits];
        if (list == null || !node.onFreeList()) {
            throw new IllegalStateException("not on a free list: " + node);
        }
        list.remove(node);
        if (list.isEmpty()) {
            nonEmpty[node.kindIndex()] &= ~(1L << node.sizeBits);
        }
        freeBytes -= node.bytes();
    }

    /** The lowest-addressed free node of {@code kind} of the smallest size from {@code minBits} up. */
    SplitNode smallestAtLeast(UntypedKind kind, int minBits) {
        if (minBits >= SIZES) {
            return null;
        }
        long sizes = nonEmpty[kind.ordinal()] & (-1L << Math.max(minBits, 0));
        return sizes == 0 ? null : lists[kind.ordinal()][Long.numberOfTrailingZeros(sizes)].lowest();
    }

    long freeBytes() {
        return freeBytes;
    }

    /** Node records currently charged to the mspace. */
    long records() {
        return records;
    }

    void recordsChanged(long delta) {
        records += delta;
    }
}
