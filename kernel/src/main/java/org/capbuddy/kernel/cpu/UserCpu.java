package org.capbuddy.kernel.cpu;

import java.util.Arrays;
import java.util.Optional;
import org.capbuddy.aarch64.cpu.GuestMemory;
import org.capbuddy.aarch64.cpu.TranslationCache;
import org.capbuddy.kernel.trace.TraceKind;
import org.capbuddy.kernel.trace.Tracer;

import org.capbuddy.kernel.cap.Cap;
import org.capbuddy.kernel.cap.Slot;
import org.capbuddy.kernel.cspace.CSpaceResolver;
import org.capbuddy.kernel.host.MachineGuard;
import org.capbuddy.kernel.invocation.KernelState;
import org.capbuddy.kernel.memory.HostViewClock;
import org.capbuddy.kernel.memory.PageBytes;
import org.capbuddy.kernel.memory.PhysicalMemory;
import org.capbuddy.kernel.object.Endpoint;
import org.capbuddy.kernel.object.Tcb;
import org.capbuddy.kernel.object.ThreadState;
import org.capbuddy.kernel.object.VSpace;

/**
 * The processor as one thread sees it at EL0: every instruction fetch, load and store of the thread
 * goes through the MMU over the thread's VSpace, with a TLB in front; an access that does not
 * translate raises a VM fault, which is delivered to the thread's fault handler as non-MCS seL4
 * delivers it.
 *
 * <h2>One access API</h2>
 * Six methods make accesses: {@link #fetch}, {@link #read} and {@link #write} (one instruction word,
 * or 1, 2, 4 or 8 bytes little-endian), and {@link #copyIn}, {@link #copyOut} and {@link #fill}
 * (blocks, for system software reaching a process's memory through its own view of it, page by
 * page). Each reports the same way: its value (the word read, whether the store happened, the
 * bytes done) and, in {@link #failure()}, null when the whole access happened or the
 * {@link AccessFailure} that stopped it. None allocates on a TLB hit, so an instruction stream can
 * run through them.
 *
 * <h2>Fault delivery: who receives a fault and what a reply does</h2>
 * See {@link #deliver}: the handler is the {@link FaultReceiver} bound to the endpoint that the
 * thread's fault handler cptr names; it runs as a call on this Java stack; a reply makes the same
 * access run again (re-executing the faulting instruction), no reply ends the access with the
 * handler's reason, and the thread stays blocked on the fault.
 *
 * <h2>TLB</h2>
 * A software TLB ({@link Tlb}, {@link #TLB_ENTRIES} entries, direct-mapped, one entry per 4 KiB
 * virtual page, also inside 2 MiB and 1 GiB blocks) tagged with the thread's current VSpace and its
 * {@link VSpace#translationEpoch()}. A hit needs the thread to be running, the tag to match and the
 * entry to record the permission the access needs; it costs no MMU walk ({@code mmuWalk()} counts
 * real walks only) and, within one page, reads or writes the host slab array the entry keeps for
 * its physical page's chunk, with no lookup in physical memory. Anything else walks, exactly as without a
 * TLB: results, faults and their order are those of a walk on every access; only the walk count
 * differs. Each {@code UserCpu} object has its own TLB, empty when it is made.
 *
 * <h2>Program counter</h2>
 * The fault IP of every access is the thread's program counter ({@link Tcb#pc()}): {@link #fetch}
 * sets it to the address fetched, so the loads and stores of an instruction fault with that
 * instruction's address. Code that drives the thread from Java, without instructions, may set it
 * with {@link #setPc}.
 *
 * <h2>The interpreter's memory</h2>
 * It is the interpreter's {@link GuestMemory} itself ({@link #load} and {@link #store} are
 * {@link #read} and {@link #write} under the interface's names): an interpreted program's access
 * reaches the TLB with no object in between, as a TLB hit is a handful of nanoseconds and one
 * more dependent load is a fair part of it.
 */
public final class UserCpu implements GuestMemory {
    /** Faults in a row on one access after which the model gives up (a handler that never fixes it). */
    public static final int MAX_REFAULTS = 64;
    /** Entries of the software TLB. */
    public static final int TLB_ENTRIES = 256;

    private static final int PAGE_SIZE = 4096;
    /** The data fault status code of an alignment fault. */
    private static final long PAGE_MASK = PAGE_SIZE - 1;
    private static final int PAGE_BITS = 12;
    /** No virtual page number: {@code vaddr >>> 12} is never -1. */
    private static final long NO_PAGE = -1L;

    private final KernelState k;
    private final MachineGuard guard;
    private final PhysicalMemory memory;
    private final Tcb thread;
    /** The thread's VSpace root slot (a TCB's slots are its own for life). */
    private final Slot vspaceRoot;
    private final Tlb tlb;

