package org.capbuddy.kernel.conformance;

import org.capbuddy.kernel.testing.RootTaskFx;

import org.capbuddy.kernel.cpu.Access;
import static org.assertj.core.api.Assertions.assertThat;
import static org.capbuddy.kernel.testing.RootTaskFx.D;
import static org.capbuddy.kernel.testing.RootTaskFx.FREE_VA;
import static org.capbuddy.kernel.testing.RootTaskFx.LARGE;
import static org.capbuddy.kernel.testing.RootTaskFx.PAGE;
import static org.capbuddy.kernel.testing.RootTaskFx.ROOT;
import static org.capbuddy.kernel.testing.RootTaskFx.ROOT_VSPACE;
import static org.capbuddy.kernel.testing.RootTaskFx.USER_TOP;
import static org.capbuddy.kernel.testing.RootTaskFx.err;
import static org.capbuddy.kernel.testing.RootTaskFx.ok;

import org.capbuddy.kernel.KernelConfig;
import org.capbuddy.kernel.cpu.UserCpu;
import org.capbuddy.kernel.api.CapRights;
import org.capbuddy.kernel.api.InvocationLabel;
import org.capbuddy.kernel.api.InvocationResult;
import org.capbuddy.kernel.api.ObjectType;
import org.capbuddy.kernel.api.Sel4Error;
import org.capbuddy.kernel.api.VmAttributes;
import org.capbuddy.kernel.boot.Board;
import org.capbuddy.kernel.boot.UntypedDescriptor;
import org.capbuddy.kernel.cap.Cap;
import org.capbuddy.kernel.cpu.VmFault;
import org.junit.jupiter.api.Test;

/** §5: AArch64 virtual memory invocations. */
class VmConformanceTest {

    private final RootTaskFx fx = new RootTaskFx();

    private static final CapRights RW = CapRights.READ_WRITE;
    private static final long DEF = VmAttributes.DEFAULT;

    /** A VSpace whose pool has been deleted: its cap still carries the (now stale) ASID. */
    private long staleVSpace() {
        long ut = fx.untyped(12);
        long pool = fx.slot();
        ok(fx.sel4.asidControlMakePool(RootTaskFx.ASID_CONTROL, ut, ROOT, pool, D));
        long v = fx.object(ObjectType.VSPACE);
        ok(fx.sel4.asidPoolAssign(pool, v));
        ok(fx.sel4.cnodeDelete(ROOT, pool, D));
        return v;
    }

    // ---------------------------------------------------------------- Page_Map check order

    @Test
    void pageMap1_fewerThanThreeWordsOrNoVSpaceCapIsTruncated() {
        long f = fx.object(ObjectType.SMALL_PAGE);
        err(fx.raw(f, InvocationLabel.ARM_PAGE_MAP, new long[] {FREE_VA, 3}, ROOT_VSPACE),
                Sel4Error.TRUNCATED_MESSAGE);
        err(fx.raw(f, InvocationLabel.ARM_PAGE_MAP, new long[] {FREE_VA, 3, DEF}), Sel4Error.TRUNCATED_MESSAGE);
    }

    @Test
    void pageMap2_vspaceArgumentThatIsNotAVSpaceOrHasNoAsidIsInvalidCapability1() {
        long f = fx.object(ObjectType.SMALL_PAGE);
        long ep = fx.object(ObjectType.ENDPOINT);
        long unassigned = fx.object(ObjectType.VSPACE);
        err(fx.sel4.pageMap(f, ep, FREE_VA, RW, DEF), Sel4Error.INVALID_CAPABILITY, 1);
        err(fx.sel4.pageMap(f, unassigned, FREE_VA, RW, DEF), Sel4Error.INVALID_CAPABILITY, 1);
        // beats alignment and range errors
        err(fx.sel4.pageMap(f, unassigned, FREE_VA + 1, RW, DEF), Sel4Error.INVALID_CAPABILITY, 1);
        err(fx.sel4.pageMap(f, ep, -1L, RW, DEF), Sel4Error.INVALID_CAPABILITY, 1);
    }

    @Test
    void pageMap3_staleAsidIsFailedLookupInvalidRoot() {
        long v = staleVSpace();
        long f = fx.object(ObjectType.SMALL_PAGE);
        err(fx.sel4.pageMap(f, v, FREE_VA, RW, DEF), Sel4Error.FAILED_LOOKUP, 0, 1);
        // beats the alignment check
        err(fx.sel4.pageMap(f, v, FREE_VA + 8, RW, DEF), Sel4Error.FAILED_LOOKUP, 0, 1);
    }

    @Test
    void pageMap5_vaddrNotAlignedToTheFrameSizeIsAlignmentError() {
        long f = fx.object(ObjectType.SMALL_PAGE);
        err(fx.sel4.pageMap(f, ROOT_VSPACE, FREE_VA + 0x800, RW, DEF), Sel4Error.ALIGNMENT_ERROR);
        long large = fx.object(ObjectType.LARGE_PAGE);
        err(fx.sel4.pageMap(large, ROOT_VSPACE, FREE_VA + PAGE, RW, DEF), Sel4Error.ALIGNMENT_ERROR);
        // alignment is checked before the user-top check
        err(fx.sel4.pageMap(f, ROOT_VSPACE, USER_TOP + 1 + 0x800, RW, DEF), Sel4Error.ALIGNMENT_ERROR);
    }

