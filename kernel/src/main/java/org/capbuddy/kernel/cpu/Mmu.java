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
            int index = PageTableWalker.index(vaddr, bitsLeft);
            Object target = table.target(index);
            int level = PageTableWalker.level(bitsLeft);
            if (target == null) {
                return Walk.fault(false, level);
            }
            if (target instanceof PageTable next) {
                if (bitsLeft == PageTableWalker.PAGE_BITS) {
                    return Walk.fault(false, level);
                }
                table = next;
                bitsLeft -= TranslationTable.INDEX_BITS;
                continue;
            }
            Frame frame = (Frame) target;
            int attrs = table.attributes(index);
            VmRights rights = TranslationTable.rights(attrs);
            if (!permits(rights, attrs, kind)) {
                return Walk.fault(true, level);
            }
            long offsetMask = (1L << bitsLeft) - 1;
            return Walk.translated(frame.paddr() + (vaddr & offsetMask), bitsLeft, rights == VmRights.READ_WRITE);
        }
    }

    private static boolean permits(VmRights rights, int attrs, AccessKind kind) {
        return switch (kind) {
            case READ -> rights != VmRights.KERNEL_ONLY;
            case WRITE -> rights == VmRights.READ_WRITE;
            // AArch64 lets EL0 fetch from a page it cannot read (AP 00, UXN clear); seL4 now sets
            // execute-never on every kernel-only page (seL4 PR #1749) so that no rights means no access.
            case EXECUTE -> rights != VmRights.KERNEL_ONLY && !TranslationTable.executeNever(attrs);
        };
    }
}
