package org.capbuddy.bench.sos;

import java.lang.management.ManagementFactory;
import java.util.concurrent.TimeUnit;
import org.capbuddy.kernel.Kernel;
import org.capbuddy.kernel.cpu.UserCpu;
import org.capbuddy.kernel.invariant.InvariantReport;
import org.capbuddy.libos.capbuddy.CapBuddyVka;
import org.capbuddy.libos.capbuddy.PoolConfig;
import org.capbuddy.libos.machine.MachineConfig;
import org.capbuddy.libos.vka.Result;
import org.capbuddy.sos.Sos;
import org.capbuddy.sos.machine.Balance;
import org.capbuddy.sos.machine.SosConfig;
import org.capbuddy.sos.machine.SosMachine;
import org.capbuddy.sos.addrspace.Layout;
import org.capbuddy.sos.process.Process;
import org.capbuddy.sos.process.ProcessState;
import org.capbuddy.sos.user.MemoryFault;
import org.capbuddy.sos.user.UserContext;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * SOS demand paging, end to end, on a kernel in the CapBuddy configuration (512 MiB board),
 * allocman (single-level CSpace) and SOS whose frame table takes its frames from the CapBuddy
 * pool, booted as in SOS's tests ({@code SosFixture}). Every access goes through the user
 * process's {@link UserContext}, i.e. its {@link UserCpu} (software TLB, MMU walk, fault delivery).
 *
 * <ul>
 *   <li>{@link #pageFaultEndToEnd}: one user 8-byte store to an untouched, never-mapped heap page:
 *       TLB miss, MMU walk, translation fault delivered to SOS's fault handler (badge to process,
 *       region lookup, rights check), frame table alloc (a 4 KiB frame from the CapBuddy pool,
 *       mapped into SOS's window, zeroed through it), a CSpace slot and a copy of the frame cap,
 *       the mapping into the process's VSpace (its page tables already exist), the shadow page
 *       table record, the reply, the second walk that now succeeds, the TLB refill and the store.
 *       Reported per page (per store).
 *   <li>{@link #pageFaultInCache}: the same fault over a 1 MiB range instead of 64 MiB. Each
 *       invocation reuses the frames, page arrays and kernel records the one before it touched,
 *       a working set of a few MiB (1 MiB of page arrays that each fault zeroes, the frames' and
 *       pages' records) that stays in the last-level cache, where the 64 MiB range's does not:
 *       with {@code spareTrees=32} the difference from {@link #pageFaultEndToEnd} is what cache
 *       misses cost a fault (a program that frees and touches again a small heap sees this one;
 *       a program touching a large new range sees the other).
 *   <li>{@link #tlbHitStore} / {@link #tlbHitLoad}: one user 8-byte store / load through
 *       {@link UserContext} to a page that is mapped and in the TLB; the {@code *ThroughCpu}
 *       variants reach the same page through the process's {@link UserCpu} directly.
 * </ul>
 *
 * <h2>How every faulting store hits a fresh page, with the reset untimed</h2>
 * A heap of {@link Faulting#PAGES} pages (64 MiB; {@link FaultingInCache#PAGES}, 1 MiB, for
 * {@link #pageFaultInCache}) is the fault range. One invocation stores once to each of its pages in
 * ascending order ({@code @OperationsPerInvocation} is the page count), so each of its stores is the
 * first access to its page. The reset (brk back to the heap base, which unmaps and frees every page,
 * then brk up to the range's end again) is done in {@code @Setup/@TearDown(Level.Invocation)}
 * helpers: with invocation-level helpers JMH times each invocation on its own and leaves the helpers out. JMH's warning about
 * {@code Level.Invocation} (timestamp overhead and skew for short invocations) does not apply: one
 * invocation is 16384 faults, tens of milliseconds (256 faults, a tenth to a third of a
 * millisecond, in the 1 MiB range: still thousands of times the timestamps' cost). A {@code Level.Iteration} reset
 * would need a range that no time-bounded iteration can exhaust (at a few µs a fault, a 1 s
 * iteration would need gigabytes of fresh pages), and a reset inside the timed method would be timed.
 *
 * <p>Trial setup primes the range {@link FaultRange#PRIME_ROUNDS} times (grow, touch every page,
 * shrink): the first round creates the process's page tables for the whole heap and the tables of
 * SOS's frame window, so timed faults never create a paging structure (checked after every
 * invocation, and the structure count must not change after the first round); the other rounds
 * give the JIT the fault path before JMH's short warm-up.
 *
 * <p>{@code spareTrees} is the pool's spare-tree count. {@code 0} is SOS's test configuration: the
 * reset gives every emptied tree back, so a timed fault builds a tree (retypes 4 MiB of untyped
 * into 1024 frame caps) at the start of every 1024 pages, and that cost is amortised into the
 * figure: one fault in 1024 in the 64 MiB range, but one in 256 (every invocation) in the 1 MiB
 * range, whose figure then holds four times the share. {@code 32} keeps the trees a range needs
 * (16, or 1) as spares across resets, so no timed fault builds a tree (checked): the steady-state
 * fault, and the only setting under which the two ranges compare. Either way the pool checks on free that no frame is still mapped
 * and revokes every copy of its caps (the PoolConfig default), which happens in the untimed reset
 * only.
 *
 * <p>{@code stackProbe} is the machine's stack headroom probe on fault delivery
 * ({@code MachineGuard.requireStackHeadroom}, about 0.38 µs a fault). {@code on} is the default
 * every machine runs with: it guards Java user programs that fault from deep Java stacks.
 * {@code off} ({@code setStackHeadroomFrames(0)}) is what a driver whose Java stack at the fault is
 * constant and shallow may choose, such as this JMH loop or a future instruction interpreter: the
 * figure is then the fault itself.
 *
 * <h2>Allocation</h2>
 * {@code -prof gc}'s {@code gc.alloc.rate.norm} divides everything the thread allocated in an
 * iteration, the untimed reset included (brk's unmapping of the range's pages, the pool's frees), by the
 * faults. The trial teardown also prints the bytes the timed stores alone allocated per fault
 * (the thread's allocation counter read just before and just after each timed invocation): the
 * last invocation's figure and the lowest.
 *
 * <h2>Checks</h2>
 * Every store is checked (a refused access throws {@link MemoryFault}). After every invocation:
 * the process's {@code faultsHandled()} and its CPU's TLB misses grew by exactly the range's
 * page count (each store faulted exactly once), no process was killed, that many pages are mapped
 * and frames in use, no paging structure was created, the stored values read back;
 * after the shrink no frame is in use. After each trial the process is destroyed and allocman's
 * settled balance ({@code SosMachine.settledBalance()}) must equal the
 * balance before the process was created, with no frame in use and the kernel's invariants
 * holding. The TLB-hit trials must see no TLB miss and no fault during the whole trial.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xmx4g"})
@Warmup(iterations = 3, time = 1, timeUnit = TimeUnit.SECONDS)
@Measurement(iterations = 5, time = 1, timeUnit = TimeUnit.SECONDS)
public class PageFaultBenchmark {
    static final long PAGE = Layout.PAGE;

    /** A machine running SOS on the CapBuddy pool, built as every machine is ({@link SosMachine}). */
    static final class SosSystem {
        final SosMachine machine;
        final Kernel kernel;
        final CapBuddyVka pool;
        final Sos sos;
        final Balance balanceBefore;

        SosSystem(int spareTrees) {
            machine = ok("boot", SosMachine.boot(MachineConfig.original(512L << 20)
                    .withPool(PoolConfig.defaults().withSpareTrees(spareTrees)), new SosConfig(1 << 18)));
            kernel = machine.kernel();
            pool = machine.machine().pool().orElseThrow();
            sos = machine.sos();
            balanceBefore = machine.settledBalance();
        }

        Process process() {
            return ok("createProcess", sos.createProcess(64 << 10, 16 << 10));
        }

        /** Destroys the process and checks that nothing leaked. */
        void destroyAndVerify(Process p) {
            ok("destroy", sos.destroy(p));
            require(sos.liveProcesses() == 0, "no live process after destroy");
            require(sos.frameTable().framesInUse() == 0, "no frame in use after destroy");
            Balance leaked = machine.settledBalance().diff(balanceBefore);
            require(leaked.isZero(), "balance after destroy, against before the process: " + leaked);
            InvariantReport r = kernel.checkInvariants();
            require(r.ok(), "kernel invariants: " + r);
        }
    }

    /**
     * A process with a heap range of {@link #pages} pages whose pages are mapped by the timed
     * stores; {@link Faulting} and {@link FaultingInCache} differ only in the range's size.
     */
    @State(Scope.Thread)
    public abstract static class FaultRange {
        /** Untimed rounds over the range in trial setup (the first creates the page tables). */
        static final int PRIME_ROUNDS = 8;

        /** Pages in the fault range, also the stores (operations) of one invocation. */
        final int pages;
        final long range;

        @Param({"0", "32"})
        int spareTrees;

        /** The stack headroom probe on fault delivery: {@code on} (every machine's default) or {@code off}. */
        @Param({"on", "off"})
        String stackProbe;

        SosSystem sys;
        Process process;
        UserContext ctx;
        UserCpu cpu;
        long heapBase;
        long structures;
        int windowTables;
        // Per-invocation snapshots.
        long faults0;
        long misses0;
        long kills0;
        long trees0;
        long invocations;
        long treesBuiltTimed;
        // The timed stores' own allocation: the thread's counter before and after each invocation.
        long allocated0;
        long lastBytesPerFault = -1;
        long minBytesPerFault = Long.MAX_VALUE;

        FaultRange(int pages) {
            this.pages = pages;
            this.range = pages * PAGE;
        }

        @Setup(Level.Trial)
        public void setUp() throws MemoryFault {
            sys = new SosSystem(spareTrees);
            require(stackProbe.equals("on") || stackProbe.equals("off"), "stackProbe is on or off: " + stackProbe);
            if (stackProbe.equals("off")) {
                sys.kernel.guard().setStackHeadroomFrames(0);
            }
            process = sys.process();
            ctx = new UserContext(process, sys.sos.syscalls(process));
            cpu = process.cpu();
            heapBase = ctx.brk(0);
            require(heapBase % PAGE == 0, "heap base page aligned");
            // Prime: page tables for the whole range and for SOS's frame window, then back to empty.
            // Further rounds only give the JIT the fault path before JMH's warm-up.
            for (int round = 1; round <= PRIME_ROUNDS; round++) {
                grow();
                for (int i = 0; i < pages; i++) {
                    ctx.store(heapBase + i * PAGE, 8, i + 1);
                }
                require(process.faultsHandled() == (long) round * pages,
                        "priming faulted once a page: " + process.faultsHandled());
                shrink();
                if (round == 1) {
                    structures = sys.sos.pages().structuresCreated();
                    windowTables = sys.sos.frameTable().windowTableCount();
                    require(structures > 0 && windowTables > 0, "priming created the page tables");
                }
                require(sys.sos.pages().structuresCreated() == structures
                        && sys.sos.frameTable().windowTableCount() == windowTables,
                        "no page table created after the first priming round");
            }
        }

        private void grow() {
            require(process.shadow().pageCount() == 0, "no page mapped before growing");
            require(sys.sos.frameTable().framesInUse() == 0, "no frame in use before growing");
            long end = heapBase + range;
            require(ctx.brk(end) == end, "brk grew the heap to the range");
        }

        private void shrink() {
            require(ctx.brk(heapBase) == heapBase, "brk shrank the heap to its base");
            require(process.shadow().pageCount() == 0, "shrink unmapped every page");
            require(sys.sos.frameTable().framesInUse() == 0, "shrink freed every frame");
        }

        @Setup(Level.Invocation)
        public void beforeInvocation() {
            grow();
            faults0 = process.faultsHandled();
            misses0 = cpu.tlbMisses();
            kills0 = sys.sos.faultHandler().kills();
            trees0 = sys.pool.pool().treeCount();
            allocated0 = threadAllocatedBytes();
        }

        @TearDown(Level.Invocation)
        public void afterInvocation() throws MemoryFault {
            lastBytesPerFault = (threadAllocatedBytes() - allocated0) / pages;
            minBytesPerFault = Math.min(minBytesPerFault, lastBytesPerFault);
            long faults = process.faultsHandled() - faults0;
            long misses = cpu.tlbMisses() - misses0;
            require(faults == pages, "each store faulted exactly once: " + faults + " faults for " + pages + " stores");
            require(misses == pages, "each store missed the TLB exactly once: " + misses);
            require(sys.sos.faultHandler().kills() == kills0 && process.state() == ProcessState.RUNNING,
                    "no process killed");
            require(process.shadow().pageCount() == pages, "every page mapped");
            require(sys.sos.frameTable().framesInUse() == pages, "one frame per page in use");
            require(sys.sos.pages().structuresCreated() == structures, "no page table created by a timed fault");
            require(sys.sos.frameTable().windowTableCount() == windowTables, "no window table created by a timed fault");
            long treesBuilt = Math.max(0, sys.pool.pool().treeCount() - trees0);
            if (spareTrees * 1024L >= pages) {
                require(treesBuilt == 0, "with spare trees for the whole range no timed fault built a tree: " + treesBuilt);
            }
            treesBuiltTimed += treesBuilt;
            for (int i : new int[] {0, 1, pages / 2, pages - 1}) {
                long v = ctx.load(heapBase + i * PAGE, 8);
                require(v == i + 1, "page " + i + " holds its store: " + v);
            }
            require(process.faultsHandled() - faults0 == pages, "the read-back faulted nowhere");
            shrink();
            invocations++;
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            System.out.printf("%n[PageFaultBenchmark] pages=%d spareTrees=%d stackProbe=%s: %d invocations of %d faults, all "
                            + "verified; trees built in timed code: %d (%.2f per 1024 faults); page tables %d, window "
                            + "tables %d; timed code allocated %d B per fault (last invocation), %d B at the lowest%n",
                    pages, spareTrees, stackProbe, invocations, pages, treesBuiltTimed,
                    invocations == 0 ? 0.0 : treesBuiltTimed * 1024.0 / (invocations * (double) pages), structures,
                    windowTables, lastBytesPerFault, minBytesPerFault);
            sys.destroyAndVerify(process);
        }
    }

    /** The 64 MiB range: every fault's frame, page array and the model's records are cold in the cache. */
    @State(Scope.Thread)
    public static class Faulting extends FaultRange {
        static final int PAGES = 16384;

        public Faulting() {
            super(PAGES);
        }
    }

    /**
     * A 1 MiB range, whose frames, page arrays and records the previous invocation left in the
     * last-level cache: the same fault without most of its misses.
     */
    @State(Scope.Thread)
    public static class FaultingInCache extends FaultRange {
        static final int PAGES = 256;

        public FaultingInCache() {
            super(PAGES);
        }
    }

    /** A process with one heap page mapped and in its TLB. */
    @State(Scope.Thread)
    public static class Mapped {
        static final long MAGIC = 0x5EED_F00D_CAFE_0001L;

        SosSystem sys;
        Process process;
        UserContext ctx;
        UserCpu cpu;
        long addr;
        long counter;
        long lastStored;
        long faults0;
        long misses0;
        long hits0;

        @Setup(Level.Trial)
        public void setUp() throws MemoryFault {
            sys = new SosSystem(0);
            process = sys.process();
            ctx = new UserContext(process, sys.sos.syscalls(process));
            cpu = process.cpu();
            long base = ctx.brk(0);
            require(ctx.brk(base + PAGE) == base + PAGE, "heap of one page");
            addr = base + 64;
            ctx.store(addr, 8, MAGIC);
            require(process.faultsHandled() == 1, "the first store faulted once");
            require(ctx.load(addr, 8) == MAGIC, "load reads the store");
            lastStored = MAGIC;
            counter = MAGIC;
            faults0 = process.faultsHandled();
            misses0 = cpu.tlbMisses();
            hits0 = cpu.tlbHits();
        }

        @TearDown(Level.Trial)
        public void tearDown() throws MemoryFault {
            long hits = cpu.tlbHits() - hits0;
            require(process.faultsHandled() == faults0, "no fault during the trial");
            require(cpu.tlbMisses() == misses0, "no TLB miss during the trial");
            require(hits > 0, "the accesses hit the TLB: " + hits);
            long expected = counter == MAGIC ? MAGIC : counter;
            require(ctx.load(addr, 8) == expected, "the page holds the last store");
            System.out.printf("%n[PageFaultBenchmark] TLB-hit trial: %d TLB hits, 0 misses, 0 faults%n", hits);
            sys.destroyAndVerify(process);
        }
    }

    /** One page fault end to end; the result is per faulting store (per page). */
    @Benchmark
    @OperationsPerInvocation(Faulting.PAGES)
    public void pageFaultEndToEnd(Faulting s) throws MemoryFault {
        touchEveryPage(s);
    }

    /** {@link #pageFaultEndToEnd} over a range small enough to stay in the cache. */
    @Benchmark
    @OperationsPerInvocation(FaultingInCache.PAGES)
    public void pageFaultInCache(FaultingInCache s) throws MemoryFault {
        touchEveryPage(s);
    }

    private static void touchEveryPage(FaultRange s) throws MemoryFault {
        UserContext ctx = s.ctx;
        long base = s.heapBase;
        int pages = s.pages;
        for (int i = 0; i < pages; i++) {
            ctx.store(base + i * PAGE, 8, i + 1);
        }
    }

    /** A user 8-byte store that hits the TLB. */
    @Benchmark
    public void tlbHitStore(Mapped s) throws MemoryFault {
        s.ctx.store(s.addr, 8, ++s.counter);
    }

    /** A user 8-byte load that hits the TLB. */
    @Benchmark
    public long tlbHitLoad(Mapped s) throws MemoryFault {
        return s.ctx.load(s.addr, 8);
    }

    /**
     * {@link #tlbHitLoad} without {@link UserContext}: the same page read straight through the
     * process's {@link UserCpu}, so that the cost of the hop through the context shows.
     */
    @Benchmark
    public long tlbHitLoadThroughCpu(Mapped s) {
        long value = s.cpu.read(s.addr, 8);
        if (s.cpu.failed()) {
            throw new IllegalStateException("load refused: " + s.cpu.failure());
        }
        return value;
    }

    /** {@link #tlbHitStore} without {@link UserContext}, as {@link #tlbHitLoadThroughCpu}. */
    @Benchmark
    public void tlbHitStoreThroughCpu(Mapped s) {
        if (!s.cpu.write(s.addr, 8, ++s.counter)) {
            throw new IllegalStateException("store refused: " + s.cpu.failure());
        }
    }

    /** Bytes this thread has allocated so far (HotSpot's per-thread counter, exact to the TLAB). */
    static long threadAllocatedBytes() {
        return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean()).getCurrentThreadAllocatedBytes();
    }

    static <T> T ok(String what, Result<T> r) {
        if (!r.isOk()) {
            throw new IllegalStateException(what + " failed: " + r);
        }
        return r.value();
    }

    static void require(boolean condition, String what) {
        if (!condition) {
            throw new IllegalStateException("setup/verification failed: " + what);
        }
    }
}
