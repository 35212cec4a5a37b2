package org.capbuddy.cli.bench;

import java.util.List;
import java.util.Objects;
import java.util.function.Function;

/**
 * What repeats of one allocator's run must share: every exact figure (counts, modelled cycles,
 * bookkeeping, frames, where and why it stopped, the footprint's samples, the workload's own
 * figures but host ones), so that wall time is the only thing that varies between them.
 */
final class RepeatCheck {
    private RepeatCheck() {
    }

    private record Field(String name, Function<AllocatorRun, Object> value) {
    }

    /** Host figures in {@link AllocatorRun#extra()}, which vary from run to run like wall time. */
    static final List<String> HOST_EXTRAS = List.of("hostHeapBytesPerFrame", "hostPeakResidentBytes",
            "hostResidentBytes", "teardownMillis");

    private static final List<Field> FIELDS = List.of(
            new Field("kernelInvocations", AllocatorRun::kernelInvocations),
            new Field("invocationsByLabel", AllocatorRun::invocationsByLabel),
            new Field("objectsRetyped", AllocatorRun::objectsRetyped),
            new Field("bytesZeroed", AllocatorRun::bytesZeroed),
            new Field("modelledCycles", AllocatorRun::modelledCycles),
            new Field("bookkeepingBytes", AllocatorRun::bookkeepingBytes),
            new Field("framesAllocated", AllocatorRun::framesAllocated),
            new Field("reached", AllocatorRun::reached),
            new Field("reachedUnit", AllocatorRun::reachedUnit),
            new Field("stopReason", AllocatorRun::stopReason),
            new Field("freeBlocksByOrder", AllocatorRun::freeBlocksByOrder));

    /** The first exact figure in which {@code b} differs from {@code a}, with both values; null when none does. */
    static String difference(AllocatorRun a, AllocatorRun b) {
        for (Field f : FIELDS) {
            Object x = f.value().apply(a);
            Object y = f.value().apply(b);
            if (!Objects.equals(x, y)) {
                return f.name() + " (" + x + " then " + y + ")";
            }
        }
        String footprint = footprintDifference(a.footprint(), b.footprint());
        if (footprint != null) {
            return footprint;
        }
        // either run's figures: one the other lacks differs too
        java.util.Set<String> keys = new java.util.TreeSet<>(a.extra().keySet());
        keys.addAll(b.extra().keySet());
        for (String key : keys) {
            if (!HOST_EXTRAS.contains(key) && !Objects.equals(a.extra().get(key), b.extra().get(key))) {
                return key + " (" + a.extra().get(key) + " then " + b.extra().get(key) + ")";
            }
        }
        return null;
    }

    /** The first footprint sample (iteration, frames live, bytes held) that differs, compared by value; null when none. */
    private static String footprintDifference(List<long[]> a, List<long[]> b) {
        for (int i = 0; i < Math.max(a.size(), b.size()); i++) {
            long[] x = i < a.size() ? a.get(i) : null;
            long[] y = i < b.size() ? b.get(i) : null;
            if (!java.util.Arrays.equals(x, y)) {
                return "footprint (sample " + i + ": " + java.util.Arrays.toString(x) + " then "
                        + java.util.Arrays.toString(y) + ")";
            }
        }
        return null;
    }
}
