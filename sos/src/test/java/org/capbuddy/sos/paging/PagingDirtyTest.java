package org.capbuddy.sos.paging;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import org.capbuddy.kernel.api.PagingDump;
import org.capbuddy.kernel.trace.TraceKind;
import org.capbuddy.sos.SosFixture;
import org.capbuddy.sos.Syscalls;
import org.capbuddy.sos.addrspace.Layout;
import org.capbuddy.sos.frametable.FrameTable;
import org.capbuddy.sos.linux.LinuxProcess;
import org.capbuddy.sos.linux.LinuxSyscall;
import org.capbuddy.sos.machine.SosConfig;
import org.capbuddy.sos.process.Process;
import org.capbuddy.sos.process.ProcessPages;
import org.capbuddy.sos.process.ProcessState;
import org.capbuddy.sos.user.MemoryFault;
import org.capbuddy.sos.user.UserContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Dirty tracking in SOS's pager: a clean page is mapped read-only however writable its region, a
 * store to it is one dirty fault, a clean victim is dropped without a write (its kept slot or its
 * initial contents hold it), and every write SOS makes through its window (read(2), uname,
 * clock_gettime, getrandom) makes the page dirty first, or the drop would lose it. Counts are
 * exact on a small FIFO workload whose victims follow from the order of the touches.
 */
class PagingDirtyTest {
    private static final int ROOM = 4;

    private SosFixture fx;
    private Process p;
    private UserContext ctx;
    private long code;
    /** Resident evictable pages with the table full: the process's own (its code page) and ROOM more. */
    private int capacity;

    static List<String> policies() {
        return PolicyRegistry.names();
    }

    private void start(String policy, int pageFile) throws MemoryFault {
        SosFixture probe = new SosFixture(true);
        Process q = probe.process();
        probe.context(q).store(probe.codePage(q) + 0x800, 8, 0);
        int own = probe.sos.frameTable().framesInUse();
        fx = new SosFixture(true, new SosConfig(FrameTable.SEED_REF_BITS, own + ROOM, pageFile, policy));
        p = fx.process();
        ctx = fx.context(p);
        code = fx.codePage(p);
        ctx.store(code + 0x800, 8, 0);
        capacity = fx.sos.pages().policy().size() + ROOM;
    }

    private long call(LinuxSyscall c, long... args) {
        return fx.linuxCall(p, code, c.number(), args);
    }

    /** The user rights the kernel's tables give the page at {@code va}: "rw", "r", "kernel-only", or "" when unmapped. */
    private String mapped(long va) {
        PagingDump dump = fx.vka.sel4().pageTables(p.vspaceCptr()).orElseThrow();
        for (PagingDump.Entry e : dump.entries()) {
            if (e instanceof PagingDump.PageRun run && va >= run.vaddr() && va <= run.vaddrLast()) {
                return run.rights();
            }
        }
        return "";
    }

    private long region(int pages) {
        return ctx.sys().mmap((long) pages * Layout.PAGE).value();
    }

    private static long page(long base, int i) {
        return base + (long) i * Layout.PAGE;
    }

    @Test
    void aPageDroppedInItsInitialStateReadsAsItsInitialContentsUntilUnmapped() throws MemoryFault {
        start(FifoPolicy.NAME, 64);
        ProcessPages pages = fx.sos.pages();
        long x = region(capacity);
        long y = region(capacity);
        assertThat(pages.peek(p, page(x, 1) + 8, 8)).as("never touched: nothing there").isEmpty();
        for (int i = 0; i < capacity; i++) {
            ctx.load(page(x, i), 8);
        }
        // FIFO: loads of as many fresh pages drop every X page clean, in its initial state
        for (int i = 0; i < capacity; i++) {
            ctx.load(page(y, i), 8);
        }
        long x1 = page(x, 1);
        assertThat(p.shadow().frameRef(x1)).isEqualTo(FrameTable.NULL_FRAME);
        assertThat(p.shadow().pagedOutSlot(x1)).isNegative();
        assertThat(pages.peek(p, x1 + 8, 8)).as("its initial zeros, not absent").hasValue(0);
        assertThat(pages.readWord(p, x1 + 4)).isZero();
        assertThat(fx.sos.peek(p, x1 + 16, 4)).hasValue(0);
        // mremap moves the dropped page: read at its new place, gone from its old one
        long moved = ctx.sys().mremap(x, (long) capacity * Layout.PAGE, 4L * capacity * Layout.PAGE,
                1 /* MREMAP_MAYMOVE */, 0).value();
        assertThat(moved).as("grown past Y, so moved").isNotEqualTo(x);
        assertThat(pages.peek(p, x1 + 8, 8)).isEmpty();
        long m1 = page(moved, 1);
        assertThat(pages.peek(p, m1 + 8, 8)).hasValue(0);
        // munmap forgets it: nothing there any more, and no touch brings it back
        assertThat(ctx.sys().munmap(moved, 4L * capacity * Layout.PAGE).isOk()).isTrue();
        assertThat(pages.peek(p, m1 + 8, 8)).isEmpty();
        assertThat(pages.readWord(p, m1)).isEqualTo(-1);
    }

