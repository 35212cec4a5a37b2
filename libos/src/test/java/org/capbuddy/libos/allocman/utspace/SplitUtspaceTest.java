package org.capbuddy.libos.allocman.utspace;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.capbuddy.kernel.api.ObjectType;
import org.capbuddy.kernel.boot.UntypedDescriptor;
import org.capbuddy.libos.allocman.ManagerContext;
import org.capbuddy.libos.vka.AllocErrorKind;
import org.capbuddy.libos.vka.CSpacePath;
import org.capbuddy.libos.vka.Result;
import org.junit.jupiter.api.Test;

class SplitUtspaceTest {
    private static final long NO_PADDR = ManagerContext.NO_PADDR;

    private final Fixture fx = new Fixture();
    private final SplitUtspace split = new SplitUtspace();

    private record Live(CSpacePath dest, long cookie, int bits) {
    }

    /** A random object kind that fits 2^4..2^14 bytes: (type, objBits). */
    private static Object[] randomObject(SplittableRandom rnd) {
        return switch (rnd.nextInt(7)) {
            case 0 -> new Object[] {ObjectType.SMALL_PAGE, 12};
            case 1 -> new Object[] {ObjectType.ENDPOINT, 4};
            case 2 -> new Object[] {ObjectType.NOTIFICATION, 5};
            case 3 -> new Object[] {ObjectType.TCB, 11};
            case 4 -> new Object[] {ObjectType.CNODE, 6 + rnd.nextInt(5)};
            case 5 -> new Object[] {ObjectType.PAGE_TABLE, 12};
            default -> new Object[] {ObjectType.UNTYPED, 4 + rnd.nextInt(11)};
        };
    }

    @Test
    void freeingEverythingInRandomOrderGivesBackTheWholeOriginalUntyped() {
        UntypedDescriptor root = fx.add(split, 20, false, UntypedKind.RAM);
        Fixture.Snapshot empty = fx.snapshot(split);
        assertThat(empty.bookkeepingBytes()).isEqualTo(SplitUtspace.NODE_RECORD_BYTES);
        for (long seed : new long[] {1, 42, System.nanoTime()}) {
            SplittableRandom rnd = new SplittableRandom(seed);
            List<Live> live = new ArrayList<>();
            long bytes = 0;
            for (int i = 0; i < 150; i++) {
                Object[] o = randomObject(rnd);
                int bits = (Integer) o[1];
                CSpacePath dest = fx.dest();
                Result<Long> r = split.alloc(fx.ctx, dest, (ObjectType) o[0], bits, NO_PADDR, false);
                if (!r.isOk()) {
                    // Only when no free buddy is big enough (unlikely at these sizes, but seed-dependent).
                    assertThat(r.error().kind()).as("seed %d alloc #%d: %s", seed, i, r)
                            .isEqualTo(AllocErrorKind.OUT_OF_MEMORY);
                    fx.ctx.giveBackSlot(dest.capPtr());
                    continue;
                }
                live.add(new Live(dest, r.value(), bits));
                bytes += 1L << bits;
            }
            assertThat(split.bytesInUse()).as("seed %d", seed).isEqualTo(bytes);
            assertThat(split.bytesInUse() + split.bytesFree()).as("seed %d", seed).isEqualTo(1L << 20);
            assertThat(fx.ctx.slotsInUse()).as("seed %d: one slot per non-root node", seed).isPositive();
            shuffle(live, rnd);
            for (Live l : live) {
                fx.deleteObject(l.dest);
                Result<Void> f = split.free(fx.ctx, l.cookie, l.bits);
                assertThat(f.isOk()).as("seed %d free: %s", seed, f).isTrue();
            }
            assertThat(fx.snapshot(split)).as("seed %d: everything coalesced", seed).isEqualTo(empty);
            assertThat(fx.ctx.misuse()).as("seed %d", seed).isEmpty();

            CSpacePath whole = fx.dest();
            Result<Long> all = split.alloc(fx.ctx, whole, ObjectType.UNTYPED, 20, NO_PADDR, false);
            assertThat(all.isOk()).as("seed %d: the whole untyped again: %s", seed, all).isTrue();
            assertThat(split.paddr(all.value()).value()).isEqualTo(root.paddr());
            assertThat(split.bytesFree()).isZero();
            fx.deleteObject(whole);
            assertThat(split.free(fx.ctx, all.value(), 20).isOk()).isTrue();
            assertThat(fx.snapshot(split)).as("seed %d", seed).isEqualTo(empty);
            assertThat(fx.kernel.checkInvariants().ok()).as("seed %d", seed).isTrue();
        }
        assertThat(fx.ctx.slotsInUse()).isZero();
        assertThat(fx.ctx.mspaceBytesInUse()).isEqualTo(SplitUtspace.NODE_RECORD_BYTES);
    }

