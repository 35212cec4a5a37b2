package org.capbuddy.cli.bench;

import java.util.List;
import java.util.Map;

/**
 * One allocator's figures for one workload run. Counts come from the kernel's counters and are
 * the same on every run with the same seed; {@code wallMillis} is host time.
 *
 * @param allocator "capbuddy" or "allocman"
 * @param kernelInvocations all invocations during the workload
 * @param invocationsByLabel the same by invocation label
 * @param objectsRetyped objects created by Retype during the workload
 * @param bytesZeroed bytes the kernel zeroed during the workload
 * @param modelledCycles the cycle cost model applied to the counts
 * @param bookkeepingBytes mspace bytes in use at the end (allocman's records, pool trees)
 * @param wallMillis host wall time of the workload
 * @param framesAllocated 4 KiB frames handed out in all (a block of n frames counts n)
 * @param reached how far the run got, in {@code reachedUnit}s: the last one done (the first failure
 *     stops a run)
 * @param reachedUnit the workload's unit of work, what {@code reached} counts
 * @param completed false when a request failed before the iteration count was reached
 * @param stopReason why the run stopped: the iteration limit, or what the refused request lacked
 * @param footprint samples of (iteration, frames live) for the footprint chart
 * @param freeBlocksByOrder the pool's free blocks by size 2^k frames, k = 0..10, where a workload
 *     probed them (utilisation; mcmc when a refusal stopped it); else empty
 * @param extra workload-specific figures (e.g. largest allocatable untyped, usable fraction)
 */
public record AllocatorRun(
        String allocator,
        long kernelInvocations,
        Map<String, Long> invocationsByLabel,
        long objectsRetyped,
        long bytesZeroed,
        double modelledCycles,
        long bookkeepingBytes,
        double wallMillis,
        long framesAllocated,
        long reached,
        WorkUnit reachedUnit,
        boolean completed,
        StopReason stopReason,
        List<long[]> footprint,
        List<Long> freeBlocksByOrder,
        Map<String, Double> extra) {

    public AllocatorRun {
        // sorted, so that two reports of the same run are the same text but for the times
        invocationsByLabel = sorted(invocationsByLabel);
        footprint = List.copyOf(footprint);
        freeBlocksByOrder = List.copyOf(freeBlocksByOrder);
        extra = sorted(extra);
    }

    /** An unmodifiable copy of {@code map} in its keys' order (Map.copyOf's order changes from JVM to JVM). */
    static <V> Map<String, V> sorted(Map<String, V> map) {
        return java.util.Collections.unmodifiableSortedMap(new java.util.TreeMap<>(map));
    }

    /** Kernel invocations per 4 KiB frame handed out. */
    public double invocationsPerFrame() {
        return framesAllocated == 0 ? 0 : kernelInvocations / (double) framesAllocated;
    }

    /** This run with what a probe after it found: the pool's free blocks and figures added to {@code extra}. */
    AllocatorRun withLeftovers(List<Long> freeBlocks, Map<String, Double> more) {
        Map<String, Double> all = new java.util.TreeMap<>(extra);
        all.putAll(more);
        return copy(wallMillis, freeBlocks, all);
    }

    /** This run with its wall time replaced by {@code millis} (the repeats' median). */
    AllocatorRun withWallMillis(double millis) {
        return copy(millis, freeBlocksByOrder, extra);
    }

    private AllocatorRun copy(double millis, List<Long> freeBlocks, Map<String, Double> figures) {
        return new AllocatorRun(allocator, kernelInvocations, invocationsByLabel, objectsRetyped, bytesZeroed,
                modelledCycles, bookkeepingBytes, millis, framesAllocated, reached, reachedUnit, completed, stopReason,
                footprint, freeBlocks, figures);
    }
}
