package org.capbuddy.kernel.conformance;

import org.capbuddy.kernel.testing.RootTaskFx;

import org.capbuddy.kernel.cpu.Access;
import static org.assertj.core.api.Assertions.assertThat;
import static org.capbuddy.kernel.testing.RootTaskFx.D;
import static org.capbuddy.kernel.testing.RootTaskFx.PAGE;
import static org.capbuddy.kernel.testing.RootTaskFx.ROOT;
import static org.capbuddy.kernel.testing.RootTaskFx.err;
import static org.capbuddy.kernel.testing.RootTaskFx.ok;

import org.capbuddy.kernel.KernelConfig;
import org.capbuddy.kernel.cpu.UserCpu;
import org.capbuddy.kernel.api.CapRights;
import org.capbuddy.kernel.api.InvocationLabel;
import org.capbuddy.kernel.api.InvocationResult;
import org.capbuddy.kernel.api.ObjectType;
import org.capbuddy.kernel.api.Sel4Error;
import org.capbuddy.kernel.boot.UntypedDescriptor;
import org.capbuddy.kernel.cap.Cap;
import org.junit.jupiter.api.Test;

/** §2: seL4_Untyped_Retype — the checks of §2.1 in order, and the watermark algorithm of §2.2. */
class UntypedRetypeConformanceTest {

    private final RootTaskFx fx = new RootTaskFx();
    private final long rootSlots = 1L << fx.info.initThreadCNodeSizeBits();

    // ---------------------------------------------------------------- §2.1 checks, in order

    @Test
    void check1_labelOtherThanRetypeIsIllegalOperation() {
        long ut = fx.untyped(16);
        long s = fx.slot();
        InvocationResult r = fx.raw(ut, InvocationLabel.CNODE_COPY,
                new long[] {ObjectType.ENDPOINT.id(), 0, 0, 0, s, 1}, ROOT);
        err(r, Sel4Error.ILLEGAL_OPERATION);
        // even an empty message with a bad label: the label check comes first
        err(fx.raw(ut, InvocationLabel.TCB_RESUME, new long[0]), Sel4Error.ILLEGAL_OPERATION);
    }

    @Test
    void check2_fewerThanSixWordsOrMissingRootCapIsTruncated() {
        long ut = fx.untyped(16);
        long s = fx.slot();
        err(fx.raw(ut, InvocationLabel.UNTYPED_RETYPE, new long[] {ObjectType.ENDPOINT.id(), 0, 0, 0, s}, ROOT),
                Sel4Error.TRUNCATED_MESSAGE);
        err(fx.raw(ut, InvocationLabel.UNTYPED_RETYPE, new long[] {ObjectType.ENDPOINT.id(), 0, 0, 0, s, 1}),
                Sel4Error.TRUNCATED_MESSAGE);
        // truncation beats a bad type
        err(fx.raw(ut, InvocationLabel.UNTYPED_RETYPE, new long[] {99, 0, 0, 0, s}, ROOT),
                Sel4Error.TRUNCATED_MESSAGE);
    }

    @Test
    void check3_typeAtOrAboveObjectTypeCountIsInvalidArgument0() {
        long ut = fx.untyped(16);
        long s = fx.slot();
        err(fx.sel4.untypedRetype(ut, ObjectType.COUNT, 0, ROOT, 0, 0, s, 1), Sel4Error.INVALID_ARGUMENT, 0);
        err(fx.sel4.untypedRetype(ut, -1L, 0, ROOT, 0, 0, s, 1), Sel4Error.INVALID_ARGUMENT, 0);
    }

    @Test
    void check3_badTypeBeatsEveryLaterCheck() {
        // bad size, bad depth, bad offset, bad count and an occupied window all at once
        err(fx.sel4.untypedRetype(fx.untyped(16), 10, 99, ROOT, 2, 65, 1L << 40, 0),
                Sel4Error.INVALID_ARGUMENT, 0);
        err(fx.sel4.untypedRetype(fx.untyped(16), 10, 0, ROOT, 0, 0, ROOT, 1), Sel4Error.INVALID_ARGUMENT, 0);
    }

