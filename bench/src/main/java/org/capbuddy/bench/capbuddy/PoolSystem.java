package org.capbuddy.bench.capbuddy;

import static org.capbuddy.bench.capbuddy.Checks.ok;
import static org.capbuddy.bench.capbuddy.Checks.require;

import org.capbuddy.kernel.Kernel;
import org.capbuddy.kernel.cost.CostSnapshot;
import org.capbuddy.kernel.invariant.InvariantReport;
import org.capbuddy.libos.bootstrap.Booted;
import org.capbuddy.libos.capbuddy.BuddyTree;
import org.capbuddy.libos.capbuddy.CapBuddyPool;
import org.capbuddy.libos.capbuddy.CapBuddyVka;
import org.capbuddy.libos.capbuddy.PoolConfig;
import org.capbuddy.libos.allocman.AllocmanAccounting;
import org.capbuddy.libos.machine.LibosMachine;
import org.capbuddy.libos.machine.MachineConfig;
import org.capbuddy.libos.capbuddy.PoolStats;

/**
 * A booted CapBuddy system for the pool benchmarks: a kernel in the CapBuddy configuration,
 * allocman, and a {@link CapBuddyVka} whose pool holds exactly {@code trees} live trees.
 *
 * <p>Boot: up to {@link #SINGLE_LEVEL_MAX_TREES} trees a 1 GiB board and allocman's single-level
 * CSpace (the 18-bit root CNode of {@link KernelConfig#capBuddy}); above that, a board of
 * {@code trees * 4 MiB + 2 GiB} and a two-level CSpace (16-bit root CNode as L1, L2 CNodes of
 * 2^10 slots, so each tree's 1024 slots are one L2 CNode), with a 1 MiB static pool for the L1
 * records (two bitmaps + 8 bytes per L1 entry: 528 KiB for 2^16 entries).
 *
 * <p>Warm-up, each step verified: 2^10-frame blocks are allocated until the pool has
 * {@code trees} trees (each such allocation must make exactly one new tree), all of them are
 * freed (with {@code spareTrees == trees} they all stay as spares), and then one 4 KiB frame is
 * allocated, by physical address, at offset 0 of each of the first {@code partlyUsed} trees, so
 * those trees are partly used (largest free block 2^9) and stay so for the whole run. Last,
 * {@link #JIT_ROUNDS} untimed alloc/free rounds put the JIT in the same state for every number of
 * trees (see {@link #equaliseJit}).
 */
final class PoolSystem {
    /** Largest tree count booted single-level on 1 GiB (1024 slots a tree in an 18-bit root CNode). */
    static final int SINGLE_LEVEL_MAX_TREES = 128;
    static final long SMALL_RAM = 1L << 30;
    static final int TWO_LEVEL_ROOT_BITS = 16;
    static final int TWO_LEVEL_L2_BITS = 10;
    static final long TWO_LEVEL_STATIC_POOL = 1L << 20;
    static final long SINGLE_LEVEL_STATIC_POOL = 64L << 10;
    /**
     * Set (in the forked JVM: {@code -jvmArgsAppend -Dcapbuddy.bench.fullInvariants=true}) to run
     * the kernel's invariant checker after trials with more than {@link #SINGLE_LEVEL_MAX_TREES}
     * trees too; it takes minutes there.
     */
    static final String FULL_INVARIANTS_PROPERTY = "capbuddy.bench.fullInvariants";

    /** Untimed alloc/free rounds at the end of every setup; see {@link #equaliseJit}. */
    static final int JIT_ROUNDS = 40_000;

    final int trees;
    final int partlyUsed;
    final Kernel kernel;
    final Booted booted;
    final CapBuddyVka vka;
    final CapBuddyPool pool;
    /** First frame cptr of each tree. */
    final long[] treeCptr;
    final long freeFramesAfterSetup;
    /** allocman's raw accounting (not settled: settling would give the spare trees back). */
    final AllocmanAccounting balanceAfterSetup;
    final CostSnapshot costsAfterSetup;
    final long setupNanos;

