package org.capbuddy.kernel.invocation;

import org.capbuddy.kernel.api.CapRights;
import org.capbuddy.kernel.api.InvocationLabel;
import org.capbuddy.kernel.api.InvocationResult;
import org.capbuddy.kernel.api.LookupFailure;
import org.capbuddy.kernel.api.Sel4Error;
import org.capbuddy.kernel.cap.Cap;
import org.capbuddy.kernel.cap.Slot;

/**
 * CNode invocations (seL4's {@code decodeCNodeInvocation}): Copy, Mint, Move, Mutate, Rotate,
 * Delete, Revoke, SaveCaller and CancelBadgedSends, each with seL4's checks in seL4's order.
 * Index and depth arguments are resolved relative to the invoked CNode cap.
 */
final class CNodeInvocations {
    private CNodeInvocations() {
    }

    static InvocationResult decode(KernelState k, InvocationLabel label, Cap.CNodeCap cnode, IpcBuffer m,
                                   ExtraCaps extra) {
        if (label.number() < InvocationLabel.CNODE_REVOKE.number()
                || label.number() > InvocationLabel.CNODE_SAVE_CALLER.number()) {
            return InvocationResult.error(Sel4Error.ILLEGAL_OPERATION);
        }
        if (m.length() < 2) {
            return InvocationResult.error(Sel4Error.TRUNCATED_MESSAGE);
        }
        Slot dest = SlotLookups.forCNodeOp(cnode, m.word(0), m.word(1));
        if (dest == null) {
            return SlotLookups.failure(false, cnode, m.word(0), m.word(1));
        }
        return switch (label) {
            case CNODE_COPY, CNODE_MINT, CNODE_MOVE, CNODE_MUTATE -> copyFamily(k, label, dest, m, extra);
            case CNODE_REVOKE -> {
                k.deleter().revoke(dest);
                yield InvocationResult.ok();
            }
            case CNODE_DELETE -> {
                k.deleter().delete(dest);
                yield InvocationResult.ok();
            }
            case CNODE_SAVE_CALLER -> dest.isEmpty()
                    ? InvocationResult.ok()
                    : InvocationResult.error(Sel4Error.DELETE_FIRST);
            case CNODE_CANCEL_BADGED_SENDS -> dest.cap() instanceof Cap.EndpointCap ep
                    && ep.rights().word() == CapRights.ALL.word()
                    ? InvocationResult.ok()
                    : InvocationResult.error(Sel4Error.ILLEGAL_OPERATION);
            case CNODE_ROTATE -> rotate(k, dest, m, extra);
            default -> InvocationResult.error(Sel4Error.ILLEGAL_OPERATION);
        };
    }

    private static InvocationResult copyFamily(KernelState k, InvocationLabel label, Slot dest, IpcBuffer m,
                                               ExtraCaps extra) {
        if (m.length() < 4 || extra.count() < 1) {
            return InvocationResult.error(Sel4Error.TRUNCATED_MESSAGE);
        }
        long srcIndex = m.word(2);
        long srcDepth = m.word(3);
        if (!dest.isEmpty()) {
            return InvocationResult.error(Sel4Error.DELETE_FIRST);
        }
        Cap srcRoot = extra.slot(0).cap();
        Slot source = SlotLookups.forCNodeOp(srcRoot, srcIndex, srcDepth);
        if (source == null) {
            return SlotLookups.failure(true, srcRoot, srcIndex, srcDepth);
        }
        if (source.isEmpty()) {
            return InvocationResult.failedLookup(true, LookupFailure.missingCapability((int) srcDepth));
        }
        Cap newCap;
        boolean move;
        switch (label) {
            case CNODE_COPY -> {
                if (m.length() < 5) {
                    return InvocationResult.error(Sel4Error.TRUNCATED_MESSAGE);
                }
                InvocationResult refused = CapDerivation.deriveError(k, source, source.cap());
                if (refused != null) {
                    return refused;
                }
                Cap derived = CapDerivation.derive(source.cap());
                newCap = derived == null ? null : CapDerivation.maskRights(CapRights.fromWord(m.word(4)), derived);
                move = false;
            }
            case CNODE_MINT -> {
                if (m.length() < 6) {
                    return InvocationResult.error(Sel4Error.TRUNCATED_MESSAGE);
                }
                InvocationResult refused = CapDerivation.deriveError(k, source, source.cap());
                if (refused != null) {
                    return refused;
                }
                Cap derived = CapDerivation.derive(source.cap());
                newCap = derived == null ? null : CapDerivation.updateData(false, m.word(5),
                        CapDerivation.maskRights(CapRights.fromWord(m.word(4)), derived));
                move = false;
            }
            case CNODE_MOVE -> {
                newCap = source.cap();
                move = true;
            }
            default -> {
                if (m.length() < 5) {
                    return InvocationResult.error(Sel4Error.TRUNCATED_MESSAGE);
                }
                newCap = CapDerivation.updateData(true, m.word(4), source.cap());
                move = true;
            }
        }
        if (newCap == null) {
            return InvocationResult.error(Sel4Error.ILLEGAL_OPERATION);
        }
        if (move) {
            k.cdt().move(source, dest, newCap);
        } else {
            k.cdt().insertDerived(source, dest, newCap);
        }
        return InvocationResult.ok();
    }

