package org.capbuddy.kernel.cost;

import java.util.EnumMap;
import java.util.Map;
import org.capbuddy.kernel.api.InvocationLabel;
import org.capbuddy.kernel.api.ObjectType;

/**
 * Exact counts of the kernel work done: invocations by label (successful or not), objects created
 * by type, bytes zeroed, page-table walks done by the kernel (inside invocations) and by the MMU
 * (user accesses), and faults delivered. Counts are deterministic: the same run gives the same
 * counts.
 */
public final class CostCounters {
    private final long[] invocations = new long[InvocationLabel.values().length];
    private final long[] invocationErrors = new long[InvocationLabel.values().length];
    private final long[] objectsCreated = new long[ObjectType.values().length];
    private long asidPoolsCreated;
    private long bytesZeroed;
    private long kernelWalks;
    private long mmuWalks;
    private long faultsDelivered;
    private long capFaults;
    /** Running totals of the per-label and per-type arrays, so that {@link #cyclesSoFar} reads six numbers. */
    private long invocationsTotal;
    private long objectsTotal;

    public void invocation(InvocationLabel label, boolean ok) {
        invocations[label.ordinal()]++;
        invocationsTotal++;
        if (!ok) {
            invocationErrors[label.ordinal()]++;
        }
    }

    public void capFault() {
        capFaults++;
    }

    public void objectsCreated(ObjectType type, long count) {
        objectsCreated[type.ordinal()] += count;
        objectsTotal += count;
    }

    public void asidPoolCreated() {
        asidPoolsCreated++;
        objectsTotal++;
    }

    /** Invocations so far, all labels. */
    public long invocationsSoFar() {
        return invocationsTotal;
    }

    /**
     * {@code model}'s cycles for the counts so far: the same as {@code model.cycles(snapshot())},
     * without building the snapshot, for measuring parts of a workload (each allocation, each free)
     * at a cost of a few loads. No model means the documented default.
     */
    public double cyclesSoFar(CycleCostModel model) {
        if (model == null) {
            return cyclesSoFar(CycleCostModel.DEFAULT);
        }
        return invocationsTotal * model.perInvocation() + objectsTotal * model.perObjectCreated()
                + bytesZeroed * model.perByteZeroed() + kernelWalks * model.perKernelWalk()
                + mmuWalks * model.perMmuWalk() + faultsDelivered * model.perFault();
    }

    public void bytesZeroed(long bytes) {
        bytesZeroed += bytes;
    }

    public void kernelWalk() {
        kernelWalks++;
    }

    public void mmuWalk() {
        mmuWalks++;
    }

    public void faultDelivered() {
        faultsDelivered++;
    }

    /** A copy of the counts at this moment. */
    public CostSnapshot snapshot() {
        Map<InvocationLabel, Long> inv = new EnumMap<>(InvocationLabel.class);
        Map<InvocationLabel, Long> err = new EnumMap<>(InvocationLabel.class);
        for (InvocationLabel l : InvocationLabel.values()) {
            if (invocations[l.ordinal()] != 0) {
                inv.put(l, invocations[l.ordinal()]);
            }
            if (invocationErrors[l.ordinal()] != 0) {
                err.put(l, invocationErrors[l.ordinal()]);
            }
        }
        Map<ObjectType, Long> objs = new EnumMap<>(ObjectType.class);
        for (ObjectType t : ObjectType.values()) {
            if (objectsCreated[t.ordinal()] != 0) {
                objs.put(t, objectsCreated[t.ordinal()]);
            }
        }
        return new CostSnapshot(inv, err, objs, asidPoolsCreated, bytesZeroed, kernelWalks, mmuWalks,
                faultsDelivered, capFaults);
    }
}
