package org.capbuddy.kernel.cost;

import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;
import org.capbuddy.kernel.api.InvocationLabel;
import org.capbuddy.kernel.api.ObjectType;

/**
 * The kernel's cost counters at one moment. Subtract two snapshots to get the cost of what ran
 * between them. Its maps list their counts in the enums' order, the same on every run.
 */
public record CostSnapshot(
        Map<InvocationLabel, Long> invocations,
        Map<InvocationLabel, Long> invocationErrors,
        Map<ObjectType, Long> objectsCreated,
        long asidPoolsCreated,
        long bytesZeroed,
        long kernelWalks,
        long mmuWalks,
        long faultsDelivered,
        long capFaults) {

    public CostSnapshot {
        invocations = frozen(invocations, InvocationLabel.class);
        invocationErrors = frozen(invocationErrors, InvocationLabel.class);
        objectsCreated = frozen(objectsCreated, ObjectType.class);
    }

    /**
     * An unmodifiable copy in the enum's order. Map.copyOf's order changes from one JVM to the
     * next, and a report that prints these maps must print the same run the same way.
     */
    private static <K extends Enum<K>> Map<K, Long> frozen(Map<K, Long> counts, Class<K> type) {
        Map<K, Long> copy = new EnumMap<>(type);
        counts.forEach((k, v) -> copy.put(Objects.requireNonNull(k), Objects.requireNonNull(v)));
        return Collections.unmodifiableMap(copy);
    }

    public long totalInvocations() {
        return invocations.values().stream().mapToLong(Long::longValue).sum();
    }

    public long invocations(InvocationLabel label) {
        return invocations.getOrDefault(label, 0L);
    }

    public long totalObjectsCreated() {
        return objectsCreated.values().stream().mapToLong(Long::longValue).sum() + asidPoolsCreated;
    }

    /** The counts accumulated since {@code earlier}. */
    public CostSnapshot minus(CostSnapshot earlier) {
        return new CostSnapshot(diff(invocations, earlier.invocations, InvocationLabel.class),
                diff(invocationErrors, earlier.invocationErrors, InvocationLabel.class),
                diff(objectsCreated, earlier.objectsCreated, ObjectType.class),
                asidPoolsCreated - earlier.asidPoolsCreated, bytesZeroed - earlier.bytesZeroed,
                kernelWalks - earlier.kernelWalks, mmuWalks - earlier.mmuWalks,
                faultsDelivered - earlier.faultsDelivered, capFaults - earlier.capFaults);
    }

    private static <K extends Enum<K>> Map<K, Long> diff(Map<K, Long> now, Map<K, Long> before, Class<K> type) {
        Map<K, Long> out = new EnumMap<>(type);
        for (Map.Entry<K, Long> e : now.entrySet()) {
            long d = e.getValue() - before.getOrDefault(e.getKey(), 0L);
            if (d != 0) {
                out.put(e.getKey(), d);
            }
        }
        return out;
    }
}