    Tcb thread() {
        return thread;
    }

    /** The machine's event trace. */
    Tracer tracer() {
        return k.tracer();
    }

    /** The machine's shared translated blocks, for the thread's interpreter. */
    TranslationCache translations() {
        return k.translations();
    }
    /*
     * The fast pages: for each TLB entry, a copy of what the last load or store that hit it on a
     * backed page found (page number, host slab and offset, whether stores may go straight to the
     * slab), kept in plain arrays indexed as the TLB is (page number & mask), so that a hit checks
     * one page number and a few stamps rather than finding the entry again. The copies are what
     * the TLB and physical memory would answer, valid exactly while all of these still hold, each
     * checked on every use (fastPageValid) or cleared at the only places that change it:
     *   - the thread is running, its VSpace root cap is the one the TLB was used with, that
     *     VSpace's translations are those the TLB tag names (unmap, remap, rights change, page
     *     table removal and ASID loss move its translation epoch), no page lost its chunk and none
     *     became code since the slabs were looked up (PhysicalMemory.releaseEpoch): all checked
     *     at once, as the machine's HostViewClock, which ticks with each of them (a thread's state,
     *     any write of a cap in a TCB's slots, any VSpace's epoch, the release epoch; a change
     *     anywhere else in the machine only costs a refill), still reading the stamp taken when
     *     the copies were made;
     *   - the TLB still holds the entry with these permissions (a copy is dropped when its entry is
     *     refilled, and all are dropped on a flush, the only operations that change or remove
     *     entries).
     * The stamp is shared: a copy made under another first drops every copy. A fast-page hit is
     * therefore exactly a TLB hit, and counts as one.
     */
    private static final int FAST_MASK = TLB_ENTRIES - 1;
    private final long[] fastReadVpns = new long[TLB_ENTRIES];
    private final long[] fastWriteVpns = new long[TLB_ENTRIES];
    private final byte[][] fastSlabs = new byte[TLB_ENTRIES][];
    private final int[] fastOffsets = new int[TLB_ENTRIES];
    private final HostViewClock viewClock;
    private long fastStamp = -1;
    /**
     * Moves whenever a fast page is dropped or replaced, and whenever an access fails: a
     * {@link MicroTlb} copy made before then may no longer hold. Copies are made only after an
     * access that happened, so while the count stands still {@link #failure} is null and a hit
     * served from a copy need not clear it.
     */
    private long fastChanges;
    private long tlbHits;
    private long tlbMisses;
    private long handlerRuns;
    private long redirectedPc;
    private AccessFailure failure;
    private VSpace versionVSpace;
    /** The VSpace root cap codeVersion last saw: caps are immutable, so the same object names the same VSpace. */
    private Cap versionRootCap;
    private long versionEpoch = -1;
    private long versionCodeEpoch;
    /** The host-view clock when codeVersion last looked at its inputs. */
    private long versionClock = -1;
    private long codeVersion;

    /**
     * The processor view of {@code thread} (what {@code Sel4.cpu} returns), its TLB empty; none
     * when the thread is another machine's: its changes tick a clock this CPU's fast pages would
     * never read.
     */
    public static Optional<UserCpu> of(KernelState k, Tcb thread) {
        return thread.ticks(k.memory().viewClock()) ? Optional.of(new UserCpu(k, thread)) : Optional.empty();
    }

    private UserCpu(KernelState k, Tcb thread) {
        this.k = k;
        this.guard = k.guard();
        this.memory = k.memory();
        this.viewClock = memory.viewClock();
        this.tlb = new Tlb(TLB_ENTRIES, memory);
        Arrays.fill(fastReadVpns, NO_PAGE);
        Arrays.fill(fastWriteVpns, NO_PAGE);
        this.thread = thread;
        this.vspaceRoot = thread.vspaceRootSlot();
    }

    public ThreadState state() {
        return thread.state();
    }

    /** The machine's guard, for a run loop that assures the stack headroom of its faults at once. */
    MachineGuard guard() {
        return guard;
    }

    /**
     * The instruction count an event on this thread carries now: while an instruction fetch or a
     * memory access of the interpreter is in progress (a fault being handled), the instructions
     * retired before that instruction; otherwise the instructions retired so far.
     */
    public long instructionsNow() {
        long atAccess = thread.context().retiredAtAccess();
        return atAccess >= 0 ? atAccess : thread.context().instructions();
    }

    /** The thread's program counter: the fault IP of its accesses. */
    public long pc() {
        return thread.pc();
    }

    /** Sets the program counter, for code that drives the thread without fetching instructions. */
    public void setPc(long pc) {
        thread.setPc(pc);
    }

