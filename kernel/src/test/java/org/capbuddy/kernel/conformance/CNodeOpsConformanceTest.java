package org.capbuddy.kernel.conformance;

import org.capbuddy.kernel.testing.RootTaskFx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.capbuddy.kernel.testing.RootTaskFx.D;
import static org.capbuddy.kernel.testing.RootTaskFx.ROOT;
import static org.capbuddy.kernel.testing.RootTaskFx.err;
import static org.capbuddy.kernel.testing.RootTaskFx.ok;

import org.capbuddy.kernel.api.CapRights;
import org.capbuddy.kernel.api.InvocationLabel;
import org.capbuddy.kernel.api.ObjectType;
import org.capbuddy.kernel.api.Sel4Error;
import org.capbuddy.kernel.api.VmRights;
import org.capbuddy.kernel.cap.Cap;
import org.junit.jupiter.api.Test;

/** §3.2–§3.4: CNode invocations, their check orders, derivation, rights, badges and guards. */
class CNodeOpsConformanceTest {

    private final RootTaskFx fx = new RootTaskFx();

    private static final CapRights R = CapRights.READ_ONLY;
    private static final CapRights W = CapRights.WRITE_ONLY;
    private static final CapRights RW = CapRights.READ_WRITE;
    private static final CapRights ALL = CapRights.ALL;

    // ---------------------------------------------------------------- common checks

    @Test
    void common1_labelOutsideTheCNodeRangeIsIllegalOperation() {
        err(fx.raw(ROOT, InvocationLabel.UNTYPED_RETYPE, new long[0]), Sel4Error.ILLEGAL_OPERATION);
        err(fx.raw(ROOT, InvocationLabel.ARM_PAGE_MAP, new long[] {1, 64, 2, 64, 15}, ROOT),
                Sel4Error.ILLEGAL_OPERATION);
    }

    @Test
    void common2_fewerThanTwoWordsIsTruncated() {
        err(fx.raw(ROOT, InvocationLabel.CNODE_DELETE, new long[] {fx.slot()}), Sel4Error.TRUNCATED_MESSAGE);
        err(fx.raw(ROOT, InvocationLabel.CNODE_COPY, new long[0], ROOT), Sel4Error.TRUNCATED_MESSAGE);
    }

    @Test
    void common3_destinationLookupFailureIsRangeErrorOrFailedLookupWithMr0Zero() {
        err(fx.sel4.cnodeDelete(ROOT, fx.slot(), 0), Sel4Error.RANGE_ERROR, 1, 64);
        err(fx.sel4.cnodeRevoke(ROOT, fx.slot(), 65), Sel4Error.RANGE_ERROR, 1, 64);
        err(fx.sel4.cnodeDelete(ROOT, fx.slot(), 12), Sel4Error.FAILED_LOOKUP, 0, 4, 12, 0, 52);
        // the destination is looked up before anything about the source
        long ep = fx.object(ObjectType.ENDPOINT);
        err(fx.sel4.cnodeCopy(ROOT, fx.slot(), 65, ROOT, fx.slot(), 0, ALL), Sel4Error.RANGE_ERROR, 1, 64);
        err(fx.sel4.cnodeCopy(ROOT, ep, 12, ROOT, ep, 64, ALL), Sel4Error.FAILED_LOOKUP, 0, 4, 12, 0, 52);
    }

    // ---------------------------------------------------------------- Copy / Mint / Move / Mutate

    @Test
    void copyFamily1_fewerThanFourWordsOrMissingSrcRootIsTruncated() {
        long ep = fx.object(ObjectType.ENDPOINT);
        long dest = fx.slot();
        err(fx.raw(ROOT, InvocationLabel.CNODE_COPY, new long[] {dest, D, ep}, ROOT), Sel4Error.TRUNCATED_MESSAGE);
        err(fx.raw(ROOT, InvocationLabel.CNODE_MOVE, new long[] {dest, D, ep, D}), Sel4Error.TRUNCATED_MESSAGE);
        err(fx.raw(ROOT, InvocationLabel.CNODE_MINT, new long[] {dest, D, ep, D, 15, 1}),
                Sel4Error.TRUNCATED_MESSAGE);
        assertThat(fx.isEmpty(dest)).isTrue();
    }

    @Test
    void copyFamily2_occupiedDestinationIsDeleteFirst() {
        long a = fx.object(ObjectType.ENDPOINT);
        long b = fx.object(ObjectType.ENDPOINT);
        err(fx.sel4.cnodeCopy(ROOT, b, D, ROOT, a, D, ALL), Sel4Error.DELETE_FIRST);
        err(fx.sel4.cnodeMint(ROOT, b, D, ROOT, a, D, ALL, 5), Sel4Error.DELETE_FIRST);
        err(fx.sel4.cnodeMove(ROOT, b, D, ROOT, a, D), Sel4Error.DELETE_FIRST);
        err(fx.sel4.cnodeMutate(ROOT, b, D, ROOT, a, D, 0), Sel4Error.DELETE_FIRST);
    }

