package org.capbuddy.kernel.cpu;

import org.capbuddy.kernel.api.VmRights;
import org.capbuddy.kernel.object.Pte;
import org.capbuddy.kernel.object.TranslationTable;
import org.capbuddy.kernel.object.VSpace;
import org.capbuddy.kernel.vm.PageTableWalker;

/**
 * The EL0 view of the MMU: translates a user access through a VSpace's tables and checks it
 * against the page's rights, producing the VM fault the hardware would raise when it fails.
 *
 * <p>A translation fault is reported at the level whose entry was invalid; a permission fault at
 * the level of the page or block entry. Addresses at or above 2^47 are outside the user half and
 * fault at level 0, as does any access through a VSpace that has no valid ASID.
 */
public final class Mmu {
    private Mmu() {
    }

    /** The outcome of an access of {@code kind} to {@code vaddr} by code at {@code ip}, as a record. */
    public static Translation translate(VSpace vspace, long vaddr, AccessKind kind, long ip) {
        long walk = walk(vspace, vaddr, kind);
        if (Walk.isFault(walk)) {
            return new Translation(0, 0, 0, false, VmFault.of(ip, vaddr, kind, Walk.faultStatus(walk)));
        }
        int pageBits = Walk.pageBits(walk);
        return new Translation(Walk.paddr(walk), vaddr & -(1L << pageBits), pageBits, Walk.writable(walk), null);
    }

    /**
     * The outcome of an access of {@code kind} to {@code vaddr}, packed as {@link Walk} draws it:
     * the CPU's path, which builds nothing.
     */
    static long walk(VSpace vspace, long vaddr, AccessKind kind) {
        if (vspace == null || vspace.asid() == 0 || vaddr < 0 || vaddr > PageTableWalker.USER_TOP) {
            return Walk.fault(false, 0);
        }
        TranslationTable table = vspace;
        int bitsLeft = PageTableWalker.ROOT_BITS_LEFT;
        while (true) {
            Pte pte = table.entry(PageTableWalker.index(vaddr, bitsLeft));
            int level = PageTableWalker.level(bitsLeft);
            if (pte == null) {
                return Walk.fault(false, level);
            }
            if (pte instanceof Pte.Table next) {
                if (bitsLeft == PageTableWalker.PAGE_BITS) {
                    return Walk.fault(false, level);
                }
                table = next.table();
                bitsLeft -= TranslationTable.INDEX_BITS;
                continue;
            }
            Pte.Page page = (Pte.Page) pte;
            if (!permits(page, kind)) {
                return Walk.fault(true, level);
            }
            long offsetMask = (1L << bitsLeft) - 1;
            return Walk.translated(page.frame().paddr() + (vaddr & offsetMask), bitsLeft,
                    page.rights() == VmRights.READ_WRITE);
        }
    }

    private static boolean permits(Pte.Page page, AccessKind kind) {
        return switch (kind) {
            case READ -> page.rights() != VmRights.KERNEL_ONLY;
            case WRITE -> page.rights() == VmRights.READ_WRITE;
            case EXECUTE -> page.rights() != VmRights.KERNEL_ONLY && !page.executeNever();
        };
    }
}