    @Test
    void pageMap6_unmappedCapAboveUserTopIsInvalidArgument0() {
        long f = fx.object(ObjectType.SMALL_PAGE);
        err(fx.sel4.pageMap(f, ROOT_VSPACE, USER_TOP + 1, RW, DEF), Sel4Error.INVALID_ARGUMENT, 0);
        err(fx.sel4.pageMap(f, ROOT_VSPACE, -PAGE, RW, DEF), Sel4Error.INVALID_ARGUMENT, 0);
        // the last page below the top passes the check (and fails later, on the walk)
        err(fx.sel4.pageMap(f, ROOT_VSPACE, USER_TOP + 1 - PAGE, RW, DEF), Sel4Error.FAILED_LOOKUP);
        long large = fx.object(ObjectType.LARGE_PAGE);
        err(fx.sel4.pageMap(large, ROOT_VSPACE, USER_TOP + 1 - LARGE, RW, DEF), Sel4Error.FAILED_LOOKUP);
    }

    @Test
    void pageMap7_missingTablesAreFailedLookupWithBitsLeft39Then30Then21ThenSuccess() {
        long f = fx.object(ObjectType.SMALL_PAGE);
        int[] expected = {39, 30, 21};
        for (int level : expected) {
            InvocationResult r = fx.sel4.pageMap(f, ROOT_VSPACE, FREE_VA, RW, DEF);
            err(r, Sel4Error.FAILED_LOOKUP, 0, 2, level);
            assertThat(r.mappingFailedLookupLevel()).isEqualTo(level);
            long pt = fx.object(ObjectType.PAGE_TABLE);
            ok(fx.sel4.pageTableMap(pt, ROOT_VSPACE, FREE_VA, 0));
        }
        ok(fx.sel4.pageMap(f, ROOT_VSPACE, FREE_VA, RW, DEF));
        UserCpu cpu = fx.rootCpu();
        assertThat(Access.store(cpu, FREE_VA + 16, 4, 0xCAFE).isOk()).isTrue();
        assertThat(Access.load(cpu, FREE_VA + 16, 4).value()).isEqualTo(0xCAFE);
    }

    @Test
    void pageMap7_largePageWhereAnL3TableExistsIsFailedLookupWithBitsLeft12() {
        long f = fx.object(ObjectType.SMALL_PAGE);
        fx.mapRw(f, ROOT_VSPACE, FREE_VA);
        long large = fx.object(ObjectType.LARGE_PAGE);
        InvocationResult r = fx.sel4.pageMap(large, ROOT_VSPACE, FREE_VA, RW, DEF);
        err(r, Sel4Error.FAILED_LOOKUP, 0, 2, 12);
        // next 2 MiB region: the L2 slot is free, so the large page maps there directly
        ok(fx.sel4.pageMap(large, ROOT_VSPACE, FREE_VA + LARGE, RW, DEF));
    }

    @Test
    void hugePageMapsAtLevel1AfterOneTable() {
        RootTaskFx big = new RootTaskFx(KernelConfig.defaults().withBoard(Board.virt(4L << 30)));
        UntypedDescriptor gib = big.ramUntyped(30);
        assertThat(gib.cptr()).isNotEqualTo(big.bigRam());
        long huge = big.retype(gib.cptr(), ObjectType.HUGE_PAGE);
        long va = 0x100_0000_0000L;
        err(big.sel4.pageMap(huge, ROOT_VSPACE, va + LARGE, RW, DEF), Sel4Error.ALIGNMENT_ERROR);
        err(big.sel4.pageMap(huge, ROOT_VSPACE, va, RW, DEF), Sel4Error.FAILED_LOOKUP, 0, 2, 39);
        ok(big.sel4.pageTableMap(big.object(ObjectType.PAGE_TABLE), ROOT_VSPACE, va, 0));
        ok(big.sel4.pageMap(huge, ROOT_VSPACE, va, RW, DEF));
        assertThat(big.paddr(huge)).isEqualTo(gib.paddr());
        UserCpu cpu = big.rootCpu();
        assertThat(Access.store(cpu, va + (1L << 29) + 8, 8, 77).isOk()).isTrue();
        assertThat(big.kernel.physicalMemory().readLittleEndian(gib.paddr() + (1L << 29) + 8, 8)).isEqualTo(77);
    }

    // ---------------------------------------------------------------- one mapping per cap

    @Test
    void aMappedCapMappedAtAnotherVaddrIsInvalidArgument0() {
        long f = fx.object(ObjectType.SMALL_PAGE);
        fx.mapRw(f, ROOT_VSPACE, FREE_VA);
        err(fx.sel4.pageMap(f, ROOT_VSPACE, FREE_VA + PAGE, RW, DEF), Sel4Error.INVALID_ARGUMENT, 0);
        // even where tables are missing: the mapped check comes before the walk
        err(fx.sel4.pageMap(f, ROOT_VSPACE, 2 * FREE_VA, RW, DEF), Sel4Error.INVALID_ARGUMENT, 0);
    }

    @Test
    void aMappedCapMappedIntoAnotherVSpaceIsInvalidCapability1() {
        long f = fx.object(ObjectType.SMALL_PAGE);
        fx.mapRw(f, ROOT_VSPACE, FREE_VA);
        long other = fx.assignedVSpace();
        err(fx.sel4.pageMap(f, other, FREE_VA, RW, DEF), Sel4Error.INVALID_CAPABILITY, 1);
    }

