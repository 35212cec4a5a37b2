package org.capbuddy.libos.allocman.cspace;

import static org.assertj.core.api.Assertions.assertThat;
import static org.capbuddy.libos.allocman.cspace.Probe.fails;
import static org.capbuddy.libos.allocman.cspace.Probe.ok;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.capbuddy.kernel.Kernel;
import org.capbuddy.kernel.KernelConfig;
import org.capbuddy.kernel.Sel4;
import org.capbuddy.kernel.api.CapRights;
import org.capbuddy.kernel.api.ObjectType;
import org.capbuddy.kernel.boot.BootInfo;
import org.capbuddy.libos.vka.AllocErrorKind;
import org.capbuddy.libos.vka.CSpacePath;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@link SingleLevelCSpace} over a range of the 18-bit root CNode of a real kernel. */
class SingleLevelCSpaceTest {
    private static final long ROOT = 2;

    private Kernel kernel;
    private BootInfo info;
    private KernelTestContext ctx;
    /** First slot of the empty region that is a multiple of 4096: tests place ranges relative to it. */
    private long base;

    @BeforeEach
    void boot() {
        kernel = Kernel.boot(KernelConfig.capBuddy(256L << 20));
        info = kernel.bootInfo();
        base = (info.empty().start() + 4095) & ~4095L;
        // the context's child untypeds live far above every manager range
        ctx = new KernelTestContext(kernel, KernelTestContext.Addressing.boot(), base + 100_000, base + 100_100);
    }

    private SingleLevelCSpace manager(long first, long end) {
        return ok(SingleLevelCSpace.create(ctx, SingleLevelConfig.ofRootCNode(ROOT, first, end)));
    }

    @Test
    void handsOutEverySlotOnceIncludingPartialWordsAtBothEnds() {
        long first = base + 5;
        long end = first + 1000; // words: 59 slots, 14 full, then 45 slots
        SingleLevelCSpace cs = manager(first, end);
        Set<Long> seen = new HashSet<>();
        for (int i = 0; i < 1000; i++) {
            long slot = ok(cs.alloc(ctx));
            assertThat(slot).isBetween(first, end - 1);
            assertThat(seen.add(slot)).as("slot %d handed out twice", slot).isTrue();
        }
        assertThat(seen).contains(end - 1, first);
        fails(cs.alloc(ctx), AllocErrorKind.OUT_OF_SLOTS);
        assertThat(cs.slotsInUse()).isEqualTo(1000);
        assertThat(cs.slotsFree()).isZero();
    }

    @Test
    void tryAllocSlotHandsOutWhatAllocWouldAndMinusOneWhenFullChangingNothing() {
        SingleLevelCSpace viaAlloc = manager(base, base + 130);
        SingleLevelCSpace viaTry = manager(base + 4096, base + 4096 + 130);
        for (int i = 0; i < 130; i++) {
            assertThat(viaTry.tryAllocSlot() - 4096).isEqualTo(ok(viaAlloc.alloc(ctx)));
        }
        assertThat(viaTry.tryAllocSlot()).isEqualTo(-1);
        assertThat(viaTry.slotsInUse()).isEqualTo(130);
        fails(viaTry.alloc(ctx), AllocErrorKind.OUT_OF_SLOTS);
        ok(viaTry.free(ctx, base + 4096 + 7));
        assertThat(viaTry.tryAllocSlot()).isEqualTo(base + 4096 + 7);
    }

    @Test
    void tinyRangeInsideOneWordIsSearched() {
        SingleLevelCSpace cs = manager(base + 61, base + 63);
        assertThat(ok(cs.alloc(ctx))).isEqualTo(base + 61);
        assertThat(ok(cs.alloc(ctx))).isEqualTo(base + 62);
        fails(cs.alloc(ctx), AllocErrorKind.OUT_OF_SLOTS);
    }

    @Test
    void freedSlotsAreHandedOutAgain() {
        SingleLevelCSpace cs = manager(base, base + 300);
        for (int i = 0; i < 300; i++) {
            ok(cs.alloc(ctx));
        }
        Set<Long> freed = Set.of(base, base + 64, base + 299, base + 130);
        for (long s : freed) {
            ok(cs.free(ctx, s));
        }
        assertThat(cs.slotsFree()).isEqualTo(4);
        Set<Long> again = new HashSet<>();
        for (int i = 0; i < 4; i++) {
            again.add(ok(cs.alloc(ctx)));
        }
        assertThat(again).isEqualTo(freed);
        fails(cs.alloc(ctx), AllocErrorKind.OUT_OF_SLOTS);
    }

