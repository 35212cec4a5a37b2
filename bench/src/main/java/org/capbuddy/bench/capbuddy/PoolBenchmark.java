package org.capbuddy.bench.capbuddy;

import static org.capbuddy.bench.capbuddy.Checks.ok;

import java.util.concurrent.TimeUnit;
import org.capbuddy.libos.capbuddy.CapBuddyPool;
import org.capbuddy.libos.capbuddy.CapBuddyVka;
import org.capbuddy.libos.vka.CSpacePath;
import org.capbuddy.libos.vka.Result;
import org.capbuddy.libos.vka.VkaObject;
import org.capbuddy.libos.vka.VkaObjects;
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
 * Cost of taking one 4 KiB frame from the CapBuddy pool and giving it back, with {@code trees}
 * live trees, every one of them partly used (see {@link PoolSystem}: one frame taken at offset 0
 * of each tree in setup, so each tree's largest free block is 2^9 frames and no tree is spare).
 * Pool: {@code spareTrees == trees}, no unmapped check on free. No call here reaches the kernel.
 *
 * <ul>
 *   <li>{@link #allocFree4k} (main figure): {@code pool.alloc(0, NO_PADDR, false)} and
 *       {@code pool.free(cptr, 0)} on the raw first-frame cptr.
 *   <li>{@link #vkaAllocFree4k}: the same pair through the vka's pool calls,
 *       {@code utspaceTryAllocFromPool(12, -1, false)} (which also builds a {@link CSpacePath}
 *       with a window) and {@code utspaceTryFreeFromPool(capPtr, 0)}.
 *   <li>{@link #vkaObjectsFrame}: {@code VkaObjects.allocFrame(vka, 12)} and
 *       {@code VkaObjects.free}: the generic object helpers, which take the pool path (a
 *       {@link VkaObject} with the pool cookie); directly comparable to
 *       {@link PlainAllocmanFrameBenchmark}.
 * </ul>
 *
 * Every result is checked inside the timed method (a failure throws), and after the trial the
 * pool must be back to its setup state, with no kernel invocation since setup, allocman's balance
 * unchanged and the kernel's invariants holding (see {@link PoolSystem#verifyUnchanged}).
 *
 * <p>Note: in steady state each pair allocates and frees the same frame of the same tree (the
 * head of the 2^9 size class), so the work per pair is one size-class lookup, one order-0 buddy
 * take (bitmap), one array lookup of the tree by the cptr's slot run and one order-0 buddy free;
 * the number of trees enters only through the size of that array (and cache footprint).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xmx10g"})
@Warmup(iterations = 3, time = 1, timeUnit = TimeUnit.SECONDS)
@Measurement(iterations = 5, time = 1, timeUnit = TimeUnit.SECONDS)
public class PoolBenchmark {

    @State(Scope.Thread)
    public static class Pool {
        @Param({"1", "16384"})
        int trees;

        PoolSystem system;
        CapBuddyPool pool;
        CapBuddyVka vka;

        @Setup(Level.Trial)
        public void setUp() {
            system = PoolSystem.allPartlyUsed(trees);
            pool = system.pool;
            vka = system.vka;
            // One untimed round of each benchmarked pair.
            long cptr = ok("alloc 4 KiB", pool.alloc(0, CapBuddyPool.NO_PADDR, false));
            ok("free 4 KiB", pool.free(cptr, 0));
            CSpacePath p = ok("vka pool alloc", vka.utspaceTryAllocFromPool(12, -1, false));
            ok("vka pool free", vka.utspaceTryFreeFromPool(p.capPtr(), 0));
            VkaObject f = ok("VkaObjects.allocFrame", VkaObjects.allocFrame(vka, 12));
            Checks.require(f.isPoolFrame(), "VkaObjects.allocFrame takes the pool path: " + f);
            ok("VkaObjects.free", VkaObjects.free(vka, f));
        }

        @TearDown(Level.Trial)
        public void verify() {
            system.verifyUnchanged();
        }
    }

    /** The allocation-free hot path: {@code tryAllocFrame()} + {@code free(cptr, 0)}. */
    @Benchmark
    public void fastPathFree4k(Pool s, Blackhole bh) {
        long cptr = s.pool.tryAllocFrame();
        if (cptr < 0) {
            throw new IllegalStateException("fast path found no free frame");
        }
        bh.consume(ok("pool.free(cptr, 0)", s.pool.free(cptr, 0)));
    }

    /** Main figure: pool.alloc(order 0) + pool.free(cptr, 0). */
    @Benchmark
    public void allocFree4k(Pool s, Blackhole bh) {
        CapBuddyPool pool = s.pool;
        Result<Long> a = pool.alloc(0, CapBuddyPool.NO_PADDR, false);
        long cptr = ok("pool.alloc(0)", a);
        bh.consume(cptr);
        bh.consume(ok("pool.free(cptr, 0)", pool.free(cptr, 0)));
    }

    /** The same pair through the vka API: Result + CSpacePath objects. */
    @Benchmark
    public void vkaAllocFree4k(Pool s, Blackhole bh) {
        CapBuddyVka vka = s.vka;
        CSpacePath path = ok("utspaceTryAllocFromPool(12)", vka.utspaceTryAllocFromPool(12, -1, false));
        bh.consume(path);
        bh.consume(ok("utspaceTryFreeFromPool(cptr, 0)", vka.utspaceTryFreeFromPool(path.capPtr(), 0)));
    }

    /** A 4 KiB frame through the generic vka object helpers, served by the pool. */
    @Benchmark
    public void vkaObjectsFrame(Pool s, Blackhole bh) {
        VkaObject frame = ok("VkaObjects.allocFrame(12)", VkaObjects.allocFrame(s.vka, 12));
        bh.consume(frame);
        bh.consume(ok("VkaObjects.free", VkaObjects.free(s.vka, frame)));
    }
}