    @Test
    void mappingACopyOfTheFrameElsewhereWorks() {
        long f = fx.object(ObjectType.SMALL_PAGE);
        fx.mapRw(f, ROOT_VSPACE, FREE_VA);
        long c = fx.copy(f);
        fx.mapRw(c, ROOT_VSPACE, FREE_VA + PAGE);
        UserCpu cpu = fx.rootCpu();
        assertThat(Access.store(cpu, FREE_VA + 40, 8, 5).isOk()).isTrue();
        assertThat(Access.load(cpu, FREE_VA + PAGE + 40, 8).value()).isEqualTo(5);
    }

    @Test
    void remapAtTheSameVaddrChangesTheRights() {
        RootTaskFx.FaultThread t = fx.faultThread();
        long f = fx.object(ObjectType.SMALL_PAGE);
        fx.mapRw(f, t.vspace, FREE_VA);
        assertThat(Access.store(t.cpu, FREE_VA, 8, 1).isOk()).isTrue();

        ok(fx.sel4.pageMap(f, t.vspace, FREE_VA, CapRights.READ_ONLY, DEF));
        assertThat(Access.load(t.cpu, FREE_VA, 8).value()).isEqualTo(1);
        Access w = Access.store(t.cpu, FREE_VA, 8, 2);
        assertThat(w.isOk()).isFalse();
        assertThat(w.fault().statusCode()).isEqualTo(0x0F);
        t.restart();

        ok(fx.sel4.pageMap(f, t.vspace, FREE_VA, RW, DEF));
        assertThat(Access.store(t.cpu, FREE_VA, 8, 3).isOk()).isTrue();
    }

    @Test
    void overMappingSilentlyReplacesTheOldPageAndLeavesItsCapStale() {
        long f1 = fx.object(ObjectType.SMALL_PAGE);
        long f2 = fx.object(ObjectType.SMALL_PAGE);
        fx.mapRw(f1, ROOT_VSPACE, FREE_VA);
        UserCpu cpu = fx.rootCpu();
        assertThat(Access.store(cpu, FREE_VA, 8, 111).isOk()).isTrue();
        ok(fx.sel4.pageMap(f2, ROOT_VSPACE, FREE_VA, RW, DEF));
        assertThat(Access.load(cpu, FREE_VA, 8).value()).isZero();
        assertThat(Access.store(cpu, FREE_VA, 8, 222).isOk()).isTrue();
        assertThat(fx.kernel.physicalMemory().readLittleEndian(fx.paddr(f2), 8)).isEqualTo(222);
        // the old cap still thinks it is mapped there
        err(fx.sel4.pageMap(f1, ROOT_VSPACE, FREE_VA + PAGE, RW, DEF), Sel4Error.INVALID_ARGUMENT, 0);
        // unmapping through the stale cap does nothing to the new page
        ok(fx.sel4.pageUnmap(f1));
        assertThat(Access.load(cpu, FREE_VA, 8).value()).isEqualTo(222);
        // and the stale cap's mapping record is cleared
        fx.mapRw(f1, ROOT_VSPACE, FREE_VA + PAGE);
        assertThat(Access.load(cpu, FREE_VA + PAGE, 8).value()).isEqualTo(111);
    }

    @Test
    void pageUnmapNeverFails() {
        long f = fx.object(ObjectType.SMALL_PAGE);
        ok(fx.sel4.pageUnmap(f));
        fx.mapRw(f, ROOT_VSPACE, FREE_VA);
        ok(fx.sel4.pageUnmap(f));
        ok(fx.sel4.pageUnmap(f));
        // after unmap the cap can be mapped elsewhere
        fx.mapRw(f, ROOT_VSPACE, FREE_VA + PAGE);
        // the vspace having lost its ASID does not matter either
        long v = fx.assignedVSpace();
        long g = fx.object(ObjectType.SMALL_PAGE);
        fx.mapRw(g, v, FREE_VA);
        ok(fx.sel4.cnodeDelete(ROOT, v, D));
        ok(fx.sel4.pageUnmap(g));
    }

    @Test
    void pageUnmapRemovesTheTranslation() {
        long f = fx.object(ObjectType.SMALL_PAGE);
        fx.mapRw(f, ROOT_VSPACE, FREE_VA);
        UserCpu cpu = fx.rootCpu();
        assertThat(Access.load(cpu, FREE_VA, 8).isOk()).isTrue();
        ok(fx.sel4.pageUnmap(f));
        assertThat(Access.load(cpu, FREE_VA, 8).isOk()).isFalse();
    }

    @Test
    void getAddressReturnsThePhysicalAddress() {
        long ut = fx.untyped(22);
        long base = ((Cap.Untyped) fx.capAt(ut)).paddr();
        long small = fx.retype(ut, ObjectType.SMALL_PAGE);
        long large = fx.retype(ut, ObjectType.LARGE_PAGE);
        InvocationResult r = fx.sel4.pageGetAddress(small);
        ok(r);
        assertThat(r.mr(0)).isEqualTo(base);
        assertThat(fx.paddr(large)).isEqualTo(base + LARGE);
        // a copy reports the same address
        assertThat(fx.paddr(fx.copy(small))).isEqualTo(base);
    }

    // ---------------------------------------------------------------- rights and attributes

