package org.capbuddy.kernel.conformance;

import org.capbuddy.kernel.testing.RootTaskFx;

import org.capbuddy.kernel.cpu.Access;
import static org.assertj.core.api.Assertions.assertThat;
import static org.capbuddy.kernel.testing.RootTaskFx.D;
import static org.capbuddy.kernel.testing.RootTaskFx.FREE_VA;
import static org.capbuddy.kernel.testing.RootTaskFx.LARGE;
import static org.capbuddy.kernel.testing.RootTaskFx.PAGE;
import static org.capbuddy.kernel.testing.RootTaskFx.ROOT;
import static org.capbuddy.kernel.testing.RootTaskFx.ok;

import org.capbuddy.kernel.cpu.UserCpu;
import org.capbuddy.kernel.api.CapRights;
import org.capbuddy.kernel.api.ObjectType;
import org.capbuddy.kernel.api.VmAttributes;
import org.capbuddy.kernel.object.ThreadState;
import org.capbuddy.kernel.cpu.FaultReply;
import org.capbuddy.kernel.cpu.VmFault;
import org.junit.jupiter.api.Test;

/** §6: the VM fault message and its delivery to the fault handler (non-MCS). */
class VmFaultConformanceTest {

    private static final int EC_DATA = 0x24;
    private static final int EC_INSTR = 0x20;
    private static final int WNR = 1 << 6;

    private final RootTaskFx fx = new RootTaskFx();

    private static int ec(VmFault f) {
        return f.fsr() >>> 26;
    }

    private static int status(VmFault f) {
        return f.fsr() & 0x3F;
    }

    @Test
    void readOfAnUnmappedAddressInAnEmptyVSpaceIsALevel0TranslationFault() {
        RootTaskFx.FaultThread t = fx.faultThread();
        Access r = Access.load(t.cpu, FREE_VA + 0x123, 4);
        assertThat(r.isOk()).isFalse();
        assertThat(t.faults).hasSize(1);
        VmFault f = t.lastFault();
        assertThat(f).isEqualTo(r.fault());
        assertThat(f.address()).isEqualTo(FREE_VA + 0x123);
        assertThat(f.prefetch()).isFalse();
        assertThat(ec(f)).isEqualTo(EC_DATA);
        assertThat(f.fsr() & WNR).isZero();
        assertThat(status(f)).isEqualTo(0x04);
        assertThat(t.badges).containsExactly(0x77L);
    }

    @Test
    void faultMessageCarriesIpAddrPrefetchAndFsrWithLabel5() {
        RootTaskFx.FaultThread t = fx.faultThread();
        Access.store(t.cpu, FREE_VA + 8, 8, 1);
        VmFault f = t.lastFault();
        assertThat(VmFault.LABEL).isEqualTo(5);
        long[] mrs = f.messageRegisters();
        assertThat(mrs).hasSize(4);
        assertThat(mrs[0]).isEqualTo(f.ip());
        assertThat(mrs[1]).isEqualTo(FREE_VA + 8);
        assertThat(mrs[2]).isZero();
        assertThat(mrs[3]).isEqualTo(f.fsr() & 0xFFFF_FFFFL);
    }

    @Test
    void translationFaultLevelFollowsTheFirstMissingTable() {
        RootTaskFx.FaultThread t = fx.faultThread();
        for (int level = 0; level <= 3; level++) {
            Access.load(t.cpu, FREE_VA, 8);
            assertThat(status(t.lastFault())).as("level %d", level).isEqualTo(0x04 + level);
            assertThat(t.lastFault().isTranslationFault()).isTrue();
            t.restart();
            if (level < 3) {
                ok(fx.sel4.pageTableMap(fx.object(ObjectType.PAGE_TABLE), t.vspace, FREE_VA, 0));
            }
        }
    }