    /**
     * Whether the most recent access was stopped ({@code failure() != null}). A boolean, for the
     * interpreter's hot path: a method returning {@link AccessFailure} is not inlined by the JIT
     * while that class has not been loaded, which it is not until some access fails.
     */
    @Override
    public boolean failed() {
        return failure != null;
    }

    /** What stopped the most recent access made through this object, or null when it happened in full. */
    public AccessFailure failure() {
        return failure;
    }

    // ---- single accesses

    /**
     * Loads {@code size} bytes (1, 2, 4 or 8) little-endian and returns them, or returns 0 with
     * {@link #failure()} set. An access that crosses a page boundary is done page by page.
     */
    public long read(long vaddr, int size) {
        guard.check();
        long offset = vaddr & PAGE_MASK;
        if (isAccessSize(size) && offset + size <= PAGE_SIZE) {
            long vpn = vaddr >>> PAGE_BITS;
            int fast = (int) vpn & FAST_MASK;
            if (fastReadVpns[fast] == vpn && fastPageValid()) {
                tlbHits++;
                clearFailure();
                return PageBytes.load(fastSlabs[fast], fastOffsets[fast] + (int) offset, size);
            }
            if (thread.state() == ThreadState.RUNNING) {
                VSpace vspace = currentVSpace();
                int entry = tlb.find(vspace, vaddr, Tlb.READ);
                if (entry >= 0) {
                    tlbHits++;
                    failure = null;
                    byte[] slab = tlb.hostSlab(entry);
                    if (slab == null) {
                        return 0;
                    }
                    int at = tlb.hostOffset(entry);
                    keepFastPage(vaddr, entry, slab, at);
                    return PageBytes.load(slab, at + (int) offset, size);
                }
            }
        }
        return readSlow(vaddr, size);
    }

    /**
     * Stores the low {@code size} bytes (1, 2, 4 or 8) of {@code value} little-endian; returns
     * whether the store happened (else {@link #failure()} says why). A store crossing a page
     * boundary is done page by page: when the second page faults for good, the bytes on the first
     * have been written, as on hardware.
     */
    public boolean write(long vaddr, int size, long value) {
        guard.check();
        long offset = vaddr & PAGE_MASK;
        if (isAccessSize(size) && offset + size <= PAGE_SIZE) {
            long vpn = vaddr >>> PAGE_BITS;
            int fast = (int) vpn & FAST_MASK;
            if (fastWriteVpns[fast] == vpn && fastPageValid()) {
                tlbHits++;
                clearFailure();
                PageBytes.store(fastSlabs[fast], fastOffsets[fast] + (int) offset, size, value);
                return true;
            }
            if (thread.state() == ThreadState.RUNNING) {
                VSpace vspace = currentVSpace();
                int entry = tlb.find(vspace, vaddr, Tlb.WRITE);
                if (entry >= 0) {
                    tlbHits++;
                    failure = null;
                    byte[] slab = tlb.hostSlab(entry);
                    if (slab != null && !tlb.isCodePage(entry)) {
                        int at = tlb.hostOffset(entry);
                        keepFastPage(vaddr, entry, slab, at);
                        PageBytes.store(slab, at + (int) offset, size, value);
                    } else {
                        // The page's first non-zero store gives it backing (the entry finds it on
                        // its next use); a store to code must be seen by physical memory.
                        memory.writeLittleEndian(tlb.pageBase(entry) | offset, size, value);
                    }
                    return true;
                }
            }
        }
        return writeSlow(vaddr, size, value);
    }

    /** {@link #read} as the interpreter names it. */
    @Override
    public long load(long vaddr, int size) {
        return read(vaddr, size);
    }

    /** {@link #write} as the interpreter names it; {@link #failed()} says whether it happened. */
    @Override
    public void store(long vaddr, int size, long value) {
        write(vaddr, size, value);
    }

    /**
     * An instruction fetch: sets the program counter to {@code pc}, checks execute permission and
     * returns the 32-bit instruction word there, or 0 with {@link #failure()} set. A PC that is not
     * 4-byte aligned is refused (the model has no PC alignment fault).
     */
    @Override
    public int fetch(long pc) {
        guard.check();
        thread.setPc(pc);
        if (thread.state() == ThreadState.RUNNING) {
            int entry = tlb.find(currentVSpace(), pc, Tlb.EXECUTE);
            if (entry >= 0 && (pc & 3) == 0) {
                tlbHits++;
                failure = null;
                memory.markCode(tlb.pageBase(entry) >>> PAGE_BITS);
                byte[] slab = tlb.hostSlab(entry);
                return slab == null ? 0 : (int) PageBytes.load(slab, tlb.hostOffset(entry) + (int) (pc & PAGE_MASK), 4);
            }
        }
        if ((pc & 3) != 0) {
            fail(AccessFailure.refused("instruction fetch at 0x" + Long.toHexString(pc)
                    + " is not 4-byte aligned"));
            return 0;
        }
        long paddr = resolve(pc, Tlb.EXECUTE, AccessKind.EXECUTE);
        if (paddr < 0) {
            return 0;
        }
        failure = null;
        memory.markCode(paddr >>> PAGE_BITS);
        return (int) memory.readLittleEndian(paddr, 4);
    }

