package org.capbuddy.libos.allocman.cspace;

import java.util.Optional;

/**
 * Configuration of a {@link TwoLevelCSpace} (allocman's {@code cspace_two_level_config}).
 *
 * <p>Cptr layout (the thread's CSpace root re-guarded by {@link TwoLevelSetup}):
 * <pre>
 *   63 ............ l2Bits | l2Bits-1 ... 0
 *   L1 index (root slot)   | L2 index (slot of the L2 CNode in that root slot)
 * </pre>
 *
 * @param root cptr of the re-guarded root CNode cap, invoked for every CNode operation
 *     ({@code A << l2Bits} after {@link TwoLevelSetup})
 * @param l2Bits radix of each L2 CNode (2^l2Bits slots); 1..{@link #MAX_L2_BITS}
 * @param l1First first root slot that may hold an L2 CNode
 * @param l1End end (exclusive) of the L1 range
 * @param reservedL1 a root slot inside the range never to be used (the one holding the L2 that
 *     holds the re-guarded root cap), or -1 for none
 */
public record TwoLevelConfig(long root, int l2Bits, long l1First, long l1End, long reservedL1) {
    /** L2 CNodes of up to 2^20 slots (32 MiB each). */
    public static final int MAX_L2_BITS = 20;

    public long l1Count() {
        return l1End - l1First;
    }

    /** Depth that addresses a root slot (an L1 entry) through the re-guarded root cap. */
    public int l1Depth() {
        return 64 - l2Bits;
    }

    /** Why this configuration cannot work, if it cannot. */
    public Optional<String> problem() {
        if (l2Bits < 1 || l2Bits > MAX_L2_BITS) {
            return Optional.of("L2 CNodes must have 2^1..2^" + MAX_L2_BITS + " slots, got 2^" + l2Bits);
        }
        if (l1First < 0 || l1End <= l1First) {
            return Optional.of("L1 range [" + l1First + ", " + l1End + ") is empty or negative");
        }
        if (l1End - l1First > SlotBitmap.MAX_SLOTS) {
            return Optional.of("L1 range of " + (l1End - l1First) + " slots exceeds " + SlotBitmap.MAX_SLOTS);
        }
        if (l1End > (1L << (64 - l2Bits - 1))) {
            // keeps every cptr (l1 << l2Bits) | l2 non-negative, so comparisons need no unsigned care
            return Optional.of("L1 index " + (l1End - 1) + " shifted by " + l2Bits + " bits does not stay below 2^63");
        }
        if (reservedL1 < -1) {
            return Optional.of("reserved L1 index must be a slot or -1, got " + reservedL1);
        }
        if (l1End - l1First == 1 && reservedL1 == l1First) {
            return Optional.of("the only L1 index " + l1First + " is reserved");
        }
        return Optional.empty();
    }
}