    @Test
    void check4_sizeBitsAtLeast64IsRangeError0To47_evenForFixedSizeTypes() {
        long ut = fx.untyped(16);
        long s = fx.slot();
        err(fx.sel4.untypedRetype(ut, ObjectType.ENDPOINT, 64, ROOT, 0, 0, s, 1), Sel4Error.RANGE_ERROR, 0, 47);
        err(fx.sel4.untypedRetype(ut, ObjectType.SMALL_PAGE, -1L, ROOT, 0, 0, s, 1), Sel4Error.RANGE_ERROR, 0, 47);
        // below 64 the size argument of a fixed-size type is ignored
        ok(fx.sel4.untypedRetype(ut, ObjectType.ENDPOINT, 63, ROOT, 0, 0, s, 1));
        assertThat(fx.capAt(s)).isInstanceOf(Cap.EndpointCap.class);
    }

    @Test
    void check4_objectLargerThan47BitsIsRangeError0To47() {
        long ut = fx.untyped(16);
        long s = fx.slot();
        err(fx.sel4.untypedRetype(ut, ObjectType.UNTYPED, 48, ROOT, 0, 0, s, 1), Sel4Error.RANGE_ERROR, 0, 47);
        // a CNode of radix 43 is 2^48 bytes
        err(fx.sel4.untypedRetype(ut, ObjectType.CNODE, 43, ROOT, 0, 0, s, 1), Sel4Error.RANGE_ERROR, 0, 47);
        // radix 42 (2^47 bytes) passes the size check and fails later, on memory
        err(fx.sel4.untypedRetype(ut, ObjectType.CNODE, 42, ROOT, 0, 0, s, 1), Sel4Error.NOT_ENOUGH_MEMORY);
        // the range error beats a failing destination lookup
        err(fx.sel4.untypedRetype(ut, ObjectType.UNTYPED, 48, ROOT, 2, 65, s, 1), Sel4Error.RANGE_ERROR, 0, 47);
    }

    @Test
    void check5_cnodeOfRadix0OrUntypedBelow4BitsIsInvalidArgument1() {
        long ut = fx.untyped(16);
        long s = fx.slot();
        err(fx.sel4.untypedRetype(ut, ObjectType.CNODE, 0, ROOT, 0, 0, s, 1), Sel4Error.INVALID_ARGUMENT, 1);
        err(fx.sel4.untypedRetype(ut, ObjectType.UNTYPED, 3, ROOT, 0, 0, s, 1), Sel4Error.INVALID_ARGUMENT, 1);
        // beats a destination lookup failure
        err(fx.sel4.untypedRetype(ut, ObjectType.CNODE, 0, ROOT, 2, 65, s, 1), Sel4Error.INVALID_ARGUMENT, 1);
        // the boundaries are allowed
        ok(fx.sel4.untypedRetype(ut, ObjectType.UNTYPED, 4, ROOT, 0, 0, s, 1));
        ok(fx.sel4.untypedRetype(ut, ObjectType.CNODE, 1, ROOT, 0, 0, fx.slot(), 1));
    }

    @Test
    void check6_nodeDepth0UsesTheRootCapItselfWhateverTheIndex() {
        long ut = fx.untyped(16);
        long s = fx.slot();
        ok(fx.sel4.untypedRetype(ut, ObjectType.ENDPOINT, 0, ROOT, 0xDEAD_BEEFL, 0, s, 1));
        assertThat(fx.capAt(s)).isInstanceOf(Cap.EndpointCap.class);
    }

    @Test
    void check6_nodeDepth64WithTheRootCNodeSlotAddressesTheRootCNode() {
        long ut = fx.untyped(16);
        long s = fx.slot();
        ok(fx.sel4.untypedRetype(ut, ObjectType.ENDPOINT, 0, ROOT, ROOT, 64, s, 1));
        assertThat(fx.capAt(s)).isInstanceOf(Cap.EndpointCap.class);
    }

