package org.capbuddy.kernel.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.capbuddy.kernel.testing.RootTaskFx.D;
import static org.capbuddy.kernel.testing.RootTaskFx.ROOT;
import static org.capbuddy.kernel.testing.RootTaskFx.err;
import static org.capbuddy.kernel.testing.RootTaskFx.ok;

import java.util.Comparator;
import org.capbuddy.kernel.api.InvocationResult;
import org.capbuddy.kernel.api.ObjectType;
import org.capbuddy.kernel.api.Sel4Error;
import org.capbuddy.kernel.boot.UntypedDescriptor;
import org.capbuddy.kernel.cap.Cap;
import org.capbuddy.kernel.testing.RootTaskFx;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A second pass over Untyped_Retype against seL4's {@code src/object/untyped.c}
 * ({@code decodeUntypedInvocation}, {@code resetUntypedCap}, {@code invokeUntyped_Retype}): device
 * untypeds and each object type, the destination window in CNodes with too few slots, the bytes a
 * reset clears, and the watermark after each Retype.
 */
class RetypeSourceConformanceTest {

    private final RootTaskFx fx = new RootTaskFx();

    @ParameterizedTest(name = "{0}")
    @EnumSource(ObjectType.class)
    void decodeUntypedInvocation_aDeviceUntypedMakesOnlyFramesAndUntypeds(ObjectType type) {
        UntypedDescriptor dev = fx.info.untypedList().stream().filter(UntypedDescriptor::device)
                .max(Comparator.comparingInt(UntypedDescriptor::sizeBits)).orElseThrow();
        long sizeBits = switch (type) {
            case UNTYPED -> 12;
            case CNODE -> 4;
            default -> 0;
        };
        long bits = type.objectSizeBits(sizeBits);
        if (bits > dev.sizeBits()) {
            // too big for the device region: NotEnoughMemory is checked first (check 11 before 12)
            err(fx.retypeAt(dev.cptr(), type, sizeBits, fx.slot(), 1), Sel4Error.NOT_ENOUGH_MEMORY,
                    1L << dev.sizeBits());
            return;
        }
        long dest = fx.slot();
        InvocationResult r = fx.retypeAt(dev.cptr(), type, sizeBits, dest, 1);
        if (type.isFrame() || type == ObjectType.UNTYPED) {
            ok(r);
            assertThat(fx.isEmptySlot(dest)).isFalse();
        } else {
            err(r, Sel4Error.INVALID_ARGUMENT, 1);
            assertThat(fx.isEmptySlot(dest)).isTrue();
            assertThat(((Cap.Untyped) fx.capAt(dev.cptr())).freeIndex())
                    .as("the failed Retype leaves the watermark").isEqualTo(((Cap.Untyped) fx.capAt(dev.cptr()))
                            .maxFreeIndex());
        }
    }

    @ParameterizedTest(name = "radix {0}, offset {1}, {2} objects")
    @CsvSource({
        // radix, offset, count, error (- for none), MR0, MR1
        "2, 0, 4, -, 0, 0",
        "2, 1, 4, RANGE_ERROR, 1, 3",
        "2, 3, 2, RANGE_ERROR, 1, 1",
        "2, 4, 1, RANGE_ERROR, 0, 3",
        "3, 7, 1, -, 0, 0",
        "3, 0, 0, RANGE_ERROR, 1, 256",
        "1, 0, 257, RANGE_ERROR, 1, 256",
        "1, 2, 257, RANGE_ERROR, 0, 1",
        "10, 1000, 30, RANGE_ERROR, 1, 24",
        "10, 1000, 24, -, 0, 0",
    })
    void decodeUntypedInvocation_theWindowMustFitTheDestinationCNode(int radix, long offset, long count,
            String error, long mr0, long mr1) {
        long cnode = fx.cnode(radix);
        long ut = fx.untyped(16);
        InvocationResult r = fx.sel4.untypedRetype(ut, ObjectType.ENDPOINT, 0, ROOT, cnode, D, offset, count);
        if (error.equals("-")) {
            ok(r);
            assertThat(((Cap.Untyped) fx.capAt(ut)).freeIndex()).isEqualTo(count);
        } else {
            err(r, Sel4Error.valueOf(error), mr0, mr1);
            assertThat(((Cap.Untyped) fx.capAt(ut)).freeIndex()).isZero();
        }
    }

