package org.capbuddy.kernel.invocation;

import org.capbuddy.kernel.testing.RootTaskFx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.capbuddy.kernel.testing.RootTaskFx.D;
import static org.capbuddy.kernel.testing.RootTaskFx.FREE_VA;
import static org.capbuddy.kernel.testing.RootTaskFx.ROOT;
import static org.capbuddy.kernel.testing.RootTaskFx.ROOT_TCB;
import static org.capbuddy.kernel.testing.RootTaskFx.ROOT_VSPACE;
import static org.capbuddy.kernel.testing.RootTaskFx.err;
import static org.capbuddy.kernel.testing.RootTaskFx.ok;

import org.capbuddy.kernel.api.InvocationLabel;
import org.capbuddy.kernel.api.ObjectType;
import org.capbuddy.kernel.api.Sel4Error;
import org.capbuddy.kernel.cap.Cap;
import org.capbuddy.kernel.cpu.Access;
import org.capbuddy.kernel.cpu.UserContextLayout;
import org.capbuddy.kernel.object.ThreadState;
import org.junit.jupiter.api.Test;

/**
 * TCB invocations against seL4's {@code src/object/tcb.c} (decodeReadRegisters,
 * decodeWriteRegisters, decodeSetSpace, invokeTCB_ThreadControl) and {@code src/kernel/thread.c}
 * (restart, suspend).
 */
class TcbInvocationsTest {

    private final RootTaskFx fx = new RootTaskFx();

    @Test
    void readRegistersOfTheCallingThreadIsIllegalOperationAfterTheCountCheck() {
        // decodeReadRegisters: length, then the count's range, then "attempted to read our own registers"
        err(fx.raw(ROOT_TCB, InvocationLabel.TCB_READ_REGISTERS, new long[] {0}), Sel4Error.TRUNCATED_MESSAGE);
        err(fx.sel4.tcbReadRegisters(ROOT_TCB, false, 0), Sel4Error.RANGE_ERROR, 1, UserContextLayout.REGISTERS);
        err(fx.sel4.tcbReadRegisters(ROOT_TCB, true, 1), Sel4Error.ILLEGAL_OPERATION);
        // the suspend flag did not act: the refused call changed nothing
        assertThat(fx.tcbAt(ROOT_TCB).state()).isEqualTo(ThreadState.RUNNING);
        // a copy of the cap names the same thread
        err(fx.sel4.tcbReadRegisters(fx.copy(ROOT_TCB), false, 3), Sel4Error.ILLEGAL_OPERATION);
    }

    @Test
    void writeRegistersOfTheCallingThreadIsIllegalOperationAfterTheLengthChecks() {
        long pc = fx.tcbAt(ROOT_TCB).pc();
        // count 5 with only one register word: the message is too short, whoever the target is
        err(fx.raw(ROOT_TCB, InvocationLabel.TCB_WRITE_REGISTERS, new long[] {0, 5, 1}), Sel4Error.TRUNCATED_MESSAGE);
        err(fx.sel4.tcbWriteRegisters(ROOT_TCB, true, pc + 0x40, 0x1000), Sel4Error.ILLEGAL_OPERATION);
        assertThat(fx.tcbAt(ROOT_TCB).pc()).isEqualTo(pc);
    }

    @Test
    void readRegistersRangeErrorCarriesMinAndMaxAndAnotherThreadCanBeRead() {
        long tcb = fx.object(ObjectType.TCB);
        err(fx.sel4.tcbReadRegisters(tcb, false, 37), Sel4Error.RANGE_ERROR, 1, 36);
        err(fx.sel4.tcbReadRegisters(tcb, false, -1L), Sel4Error.RANGE_ERROR, 1, 36);
        ok(fx.sel4.tcbReadRegisters(tcb, false, 36));
    }

    @Test
    void writeRegistersTakesAtMost36RegistersFromALongerMessage() {
        long tcb = fx.object(ObjectType.TCB);
        long[] words = new long[2 + 40];
        words[1] = 40;
        for (int i = 0; i < 40; i++) {
            words[2 + i] = 1000 + i;
        }
        ok(fx.raw(tcb, InvocationLabel.TCB_WRITE_REGISTERS, words));
        assertThat(fx.tcbAt(tcb).pc()).isEqualTo(1000);
        // x28, the last general-purpose X register of the 36 (word 33), was written
        assertThat(fx.tcbAt(tcb).context().x(28)).isEqualTo(1033);
    }