    @Test
    void exactCountsOfWritesDropsAndDirtyFaultsOnAFifoWorkload() throws MemoryFault {
        start(FifoPolicy.NAME, 64);
        ProcessPages pages = fx.sos.pages();
        int c = capacity;
        long w = region(c);
        long x = region(c);
        long y = region(c);
        // stores fill the table with dirty pages only, the process's own pushed out first
        for (int i = 0; i < c; i++) {
            ctx.store(page(w, i), 8, page(w, i));
        }
        assertThat(pages.cleanPages()).isZero();
        long outs = pages.pageOuts();
        long drops = pages.cleanDrops();
        long written = pages.pageFile().pagesWritten();
        assertThat(pages.dirtyFaults()).as("a store's first fault makes its page dirty at once").isZero();

        // loads of fresh pages: clean, read-only though writable, each pushing a dirty W page out with a write
        for (int i = 0; i < c; i++) {
            assertThat(ctx.load(page(x, i), 8)).isZero();
        }
        assertThat(pages.pageOuts() - outs).isEqualTo(c);
        assertThat(pages.cleanDrops() - drops).isZero();
        assertThat(pages.cleanPages()).isEqualTo(c);
        assertThat(mapped(page(x, 0))).isEqualTo("r");

        // one store to a clean page: one dirty fault, the page writable from then on, no second fault
        long faults = p.faultsHandled();
        ctx.store(page(x, 0), 8, 0xD1);
        ctx.store(page(x, 0) + 8, 8, 0xD2);
        assertThat(pages.dirtyFaults()).isEqualTo(1);
        assertThat(p.faultsHandled() - faults).isEqualTo(1);
        assertThat(mapped(page(x, 0))).isEqualTo("rw");
        assertThat(pages.isClean(p, page(x, 0))).isFalse();

        // fresh loads push X out: X0 dirty (a write), the others clean in their initial state (dropped, no slot)
        int slots = pages.pageFileSlotsInUse();
        for (int i = 0; i < c; i++) {
            ctx.load(page(y, i), 8);
        }
        assertThat(pages.pageOuts() - outs).isEqualTo(c + 1);
        assertThat(pages.cleanDrops() - drops).isEqualTo(c - 1);
        assertThat(pages.pageFileSlotsInUse()).isEqualTo(slots + 1);
        assertThat(p.shadow().pagedOutSlot(page(x, 1))).as("an initial page keeps no slot").isNegative();
        assertThat(pages.pageFile().pagesWritten() - written).isEqualTo(c + 1);

        // W0 read back is clean against its slot, which it keeps; X1 comes back as its first fault made it
        long ins = pages.pageIns();
        int w0Slot = p.shadow().pagedOutSlot(page(w, 0));
        assertThat(ctx.load(page(w, 0), 8)).isEqualTo(page(w, 0));
        assertThat(pages.pageIns() - ins).isEqualTo(1);
        assertThat(pages.isClean(p, page(w, 0))).isTrue();
        assertThat(fx.sos.pages().pageFile().inUse(w0Slot)).as("the kept slot").isTrue();
        assertThat(mapped(page(w, 0))).isEqualTo("r");
        assertThat(ctx.load(page(x, 1), 8)).isZero();
        assertThat(pages.pageIns() - ins).as("an initial page is no page-in").isEqualTo(1);
        assertThat(ctx.load(page(x, 0) + 8, 8)).as("X0 was written out").isEqualTo(0xD2);
        assertThat(pages.pageIns() - ins).isEqualTo(2);

        // W0 pushed out again while clean: no write, its shadow names its kept slot again
        long outsNow = pages.pageOuts();
        long dropsNow = pages.cleanDrops();
        long z = region(c);
        for (int i = 0; i < c; i++) {
            ctx.load(page(z, i), 8);
        }
        assertThat(p.shadow().pagedOutSlot(page(w, 0))).isEqualTo(w0Slot);
        assertThat(pages.pageOuts() - outsNow).as("X0 dirty? no: read back clean; Y pages initial").isZero();
        assertThat(pages.cleanDrops() - dropsNow).isEqualTo(c);

        // W0 read back again, clean, then stored to: a dirty fault that frees the kept slot
        assertThat(ctx.load(page(w, 0), 8)).isEqualTo(page(w, 0));
        assertThat(p.shadow().pagedOutSlot(page(w, 0))).isNegative();
        assertThat(pages.pageFile().inUse(w0Slot)).isTrue();
        int inUse = pages.pageFileSlotsInUse();
        ctx.store(page(w, 0) + 16, 8, 0xEE);
        assertThat(pages.pageFileSlotsInUse()).as("the kept slot freed").isEqualTo(inUse - 1);
        assertThat(pages.pageFile().inUse(w0Slot)).isFalse();
        assertThat(pages.dirtyFaults()).isEqualTo(2);
        assertThat(ctx.load(page(w, 0), 8)).isEqualTo(page(w, 0));
        assertThat(fx.sos.destroy(p).isOk()).isTrue();
        assertThat(pages.pageFileSlotsInUse()).isZero();
        assertThat(pages.cleanPages()).isZero();
    }

