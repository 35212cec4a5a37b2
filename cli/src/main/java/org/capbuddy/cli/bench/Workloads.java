package org.capbuddy.cli.bench;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.LongConsumer;
import org.capbuddy.kernel.api.ObjectType;
import org.capbuddy.libos.capbuddy.PoolStats;
import org.capbuddy.libos.policy.UntypedRun;
import org.capbuddy.libos.vka.CSpacePath;
import org.capbuddy.libos.vka.Result;
import org.capbuddy.libos.vka.VkaObject;
import org.capbuddy.libos.vka.VkaObjects;

/** The benchmark workloads, each run once per allocator on a fresh machine with the same seed. */
final class Workloads {
    private Workloads() {
    }

    /**
     * The Monte Carlo experiment of the original (mcmc-default.c): each iteration draws a block
     * size, allocates the block and gives it a lifetime uniform over 1..lifetime-1 iterations;
     * blocks whose time is up are freed first. Runs to the iteration count or the first failure;
     * a run a refusal stopped then probes what is left with its blocks still live, as MURbench's
     * buddy_test does (outside the measured figures): the largest untyped allocman could still
     * give and the pool's free blocks by size.
     */
    static AllocatorRun mcmc(BenchSystem sys, long seed, long iterations, Distribution dist, int lifetime,
                             LongConsumer progress) {
        SplittableRandom random = new SplittableRandom(seed);
        Map<Long, List<BenchSystem.Block>> dueAt = new HashMap<>();
        List<long[]> footprint = new ArrayList<>();
        long sampleEvery = Math.max(1, iterations / 500);
        long live = 0;
        long frames = 0;
        long reached = 0;
        boolean completed = true;
        sys.startMeasuring();
        for (long it = 1; it <= iterations; it++) {
            List<BenchSystem.Block> expiring = dueAt.remove(it);
            if (expiring != null) {
                for (BenchSystem.Block b : expiring) {
                    sys.free(b);
                    live -= b.requested();
                }
            }
            int size = dist.draw(random);
            long life = 1 + random.nextInt(Math.max(1, lifetime - 1));
            BenchSystem.Block b = sys.alloc(size);
            if (b == null) {
                completed = false;
                break;
            }
            dueAt.computeIfAbsent(it + life, k -> new ArrayList<>()).add(b);
            live += size;
            frames += size;
            reached = it;
            if (it % sampleEvery == 0) {
                footprint.add(new long[] {it, live, sys.heldBytes()});
            }
            progress.accept(1);
        }
        AllocatorRun run = sys.finish(frames, reached, WorkUnit.ITERATION, completed, footprint, List.of(), Map.of());
        if (!completed) {
            Map<String, Double> left = new HashMap<>();
            List<Long> freeBlocks = probeLeftovers(sys, left);
            left.put("liveFramesAtStop", (double) live);
            run = run.withLeftovers(freeBlocks, left);
        }
        dueAt.values().forEach(list -> list.forEach(sys::free));
        return run;
    }

    /** 2^n single 4 KiB frames allocated, then all freed: the average cost per frame. */
    static AllocatorRun single(BenchSystem sys, int n, LongConsumer progress) {
        List<BenchSystem.Block> blocks = new ArrayList<>();
        boolean completed = true;
        sys.startMeasuring();
        for (long i = 0; i < (1L << n); i++) {
            BenchSystem.Block b = sys.alloc(1);
            if (b == null) {
                completed = false;
                break;
            }
            blocks.add(b);
            progress.accept(1);
        }
        for (BenchSystem.Block b : blocks) {
            sys.free(b);
        }
        return sys.finish(blocks.size(), blocks.size(), WorkUnit.FRAME, completed, List.of(), List.of(), Map.of());
    }

    /**
     * Contiguous blocks of 2^k frames, k = 0..10, {@code rounds} times each: from the pool (one
     * request), or the stock way for contiguous frames (an untyped of the block's size, 2^k
     * contiguous slots and one Retype into 2^k frames; freed by revoke, slots and untyped back).
     * Its unit of work is a block, allocated and freed: the run reaches 11 x {@code rounds} blocks
     * (and 2^11 - 1 frames a round of every size).
     */
    static AllocatorRun contiguous(BenchSystem sys, int rounds, LongConsumer progress) {
        long frames = 0;
        long blocks = 0;
        boolean completed = true;
        Map<String, Double> extra = new HashMap<>();
        sys.startMeasuring();
        outer:
        for (int k = 0; k <= 10; k++) {
            var before = sys.kernel.costs();
            for (int r = 0; r < rounds; r++) {
                if (sys.policy != null || sys.pool != null) {
                    // a policy's block, or the pool's in one request (contiguous asks it so)
                    BenchSystem.Block b = sys.alloc(1 << k);
                    if (b == null) {
                        completed = false;
                        break outer;
                    }
                    sys.free(b);
                } else if (!stockContiguous(sys, k)) {
                    completed = false;
                    break outer;
                }
                frames += 1L << k;
                blocks++;
                progress.accept(1);
            }
            extra.put("invocationsPerBlock.2^" + k,
                    sys.kernel.costs().minus(before).totalInvocations() / (double) rounds);
        }
        return sys.finish(frames, blocks, WorkUnit.BLOCK, completed, List.of(), List.of(), extra);
    }

