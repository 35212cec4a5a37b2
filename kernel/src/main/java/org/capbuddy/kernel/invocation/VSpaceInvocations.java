package org.capbuddy.kernel.invocation;

import org.capbuddy.kernel.api.InvocationLabel;
import org.capbuddy.kernel.api.InvocationResult;
import org.capbuddy.kernel.api.Sel4Error;
import org.capbuddy.kernel.cap.Cap;
import org.capbuddy.kernel.vm.PageTableWalker;
import org.capbuddy.kernel.vm.PtSlot;

/**
 * VSpace invocations (seL4's {@code decodeARMVSpaceRootInvocation}): the four cache-maintenance
 * methods Clean_Data, Invalidate_Data, CleanInvalidate_Data and Unify_Instruction on a range of
 * virtual addresses, with seL4's checks (at EL1, without hypervisor support) in seL4's order. Any
 * other label is IllegalOperation.
 *
 * <p>The range [start, end) must lie within the one page or block that maps {@code start}. If
 * nothing maps {@code start} the call succeeds at once: there can be no stale cached data there.
 * The model has no caches, so a flush that passes the checks changes nothing.
 */
final class VSpaceInvocations {
    private VSpaceInvocations() {
    }

    static InvocationResult decode(KernelState k, InvocationLabel label, Cap.VSpaceCap cap, IpcBuffer m) {
        return switch (label) {
            case ARM_VSPACE_CLEAN_DATA, ARM_VSPACE_INVALIDATE_DATA, ARM_VSPACE_CLEAN_INVALIDATE_DATA,
                 ARM_VSPACE_UNIFY_INSTRUCTION -> flush(k, label, cap, m);
            default -> InvocationResult.error(Sel4Error.ILLEGAL_OPERATION);
        };
    }

    /** MR0 is the start address (inclusive), MR1 the end address (exclusive). */
    private static InvocationResult flush(KernelState k, InvocationLabel label, Cap.VSpaceCap cap, IpcBuffer m) {
        if (m.length() < 2) {
            return InvocationResult.error(Sel4Error.TRUNCATED_MESSAGE);
        }
        long start = m.word(0);
        long end = m.word(1);
        if (Long.compareUnsigned(end, start) <= 0) {
            return InvocationResult.invalidArgument(1);
        }
        // No flushing of kernel addresses. seL4 compares the exclusive end with the inclusive top,
        // so a range ending at the very last user byte is refused too.
        if (Long.compareUnsigned(end, PageTableWalker.USER_TOP) > 0) {
            return InvocationResult.error(Sel4Error.ILLEGAL_OPERATION);
        }
        InvocationResult badRoot = VSpaceCheck.rootError(cap, VSpaceCheck.INVOKED_CAP);
        if (badRoot != null) {
            return badRoot;
        }
        InvocationResult badAsid = VSpaceCheck.asidError(k, cap, VSpaceCheck.INVOKED_CAP);
        if (badAsid != null) {
            return badAsid;
        }
        PtSlot slot = CapDeleter.lookup(k, cap.vspace(), start);
        if (slot.table().frameAt(slot.index()) == null) {
            return InvocationResult.ok();
        }
        long pageMask = (1L << slot.bitsLeft()) - 1;
        long pageBase = start & ~pageMask;
        if (pageBase != ((end - 1) & ~pageMask)) {
            return InvocationResult.rangeError(start, pageBase + pageMask);
        }
        // Data invalidation at EL1 (DC IVAC) needs a writable mapping.
        if (label == InvocationLabel.ARM_VSPACE_INVALIDATE_DATA && !FrameInvocations.isReadWrite(slot)) {
            return InvocationResult.error(Sel4Error.ILLEGAL_OPERATION);
        }
        return InvocationResult.ok();
    }
}