    // ---- the fast pages

    /** Whether the fast pages (their page numbers are checked by the caller) are still what the TLB would hit. */
    private boolean fastPageValid() {
        return viewClock.now() == fastStamp;
    }

    /** Copies TLB entry {@code entry}, which has just hit for {@code vaddr}, to its fast page, under the clock's stamp now. */
    private void keepFastPage(long vaddr, int entry, byte[] slab, int at) {
        fastChanges++;
        long stamp = viewClock.now();
        if (stamp != fastStamp) {
            dropFastPages(); // copies made under another stamp are not known to hold now
            fastStamp = stamp;
        }
        long vpn = vaddr >>> PAGE_BITS;
        int perms = tlb.permissions(entry);
        fastReadVpns[entry] = (perms & Tlb.READ) != 0 ? vpn : NO_PAGE;
        fastWriteVpns[entry] = (perms & Tlb.WRITE) != 0 && !tlb.isCodePage(entry) ? vpn : NO_PAGE;
        fastSlabs[entry] = slab;
        fastOffsets[entry] = at;
    }

    /** Forgets the fast page of the TLB entry {@code vaddr} maps to: that entry is being refilled. */
    private void dropFastPage(long vaddr) {
        fastChanges++;
        int fast = (int) (vaddr >>> PAGE_BITS) & FAST_MASK;
        fastReadVpns[fast] = NO_PAGE;
        fastWriteVpns[fast] = NO_PAGE;
        fastSlabs[fast] = null;
    }

    /** Forgets every fast page. */
    private void dropFastPages() {
        fastChanges++;
        Arrays.fill(fastReadVpns, NO_PAGE);
        Arrays.fill(fastWriteVpns, NO_PAGE);
        Arrays.fill(fastSlabs, null);
    }

    // ---- what a MicroTlb in front of this CPU copies and checks

    /** The host view's clock, whose stamp every fast page was made under. */
    HostViewClock viewClock() {
        return viewClock;
    }

    /** The stamp the fast pages were made under. */
    long fastStamp() {
        return fastStamp;
    }

    /** The count of fast-page drops and replacements, and of failed accesses, so far. */
    long fastChanges() {
        return fastChanges;
    }

    /** The slab of the fast page that would serve a load ({@code write} false) or store of page {@code vpn} now, or null. */
    byte[] fastSlab(long vpn, boolean write) {
        int fast = (int) vpn & FAST_MASK;
        long kept = write ? fastWriteVpns[fast] : fastReadVpns[fast];
        return kept == vpn && fastPageValid() ? fastSlabs[fast] : null;
    }

    /** The offset in its slab of the fast page of {@code vpn} ({@link #fastSlab} said it is there). */
    int fastOffset(long vpn) {
        return fastOffsets[(int) vpn & FAST_MASK];
    }

    /**
     * A MicroTlb in front served a store from its copy of a fast page: a TLB hit, and the access
     * happened. The failure is null already: the copy holds only while no access has failed.
     */
    void countFastStoreHit() {
        tlbHits++;
    }

    /**
     * {@link #countFastStoreHit} for a load. Clearing the (already null) failure is no work here but
     * lets the JIT answer the {@link #failed()} that a load's caller asks next from this same
     * read of the field; a store's caller asks nothing, so its hit reads no failure at all.
     */
    void countFastLoadHit() {
        tlbHits++;
        clearFailure();
    }

    /** Records why the access did not happen; copies in front ({@link MicroTlb}) no longer hold. */
    private void fail(AccessFailure why) {
        failure = why;
        fastChanges++;
    }

    /** failure = null, without a store (and its collector barrier) when it is null already, as on a run of hits. */
    private void clearFailure() {
        if (failure != null) {
            failure = null;
        }
    }

    private static boolean isAccessSize(int size) {
        return size == 1 || size == 2 || size == 4 || size == 8;
    }

    private static AccessFailure badSize(int size) {
        return AccessFailure.refused("access size must be 1, 2, 4 or 8 bytes, got " + size);
    }