    @ParameterizedTest
    @MethodSource("policies")
    void sosWritesThroughItsWindowMakeCleanPagesDirty(String policy) throws MemoryFault {
        start(policy, 256);
        byte[] input = "typed on stdin".getBytes(StandardCharsets.US_ASCII);
        fx.sos.linux().attach(p, new LinuxProcess(input, 7));
        long buf = region(5);
        // every page clean: read-only mapped once loaded
        for (int i = 0; i < 5; i++) {
            assertThat(ctx.load(page(buf, i), 8)).isZero();
            assertThat(pages().isClean(p, page(buf, i))).isTrue();
        }
        // a page read back from the page file and clean against its kept slot, for getrandom
        ctx.store(page(buf, 4) + 64, 8, 0x5EED);
        churn(3 * capacity);
        assertThat(ctx.load(page(buf, 4) + 64, 8)).isEqualTo(0x5EED);
        assertThat(pages().isClean(p, page(buf, 4))).isTrue();
        for (int i = 0; i < 4; i++) {
            ctx.load(page(buf, i), 8); // resident and clean again
        }
        long dirtyFaults = pages().dirtyFaults();
        assertThat(call(LinuxSyscall.READ, 0, page(buf, 0) + 100, input.length)).isEqualTo(input.length);
        assertThat(call(LinuxSyscall.UNAME, page(buf, 1))).isZero();
        assertThat(call(LinuxSyscall.CLOCK_GETTIME, 1, page(buf, 2) + 8)).isZero();
        assertThat(call(LinuxSyscall.GETRANDOM, page(buf, 4), 32, 0)).isEqualTo(32);
        byte[] random = new byte[32];
        ctx.copyIn(page(buf, 4), random, 0, 32);
        assertThat(pages().dirtyFaults()).as("SOS's own writes are no faults").isEqualTo(dirtyFaults);
        for (int i : new int[] {0, 1, 2, 4}) {
            assertThat(pages().isClean(p, page(buf, i))).as("page %d written by SOS", i).isFalse();
        }
        assertThat(pages().isClean(p, page(buf, 3))).as("untouched by any call").isTrue();
        // everything out of memory and back: what SOS wrote survives the eviction
        churn(3 * capacity);
        byte[] read = new byte[input.length];
        ctx.copyIn(page(buf, 0) + 100, read, 0, read.length);
        assertThat(read).isEqualTo(input);
        byte[] sysname = new byte[5];
        ctx.copyIn(page(buf, 1), sysname, 0, 5);
        assertThat(new String(sysname, StandardCharsets.US_ASCII)).isEqualTo("Linux");
        assertThat(ctx.load(page(buf, 2) + 8, 8) | ctx.load(page(buf, 2) + 16, 8)).as("a time").isNotZero();
        byte[] again = new byte[32];
        ctx.copyIn(page(buf, 4), again, 0, 32);
        assertThat(again).isEqualTo(random);
        assertThat(ctx.load(page(buf, 4) + 64, 8)).isEqualTo(0x5EED);
        assertThat(p.state()).isEqualTo(ProcessState.RUNNING);
    }