    @Test
    void createChargesTheBitmapOnceAndFailsCleanly() {
        long before = ctx.mspaceBytes();
        SingleLevelCSpace cs = manager(base + 5, base + 1005);
        assertThat(cs.bookkeepingBytes()).isEqualTo(128);
        assertThat(ctx.mspaceBytes() - before).isEqualTo(128);
        for (int i = 0; i < 10; i++) {
            ok(cs.alloc(ctx));
        }
        assertThat(ctx.mspaceBytes() - before).isEqualTo(128);

        ctx.mspaceAllocs.failNth(1);
        fails(SingleLevelCSpace.create(ctx, SingleLevelConfig.ofRootCNode(ROOT, base, base + 10)),
                AllocErrorKind.OUT_OF_BOOKKEEPING);
        assertThat(ctx.mspaceBytes() - before).isEqualTo(128);

        for (SingleLevelConfig bad : List.of(new SingleLevelConfig(ROOT, 0, 0, 10),
                new SingleLevelConfig(ROOT, 65, 0, 10), SingleLevelConfig.ofRootCNode(ROOT, 10, 10),
                SingleLevelConfig.ofRootCNode(ROOT, -1, 10), SingleLevelConfig.ofRootCNode(ROOT, 0, 1L << 40),
                new SingleLevelConfig(ROOT, 4, 0, 17))) {
            fails(SingleLevelCSpace.create(ctx, bad), AllocErrorKind.BAD_ARGUMENT);
        }
        assertThat(ctx.mspaceBytes() - before).isEqualTo(128);
    }

    @Test
    void contiguousRunsAreAlignedDisjointAndShareTheRangeWithSingleSlots() {
        long first = base + 5; // partial first word, so word-level runs must skip it
        long end = base + 16384 + 2000;
        SingleLevelCSpace cs = manager(first, end);
        BitSet used = new BitSet();
        List<long[]> runs = new ArrayList<>();
        int[] sizes = {0, 3, 6, 1, 7, 5, 2, 10, 4, 8, 0, 6, 9};
        for (int round = 0; round < 3; round++) {
            for (int n : sizes) {
                long single = ok(cs.alloc(ctx));
                assertThat(used.get((int) (single - base))).isFalse();
                used.set((int) (single - base));
                CSpacePath run = ok(cs.allocContiguous(ctx, n));
                long len = 1L << n;
                assertThat(run.window()).isEqualTo(len);
                assertThat(run.capPtr() % len).as("run of 2^%d at %d", n, run.capPtr()).isZero();
                assertThat(run.capPtr()).isEqualTo(run.offset());
                assertThat(run.capPtr()).isGreaterThanOrEqualTo(first);
                assertThat(run.capPtr() + len).isLessThanOrEqualTo(end);
                int from = (int) (run.capPtr() - base);
                assertThat(used.get(from, from + (int) len).isEmpty()).as("overlap at %d", run.capPtr()).isTrue();
                used.set(from, from + (int) len);
                runs.add(new long[] {run.capPtr(), n});
            }
        }
        assertThat(cs.slotsInUse()).isEqualTo(used.cardinality());
        // runs go back like anything else, and their slots are then handed out singly
        for (long[] r : runs) {
            ok(cs.freeContiguous(ctx, r[0], (int) r[1]));
        }
        assertThat(cs.slotsInUse()).isEqualTo(3L * sizes.length);
        while (cs.alloc(ctx).isOk()) {
            // drain
        }
        assertThat(cs.slotsFree()).isZero();
        assertThat(cs.slotsInUse()).isEqualTo(end - first);
    }

    @Test
    void aRunMayTakeTheWholeRangeAndSingleSlotsMayTooNoHalfIsReserved() {
        long first = base;
        long end = base + 4096;
        SingleLevelCSpace cs = manager(first, end);
        CSpacePath all = ok(cs.allocContiguous(ctx, 12));
        assertThat(all.capPtr()).isEqualTo(first);
        fails(cs.alloc(ctx), AllocErrorKind.OUT_OF_SLOTS);
        ok(cs.freeContiguous(ctx, first, 12));
        for (int i = 0; i < 4096; i++) {
            ok(cs.alloc(ctx));
        }
        for (long s = first; s < end; s++) {
            ok(cs.free(ctx, s));
        }
        assertThat(ok(cs.allocContiguous(ctx, 11)).capPtr()).isEqualTo(first);
        assertThat(ok(cs.allocContiguous(ctx, 11)).capPtr()).isEqualTo(first + 2048);
        // a run's slots may also be freed one by one
        for (long s = first; s < first + 2048; s++) {
            ok(cs.free(ctx, s));
        }
        assertThat(cs.slotsFree()).isEqualTo(2048);
    }