    @Test
    void check6_nodeDepthEqualToRootRadixIsFailedLookupGuardMismatch() {
        long ut = fx.untyped(16);
        int radix = fx.info.initThreadCNodeSizeBits();
        InvocationResult r = fx.sel4.untypedRetype(ut, ObjectType.ENDPOINT, 0, ROOT, ROOT, radix, fx.slot(), 1);
        // dest side, GuardMismatch(4), bitsLeft = radix, guard found 0, guard size 64 - radix
        err(r, Sel4Error.FAILED_LOOKUP, 0, 4, radix, 0, 64 - radix);
    }

    @Test
    void check6_nodeDepthOutside1To64IsRangeError1To64() {
        long ut = fx.untyped(16);
        err(fx.sel4.untypedRetype(ut, ObjectType.ENDPOINT, 0, ROOT, ROOT, 65, fx.slot(), 1),
                Sel4Error.RANGE_ERROR, 1, 64);
        // the lookup error beats a bad offset and a bad count
        err(fx.sel4.untypedRetype(ut, ObjectType.ENDPOINT, 0, ROOT, ROOT, 65, 1L << 40, 0),
                Sel4Error.RANGE_ERROR, 1, 64);
    }

    @Test
    void check6_destinationCapThatIsNotACNodeIsFailedLookupMissingCapabilityWithBitsLeftDepth() {
        long ut = fx.untyped(16);
        long ep = fx.object(ObjectType.ENDPOINT);
        err(fx.sel4.untypedRetype(ut, ObjectType.ENDPOINT, 0, ROOT, ep, 64, 0, 1),
                Sel4Error.FAILED_LOOKUP, 0, 2, 64);
        // an empty slot is not a CNode either
        err(fx.sel4.untypedRetype(ut, ObjectType.ENDPOINT, 0, ROOT, fx.slot(), 64, 0, 1),
                Sel4Error.FAILED_LOOKUP, 0, 2, 64);
        // node_depth 0 with a root cap that is not a CNode: bitsLeft 0
        err(fx.sel4.untypedRetype(ut, ObjectType.ENDPOINT, 0, ep, 0, 0, 0, 1), Sel4Error.FAILED_LOOKUP, 0, 2, 0);
    }

    @Test
    void check6_rootThatIsNotACNodeWithNonZeroDepthIsFailedLookupInvalidRoot() {
        long ut = fx.untyped(16);
        long ep = fx.object(ObjectType.ENDPOINT);
        err(fx.sel4.untypedRetype(ut, ObjectType.ENDPOINT, 0, ep, 0, 64, 0, 1), Sel4Error.FAILED_LOOKUP, 0, 1);
    }

    @Test
    void check7_nodeOffsetBeyondTheLastSlotIsRangeError0ToSlotsMinus1() {
        long ut = fx.untyped(16);
        err(fx.retypeAt(ut, ObjectType.ENDPOINT, 0, rootSlots, 1), Sel4Error.RANGE_ERROR, 0, rootSlots - 1);
        // beats the count check
        err(fx.retypeAt(ut, ObjectType.ENDPOINT, 0, rootSlots, 0), Sel4Error.RANGE_ERROR, 0, rootSlots - 1);
        err(fx.retypeAt(ut, ObjectType.ENDPOINT, 0, -1L, 1), Sel4Error.RANGE_ERROR, 0, rootSlots - 1);
    }

    @Test
    void check8_numObjectsOutside1ToDefaultFanOut256IsRangeError1To256() {
        long ut = fx.untyped(20);
        long base = fx.slots(300);
        err(fx.retypeAt(ut, ObjectType.ENDPOINT, 0, base, 0), Sel4Error.RANGE_ERROR, 1, 256);
        err(fx.retypeAt(ut, ObjectType.ENDPOINT, 0, base, 257), Sel4Error.RANGE_ERROR, 1, 256);
        // the fan-out check comes before the window check
        err(fx.retypeAt(ut, ObjectType.ENDPOINT, 0, rootSlots - 1, 257), Sel4Error.RANGE_ERROR, 1, 256);
        ok(fx.retypeAt(ut, ObjectType.ENDPOINT, 0, base, 256));
    }

