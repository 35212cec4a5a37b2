package org.capbuddy.kernel.invocation;

import org.capbuddy.kernel.testing.RootTaskFx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.capbuddy.kernel.testing.RootTaskFx.D;
import static org.capbuddy.kernel.testing.RootTaskFx.ROOT;
import static org.capbuddy.kernel.testing.RootTaskFx.err;
import static org.capbuddy.kernel.testing.RootTaskFx.ok;

import org.capbuddy.kernel.api.ObjectType;
import org.capbuddy.kernel.api.Sel4Error;
import org.capbuddy.kernel.cap.Cap;
import org.junit.jupiter.api.Test;

/**
 * Untyped_Retype against seL4's {@code src/object/untyped.c} (decodeUntypedInvocation,
 * resetUntypedCap, invokeUntyped_Retype) and {@code getObjectSize} in
 * {@code src/object/objecttype.c}.
 */
class UntypedInvocationsTest {

    private final RootTaskFx fx = new RootTaskFx();

    private long zeroed() {
        return fx.costs().bytesZeroed();
    }

    @Test
    void aResetZeroesWholeChunksOf256BytesFromTheOldWatermarkDown() {
        long ut = fx.untyped(16);
        long base = ((Cap.Untyped) fx.capAt(ut)).paddr();
        long ep = fx.retype(ut, ObjectType.ENDPOINT, 0); // watermark 16
        fx.kernel.physicalMemory().writeLittleEndian(base + 8, 8, -1L);
        ok(fx.sel4.cnodeDelete(ROOT, ep, D));
        long before = zeroed();
        fx.retype(ut, ObjectType.ENDPOINT, 0);
        // resetUntypedCap clears CONFIG_RESET_CHUNK_BITS (8) sized chunks: 16 bytes used, 256 cleared
        assertThat(zeroed() - before).isEqualTo(256);
        assertThat(fx.kernel.physicalMemory().isZero(base, 256)).isTrue();

        // a watermark past a chunk boundary: 272 bytes used, two chunks cleared
        for (int i = 0; i < 16; i++) {
            fx.retype(ut, ObjectType.ENDPOINT, 0);
        }
        ok(fx.sel4.cnodeRevoke(ROOT, ut, D));
        before = zeroed();
        fx.retype(ut, ObjectType.ENDPOINT, 0);
        assertThat(zeroed() - before).isEqualTo(512);
    }

    @Test
    void aResetOfAnUntypedSmallerThanAChunkZeroesAllOfIt() {
        long ut = fx.untyped(7); // 128 bytes
        long ep = fx.retype(ut, ObjectType.ENDPOINT, 0);
        ok(fx.sel4.cnodeDelete(ROOT, ep, D));
        long before = zeroed();
        fx.retype(ut, ObjectType.ENDPOINT, 0);
        assertThat(zeroed() - before).isEqualTo(128);
    }

    @Test
    void aResetOfAnUntypedWithWatermark0ZeroesNothing() {
        long ut = fx.untyped(16);
        long before = zeroed();
        fx.retype(ut, ObjectType.SMALL_PAGE, 0);
        assertThat(zeroed() - before).isZero();
    }

    @Test
    void fixedSizeTypesIgnoreSizeBitsBelow64() {
        long ut = fx.untyped(16);
        ok(fx.sel4.untypedRetype(ut, ObjectType.ENDPOINT, 63, ROOT, 0, 0, fx.slot(), 1));
        ok(fx.sel4.untypedRetype(ut, ObjectType.TCB, 48, ROOT, 0, 0, fx.slot(), 1));
        ok(fx.sel4.untypedRetype(ut, ObjectType.SMALL_PAGE, 47, ROOT, 0, 0, fx.slot(), 1));
        err(fx.sel4.untypedRetype(ut, ObjectType.NOTIFICATION, 64, ROOT, 0, 0, fx.slot(), 1),
                Sel4Error.RANGE_ERROR, 0, 47);
        // for a CNode the argument is the radix: 5 + 43 bits is too large, 5 + 42 is not (but does not fit)
        err(fx.sel4.untypedRetype(ut, ObjectType.CNODE, 43, ROOT, 0, 0, fx.slot(), 1), Sel4Error.RANGE_ERROR, 0, 47);
        err(fx.sel4.untypedRetype(ut, ObjectType.CNODE, 42, ROOT, 0, 0, fx.slot(), 1),
                Sel4Error.NOT_ENOUGH_MEMORY);
    }

    @Test
    void aChildUntypedAsLargeAsItsParentLeavesTheParentWithNoRoomAndDeletingItResetsTheParent() {
        long parent = fx.untyped(12);
        long child = fx.retype(parent, ObjectType.UNTYPED, 12);
        err(fx.sel4.untypedRetype(parent, ObjectType.ENDPOINT, 0, ROOT, 0, 0, fx.slot(), 1),
                Sel4Error.NOT_ENOUGH_MEMORY, 0);
        fx.retype(child, ObjectType.SMALL_PAGE, 0);
        ok(fx.sel4.cnodeDelete(ROOT, child, D));
        // the frame made from the child is still a descendant of the parent: no reset yet
        err(fx.sel4.untypedRetype(parent, ObjectType.ENDPOINT, 0, ROOT, 0, 0, fx.slot(), 1),
                Sel4Error.NOT_ENOUGH_MEMORY, 0);
        ok(fx.sel4.cnodeRevoke(ROOT, parent, D));
        long before = zeroed();
        ok(fx.sel4.untypedRetype(parent, ObjectType.ENDPOINT, 0, ROOT, 0, 0, fx.slot(), 1));
        assertThat(zeroed() - before).isEqualTo(4096);
    }
}
