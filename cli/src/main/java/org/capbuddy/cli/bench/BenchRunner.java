package org.capbuddy.cli.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.capbuddy.cli.common.CSpaceChoice;
import org.capbuddy.cli.common.HostJvm;
import org.capbuddy.cli.common.ToolVersion;
import org.capbuddy.libos.capbuddy.PoolConfig;
import org.capbuddy.libos.machine.MachineConfig;
import org.capbuddy.libos.vka.Result;

/**
 * Runs one {@link BenchSpec} to a {@link BenchReport}: each allocator on fresh machines (one per
 * repeat, built and used on the calling thread), the repeats checked to agree, the kernel's
 * invariants checked after each. It prints nothing, so that {@code bench} and {@code sweep} (which
 * runs several at once, one per thread) share it.
 */
final class BenchRunner {
    /**
     * What a run gave: the report, or why there is none ({@code error}); the leaks a workload's
     * teardown found, and warnings (a CSpace too small for the RAM, say).
     */
    record Outcome(BenchReport report, String error, List<String> leaks, List<String> warnings) {
    }

    /**
     * Why a machine {@code run} asks for cannot be built, or null when each allocator's can: each
     * is built as the run would build it, then dropped. For checking a run, or a sweep's
     * combinations, before any of them runs.
     */
    static String machineProblem(BenchSpec run) {
        for (String a : run.allocators()) {
            Result<BenchSystem> booted = boot(run, a);
            if (!booted.isOk()) {
                return cannotBuild(a, booted);
            }
        }
        return null;
    }

    private static Result<BenchSystem> boot(BenchSpec run, String a) {
        MachineConfig base = run.machine();
        return run.workload().equals("paging")
                ? BenchSystem.bootSos(a, base, run.poolSettings(PoolConfig.defaults()))
                : BenchSystem.boot(a, base, run.poolSettings(BenchSystem.BENCH_POOL), run.poolFrameByFrame());
    }

    private static String cannotBuild(String allocator, Result<BenchSystem> failed) {
        return "cannot build the " + allocator + " machine: " + failed.error().detail();
    }

    private final boolean showProgress;

    BenchRunner(boolean showProgress) {
        this.showProgress = showProgress;
    }

    /** Runs {@code run}, which must have passed {@link BenchSpec#problem()}. */
    Outcome run(BenchSpec run) {
        String work = run.workload();
        long n = run.iterations() == null ? 0 : run.iterations();
        if (work.equals("paging")) {
            n = run.touch() / 4096;
        }
        List<AllocatorRun> runs = new ArrayList<>();
        Map<String, MachineConfig> machines = new LinkedHashMap<>();
        Map<String, WallTime> wallTimes = new LinkedHashMap<>();
        List<String> leaks = new ArrayList<>();
        List<String> warnings = new ArrayList<>();
        for (String a : run.allocators()) {
            AllocatorRun first = null;
            List<Double> millis = new ArrayList<>();
            for (int r = 1; r <= run.repeat(); r++) {
                String label = work + " " + a + (run.repeat() > 1 ? " " + r + "/" + run.repeat() : "");
                Result<BenchSystem> booted = boot(run, a);
                if (!booted.isOk()) {
                    return new Outcome(null, cannotBuild(a, booted), leaks, warnings);
                }
                Result<AllocatorRun> once = runOnce(booted.value(), run, a, n, label, machines, leaks, warnings);
                if (!once.isOk()) {
                    return new Outcome(null, once.error().detail(), leaks, warnings);
                }
                millis.add(once.value().wallMillis());
                if (first == null) {
                    first = once.value();
                } else {
                    String differs = RepeatCheck.difference(first, once.value());
                    if (differs != null) {
                        return new Outcome(null, String.format("repeat %d of %s differs from the first in %s: the"
                                + " model is not deterministic, which is a bug", r, a, differs), leaks, warnings);
                    }
                }
            }
            WallTime wall = WallTime.of(millis);
            wallTimes.put(a, wall);
            runs.add(first.withWallMillis(wall.median()));
        }
        MachineConfig base = run.machine();
        BenchReport report = new BenchReport(work, run.seed(), n, run.ram(), CSpaceChoice.describe(base),
                run.distribution(), runs, BenchSystem.ratios(runs), run, machines,
                base.kernelConfig().costModel(), ToolVersion.current(), wallTimes, HostJvm.current());
        return new Outcome(report, null, leaks, warnings);
    }

    /** One run of allocator {@code a} on {@code sys}, a fresh machine, or why there is none. */
    private Result<AllocatorRun> runOnce(BenchSystem sys, BenchSpec run, String a, long n, String label,
            Map<String, MachineConfig> machines, List<String> leaks, List<String> warnings) {
        String work = run.workload();
        if (machines.put(a, sys.config()) == null && a.equals("allocman")) {
            sys.cspaceShortfall().ifPresent(warnings::add);
        }
        long total = switch (work) {
            case "mcmc", "single", "paging" -> n;
            case "contiguous" -> 11 * n;
            default -> run.ram() >>> 12;
        };
        Progress progress = Progress.start(label, total, showProgress);
        AllocatorRun result;
        try {
            result = switch (work) {
                case "mcmc" -> Workloads.mcmc(sys, run.seed(), n, run.distributionChoice(), run.lifetime(),
                        progress::step);
                case "single" -> Workloads.single(sys, Long.numberOfTrailingZeros(n), progress::step);
                case "contiguous" -> Workloads.contiguous(sys, (int) n, progress::step);
                case "paging" -> {
                    PagingWorkload.Outcome outcome = PagingWorkload.run(sys, run.touch(),
                            run.access().equals("write"), progress::step);
                    if (!outcome.clean()) {
                        leaks.add(a + ": " + (outcome.teardownError() != null ? "teardown failed: "
                                + outcome.teardownError() + "; " : "") + "left behind " + outcome.leaked());
                    }
                    yield outcome.run();
                }
                default -> Workloads.utilisation(sys, run.seed(), progress::step);
            };
        } finally {
            progress.close();
        }
        if (sys.refusedFree() != null) {
            return Result.fail(org.capbuddy.libos.vka.AllocErrorKind.BAD_ARGUMENT, a + " refused to free a block it"
                    + " had handed out (" + sys.refusedFree() + "); a run whose frees fail reports no figures, as"
                    + " they would leave out the memory it kept");
        }
        var invariants = sys.kernel.checkInvariants();
        if (!invariants.ok()) {
            return Result.fail(org.capbuddy.libos.vka.AllocErrorKind.BAD_ARGUMENT,
                    "kernel invariants broken after " + a + ": " + invariants);
        }
        return Result.ok(result);
    }
}
