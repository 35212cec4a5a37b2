package org.capbuddy.kernel.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.capbuddy.kernel.testing.RootTaskFx.D;
import static org.capbuddy.kernel.testing.RootTaskFx.DEF;
import static org.capbuddy.kernel.testing.RootTaskFx.FREE_VA;
import static org.capbuddy.kernel.testing.RootTaskFx.PAGE;
import static org.capbuddy.kernel.testing.RootTaskFx.ROOT;
import static org.capbuddy.kernel.testing.RootTaskFx.ROOT_VSPACE;
import static org.capbuddy.kernel.testing.RootTaskFx.err;
import static org.capbuddy.kernel.testing.RootTaskFx.ok;

import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.capbuddy.kernel.api.CapRights;
import org.capbuddy.kernel.api.InvocationResult;
import org.capbuddy.kernel.api.ObjectType;
import org.capbuddy.kernel.api.Sel4Error;
import org.capbuddy.kernel.api.VmRights;
import org.capbuddy.kernel.cap.Cap;
import org.capbuddy.kernel.cap.Slot;
import org.capbuddy.kernel.testing.RootTaskFx;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A second pass over the CDT and the CNode methods against seL4's {@code src/object/cnode.c},
 * {@code src/object/objecttype.c} and {@code src/arch/arm/64/object/objecttype.c}: where a new cap
 * is linked, how Copy and Mint mask a frame's rights, the guard sizes a CNode cap accepts, what
 * Mutate and Rotate do with non-original caps and with a pivot that is also the source or the
 * destination, and what Revoke leaves of an untyped. Each test names the seL4 function it follows.
 */
class CdtSourceConformanceTest {

    private final RootTaskFx fx = new RootTaskFx();

    // ---------------------------------------------------------------- where new caps go

    @Test
    void insertNewCap_retypedCapsFollowTheUntypedInReverseOrderAsOriginals() {
        long ut = fx.untyped(16);
        long first = fx.retype(ut, ObjectType.ENDPOINT, 0, 3);
        // insertNewCap links each new cap right after the untyped, so the last one made comes first
        Slot parent = fx.slotAt(ut);
        assertThat(parent.next()).isSameAs(fx.slotAt(first + 2));
        assertThat(parent.next().next()).isSameAs(fx.slotAt(first + 1));
        assertThat(parent.next().next().next()).isSameAs(fx.slotAt(first));
        for (int i = 0; i < 3; i++) {
            assertThat(fx.slotAt(first + i).isRevocable()).as("object %d is an original", i).isTrue();
        }
    }

    @Test
    void cteInsert_aCopyGoesRightAfterItsSourceAheadOfEarlierCopies() {
        long ep = fx.object(ObjectType.ENDPOINT);
        long a = fx.copy(ep);
        long b = fx.copy(ep);
        long c = fx.copy(a);
        Slot original = fx.slotAt(ep);
        assertThat(original.next()).isSameAs(fx.slotAt(b));
        assertThat(fx.slotAt(b).next()).isSameAs(fx.slotAt(a));
        assertThat(fx.slotAt(a).next()).isSameAs(fx.slotAt(c));
        assertThat(Stream.of(a, b, c).map(fx::slotAt).allMatch(s -> !s.isRevocable())).isTrue();
    }

    // ---------------------------------------------------------------- Arch_maskCapRights on frames

    /** Every rights word (only the low four bits count) on frames of each VM rights, by Copy and by Mint. */
    static Stream<Arguments> frameRightsTable() {
        return Stream.of(VmRights.values()).flatMap(held -> IntStream.range(0, 32)
                .mapToObj(word -> Arguments.of(held, word)));
    }

    @ParameterizedTest(name = "{0} frame, rights word {1}")
    @MethodSource("frameRightsTable")
    void maskVMRights_copyAndMintOfAFrameKeepOnlyRightsBothAllow(VmRights held, int word) {
        long frame = frameWith(held);
        long copied = fx.slot();
        long minted = fx.slot();
        ok(fx.sel4.cnodeCopy(ROOT, copied, D, ROOT, frame, D, CapRights.fromWord(word)));
        ok(fx.sel4.cnodeMint(ROOT, minted, D, ROOT, frame, D, CapRights.fromWord(word), 0x1234));
        VmRights expected = expectedMask(held, (word & 2) != 0, (word & 1) != 0);
        assertThat(((Cap.FrameCap) fx.capAt(copied)).rights()).isEqualTo(expected);
        assertThat(((Cap.FrameCap) fx.capAt(minted)).rights()).as("Mint ignores the data word").isEqualTo(expected);
    }

