package org.capbuddy.kernel.object;

import org.capbuddy.kernel.api.VmRights;

/**
 * A valid entry of an AArch64 translation table as a value: either a table entry pointing to the
 * next level, or a page/block entry mapping a frame with its rights and attributes. Tables do not
 * store these (see {@link TranslationTable}'s packed entries); {@link TranslationTable#entry}
 * makes one on demand for callers that read a table entry by entry, such as audits and tests.
 */
public sealed interface Pte {

    /** A table descriptor: the next level of the walk. */
    record Table(PageTable table) implements Pte {
    }

    /** A page (level 3) or block (levels 1 and 2) descriptor. */
    record Page(Frame frame, VmRights rights, boolean executeNever, boolean cacheable) implements Pte {
    }
}