    private ProcessPages pages() {
        return fx.sos.pages();
    }

    /** Touches {@code n} fresh pages by loads (clean ones), pushing older ones out. */
    private void churn(int n) throws MemoryFault {
        long at = region(n);
        for (int i = 0; i < n; i++) {
            ctx.load(page(at, i), 8);
        }
    }

    @ParameterizedTest
    @MethodSource("policies")
    void mprotectAndMremapKeepACleanPageReadOnlyAndADirtyOneWritable(String policy) throws MemoryFault {
        start(policy, 64);
        long a = region(2);
        ctx.load(page(a, 0), 8);
        ctx.store(page(a, 1), 8, 9);
        int rw = Syscalls.PROT_READ | Syscalls.PROT_WRITE;
        assertThat(call(LinuxSyscall.MPROTECT, a, 2 * Layout.PAGE, Syscalls.PROT_READ)).isZero();
        assertThat(mapped(page(a, 0))).isEqualTo("r");
        assertThat(mapped(page(a, 1))).isEqualTo("r");
        assertThat(call(LinuxSyscall.MPROTECT, a, 2 * Layout.PAGE, rw)).isZero();
        assertThat(mapped(page(a, 0))).as("clean: still read-only").isEqualTo("r");
        assertThat(mapped(page(a, 1))).as("dirty: writable").isEqualTo("rw");
        assertThat(pages().isClean(p, page(a, 0))).isTrue();
        // an initial page is dirty at another address (its initial contents were its old address's)
        ctx.store(page(a, 0) + 8, 8, 5);
        long b = region(2);
        ctx.load(page(b, 0), 8);
        long target = region(2);
        int fixed = 3; // MREMAP_MAYMOVE | MREMAP_FIXED
        assertThat(call(LinuxSyscall.MREMAP, b, 2 * Layout.PAGE, 2 * Layout.PAGE, fixed, target)).isEqualTo(target);
        assertThat(pages().isClean(p, target)).isFalse();
        assertThat(mapped(target)).isEqualTo("rw");
        assertThat(ctx.load(target, 8)).isZero();
        // a page read back from its slot moves with the slot kept, still clean and read-only
        long d = region(1);
        ctx.store(d, 8, 0xABC);
        churn(3 * capacity);
        assertThat(ctx.load(d, 8)).isEqualTo(0xABC);
        assertThat(pages().isClean(p, d)).isTrue();
        long there = region(1);
        assertThat(call(LinuxSyscall.MREMAP, d, Layout.PAGE, Layout.PAGE, fixed, there)).isEqualTo(there);
        assertThat(pages().isClean(p, there)).isTrue();
        assertThat(mapped(there)).isEqualTo("r");
        churn(3 * capacity);
        assertThat(ctx.load(there, 8)).as("dropped, read back from its kept slot").isEqualTo(0xABC);
        ctx.store(there, 8, 0xDEF);
        churn(3 * capacity);
        assertThat(ctx.load(there, 8)).isEqualTo(0xDEF);
        assertThat(ctx.load(page(a, 0) + 8, 8)).isEqualTo(5);
        assertThat(ctx.load(page(a, 1), 8)).isEqualTo(9);
    }

    @Test
    void theFaultsTraceShowsDirtyFaultsAndDrops() throws MemoryFault {
        start(FifoPolicy.NAME, 64);
        List<String> events = new ArrayList<>();
        fx.kernel.state().tracer().start(EnumSet.of(TraceKind.FAULTS), -1, event -> events.add(event.text()));
        long a = region(1);
        long b = region(1);
        ctx.load(a, 8);
        ctx.store(b, 8, 1);
        ctx.store(a, 8, 1);
        // page_mapped names the rights of the mapping made: a load maps a writable page clean, without write
        assertThat(events).anyMatch(e -> e.contains("page_mapped") && e.contains("page=0x" + Long.toHexString(a) + " ")
                        && e.contains(" rights=r-- "))
                .anyMatch(e -> e.contains("page_mapped") && e.contains("page=0x" + Long.toHexString(b) + " ")
                        && e.contains(" rights=rw- "));
        churn(2 * capacity);
        assertThat(events).anyMatch(e -> e.contains("dirty_fault") && e.contains("page=0x" + Long.toHexString(a)))
                .anyMatch(e -> e.contains("page_drop"))
                .anyMatch(e -> e.contains("page_out") && e.contains("page=0x" + Long.toHexString(a)));
    }

