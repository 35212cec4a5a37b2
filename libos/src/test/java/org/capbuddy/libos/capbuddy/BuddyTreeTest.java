package org.capbuddy.libos.capbuddy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Directed tests of {@link BuddyTree}, including the failure classes of the original VBT
 * (allocman-capbuddy.md §4 items 1–6).
 */
class BuddyTreeTest {
    private static final int N = BuddyTree.FRAMES;

    private final BuddyTree t = new BuddyTree();

    private void assertConsistent() {
        assertThat(t.checkInvariants()).as("invariants").isNull();
    }

    private void fillWithSingles() {
        for (int f = 0; f < N; f++) {
            assertThat(t.allocate(0)).isEqualTo(f);
        }
        assertThat(t.largestFreeOrder()).isEqualTo(-1);
        assertThat(t.isFull()).isTrue();
        assertThat(t.freeFrames()).isZero();
    }

    @Test
    void freshTreeIsEmpty() {
        assertThat(t.isEmpty()).isTrue();
        assertThat(t.isFull()).isFalse();
        assertThat(t.largestFreeOrder()).isEqualTo(BuddyTree.MAX_ORDER);
        assertThat(t.freeFrames()).isEqualTo(N);
        assertThat(t.freeBlocks(10)).isEqualTo(1);
        for (int k = 0; k < 10; k++) {
            assertThat(t.freeBlocks(k)).isZero();
        }
        for (int f = 0; f < N; f++) {
            assertThat(t.isFrameFree(f)).isTrue();
        }
        assertConsistent();
    }

    // (a) original bug 2: a frame freed inside a fully used 128K group (32 frames) could not be
    // found again until the group and its buddy group were completely free.
    @ParameterizedTest
    @ValueSource(ints = {0, 17, 31, 32, 100, 511, 527, 1000, 1023})
    void frameFreedInFullGroupIsAllocatableAtOnce(int f) {
        fillWithSingles();
        assertThat(t.free(f, 0)).isEqualTo(BuddyTree.OK);
        assertThat(t.largestFreeOrder()).isZero();
        assertThat(t.freeFrames()).isEqualTo(1);
        assertThat(t.isFrameFree(f)).isTrue();
        assertThat(t.freeBlocks(0)).isEqualTo(1);
        assertThat(t.allocate(1)).isEqualTo(-1);
        assertThat(t.allocate(0)).isEqualTo(f);
        assertThat(t.allocate(0)).isEqualTo(-1);
        assertConsistent();
    }

    @Test
    void severalFramesFreedInDifferentFullGroupsComeBackLowestFirst() {
        fillWithSingles();
        int[] freed = {700, 45, 46, 300, 1023};
        for (int f : freed) {
            assertThat(t.free(f, 0)).isEqualTo(BuddyTree.OK);
        }
        // 46 and 47 are not buddies of 45 (45^1 = 44), but 46's buddy 47 is still used.
        assertThat(t.largestFreeOrder()).isZero();
        assertThat(t.allocate(0)).isEqualTo(45);
        assertThat(t.allocate(0)).isEqualTo(46);
        assertThat(t.allocate(0)).isEqualTo(300);
        assertThat(t.allocate(0)).isEqualTo(700);
        assertThat(t.allocate(0)).isEqualTo(1023);
        assertThat(t.allocate(0)).isEqualTo(-1);
        assertConsistent();
    }

    @Test
    void freedBuddyFramesCoalesceEagerly() {
        fillWithSingles();
        assertThat(t.free(44, 0)).isZero();
        assertThat(t.free(45, 0)).isZero();
        assertThat(t.largestFreeOrder()).isEqualTo(1);
        assertThat(t.freeBlocks(1)).isEqualTo(1);
        assertThat(t.freeBlocks(0)).isZero();
        assertThat(t.allocate(1)).isEqualTo(44);
        assertConsistent();
    }

