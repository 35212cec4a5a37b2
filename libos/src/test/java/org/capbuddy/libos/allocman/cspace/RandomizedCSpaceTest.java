package org.capbuddy.libos.allocman.cspace;

import static org.assertj.core.api.Assertions.assertThat;
import static org.capbuddy.libos.allocman.cspace.Probe.ok;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.capbuddy.kernel.Kernel;
import org.capbuddy.kernel.KernelConfig;
import org.capbuddy.libos.vka.AllocErrorKind;
import org.capbuddy.libos.vka.CSpacePath;
import org.capbuddy.libos.vka.Result;
import org.junit.jupiter.api.Test;

/**
 * Seeded random alloc/free sequences against a reference: the set of cptrs handed out (and the
 * runs among them). Override the seed with {@code -Dcspace.seed=N}; every message names it.
 */
class RandomizedCSpaceTest {
    private static final long SEED = Long.getLong("cspace.seed", 0xC5FACE5L);

    /** The reference model: single cptrs and runs (first cptr → bits) handed out. */
    private static final class Reference {
        final Set<Long> slots = new HashSet<>();
        final List<Long> singles = new ArrayList<>();
        final Map<Long, Integer> runs = new HashMap<>();
        final List<Long> runStarts = new ArrayList<>();

        void addSingle(long c, String why) {
            assertThat(slots.add(c)).as(why + ": cptr " + c + " handed out twice").isTrue();
            singles.add(c);
        }

        void addRun(CSpacePath p, int n, String why) {
            long len = 1L << n;
            assertThat(p.window()).as(why).isEqualTo(len);
            assertThat(p.capPtr() & (len - 1)).as(why + ": run alignment").isZero();
            for (long c = p.capPtr(); c < p.capPtr() + len; c++) {
                assertThat(slots.add(c)).as(why + ": cptr " + c + " handed out twice").isTrue();
            }
            runs.put(p.capPtr(), n);
            runStarts.add(p.capPtr());
        }

        long takeSingle(SplittableRandom rnd) {
            int i = rnd.nextInt(singles.size());
            long c = singles.get(i);
            singles.set(i, singles.get(singles.size() - 1));
            singles.remove(singles.size() - 1);
            slots.remove(c);
            return c;
        }

        /**
         * A free of any cptr: a single goes; a slot of a run goes too (runs are slots like any
         * other), and the rest of that run stays handed out as singles.
         */
        void freeAny(long c) {
            if (!slots.remove(c)) {
                return;
            }
            if (singles.remove(c)) {
                return;
            }
            for (long start : runStarts) {
                long len = 1L << runs.get(start);
                if (c >= start && c < start + len) {
                    runStarts.remove(start);
                    runs.remove(start);
                    for (long s = start; s < start + len; s++) {
                        if (s != c) {
                            singles.add(s);
                        }
                    }
                    return;
                }
            }
            throw new AssertionError("cptr " + c + " in no single and no run");
        }

        long takeRun(SplittableRandom rnd) {
            int i = rnd.nextInt(runStarts.size());
            long c = runStarts.get(i);
            runStarts.set(i, runStarts.get(runStarts.size() - 1));
            runStarts.remove(runStarts.size() - 1);
            for (long s = c; s < c + (1L << runs.get(c)); s++) {
                slots.remove(s);
            }
            return c;
        }
    }