    private long readSlow(long vaddr, int size) {
        if (!isAccessSize(size)) {
            fail(badSize(size));
            return 0;
        }
        long value = 0;
        for (int i = 0; i < size; ) {
            long va = vaddr + i;
            long paddr = resolve(va, Tlb.READ, AccessKind.READ);
            if (paddr < 0) {
                return 0;
            }
            int run = (int) Math.min(size - i, PAGE_SIZE - (va & PAGE_MASK));
            value |= memory.readLittleEndian(paddr, run) << (8 * i);
            i += run;
        }
        failure = null;
        return value;
    }

    private boolean writeSlow(long vaddr, int size, long value) {
        if (!isAccessSize(size)) {
            fail(badSize(size));
            return false;
        }
        for (int i = 0; i < size; ) {
            long va = vaddr + i;
            long paddr = resolve(va, Tlb.WRITE, AccessKind.WRITE);
            if (paddr < 0) {
                return false;
            }
            int run = (int) Math.min(size - i, PAGE_SIZE - (va & PAGE_MASK));
            memory.writeLittleEndian(paddr, run, value >>> (8 * i));
            i += run;
        }
        failure = null;
        return true;
    }

    // ---- block operations

    /**
     * What a block operation does with each page's run, and the permission it needs. An enum and
     * plain arguments rather than a lambda per call: a lambda capturing the call's arguments was
     * an object built on every fill, and SOS zeroes every frame it hands out with one.
     */
    private enum BlockOp {
        FILL(Tlb.WRITE, AccessKind.WRITE),
        COPY_IN(Tlb.READ, AccessKind.READ),
        COPY_OUT(Tlb.WRITE, AccessKind.WRITE);

        final int permission;
        final AccessKind kind;

        BlockOp(int permission, AccessKind kind) {
            this.permission = permission;
            this.kind = kind;
        }
    }

    /**
     * Walks [vaddr, vaddr + length) page by page, checking each page as a single access of the
     * operation's kind would (faults delivered, replies re-execute), and applies {@code op} to each
     * page's physical run: a fill with {@code value}, or a copy between the run and
     * {@code buffer[off + done ..]}. Stops at the first page that stays faulted; returns the bytes
     * done.
     */
    private long pages(BlockOp op, long vaddr, long length, byte[] buffer, int off, byte value) {
        long done = 0;
        while (done < length) {
            long va = vaddr + done;
            long paddr = resolve(va, op.permission, op.kind);
            if (paddr < 0) {
                return done;
            }
            int run = (int) Math.min(length - done, PAGE_SIZE - (va & PAGE_MASK));
            switch (op) {
                case FILL -> fillRun(paddr, run, value);
                case COPY_IN -> memory.copyFrom(paddr, buffer, off + (int) done, run);
                case COPY_OUT -> memory.copyTo(paddr, buffer, off + (int) done, run);
                default -> throw new AssertionError(op);
            }
            done += run;
        }
        failure = null;
        return done;
    }

    /**
     * Sets {@code length} bytes from {@code vaddr} to {@code value} (memset through the MMU), each
     * page checked for write permission as a store is; a zero fill gives whole pages' backing back.
     * Returns the bytes filled: all of them, or those before the page that faulted for good (then
     * {@link #failure()} says why). A negative length is refused.
     */
    public long fill(long vaddr, long length, byte value) {
        guard.check();
        if (length < 0) {
            fail(AccessFailure.refused("negative length " + length));
            return 0;
        }
        return pages(BlockOp.FILL, vaddr, length, null, 0, value);
    }

    private void fillRun(long paddr, int run, byte value) {
        if (value == 0) {
            memory.zero(paddr, run);
            return;
        }
        long pattern = (value & 0xFFL) * 0x0101_0101_0101_0101L;
        for (int j = 0; j < run; j += 8) {
            memory.writeLittleEndian(paddr + j, Math.min(8, run - j), pattern);
        }
    }

    /**
     * Copies {@code len} bytes of user memory from {@code vaddr} into {@code dst[off..off+len)}, each
     * page checked for read permission as a load is. Returns the bytes copied, as {@link #fill}
     * does; a null array or a range outside it is refused.
     */
    public long copyIn(long vaddr, byte[] dst, int off, int len) {
        guard.check();
        AccessFailure bad = badRange(dst, off, len);
        if (bad != null) {
            fail(bad);
            return 0;
        }
        return pages(BlockOp.COPY_IN, vaddr, len, dst, off, (byte) 0);
    }

