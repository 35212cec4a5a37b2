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

    public void invocation(InvocationLabel label, boolean ok) {
        invocations[label.ordinal()]++;
        if (!ok) {
            invocationErrors[label.ordinal()]++;
        }
    }

    public void capFault() {
        capFaults++;
    }

    public void objectsCreated(ObjectType type, long count) {
        objectsCreated[type.ordinal()] += count;
    }

    public void asidPoolCreated() {
        asidPoolsCreated++;
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
