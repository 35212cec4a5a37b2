package org.capbuddy.kernel.invocation;

import java.util.List;
import java.util.stream.IntStream;
import org.capbuddy.kernel.api.CapRights;
import org.capbuddy.kernel.api.InvocationLabel;
import org.capbuddy.kernel.api.InvocationResult;
import org.capbuddy.kernel.api.LookupFailure;
import org.capbuddy.kernel.api.Sel4Error;
import org.capbuddy.kernel.api.VmAttributes;
import org.capbuddy.kernel.api.VmRights;
import org.capbuddy.kernel.cap.Cap;
import org.capbuddy.kernel.cap.Slot;
import org.capbuddy.kernel.object.TranslationTable;
import org.capbuddy.kernel.object.VSpace;
import org.capbuddy.kernel.vm.PageTableWalker;
import org.capbuddy.kernel.vm.PtSlot;

/**
 * Frame invocations (seL4's {@code decodeARMFrameInvocation}): Page_Map, Page_Unmap,
 * Page_GetAddress and the four cache-maintenance methods (Clean_Data, Invalidate_Data,
 * CleanInvalidate_Data, Unify_Instruction).
 *
 * <p>A frame cap holds at most one mapping. Mapping it again at the same ASID and address is a
 * remap that changes rights and attributes; anywhere else is refused. The page can only be
 * mapped when every paging structure above it exists: otherwise FailedLookup, with the bits the
 * walk could not resolve in MR2. An existing page in the target entry is silently overwritten,
 * as on seL4/AArch64 today, leaving the old frame cap's mapping record stale.
 *
 * <p>The cache-maintenance methods run seL4's checks (at EL1, without hypervisor support) and then
 * succeed without doing anything: the model has no caches, so there is nothing to clean or
 * invalidate, and memory, mappings and translations stay as they were.
 */
final class FrameInvocations {
    /**
     * Page_Map's FailedLookup for a missing paging structure, one reply for each level the walk
     * can stop at (39, 30, 21 or 12 bits left), indexed by level. Allocators probe whether a frame
     * is mapped with a Page_Map that fails this way, so the reply is shared rather than rebuilt.
     */
    private static final List<InvocationResult> MISSING_STRUCTURE = IntStream
            .iterate(PageTableWalker.ROOT_BITS_LEFT, bits -> bits >= PageTableWalker.PAGE_BITS,
                    bits -> bits - TranslationTable.INDEX_BITS)
            .mapToObj(bits -> InvocationResult.failedLookup(false, LookupFailure.missingCapability(bits)))
            .toList();

    private FrameInvocations() {
    }

    static InvocationResult decode(KernelState k, InvocationLabel label, Slot frameSlot, IpcBuffer m, ExtraCaps extra) {
        Cap.FrameCap frame = Cap.FrameCap.from(frameSlot.cap());
        return switch (label) {
            case ARM_PAGE_MAP -> map(k, frameSlot, frame, m, extra);
            case ARM_PAGE_UNMAP -> {
                removeMapping(k, frame);
                frameSlot.updateCap(frame.unmapped());
                yield InvocationResult.ok();
            }
            case ARM_PAGE_GET_ADDRESS -> k.addressReplies().of(frame.frame().paddr());
            case ARM_PAGE_CLEAN_DATA, ARM_PAGE_INVALIDATE_DATA, ARM_PAGE_CLEAN_INVALIDATE_DATA,
                 ARM_PAGE_UNIFY_INSTRUCTION -> flush(k, label, frame, m);
            default -> InvocationResult.error(Sel4Error.ILLEGAL_OPERATION);
        };
    }

