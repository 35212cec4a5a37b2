package org.capbuddy.bench.peer;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PoolArenaMetric;
import io.netty.buffer.PooledByteBufAllocator;
import java.util.concurrent.TimeUnit;
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
import org.openjdk.jmh.infra.Blackhole;

/**
 * External peer for {@link org.capbuddy.bench.capbuddy.PoolBlockBenchmark}: cost of
 * {@code alloc.heapBuffer(size, size)} + {@code buf.release()} on Netty's
 * {@link PooledByteBufAllocator}, for {@code size = 4096 << order} bytes (order 0: 4 KiB,
 * 4: 64 KiB, 10: 4 MiB), i.e. the same runs of 2^order 4 KiB pages that the CapBuddy pool serves
 * as blocks of 2^order frames.
 *
 * <p>The allocator has one heap arena and no direct arena, pageSize 4096 and maxOrder 10, so a
 * chunk is 4 MiB, the size of one CapBuddy tree, and an order-10 request is a whole chunk (still
 * a pooled "normal" allocation, not an unpooled "huge" one).
 *
 * <ul>
 *   <li>{@code threadCache = off}: smallCacheSize = normalCacheSize = 0 and
 *       useCacheForAllThreads = false, so no thread-local cache is used and every allocate and
 *       release goes to the arena (with its locking) and the chunk's run allocator. This is the
 *       comparison with the CapBuddy pool, which has no per-thread cache. (Netty 4.1 has no
 *       separate tiny cache any more; the tinyCacheSize argument would be ignored.)
 *   <li>{@code threadCache = on}: Netty's default cache sizes ({@link
 *       PooledByteBufAllocator#defaultSmallCacheSize()}, {@link
 *       PooledByteBufAllocator#defaultNormalCacheSize()}) with useCacheForAllThreads = true (the
 *       JMH thread is not a FastThreadLocalThread). Netty caches only buffers up to
 *       {@code io.netty.allocator.maxCachedBufferCapacity} (32 KiB by default), so here only order
 *       0 is served from the cache; orders 4 and 10 behave as with the cache off.
 * </ul>
 *
 * <p>Setup warms the arena: it allocates {@value #WARM} buffers of the size and releases them
 * all, so chunks and size-class metadata exist and the code paths are loaded before the trial.
 * (Measured outside JMH: order-10 operations do not make a new chunk each time; 300,000 of them
 * ran without a single GC.)
 *
 * <p>Comparable: both serve runs of 4 KiB pages out of 4 MiB regions with a buddy/run structure
 * (Netty's PoolChunk run allocator, CapBuddy's buddy tree), with an allocate and a release per
 * operation, and neither touches the contents of the pages. Not comparable: Netty hands out Java
 * heap memory (a slice of a {@code byte[]} chunk, wrapped in a recycled {@code PooledHeapByteBuf}
 * with reference counting and leak-detection sampling), whereas CapBuddy hands out capabilities to
 * kernel frames and keeps capability bookkeeping that Netty has no counterpart for. Netty's 4 KiB
 * request also goes through its "small" (subpage) path, since Netty serves sizes below 4 pages as
 * subpage size classes (setup checks this); 64 KiB and 4 MiB take the page run ("normal") path.
 *
 * <p>After the trial, with the cache off, every buffer must have been released and the arena must
 * have served every allocation (warm-up plus one per operation).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xmx10g"})
@Warmup(iterations = 3, time = 1, timeUnit = TimeUnit.SECONDS)
@Measurement(iterations = 5, time = 1, timeUnit = TimeUnit.SECONDS)
public class NettyPooledBenchmark {

    static final int PAGE_SIZE = 4096;
    static final int MAX_ORDER = 10;
    static final int CHUNK_SIZE = PAGE_SIZE << MAX_ORDER;
    /** Buffers allocated, then released, in setup (order 10: 256 chunks, 1 GiB). */
    static final int WARM = 256;

    @State(Scope.Thread)
    public static class Pool {
        @Param({"0", "4", "10"})
        int order;

        /** off: no thread-local cache (the fair comparison); on: Netty's default thread cache. */
        @Param({"off", "on"})
        String threadCache;

        int size;
        PooledByteBufAllocator alloc;
        long ops;

        @Setup(Level.Trial)
        public void setUp() {
            size = PAGE_SIZE << order;
            boolean cache;
            switch (threadCache) {
                case "off": cache = false; break;
                case "on": cache = true; break;
                default: throw new IllegalArgumentException("threadCache: " + threadCache);
            }
            alloc = new PooledByteBufAllocator(
                    false,                                                   // preferDirect
                    1,                                                       // nHeapArena
                    0,                                                       // nDirectArena
                    PAGE_SIZE,
                    MAX_ORDER,
                    cache ? PooledByteBufAllocator.defaultSmallCacheSize() : 0,
                    cache ? PooledByteBufAllocator.defaultNormalCacheSize() : 0,
                    cache);                                                  // useCacheForAllThreads
            ByteBuf[] bufs = new ByteBuf[WARM];
            for (int i = 0; i < bufs.length; i++) {
                bufs[i] = alloc.heapBuffer(size, size);
                require(bufs[i].capacity() == size, "capacity " + bufs[i].capacity() + " != " + size);
            }
            for (ByteBuf b : bufs) {
                require(b.release(), "release frees the buffer");
            }
            PoolArenaMetric arena = arena();
            require(arena.numHugeAllocations() == 0, "order " + order + " is pooled, not huge");
            require(order == 0 ? arena.numSmallAllocations() > 0 : arena.numNormalAllocations() > 0,
                    "order " + order + (order == 0 ? " is small (subpage)" : " is normal (page run)"));
            ops = 0;
        }

        PoolArenaMetric arena() {
            require(alloc.metric().numHeapArenas() == 1 && alloc.metric().numDirectArenas() == 0,
                    "one heap arena, no direct arena");
            return alloc.metric().heapArenas().get(0);
        }

        @TearDown(Level.Trial)
        public void verify() {
            PoolArenaMetric arena = arena();
            require(arena.numHugeAllocations() == 0, "no huge allocation");
            if ("off".equals(threadCache)) {
                require(alloc.metric().smallCacheSize() == 0 && alloc.metric().normalCacheSize() == 0,
                        "no thread cache");
                require(arena.numActiveAllocations() == 0,
                        "all released, active = " + arena.numActiveAllocations());
                require(arena.numAllocations() == WARM + ops,
                        "every op went to the arena: " + arena.numAllocations() + " != " + WARM + " + " + ops);
            }
            // With the cache on, buffers parked in the thread cache still count as active in the
            // arena's metrics, so there is no exact check there.
        }
    }

    /** alloc.heapBuffer(size, size) + buf.release(). */
    @Benchmark
    public void allocateRelease(Pool s, Blackhole bh) {
        ByteBuf buf = s.alloc.heapBuffer(s.size, s.size);
        bh.consume(buf);
        bh.consume(buf.release());
        s.ops++;
    }

    static void require(boolean cond, String what) {
        if (!cond) {
            throw new IllegalStateException(what);
        }
    }
}