    /** Steps 1-3 of the reclaim case: W stored, pushed out by loads, read back clean; returns W's base. */
    private long wReadBackClean() throws MemoryFault {
        long w = region(capacity);
        for (int i = 0; i < capacity; i++) {
            ctx.store(page(w, i), 8, page(w, i));
        }
        churn(capacity);
        for (int i = 0; i < capacity; i++) {
            assertThat(ctx.load(page(w, i), 8)).isEqualTo(page(w, i));
        }
        return w;
    }

    @ParameterizedTest
    @MethodSource("policies")
    void aDirtyVictimFindingThePageFileFullReclaimsTheKeptSlotOfACleanPage(String policy) throws MemoryFault {
        start(policy, 256);
        wReadBackClean();
        int full = pages().pageFileSlotsInUse();
        // the same again with a page file that the clean pages' kept slots fill
        start(policy, full);
        long w = wReadBackClean();
        assertThat(pages().pageFileSlotsInUse()).isEqualTo(full);
        assertThat(pages().cleanPages()).isEqualTo(capacity);
        // every W page but W0 pinned: a store to a fresh page drops W0, the next one's victim is dirty
        for (int i = 1; i < capacity; i++) {
            pages().pin(new org.capbuddy.sos.process.UserPage(p, page(w, i)));
        }
        long f = region(2);
        ctx.store(page(f, 0), 8, 0xF0);
        assertThat(p.shadow().pagedOutSlot(page(w, 0))).as("W0 dropped to its kept slot").isNotNegative();
        long drops = pages().cleanDrops();
        long outs = pages().pageOuts();
        ctx.store(page(f, 1), 8, 0xF1);
        assertThat(p.state()).isEqualTo(ProcessState.RUNNING);
        assertThat(pages().slotsReclaimed()).isEqualTo(1);
        assertThat(pages().pageOuts() - outs).as("F0 written to the reclaimed slot").isEqualTo(1);
        assertThat(pages().cleanDrops()).isEqualTo(drops);
        assertThat(pages().pageFileSlotsInUse()).isEqualTo(full);
        assertThat(p.shadow().pagedOutSlot(page(f, 0))).isNotNegative();
        // the oldest clean page with a slot gave it up: dirty now, mapped writable, its bytes in its frame only
        long reclaimed = -1;
        for (int i = 1; i < capacity; i++) {
            if (!pages().isClean(p, page(w, i))) {
                assertThat(reclaimed).as("one page reclaimed").isNegative();
                reclaimed = page(w, i);
            }
        }
        assertThat(reclaimed).isEqualTo(page(w, 1));
        // second chance may have unmapped it to clear its bit: its soft fault maps it writable then
        assertThat(mapped(reclaimed)).isIn("rw", "");
        long dirtyFaults = pages().dirtyFaults();
        ctx.store(reclaimed + 8, 8, 0x77);
        assertThat(pages().dirtyFaults()).as("no dirty fault on a page already dirty").isEqualTo(dirtyFaults);
        assertThat(mapped(reclaimed)).isEqualTo("rw");
        // unpinned, the W pages go out; the dirty one is written as any dirty page
        for (int i = 1; i < capacity; i++) {
            pages().unpin(new org.capbuddy.sos.process.UserPage(p, page(w, i)));
        }
        assertThat(ctx.load(page(f, 0), 8)).isEqualTo(0xF0);
        for (int i = 0; i < capacity; i++) {
            assertThat(ctx.load(page(w, i), 8)).as("W%d", i).isEqualTo(page(w, i));
        }
        assertThat(ctx.load(reclaimed + 8, 8)).isEqualTo(0x77);
        assertThat(ctx.load(page(f, 1), 8)).isEqualTo(0xF1);
        assertThat(fx.sos.destroy(p).isOk()).isTrue();
        assertThat(pages().pageFileSlotsInUse()).isZero();
    }

