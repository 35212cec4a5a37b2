package org.capbuddy.kernel.invocation;

import org.capbuddy.kernel.api.InvocationLabel;
import org.capbuddy.kernel.api.InvocationResult;
import org.capbuddy.kernel.api.Sel4Error;
import org.capbuddy.kernel.cap.Cap;
import org.capbuddy.kernel.cap.CapRelations;
import org.capbuddy.kernel.cap.Slot;
import org.capbuddy.kernel.object.Tcb;
import org.capbuddy.kernel.object.ThreadState;

/**
 * The TCB invocations the memory model needs: SetSpace (non-MCS: MR0 fault endpoint cptr, MR1
 * CSpace root data, MR2 VSpace root data; extra caps CSpace root and VSpace root), Resume and
 * Suspend. The other TCB labels (registers, priorities, IPC buffer, notifications) are not
 * modelled and return IllegalOperation.
 */
final class TcbInvocations {
    private TcbInvocations() {
    }

    static InvocationResult decode(KernelState k, InvocationLabel label, Tcb tcb, IpcBuffer m, ExtraCaps extra) {
        return switch (label) {
            case TCB_SET_SPACE -> setSpace(k, tcb, m, extra);
            case TCB_RESUME -> {
                if (tcb.state() == ThreadState.INACTIVE) {
                    tcb.setState(ThreadState.RUNNING);
                }
                yield InvocationResult.ok();
            }
            case TCB_SUSPEND -> {
                tcb.setState(ThreadState.INACTIVE);
                yield InvocationResult.ok();
            }
            default -> InvocationResult.error(Sel4Error.ILLEGAL_OPERATION);
        };
    }

    private static InvocationResult setSpace(KernelState k, Tcb tcb, IpcBuffer m, ExtraCaps extra) {
        if (m.length() < 3 || extra.count() < 2) {
            return InvocationResult.error(Sel4Error.TRUNCATED_MESSAGE);
        }
        long faultEndpoint = m.word(0);
        long cRootData = m.word(1);
        long vRootData = m.word(2);
        Slot cRootSlot = extra.slot(0);
        Slot vRootSlot = extra.slot(1);

        Derivation cRoot = deriveWithData(k, cRootSlot, cRootData);
        if (cRoot.error() != null) {
            return cRoot.error();
        }
        if (!(cRoot.cap() instanceof Cap.CNodeCap)) {
            return InvocationResult.error(Sel4Error.ILLEGAL_OPERATION);
        }
        Derivation vRoot = deriveWithData(k, vRootSlot, vRootData);
        if (vRoot.error() != null) {
            return vRoot.error();
        }
        if (!(vRoot.cap() instanceof Cap.VSpaceCap v) || v.asid() == 0) {
            return InvocationResult.error(Sel4Error.ILLEGAL_OPERATION);
        }

        tcb.setFaultEndpoint(faultEndpoint);
        replace(k, tcb.cspaceRootSlot(), cRootSlot, cRoot.cap());
        replace(k, tcb.vspaceRootSlot(), vRootSlot, vRoot.cap());
        return InvocationResult.ok();
    }

    private record Derivation(Cap cap, InvocationResult error) {
    }

    private static Derivation deriveWithData(KernelState k, Slot slot, long data) {
        if (slot.isEmpty()) {
            return new Derivation(null, null);
        }
        Cap cap = data != 0 ? CapDerivation.updateData(false, data, slot.cap()) : slot.cap();
        if (cap == null) {
            return new Derivation(null, null);
        }
        InvocationResult refused = CapDerivation.deriveError(k, slot, cap);
        return refused != null ? new Derivation(null, refused) : new Derivation(CapDerivation.derive(cap), null);
    }

    /** Empties the TCB's own slot, then installs a copy derived from the source, if it is still there. */
    private static void replace(KernelState k, Slot tcbSlot, Slot source, Cap cap) {
        k.deleter().delete(tcbSlot);
        if (!source.isEmpty() && CapRelations.sameObjectAs(source.cap(), cap)) {
            k.cdt().insertDerived(source, tcbSlot, cap);
        }
    }
}
