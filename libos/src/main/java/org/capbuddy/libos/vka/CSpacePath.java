package org.capbuddy.libos.vka;

/**
 * A fully described capability slot ({@code cspacepath_t}): {@code (root, capPtr, capDepth)}
 * addresses the slot for CNode invocations; {@code (root, dest, destDepth, offset)} names it as a
 * Retype or copy destination; {@code window} counts consecutive slots starting here (CapBuddy
 * uses it for the number of frames in a block).
 */
public record CSpacePath(long root, long capPtr, int capDepth, long dest, int destDepth, long offset, int window) {

    /** A path to one slot of a single-level root CNode addressed with depth 64. */
    public static CSpacePath ofRootSlot(long root, long slot) {
        return new CSpacePath(root, slot, 64, 0, 0, slot, 1);
    }

    public CSpacePath withWindow(int slots) {
        return new CSpacePath(root, capPtr, capDepth, dest, destDepth, offset, slots);
    }
}
