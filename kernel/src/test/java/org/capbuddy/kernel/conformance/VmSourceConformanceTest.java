package org.capbuddy.kernel.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.capbuddy.kernel.testing.RootTaskFx.ASID_CONTROL;
import static org.capbuddy.kernel.testing.RootTaskFx.D;
import static org.capbuddy.kernel.testing.RootTaskFx.DEF;
import static org.capbuddy.kernel.testing.RootTaskFx.FREE_VA;
import static org.capbuddy.kernel.testing.RootTaskFx.INIT_POOL;
import static org.capbuddy.kernel.testing.RootTaskFx.LARGE;
import static org.capbuddy.kernel.testing.RootTaskFx.PAGE;
import static org.capbuddy.kernel.testing.RootTaskFx.ROOT;
import static org.capbuddy.kernel.testing.RootTaskFx.ROOT_VSPACE;
import static org.capbuddy.kernel.testing.RootTaskFx.RW;
import static org.capbuddy.kernel.testing.RootTaskFx.USER_TOP;
import static org.capbuddy.kernel.testing.RootTaskFx.err;
import static org.capbuddy.kernel.testing.RootTaskFx.ok;

import org.capbuddy.kernel.KernelConfig;
import org.capbuddy.kernel.api.InvocationResult;
import org.capbuddy.kernel.api.ObjectType;
import org.capbuddy.kernel.api.Sel4Error;
import org.capbuddy.kernel.boot.Board;
import org.capbuddy.kernel.boot.UntypedDescriptor;
import org.capbuddy.kernel.cap.Cap;
import org.capbuddy.kernel.testing.RootTaskFx;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A second pass over the AArch64 VM invocations against seL4's
 * {@code src/arch/arm/64/kernel/vspace.c} ({@code decodeARMPageTableInvocation},
 * {@code decodeARMFrameInvocation}, {@code decodeARMMMUInvocation}, {@code unmapPage},
 * {@code performPageGetAddress}): PageTable_Map where the walk ends on a page or at L3, the user
 * top, Page_Map of an already mapped cap, Page_Unmap of unmapped and stale caps, Page_GetAddress,
 * and ASIDPool_Assign of an assigned VSpace.
 */
class VmSourceConformanceTest {

    private final RootTaskFx fx = new RootTaskFx();