    @Test
    void badInputIsRefusedAndChangesNothing() {
        long first = base + 64;
        long end = base + 64 + 256;
        SingleLevelCSpace cs = manager(first, end);
        long a = ok(cs.alloc(ctx));
        CSpacePath run = ok(cs.allocContiguous(ctx, 4));
        long inUse = cs.slotsInUse();

        fails(cs.free(ctx, first - 1), AllocErrorKind.NOT_ALLOCATED);
        fails(cs.free(ctx, end), AllocErrorKind.NOT_ALLOCATED);
        fails(cs.free(ctx, -5), AllocErrorKind.NOT_ALLOCATED);
        fails(cs.free(ctx, Long.MIN_VALUE), AllocErrorKind.NOT_ALLOCATED);
        fails(cs.free(ctx, end - 1), AllocErrorKind.NOT_ALLOCATED); // never handed out
        ok(cs.free(ctx, a));
        fails(cs.free(ctx, a), AllocErrorKind.NOT_ALLOCATED); // double free
        a = ok(cs.alloc(ctx));

        for (int n : new int[] {-1, 31, 64, Integer.MIN_VALUE, Integer.MAX_VALUE}) {
            fails(cs.allocContiguous(ctx, n), AllocErrorKind.BAD_ARGUMENT);
            fails(cs.freeContiguous(ctx, run.capPtr(), n), AllocErrorKind.BAD_ARGUMENT);
        }
        // 512 can never fit in 256: the range is short of slots for the run, not asked a bad size
        fails(cs.allocContiguous(ctx, 9), AllocErrorKind.OUT_OF_SLOTS);
        fails(cs.freeContiguous(ctx, run.capPtr() + 1, 4), AllocErrorKind.BAD_ARGUMENT); // misaligned
        fails(cs.freeContiguous(ctx, run.capPtr() & ~31L, 5), AllocErrorKind.NOT_ALLOCATED); // partly free
        fails(cs.freeContiguous(ctx, end, 4), AllocErrorKind.NOT_ALLOCATED);
        fails(cs.freeContiguous(ctx, first - 16, 4), AllocErrorKind.NOT_ALLOCATED);
        fails(cs.freeContiguous(ctx, Long.MIN_VALUE, 4), AllocErrorKind.NOT_ALLOCATED);
        assertThat(cs.slotsInUse()).isEqualTo(inUse);
        ok(cs.freeContiguous(ctx, run.capPtr(), 4));
        fails(cs.freeContiguous(ctx, run.capPtr(), 4), AllocErrorKind.NOT_ALLOCATED); // double free
        assertThat(cs.manages(a)).isTrue();
        assertThat(cs.manages(end)).isFalse();
    }

    @Test
    void fragmentedRangeHasNoRunButStillHasSlots() {
        SingleLevelCSpace cs = manager(base, base + 128);
        for (int i = 0; i < 128; i++) {
            ok(cs.alloc(ctx));
        }
        for (long s = base; s < base + 128; s += 2) {
            ok(cs.free(ctx, s));
        }
        fails(cs.allocContiguous(ctx, 1), AllocErrorKind.OUT_OF_SLOTS);
        assertThat(ok(cs.allocContiguous(ctx, 0)).capPtr()).isEqualTo(base);
        assertThat(cs.slotsFree()).isEqualTo(63);
    }

    @Test
    void slotsAndRunsAreUsableKernelSlots() {
        SingleLevelCSpace cs = manager(base, base + 512);
        Sel4 sel4 = kernel.rootTask();
        CSpacePath a = cs.makePath(ok(cs.alloc(ctx)));
        CSpacePath b = cs.makePath(ok(cs.alloc(ctx)));
        assertThat(a).isEqualTo(new CSpacePath(ROOT, a.capPtr(), 64, 0, 0, a.capPtr(), 1));
        Probe.ok(sel4.untypedRetype(ctx.bigUntyped(), ObjectType.ENDPOINT, 0, a.root(), a.dest(), a.destDepth(),
                a.offset(), 1));
        Probe.ok(sel4.cnodeCopy(b.root(), b.capPtr(), b.capDepth(), a.root(), a.capPtr(), a.capDepth(),
                CapRights.ALL));
        assertThat(Probe.slotEmpty(sel4, b.root(), b.capPtr(), b.capDepth())).isFalse();
        // a run is one Retype of 2^n objects
        CSpacePath run = ok(cs.allocContiguous(ctx, 5));
        Probe.ok(sel4.untypedRetype(ctx.bigUntyped(), ObjectType.NOTIFICATION, 0, run.root(), run.dest(),
                run.destDepth(), run.offset(), run.window()));
        assertThat(Probe.slotEmpty(sel4, ROOT, run.capPtr() + 31, 64)).isFalse();
        assertThat(kernel.checkInvariants().ok()).isTrue();
    }
}
