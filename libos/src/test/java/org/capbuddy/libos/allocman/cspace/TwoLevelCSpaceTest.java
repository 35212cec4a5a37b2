package org.capbuddy.libos.allocman.cspace;

import static org.assertj.core.api.Assertions.assertThat;
import static org.capbuddy.libos.allocman.cspace.Probe.fails;
import static org.capbuddy.libos.allocman.cspace.Probe.ok;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Function;
import org.capbuddy.kernel.api.CapRights;
import org.capbuddy.kernel.api.ObjectType;
import org.capbuddy.libos.vka.AllocErrorKind;
import org.capbuddy.libos.vka.CSpacePath;
import org.capbuddy.libos.vka.Result;
import org.junit.jupiter.api.Test;

/** {@link TwoLevelCSpace} on a re-guarded 12-bit root CNode of a real kernel. */
class TwoLevelCSpaceTest {
    private static final int B = 6;

    @Test
    void createsL2sOnDemandAndDeletesThemWhenEmpty() {
        TwoLevelFixture f = new TwoLevelFixture(B, 8, false);
        TwoLevelCSpace cs = f.cs;
        long cnodes = Probe.cnodesCreated(f.kernel);
        assertThat(cs.l2Count()).isZero();
        assertThat(cs.slotsFree()).isEqualTo(8L << B);
        long l1Bytes = cs.bookkeepingBytes();

        List<Long> firstL2 = new ArrayList<>();
        for (int i = 0; i < (1 << B); i++) {
            firstL2.add(ok(cs.alloc(f.ctx)));
        }
        assertThat(Probe.cnodesCreated(f.kernel) - cnodes).isEqualTo(1);
        long l1 = firstL2.get(0) >>> B;
        assertThat(firstL2).allMatch(c -> c >>> B == l1);
        assertThat(new HashSet<>(firstL2)).hasSize(1 << B);
        assertThat(f.l1SlotEmpty(l1)).isFalse();
        assertThat(cs.bookkeepingBytes()).isEqualTo(l1Bytes + L2Node.recordBytes(B));

        long next = ok(cs.alloc(f.ctx)); // the first L2 is full: a second one
        assertThat(Probe.cnodesCreated(f.kernel) - cnodes).isEqualTo(2);
        assertThat(next >>> B).isNotEqualTo(l1);
        assertThat(cs.l2Count()).isEqualTo(2);
        assertThat(cs.slotsInUse()).isEqualTo((1 << B) + 1);
        assertThat(cs.slotsFree()).isEqualTo((8L << B) - (1 << B) - 1);
        assertThat(f.ctx.liveObjects()).isEqualTo(2);

        for (long c : firstL2) {
            ok(cs.free(f.ctx, c));
        }
        assertThat(cs.l2Count()).isEqualTo(1);
        assertThat(cs.hasL2(l1)).isFalse();
        assertThat(f.l1SlotEmpty(l1)).isTrue();
        assertThat(f.ctx.liveObjects()).isEqualTo(1);
        ok(cs.free(f.ctx, next));
        assertThat(cs.l2Count()).isZero();
        assertThat(f.ctx.liveObjects()).isZero();
        assertThat(f.l1SlotEmpty(next >>> B)).isTrue();
        assertThat(cs.bookkeepingBytes()).isEqualTo(l1Bytes);
        assertThat(f.ctx.mspaceBytes()).isEqualTo(l1Bytes);
        assertThat(cs.slotsFree()).isEqualTo(8L << B);
        assertThat(f.kernel.checkInvariants().ok()).isTrue();
    }

