package org.capbuddy.libos.allocman.utspace;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.capbuddy.libos.vka.CSpacePath;

/**
 * The untypeds handed to the split allocator (the roots of its buddy trees), by physical address:
 * which one a new range would overlap, which one covers a range, and which free buddy does. Roots
 * never overlap, so the one that can hold an address is the last starting at or below it. Every
 * answer is a node of the {@link SplitNodes} table, or {@link SplitNodes#NONE}.
 */
final class SplitRoots {
    private final SplitNodes nodes;
    private final TreeMap<Long, Integer> byAddress = new TreeMap<>();
    /** The caller's slot of each root, as it was handed over (a node keeps only its cptr). */
    private final Map<CSpacePath, Integer> byPath = new HashMap<>();

    /** The roots of trees of nodes of {@code nodes}. */
    SplitRoots(SplitNodes nodes) {
        this.nodes = nodes;
    }

    /** Adds a root handed over in the caller's slot {@code path}. */
    void add(int root, CSpacePath path) {
        byAddress.put(nodes.paddr(root), root);
        byPath.put(path, root);
    }

    /** The root handed over in slot {@code path}, or NONE. */
    int inSlot(CSpacePath path) {
        return byPath.getOrDefault(path, SplitNodes.NONE);
    }

    /** A root overlapping [paddr, paddr + bytes), or NONE. */
    int overlapping(long paddr, long bytes) {
        Map.Entry<Long, Integer> below = byAddress.floorEntry(paddr);
        if (below != null && below.getKey() + nodes.bytes(below.getValue()) > paddr) {
            return below.getValue();
        }
        Map.Entry<Long, Integer> above = byAddress.ceilingEntry(paddr);
        if (above != null && above.getKey() < paddr + bytes) {
            return above.getValue();
        }
        return SplitNodes.NONE;
    }

    /** The root covering [paddr, paddr + 2^bits), or NONE. */
    int covering(long paddr, int bits) {
        Map.Entry<Long, Integer> below = byAddress.floorEntry(paddr);
        return below != null && nodes.covers(below.getValue(), paddr, bits) ? below.getValue() : SplitNodes.NONE;
    }

    /**
     * The free buddy of one of {@code kinds} covering [paddr, paddr + 2^bits), or NONE. It is
     * found by walking down from the root holding paddr, through split buddies, to the buddy that
     * holds paddr: free buddies never overlap and all of a free buddy's ancestors are split, so
     * that is the only free buddy that can cover the range (what a lookup of each size on the
     * free lists would find).
     */
    int freeCovering(List<UntypedKind> kinds, long paddr, int bits) {
        Map.Entry<Long, Integer> below = byAddress.floorEntry(paddr);
        if (below == null) {
            return SplitNodes.NONE;
        }
        int node = below.getValue();
        if (paddr - nodes.paddr(node) >= nodes.bytes(node)) {
            return SplitNodes.NONE;
        }
        while (nodes.isSplit(node)) {
            int upper = nodes.upper(node);
            node = paddr < nodes.paddr(upper) ? nodes.lower(node) : upper;
        }
        return nodes.isFree(node) && kinds.contains(nodes.kind(node)) && nodes.covers(node, paddr, bits)
                ? node : SplitNodes.NONE;
    }
}
