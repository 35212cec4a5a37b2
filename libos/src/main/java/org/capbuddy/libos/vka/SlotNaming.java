package org.capbuddy.libos.vka;

/**
 * How a CSpace names its slots for invocations: every field of a {@link CSpacePath} but the
 * cptr and the window, as functions of the cptr, so that a hot path can address a slot by its
 * cptr alone and build no path. {@link #path} is the path they make.
 */
public interface SlotNaming {
    /** The CNode that CNode invocations resolve every cptr from. */
    long root();

    /** The depth every cptr is resolved to: by default 64, all of a cptr's bits. */
    default int depth() {
        return 64;
    }

    /**
     * As a Retype or copy destination: the CNode holding slot {@code cptr}, named from {@link
     * #root()}. By default the root CNode itself ({@code 0} at depth 0), as in a single-level CSpace.
     */
    default long destIndex(long cptr) {
        return 0;
    }

    /** The depth {@link #destIndex} is resolved to (0 by default: the root itself). */
    default int destDepth() {
        return 0;
    }

    /** The slot's offset in the CNode {@link #destIndex} names (by default the cptr: a root slot). */
    default long destOffset(long cptr) {
        return cptr;
    }

    /** The path of slot {@code cptr}: {@code (root, cptr, depth, destIndex, destDepth, destOffset, 1)}. */
    default CSpacePath path(long cptr) {
        return new CSpacePath(root(), cptr, depth(), destIndex(cptr), destDepth(), destOffset(cptr), 1);
    }

    /** The slots of a single-level root CNode addressed with depth 64 (the naming of {@link CSpacePath#ofRootSlot}). */
    static SlotNaming rootSlots(long root) {
        return () -> root;
    }
}