    @Test
    void slotsAreUsableThroughTheirPaths() {
        TwoLevelFixture f = new TwoLevelFixture(B, 4, false);
        TwoLevelCSpace cs = f.cs;
        CSpacePath ut = cs.makePath(ok(cs.alloc(f.ctx)));
        CSpacePath ep = cs.makePath(ok(cs.alloc(f.ctx)));
        CSpacePath copy = cs.makePath(ok(cs.alloc(f.ctx)));
        long l1 = ut.capPtr() >>> B;
        assertThat(ut).isEqualTo(new CSpacePath(f.sw.rootCptr(), ut.capPtr(), 64, l1, 64 - B, ut.capPtr() & 63, 1));
        assertThat(cs.l1Path(l1)).isEqualTo(new CSpacePath(f.sw.rootCptr(), l1, 64 - B, 0, 0, l1, 1));
        // an untyped retyped into an L2 slot, then invoked at its cptr: cap lookups resolve L2 cptrs
        Probe.ok(f.sel4.untypedRetype(f.ctx.bigUntyped(), ObjectType.UNTYPED, 12, ut.root(), ut.dest(),
                ut.destDepth(), ut.offset(), 1));
        Probe.ok(f.sel4.untypedRetype(ut.capPtr(), ObjectType.ENDPOINT, 0, ep.root(), ep.dest(), ep.destDepth(),
                ep.offset(), 1));
        Probe.ok(f.sel4.cnodeCopy(copy.root(), copy.capPtr(), copy.capDepth(), ep.root(), ep.capPtr(),
                ep.capDepth(), CapRights.ALL));
        assertThat(Probe.slotEmpty(f.sel4, copy.root(), copy.capPtr(), copy.capDepth())).isFalse();
        assertThat(f.kernel.checkInvariants().ok()).isTrue();
        // empty the slots, give them back: the L2 goes
        for (CSpacePath p : List.of(copy, ep, ut)) {
            Probe.ok(f.sel4.cnodeDelete(p.root(), p.capPtr(), p.capDepth()));
            ok(cs.free(f.ctx, p.capPtr()));
        }
        assertThat(cs.l2Count()).isZero();
        assertThat(f.l1SlotEmpty(l1)).isTrue();
        assertThat(f.kernel.checkInvariants().ok()).isTrue();
    }

    @Test
    void contiguousRunsStayInsideOneL2() {
        TwoLevelFixture f = new TwoLevelFixture(B, 4, false);
        TwoLevelCSpace cs = f.cs;
        long single = ok(cs.alloc(f.ctx));
        Set<Long> used = new HashSet<>(List.of(single));
        List<CSpacePath> runs = new ArrayList<>();
        for (int n : new int[] {3, 0, 5, 2, 4, 1, 5}) {
            CSpacePath run = ok(cs.allocContiguous(f.ctx, n));
            runs.add(run);
            long len = 1L << n;
            assertThat(run.window()).isEqualTo(len);
            assertThat(run.capPtr() % len).isZero();
            assertThat((run.capPtr() + len - 1) >>> B).as("run inside one L2").isEqualTo(run.capPtr() >>> B);
            assertThat(run).isEqualTo(cs.makePath(run.capPtr()).withWindow((int) len));
            for (long c = run.capPtr(); c < run.capPtr() + len; c++) {
                assertThat(used.add(c)).as("cptr %d twice", c).isTrue();
            }
        }
        assertThat(cs.l2Count()).isEqualTo(2); // 1+8+1+32+4+16+2 = 64 fill the first, the last 32 open a second
        // a whole L2 for 2^B: a new one
        CSpacePath whole = ok(cs.allocContiguous(f.ctx, B));
        assertThat(whole.offset()).isZero();
        assertThat(cs.l2Count()).isEqualTo(3);
        // one Retype fills the run
        Probe.ok(f.sel4.untypedRetype(f.ctx.bigUntyped(), ObjectType.NOTIFICATION, 0, whole.root(), whole.dest(),
                whole.destDepth(), whole.offset(), whole.window()));
        for (long c = whole.capPtr(); c < whole.capPtr() + (1 << B); c++) {
            Probe.ok(f.sel4.cnodeDelete(f.sw.rootCptr(), c, 64));
        }
        ok(cs.freeContiguous(f.ctx, whole.capPtr(), B));
        for (CSpacePath run : runs) {
            ok(cs.freeContiguous(f.ctx, run.capPtr(), Integer.numberOfTrailingZeros(run.window())));
        }
        ok(cs.free(f.ctx, single));
        assertThat(cs.l2Count()).isZero();
        assertThat(f.ctx.liveObjects()).isZero();
        assertThat(cs.slotsInUse()).isZero();
    }

