package org.capbuddy.cli.bench;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.capbuddy.kernel.Kernel;
import org.capbuddy.kernel.cost.CostCounters;
import org.capbuddy.kernel.cost.CostSnapshot;
import org.capbuddy.libos.bootstrap.Booted;
import org.capbuddy.libos.capbuddy.CapBuddyVka;
import org.capbuddy.libos.capbuddy.PoolConfig;
import org.capbuddy.libos.policy.FrameBlock;
import org.capbuddy.libos.policy.FramePolicies;
import org.capbuddy.libos.policy.FramePolicy;
import org.capbuddy.libos.policy.FramePolicyProvider;
import org.capbuddy.libos.machine.LibosMachine;
import org.capbuddy.libos.machine.MachineConfig;
import org.capbuddy.libos.vka.AllocError;
import org.capbuddy.libos.vka.CSpacePath;
import org.capbuddy.libos.vka.Result;
import org.capbuddy.libos.vka.Vka;
import org.capbuddy.libos.vka.VkaObject;
import org.capbuddy.libos.vka.VkaObjects;
import org.capbuddy.sos.machine.SosConfig;
import org.capbuddy.sos.machine.SosMachine;

/**
 * A freshly booted machine (CapBuddy's kernel configuration) with allocman, and one of the two
 * ways of getting frames the benchmarks compare:
 * <ul>
 *   <li>{@code capbuddy}: the CapBuddy pool; a block of n frames is one request for 2^ceil(log2 n)
 *       contiguous frames (no unmapped check on free: the benchmark never maps them);</li>
 *   <li>{@code allocman}: the stock path; a block of n frames is n separate 4 KiB frames, each a
 *       slot and a Retype through allocman's split allocator, freed with a delete each.</li>
 *   <li>{@code murbench-baseline}: MURbench's baseline; a block of n frames is one untyped of
 *       2^ceil(log2 n) frames' size from allocman (no frames are made of it), freed as an object.</li>
 * </ul>
 * Any other name is a {@link FramePolicy}'s. The pool can also be asked frame by frame (a block
 * of n frames is n separate 4 KiB requests, each served from the pool's trees), as the
 * original's {@code mcmc.c} and MURbench ask it.
 */
final class BenchSystem {
    final String allocator;
    final LibosMachine machine;
    final Kernel kernel;
    final Booted booted;
    final CapBuddyVka pool;
    final Vka vka;
    private CostSnapshot start;
    private long startNanos;
    /** SOS on this machine, for the paging workload; null for the allocator workloads. */
    final SosMachine sos;
    /** Why the last refused request was refused. */
    private AllocError lastRefusal;
    /** The first free the allocator refused, or null: a block it handed out and would not take back. */
    private AllocError refusedFree;

    /** A frame policy of the user's, for an allocator that is not built in; else null. */
    final FramePolicy policy;

    /** The pool is asked for a block frame by frame rather than in one request. */
    private final boolean poolFrameByFrame;

    private BenchSystem(String allocator, LibosMachine machine, SosMachine sos) {
        this(allocator, machine, sos, null, false);
    }

    private BenchSystem(String allocator, LibosMachine machine, SosMachine sos, FramePolicy policy,
                        boolean poolFrameByFrame) {
        this.policy = policy;
        this.poolFrameByFrame = poolFrameByFrame;
        this.allocator = allocator;
        this.machine = machine;
        this.sos = sos;
        this.kernel = machine.kernel();
        this.booted = machine.booted();
        this.pool = machine.pool().orElse(null);
        this.vka = machine.vka();
    }

    /** The pool's settings for the allocator workloads: frees trusted (they never map a frame), one spare tree. */
    static final PoolConfig BENCH_POOL = new PoolConfig(1, PoolConfig.FreeCheck.TRUSTED);

    /** A fresh machine for one allocator's run, or why it cannot be built. */
    static Result<BenchSystem> boot(String allocator, MachineConfig machine) {
        return boot(allocator, machine, BENCH_POOL);
    }