    @Test
    void writeFaultSetsWnR() {
        RootTaskFx.FaultThread t = fx.faultThread();
        Access.store(t.cpu, FREE_VA, 1, 1);
        VmFault f = t.lastFault();
        assertThat(ec(f)).isEqualTo(EC_DATA);
        assertThat(f.fsr() & WNR).isEqualTo(WNR);
        assertThat(f.prefetch()).isFalse();
        assertThat(f.accessKind()).isEqualTo(org.capbuddy.kernel.cpu.AccessKind.WRITE);
    }

    @Test
    void instructionFetchFaultIsAPrefetchAbortWithTheAddressEqualToThePc() {
        RootTaskFx.FaultThread t = fx.faultThread();
        Access.fetch(t.cpu, FREE_VA + 0x44);
        VmFault f = t.lastFault();
        assertThat(ec(f)).isEqualTo(EC_INSTR);
        assertThat(f.prefetch()).isTrue();
        assertThat(f.address()).isEqualTo(FREE_VA + 0x44);
        assertThat(f.ip()).isEqualTo(FREE_VA + 0x44);
        assertThat(f.messageRegisters()[2]).isEqualTo(1);
        assertThat(status(f)).isEqualTo(0x04);
    }

    @Test
    void writeToAReadOnlyPageIsALevel3PermissionFaultWithWnR() {
        RootTaskFx.FaultThread t = fx.faultThread();
        long f = fx.object(ObjectType.SMALL_PAGE);
        ok(fx.mapPage(f, t.vspace, FREE_VA, CapRights.READ_ONLY, VmAttributes.DEFAULT));
        assertThat(Access.load(t.cpu, FREE_VA, 8).isOk()).isTrue();
        assertThat(t.faults).isEmpty();
        assertThat(Access.store(t.cpu, FREE_VA, 8, 1).isOk()).isFalse();
        VmFault fault = t.lastFault();
        assertThat(status(fault)).isEqualTo(0x0F);
        assertThat(fault.isPermissionFault()).isTrue();
        assertThat(fault.fsr() & WNR).isEqualTo(WNR);
        assertThat(ec(fault)).isEqualTo(EC_DATA);
    }

    @Test
    void permissionFaultOnALargePageIsReportedAtLevel2() {
        RootTaskFx.FaultThread t = fx.faultThread();
        long large = fx.object(ObjectType.LARGE_PAGE);
        ok(fx.mapPage(large, t.vspace, FREE_VA, CapRights.READ_ONLY, VmAttributes.DEFAULT));
        Access.store(t.cpu, FREE_VA + LARGE - 8, 8, 1);
        assertThat(status(t.lastFault())).isEqualTo(0x0E);
        assertThat(t.lastFault().address()).isEqualTo(FREE_VA + LARGE - 8);
    }

    @Test
    void accessAtOrAbove2To47IsALevel0TranslationFault() {
        RootTaskFx.FaultThread t = fx.faultThread();
        Access.load(t.cpu, 1L << 47, 8);
        assertThat(status(t.lastFault())).isEqualTo(0x04);
        assertThat(t.lastFault().address()).isEqualTo(1L << 47);
    }

    @Test
    void aHandlerThatMapsThePageAndRepliesLetsTheAccessComplete() {
        RootTaskFx.FaultThread t = fx.faultThread();
        long frame = fx.object(ObjectType.SMALL_PAGE);
        t.handler = (badge, fault) -> {
            long page = fault.address() & -PAGE;
            ok(fx.mapPage(frame, t.vspace, page, CapRights.READ_WRITE, VmAttributes.DEFAULT));
            return FaultReply.RESUME;
        };
        Access w = Access.store(t.cpu, FREE_VA + 0x10, 8, 0xABCDL);
        assertThat(w.isOk()).isTrue();
        assertThat(t.faults).hasSize(1);
        assertThat(t.cpu.state()).isEqualTo(ThreadState.RUNNING);
        assertThat(Access.load(t.cpu, FREE_VA + 0x10, 8).value()).isEqualTo(0xABCDL);
        assertThat(fx.kernel.physicalMemory().readLittleEndian(fx.paddr(frame) + 0x10, 8)).isEqualTo(0xABCDL);
    }

