package org.capbuddy.bench.capbuddy;

import java.lang.ref.Reference;
import org.capbuddy.bench.kernel.FrameFootprint;
import org.capbuddy.libos.machine.LibosMachine;
import org.capbuddy.libos.machine.MachineConfig;
import org.capbuddy.libos.vka.Result;
import org.capbuddy.libos.vka.VkaObject;
import org.capbuddy.libos.vka.VkaObjects;

/**
 * Host heap per 4 KiB frame that has been allocated through the vka (a cap in a slot of the
 * allocator's CSpace, the kernel's frame object, the allocator's records) and never written nor
 * mapped: what a machine costs the host for memory handed out but not yet used. Through the
 * CapBuddy pool ({@code pool}, the default) a frame is one slot of a tree's slot run; through
 * plain allocman ({@code allocman}) it is a slot and a Retype of a split untyped, with the split
 * records and the untyped halves' slots that allocman keeps for it.
 *
 * <p>Not a JMH benchmark: it measures live heap, not time. Run it alone in its own JVM, e.g.
 * {@code java -cp benchmarks.jar org.capbuddy.bench.capbuddy.AllocatedFrameFootprint 1000000 pool}.
 * The frames' cptrs are kept in an array allocated before the first measurement, so the figure is
 * the machine's alone.
 */
public final class AllocatedFrameFootprint {
    private AllocatedFrameFootprint() {
    }

    public static void main(String[] args) {
        int frames = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        boolean pool = args.length < 2 || !args[1].equals("allocman");
        long ram = Math.max(1L << 30, Long.highestOneBit((long) frames * 4096 * 4));
        MachineConfig config = pool ? MachineConfig.capBuddy(ram) : MachineConfig.capBuddy(ram).withoutPool();
        Result<LibosMachine> booted = LibosMachine.boot(config);
        if (!booted.isOk()) {
            throw new IllegalStateException("boot: " + booted.error());
        }
        LibosMachine machine = booted.value();
        long[] cptrs = new long[frames];
        long before = FrameFootprint.usedHeap();
        for (int i = 0; i < frames; i++) {
            Result<VkaObject> frame = VkaObjects.allocFrame(machine.vka(), 12);
            if (!frame.isOk()) {
                throw new IllegalStateException("frame " + i + ": " + frame.error());
            }
            cptrs[i] = frame.value().cptr();
        }
        long after = FrameFootprint.usedHeap();
        System.out.printf("%s: %d frames allocated on %d GiB, never written (physical memory backed: %d B); "
                        + "%.1f host heap bytes per frame%n", pool ? "CapBuddy pool" : "plain allocman", frames,
                ram >> 30, machine.kernel().physicalMemory().backedBytes(), (after - before) / (double) frames);
        if (!machine.kernel().checkInvariants().ok()) {
            throw new IllegalStateException("invariants broken: " + machine.kernel().checkInvariants());
        }
        Reference.reachabilityFence(cptrs);
        Reference.reachabilityFence(machine);
    }
}
