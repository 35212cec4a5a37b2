package org.capbuddy.libos.allocman.cspace;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.BitSet;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The bitmap's searches against brute force over a BitSet, on ranges with partial words at both ends. */
class SlotBitmapTest {

    @Test
    void wordCountIncludesPartialWordsAtBothEnds() {
        assertThat(SlotBitmap.wordCount(0, 64)).isEqualTo(1);
        assertThat(SlotBitmap.wordCount(0, 65)).isEqualTo(2);
        assertThat(SlotBitmap.wordCount(63, 65)).isEqualTo(2);
        assertThat(SlotBitmap.wordCount(5, 1005)).isEqualTo(16);
        assertThat(SlotBitmap.bytesFor(5, 1005)).isEqualTo(128);
    }

    @Test
    void freshBitmapCountsOnlyItsRange() {
        SlotBitmap b = SlotBitmap.freeRange(70, 200);
        assertThat(b.freeCount()).isEqualTo(130);
        assertThat(b.nextFree(0)).isEqualTo(70);
        assertThat(b.nextFree(199)).isEqualTo(199);
        assertThat(b.nextFree(200)).isEqualTo(-1);
        b.markUsed(70, 130);
        assertThat(b.findFree()).isEqualTo(-1);
        assertThat(b.findAlignedRun(0)).isEqualTo(-1);
    }

    @Test
    void searchesAgreeWithBruteForce() {
        long seed = Long.getLong("cspace.seed", 0x5107B17L);
        SplittableRandom rnd = new SplittableRandom(seed);
        for (int round = 0; round < 300; round++) {
            long first = rnd.nextLong(0, 5000);
            long end = first + rnd.nextLong(1, 3000);
            SlotBitmap b = SlotBitmap.freeRange(first, end);
            BitSet free = new BitSet();
            free.set((int) first, (int) end);
            double density = rnd.nextDouble();
            for (long s = first; s < end; s++) {
                if (rnd.nextDouble() > density) {
                    b.markUsed(s, 1);
                    free.clear((int) s);
                }
            }
            String why = "seed " + seed + " round " + round + " range [" + first + ", " + end + ")";
            assertThat(b.freeCount()).as(why).isEqualTo(free.cardinality());
            for (int n = 0; n <= 12; n++) {
                assertThat(b.findAlignedRun(n)).as(why + " n=" + n).isEqualTo(bruteRun(free, first, end, n));
            }
            long from = rnd.nextLong(0, end + 10);
            int expectedNext = free.nextSetBit((int) from);
            assertThat(b.nextFree(from)).as(why + " from " + from).isEqualTo(expectedNext);
            long any = b.findFree();
            assertThat(any).as(why).isEqualTo(free.isEmpty() ? -1 : free.nextSetBit(0));
        }
    }

    @Test
    void findFreeRotatesFromTheLastWordUsed() {
        SlotBitmap b = SlotBitmap.freeRange(0, 256);
        b.markUsed(0, 130);
        assertThat(b.findFree()).isEqualTo(130);
        b.markFree(3, 1);
        // the cursor stays at word 2: slot 3 comes after the rest of the range, on wrap-around
        b.markUsed(130, 1);
        assertThat(b.findFree()).isEqualTo(131);
        b.markUsed(131, 125);
        assertThat(b.findFree()).isEqualTo(3);
    }

    private static long bruteRun(BitSet free, long first, long end, int n) {
        long len = 1L << n;
        for (long s = (first + len - 1) & -len; s + len <= end; s += len) {
            if (free.get((int) s, (int) (s + len)).cardinality() == len) {
                return s;
            }
        }
        return -1;
    }
}