    /**
     * Copies {@code src[off..off+len)} into user memory at {@code vaddr}, each page checked for write
     * permission as a store is. Returns the bytes copied, as {@link #fill} does; a null array or a
     * range outside it is refused.
     */
    public long copyOut(long vaddr, byte[] src, int off, int len) {
        guard.check();
        AccessFailure bad = badRange(src, off, len);
        if (bad != null) {
            fail(bad);
            return 0;
        }
        return pages(BlockOp.COPY_OUT, vaddr, len, src, off, (byte) 0);
    }

    private static AccessFailure badRange(byte[] buffer, int off, int len) {
        if (buffer == null) {
            return AccessFailure.refused("no buffer");
        }
        if (off < 0 || len < 0 || off > buffer.length - len) {
            return AccessFailure.refused("range [" + off + ", +" + len + ") is outside a buffer of " + buffer.length
                    + " bytes");
        }
        return null;
    }

    // ---- translation, TLB and fault delivery

    /**
     * The physical address of {@code va} for an access needing {@code perm}: from the TLB when it
     * holds a usable entry, else by walking the tables, delivering faults to the handler until the
     * access translates, the handler does not reply, or the thread cannot run. A successful walk
     * refills the TLB. Returns -1 with {@link #failure} set when the access does not happen.
     */
    private long resolve(long va, int perm, AccessKind kind) {
        if (thread.state() != ThreadState.RUNNING) {
            fail(new AccessFailure(AccessFailure.Kind.NOT_RUNNING, null,
                    "the thread is " + thread.state().name().toLowerCase().replace('_', ' ')));
            return -1;
        }
        long base = tlb.lookup(currentVSpace(), va, perm);
        if (base >= 0) {
            tlbHits++;
            return base | (va & PAGE_MASK);
        }
        tlbMisses++;
        for (int attempt = 0; attempt <= MAX_REFAULTS; attempt++) {
            k.counters().mmuWalk();
            VSpace vspace = currentVSpace();
            long walk = Mmu.walk(vspace, va, kind);
            if (!Walk.isFault(walk)) {
                // Nothing ran since the walk: it used the current VSpace at its current epoch.
                long paddr = Walk.paddr(walk);
                int granted = Tlb.READ | (Walk.writable(walk) ? Tlb.WRITE : 0)
                        | (kind == AccessKind.EXECUTE ? Tlb.EXECUTE : 0);
                dropFastPage(va);
                tlb.insert(vspace, va, paddr & ~PAGE_MASK, granted);
                return paddr;
            }
            AccessFailure stopped = deliver(va, kind, Walk.faultStatus(walk));
            if (stopped != null) {
                fail(stopped);
                return -1;
            }
        }
        thread.setState(ThreadState.BLOCKED_ON_FAULT);
        fail(new AccessFailure(AccessFailure.Kind.REFAULT_LIMIT, null,
                "the fault handler replied " + MAX_REFAULTS + " times without fixing the fault"));
        return -1;
    }