    @Test
    void copyFamily2_movingACapOntoItsOwnSlotIsDeleteFirst() {
        long a = fx.object(ObjectType.ENDPOINT);
        err(fx.sel4.cnodeMove(ROOT, a, D, ROOT, a, D), Sel4Error.DELETE_FIRST);
        long cn = fx.cnode(4);
        err(fx.sel4.cnodeMutate(ROOT, cn, D, ROOT, cn, D, 0), Sel4Error.DELETE_FIRST);
    }

    @Test
    void copyFamily2_deleteFirstBeatsASourceLookupFailure() {
        long a = fx.object(ObjectType.ENDPOINT);
        err(fx.sel4.cnodeCopy(ROOT, a, D, ROOT, fx.slot(), 12, ALL), Sel4Error.DELETE_FIRST);
        err(fx.sel4.cnodeCopy(ROOT, a, D, ROOT, fx.slot(), 65, ALL), Sel4Error.DELETE_FIRST);
    }

    @Test
    void copyFamily3_sourceLookupFailureIsFailedLookupWithMr0One() {
        long ep = fx.object(ObjectType.ENDPOINT);
        err(fx.sel4.cnodeCopy(ROOT, fx.slot(), D, ROOT, ep, 12, ALL), Sel4Error.FAILED_LOOKUP, 1, 4, 12, 0, 52);
        err(fx.sel4.cnodeMove(ROOT, fx.slot(), D, ROOT, 1L << 20, D), Sel4Error.FAILED_LOOKUP, 1, 4, 64, 0, 52);
        // a source root that is not a CNode
        err(fx.sel4.cnodeCopy(ROOT, fx.slot(), D, ep, 0, D, ALL), Sel4Error.FAILED_LOOKUP, 1, 1);
        err(fx.sel4.cnodeCopy(ROOT, fx.slot(), D, ROOT, ep, 0, ALL), Sel4Error.RANGE_ERROR, 1, 64);
    }

    @Test
    void copyFamily4_emptySourceIsFailedLookupMissingCapabilityWithBitsLeftSrcDepth() {
        long empty = fx.slot();
        err(fx.sel4.cnodeCopy(ROOT, fx.slot(), D, ROOT, empty, D, ALL), Sel4Error.FAILED_LOOKUP, 1, 2, 64);
        err(fx.sel4.cnodeMove(ROOT, fx.slot(), D, ROOT, empty, D), Sel4Error.FAILED_LOOKUP, 1, 2, 64);
        err(fx.sel4.cnodeMint(ROOT, fx.slot(), D, ROOT, empty, D, ALL, 3), Sel4Error.FAILED_LOOKUP, 1, 2, 64);
        err(fx.sel4.cnodeMutate(ROOT, fx.slot(), D, ROOT, empty, D, 0), Sel4Error.FAILED_LOOKUP, 1, 2, 64);
    }

    @Test
    void copyFamily5_shortCopyMintMutateMessagesAreTruncatedAfterTheSourceChecks() {
        long ep = fx.object(ObjectType.ENDPOINT);
        long dest = fx.slot();
        err(fx.raw(ROOT, InvocationLabel.CNODE_COPY, new long[] {dest, D, ep, D}, ROOT), Sel4Error.TRUNCATED_MESSAGE);
        err(fx.raw(ROOT, InvocationLabel.CNODE_MINT, new long[] {dest, D, ep, D, 15}, ROOT),
                Sel4Error.TRUNCATED_MESSAGE);
        err(fx.raw(ROOT, InvocationLabel.CNODE_MUTATE, new long[] {dest, D, ep, D}, ROOT),
                Sel4Error.TRUNCATED_MESSAGE);
        // Move needs only four words
        ok(fx.raw(ROOT, InvocationLabel.CNODE_MOVE, new long[] {dest, D, ep, D}, ROOT));
        // the earlier checks win over the late length check
        long occupied = fx.object(ObjectType.ENDPOINT);
        err(fx.raw(ROOT, InvocationLabel.CNODE_COPY, new long[] {occupied, D, dest, D}, ROOT), Sel4Error.DELETE_FIRST);
        err(fx.raw(ROOT, InvocationLabel.CNODE_MINT, new long[] {fx.slot(), D, fx.slot(), D, 15}, ROOT),
                Sel4Error.FAILED_LOOKUP, 1, 2, 64);
    }

