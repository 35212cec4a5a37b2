package org.capbuddy.kernel.vm;

import org.capbuddy.kernel.object.PageTable;
import org.capbuddy.kernel.object.TranslationTable;
import org.capbuddy.kernel.object.VSpace;

/**
 * The AArch64 4-level walk (48-bit VA, 4 KiB granule, 9 bits per level): seL4's
 * {@code lookupPTSlot}. It descends while the entry is a table and a deeper level exists.
 */
public final class PageTableWalker {
    /** {@code seL4_UserTop}: the highest user virtual address (inclusive). */
    public static final long USER_TOP = 0x7FFF_FFFF_FFFFL;
    public static final int ROOT_BITS_LEFT = 39;
    public static final int PAGE_BITS = 12;

    private PageTableWalker() {
    }

    public static PtSlot lookup(VSpace vspace, long vaddr) {
        TranslationTable table = vspace;
        int bitsLeft = ROOT_BITS_LEFT;
        int index = index(vaddr, bitsLeft);
        while (bitsLeft > PAGE_BITS && table.target(index) instanceof PageTable next) {
            table = next;
            bitsLeft -= TranslationTable.INDEX_BITS;
            index = index(vaddr, bitsLeft);
        }
        return new PtSlot(table, index, bitsLeft);
    }

    /** The entry index at the level whose entries translate {@code bitsLeft} bits. */
    public static int index(long vaddr, int bitsLeft) {
        return (int) ((vaddr >>> bitsLeft) & (TranslationTable.ENTRIES - 1));
    }

    /** The level (0..3) of a table whose entries translate {@code bitsLeft} bits. */
    public static int level(int bitsLeft) {
        return (ROOT_BITS_LEFT - bitsLeft) / TranslationTable.INDEX_BITS;
    }
}
