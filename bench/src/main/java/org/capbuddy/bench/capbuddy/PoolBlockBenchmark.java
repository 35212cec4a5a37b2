package org.capbuddy.bench.capbuddy;

import static org.capbuddy.bench.capbuddy.Checks.ok;

import java.util.concurrent.TimeUnit;
import org.capbuddy.libos.capbuddy.CapBuddyPool;
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
 * Cost of {@code pool.alloc(order, NO_PADDR, false)} + {@code pool.free(cptr, order)} for blocks
 * of 2^order frames (order 0: 4 KiB, 4: 64 KiB, 10: 4 MiB, a whole tree), with {@code trees} live
 * trees. Setup ({@link PoolSystem#allButOnePartlyUsed}): all trees but the last have one 4 KiB
 * frame taken (largest free block 2^9); the last is fully free (a spare), so an order-10 block
 * is served by that spare tree without making a tree (it goes back to being a spare on free; with
 * {@code spareTrees == trees} it is never given back). Orders 0 and 4 are served, best fit, from
 * a partly used tree; with {@code trees == 1} the only tree is the fully free one, so every order
 * takes a block from it and the free coalesces it back to whole.
 *
 * <p>Results are checked inside the timed method; after the trial the pool must be back to its
 * setup state, with no kernel invocation since setup and the kernel's invariants holding
 * (see {@link PoolSystem#verifyUnchanged}).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xmx10g"})
@Warmup(iterations = 3, time = 1, timeUnit = TimeUnit.SECONDS)
@Measurement(iterations = 5, time = 1, timeUnit = TimeUnit.SECONDS)
public class PoolBlockBenchmark {

    @State(Scope.Thread)
    public static class Pool {
        @Param({"1", "16384"})
        int trees;

        @Param({"0", "4", "10"})
        int order;

        PoolSystem system;
        CapBuddyPool pool;

        @Setup(Level.Trial)
        public void setUp() {
            system = PoolSystem.allButOnePartlyUsed(trees);
            pool = system.pool;
            int before = pool.treeCount();
            long cptr = ok("alloc 2^" + order, pool.alloc(order, CapBuddyPool.NO_PADDR, false));
            Checks.require(pool.treeCount() == before, "alloc 2^" + order + " served without making a tree");
            ok("free 2^" + order, pool.free(cptr, order));
        }

        @TearDown(Level.Trial)
        public void verify() {
            system.verifyUnchanged();
        }
    }

    /** pool.alloc(order) + pool.free(cptr, order). */
    @Benchmark
    public void allocFreeBlock(Pool s, Blackhole bh) {
        CapBuddyPool pool = s.pool;
        int order = s.order;
        long cptr = ok("pool.alloc(order)", pool.alloc(order, CapBuddyPool.NO_PADDR, false));
        bh.consume(cptr);
        bh.consume(ok("pool.free(cptr, order)", pool.free(cptr, order)));
    }
}
