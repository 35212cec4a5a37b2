package org.capbuddy.sos.integrity;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.capbuddy.sos.addrspace.Layout;
import org.capbuddy.sos.isolation.Patterns;
import org.capbuddy.sos.process.Process;
import org.capbuddy.sos.user.MemoryFault;
import org.capbuddy.sos.user.UserContext;
import org.capbuddy.sos.user.UserMalloc;

/**
 * One process of the integrity soak and the Java-side record of everything it wrote: its
 * malloc'd blocks, its stack frames and its mmap pages, each filled with seeded bytes that can
 * be regenerated to check it byte for byte. Each {@link #step} does one random operation; pages
 * that must be fresh (new mmap pages, stack pages below any touched before) are checked to read
 * zero before they are written.
 */
final class SoakProcess {
    private static final int MAX_BLOCKS = 48;
    private static final long MAX_STACK_DEPTH = 4L << 20;
    private static final int MAX_MMAP_PAGES = 96;

    private record Block(long ptr, int length, long seed) {
    }

    private record StackFrame(long addr, int length, long seed, long spBefore) {
    }

    private final Process process;
    private final UserContext ctx;
    private final UserMalloc malloc;
    private final SoakCounters counters;
    private final List<Block> blocks = new ArrayList<>();
    private final Deque<StackFrame> frames = new ArrayDeque<>();
    /** Content of every mmap page written, by page address: the seed of its bytes. */
    private final TreeMap<Long, Long> mmapPages = new TreeMap<>();
    /** The lowest stack page ever touched; every page below it is still fresh. */
    private long stackLowWater = Layout.STACK_TOP;

    SoakProcess(Process process, UserContext ctx, SoakCounters counters) {
        this.process = process;
        this.ctx = ctx;
        this.malloc = new UserMalloc(ctx);
        this.counters = counters;
    }

    Process process() {
        return process;
    }

    UserContext context() {
        return ctx;
    }

    /** One random operation on the heap, the stack or the mmap area. */
    void step(SplittableRandom rnd) throws MemoryFault {
        int op = rnd.nextInt(100);
        if (op < 30) {
            allocate(rnd, false);
        } else if (op < 33) {
            allocate(rnd, true);
        } else if (op < 55) {
            freeOne(rnd);
        } else if (op < 65) {
            reallocOne(rnd);
        } else if (op < 75) {
            pushFrame(rnd);
        } else if (op < 83) {
            popFrame();
        } else if (op < 90) {
            mmapRegion(rnd);
        } else if (op < 97) {
            munmapSome(rnd);
        } else {
            trim();
        }
    }

    private static int blockSize(SplittableRandom rnd) {
        int kind = rnd.nextInt(100);
        if (kind < 30) {
            return 1 + rnd.nextInt(64);
        } else if (kind < 70) {
            return 65 + rnd.nextInt(4032);
        } else if (kind < 95) {
            return 4097 + rnd.nextInt(60 * 1024);
        }
        return 64 * 1024 + rnd.nextInt(256 * 1024);
    }

    private void write(long vaddr, int length, long seed) throws MemoryFault {
        Patterns.write(ctx, vaddr, length, seed);
        counters.bytesWritten += length;
    }

    private void allocate(SplittableRandom rnd, boolean zeroed) throws MemoryFault {
        if (blocks.size() >= MAX_BLOCKS) {
            freeOne(rnd);
            return;
        }
        int length = blockSize(rnd);
        long ptr = zeroed ? malloc.calloc(1, length) : malloc.malloc(length);
        assertThat(ptr).as("malloc(%d) in process %d", length, process.pid()).isNotZero();
        if (zeroed) {
            assertThat(Patterns.firstNonZero(Patterns.read(ctx, ptr, length))).as("calloc'd bytes").isEqualTo(-1);
            counters.freshBytesCheckedZero += length;
        }
        long seed = rnd.nextLong();
        write(ptr, length, seed);
        blocks.add(new Block(ptr, length, seed));
        counters.blocksAllocated++;
    }

    private void freeOne(SplittableRandom rnd) throws MemoryFault {
        if (blocks.isEmpty()) {
            return;
        }
        Block b = blocks.remove(rnd.nextInt(blocks.size()));
        long breakBefore = ctx.brk(0);
        assertThat(malloc.free(b.ptr())).as("free(0x%x)", b.ptr()).isTrue();
        counters.brkShrinks += ctx.brk(0) < breakBefore ? 1 : 0;
        counters.blocksFreed++;
    }

    private void reallocOne(SplittableRandom rnd) throws MemoryFault {
        if (blocks.isEmpty()) {
            return;
        }
        int i = rnd.nextInt(blocks.size());
        Block b = blocks.get(i);
        int length = blockSize(rnd);
        long ptr = malloc.realloc(b.ptr(), length);
        assertThat(ptr).as("realloc(0x%x, %d)", b.ptr(), length).isNotZero();
        int kept = Math.min(length, b.length());
        assertThat(Patterns.read(ctx, ptr, kept)).as("realloc keeps the first %d bytes", kept)
                .isEqualTo(Arrays.copyOf(Patterns.bytes(b.seed(), b.length()), kept));
        counters.bytesVerified += kept;
        long seed = rnd.nextLong();
        write(ptr, length, seed);
        blocks.set(i, new Block(ptr, length, seed));
        counters.reallocs++;
    }

