package org.capbuddy.kernel.invocation;

import org.capbuddy.kernel.api.InvocationLabel;
import org.capbuddy.kernel.api.InvocationResult;
import org.capbuddy.kernel.api.Sel4Error;
import org.capbuddy.kernel.cap.Cap;
import org.capbuddy.kernel.cap.CapRelations;
import org.capbuddy.kernel.cap.Slot;
import org.capbuddy.kernel.cpu.UserContextLayout;
import org.capbuddy.kernel.object.Tcb;
import org.capbuddy.kernel.object.ThreadState;

/**
 * The TCB invocations the model needs: SetSpace (non-MCS: MR0 fault endpoint cptr, MR1
 * CSpace root data, MR2 VSpace root data; extra caps CSpace root and VSpace root), Resume, Suspend,
 * and ReadRegisters / WriteRegisters (MR0 flags, MR1 count, then for a write the registers, in
 * {@link UserContextLayout}'s order). The other TCB labels (priorities, IPC buffer, notifications)
 * are not modelled and return IllegalOperation.
 */
final class TcbInvocations {
    private TcbInvocations() {
    }

    /** {@code caller} is the thread making the invocation (seL4's {@code ksCurThread}). */
    static InvocationResult decode(KernelState k, InvocationLabel label, Tcb caller, Tcb tcb, IpcBuffer m,
                                   ExtraCaps extra) {
        return switch (label) {
            case TCB_SET_SPACE -> setSpace(k, tcb, m, extra);
            case TCB_RESUME -> {
                restart(tcb);
                yield InvocationResult.ok();
            }
            case TCB_SUSPEND -> {
                tcb.setState(ThreadState.INACTIVE);
                yield InvocationResult.ok();
            }
            case TCB_READ_REGISTERS -> readRegisters(caller, tcb, m);
            case TCB_WRITE_REGISTERS -> writeRegisters(caller, tcb, m);
            default -> InvocationResult.error(Sel4Error.ILLEGAL_OPERATION);
        };
    }

    /**
     * seL4's {@code restart}: a stopped thread (inactive, or blocked in IPC, as a thread waiting
     * for its fault's reply is) runs again and re-executes where it stopped; a running one is left
     * alone.
     */
    private static void restart(Tcb tcb) {
        if (tcb.state() != ThreadState.RUNNING) {
            tcb.setState(ThreadState.RUNNING);
        }
    }

    /** seL4's decodeReadRegisters and invokeTCB_ReadRegisters: flag bit 0 suspends the thread first. */
    private static InvocationResult readRegisters(Tcb caller, Tcb tcb, IpcBuffer m) {
        if (m.length() < 2) {
            return InvocationResult.error(Sel4Error.TRUNCATED_MESSAGE);
        }
        long flags = m.word(0);
        long n = m.word(1);
        if (n < 1 || n > UserContextLayout.REGISTERS) {
            return InvocationResult.rangeError(1, UserContextLayout.REGISTERS);
        }
        // seL4 refuses its own caller: the caller's registers carry this very call and its reply.
        if (tcb == caller) {
            return InvocationResult.error(Sel4Error.ILLEGAL_OPERATION);
        }
        if ((flags & 1) != 0) {
            tcb.setState(ThreadState.INACTIVE);
        }
        long[] words = new long[(int) n];
        for (int i = 0; i < n; i++) {
            words[i] = UserContextLayout.read(tcb.context(), i);
        }
        return InvocationResult.ok(words);
    }

    /**
     * seL4's decodeWriteRegisters and invokeTCB_WriteRegisters: the first {@code count} registers
     * (at most all 36) are set, sanitised; flag bit 0 then restarts a stopped thread.
     */
    private static InvocationResult writeRegisters(Tcb caller, Tcb tcb, IpcBuffer m) {
        if (m.length() < 2) {
            return InvocationResult.error(Sel4Error.TRUNCATED_MESSAGE);
        }
        long flags = m.word(0);
        long w = m.word(1);
        if (Long.compareUnsigned(m.length() - 2, w) < 0) {
            return InvocationResult.error(Sel4Error.TRUNCATED_MESSAGE);
        }
        // As for reading: the reply to this call would overwrite whatever was written.
        if (tcb == caller) {
            return InvocationResult.error(Sel4Error.ILLEGAL_OPERATION);
        }
        int n = (int) Math.min(w, UserContextLayout.REGISTERS);
        for (int i = 0; i < n; i++) {
            UserContextLayout.write(tcb.context(), i, m.word(i + 2));
        }
        if ((flags & 1) != 0) {
            restart(tcb);
        }
        return InvocationResult.ok();
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
        if (longRunningDelete(k, tcb.cspaceRootSlot()) || longRunningDelete(k, tcb.vspaceRootSlot())) {
            return InvocationResult.error(Sel4Error.ILLEGAL_OPERATION);
        }

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

    /**
     * seL4's {@code slotCapLongRunningDelete}: the slot holds the last cap to a CNode or a TCB,
     * whose deletion would destroy the object and empty its slots. seL4 will not start that from
     * inside SetSpace, which must replace the TCB's roots at once, so it refuses the call.
     */
    private static boolean longRunningDelete(KernelState k, Slot slot) {
        Cap cap = slot.cap();
        return (cap instanceof Cap.CNodeCap || cap instanceof Cap.TcbCap) && k.cdt().isFinal(slot);
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