    /**
     * A fresh machine for one allocator's run: the pool (for capbuddy) with {@code pool}'s
     * settings, plain allocman, or (any other name) the frame policy of that name or class over
     * plain allocman's vka.
     */
    static Result<BenchSystem> boot(String allocator, MachineConfig machine, PoolConfig pool) {
        return boot(allocator, machine, pool, false);
    }

    /** As {@link #boot(String, MachineConfig, PoolConfig)}; the pool asked frame by frame when {@code poolFrameByFrame}. */
    static Result<BenchSystem> boot(String allocator, MachineConfig machine, PoolConfig pool, boolean poolFrameByFrame) {
        if (!BUILT_IN.contains(allocator)) {
            return bootPolicy(allocator, machine.withPool(null));
        }
        MachineConfig config = machine.withPool(allocator.equals("capbuddy") ? pool : null);
        return LibosMachine.boot(config).map(m -> new BenchSystem(allocator, m, null, null, poolFrameByFrame));
    }

    /**
     * A fresh machine running SOS whose frames come from the pool (with its default settings, as
     * SOS runs it) or from plain allocman, with a frame table whose references name all of RAM.
     */
    static Result<BenchSystem> bootSos(String allocator, MachineConfig machine) {
        return bootSos(allocator, machine, PoolConfig.defaults());
    }

    /** As {@link #bootSos(String, MachineConfig)}, the pool with {@code pool}'s settings. */
    static Result<BenchSystem> bootSos(String allocator, MachineConfig machine, PoolConfig pool) {
        MachineConfig config = machine.withPool(allocator.equals("capbuddy") ? pool : null);
        return SosMachine.boot(config, SosConfig.forRam(machine.ramBytes()))
                .map(m -> new BenchSystem(allocator, m.machine(), m));
    }

    /** The allocators the bench itself knows; any other name is a {@link FramePolicy}'s. */
    static final List<String> BUILT_IN = List.of("capbuddy", "allocman", BenchSystem.MURBENCH_BASELINE);

    /** MURbench's baseline: an untyped a block, from allocman. */
    static final String MURBENCH_BASELINE = "murbench-baseline";

    private static Result<BenchSystem> bootPolicy(String allocator, MachineConfig config) {
        Result<FramePolicyProvider> provider = FramePolicies.find(allocator, BenchSystem.class.getClassLoader());
        if (!provider.isOk()) {
            return provider.asFailure();
        }
        Result<LibosMachine> booted = LibosMachine.boot(config);
        if (!booted.isOk()) {
            return booted.asFailure();
        }
        Result<FramePolicy> policy = provider.value().create(booted.value().vka());
        if (!policy.isOk()) {
            return policy.asFailure();
        }
        return Result.ok(new BenchSystem(allocator, booted.value(), null, policy.value(), false));
    }

    /**
     * RAM the allocator holds now: the bytes allocman has handed out of its untypeds, which for
     * the pool are its trees (free frames included), and for every allocator also the CNodes and
     * bookkeeping pages it took. What the footprint chart plots, rather than the workload's demand.
     */
    long heldBytes() {
        return booted.allocman().accounting().untypedBytesInUse();
    }

    /** The machine's configuration, the pool's settings included. */
    MachineConfig config() {
        return machine.config();
    }

    /** Why this machine's CSpace cannot hold all of its RAM as frames, when it cannot. */
    java.util.Optional<String> cspaceShortfall() {
        return machine.cspaceShortfall();
    }

    /*
     * The kernel's cost of the allocations and of the frees apart, as allocations.c reports them:
     * read from the counters' running totals around each call (a few loads), so that the split
     * adds next to nothing to the wall time it sits inside.
     */
    private long allocInvocations;
    private double allocCycles;
    private long allocFrames;
    private long freeInvocations;
    private double freeCycles;
    private long freeFrames;

    /** A block of {@code frames} frames, the allocator's way; null when it was refused (see {@link #stopReason}). */
    Block alloc(int frames) {
        Block[] made = new Block[1];
        allocMeasured(frames, () -> {
            made[0] = allocBlock(frames);
            return made[0] != null;
        });
        return made[0];
    }