    private void trim() throws MemoryFault {
        long breakBefore = ctx.brk(0);
        malloc.trim();
        counters.brkShrinks += ctx.brk(0) < breakBefore ? 1 : 0;
    }

    private void pushFrame(SplittableRandom rnd) throws MemoryFault {
        long spBefore = ctx.sp();
        int length = 64 + rnd.nextInt(16 * 1024);
        if (Layout.STACK_TOP - (spBefore - length) > MAX_STACK_DEPTH) {
            popFrame();
            return;
        }
        long addr = ctx.pushFrame(length);
        int frameLength = (int) (spBefore - addr);
        long freshEnd = Math.min(stackLowWater, spBefore);
        if (addr < freshEnd) {
            // Pages below every stack page touched so far have never been mapped: they must be zero.
            int freshLength = (int) (freshEnd - addr);
            assertThat(Patterns.firstNonZero(Patterns.read(ctx, addr, freshLength)))
                    .as("fresh stack bytes at 0x%x", addr).isEqualTo(-1);
            counters.freshBytesCheckedZero += freshLength;
            stackLowWater = Layout.pageDown(addr);
        }
        long seed = rnd.nextLong();
        write(addr, frameLength, seed);
        frames.push(new StackFrame(addr, frameLength, seed, spBefore));
        counters.stackFrames++;
    }

    private void popFrame() {
        StackFrame f = frames.poll();
        if (f != null) {
            ctx.popTo(f.spBefore());
        }
    }

    private void mmapRegion(SplittableRandom rnd) throws MemoryFault {
        if (mmapPages.size() >= MAX_MMAP_PAGES) {
            munmapSome(rnd);
            return;
        }
        int pages = 1 + rnd.nextInt(24);
        var mapped = ctx.sys().mmap(pages * Layout.PAGE);
        assertThat(mapped.isOk()).as("%s", mapped).isTrue();
        long base = mapped.value();
        for (int i = 0; i < pages; i++) {
            long va = base + i * Layout.PAGE;
            assertThat(Patterns.firstNonZero(Patterns.read(ctx, va, (int) Layout.PAGE)))
                    .as("fresh mmap page 0x%x of process %d", va, process.pid()).isEqualTo(-1);
            counters.freshBytesCheckedZero += Layout.PAGE;
            long seed = rnd.nextLong();
            write(va, (int) Layout.PAGE, seed);
            mmapPages.put(va, seed);
        }
        counters.mmaps++;
    }

    /** munmap of a random run of written pages: part of a region, a whole one, or across two. */
    private void munmapSome(SplittableRandom rnd) {
        if (mmapPages.isEmpty()) {
            return;
        }
        List<Long> pages = new ArrayList<>(mmapPages.keySet());
        int first = rnd.nextInt(pages.size());
        int count = 1 + rnd.nextInt(Math.min(8, pages.size() - first));
        long from = pages.get(first);
        long to = pages.get(first + count - 1) + Layout.PAGE;
        // Only a run of pages that are all mapped: munmap refuses a range reaching unmapped space.
        for (long va = from; va < to; va += Layout.PAGE) {
            if (!mmapPages.containsKey(va)) {
                to = va;
                break;
            }
        }
        assertThat(ctx.sys().munmap(from, to - from).isOk()).as("munmap [0x%x, 0x%x)", from, to).isTrue();
        mmapPages.subMap(from, true, to, false).clear();
        counters.munmaps++;
    }

    /** Checks every byte of every live block, stack frame and mmap page, and the heap's own structure. */
    void verify() throws MemoryFault {
        for (Block b : blocks) {
            check(b.ptr(), b.length(), b.seed(), "heap block");
        }
        for (StackFrame f : frames) {
            check(f.addr(), f.length(), f.seed(), "stack frame");
        }
        for (Map.Entry<Long, Long> e : mmapPages.entrySet()) {
            check(e.getKey(), (int) Layout.PAGE, e.getValue(), "mmap page");
        }
        assertThat(malloc.checkHeap()).as("process %d's heap", process.pid()).isNull();
    }

    private void check(long vaddr, int length, long seed, String what) throws MemoryFault {
        byte[] seen = Patterns.read(ctx, vaddr, length);
        byte[] expected = Patterns.bytes(seed, length);
        if (!Arrays.equals(seen, expected)) {
            int at = Arrays.mismatch(seen, expected);
            throw new AssertionError(String.format("process %d: %s at 0x%x (%d bytes): byte %d (0x%x) is 0x%02x,"
                    + " expected 0x%02x", process.pid(), what, vaddr, length, at, vaddr + at, seen[at], expected[at]));
        }
        counters.bytesVerified += length;
    }
}