    /** What already sits at the address a PageTable_Map names. */
    enum Occupant { SMALL_PAGE, LARGE_PAGE, THREE_TABLES }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Occupant.class)
    void decodeARMPageTableInvocation_mapWhereTheWalkEndsOnAPageOrAtL3IsDeleteFirst(Occupant occupant) {
        long va = FREE_VA + 7 * LARGE + 3 * PAGE;
        switch (occupant) {
            case SMALL_PAGE -> fx.mapRw(fx.object(ObjectType.SMALL_PAGE), ROOT_VSPACE, va);
            case LARGE_PAGE -> fx.mapRw(fx.object(ObjectType.LARGE_PAGE), ROOT_VSPACE, FREE_VA + 7 * LARGE);
            case THREE_TABLES -> fx.pageTablesFor(ROOT_VSPACE, va);
        }
        long pt = fx.object(ObjectType.PAGE_TABLE);
        err(fx.sel4.pageTableMap(pt, ROOT_VSPACE, va, 0), Sel4Error.DELETE_FIRST);
        assertThat(((Cap.PageTableCap) fx.capAt(pt)).mapped()).isFalse();
        // the same table maps where a level is still missing
        ok(fx.sel4.pageTableMap(pt, ROOT_VSPACE, va + (1L << 30), 0));
    }

    @Test
    void decodeARMPageTableInvocation_aHugePageInTheLevel1SlotIsDeleteFirst() {
        RootTaskFx big = new RootTaskFx(KernelConfig.defaults().withBoard(Board.virt(4L << 30)));
        UntypedDescriptor gib = big.ramUntyped(30);
        long huge = big.retype(gib.cptr(), ObjectType.HUGE_PAGE);
        long va = 0x100_0000_0000L;
        ok(big.mapPage(huge, ROOT_VSPACE, va, RW, DEF));
        err(big.sel4.pageTableMap(big.object(ObjectType.PAGE_TABLE), ROOT_VSPACE, va + LARGE, 0),
                Sel4Error.DELETE_FIRST);
    }

    @ParameterizedTest(name = "vaddr 0x{0}")
    @CsvSource({
        "7fffffffffff, -, 7f8000000000",
        "7f8000000000, -, 7f8000000000",
        "0, -, 0",
        "800000000000, INVALID_ARGUMENT, 0",
        "ffffffffffffffff, INVALID_ARGUMENT, 0",
    })
    void decodeARMPageTableInvocation_vaddrUpToUserTopIsMappedAtItsLevel1Base(String vaddr, String error,
            String mapped) {
        long va = Long.parseUnsignedLong(vaddr, 16);
        long pt = fx.object(ObjectType.PAGE_TABLE);
        InvocationResult r = fx.sel4.pageTableMap(pt, ROOT_VSPACE, va, 0);
        Cap.PageTableCap cap = (Cap.PageTableCap) fx.capAt(pt);
        if (error.equals("-")) {
            ok(r);
            assertThat(cap.mappedVaddr()).isEqualTo(Long.parseUnsignedLong(mapped, 16));
        } else {
            err(r, Sel4Error.valueOf(error), 0);
            assertThat(cap.mapped()).isFalse();
        }
    }

    @ParameterizedTest(name = "same VSpace {0}, same vaddr {1}")
    @CsvSource({
        "true, true, -, 0",
        "true, false, INVALID_ARGUMENT, 0",
        "false, true, INVALID_CAPABILITY, 1",
        "false, false, INVALID_CAPABILITY, 1",
    })
    void decodeARMFrameInvocation_aMappedCapMapsAgainOnlyAtItsOwnAsidAndVaddr(boolean sameVSpace,
            boolean sameVaddr, String error, long mr0) {
        long frame = fx.object(ObjectType.SMALL_PAGE);
        fx.mapRw(frame, ROOT_VSPACE, FREE_VA);
        long other = fx.assignedVSpace();
        long vspace = sameVSpace ? ROOT_VSPACE : other;
        long va = sameVaddr ? FREE_VA : FREE_VA + PAGE;
        // a misaligned vaddr is refused first, whatever the cap's mapping
        err(fx.sel4.pageMap(frame, vspace, va + 8, RW, DEF), Sel4Error.ALIGNMENT_ERROR);
        InvocationResult r = fx.sel4.pageMap(frame, vspace, va, RW, DEF);
        if (error.equals("-")) {
            ok(r);
        } else {
            err(r, Sel4Error.valueOf(error), mr0);
        }
        Cap.FrameCap cap = (Cap.FrameCap) fx.capAt(frame);
        assertThat(cap.mappedVaddr()).isEqualTo(FREE_VA);
        assertThat(fx.sel4.pageWalk(ROOT_VSPACE, FREE_VA).orElseThrow().translated()).isTrue();
    }

    @Test
    void performPageInvocationUnmap_anUnmappedCapAndAStaleCapUnmapNothingElse() {
        long a = fx.object(ObjectType.SMALL_PAGE);
        long b = fx.object(ObjectType.SMALL_PAGE);
        ok(fx.sel4.pageUnmap(a));
        assertThat(fx.capAt(a)).isEqualTo(((Cap.FrameCap) fx.capAt(a)).unmapped());
        fx.mapRw(a, ROOT_VSPACE, FREE_VA);
        ok(fx.sel4.pageMap(b, ROOT_VSPACE, FREE_VA, RW, DEF)); // over-maps a's page: a's cap is stale
        ok(fx.sel4.pageUnmap(a));
        assertThat(((Cap.FrameCap) fx.capAt(a)).isMapped()).isFalse();
        assertThat(fx.sel4.pageWalk(ROOT_VSPACE, FREE_VA).orElseThrow().steps().get(3).targetPaddr())
                .as("b's mapping stays").isEqualTo(fx.paddr(b));
        // the unmapped stale cap maps afresh elsewhere
        ok(fx.sel4.pageMap(a, ROOT_VSPACE, FREE_VA + PAGE, RW, DEF));
    }

    @ParameterizedTest(name = "the new VSpace maps the same frame there: {0}")
    @CsvSource({"true", "false"})
    void unmapPage_aStaleCapWhoseAsidWasHandedOutAgainUnmapsOnlyTheSameFrameAtItsVaddr(boolean sameFrame) {
        long untyped = fx.untyped(12);
        long pool = fx.slot();
        ok(fx.sel4.asidControlMakePool(ASID_CONTROL, untyped, ROOT, pool, D));
        long first = fx.object(ObjectType.VSPACE);
        ok(fx.sel4.asidPoolAssign(pool, first));
        long frame = fx.object(ObjectType.SMALL_PAGE);
        fx.mapRw(frame, first, FREE_VA);
        int asid = ((Cap.FrameCap) fx.capAt(frame)).mappedAsid();
        // the pool goes, and a new pool in its place hands the same ASID to another VSpace
        ok(fx.sel4.cnodeDelete(ROOT, pool, D));
        ok(fx.sel4.asidControlMakePool(ASID_CONTROL, untyped, ROOT, pool, D));
        long second = fx.object(ObjectType.VSPACE);
        ok(fx.sel4.asidPoolAssign(pool, second));
        assertThat(((Cap.VSpaceCap) fx.capAt(second)).asid()).isEqualTo(asid);
        fx.mapRw(sameFrame ? fx.copy(frame) : fx.object(ObjectType.SMALL_PAGE), second, FREE_VA);
        // unmapPage finds a VSpace by the stale cap's ASID and clears the entry only if it maps this frame
        ok(fx.sel4.pageUnmap(frame));
        assertThat(((Cap.FrameCap) fx.capAt(frame)).isMapped()).isFalse();
        assertThat(fx.sel4.pageWalk(second, FREE_VA).orElseThrow().translated()).isEqualTo(!sameFrame);
    }

    @ParameterizedTest(name = "{0}, mapped {1}")
    @CsvSource({"SMALL_PAGE, false", "SMALL_PAGE, true", "LARGE_PAGE, false", "LARGE_PAGE, true"})
    void performPageGetAddress_returnsTheFramesPhysicalBaseInOneWord(ObjectType type, boolean mapped) {
        long ut = fx.untyped(22);
        long base = ((Cap.Untyped) fx.capAt(ut)).paddr();
        fx.retype(ut, ObjectType.ENDPOINT);
        long frame = fx.retype(ut, type);
        if (mapped) {
            fx.mapRw(frame, ROOT_VSPACE, FREE_VA);
        }
        InvocationResult r = fx.sel4.pageGetAddress(frame);
        ok(r);
        assertThat(r.words()).containsExactly(base + (type == ObjectType.SMALL_PAGE ? PAGE : LARGE));
    }

    @Test
    void performPageGetAddress_ofADeviceFrameIsItsDeviceAddress() {
        UntypedDescriptor dev = fx.info.untypedList().stream().filter(UntypedDescriptor::device).findFirst()
                .orElseThrow();
        long frame = fx.retype(dev.cptr(), ObjectType.SMALL_PAGE);
        assertThat(fx.sel4.pageGetAddress(frame).words()).containsExactly(dev.paddr());
    }

    @Test
    void decodeARMMMUInvocation_assigningAnAssignedVSpaceOrACopyOfItIsInvalidCapability1() {
        long v = fx.object(ObjectType.VSPACE);
        ok(fx.sel4.asidPoolAssign(INIT_POOL, v));
        int asid = ((Cap.VSpaceCap) fx.capAt(v)).asid();
        long copy = fx.copy(v);
        long pool = fx.slot();
        ok(fx.sel4.asidControlMakePool(ASID_CONTROL, fx.untyped(12), ROOT, pool, D));
        for (long[] poolAndVSpace : new long[][] {{INIT_POOL, v}, {INIT_POOL, copy}, {pool, v}}) {
            err(fx.sel4.asidPoolAssign(poolAndVSpace[0], poolAndVSpace[1]), Sel4Error.INVALID_CAPABILITY, 1);
        }
        assertThat(((Cap.VSpaceCap) fx.capAt(v)).asid()).isEqualTo(asid);
        // the next VSpace gets the next ASID: the refused calls took none
        long w = fx.object(ObjectType.VSPACE);
        ok(fx.sel4.asidPoolAssign(INIT_POOL, w));
        assertThat(((Cap.VSpaceCap) fx.capAt(w)).asid()).isEqualTo(asid + 1);
    }

    @Test
    void decodeARMFrameInvocation_anUnmappedCapReachingPastUserTopIsInvalidArgument0() {
        long large = fx.object(ObjectType.LARGE_PAGE);
        long lastLarge = (USER_TOP + 1) - LARGE;
        err(fx.sel4.pageMap(large, ROOT_VSPACE, lastLarge + LARGE, RW, DEF), Sel4Error.INVALID_ARGUMENT, 0);
        ok(fx.mapPage(large, ROOT_VSPACE, lastLarge, RW, DEF));
    }

    @Test
    void performASIDControlInvocation_thePoolCapFollowsItsUntypedAsANonOriginalChildAndTakesTheLowestFreePool() {
        long untypedA = fx.untyped(12);
        long untypedB = fx.untyped(12);
        long poolA = fx.slot();
        long poolB = fx.slot();
        ok(fx.sel4.asidControlMakePool(ASID_CONTROL, untypedA, ROOT, poolA, D));
        ok(fx.sel4.asidControlMakePool(ASID_CONTROL, untypedB, ROOT, poolB, D));
        // cteInsert right after the untyped; isCapRevocable is false for an ASID pool cap
        assertThat(fx.slotAt(untypedA).next()).isSameAs(fx.slotAt(poolA));
        assertThat(fx.slotAt(poolA).isRevocable()).isFalse();
        Cap.Untyped ut = (Cap.Untyped) fx.capAt(untypedA);
        assertThat(ut.freeIndex()).isEqualTo(ut.maxFreeIndex());
        int baseA = ((Cap.AsidPoolCap) fx.capAt(poolA)).pool().asidBase();
        int baseB = ((Cap.AsidPoolCap) fx.capAt(poolB)).pool().asidBase();
        assertThat(baseB).isEqualTo(baseA + 512);
        // the pool's ASIDs start at its base: only pool 0 skips ASID 0
        long v = fx.object(ObjectType.VSPACE);
        ok(fx.sel4.asidPoolAssign(poolA, v));
        assertThat(((Cap.VSpaceCap) fx.capAt(v)).asid()).isEqualTo(baseA);
        long frame = fx.object(ObjectType.SMALL_PAGE);
        fx.mapRw(frame, v, FREE_VA);
        assertThat(((Cap.FrameCap) fx.capAt(frame)).mappedAsid()).isEqualTo(baseA);
        // revoking the untyped deletes the pool: its ASIDs go and its index is the lowest free again
        ok(fx.sel4.cnodeRevoke(ROOT, untypedA, D));
        assertThat(fx.isEmptySlot(poolA)).isTrue();
        err(fx.sel4.pageMap(fx.object(ObjectType.SMALL_PAGE), v, FREE_VA + PAGE, RW, DEF), Sel4Error.FAILED_LOOKUP,
                0, 1);
        long poolC = fx.slot();
        ok(fx.sel4.asidControlMakePool(ASID_CONTROL, untypedA, ROOT, poolC, D));
        assertThat(((Cap.AsidPoolCap) fx.capAt(poolC)).pool().asidBase()).isEqualTo(baseA);
    }
}