    @Test
    void writeOnlyRightsGiveAKernelOnlyMappingThatFaultsOnEveryAccess() {
        RootTaskFx.FaultThread t = fx.faultThread();
        long f = fx.object(ObjectType.SMALL_PAGE);
        ok(fx.mapPage(f, t.vspace, FREE_VA, CapRights.WRITE_ONLY, DEF));

        Access read = Access.load(t.cpu, FREE_VA, 8);
        assertThat(read.isOk()).isFalse();
        assertThat(read.fault().fsr() & 0x3F).isEqualTo(0x0F);
        assertThat(read.fault().fsr() & (1 << 6)).isZero();
        t.restart();

        Access write = Access.store(t.cpu, FREE_VA, 8, 1);
        assertThat(write.isOk()).isFalse();
        assertThat(write.fault().fsr() & 0x3F).isEqualTo(0x0F);
        assertThat(write.fault().fsr() & (1 << 6)).isNotZero();
        t.restart();

        Access exec = Access.fetch(t.cpu, FREE_VA);
        assertThat(exec.isOk()).isFalse();
        assertThat(exec.fault().prefetch()).isTrue();
        assertThat(exec.fault().fsr() & 0x3F).isEqualTo(0x0F);
    }

    @Test
    void noRightsAtAllAlsoGiveAKernelOnlyMapping() {
        RootTaskFx.FaultThread t = fx.faultThread();
        long f = fx.object(ObjectType.SMALL_PAGE);
        ok(fx.mapPage(f, t.vspace, FREE_VA, CapRights.NONE, DEF));
        assertThat(Access.load(t.cpu, FREE_VA, 1).isOk()).isFalse();
        assertThat(t.lastFault().isPermissionFault()).isTrue();
    }

    @Test
    void mappingRightsAreTheCapRightsMaskedByTheRequest() {
        RootTaskFx.FaultThread t = fx.faultThread();
        long f = fx.object(ObjectType.SMALL_PAGE);
        long ro = fx.copy(f, CapRights.READ_ONLY);
        // asking for RW through a read-only cap gives a read-only mapping
        ok(fx.mapPage(ro, t.vspace, FREE_VA, CapRights.ALL, DEF));
        assertThat(Access.load(t.cpu, FREE_VA, 8).isOk()).isTrue();
        Access w = Access.store(t.cpu, FREE_VA, 8, 1);
        assertThat(w.isOk()).isFalse();
        assertThat(w.fault().isPermissionFault()).isTrue();
        assertThat(w.fault().fsr() & (1 << 6)).isNotZero();
        t.restart();
        // read-only request through a RW cap
        long g = fx.object(ObjectType.SMALL_PAGE);
        ok(fx.mapPage(g, t.vspace, FREE_VA + PAGE, CapRights.READ_ONLY, DEF));
        assertThat(Access.store(t.cpu, FREE_VA + PAGE, 8, 1).isOk()).isFalse();
    }

    @Test
    void executeNeverFetchFaultsAsAPrefetchPermissionFault() {
        RootTaskFx.FaultThread t = fx.faultThread();
        long f = fx.object(ObjectType.SMALL_PAGE);
        ok(fx.mapPage(f, t.vspace, FREE_VA, RW, DEF | VmAttributes.EXECUTE_NEVER));
        assertThat(Access.load(t.cpu, FREE_VA, 8).isOk()).isTrue();
        assertThat(Access.store(t.cpu, FREE_VA, 8, 9).isOk()).isTrue();
        Access x = Access.fetch(t.cpu, FREE_VA + 0x40);
        assertThat(x.isOk()).isFalse();
        VmFault fault = x.fault();
        assertThat(fault.prefetch()).isTrue();
        assertThat(fault.fsr() >>> 26).isEqualTo(0x20);
        assertThat(fault.fsr() & 0x3F).isEqualTo(0x0F);
        assertThat(fault.address()).isEqualTo(FREE_VA + 0x40);
        assertThat(fault.ip()).isEqualTo(FREE_VA + 0x40);
        t.restart();
        // without execute-never the page is executable
        ok(fx.sel4.pageMap(f, t.vspace, FREE_VA, RW, DEF));
        assertThat(Access.fetch(t.cpu, FREE_VA + 0x40).isOk()).isTrue();
    }

    @Test
    void readOnlyPagesAreExecutableByDefault() {
        RootTaskFx.FaultThread t = fx.faultThread();
        long f = fx.object(ObjectType.SMALL_PAGE);
        ok(fx.mapPage(f, t.vspace, FREE_VA, CapRights.READ_ONLY, DEF));
        assertThat(Access.fetch(t.cpu, FREE_VA).isOk()).isTrue();
    }

    // ---------------------------------------------------------------- PageTable_Map / Unmap

    @Test
    void pageTableMap1_truncated() {
        long pt = fx.object(ObjectType.PAGE_TABLE);
        err(fx.raw(pt, InvocationLabel.ARM_PAGE_TABLE_MAP, new long[] {FREE_VA}, ROOT_VSPACE),
                Sel4Error.TRUNCATED_MESSAGE);
        err(fx.raw(pt, InvocationLabel.ARM_PAGE_TABLE_MAP, new long[] {FREE_VA, 0}), Sel4Error.TRUNCATED_MESSAGE);
    }

    @Test
    void pageTableMap2_alreadyMappedTableIsInvalidCapability0() {
        long pt = fx.object(ObjectType.PAGE_TABLE);
        ok(fx.sel4.pageTableMap(pt, ROOT_VSPACE, FREE_VA, 0));
        err(fx.sel4.pageTableMap(pt, ROOT_VSPACE, 2 * FREE_VA, 0), Sel4Error.INVALID_CAPABILITY, 0);
        // beats an invalid vspace
        err(fx.sel4.pageTableMap(pt, fx.object(ObjectType.ENDPOINT), FREE_VA, 0), Sel4Error.INVALID_CAPABILITY, 0);
    }

