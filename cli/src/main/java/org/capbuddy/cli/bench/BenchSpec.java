package org.capbuddy.cli.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.capbuddy.cli.common.ByteSize;
import org.capbuddy.cli.common.CSpaceChoice;
import org.capbuddy.kernel.boot.Board;
import org.capbuddy.kernel.cost.CycleCostModel;
import org.capbuddy.libos.capbuddy.PoolConfig;
import org.capbuddy.libos.machine.MachineConfig;
import org.capbuddy.libos.policy.FramePolicies;
import org.capbuddy.libos.policy.FramePolicyProvider;
import org.capbuddy.libos.vka.Result;

/**
 * Everything a {@code capbuddy bench} run depends on, with every default filled in: the workload,
 * the allocators, the seed and each option the workload takes (the ones it does not take are
 * null). Every report carries it, and {@code capbuddy bench --spec FILE} runs it again, getting
 * the same counts: the machine, the cost model and the pool's settings follow from it (the report
 * writes them out beside it).
 *
 * @param experiment the original's experiment this run reproduces ({@code bench murbench} and the
 *     like: an mcmc preset), which names its files and charts; null for none
 * @param iterations mcmc: iterations; single: frames (a power of two up to 2^15); contiguous:
 *     rounds per block size; null for utilisation and paging
 * @param distribution mcmc only: p1, p2 or p3
 * @param lifetime mcmc only: a block lives uniform 1..lifetime-1 iterations
 * @param poolRequests mcmc only: how the pool is asked for a block, {@code blocks} (one request
 *     for the whole block, as mcmc-default.c asks) or {@code frames} (one 4 KiB request a frame,
 *     as mcmc.c and MURbench ask); absent in an mcmc spec means blocks
 * @param ram each machine's RAM in bytes
 * @param cspace allocman's CSpace: scaled or original
 * @param touch paging only: bytes of one process's memory touched, a page at a time
 * @param access paging only: read or write
 * @param treePolicy the pool's: return-spares (fully free trees beyond the spares go back to
 *     allocman, this model's default) or keep-all (no tree ever goes back, as in the original)
 * @param spareTrees with return-spares, the fully free trees the pool keeps (0..1024); null
 *     with keep-all
 * @param repeat runs of each allocator, each on a fresh machine (1..1000; absent means 1): wall
 *     time is reported over them, and their exact counts must agree
 * @param costModel the cycle cost model's constants (absent means the documented default)
 * @param rootCNodeBits allocman's root CNode radix in place of the one {@code cspace} sizes for
 *     the RAM; null for that one
 * @param fanOut the retype fan-out limit in place of 1024; null for 1024
 */