    /**
     * Fills the page file with dirty pages and leaves the table holding dirty W pages and, last
     * in, two clean pages in their initial state (L0, L1), none with a kept slot; returns L's base.
     */
    private long fullFileDirtyAndTwoInitial() throws MemoryFault {
        long w = region(capacity);
        for (int i = 0; i < capacity; i++) {
            ctx.store(page(w, i), 8, page(w, i));
        }
        long l = region(2);
        ctx.load(page(l, 0), 8);
        ctx.load(page(l, 1), 8);
        return l;
    }

    @ParameterizedTest
    @MethodSource("policies")
    void aDirtyVictimWithNoSlotLeftDropsACleanPageInsteadAndOnlyThenKills(String policy) throws MemoryFault {
        start(policy, 256);
        fullFileDirtyAndTwoInitial();
        int full = pages().pageFileSlotsInUse();
        start(policy, full);
        long l = fullFileDirtyAndTwoInitial();
        assertThat(pages().pageFileSlotsInUse()).isEqualTo(full);
        assertThat(pages().cleanPages()).isEqualTo(2);
        long drops = pages().cleanDrops();
        long outs = pages().pageOuts();
        long f = region(3);
        ctx.store(page(f, 0), 8, 0xF0);
        assertThat(p.state()).as("a clean page could go: no kill").isEqualTo(ProcessState.RUNNING);
        assertThat(pages().pageOuts()).as("nothing written").isEqualTo(outs);
        assertThat(pages().cleanDrops() - drops).isEqualTo(1);
        assertThat(pages().slotsReclaimed()).isZero();
        assertThat(pages().pageFileSlotsInUse()).isEqualTo(full);
        if (policy.equals(FifoPolicy.NAME)) {
            // FIFO: the first clean page in its order, L0, though the oldest page (dirty) was its victim
            assertThat(p.shadow().frameRef(page(l, 0))).isEqualTo(FrameTable.NULL_FRAME);
            assertThat(pages().isClean(p, page(l, 1))).isTrue();
        }
        ctx.store(page(f, 1), 8, 0xF1);
        assertThat(p.state()).isEqualTo(ProcessState.RUNNING);
        assertThat(pages().cleanDrops() - drops).as("the other L page").isEqualTo(2);
        assertThat(pages().cleanPages()).isZero();
        assertThat(ctx.load(page(f, 0), 8)).isEqualTo(0xF0);
        // nothing clean is left and every slot is taken: only now is the process killed
        try {
            ctx.store(page(f, 2), 8, 0xF2);
        } catch (MemoryFault expected) {
            // the store that killed it
        }
        assertThat(p.state()).isNotEqualTo(ProcessState.RUNNING);
        assertThat(p.killReport().reason()).contains("the page file is full");
    }

    @ParameterizedTest
    @EnumSource(PagingFailureInjectionTest.Injector.class)
    void aCleanDropInsteadOfADirtyVictimUndoneAtEveryStepLeavesEveryPageAsItWas(
            PagingFailureInjectionTest.Injector injector) throws MemoryFault {
        start(FifoPolicy.NAME, 256);
        fullFileDirtyAndTwoInitial();
        int full = pages().pageFileSlotsInUse();
        int failures = 0;
        for (int step = 1; step < 200; step++) {
            start(FifoPolicy.NAME, full);
            long l = fullFileDirtyAndTwoInitial();
            // the fault's page lies far from everything mapped: its tables are allocations to fail
            long far = ctx.sys().mmap(0x30_0000_0000L, Layout.PAGE, Syscalls.PROT_READ | Syscalls.PROT_WRITE,
                    Syscalls.MAP_PRIVATE | Syscalls.MAP_ANONYMOUS | Syscalls.MAP_FIXED, -1, 0).value();
            org.capbuddy.sos.machine.Balance before = fx.strictBalance();
            long drops = pages().cleanDrops();
            List<Long> resident = p.shadow().pageAddresses().stream().sorted().toList();
            var inj = injector.of(fx);
            inj.failNth(step);
            MemoryFault fault = null;
            try {
                ctx.store(far, 8, 42);
            } catch (MemoryFault e) {
                fault = e;
            }
            boolean injected = !inj.armed();
            inj.disarm();
            String at = injector + " step " + step + ": " + fault;
            if (fault == null) {
                assertThat(pages().cleanDrops() - drops).as(at).isEqualTo(1);
                assertThat(p.shadow().frameRef(page(l, 0))).as(at).isEqualTo(FrameTable.NULL_FRAME);
                if (!injected) {
                    assertThat(failures).as("%s: failure points exercised", at).isPositive();
                    return;
                }
                continue;
            }
            failures++;
            assertThat(injected).as("failed with no injected failure, %s", at).isTrue();
            assertThat(p.killReport().reason()).as(at).startsWith("out of memory: ");
            assertThat(fx.strictBalance()).as(at).isEqualTo(before);
            assertThat(pages().cleanDrops()).as(at).isEqualTo(drops);
            assertThat(p.shadow().pageAddresses().stream().sorted().toList()).as(at).isEqualTo(resident);
            for (int i = 0; i < 2; i++) {
                assertThat(pages().isClean(p, page(l, i))).as(at).isTrue();
                assertThat(mapped(page(l, i))).as(at).isEqualTo("r");
                assertThat(pages().peek(p, page(l, i), 8)).as(at).hasValue(0);
            }
            fx.assertInvariants();
        }
        throw new AssertionError("the fault never succeeded");
    }

