package org.capbuddy.kernel.invocation;

import org.capbuddy.kernel.api.InvocationLabel;
import org.capbuddy.kernel.api.InvocationResult;
import org.capbuddy.kernel.api.Sel4Error;
import org.capbuddy.kernel.cap.Cap;
import org.capbuddy.kernel.cap.Slot;
import org.capbuddy.kernel.object.PageTable;
import org.capbuddy.kernel.object.VSpace;
import org.capbuddy.kernel.vm.PageTableWalker;
import org.capbuddy.kernel.vm.PtSlot;

/**
 * PageTable invocations (seL4's {@code decodeARMPageTableInvocation}). A table is installed at the
 * first missing level of the walk for the given address, so the first 4 KiB page of an empty
 * 512 GiB region takes three PageTable_Map calls. Unmap needs the final cap, detaches the table
 * and clears it: everything mapped beneath disappears.
 */
final class PageTableInvocations {
    private PageTableInvocations() {
    }

    static InvocationResult decode(KernelState k, InvocationLabel label, Slot ptSlot, IpcBuffer m, ExtraCaps extra) {
        Cap.PageTableCap cap = (Cap.PageTableCap) ptSlot.cap();
        if (label == InvocationLabel.ARM_PAGE_TABLE_UNMAP) {
            if (!k.cdt().isFinal(ptSlot)) {
                return InvocationResult.error(Sel4Error.REVOKE_FIRST);
            }
            if (cap.mapped()) {
                PageTable table = cap.table();
                VSpace root = CapDeleter.rootOf(table);
                CapDeleter.countUnmapWalk(k, cap);
                CapDeleter.detach(table);
                table.clear();
                // clearMemory_PT: the whole table is zeroed, entries and all
                k.counters().bytesZeroed(table.size());
                if (root != null) {
                    root.translationsChanged();
                }
            }
            ptSlot.updateCap(cap.unmapped());
            return InvocationResult.ok();
        }
        if (label != InvocationLabel.ARM_PAGE_TABLE_MAP) {
            return InvocationResult.error(Sel4Error.ILLEGAL_OPERATION);
        }
        if (m.length() < 2 || extra.count() < 1) {
            return InvocationResult.error(Sel4Error.TRUNCATED_MESSAGE);
        }
        long vaddr = m.word(0);
        if (cap.mapped()) {
            return InvocationResult.invalidCapability(0);
        }
        Cap rootCap = extra.slot(0).cap();
        InvocationResult badRoot = VSpaceCheck.rootError(rootCap, VSpaceCheck.ARGUMENT_CAP);
        if (badRoot != null) {
            return badRoot;
        }
        if (Long.compareUnsigned(vaddr, PageTableWalker.USER_TOP) > 0) {
            return InvocationResult.invalidArgument(0);
        }
        Cap.VSpaceCap root = (Cap.VSpaceCap) rootCap;
        InvocationResult badAsid = VSpaceCheck.asidError(k, root, VSpaceCheck.ARGUMENT_CAP);
        if (badAsid != null) {
            return badAsid;
        }
        PtSlot slot = CapDeleter.lookup(k, root.vspace(), vaddr);
        if (slot.bitsLeft() == PageTableWalker.PAGE_BITS || slot.table().isValid(slot.index())) {
            return InvocationResult.error(Sel4Error.DELETE_FIRST);
        }
        PageTable table = cap.table();
        slot.table().mapTable(slot.index(), table);
        table.installedIn(slot.table(), slot.index());
        long base = vaddr & ~((1L << slot.bitsLeft()) - 1);
        ptSlot.updateCap(new Cap.PageTableCap(table, true, root.asid(), base));
        return InvocationResult.ok();
    }
}