    @Test
    void theReservedL1IndexIsNeverUsed() {
        TwoLevelFixture f = new TwoLevelFixture(3, 1, true); // range {A, A+1}, A reserved
        TwoLevelCSpace cs = f.cs;
        long a = f.sw.rootHolderL1();
        assertThat(cs.slotsFree()).isEqualTo(8);
        assertThat(cs.manages(a << 3)).isFalse();
        for (int i = 0; i < 8; i++) {
            assertThat(ok(cs.alloc(f.ctx)) >>> 3).isEqualTo(a + 1);
        }
        fails(cs.alloc(f.ctx), AllocErrorKind.OUT_OF_SLOTS);
        fails(cs.allocContiguous(f.ctx, 0), AllocErrorKind.OUT_OF_SLOTS);
        fails(cs.free(f.ctx, a << 3), AllocErrorKind.NOT_ALLOCATED); // the root cap's slot
        assertThat(f.kernel.checkInvariants().ok()).isTrue();
    }

    @Test
    void badInputIsRefusedAndChangesNothing() {
        TwoLevelFixture f = new TwoLevelFixture(B, 4, false);
        TwoLevelCSpace cs = f.cs;
        long c = ok(cs.alloc(f.ctx));
        CSpacePath run = ok(cs.allocContiguous(f.ctx, 3));
        Probe.State before = f.state();
        long unusedL1 = f.l1End - 1;
        assertThat(c).isEqualTo(f.l1First << B);
        assertThat(run.capPtr()).isEqualTo(c + 8);
        for (long bad : new long[] {-1, Long.MIN_VALUE, Long.MAX_VALUE, (f.l1First - 1) << B, f.l1End << B,
                unusedL1 << B, c + 1, c + 16, f.sw.rootCptr(), 2L << B}) {
            fails(cs.free(f.ctx, bad), AllocErrorKind.NOT_ALLOCATED);
        }
        for (int n : new int[] {-1, B + 1, 31, 64, Integer.MIN_VALUE, Integer.MAX_VALUE}) {
            // a run larger than an L2 CNode is a size runs may have that this CSpace lacks slots
            // for; the others no CSpace takes
            fails(cs.allocContiguous(f.ctx, n), n == B + 1 ? AllocErrorKind.OUT_OF_SLOTS : AllocErrorKind.BAD_ARGUMENT);
            fails(cs.freeContiguous(f.ctx, run.capPtr(), n), AllocErrorKind.BAD_ARGUMENT);
        }
        fails(cs.freeContiguous(f.ctx, run.capPtr() + 1, 2), AllocErrorKind.BAD_ARGUMENT);
        fails(cs.freeContiguous(f.ctx, c, 4), AllocErrorKind.NOT_ALLOCATED); // slots 1..7 are free
        fails(cs.freeContiguous(f.ctx, unusedL1 << B, 3), AllocErrorKind.NOT_ALLOCATED);
        fails(cs.freeContiguous(f.ctx, -8, 3), AllocErrorKind.NOT_ALLOCATED);
        assertThat(f.state()).isEqualTo(before);
        ok(cs.free(f.ctx, c));
        fails(cs.free(f.ctx, c), AllocErrorKind.NOT_ALLOCATED);
        ok(cs.freeContiguous(f.ctx, run.capPtr(), 3));
        fails(cs.freeContiguous(f.ctx, run.capPtr(), 3), AllocErrorKind.NOT_ALLOCATED);
        fails(cs.free(f.ctx, run.capPtr()), AllocErrorKind.NOT_ALLOCATED);
        assertThat(cs.l2Count()).isZero();
    }

    @Test
    void badConfigurationsAndMspaceRefusalFailCleanly() {
        TwoLevelFixture f = new TwoLevelFixture(B, 4, false);
        long bytes = f.ctx.mspaceBytes();
        long root = f.sw.rootCptr();
        for (TwoLevelConfig bad : List.of(new TwoLevelConfig(root, 0, 10, 20, -1),
                new TwoLevelConfig(root, 21, 10, 20, -1), new TwoLevelConfig(root, 6, 20, 20, -1),
                new TwoLevelConfig(root, 6, -1, 20, -1), new TwoLevelConfig(root, 6, 10, 1L << 58, -1),
                new TwoLevelConfig(root, 6, 10, 11, 10), new TwoLevelConfig(root, 6, 10, 20, -7))) {
            fails(TwoLevelCSpace.create(f.ctx, bad), AllocErrorKind.BAD_ARGUMENT);
        }
        f.ctx.mspaceAllocs.failNth(1);
        fails(TwoLevelCSpace.create(f.ctx, f.sw.config(f.l1First, f.l1End)), AllocErrorKind.OUT_OF_BOOKKEEPING);
        assertThat(f.ctx.mspaceBytes()).isEqualTo(bytes);
    }