    @Test
    void copyFamily6_copyingAnUntypedWithChildrenIsRevokeFirst() {
        long ut = fx.untyped(16);
        fx.retype(ut, ObjectType.ENDPOINT);
        err(fx.sel4.cnodeCopy(ROOT, fx.slot(), D, ROOT, ut, D, ALL), Sel4Error.REVOKE_FIRST);
        err(fx.sel4.cnodeMint(ROOT, fx.slot(), D, ROOT, ut, D, ALL, 0), Sel4Error.REVOKE_FIRST);
        // Move does not derive
        ok(fx.sel4.cnodeMove(ROOT, fx.slot(), D, ROOT, ut, D));
    }

    @Test
    void copyFamily6_copyingAnUnmappedPageTableIsIllegalOperation() {
        long pt = fx.object(ObjectType.PAGE_TABLE);
        err(fx.sel4.cnodeCopy(ROOT, fx.slot(), D, ROOT, pt, D, ALL), Sel4Error.ILLEGAL_OPERATION);
        err(fx.sel4.cnodeMint(ROOT, fx.slot(), D, ROOT, pt, D, ALL, 0), Sel4Error.ILLEGAL_OPERATION);
        ok(fx.sel4.pageTableMap(pt, RootTaskFx.ROOT_VSPACE, RootTaskFx.FREE_VA, 0));
        ok(fx.sel4.cnodeCopy(ROOT, fx.slot(), D, ROOT, pt, D, ALL));
    }

    @Test
    void copyFamily6_copyingAVSpaceWithoutAsidIsIllegalOperation() {
        long v = fx.object(ObjectType.VSPACE);
        err(fx.sel4.cnodeCopy(ROOT, fx.slot(), D, ROOT, v, D, ALL), Sel4Error.ILLEGAL_OPERATION);
        ok(fx.sel4.asidPoolAssign(RootTaskFx.INIT_POOL, v));
        ok(fx.sel4.cnodeCopy(ROOT, fx.slot(), D, ROOT, v, D, ALL));
    }

    @Test
    void copyFamily5_lengthCheckComesBeforeDerivationErrors() {
        // §3.4 order: 5 (message too short) comes before 6 (derivation errors)
        long pt = fx.object(ObjectType.PAGE_TABLE);
        err(fx.raw(ROOT, InvocationLabel.CNODE_COPY, new long[] {fx.slot(), D, pt, D}, ROOT),
                Sel4Error.TRUNCATED_MESSAGE);
    }

    @Test
    void copyFamily7_copyingIrqControlGivesANullCapSoIllegalOperation() {
        long dest = fx.slot();
        err(fx.sel4.cnodeCopy(ROOT, dest, D, ROOT, RootTaskFx.IRQ_CONTROL, D, ALL), Sel4Error.ILLEGAL_OPERATION);
        assertThat(fx.isEmpty(dest)).isTrue();
    }

    @Test
    void copiedFrameCapStartsUnmapped() {
        long f = fx.object(ObjectType.SMALL_PAGE);
        fx.mapRw(f, RootTaskFx.ROOT_VSPACE, RootTaskFx.FREE_VA);
        long c = fx.copy(f);
        assertThat(((Cap.FrameCap) fx.capAt(c)).isMapped()).isFalse();
        // the copy can be mapped elsewhere
        fx.mapRw(c, RootTaskFx.ROOT_VSPACE, RootTaskFx.FREE_VA + RootTaskFx.PAGE);
    }

    // ---------------------------------------------------------------- rights (§3.3)

    @Test
    void copyMasksEndpointRightsByAnd() {
        long ep = fx.object(ObjectType.ENDPOINT);
        long wg = fx.copy(ep, CapRights.of(false, true, false, true));
        assertThat(((Cap.EndpointCap) fx.capAt(wg)).rights()).isEqualTo(new CapRights(0x5));
        // over-asking on the copy downgrades silently
        long again = fx.copy(wg, ALL);
        assertThat(((Cap.EndpointCap) fx.capAt(again)).rights()).isEqualTo(new CapRights(0x5));
        long readOnly = fx.copy(again, R);
        assertThat(((Cap.EndpointCap) fx.capAt(readOnly)).rights()).isEqualTo(CapRights.NONE);
        long mint = fx.mint(ep, new CapRights(0xA), 9);
        assertThat(((Cap.EndpointCap) fx.capAt(mint)).rights()).isEqualTo(new CapRights(0xA));
    }

    @Test
    void copyMasksNotificationRights() {
        long n = fx.object(ObjectType.NOTIFICATION);
        long c = fx.copy(n, ALL);
        assertThat(((Cap.NotificationCap) fx.capAt(c)).rights()).isEqualTo(RW);
        long w = fx.copy(n, W);
        assertThat(((Cap.NotificationCap) fx.capAt(w)).rights()).isEqualTo(W);
    }

