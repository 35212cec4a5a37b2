package org.capbuddy.libos.vka;

/**
 * How a CSpace names its slots for invocations: every field of a {@link CSpacePath} but the
 * cptr and the window, as functions of the cptr, so that a hot path can address a slot by its
 * cptr alone and build no path. {@link #path} is the path they make.
 */
public interface SlotNaming {
    /** The CNode that CNode invocations resolve every cptr from. */
    long root();

    /** The depth every cptr is resolved to. */
    int depth();

    /** As a Retype or copy destination: the CNode holding slot {@code cptr}, named from {@link #root()}. */
    long destIndex(long cptr);

    /** The depth {@link #destIndex} is resolved to. */
    int destDepth();

    /** The slot's offset in the CNode {@link #destIndex} names. */
    long destOffset(long cptr);

    /** The path of slot {@code cptr}: {@code (root, cptr, depth, destIndex, destDepth, destOffset, 1)}. */
    default CSpacePath path(long cptr) {
        return new CSpacePath(root(), cptr, depth(), destIndex(cptr), destDepth(), destOffset(cptr), 1);
    }

    /** The slots of a single-level root CNode addressed with depth 64 (the naming of {@link CSpacePath#ofRootSlot}). */
    static SlotNaming rootSlots(long root) {
        return new SlotNaming() {
            @Override
            public long root() {
                return root;
            }

            @Override
            public int depth() {
                return 64;
            }

            @Override
            public long destIndex(long cptr) {
                return 0;
            }

            @Override
            public int destDepth() {
                return 0;
            }

            @Override
            public long destOffset(long cptr) {
                return cptr;
            }
        };
    }
}
