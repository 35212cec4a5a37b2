package org.capbuddy.libos.allocman.utspace;

import static org.assertj.core.api.Assertions.assertThat;
import static org.capbuddy.libos.allocman.utspace.SplitUtspaceTest.assertError;

import org.capbuddy.kernel.api.ObjectType;
import org.capbuddy.kernel.boot.UntypedDescriptor;
import org.capbuddy.libos.allocman.ManagerContext;
import org.capbuddy.libos.vka.AllocErrorKind;
import org.capbuddy.libos.vka.CSpacePath;
import org.capbuddy.libos.vka.Result;
import org.junit.jupiter.api.Test;

class TwinkleUtspaceTest {
    private static final long NO_PADDR = ManagerContext.NO_PADDR;

    private final Fixture fx = new Fixture();
    private final TwinkleUtspace twinkle = new TwinkleUtspace();

    @Test
    void bumpsThroughTheFirstUntypedWithRoomAlignedToEachObject() {
        UntypedDescriptor small = fx.add(twinkle, 15, false, UntypedKind.RAM);
        assertThat(twinkle.bookkeepingBytes()).isEqualTo(TwinkleUtspace.ENTRY_RECORD_BYTES);
        assertThat(fx.ctx.mspaceBytesInUse()).isEqualTo(TwinkleUtspace.ENTRY_RECORD_BYTES);

        assertThat(twinkle.alloc(fx.ctx, fx.dest(), ObjectType.ENDPOINT, 4, NO_PADDR, false).isOk()).isTrue();
        CSpacePath page = fx.dest();
        Result<Long> p = twinkle.alloc(fx.ctx, page, ObjectType.SMALL_PAGE, 12, NO_PADDR, false);
        assertThat(p.isOk()).as("%s", p).isTrue();
        // The endpoint took [0, 16); the page is rounded up to the next 4 KiB boundary.
        assertThat(fx.frameAddress(page)).isEqualTo(small.paddr() + 4096);
        assertThat(twinkle.bytesFree()).isEqualTo((1L << 15) - 8192);
        // A 16 KiB untyped skips [8K, 16K) to align and fills the rest.
        assertThat(twinkle.alloc(fx.ctx, fx.dest(), ObjectType.UNTYPED, 14, NO_PADDR, false).isOk()).isTrue();
        assertThat(twinkle.bytesInUse()).isEqualTo(16 + 4096 + 16384);
        assertThat(twinkle.bytesFree()).isZero();
        assertThat(twinkle.framesInUse()).isEqualTo(1);

        // Full: refused, nothing changes.
        Fixture.Snapshot before = fx.snapshot(twinkle);
        CSpacePath dest = fx.dest();
        assertError(twinkle.alloc(fx.ctx, dest, ObjectType.ENDPOINT, 4, NO_PADDR, false),
                AllocErrorKind.OUT_OF_MEMORY, "no untyped");
        fx.assertUnchanged(twinkle, before, "alloc from a full twinkle");

        // A second untyped is used once the first is full.
        UntypedDescriptor next = fx.add(twinkle, 16, false, UntypedKind.RAM);
        CSpacePath second = fx.dest();
        assertThat(twinkle.alloc(fx.ctx, second, ObjectType.SMALL_PAGE, 12, NO_PADDR, false).isOk()).isTrue();
        assertThat(fx.frameAddress(second)).isEqualTo(next.paddr());
        assertThat(fx.kernel.checkInvariants().ok()).isTrue();
    }

    @Test
    void amongUntypedsOfTheSameSizeNextToTheFirstWithRoomTheOneWastingLeastIsUsed() {
        // Two neighbouring 64 KiB untypeds, retyped out of a boot untyped.
        UntypedDescriptor parent = fx.untyped(20, false);
        long[] halves = new long[2];
        for (int i = 0; i < 2; i++) {
            halves[i] = fx.ctx.takeSlot();
            assertThat(fx.sel4.untypedRetype(parent.cptr(), ObjectType.UNTYPED, 16, TestContext.ROOT_CNODE, 0, 0,
                    halves[i], 1).isOk()).isTrue();
            assertThat(twinkle.addUntyped(fx.ctx, TestContext.path(halves[i]), 16, parent.paddr() + (i << 16),
                    UntypedKind.RAM).isOk()).isTrue();
        }
        assertThat(twinkle.alloc(fx.ctx, fx.dest(), ObjectType.ENDPOINT, 4, NO_PADDR, false).isOk()).isTrue();
        CSpacePath page = fx.dest();
        assertThat(twinkle.alloc(fx.ctx, page, ObjectType.SMALL_PAGE, 12, NO_PADDR, false).isOk()).isTrue();
        // The first untyped would skip 4,080 bytes to align the page; its neighbour of the same
        // size skips none, so twinkle.c takes the neighbour.
        assertThat(fx.frameAddress(page)).isEqualTo(parent.paddr() + (1 << 16));
        assertThat(twinkle.bytesFree()).isEqualTo((2L << 16) - 16 - 4096);
    }

