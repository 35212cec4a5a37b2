package org.capbuddy.kernel.conformance;

import org.capbuddy.kernel.testing.RootTaskFx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.capbuddy.kernel.testing.RootTaskFx.D;
import static org.capbuddy.kernel.testing.RootTaskFx.ROOT;
import static org.capbuddy.kernel.testing.RootTaskFx.err;
import static org.capbuddy.kernel.testing.RootTaskFx.ok;

import org.capbuddy.kernel.KernelConfig;
import org.capbuddy.kernel.api.CapRights;
import org.capbuddy.kernel.api.InvocationResult;
import org.capbuddy.kernel.api.LookupFailureType;
import org.capbuddy.kernel.api.ObjectType;
import org.capbuddy.kernel.api.Sel4Error;
import org.capbuddy.kernel.cap.Cap;
import org.junit.jupiter.api.Test;

/** §4: CSpace addressing — resolution, slot lookups, cap lookups and their failure details. */
class CSpaceAddressingConformanceTest {

    private final RootTaskFx fx = new RootTaskFx();
    private final int radix = fx.info.initThreadCNodeSizeBits();

    // ---------------------------------------------------------------- the root CNode

    @Test
    void rootCNodeHasGuardZeroOfSize64MinusRadix() {
        Cap.CNodeCap root = (Cap.CNodeCap) fx.capAt(ROOT);
        assertThat(root.guard()).isZero();
        assertThat(root.guardSize()).isEqualTo(64 - radix);
    }

    @Test
    void cnodeOperationsOnTheRootNeedDepth64() {
        long ep = fx.object(ObjectType.ENDPOINT);
        ok(fx.sel4.cnodeCopy(ROOT, fx.slot(), 64, ROOT, ep, 64, CapRights.ALL));
    }

    @Test
    void depthEqualToRootRadixFailsGuardMismatchBecauseTheGuardIsLongerThanTheBitsLeft() {
        long ep = fx.object(ObjectType.ENDPOINT);
        // FailedLookup, dest side, GuardMismatch, bitsLeft = radix, guardFound 0, guard size 52
        err(fx.sel4.cnodeCopy(ROOT, fx.slot(), radix, ROOT, ep, 64, CapRights.ALL),
                Sel4Error.FAILED_LOOKUP, 0, LookupFailureType.GUARD_MISMATCH.code(), radix, 0, 64 - radix);
        err(fx.sel4.cnodeCopy(ROOT, fx.slot(), 64, ROOT, ep, radix, CapRights.ALL),
                Sel4Error.FAILED_LOOKUP, 1, 4, radix, 0, 64 - radix);
    }

    @Test
    void cptrAtOrAbove2ToTheRadixIsGuardMismatchInASlotLookup() {
        long beyond = 1L << radix;
        err(fx.sel4.cnodeDelete(ROOT, beyond, 64), Sel4Error.FAILED_LOOKUP, 0, 4, 64, 0, 64 - radix);
        err(fx.sel4.cnodeDelete(ROOT, -1L, 64), Sel4Error.FAILED_LOOKUP, 0, 4, 64, 0, 64 - radix);
        ok(fx.sel4.cnodeDelete(ROOT, beyond - 1, 64));
    }

    @Test
    void cptrAtOrAbove2ToTheRadixIsACapFaultWhenInvoked() {
        long beyond = 1L << radix;
        InvocationResult r = fx.sel4.pageGetAddress(beyond + 9);
        assertThat(r.isOk()).isFalse();
        assertThat(r.capFault()).isNotNull();
        assertThat(r.capFault().cptr()).isEqualTo(beyond + 9);
        assertThat(r.capFault().failure().type()).isEqualTo(LookupFailureType.GUARD_MISMATCH);
        assertThat(r.capFault().failure().bitsLeft()).isEqualTo(64);
        assertThat(r.capFault().failure().guardSize()).isEqualTo(64 - radix);
    }