    private PoolSystem(int trees, int partlyUsed) {
        require(trees >= 1, "at least one tree");
        require(partlyUsed >= 0 && partlyUsed <= trees, "partlyUsed in 0..trees");
        this.trees = trees;
        this.partlyUsed = partlyUsed;
        long t0 = System.nanoTime();

        boolean single = trees <= SINGLE_LEVEL_MAX_TREES;
        long ram = single ? SMALL_RAM : trees * (4L << 20) + (2L << 30);
        MachineConfig mc = MachineConfig.original(ram).withPool(new PoolConfig(trees, PoolConfig.FreeCheck.TRUSTED));
        mc = single ? mc.withStaticPoolBytes(SINGLE_LEVEL_STATIC_POOL)
                : mc.twoLevel(TWO_LEVEL_ROOT_BITS, TWO_LEVEL_L2_BITS).withStaticPoolBytes(TWO_LEVEL_STATIC_POOL);
        LibosMachine machine = ok("boot (" + mc + ")", LibosMachine.boot(mc));
        kernel = machine.kernel();
        booted = machine.booted();
        vka = machine.pool().orElseThrow();
        pool = vka.pool();
        long t1 = System.nanoTime();

        // 1. Make the trees: a fresh pool has no free 2^10 block, so each order-10 alloc makes one tree.
        treeCptr = new long[trees];
        for (int i = 0; i < trees; i++) {
            require(pool.treeCount() == i, "tree count " + pool.treeCount() + " before making tree " + i);
            treeCptr[i] = ok("alloc 2^10 frames #" + i, pool.alloc(BuddyTree.MAX_ORDER, CapBuddyPool.NO_PADDR, false));
            require(pool.treeCount() == i + 1, "alloc 2^10 #" + i + " made exactly one tree");
            require(pool.largestFreeOrder() == -1, "every tree full after alloc 2^10 #" + i);
        }
        require(pool.treeCount() == trees, "treeCount() == " + trees);
        long t2 = System.nanoTime();

        // 2. Free them all: they stay as spares (spareTrees == trees).
        for (int i = 0; i < trees; i++) {
            ok("free 2^10 frames #" + i, pool.free(treeCptr[i], BuddyTree.MAX_ORDER));
        }
        PoolStats st = pool.stats();
        require(pool.treeCount() == trees && st.trees() == trees, "all trees kept after freeing: " + st);
        require(st.spareTrees() == trees, "all trees spare: " + st);
        require(st.freeFrames() == (long) trees * BuddyTree.FRAMES, "all frames free: " + st);
        require(pool.largestFreeOrder() == BuddyTree.MAX_ORDER, "a 2^10 block free");

        // 3. One 4 KiB frame at offset 0 of each of the first partlyUsed trees.
        for (int i = 0; i < partlyUsed; i++) {
            long paddr = ok("paddrOf tree " + i, pool.paddrOf(treeCptr[i]));
            long got = ok("alloc 4 KiB at 0x" + Long.toHexString(paddr), pool.alloc(0, paddr, false));
            require(got == treeCptr[i], "frame at offset 0 of tree " + i + " is cptr " + treeCptr[i] + ", got " + got);
        }
        st = pool.stats();
        require(st.trees() == trees, "tree count unchanged: " + st);
        require(st.spareTrees() == trees - partlyUsed, "spares == trees - partlyUsed: " + st);
        require(st.freeFrames() == (long) trees * BuddyTree.FRAMES - partlyUsed, "free frames: " + st);
        require(pool.largestFreeOrder() == (partlyUsed == trees ? BuddyTree.MAX_ORDER - 1 : BuddyTree.MAX_ORDER),
                "largest free order with " + partlyUsed + " of " + trees + " trees partly used");
        freeFramesAfterSetup = st.freeFrames();
        equaliseJit();
        st = pool.stats();
        require(st.trees() == trees && st.freeFrames() == freeFramesAfterSetup
                && st.spareTrees() == trees - partlyUsed, "pool unchanged by the JIT rounds: " + st);
        long t3 = System.nanoTime();

        balanceAfterSetup = booted.allocman().accounting();
        costsAfterSetup = kernel.costs();
        setupNanos = System.nanoTime() - t0;
        // Setup leaves gigabytes of garbage with 16384 trees; collect it now so that the
        // collector's concurrent work does not run (on one of few CPUs) during the measurement.
        System.gc();
        System.out.printf("%n[PoolSystem] trees=%d (%s, RAM %d MiB), partlyUsed=%d: boot+bootstrap %.0f ms, "
                        + "make trees %.0f ms, free+prefill %.0f ms, total setup %.0f ms; heap used %d MiB%n",
                trees, single ? "single-level" : "two-level", ram >> 20, partlyUsed, (t1 - t0) / 1e6,
                (t2 - t1) / 1e6, (t3 - t2) / 1e6, setupNanos / 1e6, usedHeapMiB());
    }