    @Test
    void pageTableMap3_invalidOrUnassignedVSpaceIsInvalidCapability1() {
        long pt = fx.object(ObjectType.PAGE_TABLE);
        err(fx.sel4.pageTableMap(pt, fx.object(ObjectType.ENDPOINT), FREE_VA, 0), Sel4Error.INVALID_CAPABILITY, 1);
        long unassigned = fx.object(ObjectType.VSPACE);
        err(fx.sel4.pageTableMap(pt, unassigned, FREE_VA, 0), Sel4Error.INVALID_CAPABILITY, 1);
        // beats the vaddr check
        err(fx.sel4.pageTableMap(pt, unassigned, -1L, 0), Sel4Error.INVALID_CAPABILITY, 1);
    }

    @Test
    void pageTableMap4_vaddrAboveUserTopIsInvalidArgument0() {
        long pt = fx.object(ObjectType.PAGE_TABLE);
        err(fx.sel4.pageTableMap(pt, ROOT_VSPACE, USER_TOP + 1, 0), Sel4Error.INVALID_ARGUMENT, 0);
        // the top itself is fine (no alignment needed)
        ok(fx.sel4.pageTableMap(pt, ROOT_VSPACE, USER_TOP, 0));
    }

    @Test
    void pageTableMap5_staleAsidIsFailedLookupButOnlyAfterTheVaddrCheck() {
        long v = staleVSpace();
        long pt = fx.object(ObjectType.PAGE_TABLE);
        err(fx.sel4.pageTableMap(pt, v, USER_TOP + 1, 0), Sel4Error.INVALID_ARGUMENT, 0);
        err(fx.sel4.pageTableMap(pt, v, FREE_VA, 0), Sel4Error.FAILED_LOOKUP, 0, 1);
    }

    @Test
    void pageTableMap7_walkEndingAtL3IsDeleteFirst() {
        for (int i = 0; i < 3; i++) {
            ok(fx.sel4.pageTableMap(fx.object(ObjectType.PAGE_TABLE), ROOT_VSPACE, FREE_VA, 0));
        }
        err(fx.sel4.pageTableMap(fx.object(ObjectType.PAGE_TABLE), ROOT_VSPACE, FREE_VA + 5 * PAGE, 0),
                Sel4Error.DELETE_FIRST);
    }

    @Test
    void pageTableMap7_slotHoldingABlockIsDeleteFirst() {
        long large = fx.object(ObjectType.LARGE_PAGE);
        ok(fx.mapPage(large, ROOT_VSPACE, FREE_VA, RW, DEF));
        err(fx.sel4.pageTableMap(fx.object(ObjectType.PAGE_TABLE), ROOT_VSPACE, FREE_VA + PAGE, 0),
                Sel4Error.DELETE_FIRST);
    }

    @Test
    void pageTableIsInstalledAtTheFirstMissingLevelSoThreeMapsAtTheSameVaddrAreNeeded() {
        long a = fx.object(ObjectType.PAGE_TABLE);
        long b = fx.object(ObjectType.PAGE_TABLE);
        long c = fx.object(ObjectType.PAGE_TABLE);
        long va = FREE_VA + 3 * (1L << 30) + 5 * LARGE + 7 * PAGE;
        ok(fx.sel4.pageTableMap(a, ROOT_VSPACE, va, 0));
        ok(fx.sel4.pageTableMap(b, ROOT_VSPACE, va, 0));
        ok(fx.sel4.pageTableMap(c, ROOT_VSPACE, va, 0));
        assertThat(((Cap.PageTableCap) fx.capAt(a)).mappedVaddr()).isEqualTo(FREE_VA);
        assertThat(((Cap.PageTableCap) fx.capAt(b)).mappedVaddr()).isEqualTo(FREE_VA + 3 * (1L << 30));
        assertThat(((Cap.PageTableCap) fx.capAt(c)).mappedVaddr()).isEqualTo(FREE_VA + 3 * (1L << 30) + 5 * LARGE);
        long f = fx.object(ObjectType.SMALL_PAGE);
        ok(fx.sel4.pageMap(f, ROOT_VSPACE, va, RW, DEF));
    }

    @Test
    void pageTableUnmapWithCopiesIsRevokeFirst() {
        long pt = fx.object(ObjectType.PAGE_TABLE);
        ok(fx.sel4.pageTableMap(pt, ROOT_VSPACE, FREE_VA, 0));
        long copy = fx.copy(pt);
        err(fx.sel4.pageTableUnmap(pt), Sel4Error.REVOKE_FIRST);
        err(fx.sel4.pageTableUnmap(copy), Sel4Error.REVOKE_FIRST);
        ok(fx.sel4.cnodeDelete(ROOT, copy, D));
        ok(fx.sel4.pageTableUnmap(pt));
    }