    /**
     * Delivers a VM fault, as non-MCS seL4's {@code handleFault} does, and returns null when the
     * handler replied (the caller re-executes the access) or why the access ends.
     *
     * <p><b>The contract.</b>
     * <ol>
     *   <li>The handler cptr ({@code TCB_SetSpace}'s fault endpoint) is looked up in the faulting
     *       thread's own CSpace now. It must name an endpoint cap with Write and Grant or
     *       GrantReply; otherwise the thread becomes inactive and nothing is sent (a double fault:
     *       {@link AccessFailure.Kind#NO_HANDLER}).</li>
     *   <li>The fault is sent: the thread blocks on it ({@link ThreadState#BLOCKED_ON_FAULT}).</li>
     *   <li><b>Who receives it:</b> the {@link FaultReceiver} bound to that endpoint (the handler
     *       thread blocked in {@code seL4_Recv}), called here with the cap's badge and the fault's
     *       message words, on this thread's Java stack. Before the call, {@link MachineGuard#requireStackHeadroom()} makes sure
     *       the handler has stack to finish its work (a Java user program may have recursed deep):
     *       if not, a {@link StackOverflowError} is raised before anything is sent. No receiver
     *       bound: nobody answers ({@link AccessFailure.Kind#NOT_RESUMED}).</li>
     *   <li><b>What a reply does:</b> {@link FaultReply#RESUME} makes the thread running again (if
     *       the handler left it blocked on the fault) and the access is made again, from the walk,
     *       as the faulting instruction is re-executed. {@link FaultReply#noReply} leaves the thread
     *       as the handler left it (blocked, suspended by a kill) and ends the access with the
     *       handler's reason ({@link AccessFailure.Kind#NOT_RESUMED}).</li>
     *   <li>A throwable from the handler propagates to the code that made the access; the thread
     *       stays blocked on the fault. The handler answers for its own state.</li>
     * </ol>
     */
    private AccessFailure deliver(long va, AccessKind kind, int status) {
        // The fault's message words (seL4_Fault_VMFault): a fetch faults at its own address, the PC.
        long ip = thread.pc();
        boolean prefetch = kind == AccessKind.EXECUTE;
        long address = prefetch ? ip : va;
        int fsr = VmFault.syndrome(kind, status);
        // Looked up and sent inline, not through faultHandler() and sendFault(): a fault may come
        // from deep Java recursion, and the stack headroom check must be reached with as few
        // frames on the stack as the lookup needs.
        Slot handler = CSpaceResolver.find(thread.cspaceRootSlot().cap(), thread.faultEndpoint(),
                CSpaceResolver.WORD_BITS);
        if (handler == null || !(handler.cap() instanceof Cap.EndpointCap ep) || !ep.rights().canWrite()
                || !(ep.rights().canGrant() || ep.rights().canGrantReply())) {
            thread.setState(ThreadState.INACTIVE);
            return new AccessFailure(AccessFailure.Kind.NO_HANDLER, new VmFault(ip, address, prefetch, fsr),
                    noHandler());
        }
        FaultReceiver receiver = ep.endpoint().receiver();
        if (receiver != null) {
            guard.requireStackHeadroom();
        }
        k.counters().faultDelivered();
        thread.setState(ThreadState.BLOCKED_ON_FAULT);
        if (receiver == null) {
            return new AccessFailure(AccessFailure.Kind.NOT_RESUMED, new VmFault(ip, address, prefetch, fsr),
                    "no thread waits on the fault endpoint");
        }
        handlerRuns++;
        if (k.tracer().on(TraceKind.FAULTS)) {
            // the FSR as a number, as the register holds it: the text shows it in hex, JSON as a number
            k.tracer().emit(TraceKind.FAULTS, -1, thread.context().retiredAtAccess(), "vm_fault", "badge", ep.badge(),
                    "address", address, "ip", ip, "access", kind.name().toLowerCase(), "fsr", fsr & 0xFFFF_FFFFL,
                    "fault", VmFault.statusKind(fsr), "level", VmFault.statusLevel(fsr));
        }
        // The words, not a VmFault: a fault that is fixed builds no record of itself.
        FaultReply reply;
        int suspension = guard.suspendAssuredHeadroom(); // the receiver is not the driver's bounded loop
        try {
            reply = receiver.onFault(ep.badge(), ip, address, prefetch, fsr);
        } finally {
            guard.resumeAssuredHeadroom(suspension);
        }
        if (!reply.resume()) {
            return new AccessFailure(AccessFailure.Kind.NOT_RESUMED, new VmFault(ip, address, prefetch, fsr),
                    reply.reason());
        }
        resumeAfterReply();
        if (thread.pc() != ip) {
            // seL4 restarts the thread at its FaultIP register: a handler that wrote a new PC
            // (TCB_WriteRegisters) before replying sends it there, and the access is not made again
            redirectedPc = thread.pc();
            return new AccessFailure(AccessFailure.Kind.REDIRECTED, new VmFault(ip, address, prefetch, fsr),
                    String.format("the fault handler restarted the thread at 0x%x", redirectedPc));
        }
        return null;
    }

    /** The PC a handler restarted the thread at, for the last access that ended {@link AccessFailure.Kind#REDIRECTED}. */
    public long redirectedPc() {
        return redirectedPc;
    }

    /**
     * Delivers a fault that carries registers (seL4_Fault_UnknownSyscall when {@code syscall}, else
     * seL4_Fault_UserException) whose words the caller has put in {@code message}, as
     * {@link #deliver} does a VM fault: to the receiver on the thread's fault endpoint, the thread
     * blocked on it meanwhile. Returns null when the handler replied (the caller then copies the
     * reply's registers back), else why the thread stays stopped.
     */
    String deliverRegisterFault(boolean syscall, FaultMessage message) {
        Cap.EndpointCap ep = faultHandler();
        if (ep == null) {
            thread.setState(ThreadState.INACTIVE);
            return noHandler();
        }
        FaultReceiver receiver = sendFault(ep);
        if (receiver == null) {
            return "no thread waits on the fault endpoint";
        }
        FaultReply reply;
        int suspension = guard.suspendAssuredHeadroom(); // the receiver is not the driver's bounded loop
        try {
            reply = syscall ? receiver.onUnknownSyscall(ep.badge(), message) : receiver.onUserException(ep.badge(), message);
        } finally {
            guard.resumeAssuredHeadroom(suspension);
        }
        if (!reply.resume()) {
            return reply.reason();
        }
        resumeAfterReply();
        return null;
    }

