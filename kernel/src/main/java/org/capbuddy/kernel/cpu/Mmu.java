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

    public static Translation translate(VSpace vspace, long vaddr, AccessKind kind, long ip) {
        if (vspace == null || vspace.asid() == 0 || vaddr < 0 || vaddr > PageTableWalker.USER_TOP) {
            return fault(vaddr, kind, ip, false, 0);
        }
        TranslationTable table = vspace;
        int bitsLeft = PageTableWalker.ROOT_BITS_LEFT;
        while (true) {
            Pte pte = table.entry(PageTableWalker.index(vaddr, bitsLeft));
            int level = PageTableWalker.level(bitsLeft);
            if (pte == null) {
                return fault(vaddr, kind, ip, false, level);
            }
            if (pte instanceof Pte.Table next) {
                if (bitsLeft == PageTableWalker.PAGE_BITS) {
                    return fault(vaddr, kind, ip, false, level);
                }
                table = next.table();
                bitsLeft -= TranslationTable.INDEX_BITS;
                continue;
            }
            Pte.Page page = (Pte.Page) pte;
            if (!permits(page, kind)) {
                return fault(vaddr, kind, ip, true, level);
            }
            long offsetMask = (1L << bitsLeft) - 1;
            long pageVaddr = vaddr & ~offsetMask;
            return new Translation(page.frame().paddr() + (vaddr & offsetMask), pageVaddr, bitsLeft,
                    page.rights() == VmRights.READ_WRITE, null);
        }
    }

    private static boolean permits(Pte.Page page, AccessKind kind) {
        return switch (kind) {
            case READ -> page.rights() != VmRights.KERNEL_ONLY;
            case WRITE -> page.rights() == VmRights.READ_WRITE;
            case EXECUTE -> page.rights() != VmRights.KERNEL_ONLY && !page.executeNever();
        };
    }

    private static Translation fault(long vaddr, AccessKind kind, long ip, boolean permission, int level) {
        return new Translation(0, 0, 0, false, VmFault.of(ip, vaddr, kind, permission, level));
    }
}
