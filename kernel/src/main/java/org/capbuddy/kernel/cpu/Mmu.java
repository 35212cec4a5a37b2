package org.capbuddy.kernel.cpu;

import org.capbuddy.kernel.api.VmRights;
import org.capbuddy.kernel.object.Frame;
import org.capbuddy.kernel.object.PageTable;
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
            int index = PageTableWalker.index(vaddr, bitsLeft);
            Object target = table.target(index);
            int level = PageTableWalker.level(bitsLeft);
            if (target == null) {
                return fault(vaddr, kind, ip, false, level);
            }
            if (target instanceof PageTable next) {
                if (bitsLeft == PageTableWalker.PAGE_BITS) {
                    return fault(vaddr, kind, ip, false, level);
                }
                table = next;
                bitsLeft -= TranslationTable.INDEX_BITS;
                continue;
            }
            Frame frame = (Frame) target;
            int attrs = table.attributes(index);
            VmRights rights = TranslationTable.rights(attrs);
            if (!permits(rights, attrs, kind)) {
                return fault(vaddr, kind, ip, true, level);
            }
            long offsetMask = (1L << bitsLeft) - 1;
            long pageVaddr = vaddr & ~offsetMask;
            return new Translation(frame.paddr() + (vaddr & offsetMask), pageVaddr, bitsLeft,
                    rights == VmRights.READ_WRITE, null);
        }
    }

    private static boolean permits(VmRights rights, int attrs, AccessKind kind) {
        return switch (kind) {
            case READ -> rights != VmRights.KERNEL_ONLY;
            case WRITE -> rights == VmRights.READ_WRITE;
            case EXECUTE -> rights != VmRights.KERNEL_ONLY && !TranslationTable.executeNever(attrs);
        };
    }

    private static Translation fault(long vaddr, AccessKind kind, long ip, boolean permission, int level) {
        return new Translation(0, 0, 0, false, VmFault.of(ip, vaddr, kind, permission, level));
    }
}