    /** maskVMRights: RO needs Read; RW stays RW with Read and Write, RO with Read alone; else KernelOnly. */
    private boolean mapped(long vaddr) {
        return fx.sel4.pageWalk(ROOT_VSPACE, vaddr).orElseThrow().translated();
    }

    private static VmRights expectedMask(VmRights held, boolean read, boolean write) {
        if (held == VmRights.READ_ONLY && read) {
            return VmRights.READ_ONLY;
        }
        if (held == VmRights.READ_WRITE && read) {
            return write ? VmRights.READ_WRITE : VmRights.READ_ONLY;
        }
        return VmRights.KERNEL_ONLY;
    }

    private long frameWith(VmRights rights) {
        long frame = fx.object(ObjectType.SMALL_PAGE);
        return switch (rights) {
            case READ_WRITE -> frame;
            case READ_ONLY -> fx.copy(frame, CapRights.READ_ONLY);
            case KERNEL_ONLY -> fx.copy(frame, CapRights.WRITE_ONLY);
        };
    }

    @Test
    void deriveCap_aCopyOfAMappedFrameIsUnmappedButMappingItAgainUsesItsMaskedRights() {
        long frame = fx.object(ObjectType.SMALL_PAGE);
        fx.mapRw(frame, ROOT_VSPACE, FREE_VA);
        long ro = fx.copy(frame, CapRights.READ_ONLY);
        assertThat(((Cap.FrameCap) fx.capAt(ro)).isMapped()).isFalse();
        ok(fx.sel4.pageMap(ro, ROOT_VSPACE, FREE_VA + PAGE, CapRights.ALL, DEF));
        var walk = fx.sel4.pageWalk(ROOT_VSPACE, FREE_VA + PAGE).orElseThrow();
        assertThat(walk.steps().get(walk.steps().size() - 1).rights()).isEqualTo("r");
    }

    @Test
    void deriveCap_copiesOfAMappedPageTableAndAnAssignedVSpaceKeepTheirMapping() {
        long[] tables = fx.pageTablesFor(ROOT_VSPACE, FREE_VA);
        Cap.PageTableCap original = (Cap.PageTableCap) fx.capAt(tables[1]);
        Cap.PageTableCap copy = (Cap.PageTableCap) fx.capAt(fx.copy(tables[1]));
        assertThat(copy).isEqualTo(original);
        assertThat(copy.mapped()).isTrue();
        long v = fx.assignedVSpace();
        assertThat(fx.capAt(fx.copy(v))).isEqualTo(fx.capAt(v));
    }

    // ---------------------------------------------------------------- updateCapData on CNode caps

    @ParameterizedTest(name = "radix {0}")
    @ValueSource(ints = {1, 2, 5, 8, 12})
    void updateCapData_aCNodeCapTakesAnyGuardSizeUpTo64MinusItsRadix(int radix) {
        long cnode = fx.cnode(radix);
        int limit = 64 - radix;
        long guard = 0x2AAA_AAAA_AAAA_AAAAL; // more bits than any guard keeps
        long mintedAtLimit = fx.slot();
        ok(fx.sel4.cnodeMint(ROOT, mintedAtLimit, D, ROOT, cnode, D, CapRights.ALL, guard << 6 | limit));
        Cap.CNodeCap c = (Cap.CNodeCap) fx.capAt(mintedAtLimit);
        assertThat(c.guardSize()).isEqualTo(limit);
        assertThat(c.guard()).isEqualTo((guard << 6 >>> 6) & (limit == 64 ? -1L : (1L << limit) - 1));
        long over = fx.slot();
        if (limit + 1 < 64) {
            err(fx.sel4.cnodeMint(ROOT, over, D, ROOT, cnode, D, CapRights.ALL, limit + 1),
                    Sel4Error.ILLEGAL_OPERATION);
            err(fx.sel4.cnodeMutate(ROOT, over, D, ROOT, cnode, D, limit + 1), Sel4Error.ILLEGAL_OPERATION);
            assertThat(fx.isEmptySlot(over)).isTrue();
        } else {
            // guardSize is a 6-bit field: 64 reads as 0, so a radix-1 CNode takes every size
            long wrapped = fx.slot();
            ok(fx.sel4.cnodeMint(ROOT, wrapped, D, ROOT, cnode, D, CapRights.ALL, 64));
            assertThat(((Cap.CNodeCap) fx.capAt(wrapped)).guardSize()).isZero();
        }
        ok(fx.sel4.cnodeMutate(ROOT, over, D, ROOT, mintedAtLimit, D, 3));
        assertThat(((Cap.CNodeCap) fx.capAt(over)).guardSize()).isEqualTo(3);
        assertThat(((Cap.CNodeCap) fx.capAt(over)).guard()).isZero();
    }