    @Test
    void copyMasksFrameRightsToRwRoOrKernelOnly() {
        long f = fx.object(ObjectType.SMALL_PAGE);
        assertThat(frameRights(fx.copy(f, ALL))).isEqualTo(VmRights.READ_WRITE);
        assertThat(frameRights(fx.copy(f, RW))).isEqualTo(VmRights.READ_WRITE);
        assertThat(frameRights(fx.copy(f, R))).isEqualTo(VmRights.READ_ONLY);
        assertThat(frameRights(fx.copy(f, W))).isEqualTo(VmRights.KERNEL_ONLY);
        assertThat(frameRights(fx.copy(f, CapRights.NONE))).isEqualTo(VmRights.KERNEL_ONLY);
        assertThat(frameRights(fx.copy(f, new CapRights(0xC)))).isEqualTo(VmRights.KERNEL_ONLY);
        long ro = fx.copy(f, R);
        assertThat(frameRights(fx.copy(ro, ALL))).isEqualTo(VmRights.READ_ONLY);
        assertThat(frameRights(fx.copy(ro, W))).isEqualTo(VmRights.KERNEL_ONLY);
        long ko = fx.copy(f, W);
        assertThat(frameRights(fx.copy(ko, ALL))).isEqualTo(VmRights.KERNEL_ONLY);
        assertThat(frameRights(fx.mint(f, R, 1234))).isEqualTo(VmRights.READ_ONLY);
    }

    private VmRights frameRights(long cptr) {
        return ((Cap.FrameCap) fx.capAt(cptr)).rights();
    }

    // ---------------------------------------------------------------- badges (§3.3)

    @Test
    void mintBadgesAnUnbadgedEndpointAndMakesAnOriginal() {
        long ep = fx.object(ObjectType.ENDPOINT);
        long b = fx.mint(ep, ALL, 0x42);
        assertThat(((Cap.EndpointCap) fx.capAt(b)).badge()).isEqualTo(0x42);
        assertThat(fx.slotAt(b).isRevocable()).isTrue();
        // badge 0 gives a plain, non-revocable copy
        long plain = fx.mint(ep, ALL, 0);
        assertThat(((Cap.EndpointCap) fx.capAt(plain)).badge()).isZero();
        assertThat(fx.slotAt(plain).isRevocable()).isFalse();
    }

    @Test
    void mintBadgesAnUnbadgedNotification() {
        long n = fx.object(ObjectType.NOTIFICATION);
        long b = fx.mint(n, ALL, 7);
        assertThat(((Cap.NotificationCap) fx.capAt(b)).badge()).isEqualTo(7);
        err(fx.sel4.cnodeMint(ROOT, fx.slot(), D, ROOT, b, D, ALL, 8), Sel4Error.ILLEGAL_OPERATION);
    }

    @Test
    void mintOnAnAlreadyBadgedEndpointIsIllegalOperation() {
        long ep = fx.object(ObjectType.ENDPOINT);
        long b = fx.mint(ep, ALL, 0x42);
        long dest = fx.slot();
        err(fx.sel4.cnodeMint(ROOT, dest, D, ROOT, b, D, ALL, 0x43), Sel4Error.ILLEGAL_OPERATION);
        err(fx.sel4.cnodeMint(ROOT, dest, D, ROOT, b, D, ALL, 0x42), Sel4Error.ILLEGAL_OPERATION);
        err(fx.sel4.cnodeMint(ROOT, dest, D, ROOT, b, D, ALL, 0), Sel4Error.ILLEGAL_OPERATION);
        assertThat(fx.isEmpty(dest)).isTrue();
        // Copy of a badged cap keeps the badge
        long c = fx.copy(b);
        assertThat(((Cap.EndpointCap) fx.capAt(c)).badge()).isEqualTo(0x42);
    }

    @Test
    void mintDataIsIgnoredForOtherCaps() {
        long f = fx.object(ObjectType.SMALL_PAGE);
        long m = fx.mint(f, ALL, 0xFFFF);
        assertThat(fx.paddr(m)).isEqualTo(fx.paddr(f));
        long tcb = fx.object(ObjectType.TCB);
        fx.mint(tcb, ALL, 99);
    }

    @Test
    void mutateOfAnEndpointIsIllegalOperation() {
        long ep = fx.object(ObjectType.ENDPOINT);
        long dest = fx.slot();
        err(fx.sel4.cnodeMutate(ROOT, dest, D, ROOT, ep, D, 0), Sel4Error.ILLEGAL_OPERATION);
        err(fx.sel4.cnodeMutate(ROOT, dest, D, ROOT, ep, D, 5), Sel4Error.ILLEGAL_OPERATION);
        long n = fx.object(ObjectType.NOTIFICATION);
        err(fx.sel4.cnodeMutate(ROOT, dest, D, ROOT, n, D, 0), Sel4Error.ILLEGAL_OPERATION);
        // the caps stay where they were
        assertThat(fx.isEmpty(dest)).isTrue();
        assertThat(fx.capAt(ep)).isInstanceOf(Cap.EndpointCap.class);
        // Move works
        ok(fx.sel4.cnodeMove(ROOT, dest, D, ROOT, ep, D));
        assertThat(fx.isEmpty(ep)).isTrue();
        assertThat(fx.capAt(dest)).isInstanceOf(Cap.EndpointCap.class);
    }