    @Test
    void resumeRestartsAThreadBlockedOnAFault() {
        RootTaskFx.FaultThread t = fx.faultThread();
        Access first = Access.load(t.cpu, FREE_VA, 8);
        assertThat(first.isOk()).isFalse();
        assertThat(t.thread().state()).isEqualTo(ThreadState.BLOCKED_ON_FAULT);
        // restart(): a thread blocked in IPC is stopped, so Resume makes it runnable again
        ok(fx.sel4.tcbResume(t.tcb));
        assertThat(t.thread().state()).isEqualTo(ThreadState.RUNNING);
        long frame = fx.object(ObjectType.SMALL_PAGE);
        fx.mapRw(frame, t.vspace, FREE_VA);
        assertThat(Access.load(t.cpu, FREE_VA, 8).isOk()).isTrue();
        // Resume of a running thread changes nothing
        ok(fx.sel4.tcbResume(t.tcb));
        assertThat(t.thread().state()).isEqualTo(ThreadState.RUNNING);
    }

    @Test
    void setSpaceInstallsTheCSpaceRootAsACopyUnderItsSourceSoRevokingTheSourceRemovesIt() {
        long tcb = fx.object(ObjectType.TCB);
        long cn = fx.cnode(4);
        ok(fx.sel4.tcbSetSpace(tcb, 0, cn, 60, fx.assignedVSpace(), 0));
        assertThat(fx.tcbAt(tcb).cspaceRootSlot().cap()).isInstanceOf(Cap.CNodeCap.class);
        assertThat(fx.tcbAt(tcb).cspaceRootSlot().isRevocable()).isFalse();
        ok(fx.sel4.cnodeRevoke(ROOT, cn, D));
        assertThat(fx.tcbAt(tcb).cspaceRootSlot().isEmpty()).isTrue();
        // the VSpace root, a copy of another cap, stays
        assertThat(fx.tcbAt(tcb).vspaceRootSlot().isEmpty()).isFalse();
    }

    @Test
    void setSpaceRewritesTheCNodeGuardWithTheRootDataAndIgnoresVSpaceData() {
        long tcb = fx.object(ObjectType.TCB);
        long cn = fx.cnode(4);
        // guard 0x5 of 60 bits: 60 + 4 = 64 bits resolved
        ok(fx.sel4.tcbSetSpace(tcb, 0, cn, (0x5L << 6) | 60, fx.assignedVSpace(), 0xFFFF));
        Cap.CNodeCap root = (Cap.CNodeCap) fx.tcbAt(tcb).cspaceRootSlot().cap();
        assertThat(root.guardSize()).isEqualTo(60);
        assertThat(root.guard()).isEqualTo(5);
        // the source cap keeps its own guard
        assertThat(((Cap.CNodeCap) fx.capAt(cn)).guardSize()).isZero();
        // guard size + radix above 64: updateCapData gives a null cap, which is no CNode
        err(fx.sel4.tcbSetSpace(tcb, 0, cn, 61, fx.assignedVSpace(), 0), Sel4Error.ILLEGAL_OPERATION);
    }

