package org.capbuddy.libos.capbuddy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * Seeded random operations on a {@link BuddyTree} against a trivial reference model: a 1024-bit
 * set of free frames and the set of live blocks (offset → order). After every operation the
 * tree's answer must equal the model's brute-force answer: allocate(k) returns the lowest aligned
 * free run of 2^k frames (or -1 exactly when there is none), allocateAt succeeds exactly when the
 * aligned range is free, free succeeds exactly for live blocks and reports the right error code
 * otherwise, failed operations change nothing (the tree's internal fingerprint is unchanged),
 * and largestFreeOrder / freeFrames equal the model's values. Every {@value #FULL_CHECK_EVERY}
 * operations it also compares isFrameFree, isAllocatedBlock, freeBlocks, isEmpty and the tree's
 * internal invariants.
 *
 * <p>Run with {@code -Dcapbuddy.tree.seed=N} to replay a seed ({@code -Dcapbuddy.tree.ops=N} for
 * the number of operations); every failure message names the seed and operation number.
 */
class BuddyTreeDifferentialTest {
    private static final int N = BuddyTree.FRAMES;
    private static final int WORDS = N / 64;
    private static final int FULL_CHECK_EVERY = 1000;
    private static final long DEFAULT_SEED = 0x5EED_CAB_B0DDL;
    private static final int DEFAULT_OPS = 1_000_000;

    /** ALIGN[k]: bits at the multiples of 2^k inside one 64-bit word, for k = 0..6. */
    private static final long[] ALIGN = new long[7];

    static {
        for (int k = 0; k <= 6; k++) {
            long m = 0;
            for (int b = 0; b < 64; b += 1 << k) {
                m |= 1L << b;
            }
            ALIGN[k] = m;
        }
    }

    // ---- the model ----
    private final long[] freeBits = new long[WORDS]; // bit f set = frame f free
    private int modelFree = N;
    private final int[] liveOrder = new int[N]; // by offset: order of the live block there, or -1
    private final int[] liveList = new int[N]; // offsets of live blocks, unordered
    private final int[] livePos = new int[N]; // by offset: index in liveList
    private int liveCount;
    private final int[] freedOff = new int[64]; // recently freed blocks, for double frees
    private final int[] freedOrd = new int[64];
    private int freedCount;

    // ---- run state ----
    private final BuddyTree tree = new BuddyTree();
    private long seed;
    private long op;
    private String opDesc = "init";
    private final Map<String, Integer> seen = new TreeMap<>();

    private void saw(String outcome) {
        seen.merge(outcome, 1, Integer::sum);
    }

    @Test
    void randomOperationsMatchTheModel() {
        seed = Long.getLong("capbuddy.tree.seed", DEFAULT_SEED);
        long ops = Long.getLong("capbuddy.tree.ops", DEFAULT_OPS);
        SplittableRandom rnd = new SplittableRandom(seed);
        Arrays.fill(freeBits, -1L);
        Arrays.fill(liveOrder, -1);

        // weights: allocate, allocateAt, free live, bad free (sum 100)
        int[][] phases = {
            {45, 20, 25, 10}, // filling
            {15, 10, 65, 10}, // draining
            {30, 15, 45, 10}, // churning
        };
        int[] w = phases[2];
        for (op = 0; op < ops; op++) {
            if (op % 20_000 == 0) {
                w = phases[rnd.nextInt(phases.length)];
            }
            if (rnd.nextInt(250_000) == 0) {
                freeEverything(rnd);
            }
            int r = rnd.nextInt(100);
            if (r < w[0]) {
                doAllocate(rnd);
            } else if (r < w[0] + w[1]) {
                doAllocateAt(rnd);
            } else if (r < w[0] + w[1] + w[2]) {
                doFreeLive(rnd);
            } else {
                doBadFree(rnd);
            }
            eq(modelFree, tree.freeFrames(), "freeFrames");
            eq(modelLargest(), tree.largestFreeOrder(), "largestFreeOrder");
            if (op % FULL_CHECK_EVERY == 0) {
                fullCheck();
            }
        }
        fullCheck();
        freeEverything(rnd);
        fullCheck();
        check(tree.isEmpty(), "isEmpty after freeing everything");

        // Show that the run exercised every outcome.
        System.out.println("BuddyTreeDifferentialTest seed=" + seed + " ops=" + ops + " " + seen);
        if (ops >= DEFAULT_OPS) {
            for (String must : new String[] {
                "allocate.ok", "allocate.none", "allocate.badOrder", "allocate.o10.ok",
                "allocateAt.ok", "allocateAt.used", "allocateAt.misaligned", "allocateAt.range",
                "free.ok", "bad.double", "bad.wrongOrder", "bad.insideLarger", "bad.misaligned",
                "bad.random", "bad.neverAllocated", "full", "empty"}) {
                assertThat(seen).as("seed=%d: outcome %s never happened", seed, must)
                        .containsKey(must);
            }
        }
    }

    // ---- operations ----

    private static int randomOrder(SplittableRandom rnd) {
        if (rnd.nextInt(8) < 5) {
            // P(k) = 2^-(k+1): mostly small blocks
            return Math.min(BuddyTree.MAX_ORDER,
                    Integer.numberOfTrailingZeros(rnd.nextInt() | (1 << BuddyTree.MAX_ORDER)));
        }
        return rnd.nextInt(BuddyTree.MAX_ORDER + 1);
    }

    private void doAllocate(SplittableRandom rnd) {
        int k = rnd.nextInt(50) == 0 ? rnd.nextInt(-3, 15) : randomOrder(rnd);
        opDesc = "allocate(" + k + ")";
        boolean valid = k >= 0 && k <= BuddyTree.MAX_ORDER;
        int expect = valid ? lowestRun(k) : -1;
        long before = expect < 0 ? tree.fingerprint() : 0;
        int got = tree.allocate(k);
        if (got >= 0 && got < N && valid) {
            // Never hand out a frame the model has as used.
            check(rangeFree(got, 1 << k), "allocate returned a block with a used frame");
        }
        eq(expect, got, "allocate result (lowest aligned free run)");
        if (expect < 0) {
            eq(before, tree.fingerprint(), "failed allocate changed the tree");
            saw(valid ? "allocate.none" : "allocate.badOrder");
            if (tree.largestFreeOrder() < 0) {
                saw("full");
            }
            return;
        }
        saw("allocate.ok");
        if (k == BuddyTree.MAX_ORDER) {
            saw("allocate.o10.ok");
        }
        modelTake(got, k);
        eq(modelFreeAround(got, k), tree.freeAround(got, k), "freeAround after the operation");
    }

    private void doAllocateAt(SplittableRandom rnd) {
        int k = randomOrder(rnd);
        int off;
        int kind = rnd.nextInt(10);
        if (kind < 7) {
            off = rnd.nextInt(N >> k) << k; // aligned
        } else if (kind < 9) {
            off = rnd.nextInt(N); // usually misaligned for k > 0
        } else {
            off = rnd.nextInt(-2 * N, 3 * N); // often out of range
            k = rnd.nextInt(-2, 13);
        }
        opDesc = "allocateAt(" + off + ", " + k + ")";
        boolean inRange = k >= 0 && k <= BuddyTree.MAX_ORDER && off >= 0 && off < N;
        boolean aligned = inRange && (off & ((1 << k) - 1)) == 0;
        boolean expect = aligned && rangeFree(off, 1 << k);
        long before = tree.fingerprint();
        boolean got = tree.allocateAt(off, k);
        eq(expect ? 1 : 0, got ? 1 : 0, "allocateAt result");
        if (!got) {
            eq(before, tree.fingerprint(), "failed allocateAt changed the tree");
            saw(!inRange ? "allocateAt.range" : !aligned ? "allocateAt.misaligned" : "allocateAt.used");
            return;
        }
        saw("allocateAt.ok");
        modelTake(off, k);
        eq(modelFreeAround(off, k), tree.freeAround(off, k), "freeAround after the operation");
    }

    private void doFreeLive(SplittableRandom rnd) {
        if (liveCount == 0) {
            saw("empty");
            doAllocate(rnd);
            return;
        }
        int off = liveList[rnd.nextInt(liveCount)];
        int k = liveOrder[off];
        opDesc = "free(" + off + ", " + k + ") [live]";
        eq(BuddyTree.OK, tree.free(off, k), "free of a live block");
        modelRelease(off, k);
        eq(modelFreeAround(off, k), tree.freeAround(off, k), "freeAround after the operation");
        saw("free.ok");
    }

    private void doBadFree(SplittableRandom rnd) {
        int off;
        int k;
        String kind;
        int c = rnd.nextInt(6);
        if (c == 0 && freedCount > 0) {
            int j = rnd.nextInt(Math.min(freedCount, freedOff.length));
            off = freedOff[j];
            k = freedOrd[j];
            kind = "bad.double"; // unless it was reallocated since: the model decides
        } else if (c == 1 && liveCount > 0) {
            off = liveList[rnd.nextInt(liveCount)];
            int lk = liveOrder[off];
            k = rnd.nextInt(BuddyTree.MAX_ORDER + 1);
            if (k == lk) {
                k = (lk + 1) % (BuddyTree.MAX_ORDER + 1);
            }
            kind = "bad.wrongOrder";
        } else if (c == 2 && liveCount > 0) {
            int base = liveList[rnd.nextInt(liveCount)];
            int lk = liveOrder[base];
            if (lk == 0) {
                off = base;
                k = 1;
                kind = "bad.wrongOrder";
            } else {
                k = rnd.nextInt(lk); // an aligned sub-block of a live block
                off = base + (rnd.nextInt(1 << (lk - k)) << k);
                kind = "bad.insideLarger";
            }
        } else if (c == 3) {
            k = 1 + rnd.nextInt(BuddyTree.MAX_ORDER);
            off = (rnd.nextInt(N >> k) << k) + 1 + rnd.nextInt((1 << k) - 1);
            kind = "bad.misaligned";
        } else if (c == 4) {
            k = randomOrder(rnd);
            off = rnd.nextInt(N >> k) << k;
            kind = "bad.neverAllocated"; // unless it is live: the model decides
        } else {
            k = rnd.nextInt(-3, 14);
            off = rnd.nextInt(-N, 2 * N);
            kind = "bad.random";
        }
        opDesc = "free(" + off + ", " + k + ") [" + kind + "]";
        int expect = expectedFreeCode(off, k);
        long before = tree.fingerprint();
        int got = tree.free(off, k);
        eq(expect, got, "free result code");
        if (expect == BuddyTree.OK) {
            modelRelease(off, k);
            saw("bad.actuallyLive");
            return;
        }
        eq(before, tree.fingerprint(), "rejected free changed the tree");
        saw(kind);
    }

    private void freeEverything(SplittableRandom rnd) {
        while (liveCount > 0) {
            int off = liveList[rnd.nextInt(liveCount)];
            int k = liveOrder[off];
            opDesc = "free(" + off + ", " + k + ") [drain]";
            eq(BuddyTree.OK, tree.free(off, k), "free while draining");
            modelRelease(off, k);
        }
        opDesc = "after drain";
        check(tree.isEmpty(), "isEmpty after draining");
        eq(BuddyTree.MAX_ORDER, tree.largestFreeOrder(), "largest after draining");
        saw("empty");
    }

    // ---- the model ----

    private int expectedFreeCode(int off, int k) {
        if (k < 0 || k > BuddyTree.MAX_ORDER) {
            return BuddyTree.BAD_ORDER;
        }
        if (off < 0 || off >= N) {
            return BuddyTree.OUT_OF_RANGE;
        }
        if ((off & ((1 << k) - 1)) != 0) {
            return BuddyTree.NOT_ALIGNED;
        }
        return liveOrder[off] == k ? BuddyTree.OK : BuddyTree.NOT_ALLOCATED;
    }

    private void modelTake(int off, int k) {
        setRange(off, 1 << k, false);
        modelFree -= 1 << k;
        liveOrder[off] = k;
        livePos[off] = liveCount;
        liveList[liveCount++] = off;
    }

    private void modelRelease(int off, int k) {
        check(!rangeFree(off, 1 << k) && liveOrder[off] == k, "model: releasing a non-live block");
        setRange(off, 1 << k, true);
        modelFree += 1 << k;
        liveOrder[off] = -1;
        int p = livePos[off];
        int last = liveList[--liveCount];
        liveList[p] = last;
        livePos[last] = p;
        int j = freedCount++ % freedOff.length;
        freedOff[j] = off;
        freedOrd[j] = k;
    }

    private void setRange(int off, int size, boolean free) {
        for (int f = off; f < off + size; f++) {
            if (free) {
                freeBits[f >>> 6] |= 1L << f;
            } else {
                freeBits[f >>> 6] &= ~(1L << f);
            }
        }
    }

    /** Brute force: grow from the block while its buddy of each order is wholly free. */
    private int modelFreeAround(int off, int k) {
        int o = k;
        while (o < BuddyTree.MAX_ORDER && rangeFree(((off >> o) << o) ^ (1 << o), 1 << o)) {
            o++;
        }
        return o;
    }

    private boolean rangeFree(int off, int size) {
        for (int f = off; f < off + size; f++) {
            if ((freeBits[f >>> 6] & (1L << f)) == 0) {
                return false;
            }
        }
        return true;
    }

    /** Lowest offset of an aligned run of 2^k free frames, or -1; brute force over words. */
    private int lowestRun(int k) {
        if (k <= 6) {
            int size = 1 << k;
            for (int w = 0; w < WORDS; w++) {
                long m = freeBits[w];
                for (int s = 1; s < size && m != 0; s <<= 1) {
                    m &= m >>> s; // bit p: frames p .. p+2s-1 all free
                }
                m &= ALIGN[k];
                if (m != 0) {
                    return w * 64 + Long.numberOfTrailingZeros(m);
                }
            }
            return -1;
        }
        int words = 1 << (k - 6);
        outer:
        for (int w = 0; w < WORDS; w += words) {
            for (int j = w; j < w + words; j++) {
                if (freeBits[j] != -1L) {
                    continue outer;
                }
            }
            return w * 64;
        }
        return -1;
    }

    /** The largest k with an aligned free run of 2^k frames, or -1. */
    private int modelLargest() {
        for (int k = BuddyTree.MAX_ORDER; k >= 0; k--) {
            if (lowestRun(k) >= 0) {
                return k;
            }
        }
        return -1;
    }

    private void fullCheck() {
        String inv = tree.checkInvariants();
        if (inv != null) {
            fail("internal invariant: " + inv);
        }
        for (int f = 0; f < N; f++) {
            boolean modelFreeFrame = (freeBits[f >>> 6] & (1L << f)) != 0;
            if (modelFreeFrame != tree.isFrameFree(f)) {
                fail("isFrameFree(" + f + ") = " + tree.isFrameFree(f) + ", model " + modelFreeFrame);
            }
        }
        for (int i = 0; i < liveCount; i++) {
            int off = liveList[i];
            check(tree.isAllocatedBlock(off, liveOrder[off]), "isAllocatedBlock(" + off + ")");
        }
        for (int k = 0; k <= BuddyTree.MAX_ORDER; k++) {
            int expect = 0;
            int size = 1 << k;
            for (int off = 0; off < N; off += size) {
                if (rangeFree(off, size)
                        && (k == BuddyTree.MAX_ORDER || !rangeFree(off & -(2 * size), 2 * size))) {
                    expect++;
                }
            }
            eq(expect, tree.freeBlocks(k), "freeBlocks(" + k + ")");
        }
        int bits = 0;
        for (long word : freeBits) {
            bits += Long.bitCount(word);
        }
        eq(bits, modelFree, "model free counter");
        check(tree.isEmpty() == (liveCount == 0), "isEmpty");
    }

    // ---- assertions that name the seed ----

    private void eq(long expected, long actual, String what) {
        if (expected != actual) {
            fail(what + ": expected " + expected + " but was " + actual);
        }
    }

    private void check(boolean ok, String what) {
        if (!ok) {
            fail(what);
        }
    }

    private void fail(String what) {
        throw new AssertionError("seed=" + seed + " op=" + op + " (" + opDesc + "): " + what
                + " [replay with -Dcapbuddy.tree.seed=" + seed + "]");
    }
}