    @Test
    void mutateMovesOtherCapsIgnoringTheData() {
        long f = fx.object(ObjectType.SMALL_PAGE);
        long pa = fx.paddr(f);
        long dest = fx.slot();
        ok(fx.sel4.cnodeMutate(ROOT, dest, D, ROOT, f, D, 0x1234));
        assertThat(fx.isEmpty(f)).isTrue();
        assertThat(fx.paddr(dest)).isEqualTo(pa);
    }

    @Test
    void rotateOfEndpointsIsIllegalOperation() {
        long a = fx.object(ObjectType.ENDPOINT);
        long b = fx.object(ObjectType.ENDPOINT);
        long dest = fx.slot();
        err(fx.sel4.cnodeRotate(ROOT, dest, D, 0, ROOT, a, D, 0, ROOT, b, D), Sel4Error.ILLEGAL_OPERATION);
        assertThat(fx.isEmpty(dest)).isTrue();
        assertThat(fx.isEmpty(a)).isFalse();
        assertThat(fx.isEmpty(b)).isFalse();
    }

    // ---------------------------------------------------------------- CNode guards (§3.3)

    @Test
    void mintSetsACNodeGuardFromTheDataWordMaskedToGuardSize() {
        long cn = fx.cnode(4);
        long m = fx.mint(cn, ALL, (3L << 6) | 2);
        Cap.CNodeCap c = (Cap.CNodeCap) fx.capAt(m);
        assertThat(c.guard()).isEqualTo(3);
        assertThat(c.guardSize()).isEqualTo(2);
        long masked = fx.mint(cn, ALL, (0xFFL << 6) | 2);
        assertThat(((Cap.CNodeCap) fx.capAt(masked)).guard()).isEqualTo(3);
        // and the guard is used: depth 2 + 4 with the guard bits in front reaches the CNode's slots
        ok(fx.sel4.cnodeCopy(m, (3L << 4) | 5, 6, ROOT, fx.object(ObjectType.ENDPOINT), D, ALL));
        err(fx.sel4.cnodeDelete(m, (1L << 4) | 5, 6), Sel4Error.FAILED_LOOKUP, 0, 4, 6, 3, 2);
    }

    @Test
    void mintOrMutateWithGuardSizePlusRadixAbove64IsIllegalOperation() {
        long cn = fx.cnode(4);
        long dest = fx.slot();
        err(fx.sel4.cnodeMint(ROOT, dest, D, ROOT, cn, D, ALL, 61), Sel4Error.ILLEGAL_OPERATION);
        err(fx.sel4.cnodeMutate(ROOT, dest, D, ROOT, cn, D, 61), Sel4Error.ILLEGAL_OPERATION);
        assertThat(fx.isEmpty(dest)).isTrue();
        ok(fx.sel4.cnodeMint(ROOT, dest, D, ROOT, cn, D, ALL, 60));
        assertThat(((Cap.CNodeCap) fx.capAt(dest)).guardSize()).isEqualTo(60);
    }

    @Test
    void mutateAlwaysRewritesACNodeGuard() {
        long cn = fx.cnode(4);
        long guarded = fx.mint(cn, ALL, (5L << 6) | 3);
        long dest = fx.slot();
        ok(fx.sel4.cnodeMutate(ROOT, dest, D, ROOT, guarded, D, 0));
        Cap.CNodeCap c = (Cap.CNodeCap) fx.capAt(dest);
        assertThat(c.guard()).isZero();
        assertThat(c.guardSize()).isZero();
        assertThat(fx.isEmpty(guarded)).isTrue();
    }

    // ---------------------------------------------------------------- Rotate

    @Test
    void rotate1_fewerThanEightWordsOrAMissingRootIsTruncated() {
        long a = fx.object(ObjectType.SMALL_PAGE);
        long b = fx.object(ObjectType.SMALL_PAGE);
        long dest = fx.slot();
        err(fx.raw(ROOT, InvocationLabel.CNODE_ROTATE, new long[] {dest, D, 0, a, D, 0, b}, ROOT, ROOT),
                Sel4Error.TRUNCATED_MESSAGE);
        err(fx.raw(ROOT, InvocationLabel.CNODE_ROTATE, new long[] {dest, D, 0, a, D, 0, b, D}, ROOT),
                Sel4Error.TRUNCATED_MESSAGE);
    }