    @Test
    void check8_fanOutLimitIsConfigurable() {
        RootTaskFx big = new RootTaskFx(KernelConfig.defaults().withRetypeFanOutLimit(1024));
        long ut = big.untyped(20);
        long base = big.slots(1100);
        err(big.retypeAt(ut, ObjectType.ENDPOINT, 0, base, 1025), Sel4Error.RANGE_ERROR, 1, 1024);
        err(big.retypeAt(ut, ObjectType.ENDPOINT, 0, base, 0), Sel4Error.RANGE_ERROR, 1, 1024);
        ok(big.retypeAt(ut, ObjectType.ENDPOINT, 0, base, 1024));

        RootTaskFx small = new RootTaskFx(KernelConfig.defaults().withRetypeFanOutLimit(4));
        long ut2 = small.untyped(16);
        err(small.retypeAt(ut2, ObjectType.ENDPOINT, 0, small.slots(8), 5), Sel4Error.RANGE_ERROR, 1, 4);
    }

    @Test
    void check9_windowPastTheEndOfTheCNodeIsRangeError1ToSlotsLeft() {
        long ut = fx.untyped(16);
        err(fx.retypeAt(ut, ObjectType.ENDPOINT, 0, rootSlots - 6, 10), Sel4Error.RANGE_ERROR, 1, 6);
        err(fx.retypeAt(ut, ObjectType.ENDPOINT, 0, rootSlots - 1, 2), Sel4Error.RANGE_ERROR, 1, 1);
        ok(fx.retypeAt(ut, ObjectType.ENDPOINT, 0, rootSlots - 6, 6));
    }

    @Test
    void check10_anOccupiedSlotInTheWindowIsDeleteFirst() {
        long ut = fx.untyped(16);
        long base = fx.slots(4);
        long ep = fx.object(ObjectType.ENDPOINT);
        ok(fx.sel4.cnodeMove(ROOT, base + 2, D, ROOT, ep, D));
        err(fx.retypeAt(ut, ObjectType.ENDPOINT, 0, base, 4), Sel4Error.DELETE_FIRST);
        // nothing was created in the free slots before the occupied one
        assertThat(fx.isEmpty(base)).isTrue();
        assertThat(fx.isEmpty(base + 1)).isTrue();
        assertThat(fx.isEmpty(base + 3)).isTrue();
    }

    @Test
    void check10_deleteFirstBeatsNotEnoughMemory() {
        long ut = fx.untyped(12); // room for one page only
        long base = fx.slots(4);
        fx.object(ObjectType.ENDPOINT);
        long occupied = fx.object(ObjectType.ENDPOINT);
        // put a cap in the window: move the endpoint to base + 3
        ok(fx.sel4.cnodeMove(ROOT, base + 3, D, ROOT, occupied, D));
        err(fx.retypeAt(ut, ObjectType.SMALL_PAGE, 0, base, 4), Sel4Error.DELETE_FIRST);
        // and beats the device-type check
        UntypedDescriptor dev = fx.deviceUntyped(12);
        err(fx.retypeAt(dev.cptr(), ObjectType.TCB, 0, base, 4), Sel4Error.DELETE_FIRST);
    }

    @Test
    void check11_notEnoughMemoryReportsFreeBytesInMr0() {
        long ut = fx.untyped(16);
        err(fx.retypeAt(ut, ObjectType.SMALL_PAGE, 0, fx.slots(17), 17), Sel4Error.NOT_ENOUGH_MEMORY, 1L << 16);
        // 16 bytes used: 65520 bytes free, only 15 pages fit (exact test, alignment not counted)
        fx.retype(ut, ObjectType.ENDPOINT);
        err(fx.retypeAt(ut, ObjectType.SMALL_PAGE, 0, fx.slots(16), 16), Sel4Error.NOT_ENOUGH_MEMORY,
                (1L << 16) - 16);
        ok(fx.retypeAt(ut, ObjectType.SMALL_PAGE, 0, fx.slots(15), 15));
        err(fx.retypeAt(ut, ObjectType.ENDPOINT, 0, fx.slot(), 1), Sel4Error.NOT_ENOUGH_MEMORY, 0);
    }

