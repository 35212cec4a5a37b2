package org.capbuddy.kernel.invocation;

import org.capbuddy.kernel.testing.RootTaskFx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.capbuddy.kernel.testing.RootTaskFx.D;
import static org.capbuddy.kernel.testing.RootTaskFx.DEF;
import static org.capbuddy.kernel.testing.RootTaskFx.FREE_VA;
import static org.capbuddy.kernel.testing.RootTaskFx.PAGE;
import static org.capbuddy.kernel.testing.RootTaskFx.ROOT;
import static org.capbuddy.kernel.testing.RootTaskFx.ROOT_VSPACE;
import static org.capbuddy.kernel.testing.RootTaskFx.RW;
import static org.capbuddy.kernel.testing.RootTaskFx.err;
import static org.capbuddy.kernel.testing.RootTaskFx.ok;

import org.capbuddy.kernel.api.ObjectType;
import org.capbuddy.kernel.api.Sel4Error;
import org.capbuddy.kernel.api.VmAttributes;
import org.capbuddy.kernel.cap.Cap;
import org.capbuddy.kernel.cost.CostSnapshot;
import org.capbuddy.kernel.cpu.Access;
import org.junit.jupiter.api.Test;

/**
 * Frame, PageTable and ASID invocations against seL4's {@code src/arch/arm/64/kernel/vspace.c}
 * (decodeARMFrameInvocation, decodeARMPageTableInvocation, decodeARMMMUInvocation,
 * performPageTableInvocationUnmap, unmapPage, unmapPageTable, deleteASID) and
 * {@code Arch_finaliseCap} in {@code src/arch/arm/64/object/objecttype.c}.
 */
class VmInvocationsTest {

    private final RootTaskFx fx = new RootTaskFx();

    private int asidOf(long vspace) {
        return ((Cap.VSpaceCap) fx.capAt(vspace)).asid();
    }

    @Test
    void aFrameCapLeftMappedInADeletedVSpaceCanBeMappedAgainOnlyAtItsOldVaddrInTheVSpaceThatReusesTheAsid() {
        long a = fx.assignedVSpace();
        long frame = fx.object(ObjectType.SMALL_PAGE);
        fx.mapRw(frame, a, FREE_VA);
        int asid = asidOf(a);
        // deleteASID frees the ASID but leaves frame caps' mapping records as they were
        ok(fx.sel4.cnodeDelete(ROOT, a, D));
        assertThat(((Cap.FrameCap) fx.capAt(frame)).mappedAsid()).isEqualTo(asid);
        long b = fx.assignedVSpace();
        assertThat(asidOf(b)).isEqualTo(asid);
        long c = fx.assignedVSpace();
        // the record's ASID now names b: another vaddr is InvalidArgument 0, another VSpace InvalidCapability 1
        fx.pageTablesFor(b, FREE_VA);
        err(fx.sel4.pageMap(frame, b, FREE_VA + PAGE, RW, DEF), Sel4Error.INVALID_ARGUMENT, 0);
        err(fx.sel4.pageMap(frame, c, FREE_VA, RW, DEF), Sel4Error.INVALID_CAPABILITY, 1);
        // the same vaddr is a remap, accepted
        ok(fx.sel4.pageMap(frame, b, FREE_VA, RW, DEF));
        // and after an unmap the cap is free to go anywhere
        ok(fx.sel4.pageUnmap(frame));
        fx.mapRw(frame, c, FREE_VA);
    }

    @Test
    void aPageTableLeftMappedInADeletedVSpaceIsInvalidCapability0UntilItIsUnmappedThenItIsEmpty() {
        long a = fx.assignedVSpace();
        long[] tables = fx.pageTablesFor(a, FREE_VA);
        long frame = fx.object(ObjectType.SMALL_PAGE);
        ok(fx.sel4.pageMap(frame, a, FREE_VA, RW, DEF));
        ok(fx.sel4.cnodeDelete(ROOT, a, D));
        long b = fx.assignedVSpace();
        long l1 = tables[0];
        err(fx.sel4.pageTableMap(l1, b, FREE_VA, 0), Sel4Error.INVALID_CAPABILITY, 0);
        ok(fx.sel4.pageTableUnmap(l1));
        assertThat(((Cap.PageTableCap) fx.capAt(l1)).mapped()).isFalse();
        ok(fx.sel4.pageTableMap(l1, b, FREE_VA, 0));
        // the table was cleared: it no longer leads to the L2 table it held
        long g = fx.object(ObjectType.SMALL_PAGE);
        err(fx.sel4.pageMap(g, b, FREE_VA, RW, DEF), Sel4Error.FAILED_LOOKUP, 0, 2, 30);
    }

    @Test
    void aFrameWhoseTableWasUnmappedFailsARemapOnTheWalkAndItsUnmapJustClearsTheRecord() {
        long[] tables = fx.pageTablesFor(ROOT_VSPACE, FREE_VA);
        long frame = fx.object(ObjectType.SMALL_PAGE);
        ok(fx.sel4.pageMap(frame, ROOT_VSPACE, FREE_VA, RW, DEF));
        long other = fx.object(ObjectType.SMALL_PAGE);
        fx.mapRw(other, ROOT_VSPACE, FREE_VA + (1L << 21));
        ok(fx.sel4.pageTableUnmap(tables[2]));
        // the record still says FREE_VA: a remap there walks again and finds no L3 table
        err(fx.sel4.pageMap(frame, ROOT_VSPACE, FREE_VA, RW, DEF), Sel4Error.FAILED_LOOKUP, 0, 2, 21);
        ok(fx.sel4.pageUnmap(frame));
        assertThat(((Cap.FrameCap) fx.capAt(frame)).isMapped()).isFalse();
        // the unrelated page under the L2 table is untouched
        assertThat(Access.load(fx.sel4.cpu(RootTaskFx.ROOT_TCB).orElseThrow(), FREE_VA + (1L << 21), 8).isOk())
                .isTrue();
        fx.mapRw(frame, ROOT_VSPACE, FREE_VA + (1L << 21) + PAGE);
    }