    @Test
    void aReplyReExecutesTheAccessWhichFaultsAgainIfNothingWasFixed() {
        RootTaskFx.FaultThread t = fx.faultThread();
        long frame = fx.object(ObjectType.SMALL_PAGE);
        int[] calls = {0};
        // first reply without fixing anything, then fix on the second fault
        t.handler = (badge, fault) -> {
            if (++calls[0] == 2) {
                ok(fx.mapPage(frame, t.vspace, FREE_VA, CapRights.READ_WRITE, VmAttributes.DEFAULT));
            }
            return FaultReply.RESUME;
        };
        assertThat(Access.load(t.cpu, FREE_VA, 8).isOk()).isTrue();
        assertThat(t.faults).hasSize(2);
    }

    @Test
    void noReplyLeavesTheAccessFaultedAndTheThreadBlocked() {
        RootTaskFx.FaultThread t = fx.faultThread();
        Access r = Access.load(t.cpu, FREE_VA, 8);
        assertThat(r.isOk()).isFalse();
        assertThat(t.faults).hasSize(1);
        assertThat(t.cpu.state()).isEqualTo(ThreadState.BLOCKED_ON_FAULT);
    }

    @Test
    void faultHandlerWithWriteAndGrantReplyIsAcceptedToo() {
        RootTaskFx.FaultThread t = fx.new FaultThread(5, CapRights.of(true, false, false, true));
        Access.load(t.cpu, FREE_VA, 8);
        assertThat(t.faults).hasSize(1);
        assertThat(t.badges).containsExactly(5L);
        assertThat(t.cpu.state()).isEqualTo(ThreadState.BLOCKED_ON_FAULT);
    }

    @Test
    void faultHandlerWithoutWriteRightMakesTheThreadInactive() {
        RootTaskFx.FaultThread t = fx.new FaultThread(5, CapRights.of(true, true, true, false));
        assertThat(Access.load(t.cpu, FREE_VA, 8).isOk()).isFalse();
        assertThat(t.faults).isEmpty();
        assertThat(t.cpu.state()).isEqualTo(ThreadState.INACTIVE);
    }

    @Test
    void faultHandlerWithoutGrantOrGrantReplyMakesTheThreadInactive() {
        RootTaskFx.FaultThread t = fx.new FaultThread(5, CapRights.READ_WRITE);
        assertThat(Access.store(t.cpu, FREE_VA, 8, 1).isOk()).isFalse();
        assertThat(t.faults).isEmpty();
        assertThat(t.cpu.state()).isEqualTo(ThreadState.INACTIVE);
    }

    @Test
    void faultHandlerCptrNamingANonEndpointMakesTheThreadInactive() {
        long tcb = fx.object(ObjectType.TCB);
        long vspace = fx.assignedVSpace();
        long frame = fx.object(ObjectType.SMALL_PAGE);
        ok(fx.sel4.tcbSetSpace(tcb, frame, ROOT, 0, vspace, 0));
        ok(fx.sel4.tcbResume(tcb));
        UserCpu cpu = fx.sel4.cpu(tcb).orElseThrow();
        assertThat(Access.load(cpu, FREE_VA, 8).isOk()).isFalse();
        assertThat(cpu.state()).isEqualTo(ThreadState.INACTIVE);
    }

    @Test
    void faultHandlerCptrNamingAnEmptySlotMakesTheThreadInactive() {
        long tcb = fx.object(ObjectType.TCB);
        long vspace = fx.assignedVSpace();
        ok(fx.sel4.tcbSetSpace(tcb, fx.slot(), ROOT, 0, vspace, 0));
        ok(fx.sel4.tcbResume(tcb));
        UserCpu cpu = fx.sel4.cpu(tcb).orElseThrow();
        assertThat(Access.fetch(cpu, FREE_VA).isOk()).isFalse();
        assertThat(cpu.state()).isEqualTo(ThreadState.INACTIVE);
    }

