package org.capbuddy.libos.allocman.utspace;

import java.util.EnumMap;
import java.util.Map;
import java.util.TreeMap;
import org.capbuddy.kernel.api.ObjectType;

/**
 * The reference for {@link SplitLedger}: the ledger as it was before its free lists became heaps
 * with an address table, one {@code TreeMap} per kind and size. Kept word for word (but for this
 * comment and the name) so the differential test compares the new ledger with the old one's
 * every answer.
 */
final class TreeMapSplitLedger {
    private final Map<UntypedKind, TreeMap<Long, SplitNode>[]> lists = new EnumMap<>(UntypedKind.class);
    private long freeBytes;
    private long records;

    @SuppressWarnings({"unchecked", "rawtypes"}) // generic arrays cannot be created without a raw one
    TreeMapSplitLedger() {
        for (UntypedKind kind : UntypedKind.values()) {
            TreeMap<Long, SplitNode>[] bySize = new TreeMap[ObjectType.MAX_UNTYPED_BITS + 1];
            for (int i = 0; i < bySize.length; i++) {
                bySize[i] = new TreeMap<>();
            }
            lists.put(kind, bySize);
        }
    }

    void add(SplitNode node) {
        SplitNode previous = lists.get(node.kind())[node.sizeBits].put(node.paddr, node);
        if (previous != null) {
            throw new IllegalStateException("two free nodes at one address: " + previous + " and " + node);
        }
        freeBytes += node.bytes();
    }

    void remove(SplitNode node) {
        if (lists.get(node.kind())[node.sizeBits].remove(node.paddr, node)) {
            freeBytes -= node.bytes();
        } else {
            throw new IllegalStateException("not on a free list: " + node);
        }
    }

    /** The lowest-addressed free node of {@code kind} of the smallest size from {@code minBits} up. */
    SplitNode smallestAtLeast(UntypedKind kind, int minBits) {
        TreeMap<Long, SplitNode>[] bySize = lists.get(kind);
        for (int bits = minBits; bits < bySize.length; bits++) {
            if (!bySize[bits].isEmpty()) {
                return bySize[bits].firstEntry().getValue();
            }
        }
        return null;
    }

    /** The free node of {@code kind} (of any size from {@code bits} up) covering [paddr, paddr + 2^bits). */
    SplitNode covering(UntypedKind kind, long paddr, int bits) {
        TreeMap<Long, SplitNode>[] bySize = lists.get(kind);
        for (int size = bits; size < bySize.length; size++) {
            SplitNode node = bySize[size].get(paddr & -(1L << size));
            if (node != null && node.covers(paddr, bits)) {
                return node;
            }
        }
        return null;
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