    // ---------------------------------------------------------------- Mutate and Rotate: cteMove, cteSwap

    @Test
    void cteMove_mutateOfANonOriginalFrameCapKeepsItNonOriginalUnderItsOriginal() {
        long frame = fx.object(ObjectType.SMALL_PAGE);
        long copy = fx.copy(frame, CapRights.READ_ONLY);
        fx.mapRw(copy, ROOT_VSPACE, FREE_VA);
        long moved = fx.slot();
        ok(fx.sel4.cnodeMutate(ROOT, moved, D, ROOT, copy, D, 0xFFFF));
        assertThat(fx.isEmptySlot(copy)).isTrue();
        Slot s = fx.slotAt(moved);
        assertThat(s.isRevocable()).isFalse();
        assertThat(fx.slotAt(frame).next()).isSameAs(s);
        Cap.FrameCap cap = (Cap.FrameCap) s.cap();
        assertThat(cap.rights()).isEqualTo(VmRights.READ_ONLY);
        assertThat(cap.mappedVaddr()).as("the mapping travels with the cap").isEqualTo(FREE_VA);
        // still a CDT child of the original: revoking the original deletes it and its mapping
        ok(fx.sel4.cnodeRevoke(ROOT, frame, D));
        assertThat(fx.isEmptySlot(moved)).isTrue();
        assertThat(mapped(FREE_VA)).isFalse();
    }

    @Test
    void cteMove_mutateOfAnOriginalKeepsItOriginalWithItsChildren() {
        long ut = fx.untyped(14);
        long ep = fx.retype(ut, ObjectType.ENDPOINT);
        long moved = fx.slot();
        ok(fx.sel4.cnodeMutate(ROOT, moved, D, ROOT, ut, D, 42));
        assertThat(fx.slotAt(moved).isRevocable()).isTrue();
        assertThat(fx.slotAt(moved).next()).isSameAs(fx.slotAt(ep));
        err(fx.sel4.cnodeCopy(ROOT, fx.slot(), D, ROOT, moved, D, CapRights.ALL), Sel4Error.REVOKE_FIRST);
    }

    /** Which slot the pivot names: the source, the destination, or both when they are one slot. */
    enum PivotIs { SOURCE, DESTINATION, SOURCE_AND_DESTINATION }

    @ParameterizedTest(name = "pivot is the {0}")
    @EnumSource(PivotIs.class)
    void decodeCNodeInvocation_rotateWithThePivotAsSourceOrDestinationIsIllegalOperationAndNothingMoves(
            PivotIs which) {
        long a = fx.object(ObjectType.PAGE_TABLE);
        long b = fx.object(ObjectType.VSPACE);
        long empty = fx.slot();
        long[] destPivotSrc = switch (which) {
            case SOURCE -> new long[] {empty, a, a};
            case DESTINATION -> new long[] {empty, empty, b};
            case SOURCE_AND_DESTINATION -> new long[] {a, a, a};
        };
        Cap before = fx.capAt(a);
        err(fx.sel4.cnodeRotate(ROOT, destPivotSrc[0], D, 0, ROOT, destPivotSrc[1], D, 0, ROOT, destPivotSrc[2], D),
                Sel4Error.ILLEGAL_OPERATION);
        assertThat(fx.capAt(a)).isEqualTo(before);
        assertThat(fx.capAt(b)).isInstanceOf(Cap.VSpaceCap.class);
        assertThat(fx.isEmptySlot(empty)).isTrue();
    }