    @Test
    void rotate2_sourceIsLookedUpBeforeThePivot() {
        long dest = fx.slot();
        long ep = fx.object(ObjectType.ENDPOINT);
        // both fail: the source's error wins
        err(fx.sel4.cnodeRotate(ROOT, dest, D, 0, ROOT, fx.slot(), 12, 0, ROOT, fx.slot(), 12),
                Sel4Error.FAILED_LOOKUP, 1, 4, 12, 0, 52);
        err(fx.sel4.cnodeRotate(ROOT, dest, D, 0, ROOT, fx.slot(), 0, 0, ep, 0, D),
                Sel4Error.FAILED_LOOKUP, 1, 1);
        err(fx.sel4.cnodeRotate(ROOT, dest, D, 0, ep, 0, D, 0, ROOT, fx.slot(), 65), Sel4Error.RANGE_ERROR, 1, 64);
        // only the pivot fails: lookupPivotSlot looks it up as a source too, so MR0 = 1
        err(fx.sel4.cnodeRotate(ROOT, dest, D, 0, ROOT, fx.slot(), 12, 0, ROOT, fx.slot(), D),
                Sel4Error.FAILED_LOOKUP, 1, 4, 12, 0, 52);
    }

    @Test
    void rotate2_destinationLookupComesFirstAndReportsMr0Zero() {
        long dest = fx.slot();
        err(fx.sel4.cnodeRotate(ROOT, dest, 12, 0, ROOT, fx.slot(), 12, 0, ROOT, fx.slot(), 12),
                Sel4Error.FAILED_LOOKUP, 0, 4, 12, 0, 52);
        err(fx.sel4.cnodeRotate(ROOT, dest, 0, 0, ROOT, fx.slot(), 12, 0, ROOT, fx.slot(), 12),
                Sel4Error.RANGE_ERROR, 1, 64);
    }

    @Test
    void rotate2_everyPivotLookupFailureIsFailedLookupWithMr0One() {
        long a = fx.object(ObjectType.SMALL_PAGE);
        long ep = fx.object(ObjectType.ENDPOINT);
        long cn = fx.cnode(4);
        long dest = fx.slot();
        // a pivot root that is not a CNode: InvalidRoot
        err(fx.sel4.cnodeRotate(ROOT, dest, D, 0, ep, 0, D, 0, ROOT, a, D), Sel4Error.FAILED_LOOKUP, 1, 1);
        // guard mismatch: too few bits for the root's 52-bit guard, then a cptr whose guard bits
        // are not 0 (MR3 is the CNode's own guard, 0, not the bits found in the cptr)
        err(fx.sel4.cnodeRotate(ROOT, dest, D, 0, ROOT, fx.slot(), 12, 0, ROOT, a, D),
                Sel4Error.FAILED_LOOKUP, 1, 4, 12, 0, 52);
        err(fx.sel4.cnodeRotate(ROOT, dest, D, 0, ROOT, 1L << 12, D, 0, ROOT, a, D),
                Sel4Error.FAILED_LOOKUP, 1, 4, 64, 0, 52);
        // depth mismatch while resolving: 2 bits left, the CNode needs 4
        err(fx.sel4.cnodeRotate(ROOT, dest, D, 0, cn, 0, 2, 0, ROOT, a, D), Sel4Error.FAILED_LOOKUP, 1, 3, 2, 4);
        // bits left over after reaching a slot that holds no CNode
        err(fx.sel4.cnodeRotate(ROOT, dest, D, 0, cn, 0, 8, 0, ROOT, a, D), Sel4Error.FAILED_LOOKUP, 1, 3, 4, 0);
    }

    @Test
    void rotate2_pivotDepthOutsideOneTo64IsRangeError() {
        long a = fx.object(ObjectType.SMALL_PAGE);
        long b = fx.object(ObjectType.SMALL_PAGE);
        err(fx.sel4.cnodeRotate(ROOT, fx.slot(), D, 0, ROOT, b, 0, 0, ROOT, a, D), Sel4Error.RANGE_ERROR, 1, 64);
        err(fx.sel4.cnodeRotate(ROOT, fx.slot(), D, 0, ROOT, b, 65, 0, ROOT, a, D), Sel4Error.RANGE_ERROR, 1, 64);
        // the range check comes after the root check
        long ep = fx.object(ObjectType.ENDPOINT);
        err(fx.sel4.cnodeRotate(ROOT, fx.slot(), D, 0, ep, b, 65, 0, ROOT, a, D), Sel4Error.FAILED_LOOKUP, 1, 1);
    }

