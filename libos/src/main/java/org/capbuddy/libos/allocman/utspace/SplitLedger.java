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
    private final SplitNodes nodes;
    private final FreeList[][] lists = new FreeList[UntypedKind.values().length][SIZES];
    /**
     * Per kind, which sizes have a free node: bit b of {@code nonEmpty[kind.ordinal()]} is set
     * while {@code lists[kind.ordinal()][b]} is not empty (sizes run 0..47, so one long holds them).
     */
    private final long[] nonEmpty = new long[UntypedKind.values().length];
    private long freeBytes;
    private long records;

    /** A ledger of nodes of {@code nodes}. */
    SplitLedger(SplitNodes nodes) {
        this.nodes = nodes;
    }

    void add(int node) {
        if (nodes.onFreeList(node)) {
            throw new IllegalStateException("already on a free list: " + nodes.describe(node));
        }
        int kind = nodes.kindIndex(node);
        int bits = nodes.sizeBits(node);
        FreeList list = lists[kind][bits];
        if (list == null) {
            list = new FreeList(nodes, nodes.kind(node), bits);
            lists[kind][bits] = list;
        }
        list.add(node);
        nonEmpty[kind] |= 1L << bits;
        freeBytes += 1L << bits;
    }

    void remove(int node) {
        int kind = nodes.kindIndex(node);
        int bits = nodes.sizeBits(node);
        FreeList list = lists[kind][bits];
        if (list == null || !nodes.onFreeList(node)) {
            throw new IllegalStateException("not on a free list: " + nodes.describe(node));
        }
        list.remove(node);
        if (list.isEmpty()) {
            nonEmpty[kind] &= ~(1L << bits);
        }
        freeBytes -= 1L << bits;
    }

    /**
     * The lowest-addressed free node of {@code kind} of the smallest size from {@code minBits} up,
     * or {@link SplitNodes#NONE}.
     */
    int smallestAtLeast(UntypedKind kind, int minBits) {
        if (minBits >= SIZES) {
            return SplitNodes.NONE;
        }
        long sizes = nonEmpty[kind.ordinal()] & (-1L << Math.max(minBits, 0));
        return sizes == 0 ? SplitNodes.NONE : lists[kind.ordinal()][Long.numberOfTrailingZeros(sizes)].lowest();
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