    /** How a failure is injected into the step that creates an L2: context refusals or a failed Retype. */
    private static final List<Consumer<TwoLevelFixture>> INJECTIONS = List.of(
            fx -> fx.ctx.mspaceAllocs.failNth(1),
            fx -> fx.ctx.utspaceAllocs.failNth(1),
            fx -> fx.kernel.failureInjector().failNth(1), // the context's child untyped
            fx -> fx.kernel.failureInjector().failNth(2)); // the L2 CNode itself

    @Test
    void aFailureAtAnyStepOfMakingAnL2ChangesNothing() {
        // prefix: one full L2 and one slot given back, so the next run needs a new L2
        Function<TwoLevelFixture, Long> prefix = fx -> {
            long last = 0;
            for (int i = 0; i < (1 << B); i++) {
                last = ok(fx.cs.alloc(fx.ctx));
            }
            return last;
        };
        List<Function<TwoLevelFixture, Result<?>>> operations = List.of(
                fx -> fx.cs.alloc(fx.ctx),
                fx -> fx.cs.allocContiguous(fx.ctx, 3),
                fx -> fx.cs.allocContiguous(fx.ctx, B));
        for (int op = 0; op < operations.size(); op++) {
            TwoLevelFixture clean = new TwoLevelFixture(B, 4, false);
            prefix.apply(clean);
            Object expected = ok(operations.get(op).apply(clean));
            for (int inj = 0; inj < INJECTIONS.size(); inj++) {
                TwoLevelFixture fx = new TwoLevelFixture(B, 4, false);
                prefix.apply(fx);
                Probe.State before = fx.state();
                long cnodes = Probe.cnodesCreated(fx.kernel);
                INJECTIONS.get(inj).accept(fx);
                Result<?> failed = operations.get(op).apply(fx);
                assertThat(failed.isOk()).as("op %d injection %d: %s", op, inj, failed).isFalse();
                assertThat(fx.state()).as("op %d injection %d", op, inj).isEqualTo(before);
                assertThat(Probe.cnodesCreated(fx.kernel)).isEqualTo(cnodes);
                assertThat(fx.l1SlotEmpty(fx.l1First + 1)).isTrue();
                assertThat(fx.cs.deferredReleases()).isZero();
                // the same operation then succeeds exactly as it does without the failure
                assertThat(ok(operations.get(op).apply(fx))).as("op %d injection %d", op, inj).isEqualTo(expected);
            }
        }
    }

    @Test
    void aRefusedRollbackIsQueuedAndRetried() {
        TwoLevelFixture f = new TwoLevelFixture(B, 4, false);
        long l1Bytes = f.cs.bookkeepingBytes();
        f.ctx.utspaceAllocs.failNth(1);
        f.ctx.mspaceFrees.failNth(1); // the rollback of the L2 record is refused too
        fails(f.cs.alloc(f.ctx), AllocErrorKind.OUT_OF_MEMORY);
        assertThat(f.cs.deferredReleases()).isEqualTo(1);
        assertThat(f.cs.bookkeepingBytes()).isEqualTo(l1Bytes + L2Node.recordBytes(B));
        assertThat(f.cs.l2Count()).isZero();
        long c = ok(f.cs.alloc(f.ctx)); // retries the release first
        assertThat(f.cs.deferredReleases()).isZero();
        assertThat(f.cs.bookkeepingBytes()).isEqualTo(l1Bytes + L2Node.recordBytes(B));
        assertThat(f.ctx.mspaceBytes()).isEqualTo(l1Bytes + L2Node.recordBytes(B));
        ok(f.cs.free(f.ctx, c));
        assertThat(f.ctx.mspaceBytes()).isEqualTo(l1Bytes);
    }