    @Test
    void lowerHalfIsHandedOutFirstAndBuddiesAreExact() {
        UntypedDescriptor root = fx.add(split, 16, false, UntypedKind.RAM);
        CSpacePath a = fx.dest();
        CSpacePath b = fx.dest();
        long ca = split.alloc(fx.ctx, a, ObjectType.SMALL_PAGE, 12, NO_PADDR, false).value();
        long cb = split.alloc(fx.ctx, b, ObjectType.SMALL_PAGE, 12, NO_PADDR, false).value();
        assertThat(fx.frameAddress(a)).isEqualTo(root.paddr()).isEqualTo(split.paddr(ca).value());
        assertThat(fx.frameAddress(b)).isEqualTo(root.paddr() + 4096).isEqualTo(split.paddr(cb).value());
        assertThat(split.framesInUse()).isEqualTo(2);
        // 16 -> 15 -> 14 -> 13 -> 12: four splits, eight nodes besides the root.
        assertThat(split.bookkeepingBytes()).isEqualTo(9 * SplitUtspace.NODE_RECORD_BYTES);
        assertThat(fx.ctx.slotsInUse()).isEqualTo(8);
        fx.deleteObject(a);
        assertThat(split.free(fx.ctx, ca, 12).isOk()).isTrue();
        assertThat(split.framesInUse()).isEqualTo(1);
        assertThat(fx.ctx.slotsInUse()).as("a's sibling is still in use: nothing merges").isEqualTo(8);
        fx.deleteObject(b);
        assertThat(split.free(fx.ctx, cb, 12).isOk()).isTrue();
        assertThat(fx.ctx.slotsInUse()).isZero();
        assertThat(split.bytesFree()).isEqualTo(1L << 16);
    }

    @Test
    void paddrTargetedAllocationLandsExactlyThereOrSaysWhyNot() {
        UntypedDescriptor root = fx.add(split, 20, false, UntypedKind.RAM);
        SplittableRandom rnd = new SplittableRandom(7);
        List<Live> live = new ArrayList<>();
        List<Long> taken = new ArrayList<>();
        for (int i = 0; i < 24; i++) {
            long page = root.paddr() + 4096L * rnd.nextInt(256);
            if (taken.contains(page)) {
                continue;
            }
            taken.add(page);
            CSpacePath dest = fx.dest();
            Result<Long> r = split.alloc(fx.ctx, dest, ObjectType.SMALL_PAGE, 12, page, false);
            assertThat(r.isOk()).as("page at 0x%x: %s", page, r).isTrue();
            assertThat(fx.frameAddress(dest)).as("frame asked at 0x%x", page).isEqualTo(page);
            assertThat(split.paddr(r.value()).value()).isEqualTo(page);
            live.add(new Live(dest, r.value(), 12));
        }
        long used = taken.get(0);

        Fixture.Snapshot before = fx.snapshot(split);
        CSpacePath dest = fx.dest();
        Result<Long> again = split.alloc(fx.ctx, dest, ObjectType.SMALL_PAGE, 12, used, false);
        assertError(again, AllocErrorKind.OUT_OF_MEMORY, "already allocated");
        Result<Long> around = split.alloc(fx.ctx, dest, ObjectType.UNTYPED, 16, used & -(1L << 16), false);
        assertError(around, AllocErrorKind.OUT_OF_MEMORY, "already allocated");
        Result<Long> misaligned = split.alloc(fx.ctx, dest, ObjectType.SMALL_PAGE, 12, root.paddr() + 0x800, false);
        assertError(misaligned, AllocErrorKind.BAD_ARGUMENT, "not aligned");
        Result<Long> outside = split.alloc(fx.ctx, dest, ObjectType.SMALL_PAGE, 12, root.paddr() + (1L << 20), false);
        assertError(outside, AllocErrorKind.BAD_ARGUMENT, "no managed untyped covers");
        Result<Long> tooBig = split.alloc(fx.ctx, dest, ObjectType.UNTYPED, 21, root.paddr() & -(1L << 21), false);
        assertError(tooBig, AllocErrorKind.BAD_ARGUMENT, "no managed untyped covers");
        fx.assertUnchanged(split, before, "refused paddr requests");
        assertThat(fx.ctx.isEmpty(dest.capPtr())).isTrue();

        // A small object inside a free page next to a used one.
        long neighbour = root.paddr() + 4096L * 256 - 16;
        if (!taken.contains(neighbour & -4096L)) {
            Result<Long> ep = split.alloc(fx.ctx, dest, ObjectType.ENDPOINT, 4, neighbour, false);
            assertThat(ep.isOk()).as("endpoint at the very end: %s", ep).isTrue();
            assertThat(split.paddr(ep.value()).value()).isEqualTo(neighbour);
            live.add(new Live(dest, ep.value(), 4));
        }
        for (Live l : live) {
            fx.deleteObject(l.dest);
            assertThat(split.free(fx.ctx, l.cookie, l.bits).isOk()).isTrue();
        }
        assertThat(split.bytesFree()).isEqualTo(1L << 20);
        assertThat(fx.ctx.slotsInUse()).isZero();
    }