    @Test
    void check12_deviceUntypedAndTcbIsInvalidArgument1OnlyAfterTheMemoryCheck() {
        UntypedDescriptor dev = fx.deviceUntyped(12);
        // three 2 KiB TCBs do not fit in 4 KiB: the memory check wins
        err(fx.retypeAt(dev.cptr(), ObjectType.TCB, 0, fx.slots(3), 3), Sel4Error.NOT_ENOUGH_MEMORY, 4096);
        err(fx.retypeAt(dev.cptr(), ObjectType.TCB, 0, fx.slot(), 1), Sel4Error.INVALID_ARGUMENT, 1);
        err(fx.retypeAt(dev.cptr(), ObjectType.ENDPOINT, 0, fx.slot(), 1), Sel4Error.INVALID_ARGUMENT, 1);
        err(fx.retypeAt(dev.cptr(), ObjectType.CNODE, 4, fx.slot(), 1), Sel4Error.INVALID_ARGUMENT, 1);
        err(fx.retypeAt(dev.cptr(), ObjectType.PAGE_TABLE, 0, fx.slot(), 1), Sel4Error.INVALID_ARGUMENT, 1);
        err(fx.retypeAt(dev.cptr(), ObjectType.VSPACE, 0, fx.slot(), 1), Sel4Error.INVALID_ARGUMENT, 1);
    }

    @Test
    void deviceUntypedCanBeRetypedIntoFramesAndUntypedsCarryingTheDeviceFlag() {
        UntypedDescriptor dev = fx.deviceUntyped(13);
        long child = fx.retype(dev.cptr(), ObjectType.UNTYPED, 12, 1);
        assertThat(((Cap.Untyped) fx.capAt(child)).device()).isTrue();
        long frame = fx.retype(child, ObjectType.SMALL_PAGE);
        assertThat(fx.paddr(frame)).isEqualTo(dev.paddr());
        assertThat(((Cap.FrameCap) fx.capAt(frame)).frame().isDevice()).isTrue();
    }

    // ---------------------------------------------------------------- §2.2 allocation

    @Test
    void objectsArePlacedAtTheWatermarkAlignedToTheirSizeAndTheGapIsWasted() {
        long ut = fx.untyped(23);
        long base = ((Cap.Untyped) fx.capAt(ut)).paddr();
        fx.retype(ut, ObjectType.ENDPOINT); // [base, base+16)
        long pages = fx.retype(ut, ObjectType.SMALL_PAGE, 0, 2);
        assertThat(fx.paddr(pages)).isEqualTo(base + PAGE);
        assertThat(fx.paddr(pages + 1)).isEqualTo(base + 2 * PAGE);
        long large = fx.retype(ut, ObjectType.LARGE_PAGE);
        assertThat(fx.paddr(large)).isEqualTo(base + (2L << 20));
        long after = fx.retype(ut, ObjectType.SMALL_PAGE);
        assertThat(fx.paddr(after)).isEqualTo(base + (4L << 20));
    }

    @Test
    void alignmentGapCountsAsUsedSoALaterRetypeCanRunOutOfMemory() {
        long ut = fx.untyped(22); // 4 MiB
        fx.retype(ut, ObjectType.ENDPOINT);
        fx.retype(ut, ObjectType.LARGE_PAGE); // placed at +2 MiB, watermark at the end
        err(fx.retypeAt(ut, ObjectType.ENDPOINT, 0, fx.slot(), 1), Sel4Error.NOT_ENOUGH_MEMORY, 0);
    }

    @Test
    void manyObjectsInOneRetypeAreContiguousAndAscending() {
        long ut = fx.untyped(16);
        long base = ((Cap.Untyped) fx.capAt(ut)).paddr();
        long first = fx.retype(ut, ObjectType.SMALL_PAGE, 0, 8);
        for (int i = 0; i < 8; i++) {
            assertThat(fx.paddr(first + i)).isEqualTo(base + i * PAGE);
        }
    }