    @Test
    void singleLevelAgreesWithTheReference() {
        SplittableRandom rnd = new SplittableRandom(SEED);
        Kernel kernel = Kernel.boot(KernelConfig.capBuddy(256L << 20));
        long first = kernel.bootInfo().empty().start() + 3;
        long end = first + 2000 + rnd.nextInt(100);
        KernelTestContext ctx = new KernelTestContext(kernel, KernelTestContext.Addressing.boot(), end, end + 4);
        SingleLevelCSpace cs = ok(SingleLevelCSpace.create(ctx, SingleLevelConfig.ofRootCNode(2, first, end)));
        Reference ref = new Reference();
        for (int step = 0; step < 20_000; step++) {
            String why = "seed " + SEED + " step " + step;
            int op = nextOp(rnd, step);
            if (op < 4) {
                Result<Long> r = cs.alloc(ctx);
                if (ref.slots.size() == end - first) {
                    assertThat(r.isOk()).as(why).isFalse();
                    assertThat(r.error().kind()).isEqualTo(AllocErrorKind.OUT_OF_SLOTS);
                } else {
                    long c = ok(r);
                    assertThat(c).as(why).isBetween(first, end - 1);
                    ref.addSingle(c, why);
                }
            } else if (op < 6) {
                int n = rnd.nextInt(9);
                Result<CSpacePath> r = cs.allocContiguous(ctx, n);
                if (r.isOk()) {
                    assertThat(r.value().capPtr()).as(why).isGreaterThanOrEqualTo(first);
                    assertThat(r.value().capPtr() + (1L << n)).as(why).isLessThanOrEqualTo(end);
                    ref.addRun(r.value(), n, why);
                } else {
                    assertThat(r.error().kind()).as(why).isEqualTo(AllocErrorKind.OUT_OF_SLOTS);
                    assertThat(hasAlignedFreeRun(ref.slots, first, end, n)).as(why + ": a run was free").isFalse();
                }
            } else if (op < 8 && !ref.singles.isEmpty()) {
                ok(cs.free(ctx, ref.takeSingle(rnd)));
            } else if (op < 9 && !ref.runStarts.isEmpty()) {
                long c = ref.takeRun(rnd);
                ok(cs.freeContiguous(ctx, c, ref.runs.remove(c)));
            } else {
                long c = first + rnd.nextLong(end - first);
                Result<Void> r = cs.free(ctx, c);
                assertThat(r.isOk()).as(why + ": free of " + c).isEqualTo(ref.slots.contains(c));
                ref.freeAny(c);
            }
            assertThat(cs.slotsInUse()).as(why).isEqualTo(ref.slots.size());
            assertThat(cs.slotsFree()).as(why).isEqualTo(end - first - ref.slots.size());
        }
    }