    // (b) original bug 1: after freeing an l1 block (256K+) only l2[0] was refilled, so smaller
    // sizes could not be carved out of it.
    @ParameterizedTest
    @ValueSource(ints = {6, 7, 8, 9, 10})
    void freedLargeBlockServesEverySmallerSize(int big) {
        // Fill the tree with blocks of the big order, free one in the middle, then carve it up.
        int count = N >> big;
        for (int b = 0; b < count; b++) {
            assertThat(t.allocate(big)).isEqualTo(b << big);
        }
        assertThat(t.largestFreeOrder()).isEqualTo(-1);
        int base = (count / 2) << big;
        assertThat(t.free(base, big)).isZero();
        assertThat(t.largestFreeOrder()).isEqualTo(big);
        assertThat(t.freeFrames()).isEqualTo(1 << big);

        // Orders big-1, big-2, ..., 0, 0 exactly fill 2^big.
        List<int[]> got = new ArrayList<>();
        for (int k = big - 1; k >= 0; k--) {
            int off = t.allocate(k);
            assertThat(off).as("order %d inside freed order-%d block at %d", k, big, base)
                    .isBetween(base, base + (1 << big) - (1 << k));
            assertThat(off & ((1 << k) - 1)).isZero();
            got.add(new int[] {off, k});
        }
        int last = t.allocate(0);
        assertThat(last).isBetween(base, base + (1 << big) - 1);
        got.add(new int[] {last, 0});
        assertThat(t.allocate(0)).isEqualTo(-1);
        assertThat(t.freeFrames()).isZero();
        assertConsistent();

        // Also: every order 0..big-1 individually, from a fresh copy of the freed block.
        for (int[] g : got) {
            assertThat(t.free(g[0], g[1])).isZero();
        }
        assertThat(t.largestFreeOrder()).isEqualTo(big);
        for (int k = 0; k < big; k++) {
            int off = t.allocate(k);
            assertThat(off).isEqualTo(base); // lowest address inside the block
            assertThat(t.free(off, k)).isZero();
            assertThat(t.largestFreeOrder()).isEqualTo(big);
        }
        assertConsistent();
    }

    @Test
    void orderSixFreedThenOrdersZeroToFiveAllSucceedInside() {
        int a = t.allocate(6);
        assertThat(a).isZero();
        // Make sure nothing else is free so the smaller ones must come from a.
        for (int off = 64; off < N; off += 64) {
            assertThat(t.allocateAt(off, 6)).isTrue();
        }
        assertThat(t.free(a, 6)).isZero();
        int used = 0;
        for (int k = 0; k <= 5; k++) {
            int off = t.allocate(k);
            assertThat(off).isBetween(0, 63);
            used += 1 << k;
        }
        assertThat(t.freeFrames()).isEqualTo(64 - used);
        assertConsistent();
    }

    // (c) original bug 3 (largest could be 11 / wrong): largest always exact.
    @Test
    void largestFreeOrderIsExact() {
        assertThat(t.allocate(0)).isEqualTo(0);
        assertThat(t.largestFreeOrder()).isEqualTo(9); // [512,1024) is free, [0,512) is not
        assertThat(t.allocateAt(512, 0)).isTrue();
        assertThat(t.largestFreeOrder()).isEqualTo(8); // [256,512) and [768,1024)
        assertThat(t.freeBlocks(8)).isEqualTo(2);
        assertThat(t.free(0, 0)).isZero();
        assertThat(t.largestFreeOrder()).isEqualTo(9);
        assertThat(t.free(512, 0)).isZero();
        assertThat(t.largestFreeOrder()).isEqualTo(10);
        assertThat(t.isEmpty()).isTrue();
        assertConsistent();
    }

    @Test
    void largestDropsToMinusOneOnlyWhenFull() {
        for (int f = 0; f < N - 1; f++) {
            assertThat(t.allocate(0)).isEqualTo(f);
            int firstFree = f + 1;
            int expect = -1;
            for (int k = 0; k <= 10; k++) {
                int start = (firstFree + (1 << k) - 1) & -(1 << k); // align up
                if (start + (1 << k) <= N) {
                    expect = k;
                }
            }
            assertThat(t.largestFreeOrder()).as("after %d frames", firstFree).isEqualTo(expect);
        }
        assertThat(t.largestFreeOrder()).isZero();
        assertThat(t.allocate(0)).isEqualTo(N - 1);
        assertThat(t.largestFreeOrder()).isEqualTo(-1);
    }