public record BenchSpec(String workload, String experiment, List<String> allocators, long seed, Long iterations, String distribution,
        Integer lifetime, String poolRequests, long ram, String cspace, Long touch, String access, String treePolicy,
        Integer spareTrees, Integer repeat, CycleCostModel costModel, Integer rootCNodeBits, Integer fanOut) {

    /** The most repeats a run takes. */
    public static final int MAX_REPEAT = 1000;

    /** The tree policies, as the spec names them. */
    public static final String RETURN_SPARES = "return-spares";
    public static final String KEEP_ALL = "keep-all";

    /** The workloads, as the command line names them. */
    public static final List<String> WORKLOADS = List.of("mcmc", "single", "contiguous", "utilisation", "paging");

    /** The pool's request modes, as the spec names them. */
    public static final String BLOCK_REQUESTS = "blocks";
    public static final String FRAME_REQUESTS = "frames";

    public BenchSpec {
        if (poolRequests == null && "mcmc".equals(workload)) {
            poolRequests = BLOCK_REQUESTS;
        }
        allocators = allocators == null ? null : List.copyOf(allocators);
        if (repeat == null) {
            repeat = 1;
        }
        if (costModel == null) {
            costModel = CycleCostModel.DEFAULT;
        }
    }

    /** Why this spec cannot run, or null when it can; names the option at fault as the command line spells it. */
    public String problem() {
        if (workload == null) {
            return "no workload: give one (mcmc, single, contiguous, utilisation or paging; on the command line also"
                    + " an original experiment: " + String.join(", ", OriginalExperiment.names()) + ")";
        }
        if (!WORKLOADS.contains(workload)) {
            return "WORKLOAD must be mcmc, single, contiguous, utilisation or paging (or on the command line an"
                    + " original experiment: " + String.join(", ", OriginalExperiment.names()) + "), got '" + workload + "'";
        }
        if (experiment != null && (OriginalExperiment.named(experiment).isEmpty() || !workload.equals("mcmc"))) {
            return "experiment must be one of " + String.join(", ", OriginalExperiment.names())
                    + ", an mcmc run, got '" + experiment + "' on " + workload;
        }
        if (allocators == null || allocators.isEmpty() || allocators.stream().distinct().count() != allocators.size()) {
            return "--allocator must be capbuddy, allocman, both, or a list of allocators each named once, got "
                    + allocators;
        }
        for (String a : allocators) {
            if (a.equals(BenchSystem.MURBENCH_BASELINE) && !workload.equals("mcmc")) {
                return a + " (an untyped a block, MURbench's baseline) runs mcmc only";
            }
            if (BenchSystem.BUILT_IN.contains(a)) {
                continue;
            }
            // whether the name is a policy at all first, so that a misspelt one is not called a policy
            Result<FramePolicyProvider> found = FramePolicies.find(a, BenchSpec.class.getClassLoader());
            if (!found.isOk()) {
                return "--allocator " + a + ": " + (a.startsWith("class:") ? "" : "not one of " + String.join(", ",
                        BenchSystem.BUILT_IN) + " (or both), and ") + found.error().detail();
            }
            if (!List.of("mcmc", "single", "contiguous").contains(workload)) {
                return workload + " measures the pool and plain allocman only, not the frame policy " + a
                        + ": frame policies run mcmc, single and contiguous";
            }
        }
        if (costModel.problem() != null) {
            return costModel.problem();
        }
        if (repeat < 1 || repeat > MAX_REPEAT) {
            return "--repeat must be 1.." + MAX_REPEAT + ", got " + repeat;
        }
        if (ram < (64L << 20) || ram > Board.maxVirtRam() || (ram & 4095) != 0) {
            return "--ram must be a multiple of 4 KiB from 64 MiB to " + ByteSize.format(Board.maxVirtRam()) + ", got "
                    + sizeGiven(ram);
        }
        if (cspace == null || CSpaceChoice.parse(cspace).isEmpty()) {
            return "--cspace must be scaled or original, got '" + cspace + "'";
        }
        if (KEEP_ALL.equals(treePolicy) ? spareTrees != null : !RETURN_SPARES.equals(treePolicy)) {
            return "treePolicy must be return-spares (with spareTrees) or keep-all (without), got " + treePolicy
                    + (spareTrees == null ? "" : " with " + spareTrees + " spare trees");
        }
        if (spareTrees != null && (spareTrees < 0 || spareTrees > PoolConfig.MAX_SPARE_TREES)) {
            return "--spare-trees must be 0.." + PoolConfig.MAX_SPARE_TREES + ", got " + spareTrees;
        }
        if (RETURN_SPARES.equals(treePolicy) && spareTrees == null) {
            return "treePolicy return-spares needs spareTrees";
        }
        if (!seeded(workload) && seed != DEFAULT_SEED) {
            // as --seed on the command line: a seed here would look varied and change nothing (a
            // sweep over seeds would run the same run again and chart it as a spread of one)
            return workload + " draws no random numbers: seed " + seed + " would be ignored (leave it out; mcmc and"
                    + " utilisation take one)";
        }
        String notTaken = optionsNotTaken();
        if (notTaken != null) {
            return notTaken;
        }
        if (rootCNodeBits != null || fanOut != null) {
            MachineConfig machine = machine().withPool(allocators.contains("capbuddy") ? BenchSystem.BENCH_POOL : null);
            if (!machine.check().isOk()) {
                return "this machine cannot be built: " + machine.check().error().detail();
            }
        }
        return switch (workload) {
            case "mcmc" -> iterations < 1 || iterations > 10_000_000 ? "--iterations must be 1..10000000, got " + iterations
                    : lifetime < 2 ? "--lifetime must be at least 2, got " + lifetime
                    : !List.of(BLOCK_REQUESTS, FRAME_REQUESTS).contains(poolRequests)
                            ? "--pool-requests must be blocks or frames, got '" + poolRequests + "'"
                    : !List.of("p1", "p2", "p3").contains(distribution)
                            ? "--distribution must be p1, p2 or p3, got '" + distribution + "'" : null;
            case "single" -> iterations < 1 || iterations > (1 << 15) || Long.bitCount(iterations) != 1
                    ? "single: --iterations is a number of frames, a power of two from 1 to 32768, got " + iterations
                    : null;
            case "contiguous" -> iterations < 1 || iterations > 10_000_000
                    ? "--iterations must be 1..10000000, got " + iterations : null;
            case "paging" -> touch < 4096 || touch > (64L << 30) || (touch & 4095) != 0
                    ? "--touch must be a multiple of 4 KiB from 4K to 64G, got " + sizeGiven(touch)
                    : !access.equals("read") && !access.equals("write")
                            ? "--access must be read or write, got '" + access + "'" : null;
            default -> null;
        };
    }

    /** A size as a message shows it: in bytes, and in a unit too from 1 KiB ("1 TiB (1099511627776 bytes)"). */
    private static String sizeGiven(long bytes) {
        return bytes < 1024 ? bytes + " bytes" : ByteSize.format(bytes) + " (" + bytes + " bytes)";
    }

    /** The seed a spec that names none runs with, and the only one a workload that draws none records. */
    static final long DEFAULT_SEED = 1;

    /**
     * Whether {@code workload} draws random numbers, so that its seed changes the run: mcmc (block
     * sizes and lifetimes) and utilisation (the half it frees); single, contiguous and paging
     * allocate the same way whatever the seed.
     */
    static boolean seeded(String workload) {
        return !List.of("single", "contiguous", "paging").contains(workload);
    }

    /** The options this workload takes must be set and the others left out; null when they are. */
    private String optionsNotTaken() {
        List<String> missing = new ArrayList<>();
        List<String> extra = new ArrayList<>();
        check(iterations != null, !workload.equals("utilisation") && !workload.equals("paging"), "--iterations",
                missing, extra);
        check(distribution != null, workload.equals("mcmc"), "--distribution", missing, extra);
        check(lifetime != null, workload.equals("mcmc"), "--lifetime", missing, extra);
        check(poolRequests != null, workload.equals("mcmc"), "--pool-requests", missing, extra);
        check(touch != null, workload.equals("paging"), "--touch", missing, extra);
        check(access != null, workload.equals("paging"), "--access", missing, extra);
        if (!extra.isEmpty()) {
            return workload + " takes no " + String.join(", ", extra) + " (it would be ignored)";
        }
        return missing.isEmpty() ? null : workload + " needs " + String.join(", ", missing);
    }

    private static void check(boolean set, boolean taken, String option, List<String> missing, List<String> extra) {
        if (set && !taken) {
            extra.add(option);
        } else if (!set && taken) {
            missing.add(option);
        }
    }

    /**
     * The pool's settings for this run: {@code base}'s free check, with this spec's tree policy
     * and spares (only after {@link #problem()} said none).
     */
    PoolConfig poolSettings(PoolConfig base) {
        return KEEP_ALL.equals(treePolicy) ? base.withTreePolicy(PoolConfig.TreePolicy.KEEP_ALL).withSpareTrees(0)
                : base.withTreePolicy(PoolConfig.TreePolicy.RETURN_SPARES).withSpareTrees(spareTrees);
    }

    /** The machine this spec's runs boot, before the allocator's own settings (pool or none). */
    MachineConfig machine() {
        // the run's seed, so that the report's machines name the seed the run drew from
        return cspaceChoice().config(ram, rootCNodeBits, fanOut).withCostModel(costModel).withSeed(seed);
    }

    /** The CSpace choice (only after {@link #problem()} said none). */
    CSpaceChoice cspaceChoice() {
        return CSpaceChoice.parse(cspace).orElseThrow();
    }

    /** True when the pool is asked for a block frame by frame (mcmc with frames requests). */
    boolean poolFrameByFrame() {
        return FRAME_REQUESTS.equals(poolRequests);
    }

    /** The mcmc distribution (only for mcmc, after {@link #problem()} said none). */
    Distribution distributionChoice() {
        return Distribution.valueOf(distribution.toUpperCase(Locale.ROOT));
    }
}