    @Test
    void twoLevelAgreesWithTheReferenceThroughInjectedFailures() {
        SplittableRandom rnd = new SplittableRandom(SEED);
        int b = 4;
        int l1Count = 12;
        TwoLevelFixture f = new TwoLevelFixture(b, l1Count, true); // includes the reserved index
        TwoLevelCSpace cs = f.cs;
        long capacity = (long) l1Count << b;
        Reference ref = new Reference();
        int failures = 0;
        for (int step = 0; step < 8_000; step++) {
            String why = "seed " + SEED + " step " + step;
            Probe.State before = step % 16 == 0 ? f.state() : null;
            boolean inject = before != null && rnd.nextInt(3) == 0;
            if (inject) {
                switch (rnd.nextInt(4)) {
                    case 0 -> f.ctx.mspaceAllocs.failNth(1);
                    case 1 -> f.ctx.utspaceAllocs.failNth(1);
                    default -> f.kernel.failureInjector().failNth(1 + rnd.nextInt(2));
                }
            }
            int op = nextOp(rnd, step);
            if (op < 4) {
                Result<Long> r = cs.alloc(f.ctx);
                if (r.isOk()) {
                    assertThat(cs.manages(r.value())).as(why).isTrue();
                    ref.addSingle(r.value(), why);
                } else {
                    failures++;
                    assertThat(inject || ref.slots.size() == capacity).as(why + ": " + r).isTrue();
                }
            } else if (op < 6) {
                int n = rnd.nextInt(b + 1);
                Result<CSpacePath> r = cs.allocContiguous(f.ctx, n);
                if (r.isOk()) {
                    assertThat((r.value().capPtr() + (1L << n) - 1) >>> b).as(why).isEqualTo(r.value().capPtr() >>> b);
                    assertThat(r.value().offset()).isEqualTo(r.value().capPtr() & ((1L << b) - 1));
                    ref.addRun(r.value(), n, why);
                } else {
                    failures++;
                    assertThat(r.error().kind()).as(why + ": " + r).isIn(AllocErrorKind.OUT_OF_SLOTS,
                            AllocErrorKind.OUT_OF_MEMORY, AllocErrorKind.OUT_OF_BOOKKEEPING, AllocErrorKind.KERNEL);
                }
            } else if (op < 8 && !ref.singles.isEmpty()) {
                ok(cs.free(f.ctx, ref.takeSingle(rnd)));
            } else if (op < 9 && !ref.runStarts.isEmpty()) {
                long c = ref.takeRun(rnd);
                ok(cs.freeContiguous(f.ctx, c, ref.runs.remove(c)));
            } else {
                long c = rnd.nextLong(f.l1First << b, f.l1End << b);
                Result<Void> r = cs.free(f.ctx, c);
                assertThat(r.isOk()).as(why + ": free of " + c).isEqualTo(ref.slots.contains(c));
                ref.freeAny(c);
            }
            f.ctx.mspaceAllocs.failNth(0);
            f.ctx.utspaceAllocs.failNth(0);
            f.kernel.failureInjector().disarm();
            checkAgainstReference(f, ref, capacity, why);
            if (before != null && inject && f.state().inUse() == before.inUse()) {
                // the operation failed (or was a refused free): nothing at all may have changed
                assertThat(f.state()).as(why).isEqualTo(before);
            }
        }
        long made = Probe.cnodesCreated(f.kernel) - 1; // less the setup's root holder
        System.out.printf("two-level random (seed %d): %d L2 CNodes made, %d failed allocations%n", SEED, made,
                failures);
        assertThat(failures).as("seed " + SEED + ": some failures were injected").isGreaterThan(20);
        assertThat(made).as("seed " + SEED + ": L2s come and go").isGreaterThan(100);
        // give everything back: no L2, no object, only the L1 records left
        for (long c : List.copyOf(ref.singles)) {
            ok(cs.free(f.ctx, c));
        }
        for (long c : List.copyOf(ref.runStarts)) {
            ok(cs.freeContiguous(f.ctx, c, ref.runs.get(c)));
        }
        assertThat(cs.l2Count()).isZero();
        assertThat(f.ctx.liveObjects()).isZero();
        assertThat(f.ctx.mspaceBytes()).isEqualTo(cs.bookkeepingBytes());
        assertThat(cs.slotsFree()).isEqualTo(capacity);
        assertThat(f.kernel.checkInvariants().ok()).isTrue();
    }

    /**
     * 0-3 alloc, 4-5 run, 6-7 free a single, 8 free a run, 9 free a random cptr. Phases of 250
     * steps alternately fill (mostly allocations) and drain (mostly frees), so the range is
     * often full and often nearly empty, and L2 CNodes come and go.
     */
    private static int nextOp(SplittableRandom rnd, int step) {
        boolean filling = (step / 250) % 2 == 0;
        return filling ? rnd.nextInt(10) : (rnd.nextInt(8) == 0 ? rnd.nextInt(6) : 6 + rnd.nextInt(4));
    }

    private static void checkAgainstReference(TwoLevelFixture f, Reference ref, long capacity, String why) {
        TwoLevelCSpace cs = f.cs;
        int b = f.sw.l2Bits();
        Set<Long> l1s = new HashSet<>();
        for (long c : ref.slots) {
            l1s.add(c >>> b);
        }
        assertThat(cs.slotsInUse()).as(why).isEqualTo(ref.slots.size());
        assertThat(cs.slotsFree()).as(why).isEqualTo(capacity - ref.slots.size());
        assertThat(cs.l2Count()).as(why + ": L2s exist exactly where slots are in use").isEqualTo(l1s.size());
        assertThat(f.ctx.liveObjects()).as(why).isEqualTo(l1s.size());
        for (long l1 : l1s) {
            assertThat(cs.hasL2(l1)).as(why).isTrue();
        }
        assertThat(l1s).as(why).doesNotContain(f.sw.rootHolderL1());
    }

    private static boolean hasAlignedFreeRun(Set<Long> used, long first, long end, int n) {
        long len = 1L << n;
        for (long s = (first + len - 1) & -len; s + len <= end; s += len) {
            boolean free = true;
            for (long c = s; c < s + len && free; c++) {
                free = !used.contains(c);
            }
            if (free) {
                return true;
            }
        }
        return false;
    }
}
