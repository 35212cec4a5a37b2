package org.capbuddy.sos.user;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * Seeded random malloc/calloc/realloc/free against a reference map of live blocks. Override the
 * seed with {@code -Dsos.malloc.seed=N}; every failure message carries the seed and op number.
 */
class UserMallocDifferentialTest {
    static final long BASE = 0x1000_0000L;
    static final int OPS = 200_000;
    static final long MAX_SIZE = 64 * 1024;
    static final int TARGET_LIVE = 400;

    /** A live block as the program knows it: requested size and the tag its bytes were filled from. */
    private record Live(long size, long tag) {
    }

    private final long seed = Long.getLong("sos.malloc.seed", 0x5EED_0003L);
    private final PagedHeapMemory mem = new PagedHeapMemory(BASE);
    private final UserMalloc heap = new UserMalloc(mem);
    private final Map<Long, Live> live = new HashMap<>();
    private final List<Long> order = new ArrayList<>(); // live pointers, for O(1) random choice
    private final TreeMap<Long, Long> extents = new TreeMap<>(); // payload start -> usable end
    private final SplittableRandom random = new SplittableRandom(seed);
    private int op;
    private long nextTag = 1;

    @Test
    void randomOperationsMatchTheReference() throws MemoryFault {
        int failedAllocs = 0;
        for (op = 0; op < OPS; op++) {
            int roll = random.nextInt(100);
            boolean wantMore = live.size() < TARGET_LIVE;
            if (live.isEmpty() || roll < (wantMore ? 45 : 30)) {
                failedAllocs += allocate(random.nextInt(10) == 0) ? 0 : 1;
            } else if (roll < 75) {
                release(randomLive());
            } else {
                failedAllocs += resize(randomLive()) ? 0 : 1;
            }
            if (op % 1000 == 999) {
                check(heap.checkHeap() == null, () -> "checkHeap: " + heap.checkHeap());
            }
        }
        int failed = failedAllocs;
        check(failed == 0, () -> failed + " allocations failed with unlimited brk");
        while (!order.isEmpty()) {
            release(order.get(order.size() - 1));
        }
        check(heap.checkHeap() == null, () -> "checkHeap after freeing all: " + heap.checkHeap());
        UserMalloc.HeapStats stats = heap.stats();
        check(stats.inUseBlocks() == 0, () -> "blocks still in use: " + stats);
        assertThat(mem.currentBreak() - BASE).as("seed=%d: break near base after freeing all", seed)
                .isLessThan(UserMalloc.TRIM_THRESHOLD + UserMalloc.PAGE_SIZE);
        heap.trim();
        assertThat(mem.currentBreak()).as("seed=%d: break after trim", seed).isEqualTo(BASE + UserMalloc.PAGE_SIZE);
        assertThat(mem.shrinks()).as("seed=%d: the heap shrank along the way", seed).isPositive();
    }

    private long randomLive() {
        return order.get(random.nextInt(order.size()));
    }

    /** Sizes 1..64 KiB, log-uniform, so small blocks dominate but big ones come often. */
    private long randomSize() {
        int bits = random.nextInt(17);
        return 1 + random.nextLong(Math.min(MAX_SIZE, 1L << bits));
    }

    private boolean allocate(boolean zeroed) throws MemoryFault {
        long size = randomSize();
        long p = zeroed ? heap.calloc(1, size) : heap.malloc(size);
        if (p == 0) {
            return false;
        }
        if (zeroed) {
            for (long off = 0; off < size; off += 8) {
                long word = mem.load(p + off, 8);
                long mask = size - off >= 8 ? -1L : (1L << (8 * (size - off))) - 1;
                long at = off;
                check((word & mask) == 0, () -> String.format("calloc(%d) = 0x%x not zero at %d", size, p, at));
            }
        }
        track(p, size);
        return true;
    }

    private void release(long p) throws MemoryFault {
        Live block = live.get(p);
        verify(p, block.size(), block.tag());
        check(heap.free(p), () -> String.format("free(0x%x) refused a live block", p));
        check(!heap.free(p), () -> String.format("double free(0x%x) accepted", p));
        untrack(p);
    }

    private boolean resize(long p) throws MemoryFault {
        Live block = live.get(p);
        long size = randomSize();
        long q = heap.realloc(p, size);
        if (q == 0) {
            verify(p, block.size(), block.tag()); // a failed realloc leaves the block as it was
            return false;
        }
        long kept = Math.min(size, block.size());
        verify(q, kept, block.tag());
        untrack(p);
        // The new tail gets the block's pattern too: same tag, so verify covers all of it later.
        fillRange(q, kept, size, block.tag());
        track(q, size, block.tag());
        return true;
    }

    private void track(long p, long size) throws MemoryFault {
        long tag = nextTag++;
        fillRange(p, 0, size, tag);
        track(p, size, tag);
    }

    private void track(long p, long size, long tag) throws MemoryFault {
        check(p % UserMalloc.ALIGNMENT == 0, () -> String.format("0x%x not 16-aligned", p));
        long usable = heap.usableSize(p);
        check(usable >= size, () -> String.format("0x%x usable %d < requested %d", p, usable, size));
        long end = p + usable;
        check(p > BASE && end <= mem.currentBreak(), () -> String.format("block 0x%x..0x%x outside heap", p, end));
        Map.Entry<Long, Long> before = extents.floorEntry(p);
        Map.Entry<Long, Long> after = extents.ceilingEntry(p);
        check(before == null || before.getValue() <= p,
                () -> String.format("0x%x overlaps live block 0x%x..0x%x", p, before == null ? 0 : before.getKey(),
                        before == null ? 0 : before.getValue()));
        check(after == null || after.getKey() >= end,
                () -> String.format("0x%x..0x%x overlaps live block 0x%x", p, end, after == null ? 0 : after.getKey()));
        extents.put(p, end);
        live.put(p, new Live(size, tag));
        order.add(p);
    }

    private void untrack(long p) {
        live.remove(p);
        extents.remove(p);
        int i = order.indexOf(p);
        order.set(i, order.get(order.size() - 1));
        order.remove(order.size() - 1);
    }

    /** Word i of a block tagged t holds pattern(t, i): contents follow the block through realloc. */
    private static long pattern(long tag, long offset) {
        long z = tag * 0x9E3779B97F4A7C15L + offset;
        z = (z ^ (z >>> 31)) * 0xBF58476D1CE4E5B9L;
        return z ^ (z >>> 29);
    }

    private void fillRange(long p, long from, long to, long tag) throws MemoryFault {
        // Whole words (the payload is 16-aligned and usable size is a multiple of 8, so the last
        // partial word is still inside the block); verify masks the bytes beyond the request.
        for (long off = from & ~7L; off < to; off += 8) {
            mem.store(p + off, 8, pattern(tag, off));
        }
    }

    private void verify(long p, long size, long tag) throws MemoryFault {
        for (long off = 0; off < size; off += 8) {
            long mask = size - off >= 8 ? -1L : (1L << (8 * (size - off))) - 1;
            long got = mem.load(p + off, 8);
            if (((got ^ pattern(tag, off)) & mask) != 0) {
                fail(String.format("seed=%d op=%d: block 0x%x (size %d) offset %d holds 0x%x, expected 0x%x",
                        seed, op, p, size, off, got & mask, pattern(tag, off) & mask));
            }
        }
    }

    /** The message is built only on failure: formatting it every op would dominate the run time. */
    private void check(boolean ok, Supplier<String> what) {
        if (!ok) {
            fail(String.format("seed=%d op=%d: %s", seed, op, what.get()));
        }
    }
}