    /**
     * Rotate: pivot moves to dest (rewritten with MR2), source moves to pivot (rewritten with
     * MR5); when dest and source are the same slot the two caps swap.
     *
     * <p>seL4 looks the pivot up as a source ({@code lookupPivotSlot} passes isSource = true), so
     * a failed pivot lookup reports MR0 = 1, while an empty pivot slot found afterwards reports
     * MR0 = 0.
     */
    private static InvocationResult rotate(KernelState k, Slot dest, IpcBuffer m, ExtraCaps extra) {
        if (m.length() < 8 || extra.count() < 2) {
            return InvocationResult.error(Sel4Error.TRUNCATED_MESSAGE);
        }
        long pivotNewData = m.word(2);
        long pivotIndex = m.word(3);
        long pivotDepth = m.word(4);
        long srcNewData = m.word(5);
        long srcIndex = m.word(6);
        long srcDepth = m.word(7);
        Cap srcRoot = extra.slot(1).cap();
        Slot source = SlotLookups.forCNodeOp(srcRoot, srcIndex, srcDepth);
        if (source == null) {
            return SlotLookups.failure(true, srcRoot, srcIndex, srcDepth);
        }
        Cap pivotRoot = extra.slot(0).cap();
        Slot pivotSlot = SlotLookups.forCNodeOp(pivotRoot, pivotIndex, pivotDepth);
        if (pivotSlot == null) {
            return SlotLookups.failure(true, pivotRoot, pivotIndex, pivotDepth);
        }
        if (pivotSlot == source || pivotSlot == dest) {
            return InvocationResult.error(Sel4Error.ILLEGAL_OPERATION);
        }
        if (source != dest && !dest.isEmpty()) {
            return InvocationResult.error(Sel4Error.DELETE_FIRST);
        }
        if (source.isEmpty()) {
            return InvocationResult.failedLookup(true, LookupFailure.missingCapability((int) srcDepth));
        }
        if (pivotSlot.isEmpty()) {
            return InvocationResult.failedLookup(false, LookupFailure.missingCapability((int) pivotDepth));
        }
        Cap newSrcCap = CapDerivation.updateData(true, srcNewData, source.cap());
        Cap newPivotCap = CapDerivation.updateData(true, pivotNewData, pivotSlot.cap());
        if (newSrcCap == null || newPivotCap == null) {
            return InvocationResult.error(Sel4Error.ILLEGAL_OPERATION);
        }
        if (source == dest) {
            k.cdt().swap(source, newPivotCap, pivotSlot, newSrcCap);
        } else {
            k.cdt().move(pivotSlot, dest, newPivotCap);
            k.cdt().move(source, pivotSlot, newSrcCap);
        }
        return InvocationResult.ok();
    }
}