    @Test
    void decodeUntypedInvocation_anOccupiedSlotInAWindowThatFitsIsDeleteFirst() {
        long cnode = fx.cnode(2);
        long ut = fx.untyped(16);
        ok(fx.sel4.untypedRetype(ut, ObjectType.ENDPOINT, 0, ROOT, cnode, D, 3, 1));
        err(fx.sel4.untypedRetype(ut, ObjectType.ENDPOINT, 0, ROOT, cnode, D, 1, 3), Sel4Error.DELETE_FIRST);
        // a window that overruns the node is refused on its size before any slot is looked at
        err(fx.sel4.untypedRetype(ut, ObjectType.ENDPOINT, 0, ROOT, cnode, D, 3, 2), Sel4Error.RANGE_ERROR, 1, 1);
        ok(fx.sel4.untypedRetype(ut, ObjectType.ENDPOINT, 0, ROOT, cnode, D, 0, 3));
    }

    @Test
    void decodeUntypedInvocation_nodeDepth0WithARootThatIsNotACNodeIsMissingCapabilityWithBitsLeft0() {
        long ut = fx.untyped(12);
        long ep = fx.object(ObjectType.ENDPOINT);
        err(fx.sel4.untypedRetype(ut, ObjectType.ENDPOINT, 0, ep, 5, 0, 0, 1), Sel4Error.FAILED_LOOKUP, 0, 2, 0);
        // with a depth, the root is looked up first: InvalidRoot
        err(fx.sel4.untypedRetype(ut, ObjectType.ENDPOINT, 0, ep, 5, 3, 0, 1), Sel4Error.FAILED_LOOKUP, 0, 1);
    }

    @ParameterizedTest(name = "{0}-bit untyped, {1} endpoints before the reset")
    @CsvSource({
        "4, 1, 16",
        "7, 1, 128",
        "7, 8, 128",
        "8, 1, 256",
        "12, 1, 256",
        "12, 16, 256",
        "12, 17, 512",
        "12, 256, 4096",
    })
    void resetUntypedCap_clearsTheWatermarkRoundedUpTo256BytesOrAllOfASmallerUntyped(int bits, int endpoints,
            long cleared) {
        long ut = fx.untyped(bits);
        long first = fx.retype(ut, ObjectType.ENDPOINT, 0, endpoints);
        for (int i = 0; i < endpoints; i++) {
            ok(fx.sel4.cnodeDelete(ROOT, first + i, D));
        }
        assertThat(((Cap.Untyped) fx.capAt(ut)).freeIndex()).isEqualTo(endpoints);
        long before = fx.kernel.costs().bytesZeroed();
        fx.retype(ut, ObjectType.ENDPOINT);
        assertThat(fx.kernel.costs().bytesZeroed() - before).isEqualTo(cleared);
        assertThat(((Cap.Untyped) fx.capAt(ut)).freeIndex()).isEqualTo(1);
    }

    @Test
    void invokeUntyped_Retype_theWatermarkIsTheEndOfTheLastObjectIn16ByteUnits() {
        long ut = fx.untyped(16);
        long base = ((Cap.Untyped) fx.capAt(ut)).paddr();
        long[][] steps = {
            // type id, size bits, count, expected freeIndex
            {ObjectType.ENDPOINT.id(), 0, 1, 1},
            {ObjectType.TCB.id(), 0, 1, 4096 / 16},
            {ObjectType.NOTIFICATION.id(), 0, 3, (4096 + 96) / 16},
            {ObjectType.CNODE.id(), 4, 1, 5120 / 16},
            {ObjectType.SMALL_PAGE.id(), 0, 2, (8192 + 8192) / 16},
            {ObjectType.UNTYPED.id(), 4, 2, (16384 + 32) / 16},
        };
        for (long[] step : steps) {
            long dest = fx.slots((int) step[2]);
            ok(fx.sel4.untypedRetype(ut, step[0], step[1], ROOT, 0, 0, dest, step[2]));
            assertThat(((Cap.Untyped) fx.capAt(ut)).freeIndex()).as("after type %d", step[0]).isEqualTo(step[3]);
        }
        // the next object starts at the watermark rounded up to its size
        long ep = fx.retype(ut, ObjectType.ENDPOINT);
        assertThat(((Cap.EndpointCap) fx.capAt(ep)).endpoint().paddr()).isEqualTo(base + 16384 + 32);
    }
}