    /**
     * The stock way for one block, its allocation (untyped, slots, Retype) and its free (revoke,
     * slots and untyped back) measured apart as {@link BenchSystem#alloc} and {@link
     * BenchSystem#free} measure theirs; false (with the refusal recorded) when a step is refused.
     */
    private static boolean stockContiguous(BenchSystem sys, int k) {
        UntypedRun[] block = new UntypedRun[1];
        boolean made = sys.allocMeasured(1L << k, () -> {
            Result<UntypedRun> taken = UntypedRun.take(sys.vka, k);
            if (!taken.isOk()) {
                sys.refused(taken.error());
                return false;
            }
            CSpacePath p = taken.value().slots();
            var r = sys.vka.sel4().untypedRetype(taken.value().untyped().cptr(), ObjectType.SMALL_PAGE, 12, p.root(),
                    p.dest(), p.destDepth(), p.offset(), 1L << k);
            if (!r.isOk()) {
                taken.value().giveBack(sys.vka);
                sys.refused(org.capbuddy.libos.vka.AllocError.kernel("Retype of 2^" + k + " frames", r));
                return false;
            }
            block[0] = taken.value();
            return true;
        });
        if (made) {
            sys.freeMeasured(1L << k, () -> {
                var path = sys.vka.cspaceMakePath(block[0].untyped().cptr());
                sys.vka.sel4().cnodeRevoke(path.root(), path.capPtr(), path.capDepth());
                block[0].giveBack(sys.vka);
            });
        }
        return made;
    }

    /**
     * 4 KiB frames until a request is refused (the fraction of RAM that became frames); then a
     * seeded random half of them freed, to show what fragmentation leaves: the largest untyped
     * still allocatable and the pool's free blocks by size (probed outside the measured figures). The fraction measures memory only when
     * the stop reason is memory exhausted; the report flags any other stop.
     */
    static AllocatorRun utilisation(BenchSystem sys, long seed, LongConsumer progress) {
        List<BenchSystem.Block> blocks = new ArrayList<>();
        sys.startMeasuring();
        while (true) {
            BenchSystem.Block b = sys.alloc(1);
            if (b == null) {
                break;
            }
            blocks.add(b);
            if (blocks.size() % 1024 == 0) {
                progress.accept(1024);
            }
        }
        Map<String, Double> extra = new HashMap<>();
        long ram = sys.kernel.bootInfo().ramUntypedBytes();
        extra.put("usableFraction", blocks.size() * 4096.0 / ram);
        long allocatedAtExhaustion = blocks.size();
        SplittableRandom random = new SplittableRandom(seed);
        java.util.Collections.shuffle(blocks, new java.util.Random(random.nextLong()));
        List<BenchSystem.Block> freed = new ArrayList<>(blocks.subList(0, blocks.size() / 2));
        blocks.subList(0, blocks.size() / 2).clear();
        for (BenchSystem.Block b : freed) {
            sys.free(b);
        }
        extra.put("framesFreedAfterExhaustion", (double) freed.size());
        AllocatorRun run = sys.finish(allocatedAtExhaustion, allocatedAtExhaustion, WorkUnit.FRAME, false, List.of(),
                List.of(), extra);
        // the probe after the measurement, as mcmc's: its untyped's Retype and Delete are not the workload's
        Map<String, Double> left = new HashMap<>();
        run = run.withLeftovers(probeLeftovers(sys, left), left);
        for (BenchSystem.Block b : blocks) {
            sys.free(b);
        }
        return run;
    }

    /**
     * What is left to allocate: the largest untyped allocman can still give (2^30 down to 2^4
     * bytes; 0 when none) and, for the pool, its trees, its largest free block (0 when none) and
     * its free blocks by size (returned). The
     * probe's untyped is given back, so the machine is as it was.
     */
    private static List<Long> probeLeftovers(BenchSystem sys, Map<String, Double> extra) {
        int largest = 0;
        for (int bits = 30; bits >= 4; bits--) {
            Result<VkaObject> ut = VkaObjects.allocUntyped(sys.vka, bits);
            if (ut.isOk()) {
                largest = bits;
                VkaObjects.free(sys.vka, ut.value());
                break;
            }
        }
        extra.put("largestAllocatableUntypedBits", (double) largest);
        if (sys.pool == null) {
            return List.of();
        }
        PoolStats stats = sys.pool.pool().stats();
        extra.put("poolTrees", (double) stats.trees());
        List<Long> free = stats.freeBlocksByOrder();
        int largestFree = -1;
        for (int k = 0; k < free.size(); k++) {
            largestFree = free.get(k) > 0 ? k : largestFree;
        }
        extra.put("poolLargestFreeBlockFrames", largestFree < 0 ? 0.0 : (double) (1L << largestFree));
        return free;
    }
}
