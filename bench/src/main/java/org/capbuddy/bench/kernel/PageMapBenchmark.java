package org.capbuddy.bench.kernel;

import static org.capbuddy.bench.kernel.Checks.check;

import java.util.concurrent.TimeUnit;
import org.capbuddy.kernel.Kernel;
import org.capbuddy.kernel.KernelConfig;
import org.capbuddy.kernel.Sel4;
import org.capbuddy.kernel.api.CapRights;
import org.capbuddy.kernel.api.InvocationLabel;
import org.capbuddy.kernel.api.InvocationResult;
import org.capbuddy.kernel.api.ObjectType;
import org.capbuddy.kernel.api.Sel4Error;
import org.capbuddy.kernel.api.VmAttributes;
import org.capbuddy.kernel.boot.BootInfo;
import org.capbuddy.kernel.boot.InitialCap;
import org.capbuddy.kernel.boot.UntypedDescriptor;
import org.capbuddy.kernel.cost.CostSnapshot;
import org.capbuddy.kernel.invariant.InvariantReport;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Cost of {@code seL4_ARM_Page_Map} of a 4 KiB frame into the root task's VSpace at an address
 * whose paging structures (upper directory, directory, page table) were created once in setup,
 * on a kernel booted with {@link KernelConfig#capBuddy} on a 1 GiB board.
 *
 * <ul>
 *   <li>{@link #mapAndUnmap} (main figure): Page_Map of one frame at {@link #VADDR} (read-write,
 *       default attributes) followed by Page_Unmap of the same frame; the state is back where it
 *       started after each call.
 *   <li>{@link #mapOnly}: Page_Map alone, amortised over a batch: each invocation maps 512
 *       different, currently unmapped, pre-retyped frames at the 512 consecutive 4 KiB addresses
 *       covered by the one leaf page table at {@link #VADDR}; the score is per Page_Map
 *       ({@code @OperationsPerInvocation(512)}, loop overhead included). The 512 Page_Unmaps run
 *       untimed in a {@code @TearDown(Level.Invocation)}; batching makes the per-invocation
 *       timestamp overhead small relative to the timed work, but the figure is secondary.
 * </ul>
 *
 * Setup asserts every invocation succeeds, the timed methods check each result (one enum
 * compare), and at the end of the trial the kernel's counters must show as many Page_Unmaps as
 * Page_Maps since setup with no invocation errors (so every timed Page_Map was a fresh mapping,
 * not a remap of a frame left mapped), and the invariant checker must pass.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1, timeUnit = TimeUnit.SECONDS)
@Measurement(iterations = 5, time = 1, timeUnit = TimeUnit.SECONDS)
public class PageMapBenchmark {

    static final long RAM_BYTES = 1L << 30;
    /** 64 GiB: 2 MiB aligned, far from the root task's image, IPC buffer and boot info frame. */
    static final long VADDR = 0x10_0000_0000L;
    static final long PAGE = 1L << 12;
    /** Entries of one leaf page table: the batch size of {@link #mapOnly}. */
    static final int BATCH = 512;
    /** At most one table per level below the root (upper directory, directory, page table). */
    static final int MAX_TABLES = 3;

    static final long ROOT = InitialCap.INIT_THREAD_CNODE.cptr();
    static final long VSPACE = InitialCap.INIT_THREAD_VSPACE.cptr();

    /** A booted kernel with paging structures at {@link #VADDR} and {@link #BATCH} unmapped frames. */
    @State(Scope.Thread)
    public static class Booted {
        Kernel kernel;
        Sel4 sel4;
        /** cptrs of BATCH frame caps; frames[0] is the one {@link #mapAndUnmap} uses. */
        long[] frames;
        int tablesInstalled;
        private CostSnapshot afterSetup;

        @Setup(Level.Trial)
        public void boot() {
            kernel = Kernel.boot(KernelConfig.capBuddy(RAM_BYTES));
            sel4 = kernel.rootTask();
            BootInfo info = kernel.bootInfo();
            UntypedDescriptor ram = info.untypedList().stream()
                    .filter(u -> !u.device() && u.sizeBits() >= 22)
                    .findFirst()
                    .orElseThrow(() -> new IllegalStateException("no RAM untyped of >= 4 MiB"));
            long slot = info.empty().start();
            if (info.empty().size() < MAX_TABLES + BATCH) {
                throw new IllegalStateException("not enough empty slots: " + info.empty());
            }

            long firstTable = slot;
            check("Retype page tables",
                    sel4.untypedRetype(ram.cptr(), ObjectType.PAGE_TABLE, 0, ROOT, 0, 0, firstTable, MAX_TABLES));
            long firstFrame = firstTable + MAX_TABLES;
            check("Retype frames",
                    sel4.untypedRetype(ram.cptr(), ObjectType.SMALL_PAGE, 0, ROOT, 0, 0, firstFrame, BATCH));
            frames = new long[BATCH];
            for (int i = 0; i < BATCH; i++) {
                frames[i] = firstFrame + i;
            }

            // Install paging structures until Page_Map stops failing with FailedLookup.
            InvocationResult r = map(frames[0], VADDR);
            while (r.error() == Sel4Error.FAILED_LOOKUP && r.capFault() == null) {
                if (tablesInstalled == MAX_TABLES) {
                    throw new IllegalStateException("Page_Map still fails after " + MAX_TABLES + " tables: " + r);
                }
                check("PageTable_Map",
                        sel4.pageTableMap(firstTable + tablesInstalled, VSPACE, VADDR, VmAttributes.DEFAULT));
                tablesInstalled++;
                r = map(frames[0], VADDR);
            }
            check("Page_Map", r);
            if (tablesInstalled == 0) {
                throw new IllegalStateException("expected to need page tables at " + Long.toHexString(VADDR));
            }
            check("Page_Unmap", sel4.pageUnmap(frames[0]));
            // One untimed round of the batch too: all 512 addresses are under the same tables.
            for (int i = 0; i < BATCH; i++) {
                check("Page_Map (batch)", map(frames[i], VADDR + i * PAGE));
            }
            unmapAll();
            afterSetup = kernel.costs();
        }

        @TearDown(Level.Trial)
        public void verify() {
            CostSnapshot d = kernel.costs().minus(afterSetup);
            long maps = d.invocations(InvocationLabel.ARM_PAGE_MAP);
            long unmaps = d.invocations(InvocationLabel.ARM_PAGE_UNMAP);
            if (maps == 0 || maps != unmaps || !d.invocationErrors().isEmpty()) {
                throw new IllegalStateException("benchmark did not do what it claims: " + d);
            }
            InvariantReport report = kernel.checkInvariants();
            if (!report.ok()) {
                throw new IllegalStateException("kernel invariants broken after benchmark: " + report);
            }
        }

        InvocationResult map(long frame, long vaddr) {
            return sel4.pageMap(frame, VSPACE, vaddr, CapRights.READ_WRITE, VmAttributes.DEFAULT);
        }

        void unmapAll() {
            for (long f : frames) {
                check("Page_Unmap (batch)", sel4.pageUnmap(f));
            }
        }
    }

    /** {@link Booted}, plus an untimed unmap of all frames after every benchmark invocation. */
    @State(Scope.Thread)
    public static class UnmapAfterEach extends Booted {
        @TearDown(Level.Invocation)
        public void unmapAfter() {
            unmapAll();
        }
    }


    /** Main figure: Page_Map(frame, VADDR) + Page_Unmap(frame). */
    @Benchmark
    public void mapAndUnmap(Booted s, Blackhole bh) {
        long frame = s.frames[0];
        bh.consume(check("Page_Map", s.map(frame, VADDR)));
        bh.consume(check("Page_Unmap", s.sel4.pageUnmap(frame)));
    }

    /** Page_Map alone, per map: 512 distinct frames at 512 consecutive pages, unmapped untimed. */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void mapOnly(UnmapAfterEach s, Blackhole bh) {
        long[] fs = s.frames;
        for (int i = 0; i < fs.length; i++) {
            bh.consume(check("Page_Map", s.map(fs[i], VADDR + i * PAGE)));
        }
    }
}