    @Test
    void rotate2_pivotLookupComesBeforeTheSlotChecks() {
        long a = fx.object(ObjectType.SMALL_PAGE);
        long occupied = fx.object(ObjectType.SMALL_PAGE);
        // beats DeleteFirst on an occupied destination
        err(fx.sel4.cnodeRotate(ROOT, occupied, D, 0, ROOT, fx.slot(), 12, 0, ROOT, a, D),
                Sel4Error.FAILED_LOOKUP, 1, 4, 12, 0, 52);
        // beats an empty source
        err(fx.sel4.cnodeRotate(ROOT, fx.slot(), D, 0, ROOT, fx.slot(), 12, 0, ROOT, fx.slot(), D),
                Sel4Error.FAILED_LOOKUP, 1, 4, 12, 0, 52);
        // and nothing moved
        assertThat(fx.isEmpty(a)).isFalse();
        assertThat(fx.isEmpty(occupied)).isFalse();
    }

    @Test
    void rotate3_pivotEqualToSourceOrDestinationIsIllegalOperation() {
        long a = fx.object(ObjectType.SMALL_PAGE);
        long b = fx.object(ObjectType.SMALL_PAGE);
        long occupied = fx.object(ObjectType.SMALL_PAGE);
        err(fx.sel4.cnodeRotate(ROOT, fx.slot(), D, 0, ROOT, a, D, 0, ROOT, a, D), Sel4Error.ILLEGAL_OPERATION);
        err(fx.sel4.cnodeRotate(ROOT, b, D, 0, ROOT, b, D, 0, ROOT, a, D), Sel4Error.ILLEGAL_OPERATION);
        // beats DeleteFirst on an occupied destination
        err(fx.sel4.cnodeRotate(ROOT, occupied, D, 0, ROOT, a, D, 0, ROOT, a, D), Sel4Error.ILLEGAL_OPERATION);
    }

    @Test
    void rotate4_occupiedDestinationOtherThanTheSourceIsDeleteFirst() {
        long a = fx.object(ObjectType.SMALL_PAGE);
        long b = fx.object(ObjectType.SMALL_PAGE);
        long occupied = fx.object(ObjectType.SMALL_PAGE);
        err(fx.sel4.cnodeRotate(ROOT, occupied, D, 0, ROOT, b, D, 0, ROOT, a, D), Sel4Error.DELETE_FIRST);
        // beats an empty source
        err(fx.sel4.cnodeRotate(ROOT, occupied, D, 0, ROOT, b, D, 0, ROOT, fx.slot(), D), Sel4Error.DELETE_FIRST);
    }

    @Test
    void rotate5and6_emptySourceIsFailedLookupMr0OneThenEmptyPivotMr0Zero() {
        long a = fx.object(ObjectType.SMALL_PAGE);
        long emptySrc = fx.slot();
        long emptyPivot = fx.slot();
        err(fx.sel4.cnodeRotate(ROOT, fx.slot(), D, 0, ROOT, emptyPivot, D, 0, ROOT, emptySrc, D),
                Sel4Error.FAILED_LOOKUP, 1, 2, 64);
        err(fx.sel4.cnodeRotate(ROOT, fx.slot(), D, 0, ROOT, emptyPivot, D, 0, ROOT, a, D),
                Sel4Error.FAILED_LOOKUP, 0, 2, 64);
    }

    @Test
    void rotate5and6_emptySlotsReportTheirOwnDepthAsBitsLeft() {
        long a = fx.object(ObjectType.SMALL_PAGE);
        long cn = fx.cnode(4);
        // an empty pivot found through a 4-bit CNode: MissingCapability with bitsLeft = pivot_depth
        err(fx.sel4.cnodeRotate(ROOT, fx.slot(), D, 0, cn, 3, 4, 0, ROOT, a, D), Sel4Error.FAILED_LOOKUP, 0, 2, 4);
        // an empty source found the same way: bitsLeft = src_depth
        err(fx.sel4.cnodeRotate(ROOT, fx.slot(), D, 0, ROOT, a, D, 0, cn, 5, 4), Sel4Error.FAILED_LOOKUP, 1, 2, 4);
    }

    @Test
    void rotate7_nullResultIsIllegalOperation_cnodeGuardTooLarge() {
        long a = fx.object(ObjectType.SMALL_PAGE);
        long cn = fx.cnode(4);
        // src (a CNode) moves to pivot rewritten with pivot_badge = guard size 61: null cap
        err(fx.sel4.cnodeRotate(ROOT, fx.slot(), D, 0, ROOT, a, D, 61, ROOT, cn, D), Sel4Error.ILLEGAL_OPERATION);
    }

