package org.capbuddy.kernel.cost;

import java.util.Map;
import org.capbuddy.kernel.api.InvocationLabel;

/**
 * Turns exact counts into modelled kernel cycles. It is a model, not a measurement: the defaults
 * are order-of-magnitude figures for a Cortex-A53-class core, chosen so that relative costs are
 * plausible (a syscall round trip costs hundreds of cycles, zeroing memory costs per byte,
 * creating an object costs more than decoding an invocation). Every figure is a parameter, so a
 * user can plug in numbers measured on their own board.
 *
 * <pre>
 * cycles = invocations x perInvocation
 *        + objects created x perObjectCreated
 *        + bytes zeroed x perByteZeroed
 *        + kernel page-table walks x perKernelWalk
 *        + MMU walks x perMmuWalk
 *        + faults delivered x perFault
 * </pre>
 *
 * @param perInvocation syscall entry, cap lookup, decode and exit for one invocation
 * @param perObjectCreated initialising one object and inserting its cap in the CDT
 * @param perByteZeroed zeroing memory (at 16 bytes per cycle, 1/16)
 * @param perKernelWalk one page-table lookup inside the kernel (Page_Map, PageTable_Map, the
 *     cache-maintenance checks)
 * @param perMmuWalk one translation by the MMU, charged as a TLB miss walk
 * @param perFault taking a VM fault, sending it to the handler and resuming after its reply
 */
public record CycleCostModel(
        double perInvocation,
        double perObjectCreated,
        double perByteZeroed,
        double perKernelWalk,
        double perMmuWalk,
        double perFault) {

    /** The documented default model. */
    public static final CycleCostModel DEFAULT = new CycleCostModel(400, 150, 1.0 / 16, 40, 30, 1500);

    /** Why this model cannot be used (a constant negative, infinite or not a number), or null. */
    public String problem() {
        double[] constants = {perInvocation, perObjectCreated, perByteZeroed, perKernelWalk, perMmuWalk, perFault};
        String[] names = {"perInvocation", "perObjectCreated", "perByteZeroed", "perKernelWalk", "perMmuWalk",
            "perFault"};
        for (int i = 0; i < constants.length; i++) {
            if (!(constants[i] >= 0) || Double.isInfinite(constants[i])) {
                return "cost " + names[i] + " must be a finite number of cycles, 0 or more, got " + constants[i];
            }
        }
        return null;
    }

    public double cycles(CostSnapshot counts) {
        return counts.totalInvocations() * perInvocation
                + counts.totalObjectsCreated() * perObjectCreated
                + counts.bytesZeroed() * perByteZeroed
                + counts.kernelWalks() * perKernelWalk
                + counts.mmuWalks() * perMmuWalk
                + counts.faultsDelivered() * perFault;
    }

    /** Cycles attributable to each invocation label's base cost (the rest is per object or byte). */
    public double invocationCycles(Map<InvocationLabel, Long> invocations) {
        return invocations.values().stream().mapToLong(Long::longValue).sum() * perInvocation;
    }
}