    @Test
    void cteSwap_rotateWithDestinationEqualToSourceSwapsOriginalAndCopyEachKeepingItsPlaceAndFlags() {
        long frame = fx.object(ObjectType.SMALL_PAGE);
        long frameCopy = fx.copy(frame, CapRights.READ_ONLY);
        ok(fx.sel4.cnodeRotate(ROOT, frame, D, 0, ROOT, frameCopy, D, 0, ROOT, frame, D));
        // the caps changed slots; the tree's nodes went with them
        assertThat(((Cap.FrameCap) fx.capAt(frame)).rights()).isEqualTo(VmRights.READ_ONLY);
        assertThat(((Cap.FrameCap) fx.capAt(frameCopy)).rights()).isEqualTo(VmRights.READ_WRITE);
        assertThat(fx.slotAt(frame).isRevocable()).isFalse();
        assertThat(fx.slotAt(frameCopy).isRevocable()).isTrue();
        assertThat(fx.slotAt(frameCopy).next()).isSameAs(fx.slotAt(frame));
        ok(fx.sel4.cnodeRevoke(ROOT, frameCopy, D));
        assertThat(fx.isEmptySlot(frame)).isTrue();
    }

    // ---------------------------------------------------------------- cteRevoke of an untyped

    @Test
    void cteRevoke_anUntypedWithMappedFramesUnmapsThemAndKeepsItsWatermarkUntilTheNextRetype() {
        long ut = fx.untyped(16);
        long frames = fx.retype(ut, ObjectType.SMALL_PAGE, 0, 3);
        fx.mapRw(frames, ROOT_VSPACE, FREE_VA);
        fx.mapRw(frames + 2, ROOT_VSPACE, FREE_VA + 2 * PAGE);
        long copy = fx.copy(frames + 2);
        fx.mapRw(copy, ROOT_VSPACE, FREE_VA + 5 * PAGE);
        assertThat(mapped(FREE_VA + 5 * PAGE)).isTrue();
        long watermark = ((Cap.Untyped) fx.capAt(ut)).freeIndex();
        assertThat(watermark).isEqualTo(3 * PAGE / 16);
        ok(fx.sel4.cnodeRevoke(ROOT, ut, D));
        for (long va : new long[] {FREE_VA, FREE_VA + 2 * PAGE, FREE_VA + 5 * PAGE}) {
            assertThat(mapped(va)).as("0x%x", va).isFalse();
        }
        assertThat(Stream.of(frames, frames + 1, frames + 2, copy).allMatch(fx::isEmptySlot)).isTrue();
        // cteRevoke only deletes: the watermark moves back when the next Retype finds no children
        assertThat(((Cap.Untyped) fx.capAt(ut)).freeIndex()).isEqualTo(watermark);
        long ep = fx.retype(ut, ObjectType.ENDPOINT);
        assertThat(((Cap.Untyped) fx.capAt(ut)).freeIndex()).isEqualTo(1);
        assertThat(((Cap.EndpointCap) fx.capAt(ep)).endpoint().paddr()).isEqualTo(((Cap.Untyped) fx.capAt(ut)).paddr());
    }

    @Test
    void ensureNoChildren_anUntypedWhoseChildrenWereDeletedMayBeCopiedAndTheSourceBecomesFull() {
        long ut = fx.untyped(14);
        long ep = fx.retype(ut, ObjectType.ENDPOINT);
        err(fx.sel4.cnodeCopy(ROOT, fx.slot(), D, ROOT, ut, D, CapRights.ALL), Sel4Error.REVOKE_FIRST);
        ok(fx.sel4.cnodeDelete(ROOT, ep, D));
        long copy = fx.copy(ut);
        Cap.Untyped source = (Cap.Untyped) fx.capAt(ut);
        assertThat(source.freeIndex()).isEqualTo(source.maxFreeIndex());
        assertThat(((Cap.Untyped) fx.capAt(copy)).freeIndex()).as("the copy keeps the old watermark").isEqualTo(1);
        InvocationResult full = fx.retypeAt(ut, ObjectType.ENDPOINT, 0, fx.slot(), 1);
        err(full, Sel4Error.NOT_ENOUGH_MEMORY, 0);
    }
}