    @ParameterizedTest
    @EnumSource(PagingFailureInjectionTest.Injector.class)
    void aReclaimUndoneAtEveryStepLeavesTheCleanPageWithItsSlot(PagingFailureInjectionTest.Injector injector)
            throws MemoryFault {
        start(FifoPolicy.NAME, 256);
        wReadBackClean();
        int full = pages().pageFileSlotsInUse();
        int failures = 0;
        for (int step = 1; step < 200; step++) {
            start(FifoPolicy.NAME, full);
            long w = wReadBackClean();
            for (int i = 1; i < capacity; i++) {
                pages().pin(new org.capbuddy.sos.process.UserPage(p, page(w, i)));
            }
            long f = region(1);
            ctx.store(f, 8, 0xF0);
            // the next fault's page lies far from everything mapped: its tables are allocations to fail
            long far = ctx.sys().mmap(0x30_0000_0000L, Layout.PAGE, Syscalls.PROT_READ | Syscalls.PROT_WRITE,
                    Syscalls.MAP_PRIVATE | Syscalls.MAP_ANONYMOUS | Syscalls.MAP_FIXED, -1, 0).value();
            org.capbuddy.sos.machine.Balance before = fx.strictBalance();
            long outs = pages().pageOuts();
            var inj = injector.of(fx);
            inj.failNth(step);
            MemoryFault fault = null;
            try {
                ctx.store(far, 8, 42);
            } catch (MemoryFault e) {
                fault = e;
            }
            boolean injected = !inj.armed();
            inj.disarm();
            String at = injector + " step " + step + ": " + fault;
            if (fault == null) {
                assertThat(pages().slotsReclaimed()).as(at).isEqualTo(1);
                assertThat(pages().isClean(p, page(w, 1))).as(at).isFalse();
                if (!injected) {
                    assertThat(failures).as("%s: failure points exercised", at).isPositive();
                    return;
                }
                continue;
            }
            failures++;
            assertThat(injected).as("failed with no injected failure, %s", at).isTrue();
            assertThat(p.killReport().reason()).as(at).startsWith("out of memory: ");
            assertThat(fx.strictBalance()).as(at).isEqualTo(before);
            assertThat(pages().slotsReclaimed()).as(at).isZero();
            assertThat(pages().pageOuts()).as(at).isEqualTo(outs);
            for (int i = 1; i < capacity; i++) {
                assertThat(pages().isClean(p, page(w, i))).as(at).isTrue();
                assertThat(mapped(page(w, i))).as(at).isEqualTo("r");
                assertThat(pages().peek(p, page(w, i), 8)).as(at).hasValue(page(w, i));
            }
            assertThat(pages().peek(p, f, 8)).as(at).hasValue(0xF0);
            fx.assertInvariants();
        }
        throw new AssertionError("the fault never succeeded");
    }