    @Test
    void watermarkIsNotReusedWhileAnyChildExists() {
        long ut = fx.untyped(16);
        long base = ((Cap.Untyped) fx.capAt(ut)).paddr();
        long p1 = fx.retype(ut, ObjectType.SMALL_PAGE);
        long p2 = fx.retype(ut, ObjectType.SMALL_PAGE);
        assertThat(fx.paddr(p1)).isEqualTo(base);
        ok(fx.sel4.cnodeDelete(ROOT, p1, D));
        long p3 = fx.retype(ut, ObjectType.SMALL_PAGE);
        assertThat(fx.paddr(p3)).isEqualTo(base + 2 * PAGE);
        // once every child is gone the next retype starts again at offset 0
        ok(fx.sel4.cnodeDelete(ROOT, p2, D));
        ok(fx.sel4.cnodeDelete(ROOT, p3, D));
        long p4 = fx.retype(ut, ObjectType.SMALL_PAGE);
        assertThat(fx.paddr(p4)).isEqualTo(base);
    }

    @Test
    void revokeResetsTheUntypedAndTheNextRetypeGetsZeroedMemory() {
        long ut = fx.untyped(16);
        long base = ((Cap.Untyped) fx.capAt(ut)).paddr();
        long frame = fx.retype(ut, ObjectType.SMALL_PAGE);
        long va = RootTaskFx.FREE_VA;
        fx.mapRw(frame, RootTaskFx.ROOT_VSPACE, va);
        UserCpu cpu = fx.rootCpu();
        assertThat(Access.store(cpu, va + 8, 8, 0x1122_3344_5566_7788L).isOk()).isTrue();
        assertThat(Access.load(cpu, va + 8, 8).value()).isEqualTo(0x1122_3344_5566_7788L);
        assertThat(fx.kernel.physicalMemory().isZero(base, PAGE)).isFalse();

        ok(fx.sel4.cnodeRevoke(ROOT, ut, D));
        assertThat(fx.isEmpty(frame)).isTrue();
        // destroyed objects are not scrubbed until the next reset
        assertThat(fx.kernel.physicalMemory().isZero(base, PAGE)).isFalse();

        long zeroedBefore = fx.kernel.costs().bytesZeroed();
        long again = fx.retype(ut, ObjectType.SMALL_PAGE);
        assertThat(fx.paddr(again)).isEqualTo(base);
        // the reset zeroes [base, old watermark): exactly the one page used
        assertThat(fx.kernel.costs().bytesZeroed() - zeroedBefore).isEqualTo(PAGE);
        fx.mapRw(again, RootTaskFx.ROOT_VSPACE, va);
        assertThat(Access.load(cpu, va + 8, 8).isOk()).isTrue();
        assertThat(Access.load(cpu, va + 8, 8).value()).isZero();
        assertThat(fx.kernel.physicalMemory().isZero(base, PAGE)).isTrue();
    }

    @Test
    void bootUntypedsStartFullSoTheFirstRetypeZeroesTheWholeRegion() {
        UntypedDescriptor u = fx.ramUntyped(15);
        long before = fx.kernel.costs().bytesZeroed();
        fx.retype(u.cptr(), ObjectType.ENDPOINT);
        assertThat(fx.kernel.costs().bytesZeroed() - before).isEqualTo(u.size());
        // the second retype continues at the watermark: no reset, nothing zeroed
        long mid = fx.kernel.costs().bytesZeroed();
        fx.retype(u.cptr(), ObjectType.ENDPOINT);
        assertThat(fx.kernel.costs().bytesZeroed() - mid).isZero();
    }