    @Test
    void largerRootCNodeMovesTheBoundary() {
        RootTaskFx big = new RootTaskFx(KernelConfig.defaults().withRootCNodeBits(18));
        Cap.CNodeCap root = (Cap.CNodeCap) big.capAt(ROOT);
        assertThat(root.guardSize()).isEqualTo(46);
        ok(big.sel4.cnodeDelete(ROOT, (1L << 18) - 1, 64));
        err(big.sel4.cnodeDelete(ROOT, 1L << 18, 64), Sel4Error.FAILED_LOOKUP, 0, 4, 64, 0, 46);
        err(big.sel4.cnodeDelete(ROOT, 5, 18), Sel4Error.FAILED_LOOKUP, 0, 4, 18, 0, 46);
    }

    @Test
    void depthOutside1To64IsRangeError1To64() {
        err(fx.sel4.cnodeDelete(ROOT, 20, 0), Sel4Error.RANGE_ERROR, 1, 64);
        err(fx.sel4.cnodeDelete(ROOT, 20, 65), Sel4Error.RANGE_ERROR, 1, 64);
        err(fx.sel4.cnodeDelete(ROOT, 20, -1L), Sel4Error.RANGE_ERROR, 1, 64);
        err(fx.sel4.cnodeRevoke(ROOT, 20, 1L << 32), Sel4Error.RANGE_ERROR, 1, 64);
    }

    @Test
    void onlyTheLowDepthBitsOfTheCptrAreUsed() {
        // with a CNode of radix 4 and no guard, depth 4 uses just the low 4 bits
        long cn = fx.cnode(4);
        long ep = fx.object(ObjectType.ENDPOINT);
        ok(fx.sel4.cnodeCopy(cn, 0xABC0_0003L, 4, ROOT, ep, D, CapRights.ALL));
        err(fx.sel4.cnodeCopy(cn, 3, 4, ROOT, ep, D, CapRights.ALL), Sel4Error.DELETE_FIRST);
    }

    // ---------------------------------------------------------------- two-level CSpace

    /** L1: radix 8 with guard 5 of 3 bits, in the root; L2 (radix 4, no guard) in L1's slot 7. */
    private final class TwoLevel {
        final long l1;
        final long l2;
        final long epInL1Slot8;

        TwoLevel() {
            long raw = fx.cnode(8);
            l1 = fx.mint(raw, CapRights.ALL, (5L << 6) | 3);
            l2 = fx.cnode(4);
            // L2 into L1 slot 7: index = guard . slot, depth 3 + 8
            ok(fx.sel4.cnodeCopy(l1, (5L << 8) | 7, 11, ROOT, l2, D, CapRights.ALL));
            long ep = fx.object(ObjectType.ENDPOINT);
            ok(fx.sel4.cnodeCopy(l1, (5L << 8) | 8, 11, ROOT, ep, D, CapRights.ALL));
            epInL1Slot8 = ep;
        }

        /** The address of slot {@code s} of L2 relative to L1, depth 15. */
        long l2Slot(long s) {
            return (5L << 12) | (7L << 4) | s;
        }
    }

    @Test
    void twoLevelAddressingThroughAGuardedCNodeReachesTheSecondLevel() {
        TwoLevel t = new TwoLevel();
        long ep = fx.object(ObjectType.ENDPOINT);
        ok(fx.sel4.cnodeCopy(t.l1, t.l2Slot(9), 15, ROOT, ep, D, CapRights.ALL));
        // the cap landed in L2's slot 9, which L2's own cap addresses with depth 4
        err(fx.sel4.cnodeCopy(t.l2, 9, 4, ROOT, ep, D, CapRights.ALL), Sel4Error.DELETE_FIRST);
        long back = fx.slot();
        ok(fx.sel4.cnodeCopy(ROOT, back, D, t.l1, t.l2Slot(9), 15, CapRights.ALL));
        assertThat(fx.capAt(back)).isInstanceOf(Cap.EndpointCap.class);
    }

    @Test
    void twoLevelDepthMismatchReportsBitsLeftAndTheLevelBitsFound() {
        TwoLevel t = new TwoLevel();
        // depth 13: after L1 (3 + 8 bits) 2 bits remain; L2 needs 4 → DepthMismatch{bitsLeft 2, bitsFound 4}
        err(fx.sel4.cnodeDelete(t.l1, (5L << 10) | (7L << 2) | 1, 13), Sel4Error.FAILED_LOOKUP, 0,
                LookupFailureType.DEPTH_MISMATCH.code(), 2, 4);
    }

