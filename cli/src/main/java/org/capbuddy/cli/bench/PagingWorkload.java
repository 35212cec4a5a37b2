package org.capbuddy.cli.bench;

import java.lang.management.ManagementFactory;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongConsumer;
import org.capbuddy.kernel.host.AssuredHeadroom;
import org.capbuddy.libos.vka.AllocError;
import org.capbuddy.libos.vka.AllocErrorKind;
import org.capbuddy.libos.vka.Result;
import org.capbuddy.sos.Sos;
import org.capbuddy.sos.SysResult;
import org.capbuddy.sos.machine.Balance;
import org.capbuddy.sos.process.Process;
import org.capbuddy.sos.process.ProcessState;
import org.capbuddy.sos.user.MemoryFault;
import org.capbuddy.sos.user.UserContext;

/**
 * The paging workload: one SOS process maps {@code bytes} of anonymous memory and touches every
 * page once, reading or writing one byte, so that each touch is a page fault served from the
 * frame source under test; then the process is torn down and the machine must be back to its
 * balance from before. Besides the kernel's counts it reports what the host paid: heap bytes per
 * mapped frame (heap in use after a full GC, before and after touching), the physical memory the
 * model had to back, and the process's resident set.
 */
final class PagingWorkload {
    private static final int PAGE = 4096;

    private PagingWorkload() {
    }

    /**
     * A paging run and how the teardown went.
     *
     * @param run the figures
     * @param leaked what the machine held after teardown beyond its balance from before (all zero when nothing leaked)
     * @param teardownError why destroying the process failed, or null
     */
    record Outcome(AllocatorRun run, Balance leaked, String teardownError) {
        boolean clean() {
            return leaked.isZero() && teardownError == null;
        }
    }

    static Outcome run(BenchSystem sys, long bytes, boolean write, LongConsumer progress) {
        Sos sos = sys.sos.sos();
        Balance before = sys.sos.settledBalance();
        Result<Process> created = sos.createProcess(64 << 10, 16 << 10);
        if (!created.isOk()) {
            sys.refused(created.error());
            return new Outcome(sys.finish(0, 0, WorkUnit.PAGE, false, List.of(), List.of(), Map.of()), leakedSince(sys, before), null);
        }
        Process p = created.value();
        UserContext ctx = new UserContext(p, sos.syscalls(p));
        SysResult mapped = ctx.sys().mmap(bytes);
        if (!mapped.isOk()) {
            sys.refused(AllocError.of(AllocErrorKind.BAD_ARGUMENT, "mmap of " + bytes + " bytes: " + mapped));
            Result<Void> destroyed = sos.destroy(p);
            return new Outcome(sys.finish(0, 0, WorkUnit.PAGE, false, List.of(), List.of(), Map.of()),
                    sys.sos.settledBalance().diff(before), destroyed.isOk() ? null : destroyed.error().toString());
        }
        long base = mapped.returnRegister();
        long pages = bytes / PAGE;
        long heapBefore = heapAfterGc();
        sys.startMeasuring();
        long touched = 0;
        long probesBefore = sys.kernel.guard().headroomProbes();
        // The loop calls the context itself and does not recurse: one stack probe for all its
        // faults. The progress callback runs between touches and makes no machine call.
        try (AssuredHeadroom headroom = sos.assureDriverHeadroom()) {
            for (; touched < pages; touched++) {
                long va = base + touched * PAGE;
                if (write) {
                    ctx.store(va, 1, 1);
                } else {
                    ctx.load(va, 1);
                }
                if ((touched & 1023) == 1023) {
                    progress.accept(1024);
                }
            }
        } catch (MemoryFault fault) {
            sys.refused(refusalOf(p, fault));
        }
        boolean completed = touched == pages;
        AllocatorRun touching = sys.finish(touched, touched, WorkUnit.PAGE, completed, List.of(), List.of(), Map.of());

        Map<String, Double> extra = new HashMap<>(touching.extra());
        long heapAfter = heapAfterGc();
        extra.put("pagesTouched", (double) touched);
        extra.put("faultsHandled", (double) p.faultsHandled());
        extra.put("stackHeadroomProbes", (double) (sys.kernel.guard().headroomProbes() - probesBefore));
        extra.put("hostHeapBytesPerFrame", touched == 0 ? 0 : (heapAfter - heapBefore) / (double) touched);
        extra.put("physicalBytesBacked", (double) sys.kernel.physicalMemory().backedBytes());
        HostMemory.residentBytes().ifPresent(rss -> extra.put("hostResidentBytes", (double) rss));
        HostMemory.peakResidentBytes().ifPresent(rss -> extra.put("hostPeakResidentBytes", (double) rss));

        long teardownStart = System.nanoTime();
        Result<Void> destroyed = sos.destroy(p);
        extra.put("teardownMillis", (System.nanoTime() - teardownStart) / 1e6);
        Balance leaked = sys.sos.settledBalance().diff(before);
        return new Outcome(new AllocatorRun(touching.allocator(), touching.kernelInvocations(), touching.invocationsByLabel(),
                touching.objectsRetyped(), touching.bytesZeroed(), touching.modelledCycles(),
                touching.bookkeepingBytes(), touching.wallMillis(), touching.framesAllocated(),
                touching.reached(), touching.reachedUnit(), touching.completed(), touching.stopReason(), touching.footprint(),
                touching.freeBlocksByOrder(), extra), leaked, destroyed.isOk() ? null : destroyed.error().toString());
    }

    private static Balance leakedSince(BenchSystem sys, Balance before) {
        return sys.sos.settledBalance().diff(before);
    }

    /** What the fault that stopped the run lacked: memory when SOS killed the process for want of a frame. */
    private static AllocError refusalOf(Process p, MemoryFault fault) {
        if (p.state() == ProcessState.KILLED && p.killReport() != null
                && p.killReport().reason().startsWith("out of memory")) {
            return AllocError.of(AllocErrorKind.OUT_OF_MEMORY, p.killReport().toString());
        }
        return AllocError.of(AllocErrorKind.KERNEL, fault.getMessage());
    }

    private static long heapAfterGc() {
        System.gc();
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