    @Test
    void bootUntypedStartsFullButAChildlessRetypeSeesAllOfItsMemory() {
        UntypedDescriptor u = fx.ramUntyped(15);
        assertThat(((Cap.Untyped) fx.capAt(u.cptr())).freeIndex()).isEqualTo(u.size() / 16);
        long pages = u.size() / PAGE;
        err(fx.retypeAt(u.cptr(), ObjectType.SMALL_PAGE, 0, fx.slots((int) pages + 1), pages + 1),
                Sel4Error.NOT_ENOUGH_MEMORY, u.size());
        ok(fx.retypeAt(u.cptr(), ObjectType.SMALL_PAGE, 0, fx.slots((int) pages), pages));
    }

    @Test
    void deviceMemoryIsNeverZeroed() {
        UntypedDescriptor dev = fx.deviceUntyped(13);
        long before = fx.kernel.costs().bytesZeroed();
        fx.retype(dev.cptr(), ObjectType.SMALL_PAGE);
        assertThat(fx.kernel.costs().bytesZeroed() - before).isZero();
    }

    @Test
    void newCapsAreConsecutiveChildrenOfTheUntypedWithTheDocumentedInitialState() {
        long ut = fx.untyped(20);
        long ep = fx.retype(ut, ObjectType.ENDPOINT);
        Cap.EndpointCap e = (Cap.EndpointCap) fx.capAt(ep);
        assertThat(e.badge()).isZero();
        assertThat(e.rights()).isEqualTo(CapRights.ALL);
        Cap.NotificationCap n = (Cap.NotificationCap) fx.capAt(fx.retype(ut, ObjectType.NOTIFICATION));
        assertThat(n.badge()).isZero();
        assertThat(n.rights()).isEqualTo(CapRights.READ_WRITE);
        Cap.CNodeCap c = (Cap.CNodeCap) fx.capAt(fx.retype(ut, ObjectType.CNODE, 3, 1));
        assertThat(c.guard()).isZero();
        assertThat(c.guardSize()).isZero();
        Cap.FrameCap f = (Cap.FrameCap) fx.capAt(fx.retype(ut, ObjectType.SMALL_PAGE));
        assertThat(f.rights()).isEqualTo(org.capbuddy.kernel.api.VmRights.READ_WRITE);
        assertThat(f.isMapped()).isFalse();
        Cap.Untyped child = (Cap.Untyped) fx.capAt(fx.retype(ut, ObjectType.UNTYPED, 8, 1));
        assertThat(child.freeIndex()).isZero();
        assertThat(child.device()).isFalse();
        assertThat(fx.slotAt(ep).isRevocable()).isTrue();
        // they are children: revoke deletes them all
        ok(fx.sel4.cnodeRevoke(ROOT, ut, D));
        assertThat(fx.isEmpty(ep)).isTrue();
    }

    @Test
    void retypeIntoANonRootCNodeNamedByNodeIndexAndDepth64() {
        long cn = fx.cnode(4);
        long ut = fx.untyped(16);
        ok(fx.sel4.untypedRetype(ut, ObjectType.ENDPOINT, 0, ROOT, cn, 64, 3, 2));
        // the caps are in slots 3 and 4 of that CNode, not in the root
        err(fx.sel4.cnodeCopy(cn, 3, 4, ROOT, ut, D, CapRights.ALL), Sel4Error.DELETE_FIRST);
        err(fx.sel4.cnodeCopy(cn, 4, 4, ROOT, ut, D, CapRights.ALL), Sel4Error.DELETE_FIRST);
        // offset / window checks use that CNode's radix
        err(fx.sel4.untypedRetype(ut, ObjectType.ENDPOINT, 0, ROOT, cn, 64, 16, 1), Sel4Error.RANGE_ERROR, 0, 15);
        err(fx.sel4.untypedRetype(ut, ObjectType.ENDPOINT, 0, ROOT, cn, 64, 14, 3), Sel4Error.RANGE_ERROR, 1, 2);
        // node_depth 0 with that CNode as root does the same
        ok(fx.sel4.untypedRetype(ut, ObjectType.ENDPOINT, 0, cn, 0, 0, 10, 1));
        err(fx.sel4.cnodeCopy(cn, 10, 4, ROOT, ut, D, CapRights.ALL), Sel4Error.DELETE_FIRST);
    }
}