    /**
     * Delivers a VM fault for a misaligned exclusive or acquire/release access at {@code va} (fault
     * status 0x21, alignment fault), which the MMU walk cannot raise. Returns null when the handler
     * replied, else why the thread stays stopped.
     */
    AccessFailure deliverAlignmentFault(long va, boolean write) {
        return deliver(va, write ? AccessKind.WRITE : AccessKind.READ, VmFault.ALIGNMENT_STATUS);
    }

    /** The endpoint cap the thread's fault handler cptr names, when it has Write and Grant; else null. */
    private Cap.EndpointCap faultHandler() {
        // find, not resolve: the lookup's failure details are not needed, and resolve builds a record for them.
        Slot handler = CSpaceResolver.find(thread.cspaceRootSlot().cap(), thread.faultEndpoint(),
                CSpaceResolver.WORD_BITS);
        if (handler == null || !(handler.cap() instanceof Cap.EndpointCap ep) || !ep.rights().canWrite()
                || !(ep.rights().canGrant() || ep.rights().canGrantReply())) {
            return null;
        }
        return ep;
    }

    private String noHandler() {
        return "no endpoint with Write and Grant at fault handler cptr " + thread.faultEndpoint()
                + "; the thread is now inactive";
    }

    /** Blocks the thread on its fault and returns the receiver waiting on the endpoint, or null. */
    private FaultReceiver sendFault(Cap.EndpointCap ep) {
        Endpoint endpoint = ep.endpoint();
        FaultReceiver receiver = endpoint.receiver();
        if (receiver != null) {
            guard.requireStackHeadroom();
        }
        k.counters().faultDelivered();
        thread.setState(ThreadState.BLOCKED_ON_FAULT);
        return receiver;
    }

    private void resumeAfterReply() {
        if (thread.state() == ThreadState.BLOCKED_ON_FAULT) {
            thread.setState(ThreadState.RUNNING);
        }
    }

    /**
     * How many VM faults this CPU has handed to a handler during its accesses. The handler may read
     * or change the thread's registers meanwhile, which code that keeps registers elsewhere (the
     * interpreter's translated blocks) must know.
     */
    @Override
    public long handlerRuns() {
        return handlerRuns;
    }

    /**
     * A number that changes whenever an instruction this thread fetched may read differently now:
     * its VSpace was replaced, a translation of it was removed or changed (its translation epoch),
     * or a physical page that was fetched from has been written since ({@code PhysicalMemory}'s
     * code epoch). The interpreter keeps decoded instructions while it stays the same.
     */
    @Override
    public long codeVersion() {
        // The common case, read at every taken branch: nothing anywhere in the machine changed
        // since the last call. Every input below ticks the clock when it moves (the root cap, as
        // a write to a TCB's slots; the epochs, as theirs), so an unmoved clock is an unmoved version.
        long clock = viewClock.now();
        if (clock == versionClock) {
            return codeVersion;
        }
        versionClock = clock;
        Cap root = vspaceRoot.cap();
        if (root == versionRootCap && versionVSpace != null && versionVSpace.translationEpoch() == versionEpoch
                && memory.codeEpoch() == versionCodeEpoch) {
            return codeVersion;
        }
        versionRootCap = root;
        VSpace vspace = currentVSpace();
        long epoch = vspace == null ? -1 : vspace.translationEpoch();
        long codeEpoch = memory.codeEpoch();
        if (vspace != versionVSpace || epoch != versionEpoch || codeEpoch != versionCodeEpoch) {
            versionVSpace = vspace;
            versionEpoch = epoch;
            versionCodeEpoch = codeEpoch;
            codeVersion++;
        }
        return codeVersion;
    }

    /** Page accesses (pieces of an access within one 4 KiB page) served by the TLB. */
    public long tlbHits() {
        return tlbHits;
    }

    /**
     * Page accesses the TLB could not serve (no entry, stale tag, or a permission not recorded)
     * and that walked the tables. Accesses by a thread that is not running count as neither.
     */
    public long tlbMisses() {
        return tlbMisses;
    }

    /** How many times the TLB was flushed (VSpace or translation epoch changed, or {@link #flushTlb}). */
    public long tlbFlushes() {
        return tlb.flushes();
    }

    /** Invalidates the whole TLB (results are unaffected; the next accesses walk again). */
    public void flushTlb() {
        dropFastPages();
        tlb.flush();
    }

    /** Changes whenever a translation of this thread's address space is removed or replaced. */
    public long translationEpoch() {
        VSpace vspace = currentVSpace();
        return vspace == null ? -1 : vspace.translationEpoch();
    }

    private VSpace currentVSpace() {
        return thread.vspaceRootSlot().cap() instanceof Cap.VSpaceCap v ? v.vspace() : null;
    }
}