    @Test
    void setSpaceDerivesEachRootBeforeCheckingItsType() {
        long tcb = fx.object(ObjectType.TCB);
        long ut = fx.untyped(16);
        fx.retype(ut, ObjectType.ENDPOINT, 0);
        long vspace = fx.assignedVSpace();
        long ep = fx.object(ObjectType.ENDPOINT);
        // an untyped with children fails deriveCap (RevokeFirst) before the CNode type check
        err(fx.sel4.tcbSetSpace(tcb, 0, ut, 0, vspace, 0), Sel4Error.REVOKE_FIRST);
        // the CSpace root is decided before the VSpace root is derived
        err(fx.sel4.tcbSetSpace(tcb, 0, ep, 0, ut, 0), Sel4Error.ILLEGAL_OPERATION);
        err(fx.sel4.tcbSetSpace(tcb, 0, ROOT, 0, ut, 0), Sel4Error.REVOKE_FIRST);
        // a page table is no VSpace root, mapped (derivable) or not (deriveCap refuses it)
        long unmappedPt = fx.object(ObjectType.PAGE_TABLE);
        err(fx.sel4.tcbSetSpace(tcb, 0, ROOT, 0, unmappedPt, 0), Sel4Error.ILLEGAL_OPERATION);
        long mappedPt = fx.object(ObjectType.PAGE_TABLE);
        ok(fx.sel4.pageTableMap(mappedPt, ROOT_VSPACE, FREE_VA, 0));
        err(fx.sel4.tcbSetSpace(tcb, 0, ROOT, 0, mappedPt, 0), Sel4Error.ILLEGAL_OPERATION);
        // an empty slot derives to a null cap
        err(fx.sel4.tcbSetSpace(tcb, 0, fx.slot(), 0, vspace, 0), Sel4Error.ILLEGAL_OPERATION);
        // nothing was installed by the refused calls
        assertThat(fx.tcbAt(tcb).cspaceRootSlot().isEmpty()).isTrue();
        assertThat(fx.tcbAt(tcb).vspaceRootSlot().isEmpty()).isTrue();
        // the fault endpoint cptr is stored as given, unchecked (non-MCS)
        ok(fx.sel4.tcbSetSpace(tcb, 0xDEAD_BEEFL, ROOT, 0, vspace, 0));
        assertThat(fx.tcbAt(tcb).faultEndpoint()).isEqualTo(0xDEAD_BEEFL);
    }

    @Test
    void setSpaceIsRefusedWhileTheThreadHoldsTheLastCapToItsCSpaceRoot() {
        long tcb = fx.object(ObjectType.TCB);
        long vspace = fx.assignedVSpace();
        long cn = fx.cnode(4);
        ok(fx.sel4.tcbSetSpace(tcb, 0, cn, 60, vspace, 0));
        // while the original cap exists the thread's copy is not final: SetSpace may replace it
        ok(fx.sel4.tcbSetSpace(tcb, 0, cn, 60, vspace, 0));
        Object cnode = fx.capAt(cn).object();
        ok(fx.sel4.cnodeDelete(ROOT, cn, D));
        // now replacing it would destroy the CNode: slotCapLongRunningDelete refuses, before any derivation
        err(fx.raw(tcb, InvocationLabel.TCB_SET_SPACE, new long[] {0, 0}, ROOT, vspace), Sel4Error.TRUNCATED_MESSAGE);
        err(fx.sel4.tcbSetSpace(tcb, 0, ROOT, 0, vspace, 0), Sel4Error.ILLEGAL_OPERATION);
        long ut = fx.untyped(16);
        fx.retype(ut, ObjectType.ENDPOINT, 0);
        err(fx.sel4.tcbSetSpace(tcb, 0, ut, 0, vspace, 0), Sel4Error.ILLEGAL_OPERATION);
        assertThat(fx.tcbAt(tcb).cspaceRootSlot().cap().object()).isSameAs(cnode);
        assertThat(fx.tcbAt(tcb).cspaceRootSlot().cap().object().isLive()).isTrue();
        // the VSpace root is no such object: a thread holding the last VSpace cap can be re-spaced
        long tcb2 = fx.object(ObjectType.TCB);
        long v2 = fx.assignedVSpace();
        ok(fx.sel4.tcbSetSpace(tcb2, 0, ROOT, 0, v2, 0));
        ok(fx.sel4.cnodeDelete(ROOT, v2, D));
        ok(fx.sel4.tcbSetSpace(tcb2, 0, ROOT, 0, vspace, 0));
    }

    @Test
    void suspendingAThreadBlockedOnAFaultMakesItInactiveAndItsAccessesAreRefused() {
        RootTaskFx.FaultThread t = fx.faultThread();
        assertThat(Access.load(t.cpu, FREE_VA, 8).isOk()).isFalse();
        ok(fx.sel4.tcbSuspend(t.tcb));
        assertThat(t.thread().state()).isEqualTo(ThreadState.INACTIVE);
        // an inactive thread makes no access, so no second fault is sent
        assertThat(Access.load(t.cpu, FREE_VA, 8).isOk()).isFalse();
        assertThat(t.faults).hasSize(1);
    }
}