    @Test
    void pageTableUnmapDetachesAndZeroesTheTable() {
        long l1 = fx.object(ObjectType.PAGE_TABLE);
        long l2 = fx.object(ObjectType.PAGE_TABLE);
        long l3 = fx.object(ObjectType.PAGE_TABLE);
        ok(fx.sel4.pageTableMap(l1, ROOT_VSPACE, FREE_VA, 0));
        ok(fx.sel4.pageTableMap(l2, ROOT_VSPACE, FREE_VA, 0));
        ok(fx.sel4.pageTableMap(l3, ROOT_VSPACE, FREE_VA, 0));
        long f = fx.object(ObjectType.SMALL_PAGE);
        ok(fx.sel4.pageMap(f, ROOT_VSPACE, FREE_VA, RW, DEF));
        UserCpu cpu = fx.rootCpu();
        assertThat(Access.store(cpu, FREE_VA, 8, 3).isOk()).isTrue();

        ok(fx.sel4.pageTableUnmap(l2));
        assertThat(((Cap.PageTableCap) fx.capAt(l2)).mapped()).isFalse();
        // everything below is gone, and the L2 table's entry for the L3 table was cleared:
        // mapping the L2 table back gives an empty table, so Page_Map needs an L3 again
        ok(fx.sel4.pageTableMap(l2, ROOT_VSPACE, FREE_VA, 0));
        long g = fx.object(ObjectType.SMALL_PAGE);
        err(fx.sel4.pageMap(g, ROOT_VSPACE, FREE_VA + PAGE, RW, DEF), Sel4Error.FAILED_LOOKUP, 0, 2, 21);
    }

    @Test
    void pageTableUnmapOfAnUnmappedTableSucceeds() {
        ok(fx.sel4.pageTableUnmap(fx.object(ObjectType.PAGE_TABLE)));
    }

    // ---------------------------------------------------------------- ASID control and pools

    @Test
    void makePoolFromAFresh4KiBUntypedAndAssignGivesTheLowestAsidOfTheNewPool() {
        long ut = fx.retype(fx.bigRam(), ObjectType.UNTYPED, 12, 1);
        long pool = fx.slot();
        ok(fx.sel4.asidControlMakePool(RootTaskFx.ASID_CONTROL, ut, ROOT, pool, D));
        assertThat(fx.capAt(pool)).isInstanceOf(Cap.AsidPoolCap.class);
        long v1 = fx.object(ObjectType.VSPACE);
        long v2 = fx.object(ObjectType.VSPACE);
        ok(fx.sel4.asidPoolAssign(pool, v1));
        ok(fx.sel4.asidPoolAssign(pool, v2));
        // pool index 1 (the initial thread's pool is 0): ASIDs 512..1023, and 0 is only skipped in pool 0
        assertThat(((Cap.VSpaceCap) fx.capAt(v1)).asid()).isEqualTo(512);
        assertThat(((Cap.VSpaceCap) fx.capAt(v2)).asid()).isEqualTo(513);
        // the pool is a CDT child of the untyped, which is now full
        err(fx.retypeAt(ut, ObjectType.ENDPOINT, 0, fx.slot(), 1), Sel4Error.NOT_ENOUGH_MEMORY, 0);
        ok(fx.sel4.cnodeRevoke(ROOT, ut, D));
        assertThat(fx.isEmpty(pool)).isTrue();
    }

    @Test
    void makePoolZeroesTheUntypedsMemory() {
        long ut = fx.untyped(12);
        long base = ((Cap.Untyped) fx.capAt(ut)).paddr();
        fx.kernel.physicalMemory().writeLittleEndian(base + 100, 8, -1L);
        ok(fx.sel4.asidControlMakePool(RootTaskFx.ASID_CONTROL, ut, ROOT, fx.slot(), D));
        assertThat(fx.kernel.physicalMemory().isZero(base, PAGE)).isTrue();
    }

    @Test
    void makePool1_truncated() {
        long ut = fx.untyped(12);
        err(fx.raw(RootTaskFx.ASID_CONTROL, InvocationLabel.ARM_ASID_CONTROL_MAKE_POOL, new long[] {fx.slot()}, ut, ROOT),
                Sel4Error.TRUNCATED_MESSAGE);
        err(fx.raw(RootTaskFx.ASID_CONTROL, InvocationLabel.ARM_ASID_CONTROL_MAKE_POOL, new long[] {fx.slot(), D}, ut),
                Sel4Error.TRUNCATED_MESSAGE);
    }

    @Test
    void makePool3_untypedNotExactly12BitsOrDeviceOrNotUntypedIsInvalidCapability1() {
        long ut13 = fx.untyped(13);
        err(fx.sel4.asidControlMakePool(RootTaskFx.ASID_CONTROL, ut13, ROOT, fx.slot(), D), Sel4Error.INVALID_CAPABILITY, 1);
        long ut11 = fx.untyped(11);
        err(fx.sel4.asidControlMakePool(RootTaskFx.ASID_CONTROL, ut11, ROOT, fx.slot(), D), Sel4Error.INVALID_CAPABILITY, 1);
        UntypedDescriptor dev = fx.deviceUntyped(12);
        err(fx.sel4.asidControlMakePool(RootTaskFx.ASID_CONTROL, dev.cptr(), ROOT, fx.slot(), D),
                Sel4Error.INVALID_CAPABILITY, 1);
        long frame = fx.object(ObjectType.SMALL_PAGE);
        err(fx.sel4.asidControlMakePool(RootTaskFx.ASID_CONTROL, frame, ROOT, fx.slot(), D), Sel4Error.INVALID_CAPABILITY, 1);
        // beats RevokeFirst and DeleteFirst
        fx.retype(ut13, ObjectType.ENDPOINT);
        err(fx.sel4.asidControlMakePool(RootTaskFx.ASID_CONTROL, ut13, ROOT, frame, D), Sel4Error.INVALID_CAPABILITY, 1);
    }

