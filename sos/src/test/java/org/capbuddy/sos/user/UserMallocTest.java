package org.capbuddy.sos.user;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class UserMallocTest {
    static final long BASE = 0x1000_0000L;
    static final long PAGE = UserMalloc.PAGE_SIZE;

    private final PagedHeapMemory mem = new PagedHeapMemory(BASE);
    private final UserMalloc heap = new UserMalloc(mem);

    /** Every test must leave a heap the checker accepts. */
    @AfterEach
    void heapStaysConsistent() {
        assertThat(heap.checkHeap()).isNull();
    }

    // ---------------------------------------------------------------- basics

    @Test
    void noHeapUntilFirstMalloc() throws MemoryFault {
        assertThat(heap.heapBase()).isZero();
        assertThat(mem.currentBreak()).isEqualTo(BASE);
        assertThat(heap.free(0)).isTrue();
        assertThat(heap.free(BASE + 0x100)).isFalse();
        assertThat(mem.brkCalls()).isZero();
    }

    @Test
    void mallocGivesAlignedDistinctWritableBlocks() throws MemoryFault {
        List<long[]> blocks = new ArrayList<>();
        for (long n = 0; n <= 300; n++) {
            long p = heap.malloc(n);
            assertThat(p).as("malloc(%d)", n).isNotZero();
            assertThat(p % UserMalloc.ALIGNMENT).isZero();
            assertThat(heap.usableSize(p)).isGreaterThanOrEqualTo(Math.max(n, 8));
            blocks.add(new long[] {p, n});
            fill(p, n);
        }
        assertThat(heap.heapBase()).isEqualTo(BASE);
        assertNoOverlap(blocks);
        for (long[] b : blocks) {
            verify(b[0], b[1]);
            assertThat(heap.free(b[0])).isTrue();
        }
        assertThat(heap.stats().inUseBlocks()).isZero();
    }

    @Test
    void mallocZeroReturnsUniqueMinimalBlocks() throws MemoryFault {
        long a = heap.malloc(0);
        long b = heap.malloc(0);
        assertThat(a).isNotZero().isNotEqualTo(b);
        assertThat(b - a).isEqualTo(UserMalloc.MIN_BLOCK);
        assertThat(heap.usableSize(a)).isEqualTo(8);
    }

    @Test
    void impossibleRequestsReturnNullWithoutTouchingBrk() throws MemoryFault {
        assertThat(heap.malloc(-1)).isZero();
        assertThat(heap.malloc(UserMalloc.MAX_REQUEST + 1)).isZero();
        assertThat(heap.malloc(Long.MAX_VALUE)).isZero();
        assertThat(heap.calloc(1L << 32, 1L << 32)).isZero();
        assertThat(heap.calloc(-1, 8)).isZero();
        assertThat(mem.grows()).isZero();
    }

    @Test
    void freedBlockIsReusedAndNeighboursCoalesce() throws MemoryFault {
        long a = heap.malloc(100);
        long b = heap.malloc(100);
        long c = heap.malloc(100);
        long guard = heap.malloc(100); // keeps c's block away from the top free block
        assertThat(heap.free(b)).isTrue();
        assertThat(heap.malloc(100)).isEqualTo(b);
        assertThat(heap.free(a)).isTrue();
        assertThat(heap.free(c)).isTrue();
        assertThat(heap.stats().freeBlocks()).isEqualTo(3); // a, c, top
        assertThat(heap.free(b)).isTrue();
        assertThat(heap.stats().freeBlocks()).isEqualTo(2); // a+b+c, top
        assertThat(heap.malloc(3 * 112)).isEqualTo(a); // the merged block fits exactly
        assertThat(heap.free(guard)).isTrue();
    }

    // ---------------------------------------------------------------- realloc and calloc

    @Test
    void reallocKeepsContentsWhenMoving() throws MemoryFault {
        long p = heap.malloc(40);
        fill(p, 40);
        long blocker = heap.malloc(16); // p cannot grow in place
        long q = heap.realloc(p, 5000);
        assertThat(q).isNotZero().isNotEqualTo(p);
        verify(q, p, 40); // the bytes p was filled with, now at q
        assertThat(heap.usableSize(p)).as("old block freed").isZero();
        assertThat(heap.free(p)).isFalse();
        heap.free(blocker);
        heap.free(q);
    }

    @Test
    void reallocShrinksInPlaceAndGivesTheTailBack() throws MemoryFault {
        long p = heap.malloc(4000);
        fill(p, 4000);
        long blocker = heap.malloc(16);
        long q = heap.realloc(p, 100);
        assertThat(q).isEqualTo(p);
        verify(q, 100);
        assertThat(heap.usableSize(q)).isLessThan(200);
        assertThat(heap.malloc(3000)).as("the freed tail is reused").isBetween(p, blocker);
    }

    @Test
    void reallocGrowsInPlaceIntoAFreeNeighbourAndAtTheTop() throws MemoryFault {
        long p = heap.malloc(100);
        long q = heap.malloc(300);
        long r = heap.malloc(100);
        fill(p, 100);
        heap.free(q);
        assertThat(heap.realloc(p, 350)).as("absorbs the freed neighbour").isEqualTo(p);
        verify(p, 100);
        int grows = mem.grows();
        assertThat(heap.realloc(r, 1 << 20)).as("last block: heap grows under it").isEqualTo(r);
        assertThat(mem.grows()).isEqualTo(grows + 1);
        assertThat(heap.usableSize(r)).isGreaterThanOrEqualTo(1 << 20);
    }

    @Test
    void reallocEdgeCases() throws MemoryFault {
        long p = heap.realloc(0, 64);
        assertThat(p).as("realloc(0, n) is malloc").isNotZero();
        long q = heap.realloc(p, 0);
        assertThat(q).as("realloc(p, 0) keeps a minimal block").isEqualTo(p);
        assertThat(heap.usableSize(q)).isEqualTo(8);
        assertThat(heap.realloc(q + 16, 10)).as("interior pointer").isZero();
        assertThat(heap.realloc(0xDEAD_0000L, 10)).as("wild pointer").isZero();
        assertThat(heap.realloc(q, -5)).isZero();
        assertThat(heap.usableSize(q)).as("failed realloc leaves the block").isEqualTo(8);
    }

    @Test
    void callocZeroesReusedMemory() throws MemoryFault {
        long p = heap.malloc(1000);
        for (long off = 0; off < 1000; off += 8) {
            mem.store(p + off, 8, -1L);
        }
        heap.free(p);
        long q = heap.calloc(125, 8);
        assertThat(q).isEqualTo(p);
        for (long off = 0; off < 1000; off += 8) {
            assertThat(mem.load(q + off, 8)).isZero();
        }
        assertThat(heap.calloc(0, 100)).isNotZero();
    }

    // ---------------------------------------------------------------- data integrity

    @Test
    void blocksKeepTheirContentsThroughChurn() throws MemoryFault {
        SplittableRandom random = new SplittableRandom(7);
        List<long[]> live = new ArrayList<>();
        for (int round = 0; round < 6; round++) {
            for (int i = 0; i < 150; i++) {
                long n = 1 + random.nextLong(random.nextBoolean() ? 200 : 20_000);
                long p = heap.malloc(n);
                fill(p, n);
                live.add(new long[] {p, n});
            }
            assertNoOverlap(live);
            for (int i = live.size() - 1; i >= 0; i -= 2) {
                long[] b = live.remove(i);
                verify(b[0], b[1]);
                assertThat(heap.free(b[0])).isTrue();
            }
            assertThat(heap.checkHeap()).isNull();
        }
        for (long[] b : live) {
            verify(b[0], b[1]);
            heap.free(b[0]);
        }
        assertThat(heap.stats().inUseBlocks()).isZero();
    }

    // ---------------------------------------------------------------- pt_test and giving pages back

    /** AOS M3 pt_test, heap half: 9 mallocs of 28 pages, one byte written per page, checked, freed. */
    @Test
    void ptTestPatternThenHeapGivesItsPagesBack() throws MemoryFault {
        final int nblocks = 9;
        final int npages = 28;
        long[] buf = new long[nblocks];
        for (int b = 0; b < nblocks; b++) {
            buf[b] = heap.malloc(npages * PAGE);
            assertThat(buf[b]).isNotZero();
        }
        for (int b = 0; b < nblocks; b++) {
            for (int p = 0; p < npages; p++) {
                mem.store(buf[b] + p * PAGE, 1, p);
            }
        }
        for (int b = 0; b < nblocks; b++) {
            for (int p = 0; p < npages; p++) {
                assertThat(mem.load(buf[b] + p * PAGE, 1)).as("block %d page %d", b, p).isEqualTo(p);
            }
        }
        assertThat(mem.currentBreak() - BASE).isGreaterThanOrEqualTo(nblocks * npages * PAGE);
        assertThat(mem.grows()).as("brk calls that grew").isLessThanOrEqualTo(1 + nblocks);
        for (long p : buf) {
            assertThat(heap.free(p)).isTrue();
        }
        assertThat(mem.currentBreak()).as("break back to base + control block page").isEqualTo(BASE + PAGE);
        assertThat(mem.residentPages()).isLessThanOrEqualTo(1);
        assertThat(heap.stats().inUseBlocks()).isZero();
    }

    @Test
    void freeingInReverseOrderAlsoTrims() throws MemoryFault {
        long[] buf = new long[9];
        for (int b = 0; b < buf.length; b++) {
            buf[b] = heap.malloc(28 * PAGE);
        }
        for (int b = buf.length - 1; b >= 0; b--) {
            heap.free(buf[b]);
        }
        // Each free that left a free top of >= 128 KiB trimmed; the last one leaves block 0 plus
        // a sliver, under the threshold, which glibc would keep too.
        assertThat(mem.shrinks()).isGreaterThanOrEqualTo(3);
        assertThat(mem.currentBreak() - BASE).isLessThan(PAGE + UserMalloc.TRIM_THRESHOLD);
        assertThat(heap.trim()).isTrue();
        assertThat(mem.currentBreak()).isEqualTo(BASE + PAGE);
    }

    @Test
    void topBelowTrimThresholdIsKeptUntilTrim() throws MemoryFault {
        long small = heap.malloc(16);
        long p = heap.malloc(100 * 1024);
        long top = mem.currentBreak();
        heap.free(p);
        assertThat(mem.currentBreak()).as("100 KiB free top < M_TRIM_THRESHOLD").isEqualTo(top);
        assertThat(heap.trim()).isTrue();
        assertThat(mem.currentBreak()).isEqualTo(BASE + PAGE);
        assertThat(heap.trim()).isFalse();
        heap.free(small);
    }

    @Test
    void trimNeverLeavesASliverSmallerThanABlock() throws MemoryFault {
        // A live block ending 32 bytes before a page boundary: trimming exactly there would leave
        // a 16-byte "block" between it and the epilogue, so trim must keep one more page.
        long p = heap.malloc(2 * PAGE - UserMalloc.CONTROL_SIZE - 32 - UserMalloc.OVERHEAD);
        long big = heap.malloc(200 * 1024);
        assertThat(big - 16).isEqualTo(BASE + 2 * PAGE - 32);
        heap.free(big);
        assertThat(heap.checkHeap()).isNull();
        assertThat(mem.currentBreak()).isEqualTo(BASE + 3 * PAGE);
        heap.free(p);
    }

    // ---------------------------------------------------------------- invalid frees

    @Test
    void invalidFreesReturnFalseAndChangeNothing() throws MemoryFault {
        long a = heap.malloc(200);
        long big = heap.malloc(10_000);
        long freed = heap.malloc(64);
        long keep = heap.malloc(64);
        fill(a, 200);
        assertThat(heap.free(freed)).isTrue();
        UserMalloc.HeapStats before = heap.stats();
        long breakBefore = mem.currentBreak();
        SplittableRandom random = new SplittableRandom(42);

        List<Long> bad = new ArrayList<>(List.of(
                freed,                 // double free
                a + 16, a + 8, a + 1,  // interior pointers
                big + 4096, big + 9984,
                a - 16,                // the header, not the payload
                BASE, BASE + 16,       // the control block
                BASE + UserMalloc.CONTROL_SIZE, // a block header address
                mem.currentBreak(),    // just past the heap
                mem.currentBreak() - 16, // the epilogue
                0xDEAD_BEEF_0L, -16L, 16L));
        for (int i = 0; i < 2000; i++) {
            bad.add(BASE + (random.nextLong(mem.currentBreak() - BASE) & ~15L)); // anywhere in the heap
            bad.add(random.nextLong() & ~15L);
        }
        bad.removeIf(p -> p == a || p == big || p == keep);
        for (long p : bad) {
            assertThat(heap.free(p)).as("free(0x%x)", p).isFalse();
            assertThat(heap.realloc(p, 10)).as("realloc(0x%x)", p).isZero();
        }
        assertThat(heap.checkHeap()).isNull();
        assertThat(heap.stats()).isEqualTo(before);
        assertThat(mem.currentBreak()).isEqualTo(breakBefore);
        verify(a, 200);
        assertThat(heap.free(a)).isTrue();
        assertThat(heap.free(big)).isTrue();
        assertThat(heap.free(keep)).isTrue();
    }

    @Test
    void doubleFreeIsCaughtEvenAfterTheMemoryWasMergedAndReused() throws MemoryFault {
        long a = heap.malloc(100);
        long b = heap.malloc(100);
        long guard = heap.malloc(100);
        heap.free(a);
        heap.free(b); // b merges into a: b's old header is now inside a free block
        long c = heap.malloc(224); // reuses a+b; b's old header is now inside c's payload
        assertThat(c).isEqualTo(a);
        assertThat(heap.free(b)).as("stale pointer into a live block").isFalse();
        assertThat(heap.free(a)).isTrue(); // a == c: the live block
        assertThat(heap.free(c)).isFalse();
        heap.free(guard);
    }

    @Test
    void aHeaderForgedWithoutTheCanaryIsRefused() throws MemoryFault {
        long p = heap.malloc(1000);
        long fake = p + 64; // a 16-aligned "block" of 64 bytes inside p's payload
        mem.store(fake, 8, 64 | 1);
        mem.store(fake + 8, 8, 0x1234);
        mem.store(fake + 56, 8, 64 | 1);
        assertThat(heap.free(fake + 16)).isFalse();
        assertThat(heap.usableSize(fake + 16)).isZero();
        assertThat(heap.free(p)).isTrue();
    }

    // ---------------------------------------------------------------- corruption

    @Test
    void overflowIntoTheFooterIsReportedNotFollowed() throws MemoryFault {
        long a = heap.malloc(24);
        long b = heap.malloc(24);
        mem.store(a + heap.usableSize(a), 8, 0x4141414141414141L); // one word past the payload
        assertThat(heap.checkHeap()).contains("footer");
        assertThatThrownBy(() -> heap.free(a)).isInstanceOf(MemoryFault.class).hasMessageContaining("heap corrupted");
        repairFooter(a);
        heap.free(a);
        heap.free(b);
    }

    @Test
    void useAfterFreeOfTheListLinksIsDetected() throws MemoryFault {
        long a = heap.malloc(100);
        long guard = heap.malloc(100);
        long b = heap.malloc(100);
        long guard2 = heap.malloc(100);
        heap.free(a);
        heap.free(b);
        long saved = mem.load(a - 16 + UserMalloc.PREV, 8);
        mem.store(a - 16 + UserMalloc.PREV, 8, BASE + 0x40); // scribble on a freed block
        assertThat(heap.checkHeap()).contains("prev link");
        assertThatThrownBy(() -> heap.free(guard)).isInstanceOf(MemoryFault.class).hasMessageContaining("free list");
        mem.store(a - 16 + UserMalloc.PREV, 8, saved);
        heap.free(guard); // the failed free changed nothing
        heap.free(guard2);
    }

    @Test
    void checkerSeesAWildHeaderAndABrokenControlBlock() throws MemoryFault {
        long a = heap.malloc(100);
        long tag = mem.load(a - 16, 8);
        mem.store(a - 16, 8, tag + 16);
        assertThat(heap.checkHeap()).isNotNull();
        mem.store(a - 16, 8, tag);
        mem.store(BASE, 8, 0);
        assertThat(heap.checkHeap()).contains("magic");
        mem.store(BASE, 8, UserMalloc.MAGIC);
    }

    // ---------------------------------------------------------------- brk refusals and state in user memory

    @Test
    void brkRefusalMakesMallocReturnNullAndLeavesTheHeapUsable() throws MemoryFault {
        long p = heap.malloc(1000);
        mem.setLimit(BASE + 64 * PAGE);
        assertThat(heap.malloc(1 << 20)).isZero();
        assertThat(mem.refusals()).isPositive();
        assertThat(heap.checkHeap()).isNull();
        long q = heap.malloc(1000);
        assertThat(q).isNotZero();
        long big = heap.realloc(q, 1 << 20);
        assertThat(big).isZero();
        assertThat(heap.usableSize(q)).isGreaterThanOrEqualTo(1000);
        heap.free(p);
        heap.free(q);
    }

    @Test
    void firstMallocFailsCleanlyIfBrkRefusesEverything() throws MemoryFault {
        mem.setLimit(BASE);
        assertThat(heap.malloc(10)).isZero();
        assertThat(heap.heapBase()).isZero();
        mem.setLimit(Long.MAX_VALUE);
        assertThat(heap.malloc(10)).isNotZero();
    }

    @Test
    void aForeignBreakMoveStopsGrowthInsteadOfBeingOverwritten() throws MemoryFault {
        long p = heap.malloc(100);
        long foreign = mem.currentBreak() + 8 * PAGE;
        mem.foreignBrk(foreign);
        assertThat(heap.malloc(1 << 20)).isZero();
        assertThat(mem.currentBreak()).isEqualTo(foreign);
        heap.free(p);
    }

    @Test
    void allStateLivesInUserMemorySoAForkedCopyHasAWorkingHeap() throws MemoryFault {
        long a = heap.malloc(500);
        long b = heap.malloc(70_000);
        fill(a, 500);
        PagedHeapMemory childMem = mem.fork();
        UserMalloc child = UserMalloc.attach(childMem, heap.heapBase());
        assertThat(child.checkHeap()).isNull();
        assertThat(child.free(b)).isTrue();
        long c = child.malloc(60_000);
        assertThat(c).isEqualTo(b);
        assertThat(child.free(a)).isTrue();
        assertThat(child.free(c)).isTrue();
        assertThat(child.checkHeap()).isNull();
        // The parent is untouched by the child's frees.
        assertThat(heap.usableSize(b)).isGreaterThanOrEqualTo(70_000);
        verify(a, 500);
        heap.free(a);
        heap.free(b);
        assertThatThrownBy(() -> UserMalloc.attach(childMem, BASE + 16)).isInstanceOf(MemoryFault.class);
    }

    // ---------------------------------------------------------------- helpers

    /** A byte pattern derived from the block's address, so a block holding another's data is caught. */
    static long patternWord(long p, long off) {
        long z = (p + off) * 0x9E3779B97F4A7C15L;
        return z ^ (z >>> 29);
    }

    void fill(long p, long n) throws MemoryFault {
        long off = 0;
        for (; off + 8 <= n; off += 8) {
            mem.store(p + off, 8, patternWord(p, off));
        }
        for (; off < n; off++) {
            mem.store(p + off, 1, patternWord(p, off & ~7L) >>> (8 * (off & 7)));
        }
    }

    void verify(long p, long n) throws MemoryFault {
        verify(p, p, n);
    }

    /** Checks that block {@code p} holds the pattern {@link #fill} wrote at {@code filledAt}. */
    void verify(long p, long filledAt, long n) throws MemoryFault {
        long off = 0;
        for (; off + 8 <= n; off += 8) {
            assertThat(mem.load(p + off, 8)).as("block 0x%x offset %d", p, off).isEqualTo(patternWord(filledAt, off));
        }
        for (; off < n; off++) {
            assertThat(mem.load(p + off, 1)).as("block 0x%x offset %d", p, off)
                    .isEqualTo(patternWord(filledAt, off & ~7L) >>> (8 * (off & 7)) & 0xFF);
        }
    }

    private void assertNoOverlap(List<long[]> blocks) throws MemoryFault {
        List<long[]> sorted = new ArrayList<>(blocks);
        sorted.sort((x, y) -> Long.compare(x[0], y[0]));
        for (int i = 1; i < sorted.size(); i++) {
            long prevEnd = sorted.get(i - 1)[0] + heap.usableSize(sorted.get(i - 1)[0]);
            assertThat(sorted.get(i)[0]).isGreaterThanOrEqualTo(prevEnd);
        }
    }

    private void repairFooter(long p) throws MemoryFault {
        long tag = mem.load(p - 16, 8);
        mem.store(p - 16 + (tag & ~15L) - 8, 8, tag);
    }
}