    @Test
    void freeForgetsTheCookieButReclaimsNothing() {
        fx.add(twinkle, 16, false, UntypedKind.RAM);
        CSpacePath page = fx.dest();
        long cookie = twinkle.alloc(fx.ctx, page, ObjectType.SMALL_PAGE, 12, NO_PADDR, false).value();
        assertError(twinkle.paddr(cookie), AllocErrorKind.BAD_ARGUMENT, "does not track");
        assertError(twinkle.free(fx.ctx, cookie, 13), AllocErrorKind.NOT_ALLOCATED, "not 2^13");
        assertError(twinkle.free(fx.ctx, 77, 12), AllocErrorKind.NOT_ALLOCATED, "not handed out");
        fx.deleteObject(page);
        long free = twinkle.bytesFree();
        assertThat(twinkle.free(fx.ctx, cookie, 12).isOk()).isTrue();
        assertThat(twinkle.bytesInUse()).isEqualTo(4096);
        assertThat(twinkle.framesInUse()).isEqualTo(1);
        assertThat(twinkle.bytesFree()).isEqualTo(free);
        assertError(twinkle.free(fx.ctx, cookie, 12), AllocErrorKind.NOT_ALLOCATED, "already freed");
        assertError(twinkle.paddr(cookie), AllocErrorKind.NOT_ALLOCATED, "already freed");
    }

    @Test
    void refusesAddressesDeviceMemoryAndBadSizesAndSurvivesAFailedRetype() {
        UntypedDescriptor ut = fx.add(twinkle, 16, false, UntypedKind.RAM);
        UntypedDescriptor dev = fx.untyped(14, true);
        Fixture.Snapshot before = fx.snapshot(twinkle);
        CSpacePath dest = fx.dest();
        assertError(twinkle.alloc(fx.ctx, dest, ObjectType.SMALL_PAGE, 12, ut.paddr(), false),
                AllocErrorKind.BAD_ARGUMENT, "physical address");
        assertError(twinkle.alloc(fx.ctx, dest, ObjectType.SMALL_PAGE, 11, NO_PADDR, false),
                AllocErrorKind.BAD_ARGUMENT, "always 12");
        assertError(twinkle.alloc(fx.ctx, dest, ObjectType.UNTYPED, 99, NO_PADDR, false),
                AllocErrorKind.BAD_ARGUMENT, "untyped must be");
        assertError(twinkle.alloc(fx.ctx, null, ObjectType.ENDPOINT, 4, NO_PADDR, false),
                AllocErrorKind.BAD_ARGUMENT, "null");
        assertError(twinkle.addUntyped(fx.ctx, TestContext.path(dev.cptr()), 14, dev.paddr(), UntypedKind.DEVICE),
                AllocErrorKind.BAD_ARGUMENT, "device");
        assertError(twinkle.addUntyped(fx.ctx, TestContext.path(ut.cptr()), 14, ut.paddr(), UntypedKind.RAM),
                AllocErrorKind.BAD_ARGUMENT, "already managed");
        fx.kernel.failureInjector().failNth(1);
        assertError(twinkle.alloc(fx.ctx, dest, ObjectType.SMALL_PAGE, 12, NO_PADDR, false),
                AllocErrorKind.KERNEL, "NOT_ENOUGH_MEMORY");
        fx.assertUnchanged(twinkle, before, "refused twinkle requests");
        assertThat(fx.ctx.isEmpty(dest.capPtr())).isTrue();
        // The failed Retype did not move the bump offset: the next page is the first one.
        assertThat(twinkle.alloc(fx.ctx, dest, ObjectType.SMALL_PAGE, 12, NO_PADDR, false).isOk()).isTrue();
        assertThat(fx.frameAddress(dest)).isEqualTo(ut.paddr());
    }
}