    @Test
    void twoLevelGuardMismatchReportsBitsLeftGuardFoundAndGuardSize() {
        TwoLevel t = new TwoLevel();
        // the cptr's guard bits are 4, the cap's guard is 5
        err(fx.sel4.cnodeDelete(t.l1, (4L << 8) | 7, 11), Sel4Error.FAILED_LOOKUP, 0, 4, 11, 5, 3);
        // depth shorter than the guard itself
        err(fx.sel4.cnodeDelete(t.l1, 1, 2), Sel4Error.FAILED_LOOKUP, 0, 4, 2, 5, 3);
        // on the source side MR0 is 1
        err(fx.sel4.cnodeCopy(ROOT, fx.slot(), D, t.l1, (4L << 8) | 8, 11, CapRights.ALL),
                Sel4Error.FAILED_LOOKUP, 1, 4, 11, 5, 3);
    }

    @Test
    void slotLookupWithLeftoverBitsIsDepthMismatchWithBitsFoundZero() {
        TwoLevel t = new TwoLevel();
        // slot 8 of L1 holds an endpoint, not a CNode: 4 bits are left over
        err(fx.sel4.cnodeDelete(t.l1, (5L << 12) | (8L << 4) | 3, 15), Sel4Error.FAILED_LOOKUP, 0,
                LookupFailureType.DEPTH_MISMATCH.code(), 4, 0);
        // an empty slot likewise
        err(fx.sel4.cnodeDelete(t.l1, (5L << 12) | (6L << 4) | 3, 15), Sel4Error.FAILED_LOOKUP, 0, 3, 4, 0);
        // and the endpoint is untouched
        assertThat(fx.isEmpty(t.epInL1Slot8)).isFalse();
    }

    @Test
    void slotLookupRootThatIsNotACNodeIsFailedLookupInvalidRoot() {
        long ep = fx.object(ObjectType.ENDPOINT);
        err(fx.sel4.cnodeCopy(ROOT, fx.slot(), D, ep, 1, 4, CapRights.ALL), Sel4Error.FAILED_LOOKUP, 1,
                LookupFailureType.INVALID_ROOT.code());
    }

    // ---------------------------------------------------------------- cap lookups

    @Test
    void invokingAnEmptySlotIsInvalidCapabilityWithMr0Zero() {
        long empty = fx.slot();
        InvocationResult r = fx.sel4.pageGetAddress(empty);
        err(r, Sel4Error.INVALID_CAPABILITY, 0);
        err(fx.sel4.cnodeDelete(empty, 0, 1), Sel4Error.INVALID_CAPABILITY, 0);
        err(fx.sel4.untypedRetype(empty, ObjectType.ENDPOINT, 0, ROOT, 0, 0, fx.slot(), 1),
                Sel4Error.INVALID_CAPABILITY, 0);
    }

    @Test
    void anUnresolvableInvokedCptrIsACapFaultNotAnError() {
        InvocationResult r = fx.sel4.cnodeDelete(1L << 40, 1, 64);
        assertThat(r.isOk()).isFalse();
        assertThat(r.capFault()).isNotNull();
        assertThat(r.capFault().cptr()).isEqualTo(1L << 40);
        assertThat(r.capFault().inReceivePhase()).isFalse();
    }

    @Test
    void anUnresolvableExtraCapCptrIsACapFaultNamingThatCptr() {
        long ut = fx.untyped(16);
        long badRoot = (1L << 40) | 2;
        InvocationResult r = fx.sel4.untypedRetype(ut, ObjectType.ENDPOINT, 0, badRoot, 0, 0, fx.slot(), 1);
        assertThat(r.isOk()).isFalse();
        assertThat(r.capFault()).isNotNull();
        assertThat(r.capFault().cptr()).isEqualTo(badRoot);
        assertThat(r.capFault().failure().type()).isEqualTo(LookupFailureType.GUARD_MISMATCH);
    }

    @Test
    void capFaultIsTakenBeforeAnyDecoderCheck() {
        // a garbage label on an unresolvable cptr still gives a cap fault, not IllegalOperation
        InvocationResult r = fx.raw(1L << 33, 9999, new long[0]);
        assertThat(r.capFault()).isNotNull();
    }
}
