package org.capbuddy.sos.isolation;

import java.util.NavigableMap;
import java.util.TreeMap;
import org.capbuddy.kernel.Kernel;
import org.capbuddy.kernel.cap.Cap;
import org.capbuddy.kernel.object.Pte;
import org.capbuddy.kernel.object.TranslationTable;
import org.capbuddy.kernel.object.VSpace;
import org.capbuddy.kernel.vm.PageTableWalker;

/**
 * What the kernel's page tables really map in one VSpace, read straight from the translation
 * tables (not from SOS's shadow of them), so that a test can judge SOS by the hardware's view.
 */
public final class KernelMappings {
    private KernelMappings() {
    }

    /** The VSpace object that the root task's {@code cptr} names, or null if it names none. */
    public static VSpace vspace(Kernel kernel, long cptr) {
        return kernel.rootTaskCap(cptr) instanceof Cap.VSpaceCap v ? v.vspace() : null;
    }

    /** The frame cap that the root task's {@code cptr} names, or null if it names none. */
    public static Cap.FrameCap frameCap(Kernel kernel, long cptr) {
        return kernel.rootTaskCap(cptr) instanceof Cap.FrameCap f ? f : null;
    }

    /** Every page or block entry of {@code vspace}, by the virtual address it maps. */
    public static NavigableMap<Long, Pte.Page> pages(VSpace vspace) {
        NavigableMap<Long, Pte.Page> out = new TreeMap<>();
        walk(vspace, 0, PageTableWalker.ROOT_BITS_LEFT, out);
        return out;
    }

    /** The entry mapping {@code vaddr}'s page in the root task's VSpace {@code cptr}, or null. */
    public static Pte.Page pageAt(Kernel kernel, long vspaceCptr, long vaddr) {
        VSpace v = vspace(kernel, vspaceCptr);
        if (v == null) {
            return null;
        }
        TranslationTable table = v;
        for (int bitsLeft = PageTableWalker.ROOT_BITS_LEFT; ; bitsLeft -= TranslationTable.INDEX_BITS) {
            Pte pte = table.entry(PageTableWalker.index(vaddr, bitsLeft));
            if (pte instanceof Pte.Page page) {
                return page;
            }
            if (!(pte instanceof Pte.Table next) || bitsLeft == PageTableWalker.PAGE_BITS) {
                return null;
            }
            table = next.table();
        }
    }

    private static void walk(TranslationTable table, long base, int bitsLeft, NavigableMap<Long, Pte.Page> out) {
        for (int i = 0; i < TranslationTable.ENTRIES; i++) {
            Pte pte = table.entry(i);
            long va = base | ((long) i << bitsLeft);
            if (pte instanceof Pte.Page page) {
                out.put(va, page);
            } else if (pte instanceof Pte.Table next && bitsLeft > PageTableWalker.PAGE_BITS) {
                walk(next.table(), va, bitsLeft - TranslationTable.INDEX_BITS, out);
            }
        }
    }
}
