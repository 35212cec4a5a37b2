package org.capbuddy.kernel.object;

import org.capbuddy.kernel.api.VmRights;

/**
 * A valid entry of an AArch64 translation table: either a table entry pointing to the next
 * level, or a page/block entry mapping a frame with its rights and attributes.
 */
public sealed interface Pte {

    /** A table descriptor: the next level of the walk. */
    record Table(PageTable table) implements Pte {
    }

    /** A page (level 3) or block (levels 1 and 2) descriptor. */
    record Page(Frame frame, VmRights rights, boolean executeNever, boolean cacheable) implements Pte {
    }
}