    @Test
    void deviceMemoryOnlyWhenAllowedAndNeverPlainDeviceWithoutAnAddress() {
        UntypedDescriptor ram = fx.add(split, 16, false, UntypedKind.RAM);
        UntypedDescriptor devRam = fx.add(split, 13, true, UntypedKind.DEVICE_RAM);
        UntypedDescriptor dev = fx.add(split, 14, true, UntypedKind.DEVICE);
        List<Live> live = new ArrayList<>();

        // canBeDevice prefers device RAM, for frames; a TCB cannot live in device memory at all.
        CSpacePath f = fx.dest();
        long c = split.alloc(fx.ctx, f, ObjectType.SMALL_PAGE, 12, NO_PADDR, true).value();
        assertThat(fx.frameAddress(f)).isEqualTo(devRam.paddr());
        live.add(new Live(f, c, 12));
        CSpacePath t = fx.dest();
        long ct = split.alloc(fx.ctx, t, ObjectType.TCB, 11, NO_PADDR, true).value();
        assertThat(split.paddr(ct).value()).isBetween(ram.paddr(), ram.paddr() + (1L << 16) - 1);
        live.add(new Live(t, ct, 11));

        // Without canBeDevice: RAM only, until RAM runs out.
        int ramPages = 0;
        while (true) {
            CSpacePath d = fx.dest();
            Result<Long> r = split.alloc(fx.ctx, d, ObjectType.SMALL_PAGE, 12, NO_PADDR, false);
            if (!r.isOk()) {
                assertThat(r.error().kind()).isEqualTo(AllocErrorKind.OUT_OF_MEMORY);
                assertThat(r.error().detail()).contains("[RAM]");
                break;
            }
            long pa = fx.frameAddress(d);
            assertThat(pa).as("a non-device request got 0x%x", pa).isBetween(ram.paddr(), ram.paddr() + (1L << 16) - 1);
            live.add(new Live(d, r.value(), 12));
            ramPages++;
        }
        assertThat(ramPages).isEqualTo(15); // 16 pages minus the one the TCB split off

        // canBeDevice: the remaining device RAM page, then nothing: plain DEVICE is never chosen blindly.
        CSpacePath d2 = fx.dest();
        Result<Long> second = split.alloc(fx.ctx, d2, ObjectType.SMALL_PAGE, 12, NO_PADDR, true);
        assertThat(fx.frameAddress(d2)).isEqualTo(devRam.paddr() + 4096);
        live.add(new Live(d2, second.value(), 12));
        Fixture.Snapshot before = fx.snapshot(split);
        CSpacePath d3 = fx.dest();
        assertError(split.alloc(fx.ctx, d3, ObjectType.SMALL_PAGE, 12, NO_PADDR, true),
                AllocErrorKind.OUT_OF_MEMORY, "[DEVICE_RAM, RAM]");

        // Plain device memory by address: refused without canBeDevice or for a non-frame type.
        long at = dev.paddr() + 3 * 4096;
        assertError(split.alloc(fx.ctx, d3, ObjectType.SMALL_PAGE, 12, at, false),
                AllocErrorKind.BAD_ARGUMENT, "device memory was not allowed");
        assertError(split.alloc(fx.ctx, d3, ObjectType.PAGE_TABLE, 12, at, true),
                AllocErrorKind.BAD_ARGUMENT, "only frames and untypeds");
        fx.assertUnchanged(split, before, "refused device requests");
        Result<Long> mmio = split.alloc(fx.ctx, d3, ObjectType.SMALL_PAGE, 12, at, true);
        assertThat(mmio.isOk()).as("device frame by address: %s", mmio).isTrue();
        assertThat(fx.frameAddress(d3)).isEqualTo(at);
        live.add(new Live(d3, mmio.value(), 12));

        for (Live l : live) {
            fx.deleteObject(l.dest);
            assertThat(split.free(fx.ctx, l.cookie, l.bits).isOk()).isTrue();
        }
        assertThat(split.bytesFree()).isEqualTo((1L << 16) + (1L << 13) + (1L << 14));
        assertThat(fx.ctx.slotsInUse()).isZero();
        assertThat(fx.ctx.misuse()).isEmpty();
    }

