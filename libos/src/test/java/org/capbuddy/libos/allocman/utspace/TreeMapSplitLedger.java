package org.capbuddy.libos.allocman.utspace;

import java.util.EnumMap;
import java.util.Map;
import java.util.TreeMap;
import org.capbuddy.kernel.api.ObjectType;

/**
 * The reference for {@link SplitLedger}: the ledger as it was before its free lists became heaps
 * with an address table, one {@code TreeMap} per kind and size. Kept as it was but for naming its
 * nodes by id in a {@link SplitNodes} table (they were objects), so the differential test
 * compares the new ledger with the old one's every answer.
 */
final class TreeMapSplitLedger {
    private final SplitNodes nodes;
    private final Map<UntypedKind, TreeMap<Long, Integer>[]> lists = new EnumMap<>(UntypedKind.class);
    private long freeBytes;
    private long records;

    @SuppressWarnings({"unchecked", "rawtypes"}) // generic arrays cannot be created without a raw one
    TreeMapSplitLedger(SplitNodes nodes) {
        this.nodes = nodes;
        for (UntypedKind kind : UntypedKind.values()) {
            TreeMap<Long, Integer>[] bySize = new TreeMap[ObjectType.MAX_UNTYPED_BITS + 1];
            for (int i = 0; i < bySize.length; i++) {
                bySize[i] = new TreeMap<>();
            }
            lists.put(kind, bySize);
        }
    }

    void add(int node) {
        Integer previous = lists.get(nodes.kind(node))[nodes.sizeBits(node)].put(nodes.paddr(node), node);
        if (previous != null) {
            throw new IllegalStateException("two free nodes at one address: " + nodes.describe(previous) + " and "
                    + nodes.describe(node));
        }
        freeBytes += nodes.bytes(node);
    }

    void remove(int node) {
        if (lists.get(nodes.kind(node))[nodes.sizeBits(node)].remove(nodes.paddr(node), node)) {
            freeBytes -= nodes.bytes(node);
        } else {
            throw new IllegalStateException("not on a free list: " + nodes.describe(node));
        }
    }

    /** The lowest-addressed free node of {@code kind} of the smallest size from {@code minBits} up, or NONE. */
    int smallestAtLeast(UntypedKind kind, int minBits) {
        TreeMap<Long, Integer>[] bySize = lists.get(kind);
        for (int bits = Math.max(minBits, 0); bits < bySize.length; bits++) {
            if (!bySize[bits].isEmpty()) {
                return bySize[bits].firstEntry().getValue();
            }
        }
        return SplitNodes.NONE;
    }

    /** The free node of {@code kind} (of any size from {@code bits} up) covering [paddr, paddr + 2^bits), or NONE. */
    int covering(UntypedKind kind, long paddr, int bits) {
        TreeMap<Long, Integer>[] bySize = lists.get(kind);
        for (int size = bits; size < bySize.length; size++) {
            Integer node = bySize[size].get(paddr & -(1L << size));
            if (node != null && nodes.covers(node, paddr, bits)) {
                return node;
            }
        }
        return SplitNodes.NONE;
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