    /**
     * Runs {@code step}, an allocation of {@code frames} frames a workload makes its own way (the
     * stock contiguous path), counting its cost as an allocation's, as {@link #alloc} does; the
     * step says whether it succeeded (a refused one records its refusal, {@link #refused}).
     * The frames are the ones the workload asked for, whatever the allocator rounds them up to,
     * so that every allocator's cost a frame has the same denominator, as invocations per frame
     * has.
     */
    boolean allocMeasured(long frames, java.util.function.BooleanSupplier step) {
        CostCounters counters = kernel.state().counters();
        long invocations = counters.invocationsSoFar();
        double cycles = counters.cyclesSoFar(kernel.config().costModel());
        boolean ok = step.getAsBoolean();
        allocInvocations += counters.invocationsSoFar() - invocations;
        allocCycles += counters.cyclesSoFar(kernel.config().costModel()) - cycles;
        if (ok) {
            allocFrames += frames;
        }
        return ok;
    }

    private Block allocBlock(int frames) {
        if (policy != null) {
            Result<FrameBlock> b = policy.alloc(32 - Integer.numberOfLeadingZeros(Math.max(1, frames) - 1));
            if (!b.isOk()) {
                lastRefusal = b.error();
                return null;
            }
            return new Block(frames, null, null, b.value(), null);
        }
        int order = 32 - Integer.numberOfLeadingZeros(Math.max(1, frames) - 1);
        if (allocator.equals(MURBENCH_BASELINE)) {
            Result<VkaObject> ut = VkaObjects.allocUntyped(vka, 12 + order);
            if (!ut.isOk()) {
                lastRefusal = ut.error();
                return null;
            }
            return new Block(frames, null, null, null, ut.value());
        }
        if (pool != null && !poolFrameByFrame) {
            Result<CSpacePath> b = VkaObjects.allocFrameContiguous(pool, 12 + order);
            if (!b.isOk()) {
                lastRefusal = b.error();
                return null;
            }
            return new Block(frames, b.value(), null, null, null);
        }
        // frame by frame: plain allocman's split allocator, or the pool's trees (the pool's vka
        // serves 4 KiB frames)
        VkaObject[] each = new VkaObject[frames];
        for (int i = 0; i < frames; i++) {
            Result<VkaObject> f = VkaObjects.allocFrame(vka, 12);
            if (!f.isOk()) {
                lastRefusal = f.error();
                for (int j = 0; j < i; j++) {
                    VkaObjects.free(vka, each[j]);
                }
                return null;
            }
            each[i] = f.value();
        }
        return new Block(frames, null, each, null, null);
    }

    /** Records a refusal a workload met outside {@link #alloc}. */
    void refused(AllocError why) {
        lastRefusal = why;
    }

    /** Why a run that was not {@code completed} stopped: what its last refused request lacked. */
    StopReason stopReason(boolean completed) {
        return completed ? StopReason.LIMIT : StopReason.of(lastRefusal);
    }

    void free(Block b) {
        freeMeasured(b.requested(), () -> freeBlock(b));
    }

    /** Runs {@code step}, the free of {@code frames} frames (as the workload asked for them), counting its cost as a free's. */
    void freeMeasured(long frames, Runnable step) {
        CostCounters counters = kernel.state().counters();
        long invocations = counters.invocationsSoFar();
        double cycles = counters.cyclesSoFar(kernel.config().costModel());
        step.run();
        freeInvocations += counters.invocationsSoFar() - invocations;
        freeCycles += counters.cyclesSoFar(kernel.config().costModel()) - cycles;
        freeFrames += frames;
    }

    private void freeBlock(Block b) {
        if (b.policyBlock() != null) {
            freed(policy.free(b.policyBlock()));
        } else if (b.untyped() != null) {
            freed(VkaObjects.free(vka, b.untyped()));
        } else if (b.contiguous() != null) {
            freed(VkaObjects.freeFrameContiguous(pool, b.contiguous()));
        } else {
            for (VkaObject f : b.separate()) {
                freed(VkaObjects.free(vka, f));
            }
        }
    }