    @Test
    void rotate7_nullPivotResultIsIllegalOperationAndNothingMoves() {
        long a = fx.object(ObjectType.SMALL_PAGE);
        long cn = fx.cnode(4);
        long dest = fx.slot();
        // pivot (a CNode) moves to dest rewritten with dest_badge = guard size 61: null cap
        err(fx.sel4.cnodeRotate(ROOT, dest, D, 61, ROOT, cn, D, 0, ROOT, a, D), Sel4Error.ILLEGAL_OPERATION);
        assertThat(fx.isEmpty(dest)).isTrue();
        assertThat(fx.capAt(cn)).isInstanceOf(Cap.CNodeCap.class);
        assertThat(fx.capAt(a)).isInstanceOf(Cap.FrameCap.class);
    }

    @Test
    void rotateMovesPivotToDestAndSourceToPivot() {
        long a = fx.object(ObjectType.SMALL_PAGE);
        long b = fx.object(ObjectType.SMALL_PAGE);
        long pa = fx.paddr(a);
        long pb = fx.paddr(b);
        long dest = fx.slot();
        // pivot b -> dest, src a -> pivot slot
        ok(fx.sel4.cnodeRotate(ROOT, dest, D, 0, ROOT, b, D, 0, ROOT, a, D));
        assertThat(fx.paddr(dest)).isEqualTo(pb);
        assertThat(fx.paddr(b)).isEqualTo(pa);
        assertThat(fx.isEmpty(a)).isTrue();
    }

    @Test
    void rotateWithDestEqualToSourceSwapsTheTwoCaps() {
        long a = fx.object(ObjectType.SMALL_PAGE);
        long b = fx.object(ObjectType.SMALL_PAGE);
        long pa = fx.paddr(a);
        long pb = fx.paddr(b);
        ok(fx.sel4.cnodeRotate(ROOT, a, D, 0, ROOT, b, D, 0, ROOT, a, D));
        assertThat(fx.paddr(a)).isEqualTo(pb);
        assertThat(fx.paddr(b)).isEqualTo(pa);
    }

    @Test
    void rotateRewritesCNodeGuardsWithTheBadgeWords() {
        long c1 = fx.cnode(4);
        long c2 = fx.cnode(4);
        Object o1 = fx.capAt(c1).object();
        Object o2 = fx.capAt(c2).object();
        long dest = fx.slot();
        // pivot c2 -> dest with dest_badge; src c1 -> pivot with pivot_badge
        ok(fx.sel4.cnodeRotate(ROOT, dest, D, (1L << 6) | 1, ROOT, c2, D, (2L << 6) | 2, ROOT, c1, D));
        Cap.CNodeCap atDest = (Cap.CNodeCap) fx.capAt(dest);
        Cap.CNodeCap atPivot = (Cap.CNodeCap) fx.capAt(c2);
        assertThat(atDest.object()).isSameAs(o2);
        assertThat(atDest.guardSize()).isEqualTo(1);
        assertThat(atDest.guard()).isEqualTo(1);
        assertThat(atPivot.object()).isSameAs(o1);
        assertThat(atPivot.guardSize()).isEqualTo(2);
        assertThat(atPivot.guard()).isEqualTo(2);
    }

    // ---------------------------------------------------------------- other methods

    @Test
    void deleteOfAnEmptySlotSucceeds() {
        long s = fx.slot();
        ok(fx.sel4.cnodeDelete(ROOT, s, D));
        assertThat(fx.isEmpty(s)).isTrue();
    }

    @Test
    void revokeOfACapWithoutChildrenSucceedsAndKeepsTheCap() {
        long ep = fx.object(ObjectType.ENDPOINT);
        long copy = fx.copy(ep);
        ok(fx.sel4.cnodeRevoke(ROOT, copy, D));
        assertThat(fx.isEmpty(copy)).isFalse();
        assertThat(fx.isEmpty(ep)).isFalse();
        ok(fx.sel4.cnodeRevoke(ROOT, fx.slot(), D));
    }

    @Test
    void saveCallerOnAnOccupiedSlotIsDeleteFirst() {
        long ep = fx.object(ObjectType.ENDPOINT);
        err(fx.sel4.cnodeSaveCaller(ROOT, ep, D), Sel4Error.DELETE_FIRST);
        ok(fx.sel4.cnodeSaveCaller(ROOT, fx.slot(), D));
    }

    @Test
    void cancelBadgedSendsNeedsAnEndpointWithAllRights() {
        long ep = fx.object(ObjectType.ENDPOINT);
        long weak = fx.copy(ep, RW);
        err(fx.raw(ROOT, InvocationLabel.CNODE_CANCEL_BADGED_SENDS, new long[] {weak, D}),
                Sel4Error.ILLEGAL_OPERATION);
        err(fx.raw(ROOT, InvocationLabel.CNODE_CANCEL_BADGED_SENDS, new long[] {fx.object(ObjectType.SMALL_PAGE), D}),
                Sel4Error.ILLEGAL_OPERATION);
        ok(fx.raw(ROOT, InvocationLabel.CNODE_CANCEL_BADGED_SENDS, new long[] {ep, D}));
    }
}