    private static InvocationResult map(KernelState k, Slot frameSlot, Cap.FrameCap frame, IpcBuffer m,
                                        ExtraCaps extra) {
        if (m.length() < 3 || extra.count() < 1) {
            return InvocationResult.error(Sel4Error.TRUNCATED_MESSAGE);
        }
        long vaddr = m.word(0);
        CapRights rights = CapRights.fromWord(m.word(1));
        long attributes = m.word(2);
        Cap rootCap = extra.slot(0).cap();
        InvocationResult badRoot = VSpaceCheck.error(k, rootCap);
        if (badRoot != null) {
            return badRoot;
        }
        Cap.VSpaceCap root = (Cap.VSpaceCap) rootCap;
        int asid = root.asid();
        long size = frame.frame().size();
        if ((vaddr & (size - 1)) != 0) {
            return InvocationResult.error(Sel4Error.ALIGNMENT_ERROR);
        }
        if (frame.isMapped()) {
            if (frame.mappedAsid() != asid) {
                return InvocationResult.invalidCapability(1);
            }
            if (frame.mappedVaddr() != vaddr) {
                return InvocationResult.invalidArgument(0);
            }
        } else if (Long.compareUnsigned(vaddr + size - 1, PageTableWalker.USER_TOP) > 0
                || Long.compareUnsigned(vaddr, PageTableWalker.USER_TOP) > 0) {
            return InvocationResult.invalidArgument(0);
        }
        PtSlot slot = CapDeleter.lookup(k, root.vspace(), vaddr);
        if (slot.bitsLeft() != frame.frame().sizeBits()) {
            return MISSING_STRUCTURE.get(PageTableWalker.level(slot.bitsLeft()));
        }
        boolean replaced = slot.table().isValid(slot.index());
        slot.table().mapPage(slot.index(), frame.frame(), frame.rights().mask(rights),
                (attributes & VmAttributes.EXECUTE_NEVER) != 0, (attributes & VmAttributes.PAGE_CACHEABLE) != 0);
        if (replaced) {
            root.vspace().translationsChanged();
        }
        frameSlot.updateCap(frame.mappedAt(asid, vaddr));
        return InvocationResult.ok();
    }

    /**
     * A cache-maintenance method on a frame. MR0 and MR1 are the start (inclusive) and end
     * (exclusive) offsets within the frame. seL4 at EL1 flushes through the frame's user mapping,
     * so the cap must be mapped and its mapping record must still be true.
     */
    private static InvocationResult flush(KernelState k, InvocationLabel label, Cap.FrameCap frame, IpcBuffer m) {
        if (m.length() < 2) {
            return InvocationResult.error(Sel4Error.TRUNCATED_MESSAGE);
        }
        if (!frame.isMapped()) {
            return InvocationResult.error(Sel4Error.ILLEGAL_OPERATION);
        }
        // The ASID the cap was mapped with may have lost its pool or VSpace since.
        VSpace vspace = k.asids().vspaceFor(frame.mappedAsid());
        if (vspace == null) {
            return InvocationResult.failedLookup(false, LookupFailure.invalidRoot());
        }
        long start = m.word(0);
        long end = m.word(1);
        if (Long.compareUnsigned(end, start) <= 0) {
            return InvocationResult.invalidArgument(1);
        }
        long size = frame.frame().size();
        if (Long.compareUnsigned(start, size) >= 0 || Long.compareUnsigned(end, size) > 0) {
            return InvocationResult.invalidArgument(0);
        }
        // Stale record: the page was over-mapped, its table unmapped, or the ASID now names another VSpace.
        PtSlot slot = CapDeleter.lookup(k, vspace, frame.mappedVaddr());
        if (!CapDeleter.mapsFrame(slot, frame.frame())) {
            return InvocationResult.invalidCapability(0);
        }
        // Data invalidation at EL1 (DC IVAC) needs a writable mapping.
        if (label == InvocationLabel.ARM_PAGE_INVALIDATE_DATA && !isReadWrite(slot)) {
            return InvocationResult.error(Sel4Error.ILLEGAL_OPERATION);
        }
        return InvocationResult.ok();
    }

    /** True when the entry is a page mapping that user level may read and write. */
    static boolean isReadWrite(PtSlot slot) {
        return slot.table().frameAt(slot.index()) != null && slot.table().rightsAt(slot.index()) == VmRights.READ_WRITE;
    }

    /**
     * Removes the mapping a frame cap records, if the entry still maps that frame at that size
     * (after an over-mapping it does not, and nothing happens). Never fails.
     */
    static void removeMapping(KernelState k, Cap.FrameCap frame) {
        if (!frame.isMapped()) {
            return;
        }
        VSpace vspace = k.asids().vspaceFor(frame.mappedAsid());
        if (vspace == null) {
            return;
        }
        PtSlot slot = CapDeleter.lookup(k, vspace, frame.mappedVaddr());
        if (CapDeleter.mapsFrame(slot, frame.frame())) {
            slot.table().clearEntry(slot.index());
            vspace.translationsChanged();
        }
    }
}