    @Test
    void badInputIsRefusedAndChangesNothing() {
        UntypedDescriptor root = fx.add(split, 16, false, UntypedKind.RAM);
        CSpacePath held = fx.dest();
        long cookie = split.alloc(fx.ctx, held, ObjectType.SMALL_PAGE, 12, NO_PADDR, false).value();
        Fixture.Snapshot before = fx.snapshot(split);
        CSpacePath dest = fx.dest();

        assertError(split.free(fx.ctx, 12345, 12), AllocErrorKind.NOT_ALLOCATED, "not handed out");
        assertError(split.free(fx.ctx, 0, 12), AllocErrorKind.NOT_ALLOCATED, "not handed out");
        assertError(split.free(fx.ctx, -1, 12), AllocErrorKind.NOT_ALLOCATED, "not handed out");
        assertError(split.free(fx.ctx, cookie, 13), AllocErrorKind.NOT_ALLOCATED, "not 2^13");
        assertError(split.free(null, cookie, 12), AllocErrorKind.BAD_ARGUMENT, "context");
        assertError(split.paddr(999), AllocErrorKind.NOT_ALLOCATED, "not handed out");
        assertError(split.alloc(fx.ctx, dest, ObjectType.SMALL_PAGE, 13, NO_PADDR, false),
                AllocErrorKind.BAD_ARGUMENT, "always 12 bits");
        assertError(split.alloc(fx.ctx, dest, ObjectType.TCB, 12, NO_PADDR, false),
                AllocErrorKind.BAD_ARGUMENT, "always 11 bits");
        for (int bits : new int[] {-1, 0, 3, 48, 64, Integer.MIN_VALUE, Integer.MAX_VALUE}) {
            assertError(split.alloc(fx.ctx, dest, ObjectType.UNTYPED, bits, NO_PADDR, false),
                    AllocErrorKind.BAD_ARGUMENT, "untyped must be");
        }
        for (int bits : new int[] {-7, 5, 48, Integer.MAX_VALUE}) {
            assertError(split.alloc(fx.ctx, dest, ObjectType.CNODE, bits, NO_PADDR, false),
                    AllocErrorKind.BAD_ARGUMENT, "CNode must be");
        }
        assertError(split.alloc(fx.ctx, dest, null, 12, NO_PADDR, false), AllocErrorKind.BAD_ARGUMENT, "null");
        assertError(split.alloc(fx.ctx, null, ObjectType.SMALL_PAGE, 12, NO_PADDR, false),
                AllocErrorKind.BAD_ARGUMENT, "null");
        assertError(split.alloc(null, dest, ObjectType.SMALL_PAGE, 12, NO_PADDR, false),
                AllocErrorKind.BAD_ARGUMENT, "null");
        assertError(split.alloc(fx.ctx, dest, ObjectType.SMALL_PAGE, 12, root.paddr() + 8, false),
                AllocErrorKind.BAD_ARGUMENT, "not aligned");
        assertError(split.alloc(fx.ctx, dest, ObjectType.SMALL_PAGE, 12, -4096, false),
                AllocErrorKind.BAD_ARGUMENT, "negative");
        assertError(split.alloc(fx.ctx, dest, ObjectType.SMALL_PAGE, 12, Long.MAX_VALUE & -4096L, false),
                AllocErrorKind.BAD_ARGUMENT, "overflows");
        assertError(split.alloc(fx.ctx, dest, ObjectType.UNTYPED, 17, NO_PADDR, false),
                AllocErrorKind.OUT_OF_MEMORY, "2^17");

        // addUntyped: overlap, duplicate slot, misalignment, sizes, nulls.
        UntypedDescriptor other = fx.untyped(15, false);
        assertError(split.addUntyped(fx.ctx, TestContext.path(other.cptr()), 15, root.paddr() + 0x8000,
                UntypedKind.RAM), AllocErrorKind.BAD_ARGUMENT, "overlaps");
        assertError(split.addUntyped(fx.ctx, TestContext.path(root.cptr()), 15, other.paddr(), UntypedKind.RAM),
                AllocErrorKind.BAD_ARGUMENT, "already");
        assertError(split.addUntyped(fx.ctx, TestContext.path(other.cptr()), 15, other.paddr() + 16,
                UntypedKind.RAM), AllocErrorKind.BAD_ARGUMENT, "aligned");
        assertError(split.addUntyped(fx.ctx, TestContext.path(other.cptr()), 3, other.paddr(), UntypedKind.RAM),
                AllocErrorKind.BAD_ARGUMENT, "size");
        assertError(split.addUntyped(fx.ctx, TestContext.path(other.cptr()), 15, NO_PADDR, UntypedKind.RAM),
                AllocErrorKind.BAD_ARGUMENT, "address");
        assertError(split.addUntyped(fx.ctx, null, 15, other.paddr(), UntypedKind.RAM),
                AllocErrorKind.BAD_ARGUMENT, "null");
        assertError(split.addUntyped(fx.ctx, TestContext.path(other.cptr()), 15, other.paddr(), null),
                AllocErrorKind.BAD_ARGUMENT, "null");
        fx.ctx.failNthMspaceAlloc(1);
        assertError(split.addUntyped(fx.ctx, TestContext.path(other.cptr()), 15, other.paddr(), UntypedKind.RAM),
                AllocErrorKind.OUT_OF_BOOKKEEPING, "node record");

        // A destination that is not empty: the kernel refuses the final Retype after the splits.
        assertError(split.alloc(fx.ctx, held, ObjectType.ENDPOINT, 4, NO_PADDR, false),
                AllocErrorKind.KERNEL, "DELETE_FIRST");
        fx.assertUnchanged(split, before, "bad input");
        assertThat(fx.ctx.isEmpty(dest.capPtr())).isTrue();

        // The genuine free still works after all that, and a second one is refused.
        fx.deleteObject(held);
        assertThat(split.free(fx.ctx, cookie, 12).isOk()).isTrue();
        Fixture.Snapshot freed = fx.snapshot(split);
        assertError(split.free(fx.ctx, cookie, 12), AllocErrorKind.NOT_ALLOCATED, "already freed");
        assertError(split.paddr(cookie), AllocErrorKind.NOT_ALLOCATED, "already freed");
        fx.assertUnchanged(split, freed, "double free");
        assertThat(split.bytesFree()).isEqualTo(1L << 16);
    }

