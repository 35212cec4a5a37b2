package org.capbuddy.libos.allocman.utspace;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.capbuddy.libos.vka.CSpacePath;

/**
 * The untypeds handed to the split allocator (the roots of its buddy trees), by physical address:
 * which one a new range would overlap, which one covers a range, and which free buddy does. Roots
 * never overlap, so the one that can hold an address is the last starting at or below it.
 */
final class SplitRoots {
    private final TreeMap<Long, SplitNode> byAddress = new TreeMap<>();
    /** The caller's slot of each root, as it was handed over (a node keeps only its cptr). */
    private final Map<CSpacePath, SplitNode> byPath = new HashMap<>();

    /** Adds a root handed over in the caller's slot {@code path}. */
    void add(SplitNode root, CSpacePath path) {
        byAddress.put(root.paddr, root);
        byPath.put(path, root);
    }

    /** The root handed over in slot {@code path}, or null. */
    SplitNode inSlot(CSpacePath path) {
        return byPath.get(path);
    }

    /** A root overlapping [paddr, paddr + bytes), or null. */
    SplitNode overlapping(long paddr, long bytes) {
        Map.Entry<Long, SplitNode> below = byAddress.floorEntry(paddr);
        if (below != null && below.getValue().paddr + below.getValue().bytes() > paddr) {
            return below.getValue();
        }
        Map.Entry<Long, SplitNode> above = byAddress.ceilingEntry(paddr);
        if (above != null && above.getKey() < paddr + bytes) {
            return above.getValue();
        }
        return null;
    }

    /** The root covering [paddr, paddr + 2^bits), or null. */
    SplitNode covering(long paddr, int bits) {
        Map.Entry<Long, SplitNode> below = byAddress.floorEntry(paddr);
        return below != null && below.getValue().covers(paddr, bits) ? below.getValue() : null;
    }

    /**
     * The free buddy of one of {@code kinds} covering [paddr, paddr + 2^bits), or null. It is
     * found by walking down from the root holding paddr, through split buddies, to the buddy that
     * holds paddr: free buddies never overlap and all of a free buddy's ancestors are split, so
     * that is the only free buddy that can cover the range (what a lookup of each size on the
     * free lists would find).
     */
    SplitNode freeCovering(List<UntypedKind> kinds, long paddr, int bits) {
        Map.Entry<Long, SplitNode> below = byAddress.floorEntry(paddr);
        if (below == null) {
            return null;
        }
        SplitNode node = below.getValue();
        if (paddr - node.paddr >= node.bytes()) {
            return null;
        }
        while (node.isSplit()) {
            node = paddr < node.upper.paddr ? node.lower : node.upper;
        }
        return node.isFree() && kinds.contains(node.kind()) && node.covers(paddr, bits)
                ? node : null;
    }
}
