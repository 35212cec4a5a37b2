package org.capbuddy.bench.sos;

import static org.capbuddy.bench.sos.PageFaultBenchmark.ok;
import static org.capbuddy.bench.sos.PageFaultBenchmark.require;
import static org.capbuddy.bench.sos.PageFaultBenchmark.threadAllocatedBytes;

import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import org.capbuddy.kernel.Kernel;
import org.capbuddy.kernel.invariant.InvariantReport;
import org.capbuddy.libos.capbuddy.PoolConfig;
import org.capbuddy.libos.machine.MachineConfig;
import org.capbuddy.sos.Sos;
import org.capbuddy.sos.addrspace.Layout;
import org.capbuddy.sos.frametable.FrameTable;
import org.capbuddy.sos.machine.Balance;
import org.capbuddy.sos.machine.SosConfig;
import org.capbuddy.sos.machine.SosMachine;
import org.capbuddy.sos.paging.FifoPolicy;
import org.capbuddy.sos.paging.SecondChancePolicy;
import org.capbuddy.sos.process.Process;
import org.capbuddy.sos.process.ProcessPages;
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
 * SOS demand paging, per fault, in the steady state: SOS on the CapBuddy pool (512 MiB board,
 * as {@link PageFaultBenchmark}) with a frame table of {@link #FRAMES} frames and a page file,
 * one process whose heap holds more pages than the table, every access a user 8-byte store or
 * load through its {@link UserContext} (TLB, MMU walk, fault delivered to SOS). SOS tracks dirty
 * pages (a clean page is mapped read-only, its first store a dirty fault; a clean victim is
 * dropped without a write), so each benchmark fixes which kind of page its faults meet, and each
 * timed access is one fault of one kind:
 *
 * <ul>
 *   <li>{@link #evictingFault}: FIFO, a heap of {@link Evicting#PAGES} pages (twice the frames)
 *       stored to in ascending order, round after round. Each store's page is paged out (it was
 *       stored to {@code PAGES} stores ago and {@code FRAMES} stores have come since), so each
 *       store faults once: a store's page-in maps its page dirty and writable at once (no second,
 *       dirty fault), and the fault takes FIFO's oldest page (the one stored to {@code FRAMES}
 *       stores ago: dirty, so written, never dropped), writes it to a page-file slot, unmaps it,
 *       and reads the store's page back into its frame, mapped where it was (its page tables
 *       exist). One page-out and one page-in per store; reported per store.
 *   <li>{@link #cleanDropFault}: FIFO, a heap of {@link Dropping#PAGES} pages loaded from in
 *       ascending order, round after round. Every page is clean against the page-file slot it
 *       was read back from, so each load faults once: the fault drops FIFO's oldest page (clean:
 *       no write, its slot kept) and reads the load's page back, read-only, keeping its slot. One
 *       clean drop and one page-in per load, no page written; reported per load.
 *   <li>{@link #softFault}: second chance, a heap of {@link SoftFaulting#PAGES} pages (one more
 *       than the frames). Each store is to a resident, dirty page the clock has unreferenced (SOS
 *       unmapped it and kept its frame), so the fault only maps the frame again, writable, and
 *       sets the page's bit: no frame, no page-file I/O, no cap made. Reported per store.
 * </ul>
 *
 * <h2>How each measured access does the same work</h2>
 * {@link #evictingFault} and {@link #cleanDropFault} need no reset: a round over the
 * {@code PAGES} pages leaves the machine as it found it (the last {@code FRAMES} pages resident
 * in the same FIFO order, the others in the page file; for the loads, every resident page clean
 * against its kept slot), so the cycle is exact from the first round on, and one invocation is
 * one round ({@code @OperationsPerInvocation(PAGES)}). Trial setup runs {@link #PRIME_ROUNDS}
 * untimed rounds (the first creates the heap's page tables and SOS's window tables, and fills
 * the page file with the pages that do not fit; for the loads, it also pages out the marked,
 * dirty pages, after which every victim is clean); after each iteration the faults must each
 * have grown by exactly the accesses made: for the stores, page-outs and page-ins, with no clean
 * drop and no dirty fault; for the loads, clean drops and page-ins, with no page written and no
 * dirty fault; for both, no soft fault, no kill, no page table made, the table full and the page
 * file holding the rest (for the loads, every page's slot: the kept ones too).
 *
 * <p>{@link #softFault} needs the clock set before each invocation, untimed
 * ({@code @Setup(Level.Invocation)}; one invocation is {@code FRAMES - 1} faults, hundreds of
 * microseconds, so JMH's timestamps do not matter): every resident page is referenced then (the
 * last invocation's soft faults set their bits), and the one paged-out page is stored to: its
 * fault's search passes the whole clock, unreferencing (unmapping) every resident page, comes back
 * to the first and takes it. That leaves exactly {@code FRAMES - 1} resident pages unmapped: the
 * invocation stores to each once (ascending), each store one soft fault, checked after each
 * invocation (soft faults grew by exactly {@code FRAMES - 1}, page-outs, page-ins, clean drops
 * and dirty faults by none: every page was stored to, so dirty).
 *
 * <h2>Allocation</h2>
 * {@code -prof gc}'s {@code gc.alloc.rate.norm} is per access. For {@link #evictingFault} and
 * {@link #cleanDropFault} the iteration holds timed code only, so it is the timed fault's; for
 * {@link #softFault} it includes the untimed setup's eviction (spread over the {@code FRAMES - 1}
 * stores). Each trial's teardown prints the timed code's own bytes per access, read from the
 * thread's allocation counter around each iteration or invocation.
 *
 * <h2>Checks</h2>
 * Priming writes a mark at offset 8 of every page that no timed access touches; after each
 * iteration (and after the trial) every page's mark and last store are read through SOS's window
 * or from the page file ({@link Sos#peek}, which faults nothing), so a page-out, drop or page-in
 * that lost a byte fails the run; each timed load also checks the word it reads. After the trial
 * the process is destroyed and the balance ({@code SosMachine.settledBalance()}, page-file slots
 * included) must equal the balance from before it was created, with the kernel's invariants
 * holding.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xmx4g"})
@Warmup(iterations = 3, time = 1, timeUnit = TimeUnit.SECONDS)
@Measurement(iterations = 5, time = 1, timeUnit = TimeUnit.SECONDS)
public class PagingBenchmark {
    static final long PAGE = Layout.PAGE;
    /** The frame table's limit: every frame a page of the process's heap. */
    static final int FRAMES = 256;
    /** Untimed rounds over the heap in trial setup. */
    static final int PRIME_ROUNDS = 8;
    private static final long MARK = 0x5EED_0000_0000_0000L;

    /** A machine running SOS with paging on, and one process with a heap of {@code pages} pages. */
    @State(Scope.Thread)
    public abstract static class PagingRange {
        final int pages;
        final String policy;

        /** The stack headroom probe on fault delivery: {@code on} (every machine's default) or {@code off}, as in {@link PageFaultBenchmark}. */
        @Param({"on", "off"})
        String stackProbe;

        SosMachine machine;
        Kernel kernel;
        Sos sos;
        ProcessPages paging;
        Balance balanceBefore;
        Process process;
        UserContext ctx;
        long heapBase;
        long structures;
        int windowTables;
        /** The value each page's word 0 was last stored (by page index). */
        final long[] stored;
        long round;
        long stores;
        long timedBytes;

        PagingRange(int pages, String policy) {
            this.pages = pages;
            this.policy = policy;
            this.stored = new long[pages];
        }

        @Setup(Level.Trial)
        public void setUp() throws MemoryFault {
            require(stackProbe.equals("on") || stackProbe.equals("off"), "stackProbe is on or off: " + stackProbe);
            machine = ok("boot", SosMachine.boot(MachineConfig.original(512L << 20).withPool(PoolConfig.defaults()),
                    new SosConfig(FrameTable.SEED_REF_BITS, FRAMES).withPaging(4 * pages, policy)));
            kernel = machine.kernel();
            sos = machine.sos();
            paging = sos.pages();
            if (stackProbe.equals("off")) {
                kernel.guard().setStackHeadroomFrames(0);
            }
            balanceBefore = machine.settledBalance();
            process = ok("createProcess", sos.createProcess(64 << 10, 16 << 10));
            ctx = new UserContext(process, sos.syscalls(process));
            heapBase = ctx.brk(0);
            require(ctx.brk(heapBase + pages * PAGE) == heapBase + pages * PAGE, "brk grew the heap");
            for (int i = 0; i < pages; i++) {
                ctx.store(heapBase + i * PAGE + 8, 8, MARK + i);
            }
            structures = paging.structuresCreated();
            windowTables = sos.frameTable().windowTableCount();
            for (int r = 0; r < PRIME_ROUNDS; r++) {
                prime();
            }
            require(paging.structuresCreated() == structures, "priming made no page table after its first round");
            require(sos.frameTable().framesInUse() == FRAMES, "the frame table is full");
            require(paging.policy().size() == FRAMES, "every frame holds a heap page the policy may take");
            verifyContents();
        }

        /** One untimed pass that leaves the state the timed code expects. */
        abstract void prime() throws MemoryFault;

        /** Page-file slots in use in the steady state: the pages not resident, all dirty when they left. */
        long slotsInUse() {
            return pages - FRAMES;
        }

        void store(int page) throws MemoryFault {
            long value = ++round * 0x1_0000L + page;
            ctx.store(heapBase + page * PAGE, 8, value);
            stored[page] = value;
        }

        /** Every page's mark and last store, read without a fault from its frame or its page-file slot. */
        void verifyContents() {
            for (int i = 0; i < pages; i++) {
                long va = heapBase + i * PAGE;
                OptionalLong mark = sos.peek(process, va + 8, 8);
                OptionalLong word = sos.peek(process, va, 8);
                require(mark.isPresent() && mark.getAsLong() == MARK + i, "page " + i + " keeps its mark: " + mark);
                require(word.isPresent() && word.getAsLong() == stored[i], "page " + i + " holds its last store " + stored[i]
                        + ": " + word);
            }
            require(process.state() == ProcessState.RUNNING, "the process is running");
            require(paging.pinnedPages() == 0, "no page pinned");
            require(sos.frameTable().framesInUse() == FRAMES, "the frame table full");
            require(paging.pageFileSlotsInUse() == slotsInUse(), "the page file holds " + slotsInUse() + " pages: "
                    + paging.pageFileSlotsInUse());
            require(paging.structuresCreated() == structures, "no page table created by a timed fault");
            require(sos.frameTable().windowTableCount() == windowTables, "no window table created by a timed fault");
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            verifyContents();
            System.out.printf("%n[PagingBenchmark] %s, %d frames, %d heap pages, stackProbe=%s: %,d timed accesses verified; "
                            + "%,d page-outs, %,d page-ins, %,d soft faults, %,d clean drops, %,d dirty faults in all; "
                            + "timed code allocated %.1f B per access%n",
                    policy, FRAMES, pages, stackProbe, stores, paging.pageOuts(), paging.pageIns(), paging.softFaults(),
                    paging.cleanDrops(), paging.dirtyFaults(), stores == 0 ? 0.0 : timedBytes / (double) stores);
            ok("destroy", sos.destroy(process));
            require(sos.frameTable().framesInUse() == 0, "no frame in use after destroy");
            require(paging.pageFileSlotsInUse() == 0 && paging.policy().size() == 0, "page file and policy empty");
            Balance leaked = machine.settledBalance().diff(balanceBefore);
            require(leaked.isZero(), "balance after destroy, against before the process: " + leaked);
            InvariantReport r = kernel.checkInvariants();
            require(r.ok(), "kernel invariants: " + r);
        }
    }

    /** FIFO, twice as many heap pages as frames, stored to round after round: every store pages one out and one in. */
    @State(Scope.Thread)
    public static class Evicting extends PagingRange {
        static final int PAGES = 2 * FRAMES;
        long faults0;
        long outs0;
        long ins0;
        long soft0;
        long stores0;
        long allocated0;
        long kills0;
        long drops0;
        long dirty0;

        public Evicting() {
            super(PAGES, FifoPolicy.NAME);
        }

        @Override
        void prime() throws MemoryFault {
            for (int i = 0; i < PAGES; i++) {
                store(i);
            }
        }

        @Setup(Level.Iteration)
        public void beforeIteration() {
            faults0 = process.faultsHandled();
            outs0 = paging.pageOuts();
            ins0 = paging.pageIns();
            soft0 = paging.softFaults();
            kills0 = sos.faultHandler().kills();
            drops0 = paging.cleanDrops();
            dirty0 = paging.dirtyFaults();
            stores0 = stores;
            allocated0 = threadAllocatedBytes();
        }

        @TearDown(Level.Iteration)
        public void afterIteration() {
            timedBytes += threadAllocatedBytes() - allocated0;
            long made = stores - stores0;
            require(made % PAGES == 0, "whole rounds: " + made);
            require(process.faultsHandled() - faults0 == made, "one fault per store: " + (process.faultsHandled() - faults0));
            require(paging.pageOuts() - outs0 == made, "one page-out per store: " + (paging.pageOuts() - outs0));
            require(paging.pageIns() - ins0 == made, "one page-in per store: " + (paging.pageIns() - ins0));
            require(paging.softFaults() == soft0, "no soft fault");
            // a store's page-in maps its page dirty at once, and every victim was stored to
            require(paging.dirtyFaults() == dirty0, "no dirty fault: the store's own fault made its page dirty");
            require(paging.cleanDrops() == drops0, "no clean drop: every victim is dirty");
            require(sos.faultHandler().kills() == kills0, "no kill");
            verifyContents();
        }
    }

    /** Second chance, one heap page more than the frames, the clock set untimed before each invocation. */
    @State(Scope.Thread)
    public static class SoftFaulting extends PagingRange {
        static final int PAGES = FRAMES + 1;
        static final int SOFT = FRAMES - 1;
        /** The pages the coming invocation stores to: every resident page the clock unmapped. */
        final int[] targets = new int[SOFT];
        long faults0;
        long soft0;
        long outs0;
        long ins0;
        long drops0;
        long dirty0;
        long allocated0;

        public SoftFaulting() {
            super(PAGES, SecondChancePolicy.NAME);
        }

        @Override
        void prime() throws MemoryFault {
            // Every resident page referenced, as the timed stores leave them (after the marks,
            // the last fault's search has unreferenced all but one): soft faults where needed.
            for (long va : process.shadow().pageAddresses()) {
                store((int) ((va - heapBase) / PAGE));
            }
            setClock();
            for (int page : targets) {
                store(page);
            }
        }

        /**
         * Stores to the one paged-out page: its fault's search unreferences every resident page
         * and takes the first; the pages left unmapped are the coming stores' targets.
         */
        private void setClock() throws MemoryFault {
            List<Long> out = process.shadow().pagedOutAddresses();
            require(out.size() == 1, "one page paged out: " + out.size());
            int in = (int) ((out.get(0) - heapBase) / PAGE);
            long unreferenced0 = paging.pagesUnreferenced();
            store(in);
            require(paging.pagesUnreferenced() - unreferenced0 == FRAMES, "the search passed the whole clock: "
                    + (paging.pagesUnreferenced() - unreferenced0));
            List<Long> evicted = process.shadow().pagedOutAddresses();
            require(evicted.size() == 1, "one page paged out");
            int gone = (int) ((evicted.get(0) - heapBase) / PAGE);
            int n = 0;
            for (int i = 0; i < PAGES; i++) {
                if (i != in && i != gone) {
                    targets[n++] = i;
                }
            }
            require(n == SOFT, "targets: " + n);
        }

        @Setup(Level.Invocation)
        public void beforeInvocation() throws MemoryFault {
            setClock();
            faults0 = process.faultsHandled();
            soft0 = paging.softFaults();
            outs0 = paging.pageOuts();
            ins0 = paging.pageIns();
            drops0 = paging.cleanDrops();
            dirty0 = paging.dirtyFaults();
            allocated0 = threadAllocatedBytes();
        }

        @TearDown(Level.Invocation)
        public void afterInvocation() {
            timedBytes += threadAllocatedBytes() - allocated0;
            require(paging.softFaults() - soft0 == SOFT, "each store a soft fault: " + (paging.softFaults() - soft0));
            require(process.faultsHandled() - faults0 == SOFT, "one fault per store: " + (process.faultsHandled() - faults0));
            require(paging.pageOuts() == outs0 && paging.pageIns() == ins0, "no page-file I/O in timed code");
            require(paging.dirtyFaults() == dirty0 && paging.cleanDrops() == drops0, "every page dirty: no dirty fault,"
                    + " no drop");
            require(process.state() == ProcessState.RUNNING, "the process is running");
        }

        @TearDown(Level.Iteration)
        public void afterIteration() {
            verifyContents();
        }
    }

    /**
     * FIFO, twice as many heap pages as frames, loaded from round after round: every page clean
     * against its kept slot, so every load's fault drops the oldest page without a write and reads
     * the load's page back, keeping its slot.
     */
    @State(Scope.Thread)
    public static class Dropping extends PagingRange {
        static final int PAGES = 2 * FRAMES;
        long faults0;
        long outs0;
        long ins0;
        long soft0;
        long drops0;
        long dirty0;
        long written0;
        long loads0;
        long allocated0;
        long kills0;

        public Dropping() {
            super(PAGES, FifoPolicy.NAME);
        }

        @Override
        void prime() throws MemoryFault {
            // the first round pages the marked (dirty) pages out; from the second on every victim is clean
            for (int i = 0; i < PAGES; i++) {
                load(i);
            }
        }

        /** Every page has a slot: kept by the resident ones, holding the others. */
        @Override
        long slotsInUse() {
            return PAGES;
        }

        void load(int page) throws MemoryFault {
            long word = ctx.load(heapBase + page * PAGE, 8);
            if (word != stored[page]) {
                throw new IllegalStateException("page " + page + " loads " + word + ", not its last store " + stored[page]);
            }
        }

        @Setup(Level.Iteration)
        public void beforeIteration() {
            require(paging.cleanPages() == FRAMES, "every resident page clean: " + paging.cleanPages());
            faults0 = process.faultsHandled();
            outs0 = paging.pageOuts();
            ins0 = paging.pageIns();
            soft0 = paging.softFaults();
            drops0 = paging.cleanDrops();
            dirty0 = paging.dirtyFaults();
            written0 = paging.pageFile().pagesWritten();
            kills0 = sos.faultHandler().kills();
            loads0 = stores;
            allocated0 = threadAllocatedBytes();
        }

        @TearDown(Level.Iteration)
        public void afterIteration() {
            timedBytes += threadAllocatedBytes() - allocated0;
            long made = stores - loads0;
            require(made % PAGES == 0, "whole rounds: " + made);
            require(process.faultsHandled() - faults0 == made, "one fault per load: " + (process.faultsHandled() - faults0));
            require(paging.cleanDrops() - drops0 == made, "one clean drop per load: " + (paging.cleanDrops() - drops0));
            require(paging.pageIns() - ins0 == made, "one page-in per load: " + (paging.pageIns() - ins0));
            require(paging.pageOuts() == outs0 && paging.pageFile().pagesWritten() == written0, "no page written");
            require(paging.softFaults() == soft0 && paging.dirtyFaults() == dirty0, "no soft or dirty fault");
            require(sos.faultHandler().kills() == kills0, "no kill");
            require(paging.cleanPages() == FRAMES, "every resident page clean: " + paging.cleanPages());
            verifyContents();
        }
    }

    /** A store whose fault pages out a dirty page and reads the store's page back; per store. */
    @Benchmark
    @OperationsPerInvocation(Evicting.PAGES)
    public void evictingFault(Evicting s) throws MemoryFault {
        for (int i = 0; i < Evicting.PAGES; i++) {
            s.store(i);
        }
        s.stores += Evicting.PAGES;
    }

    /** A store to a page second chance unreferenced: a soft fault; per store. */
    @Benchmark
    @OperationsPerInvocation(SoftFaulting.SOFT)
    public void softFault(SoftFaulting s) throws MemoryFault {
        for (int page : s.targets) {
            s.store(page);
        }
        s.stores += SoftFaulting.SOFT;
    }

    /** A load whose fault drops a clean page (no write) and reads the load's page back, its slot kept; per load. */
    @Benchmark
    @OperationsPerInvocation(Dropping.PAGES)
    public void cleanDropFault(Dropping s) throws MemoryFault {
        for (int i = 0; i < Dropping.PAGES; i++) {
            s.load(i);
        }
        s.stores += Dropping.PAGES;
    }
}
