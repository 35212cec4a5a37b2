package org.capbuddy.kernel.cspace;

import org.capbuddy.kernel.api.LookupFailure;
import org.capbuddy.kernel.cap.Cap;
import org.capbuddy.kernel.cap.Slot;

/**
 * CSpace addressing: seL4's {@code resolveAddressBits}. Starting from a CNode cap, each level
 * first matches the cap's guard against the next guard-size bits of the cptr, then uses the next
 * radix bits to index the CNode, and goes on while bits remain and the slot holds a CNode cap.
 * Only the low {@code depth} bits of the cptr are used.
 */
public final class CSpaceResolver {
    public static final int WORD_BITS = 64;

    private CSpaceResolver() {
    }

    public static SlotLookup resolve(Cap root, long cptr, int depth) {
        if (!(root instanceof Cap.CNodeCap node)) {
            return SlotLookup.failed(LookupFailure.invalidRoot());
        }
        int n = depth;
        while (true) {
            int radix = node.cnode().radix();
            int guardBits = node.guardSize();
            int levelBits = radix + guardBits;
            long guard = guardBits > n ? 0 : (cptr >>> (n - guardBits)) & mask(guardBits);
            if (guardBits > n || guard != node.guard()) {
                return SlotLookup.failed(LookupFailure.guardMismatch(n, node.guard(), guardBits));
            }
            if (levelBits > n) {
                return SlotLookup.failed(LookupFailure.depthMismatch(n, levelBits));
            }
            long index = (cptr >>> (n - levelBits)) & mask(radix);
            Slot slot = node.cnode().slot(index);
            if (n == levelBits) {
                return SlotLookup.found(slot, 0);
            }
            n -= levelBits;
            if (!(slot.cap() instanceof Cap.CNodeCap next)) {
                return SlotLookup.found(slot, n);
            }
            node = next;
        }
    }

    /**
     * The slot {@link #resolve} reaches, or null where it fails: the same walk without building
     * a result, for the invocation path, which asks {@link #resolve} for the failure's details only
     * when there is one.
     */
    public static Slot find(Cap root, long cptr, int depth) {
        return walk(root, cptr, depth, false);
    }

    /**
     * The slot {@link #resolve} reaches with no bits left over, or null where it fails or bits are
     * left: the lookup of a CNode operation, which must use the cptr up exactly.
     */
    public static Slot findExact(Cap root, long cptr, int depth) {
        return walk(root, cptr, depth, true);
    }

    /** {@link #resolve}'s walk, step for step, with a null for every failure. */
    private static Slot walk(Cap root, long cptr, int depth, boolean exact) {
        if (!(root instanceof Cap.CNodeCap node)) {
            return null;
        }
        int n = depth;
        while (true) {
            int radix = node.cnode().radix();
            int guardBits = node.guardSize();
            int levelBits = radix + guardBits;
            if (guardBits > n || ((cptr >>> (n - guardBits)) & mask(guardBits)) != node.guard() || levelBits > n) {
                return null;
            }
            Slot slot = node.cnode().slot((cptr >>> (n - levelBits)) & mask(radix));
            if (n == levelBits) {
                return slot;
            }
            n -= levelBits;
            if (!(slot.cap() instanceof Cap.CNodeCap next)) {
                return exact ? null : slot;
            }
            node = next;
        }
    }

    /** The low {@code bits} bits set; {@code mask(64)} is all ones. */
    public static long mask(int bits) {
        return bits >= 64 ? -1L : (1L << bits) - 1;
    }
}