    @ParameterizedTest
    @MethodSource("policies")
    void aSignalFrameWrittenOntoCleanStackPagesSurvivesTheirEviction(String policy) throws MemoryFault {
        start(policy, 256);
        int sigill = 4;
        long saSiginfo = 4;
        // the handler steps over the faulting instruction (uc->uc_mcontext.pc += 4) and returns
        int[] stepOver = {0xF940_DC49, 0x9100_1129, 0xF900_DC49, 0xD65F_03C0};
        java.nio.ByteBuffer handler = java.nio.ByteBuffer.allocate(16).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        for (int word : stepOver) {
            handler.putInt(word);
        }
        ctx.copyOut(code + 0x100, handler.array(), 0, 16);
        long act = region(1);
        java.nio.ByteBuffer action = java.nio.ByteBuffer.allocate(32).order(java.nio.ByteOrder.LITTLE_ENDIAN)
                .putLong(code + 0x100).putLong(saSiginfo).putLong(0).putLong(0);
        ctx.copyOut(act, action.array(), 0, 32);
        assertThat(call(LinuxSyscall.RT_SIGACTION, sigill, act, 0, 8)).isZero();
        long sp = Layout.STACK_TOP - 0x100;
        // the frame's pages, 4,688 bytes below the stack pointer, read and so clean
        long low = Layout.pageDown(sp - 0x2000);
        for (long va = low; va < Layout.STACK_TOP; va += Layout.PAGE) {
            ctx.load(va, 8);
            assertThat(pages().isClean(p, va)).as("stack page 0x%x", va).isTrue();
        }
        var runner = fx.load(p, code, 0 /* udf */);
        runner.context().setSp(sp);
        runner.run(1);
        long frame = runner.context().sp();
        assertThat(frame).isLessThan(sp - 4096);
        assertThat(runner.context().pc()).as("in SOS's signal page, on the way to the handler").isNotEqualTo(code);
        int size = (int) (sp - frame);
        byte[] written = new byte[size];
        assertThat(pages().copy(p, frame, written, 0, size, false)).isEqualTo(size);
        for (long va = Layout.pageDown(frame); va < sp; va += Layout.PAGE) {
            assertThat(pages().isClean(p, va)).as("stack page 0x%x under the frame", va).isFalse();
        }
        churn(3 * capacity);
        assertThat(p.shadow().frameRef(Layout.pageDown(frame))).as("the frame's page went out").isZero();
        byte[] back = new byte[size];
        ctx.copyIn(frame, back, 0, size);
        assertThat(back).isEqualTo(written);
        assertThat(ctx.load(frame, 4)).as("si_signo").isEqualTo(sigill);
    }

    @ParameterizedTest
    @MethodSource("policies")
    void dontneedMunmapAndBrkFreeTheKeptSlotsOfCleanPages(String policy) throws MemoryFault {
        start(policy, 64);
        long a = region(2);
        long heap = ctx.brk(0);
        ctx.brk(heap + Layout.PAGE);
        ctx.store(page(a, 0), 8, 1);
        ctx.store(page(a, 1), 8, 2);
        ctx.store(heap, 8, 3);
        churn(3 * capacity);
        // the code page the calls are made from, back and dirty before any slot is counted
        ctx.store(code + 0x800, 8, 0);
        // read back: clean, each keeping its slot
        assertThat(ctx.load(page(a, 0), 8)).isEqualTo(1);
        assertThat(ctx.load(page(a, 1), 8)).isEqualTo(2);
        assertThat(ctx.load(heap, 8)).isEqualTo(3);
        for (long va : new long[] {page(a, 0), page(a, 1), heap}) {
            assertThat(pages().isClean(p, va)).isTrue();
        }
        int slots = pages().pageFileSlotsInUse();
        assertThat(call(LinuxSyscall.MADVISE, page(a, 0), Layout.PAGE, 4 /* MADV_DONTNEED */)).isZero();
        assertThat(pages().pageFileSlotsInUse()).isEqualTo(slots - 1);
        assertThat(ctx.load(page(a, 0), 8)).as("DONTNEED leaves a zero page, not the kept copy").isZero();
        slots = pages().pageFileSlotsInUse();
        assertThat(ctx.sys().munmap(page(a, 1), Layout.PAGE).isOk()).isTrue();
        assertThat(pages().pageFileSlotsInUse()).as("munmap frees one").isEqualTo(slots - 1);
        assertThat(ctx.brk(heap)).isEqualTo(heap);
        assertThat(pages().pageFileSlotsInUse()).as("brk frees one").isEqualTo(slots - 2);
        ctx.brk(heap + Layout.PAGE);
        assertThat(ctx.load(heap, 8)).as("a heap page grown again is zeros").isZero();
        assertThat(fx.sos.destroy(p).isOk()).isTrue();
        assertThat(pages().pageFileSlotsInUse()).isZero();
        assertThat(pages().cleanPages()).isZero();
    }
}