    @Test
    void fullTreeRefusesEveryOrder() {
        assertThat(t.allocate(10)).isZero();
        for (int k = 0; k <= 10; k++) {
            assertThat(t.allocate(k)).isEqualTo(-1);
            assertThat(t.allocateAt(0, k)).isFalse();
        }
        assertThat(t.isFull()).isTrue();
        assertThat(t.isEmpty()).isFalse();
        assertThat(t.isFrameFree(0)).isFalse();
        assertThat(t.isFrameFree(1023)).isFalse();
        assertThat(t.free(0, 10)).isZero();
        assertThat(t.isEmpty()).isTrue();
        assertConsistent();
    }

    @Test
    void invalidOrdersRejected() {
        for (int k : new int[] {-1, 11, 64, Integer.MIN_VALUE, Integer.MAX_VALUE}) {
            assertThat(t.allocate(k)).isEqualTo(-1);
            assertThat(t.allocateAt(0, k)).isFalse();
            assertThat(t.free(0, k)).isEqualTo(BuddyTree.BAD_ORDER);
            assertThat(t.isAllocatedBlock(0, k)).isFalse();
            assertThat(t.freeBlocks(k)).isZero();
        }
        assertThat(t.isEmpty()).isTrue();
    }

    // original bug 6: query_at handled only 4K.
    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10})
    void allocateAtEveryOrderEveryAlignedOffset(int k) {
        int size = 1 << k;
        // Take every aligned block in a scrambled order (odd stride mod a power of two).
        int count = N / size;
        for (int j = 0; j < count; j++) {
            int off = ((j * 37) % count) * size;
            assertThat(t.isFrameFree(off)).isTrue();
            assertThat(t.allocateAt(off, k)).as("allocateAt(%d, %d)", off, k).isTrue();
            assertThat(t.isAllocatedBlock(off, k)).isTrue();
        }
        assertThat(t.freeFrames()).isZero();
        for (int b = 0; b < count; b++) {
            assertThat(t.isAllocatedBlock(b * size, k)).isTrue();
            assertThat(t.allocateAt(b * size, k)).as("second allocateAt").isFalse();
        }
        assertConsistent();
        for (int b = 0; b < count; b++) {
            assertThat(t.free(b * size, k)).isZero();
        }
        assertThat(t.isEmpty()).isTrue();
        assertConsistent();
    }

    @Test
    void allocateAtRejectsMisalignedOutOfRangeAndOverlapping() {
        long before = t.fingerprint();
        assertThat(t.allocateAt(1, 1)).isFalse();
        assertThat(t.allocateAt(32, 6)).isFalse();
        assertThat(t.allocateAt(512, 10)).isFalse();
        assertThat(t.allocateAt(-1, 0)).isFalse();
        assertThat(t.allocateAt(-64, 6)).isFalse();
        assertThat(t.allocateAt(N, 0)).isFalse();
        assertThat(t.allocateAt(N, 6)).isFalse();
        assertThat(t.allocateAt(Integer.MIN_VALUE, 3)).isFalse();
        assertThat(t.fingerprint()).isEqualTo(before);

        assertThat(t.allocateAt(64, 6)).isTrue(); // [64,128)
        before = t.fingerprint();
        assertThat(t.allocateAt(64, 6)).isFalse(); // same
        assertThat(t.allocateAt(80, 4)).isFalse(); // inside
        assertThat(t.allocateAt(127, 0)).isFalse(); // inside, last frame
        assertThat(t.allocateAt(0, 7)).isFalse(); // contains it
        assertThat(t.allocateAt(0, 10)).isFalse();
        assertThat(t.fingerprint()).isEqualTo(before);
        assertThat(t.allocateAt(0, 6)).isTrue(); // the buddy is fine
        assertThat(t.allocateAt(128, 7)).isTrue(); // [0,256) now used
        assertThat(t.largestFreeOrder()).isEqualTo(9);
        assertThat(t.allocateAt(512, 9)).isTrue();
        assertThat(t.largestFreeOrder()).isEqualTo(8);
        assertConsistent();
    }

    @Test
    void allocateAtInsideAllocatedLargeBlockIsRejectedDespiteStaleChildren() {
        assertThat(t.allocate(10)).isZero();
        for (int k = 0; k < 10; k++) {
            for (int off = 0; off < N; off += 1 << k) {
                assertThat(t.allocateAt(off, k)).isFalse();
            }
        }
        assertThat(t.free(0, 10)).isZero();
        assertThat(t.allocate(9)).isZero();
        assertThat(t.allocateAt(512, 0)).isTrue();
        assertThat(t.allocateAt(256, 8)).isFalse();
        assertThat(t.allocateAt(511, 0)).isFalse();
        assertThat(t.allocate(8)).isEqualTo(768);
        assertConsistent();
    }

    @Test
    void badFreesAreRejectedAndChangeNothing() {
        assertThat(t.allocateAt(256, 8)).isTrue(); // [256,512)
        assertThat(t.allocateAt(4, 2)).isTrue(); // [4,8)
        assertThat(t.allocate(0)).isZero();
        long before = t.fingerprint();
        int free = t.freeFrames();
        int largest = t.largestFreeOrder();

        // misaligned
        assertThat(t.free(257, 8)).isEqualTo(BuddyTree.NOT_ALIGNED);
        assertThat(t.free(5, 2)).isEqualTo(BuddyTree.NOT_ALIGNED);
        assertThat(t.free(6, 2)).isEqualTo(BuddyTree.NOT_ALIGNED);
        // out of range
        assertThat(t.free(-1, 0)).isEqualTo(BuddyTree.OUT_OF_RANGE);
        assertThat(t.free(N, 0)).isEqualTo(BuddyTree.OUT_OF_RANGE);
        assertThat(t.free(Integer.MAX_VALUE, 3)).isEqualTo(BuddyTree.OUT_OF_RANGE);
        // bad order
        assertThat(t.free(0, 11)).isEqualTo(BuddyTree.BAD_ORDER);
        assertThat(t.free(0, -1)).isEqualTo(BuddyTree.BAD_ORDER);
        // wrong order of a live block (smaller and larger)
        assertThat(t.free(256, 7)).isEqualTo(BuddyTree.NOT_ALLOCATED);
        assertThat(t.free(256, 9)).isEqualTo(BuddyTree.NOT_ALIGNED); // 256 is not 512-aligned
        assertThat(t.free(4, 0)).isEqualTo(BuddyTree.NOT_ALLOCATED);
        assertThat(t.free(4, 1)).isEqualTo(BuddyTree.NOT_ALLOCATED);
        assertThat(t.free(4, 3)).isEqualTo(BuddyTree.NOT_ALIGNED);
        assertThat(t.free(0, 2)).isEqualTo(BuddyTree.NOT_ALLOCATED); // live order-0 block at 0
        assertThat(t.free(0, 1)).isEqualTo(BuddyTree.NOT_ALLOCATED);
        // part of a larger block
        assertThat(t.free(384, 7)).isEqualTo(BuddyTree.NOT_ALLOCATED);
        assertThat(t.free(300, 0)).isEqualTo(BuddyTree.NOT_ALLOCATED);
        assertThat(t.free(6, 1)).isEqualTo(BuddyTree.NOT_ALLOCATED);
        // never allocated
        assertThat(t.free(1, 0)).isEqualTo(BuddyTree.NOT_ALLOCATED);
        assertThat(t.free(512, 9)).isEqualTo(BuddyTree.NOT_ALLOCATED);
        assertThat(t.free(0, 10)).isEqualTo(BuddyTree.NOT_ALLOCATED);

        assertThat(t.fingerprint()).isEqualTo(before);
        assertThat(t.freeFrames()).isEqualTo(free);
        assertThat(t.largestFreeOrder()).isEqualTo(largest);

        // double free
        assertThat(t.free(256, 8)).isZero();
        before = t.fingerprint();
        assertThat(t.free(256, 8)).isEqualTo(BuddyTree.NOT_ALLOCATED);
        assertThat(t.fingerprint()).isEqualTo(before);
        assertThat(t.free(4, 2)).isZero();
        assertThat(t.free(0, 0)).isZero();
        before = t.fingerprint();
        assertThat(t.free(0, 0)).isEqualTo(BuddyTree.NOT_ALLOCATED);
        assertThat(t.free(4, 2)).isEqualTo(BuddyTree.NOT_ALLOCATED);
        assertThat(t.fingerprint()).isEqualTo(before);
        assertThat(t.isEmpty()).isTrue();
        assertConsistent();
    }

    @Test
    void lowestAddressIsChosen() {
        assertThat(t.allocate(0)).isEqualTo(0);
        assertThat(t.allocate(1)).isEqualTo(2);
        assertThat(t.allocate(0)).isEqualTo(1);
        assertThat(t.allocate(2)).isEqualTo(4);
        assertThat(t.allocate(5)).isEqualTo(32);
        assertThat(t.allocate(3)).isEqualTo(8);
        assertThat(t.allocate(9)).isEqualTo(512);
        assertThat(t.allocate(9)).isEqualTo(-1);
        assertThat(t.free(2, 1)).isZero();
        assertThat(t.allocate(0)).isEqualTo(2);
        assertThat(t.allocate(0)).isEqualTo(3);
        assertThat(t.allocate(4)).isEqualTo(16);
        assertThat(t.allocate(6)).isEqualTo(64);
        assertConsistent();
    }

    @Test
    void smallAndLargeBothFillFromTheBottom() {
        // The original filled small blocks from the top and large ones from the bottom.
        assertThat(t.allocate(6)).isZero();
        assertThat(t.allocate(0)).isEqualTo(64);
        assertThat(t.allocate(6)).isEqualTo(128);
    }

    @Test
    void isEmptyAfterEverythingFreedInAnyOrder() {
        List<int[]> live = new ArrayList<>();
        int[] orders = {0, 3, 1, 7, 0, 2, 5, 9, 4, 0, 6};
        for (int k : orders) {
            int off = t.allocate(k);
            if (off >= 0) {
                live.add(new int[] {off, k});
            }
        }
        assertThat(live).hasSize(orders.length);
        assertThat(t.isEmpty()).isFalse();
        // free in a scrambled order (7 is coprime to 11)
        for (int j = 0; j < live.size(); j++) {
            int[] b = live.get((j * 7) % live.size());
            assertThat(t.free(b[0], b[1])).isZero();
            assertConsistent();
        }
        assertThat(t.isEmpty()).isTrue();
        assertThat(t.freeFrames()).isEqualTo(N);
        assertThat(t.freeBlocks(10)).isEqualTo(1);
    }

    @Test
    void freeBlocksCountsMaximalBlocks() {
        assertThat(t.allocateAt(0, 0)).isTrue();
        // free: 1 (o0), 2-3 (o1), 4-7 (o2), ..., 512-1023 (o9)
        for (int k = 0; k <= 9; k++) {
            assertThat(t.freeBlocks(k)).as("order %d", k).isEqualTo(1);
        }
        assertThat(t.freeBlocks(10)).isZero();
        assertThat(t.allocateAt(768, 8)).isTrue();
        assertThat(t.freeBlocks(9)).isZero();
        assertThat(t.freeBlocks(8)).isEqualTo(2); // 256-511 and 512-767
        assertThat(t.freeFrames()).isEqualTo(N - 1 - 256);
    }

    @Test
    void isAllocatedBlockAndIsFrameFree() {
        assertThat(t.allocateAt(64, 5)).isTrue();
        assertThat(t.isAllocatedBlock(64, 5)).isTrue();
        assertThat(t.isAllocatedBlock(64, 4)).isFalse();
        assertThat(t.isAllocatedBlock(64, 6)).isFalse();
        assertThat(t.isAllocatedBlock(65, 0)).isFalse();
        assertThat(t.isAllocatedBlock(-1, 0)).isFalse();
        assertThat(t.isAllocatedBlock(N, 0)).isFalse();
        assertThat(t.isFrameFree(63)).isTrue();
        assertThat(t.isFrameFree(64)).isFalse();
        assertThat(t.isFrameFree(95)).isFalse();
        assertThat(t.isFrameFree(96)).isTrue();
        assertThat(t.isFrameFree(-1)).isFalse();
        assertThat(t.isFrameFree(N)).isFalse();
    }

    @Test
    void repeatedFillAndDrainLeavesNoResidue() {
        for (int round = 0; round < 3; round++) {
            for (int k = 0; k <= 10; k++) {
                int count = N >> k;
                for (int b = 0; b < count; b++) {
                    assertThat(t.allocate(k)).isEqualTo(b << k);
                }
                assertThat(t.isFull()).isTrue();
                for (int b = count - 1; b >= 0; b--) {
                    assertThat(t.free(b << k, k)).isZero();
                }
                assertThat(t.isEmpty()).isTrue();
                assertConsistent();
            }
        }
    }
}