    /**
     * Brings the JIT to the same state whatever the number of trees. With many trees, setup calls
     * {@code alloc} and {@code free} tens of thousands of times, so C2 compiles them as methods of
     * their own before the benchmark loop is compiled, and then does not inline them into it
     * ("already compiled into a big method"): the pair costs calls and a boxed result that escape
     * analysis would otherwise remove. With one tree setup makes a few calls only, they get inlined,
     * and the pair looks about twice as cheap for a reason that has nothing to do with the pool.
     * So every setup ends with {@link #JIT_ROUNDS} untimed rounds of mixed allocations and frees
     * (no tree is made or given back; the pool ends exactly as it was).
     */
    private void equaliseJit() {
        int first = partlyUsed > 0 ? 0 : trees - 1; // a tree with frame 0 taken, or the free one
        long paddr0 = ok("paddrOf", pool.paddrOf(treeCptr[first]));
        for (int i = 0; i < JIT_ROUNDS; i++) {
            int order = i % BuddyTree.MAX_ORDER; // 0..9: fits in every tree without making one
            long cptr = ok("JIT round alloc 2^" + order, pool.alloc(order, CapBuddyPool.NO_PADDR, false));
            ok("JIT round free 2^" + order, pool.free(cptr, order));
            long at = paddr0 + (1L << (CapBuddyPool.FRAME_BITS + BuddyTree.MAX_ORDER - 1)); // upper half of the tree
            long c2 = ok("JIT round alloc at paddr", pool.alloc(0, at, false));
            ok("JIT round free at paddr", pool.free(c2, 0));
        }
    }

    /** A pool with {@code trees} trees, every one partly used (one 4 KiB frame taken in each). */
    static PoolSystem allPartlyUsed(int trees) {
        return new PoolSystem(trees, trees);
    }

    /**
     * A pool with {@code trees} trees, all but the last partly used, so that a 2^10 block can be
     * served by the one fully free (spare) tree without making a tree.
     */
    static PoolSystem allButOnePartlyUsed(int trees) {
        return new PoolSystem(trees, trees - 1);
    }

    /**
     * After the trial: the pool must be exactly as setup left it (same trees, same free frames),
     * the timed pool calls must not have invoked the kernel, allocman must be balanced, and the
     * kernel's invariants must hold (checked for small systems only unless
     * {@link #FULL_INVARIANTS_PROPERTY} is set: with 16384 trees the check takes over 2 minutes).
     */
    void verifyUnchanged() {
        PoolStats st = pool.stats();
        require(st.trees() == trees && st.freeFrames() == freeFramesAfterSetup && st.spareTrees() == trees - partlyUsed,
                "pool back to its setup state after the trial: " + st);
        CostSnapshot d = kernel.costs().minus(costsAfterSetup);
        require(d.totalInvocations() == 0, "pool calls made no kernel invocation: " + d);
        require(booted.allocman().accounting().equals(balanceAfterSetup), "allocman's accounting unchanged");
        if (trees > SINGLE_LEVEL_MAX_TREES && !Boolean.getBoolean(FULL_INVARIANTS_PROPERTY)) {
            System.out.printf("%n[PoolSystem] trees=%d verified after trial (pool, kernel counters, allocman); "
                    + "kernel invariant check skipped (about 2 min with 16M frame caps; -D%s=true to run it)%n",
                    trees, FULL_INVARIANTS_PROPERTY);
            return;
        }
        long t0 = System.nanoTime();
        InvariantReport report = kernel.checkInvariants();
        require(report.ok(), "kernel invariants: " + report);
        System.out.printf("%n[PoolSystem] trees=%d verified after trial (invariant check %.0f ms)%n", trees,
                (System.nanoTime() - t0) / 1e6);
    }

    static long usedHeapMiB() {
        Runtime rt = Runtime.getRuntime();
        return (rt.totalMemory() - rt.freeMemory()) >> 20;
    }
}