    @Test
    void makePool4_untypedWithChildrenIsRevokeFirst() {
        long ut = fx.untyped(12);
        fx.retype(ut, ObjectType.ENDPOINT);
        err(fx.sel4.asidControlMakePool(RootTaskFx.ASID_CONTROL, ut, ROOT, fx.slot(), D), Sel4Error.REVOKE_FIRST);
        // beats destination errors
        err(fx.sel4.asidControlMakePool(RootTaskFx.ASID_CONTROL, ut, ROOT, fx.slot(), 65), Sel4Error.REVOKE_FIRST);
        err(fx.sel4.asidControlMakePool(RootTaskFx.ASID_CONTROL, ut, ROOT, ut, D), Sel4Error.REVOKE_FIRST);
    }

    @Test
    void makePool5and6_destinationLookupErrorThenOccupiedDestinationIsDeleteFirst() {
        long ut = fx.untyped(12);
        err(fx.sel4.asidControlMakePool(RootTaskFx.ASID_CONTROL, ut, ROOT, fx.slot(), 65), Sel4Error.RANGE_ERROR, 1, 64);
        err(fx.sel4.asidControlMakePool(RootTaskFx.ASID_CONTROL, ut, ROOT, fx.slot(), 12), Sel4Error.FAILED_LOOKUP, 0, 4);
        err(fx.sel4.asidControlMakePool(RootTaskFx.ASID_CONTROL, ut, ROOT, ut, D), Sel4Error.DELETE_FIRST);
        // nothing happened: the untyped is still usable and childless
        ok(fx.sel4.asidControlMakePool(RootTaskFx.ASID_CONTROL, ut, ROOT, fx.slot(), D));
    }

    @Test
    void makePool2_allPoolsInUseIsDeleteFirstBeforeTheUntypedIsChecked() {
        // pool 0 is the initial thread's: 127 more fill the table
        long uts = fx.retype(fx.bigRam(), ObjectType.UNTYPED, 12, 127);
        long pools = fx.slots(127);
        for (int i = 0; i < 127; i++) {
            ok(fx.sel4.asidControlMakePool(RootTaskFx.ASID_CONTROL, uts + i, ROOT, pools + i, D));
        }
        long spare = fx.untyped(12);
        err(fx.sel4.asidControlMakePool(RootTaskFx.ASID_CONTROL, spare, ROOT, fx.slot(), D), Sel4Error.DELETE_FIRST);
        long notUntyped = fx.object(ObjectType.ENDPOINT);
        err(fx.sel4.asidControlMakePool(RootTaskFx.ASID_CONTROL, notUntyped, ROOT, fx.slot(), D), Sel4Error.DELETE_FIRST);
        // deleting a pool frees its index for reuse
        ok(fx.sel4.cnodeDelete(ROOT, pools + 40, D));
        long again = fx.slot();
        ok(fx.sel4.asidControlMakePool(RootTaskFx.ASID_CONTROL, spare, ROOT, again, D));
        long v = fx.object(ObjectType.VSPACE);
        ok(fx.sel4.asidPoolAssign(again, v));
        assertThat(((Cap.VSpaceCap) fx.capAt(v)).asid()).isEqualTo(41 * 512);
    }

    @Test
    void assignInThePoolOfTheInitialThreadSkipsAsid0And1() {
        long v = fx.assignedVSpace();
        assertThat(((Cap.VSpaceCap) fx.capAt(v)).asid()).isEqualTo(2);
        long w = fx.assignedVSpace();
        assertThat(((Cap.VSpaceCap) fx.capAt(w)).asid()).isEqualTo(3);
        // the lowest free one is reused
        ok(fx.sel4.cnodeDelete(ROOT, v, D));
        long x = fx.assignedVSpace();
        assertThat(((Cap.VSpaceCap) fx.capAt(x)).asid()).isEqualTo(2);
    }

    @Test
    void assign1_noVSpaceCapIsTruncated() {
        err(fx.raw(RootTaskFx.INIT_POOL, InvocationLabel.ARM_ASID_POOL_ASSIGN, new long[0]), Sel4Error.TRUNCATED_MESSAGE);
    }

    @Test
    void assign2_alreadyAssignedOrNotAVSpaceIsInvalidCapability1() {
        err(fx.sel4.asidPoolAssign(RootTaskFx.INIT_POOL, ROOT_VSPACE), Sel4Error.INVALID_CAPABILITY, 1);
        long v = fx.assignedVSpace();
        err(fx.sel4.asidPoolAssign(RootTaskFx.INIT_POOL, v), Sel4Error.INVALID_CAPABILITY, 1);
        err(fx.sel4.asidPoolAssign(RootTaskFx.INIT_POOL, fx.object(ObjectType.PAGE_TABLE)), Sel4Error.INVALID_CAPABILITY, 1);
    }

    @Test
    void assign5_fullPoolIsDeleteFirst() {
        long ut = fx.untyped(12);
        long pool = fx.slot();
        ok(fx.sel4.asidControlMakePool(RootTaskFx.ASID_CONTROL, ut, ROOT, pool, D));
        long vs = fx.retype(fx.bigRam(), ObjectType.VSPACE, 0, 256);
        long vs2 = fx.retype(fx.bigRam(), ObjectType.VSPACE, 0, 256);
        long last = fx.object(ObjectType.VSPACE);
        for (int i = 0; i < 256; i++) {
            ok(fx.sel4.asidPoolAssign(pool, vs + i));
        }
        for (int i = 0; i < 256; i++) {
            ok(fx.sel4.asidPoolAssign(pool, vs2 + i));
        }
        err(fx.sel4.asidPoolAssign(pool, last), Sel4Error.DELETE_FIRST);
    }

