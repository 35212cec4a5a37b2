package org.capbuddy.bench.kernel;

import static org.capbuddy.bench.kernel.Checks.require;

import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.capbuddy.kernel.memory.MemoryRegion;
import org.capbuddy.kernel.memory.PhysicalMemory;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The memory floor under a demand-paging fault: what giving a page fresh zeroed backing costs,
 * alone, when the pages come and go over a range of the same size as
 * {@code PageFaultBenchmark}'s.
 *
 * <p>Every fault does this to its frame, whatever else it does: SOS zeroes the frame (a whole-page
 * {@link PhysicalMemory#zero} takes the frame's backing away) and the user's first store backs it
 * again with a 4 KiB chunk that must be cleared, since it last held another page's bytes. Swept
 * over a 64 MiB range ({@code pages=16384}), the chunk has left the last-level cache since its
 * last use, as in {@code pageFaultEndToEnd}; over 1 MiB ({@code pages=256}) it stays there, as in
 * {@code pageFaultInCache}.
 *
 * <ul>
 *   <li>{@link #rebackPage}: the model's own path, one page per operation: zero the page, store
 *       8 bytes to it.
 *   <li>{@link #clearHostChunk}: the host's floor for the same step, without the model: clear a
 *       4 KiB piece of a large {@code byte[]} with {@link Arrays#fill} and store 8 bytes in it,
 *       sweeping host memory of the same size. No faithful model of a written page can do less
 *       than this, since the page's bytes must exist and read zero.
 * </ul>
 *
 * At the end of the trial every page must hold its last store and the memory must back exactly
 * the range's pages.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xmx4g"})
@Warmup(iterations = 3, time = 1, timeUnit = TimeUnit.SECONDS)
@Measurement(iterations = 5, time = 1, timeUnit = TimeUnit.SECONDS)
public class PageBackingBenchmark {
    static final int PAGE = PhysicalMemory.PAGE_SIZE;
    static final long BASE = 0x4000_0000L;

    /** A range of pages, each backed, swept one page per operation. */
    @State(Scope.Thread)
    public static class Sweep {
        /** Pages in the range: 16384 (64 MiB, cold in the cache) or 256 (1 MiB, warm). */
        @Param({"16384", "256"})
        int pages;

        PhysicalMemory memory;
        byte[] host;
        int next;

        @Setup(Level.Trial)
        public void setUp() {
            memory = new PhysicalMemory(List.of(new MemoryRegion(BASE, 2L * pages * PAGE, false)));
            for (int i = 0; i < pages; i++) {
                memory.writeLittleEndian(BASE + (long) i * PAGE + 8, 8, i + 1);
            }
            host = new byte[pages * PAGE];
            Arrays.fill(host, (byte) 1); // every piece dirty, as a chunk that backed another page is
        }

        int advance() {
            int i = next;
            next = i + 1 == pages ? 0 : i + 1;
            return i;
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            require(memory.backedBytes() == (long) pages * PAGE, "every page of the range is backed, no other: "
                    + memory.backedBytes());
            for (int i = 0; i < pages; i++) {
                long v = memory.readLittleEndian(BASE + (long) i * PAGE + 8, 8);
                require(v == i + 1, "page " + i + " holds a store: " + v);
                require(memory.isZero(BASE + (long) i * PAGE, 8), "page " + i + " was zeroed before its store");
            }
        }
    }

    /** Zero one page (its backing goes) and store 8 bytes to it (backed again, cleared). */
    @Benchmark
    public void rebackPage(Sweep s) {
        int i = s.advance();
        long page = BASE + (long) i * PAGE;
        s.memory.zero(page, PAGE);
        s.memory.writeLittleEndian(page + 8, 8, i + 1);
    }

    /** The host alone: clear a 4 KiB piece of a large array and store 8 bytes in it. */
    @Benchmark
    public byte clearHostChunk(Sweep s) {
        int at = s.advance() * PAGE;
        Arrays.fill(s.host, at, at + PAGE, (byte) 0);
        s.host[at + 8] = 1;
        return s.host[at + 100];
    }
}