    /*
     * A free is never a reason to stop (the workload does not ask for it), so a refused one is
     * kept apart from the refusals that stop a run: the run goes on, and the runner fails it
     * afterwards, since its figures would count memory the allocator never took back.
     */
    private void freed(Result<Void> result) {
        if (!result.isOk() && refusedFree == null) {
            refusedFree = result.error();
        }
    }

    /** The first free the allocator refused during the run, or null when it took every block back. */
    AllocError refusedFree() {
        return refusedFree;
    }

    /**
     * A block as the allocator handed it out: one contiguous pool block, separate frames, a
     * policy's block, or an untyped of the block's size (exactly one is set).
     */
    record Block(int requested, CSpacePath contiguous, VkaObject[] separate, FrameBlock policyBlock, VkaObject untyped) {
    }

    void startMeasuring() {
        start = kernel.costs();
        startNanos = System.nanoTime();
        allocInvocations = freeInvocations = allocFrames = freeFrames = 0;
        allocCycles = freeCycles = 0;
    }

    /**
     * The run's figures since {@link #startMeasuring}; {@code reached} counts the workload's
     * units of work done, {@code unit} names them (see {@link AllocatorRun#reachedUnit}).
     */
    AllocatorRun finish(long framesAllocated, long reached, WorkUnit unit, boolean completed, List<long[]> footprint,
                        List<Long> freeBlocksByOrder, Map<String, Double> extra) {
        double wallMillis = (System.nanoTime() - startNanos) / 1e6;
        CostSnapshot c = kernel.costs().minus(start);
        Map<String, Long> byLabel = new TreeMap<>();
        c.invocations().forEach((label, n) -> byLabel.put(label.name(), n));
        return new AllocatorRun(allocator, c.totalInvocations(), byLabel, c.totalObjectsCreated(), c.bytesZeroed(),
                kernel.config().costModel().cycles(c), booted.allocman().accounting().mspaceBytesInUse(), wallMillis,
                framesAllocated, reached, unit, completed, stopReason(completed), footprint, freeBlocksByOrder,
                withAllocFreeSplit(extra));
    }

    /** {@code extra} and, when the workload went through {@link #alloc} and {@link #free}, their costs apart. */
    private Map<String, Double> withAllocFreeSplit(Map<String, Double> extra) {
        if (allocFrames == 0 && freeFrames == 0) {
            return extra;
        }
        Map<String, Double> all = new TreeMap<>(extra);
        all.put("alloc.invocations", (double) allocInvocations);
        all.put("alloc.modelledCyclesPerFrame", allocFrames == 0 ? 0 : allocCycles / allocFrames);
        all.put("free.invocations", (double) freeInvocations);
        all.put("free.modelledCyclesPerFrame", freeFrames == 0 ? 0 : freeCycles / freeFrames);
        return all;
    }

    /** Ratios capbuddy/allocman of the figures both runs have, measured in the same command. */
    static Map<String, Double> ratios(List<AllocatorRun> runs) {
        AllocatorRun cb = runs.stream().filter(r -> r.allocator().equals("capbuddy")).findFirst().orElse(null);
        AllocatorRun st = runs.stream().filter(r -> r.allocator().equals("allocman")).findFirst().orElse(null);
        Map<String, Double> out = new TreeMap<>();
        if (cb == null || st == null) {
            return out;
        }
        put(out, "kernelInvocations", cb.kernelInvocations(), st.kernelInvocations());
        put(out, "invocationsPerFrame", cb.invocationsPerFrame(), st.invocationsPerFrame());
        put(out, "objectsRetyped", cb.objectsRetyped(), st.objectsRetyped());
        put(out, "bytesZeroed", cb.bytesZeroed(), st.bytesZeroed());
        put(out, "modelledCycles", cb.modelledCycles(), st.modelledCycles());
        put(out, "bookkeepingBytes", cb.bookkeepingBytes(), st.bookkeepingBytes());
        put(out, "wallMillis", cb.wallMillis(), st.wallMillis());
        put(out, "framesAllocated", cb.framesAllocated(), st.framesAllocated());
        return out;
    }

    private static void put(Map<String, Double> out, String key, double a, double b) {
        if (b != 0) {
            out.put(key, a / b);
        }
    }
}