    @Test
    void refusedFreesOfAnEmptyL2AreQueuedAndRetried() {
        TwoLevelFixture f = new TwoLevelFixture(B, 4, false);
        long l1Bytes = f.cs.bookkeepingBytes();
        long c = ok(f.cs.alloc(f.ctx));
        f.ctx.utspaceFrees.failNth(1);
        f.ctx.mspaceFrees.failNth(1);
        ok(f.cs.free(f.ctx, c)); // the slot is free; the L2 cap is deleted; its memory waits
        assertThat(f.cs.l2Count()).isZero();
        assertThat(f.l1SlotEmpty(c >>> B)).isTrue();
        assertThat(f.cs.deferredReleases()).isEqualTo(2);
        assertThat(f.ctx.liveObjects()).isEqualTo(1);
        assertThat(f.cs.slotsFree()).isEqualTo(4L << B);
        fails(f.cs.free(f.ctx, c), AllocErrorKind.NOT_ALLOCATED); // retries, then refuses the double free
        assertThat(f.cs.deferredReleases()).isZero();
        assertThat(f.ctx.liveObjects()).isZero();
        assertThat(f.ctx.mspaceBytes()).isEqualTo(l1Bytes);
        assertThat(f.kernel.checkInvariants().ok()).isTrue();
    }

    @Test
    void tryAllocSlotHandsOutWhatAllocWouldAndMinusOneWhenAnL2OrARetryIsNeededChangingNothing() {
        TwoLevelFixture viaAlloc = new TwoLevelFixture(B, 4, false);
        TwoLevelFixture viaTry = new TwoLevelFixture(B, 4, false);
        assertThat(viaTry.cs.tryAllocSlot()).as("no L2 CNode yet: making one needs the context").isEqualTo(-1);
        assertThat(viaTry.cs.l2Count()).isZero();
        assertThat(viaTry.cs.slotsInUse()).isZero();
        long first = ok(viaTry.cs.alloc(viaTry.ctx));
        assertThat(first).isEqualTo(ok(viaAlloc.cs.alloc(viaAlloc.ctx)));
        for (int i = 1; i < (1 << B); i++) {
            assertThat(viaTry.cs.tryAllocSlot()).isEqualTo(ok(viaAlloc.cs.alloc(viaAlloc.ctx)));
        }
        assertThat(viaTry.cs.tryAllocSlot()).as("the L2 CNode is full").isEqualTo(-1);
        assertThat(viaTry.cs.slotsInUse()).isEqualTo(1 << B);
        assertThat(viaTry.cs.l2Count()).isEqualTo(1);
        ok(viaTry.cs.free(viaTry.ctx, first + 5));
        assertThat(viaTry.cs.tryAllocSlot()).isEqualTo(first + 5);

        // A refused release waiting for its retry: only alloc, with the context, may go on, even
        // though an L2 CNode has a free slot.
        TwoLevelFixture f = new TwoLevelFixture(B, 4, false);
        List<Long> full = new ArrayList<>();
        for (int i = 0; i < (1 << B); i++) {
            full.add(ok(f.cs.alloc(f.ctx)));
        }
        long second = ok(f.cs.alloc(f.ctx)); // a second L2 CNode
        ok(f.cs.free(f.ctx, full.get(3))); // the first has a free slot again
        f.ctx.mspaceFrees.failNth(1);
        ok(f.cs.free(f.ctx, second)); // the second L2 goes; its record's release is refused and queued
        assertThat(f.cs.deferredReleases()).isEqualTo(1);
        long inUse = f.cs.slotsInUse();
        assertThat(f.cs.tryAllocSlot()).isEqualTo(-1);
        assertThat(f.cs.slotsInUse()).isEqualTo(inUse);
        assertThat(f.cs.deferredReleases()).isEqualTo(1);
        assertThat(ok(f.cs.alloc(f.ctx))).as("alloc retries, then hands out the free slot").isEqualTo(full.get(3));
        assertThat(f.cs.deferredReleases()).isZero();
        assertThat(f.kernel.checkInvariants().ok()).isTrue();
    }
}