    @Test
    void theHandlerCptrIsResolvedWhenTheFaultHappens() {
        RootTaskFx.FaultThread t = fx.faultThread();
        // replace the cap the handler cptr names by another badge of the same endpoint
        ok(fx.sel4.cnodeDelete(ROOT, t.faultEp, D));
        ok(fx.sel4.cnodeMint(ROOT, t.faultEp, D, ROOT, t.endpoint, D, CapRights.ALL, 0x99));
        Access.load(t.cpu, FREE_VA, 8);
        assertThat(t.badges).containsExactly(0x99L);
        t.restart();
        // and once the slot is empty, the next fault is a double fault
        ok(fx.sel4.cnodeDelete(ROOT, t.faultEp, D));
        Access.load(t.cpu, FREE_VA, 8);
        assertThat(t.badges).hasSize(1);
        assertThat(t.cpu.state()).isEqualTo(ThreadState.INACTIVE);
    }

    @Test
    void aThreadWhoseVSpaceIsGoneFaultsOnEveryAccess() {
        RootTaskFx.FaultThread t = fx.faultThread();
        long frame = fx.object(ObjectType.SMALL_PAGE);
        fx.mapRw(frame, t.vspace, FREE_VA);
        assertThat(Access.load(t.cpu, FREE_VA, 8).isOk()).isTrue();
        // revoke removes the TCB's copy; deleting the original then frees the ASID
        ok(fx.sel4.cnodeRevoke(ROOT, t.vspace, D));
        ok(fx.sel4.cnodeDelete(ROOT, t.vspace, D));
        assertThat(Access.load(t.cpu, FREE_VA, 8).isOk()).isFalse();
        assertThat(t.lastFault().isTranslationFault()).isTrue();
    }

    /** A thread whose CSpace root is a radix-4 CNode holding a badged endpoint cap in slot 3. */
    private UserCpu threadWithOwnCSpace(long faultCptr, long cspaceRootData, java.util.List<Long> badges) {
        long cn = fx.cnode(4);
        long ep = fx.object(ObjectType.ENDPOINT);
        ok(fx.sel4.cnodeMint(cn, 3, 4, ROOT, ep, D, CapRights.ALL, 0x55));
        ok(fx.sel4.bindFaultReceiver(ep, (b, f) -> {
            badges.add(b);
            return FaultReply.noReply("test handler");
        }));
        long tcb = fx.object(ObjectType.TCB);
        ok(fx.sel4.tcbSetSpace(tcb, faultCptr, cn, cspaceRootData, fx.assignedVSpace(), 0));
        ok(fx.sel4.tcbResume(tcb));
        return fx.sel4.cpu(tcb).orElseThrow();
    }

    @Test
    void theHandlerCptrIsResolvedInTheFaultingThreadsOwnCSpace() {
        java.util.List<Long> badges = new java.util.ArrayList<>();
        // guard of 60 zero bits + radix 4: cptr 3 is slot 3 of the thread's CNode (in the root task's
        // CSpace, cptr 3 would be the initial VSpace cap)
        UserCpu cpu = threadWithOwnCSpace(3, 60, badges);
        assertThat(Access.load(cpu, FREE_VA, 8).isOk()).isFalse();
        assertThat(badges).containsExactly(0x55L);
        assertThat(cpu.state()).isEqualTo(ThreadState.BLOCKED_ON_FAULT);
    }

    @Test
    void theHandlerCapLookupAllowsLeftoverBits() {
        java.util.List<Long> badges = new java.util.ArrayList<>();
        // no guard: the top 4 bits of the 64 select slot 3 and 60 bits are left over
        UserCpu cpu = threadWithOwnCSpace(3L << 60, 0, badges);
        assertThat(Access.load(cpu, FREE_VA, 8).isOk()).isFalse();
        assertThat(badges).containsExactly(0x55L);
    }
}