    @Test
    void pageMapChecksAlignmentBeforeTheOneMappingPerCapRule() {
        long frame = fx.object(ObjectType.SMALL_PAGE);
        fx.mapRw(frame, ROOT_VSPACE, FREE_VA);
        long other = fx.assignedVSpace();
        err(fx.sel4.pageMap(frame, ROOT_VSPACE, FREE_VA + PAGE + 8, RW, DEF), Sel4Error.ALIGNMENT_ERROR);
        err(fx.sel4.pageMap(frame, other, FREE_VA + 8, RW, DEF), Sel4Error.ALIGNMENT_ERROR);
    }

    @Test
    void aRemapReplacesTheAttributes() {
        RootTaskFx.FaultThread t = fx.faultThread();
        long frame = fx.object(ObjectType.SMALL_PAGE);
        ok(fx.mapPage(frame, t.vspace, FREE_VA, RW, DEF));
        assertThat(Access.fetch(t.cpu, FREE_VA).isOk()).isTrue();
        ok(fx.sel4.pageMap(frame, t.vspace, FREE_VA, RW, DEF | VmAttributes.EXECUTE_NEVER));
        Access fetch = Access.fetch(t.cpu, FREE_VA);
        assertThat(fetch.isOk()).isFalse();
        assertThat(fetch.fault().isPermissionFault()).isTrue();
        assertThat(fetch.fault().prefetch()).isTrue();
    }

    @Test
    void pageTableUnmapOfAMappedTableWalksOnceAndZeroesIts4KiB() {
        long[] tables = fx.pageTablesFor(ROOT_VSPACE, FREE_VA);
        CostSnapshot before = fx.costs();
        ok(fx.sel4.pageTableUnmap(tables[1]));
        CostSnapshot cost = fx.costs().minus(before);
        assertThat(cost.kernelWalks()).isEqualTo(1);
        assertThat(cost.bytesZeroed()).isEqualTo(4096);
        // an unmapped table: no walk, nothing cleared
        before = fx.costs();
        ok(fx.sel4.pageTableUnmap(tables[1]));
        cost = fx.costs().minus(before);
        assertThat(cost.kernelWalks()).isZero();
        assertThat(cost.bytesZeroed()).isZero();
    }

    @Test
    void deletingTheLastCapOfAMappedPageTableWalksOnceAndClearsNothing() {
        long[] tables = fx.pageTablesFor(ROOT_VSPACE, FREE_VA);
        long frame = fx.object(ObjectType.SMALL_PAGE);
        ok(fx.sel4.pageMap(frame, ROOT_VSPACE, FREE_VA, RW, DEF));
        CostSnapshot before = fx.costs();
        ok(fx.sel4.cnodeDelete(ROOT, tables[2], D));
        CostSnapshot cost = fx.costs().minus(before);
        assertThat(cost.kernelWalks()).isEqualTo(1);
        assertThat(cost.bytesZeroed()).isZero();
        // a copy's deletion is not final: no unmap, no walk
        long copy = fx.copy(tables[1]);
        before = fx.costs();
        ok(fx.sel4.cnodeDelete(ROOT, copy, D));
        assertThat(fx.costs().minus(before).kernelWalks()).isZero();
    }

    @Test
    void unmappingAPageTableWhoseVSpaceIsGoneClearsItWithoutAWalk() {
        long a = fx.assignedVSpace();
        long[] tables = fx.pageTablesFor(a, FREE_VA);
        ok(fx.sel4.cnodeDelete(ROOT, a, D));
        CostSnapshot before = fx.costs();
        ok(fx.sel4.pageTableUnmap(tables[0]));
        CostSnapshot cost = fx.costs().minus(before);
        // findVSpaceForASID fails, so unmapPageTable does nothing; the table is still cleared
        assertThat(cost.kernelWalks()).isZero();
        assertThat(cost.bytesZeroed()).isEqualTo(4096);
    }

    @Test
    void makePoolFromAUsedAndRevokedUntypedMarksItFullAndRevokingItDestroysThePool() {
        long ut = fx.untyped(12);
        fx.retype(ut, ObjectType.SMALL_PAGE, 0);
        ok(fx.sel4.cnodeRevoke(ROOT, ut, D));
        long pool = fx.slot();
        ok(fx.sel4.asidControlMakePool(RootTaskFx.ASID_CONTROL, ut, ROOT, pool, D));
        assertThat(((Cap.Untyped) fx.capAt(ut)).freeIndex()).isEqualTo(4096 / 16);
        long v = fx.object(ObjectType.VSPACE);
        ok(fx.sel4.asidPoolAssign(pool, v));
        ok(fx.sel4.cnodeRevoke(ROOT, ut, D));
        assertThat(fx.isEmptySlot(pool)).isTrue();
        err(fx.sel4.pageMap(fx.object(ObjectType.SMALL_PAGE), v, FREE_VA, RW, DEF), Sel4Error.FAILED_LOOKUP, 0, 1);
        // the freed pool index is taken again by the next pool
        long again = fx.slot();
        ok(fx.sel4.asidControlMakePool(RootTaskFx.ASID_CONTROL, ut, ROOT, again, D));
        long w = fx.object(ObjectType.VSPACE);
        ok(fx.sel4.asidPoolAssign(again, w));
        assertThat(asidOf(w)).isEqualTo(512);
    }
}