    @Test
    void aStaleCookieCannotFreeTheNextOwnerOfTheSameBuddy() {
        fx.add(split, 15, false, UntypedKind.RAM);
        CSpacePath a = fx.dest();
        long first = split.alloc(fx.ctx, a, ObjectType.SMALL_PAGE, 12, NO_PADDR, false).value();
        long firstPaddr = split.paddr(first).value();
        fx.deleteObject(a);
        split.free(fx.ctx, first, 12);
        CSpacePath b = fx.dest();
        long second = split.alloc(fx.ctx, b, ObjectType.SMALL_PAGE, 12, NO_PADDR, false).value();
        assertThat(second).isNotEqualTo(first).isPositive();
        assertThat(split.paddr(second).value()).as("the same buddy again").isEqualTo(firstPaddr);
        assertError(split.free(fx.ctx, first, 12), AllocErrorKind.NOT_ALLOCATED, "already freed");
        assertThat(split.bytesInUse()).isEqualTo(4096);
    }

    static void assertError(Result<?> r, AllocErrorKind kind, String detailPart) {
        assertThat(r.isOk()).as("expected %s, got %s", kind, r).isFalse();
        assertThat(r.error().kind()).as("%s", r).isEqualTo(kind);
        assertThat(r.error().detail()).as("%s", r).containsIgnoringCase(detailPart);
    }

    private static <T> void shuffle(List<T> list, SplittableRandom rnd) {
        for (int i = list.size() - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            T t = list.get(i);
            list.set(i, list.get(j));
            list.set(j, t);
        }
    }
}