    @Test
    void assignedVSpaceIsRequiredForTcbSetSpace() {
        long tcb = fx.object(ObjectType.TCB);
        long unassigned = fx.object(ObjectType.VSPACE);
        err(fx.sel4.tcbSetSpace(tcb, 0, ROOT, 0, unassigned, 0), Sel4Error.ILLEGAL_OPERATION);
        ok(fx.sel4.tcbSetSpace(tcb, 0, ROOT, 0, fx.assignedVSpace(), 0));
    }

    /** Pool index 1 made, V1 assigned ASID 512, pool deleted, pool index 1 made again and V2 given 512. */
    private long[] asidNowNamingAnotherVSpace() {
        long v1 = staleVSpace();
        long pool = fx.slot();
        ok(fx.sel4.asidControlMakePool(RootTaskFx.ASID_CONTROL, fx.untyped(12), ROOT, pool, D));
        long v2 = fx.object(ObjectType.VSPACE);
        ok(fx.sel4.asidPoolAssign(pool, v2));
        assertThat(((Cap.VSpaceCap) fx.capAt(v1)).asid()).isEqualTo(512);
        assertThat(((Cap.VSpaceCap) fx.capAt(v2)).asid()).isEqualTo(512);
        return new long[] {v1, v2};
    }

    @Test
    void pageMap4_asidThatNowNamesAnotherVSpaceIsInvalidCapability1() {
        long[] v = asidNowNamingAnotherVSpace();
        long f = fx.object(ObjectType.SMALL_PAGE);
        err(fx.sel4.pageMap(f, v[0], FREE_VA, RW, DEF), Sel4Error.INVALID_CAPABILITY, 1);
        // beats the alignment check
        err(fx.sel4.pageMap(f, v[0], FREE_VA + 4, RW, DEF), Sel4Error.INVALID_CAPABILITY, 1);
        // and a stale VSpace cannot be assigned again
        err(fx.sel4.asidPoolAssign(RootTaskFx.INIT_POOL, v[0]), Sel4Error.INVALID_CAPABILITY, 1);
    }

    @Test
    void pageTableMap6_asidThatNowNamesAnotherVSpaceIsInvalidCapability1() {
        long[] v = asidNowNamingAnotherVSpace();
        long pt = fx.object(ObjectType.PAGE_TABLE);
        err(fx.sel4.pageTableMap(pt, v[0], FREE_VA, 0), Sel4Error.INVALID_CAPABILITY, 1);
        err(fx.sel4.pageTableMap(pt, v[0], USER_TOP + 1, 0), Sel4Error.INVALID_ARGUMENT, 0);
        ok(fx.sel4.pageTableMap(pt, v[1], FREE_VA, 0));
    }

    @Test
    void deletingAStaleOverMappedFrameCapLeavesTheNewMapping() {
        long f1 = fx.object(ObjectType.SMALL_PAGE);
        long f2 = fx.object(ObjectType.SMALL_PAGE);
        fx.mapRw(f1, ROOT_VSPACE, FREE_VA);
        ok(fx.sel4.pageMap(f2, ROOT_VSPACE, FREE_VA, RW, DEF));
        UserCpu cpu = fx.rootCpu();
        assertThat(Access.store(cpu, FREE_VA, 8, 5).isOk()).isTrue();
        ok(fx.sel4.cnodeDelete(ROOT, f1, D));
        assertThat(Access.load(cpu, FREE_VA, 8).isOk()).isTrue();
        assertThat(Access.load(cpu, FREE_VA, 8).value()).isEqualTo(5);
    }

    @Test
    void deletingAnAsidPoolInvalidatesEveryAsidInItAndTheirThreadsFault() {
        long pool = fx.slot();
        ok(fx.sel4.asidControlMakePool(RootTaskFx.ASID_CONTROL, fx.untyped(12), ROOT, pool, D));
        long tcb = fx.object(ObjectType.TCB);
        long ep = fx.object(ObjectType.ENDPOINT);
        long v = fx.object(ObjectType.VSPACE);
        ok(fx.sel4.asidPoolAssign(pool, v));
        ok(fx.sel4.tcbSetSpace(tcb, ep, ROOT, 0, v, 0));
        java.util.List<org.capbuddy.kernel.cpu.VmFault> faults = new java.util.ArrayList<>();
        ok(fx.sel4.bindFaultReceiver(ep, (b, f) -> {
            faults.add(f);
            return org.capbuddy.kernel.cpu.FaultReply.noReply("test handler");
        }));
        ok(fx.sel4.tcbResume(tcb));
        UserCpu cpu = fx.sel4.cpu(tcb).orElseThrow();
        long frame = fx.object(ObjectType.SMALL_PAGE);
        fx.mapRw(frame, v, FREE_VA);
        assertThat(Access.load(cpu, FREE_VA, 8).isOk()).isTrue();
        ok(fx.sel4.cnodeDelete(ROOT, pool, D));
        assertThat(Access.load(cpu, FREE_VA, 8).isOk()).isFalse();
        assertThat(faults).hasSize(1);
        assertThat(faults.get(0).isTranslationFault()).isTrue();
        // mapping through the stale VSpace cap now fails the ASID lookup
        err(fx.sel4.pageMap(fx.object(ObjectType.SMALL_PAGE), v, FREE_VA + PAGE, RW, DEF),
                Sel4Error.FAILED_LOOKUP, 0, 1);
    }
}
