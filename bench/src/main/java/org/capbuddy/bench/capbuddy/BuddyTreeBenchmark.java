package org.capbuddy.bench.capbuddy;

import java.util.concurrent.TimeUnit;
import org.capbuddy.libos.capbuddy.BuddyTree;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The part of {@link PoolBenchmark#allocFree4k} that is one tree's buddy structure alone: a
 * {@link BuddyTree} with frame 0 taken (the shape of every pool tree in that benchmark), then
 * {@code allocate(0)} + {@code free(offset, 0)}, with no pool, size classes, tree lookup or
 * {@code Result}s. A lower bound for the pool pair, to see where its time goes.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1, timeUnit = TimeUnit.SECONDS)
@Measurement(iterations = 5, time = 1, timeUnit = TimeUnit.SECONDS)
public class BuddyTreeBenchmark {

    @State(Scope.Thread)
    public static class OneTree {
        BuddyTree tree;

        @Setup(Level.Trial)
        public void setUp() {
            tree = new BuddyTree();
            Checks.require(tree.allocate(0) == 0, "frame 0 taken");
            Checks.require(tree.largestFreeOrder() == BuddyTree.MAX_ORDER - 1, "largest free 2^9");
        }

        @TearDown(Level.Trial)
        public void verify() {
            Checks.require(tree.freeFrames() == BuddyTree.FRAMES - 1 && tree.largestFreeOrder() == BuddyTree.MAX_ORDER - 1,
                    "tree back to one frame taken");
        }
    }

    /** BuddyTree.allocate(0) + free(offset, 0). */
    @Benchmark
    public void allocFree4k(OneTree s, Blackhole bh) {
        BuddyTree tree = s.tree;
        int offset = tree.allocate(0);
        if (offset < 0) {
            throw new IllegalStateException("allocate(0) failed");
        }
        int freed = tree.free(offset, 0);
        if (freed != BuddyTree.OK) {
            throw new IllegalStateException("free(" + offset + ", 0) failed: " + freed);
        }
        bh.consume(offset);
    }
}
