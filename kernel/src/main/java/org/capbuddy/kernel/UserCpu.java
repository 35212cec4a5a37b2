package org.capbuddy.kernel;

import org.capbuddy.kernel.cap.Cap;
import org.capbuddy.kernel.cspace.CSpaceResolver;
import org.capbuddy.kernel.cspace.SlotLookup;
import org.capbuddy.kernel.invocation.KernelState;
import org.capbuddy.kernel.memory.PhysicalMemory;
import org.capbuddy.kernel.object.Endpoint;
import org.capbuddy.kernel.object.Tcb;
import org.capbuddy.kernel.object.ThreadState;
import org.capbuddy.kernel.vm.AccessKind;
import org.capbuddy.kernel.vm.FaultReply;
import org.capbuddy.kernel.vm.Mmu;
import org.capbuddy.kernel.vm.Tlb;
import org.capbuddy.kernel.vm.Translation;
import org.capbuddy.kernel.vm.VmFault;

/**
 * The processor as one thread sees it: every user load, store and instruction fetch goes through
 * the MMU over the thread's VSpace. A failed translation raises a VM fault that is delivered, as
 * in non-MCS seL4, to the endpoint named by the thread's fault handler cptr (looked up in the
 * thread's own CSpace at fault time; it must be an endpoint cap with Write and Grant or
 * GrantReply, else the thread becomes inactive). A handler that replies makes the access run
 * again.
 *
 * <p>A handler that replies without fixing the fault would make real hardware fault forever;
 * the model stops after {@link #MAX_REFAULTS} consecutive faults on one access and returns the
 * last fault, leaving the thread blocked on it.
 *
 * <h2>TLB</h2>
 * Accesses go through a software TLB ({@link Tlb}, {@link #TLB_ENTRIES} entries, direct-mapped,
 * one entry per 4 KiB virtual page, also inside 2 MiB and 1 GiB blocks) tagged with the thread's
 * current VSpace and its {@link org.capbuddy.kernel.object.VSpace#translationEpoch()}. A hit
 * needs the thread to be running, the tag to match (same VSpace object, same epoch) and the entry
 * to record the permission the access needs; it costs no MMU walk ({@code mmuWalk()} counts real
 * walks only). Anything else is a miss and goes through {@link #translate}, exactly as without a
 * TLB: walk, fault delivery, re-execution after a reply; a successful walk refills the entry. So
 * results, faults, fault delivery and their order are those of a walk on every access; only the
 * walk count differs. Each TLB is private to this {@code UserCpu} object: a new one (see
 * {@code Sel4.cpu}) starts empty.
 *
 * <h2>Access API</h2>
 * <ul>
 *   <li>{@link #read} and {@link #write} are the allocation-free primitives: they return the value
 *       (or whether the store happened) and leave the fault, or null on success, in
 *       {@link #lastFault()}.
 *   <li>{@link #load}, {@link #store} and {@link #fetch} are the original {@link AccessResult}
 *       API, thin wrappers over them; {@code store} and {@code fetch} return a shared result on
 *       success, so only {@code load} allocates (its result).
 *   <li>{@link #fill}, {@link #copyIn} and {@link #copyOut} are block operations for system
 *       software: page by page through the same TLB/translate path, stopping at the first page
 *       whose access faults (after fault delivery), with that fault and the number of bytes done.
 * </ul>
 * Every access method sets {@link #lastFault()}; {@link #translate} does not.
 *
 * <p>The model has no program counter for data accesses: the fault IP of a load or store is the
 * address the access starts at, and the fault IP of a block operation is its start address.
 */
public final class UserCpu {
    public static final int MAX_REFAULTS = 64;
    /** Entries of the software TLB. */
    public static final int TLB_ENTRIES = 256;

    private static final int PAGE_SIZE = 4096;
    private static final long PAGE_MASK = PAGE_SIZE - 1;
    private static final AccessResult OK = new AccessResult(0, null);

    private final KernelState k;
    private final PhysicalMemory memory;
    private final Tcb thread;
    private final Tlb tlb = new Tlb(TLB_ENTRIES);
    private long tlbHits;
    private long tlbMisses;
    private VmFault lastFault;

    UserCpu(KernelState k, Tcb thread) {
        this.k = k;
        this.memory = k.memory();
        this.thread = thread;
    }

    public ThreadState state() {
        return thread.state();
    }

    /**
     * Translates an access, delivering faults to the handler until the access succeeds, the
     * handler does not reply, or the thread cannot run. A result with a fault means the access did
     * not happen. This always walks the tables (it neither uses nor fills the TLB).
     */
    public Translation translate(long vaddr, AccessKind kind, long ip) {
        Translation last = null;
        for (int attempt = 0; attempt <= MAX_REFAULTS; attempt++) {
            if (thread.state() != ThreadState.RUNNING) {
                return last != null ? last : Mmu.translate(null, vaddr, kind, ip);
            }
            k.counters().mmuWalk();
            last = Mmu.translate(currentVSpace(), vaddr, kind, ip);
            if (!last.isFault() || deliver(last.fault()) != FaultReply.RESUME) {
                return last;
            }
        }
        thread.setState(ThreadState.BLOCKED_ON_FAULT);
        return last;
    }

    // ---- single accesses

    /**
     * Loads {@code size} bytes (1, 2, 4 or 8) little-endian and returns them; allocation-free on a
     * TLB hit. When the access faults it returns 0 and {@link #lastFault()} is the fault (null
     * after a successful access). An access that crosses a page boundary is done page by page,
     * as {@link #load}.
     */
    public long read(long vaddr, int size) {
        long offset = vaddr & PAGE_MASK;
        if (size > 0 && size <= 8 && offset + size <= PAGE_SIZE && thread.state() == ThreadState.RUNNING) {
            long base = tlb.lookup(currentVSpace(), vaddr, Tlb.READ);
            if (base >= 0) {
                tlbHits++;
                lastFault = null;
                return memory.readLittleEndian(base | offset, size);
            }
        }
        return readSlow(vaddr, size);
    }

    /**
     * Stores the low {@code size} bytes (1, 2, 4 or 8) of {@code value} little-endian; returns
     * whether the store happened (else {@link #lastFault()} is the fault). Allocation-free on a TLB
     * hit. A store crossing a page boundary is done page by page: when the second page faults,
     * the bytes on the first page have been written, as on hardware.
     */
    public boolean write(long vaddr, int size, long value) {
        long offset = vaddr & PAGE_MASK;
        if (size > 0 && size <= 8 && offset + size <= PAGE_SIZE && thread.state() == ThreadState.RUNNING) {
            long base = tlb.lookup(currentVSpace(), vaddr, Tlb.WRITE);
            if (base >= 0) {
                tlbHits++;
                lastFault = null;
                memory.writeLittleEndian(base | offset, size, value);
                return true;
            }
        }
        return writeSlow(vaddr, size, value);
    }

    /** The fault that stopped the most recent access made through this object, or null if it succeeded. */
    public VmFault lastFault() {
        return lastFault;
    }

    /** Loads {@code size} bytes (1, 2, 4 or 8) little-endian; see {@link AccessResult}. */
    public AccessResult load(long vaddr, int size) {
        long value = read(vaddr, size);
        VmFault fault = lastFault;
        return fault == null ? AccessResult.ok(value) : AccessResult.faulted(fault);
    }

    /** Stores the low {@code size} bytes (1, 2, 4 or 8) of {@code value} little-endian. */
    public AccessResult store(long vaddr, int size, long value) {
        return write(vaddr, size, value) ? OK : AccessResult.faulted(lastFault);
    }

    /** An instruction fetch at {@code pc}: checks execute permission; returns no data. */
    public AccessResult fetch(long pc) {
        if (thread.state() == ThreadState.RUNNING && tlb.lookup(currentVSpace(), pc, Tlb.EXECUTE) >= 0) {
            tlbHits++;
            lastFault = null;
            return OK;
        }
        if (resolve(pc, Tlb.EXECUTE, AccessKind.EXECUTE, pc) < 0) {
            return AccessResult.faulted(lastFault);
        }
        lastFault = null;
        return OK;
    }

    private long readSlow(long vaddr, int size) {
        long value = 0;
        for (int i = 0; i < size; ) {
            long va = vaddr + i;
            long paddr = resolve(va, Tlb.READ, AccessKind.READ, vaddr);
            if (paddr < 0) {
                return 0;
            }
            int run = (int) Math.min(size - i, PAGE_SIZE - (va & PAGE_MASK));
            value |= memory.readLittleEndian(paddr, run) << (8 * i);
            i += run;
        }
        lastFault = null;
        return value;
    }

    private boolean writeSlow(long vaddr, int size, long value) {
        for (int i = 0; i < size; ) {
            long va = vaddr + i;
            long paddr = resolve(va, Tlb.WRITE, AccessKind.WRITE, vaddr);
            if (paddr < 0) {
                return false;
            }
            int run = (int) Math.min(size - i, PAGE_SIZE - (va & PAGE_MASK));
            memory.writeLittleEndian(paddr, run, value >>> (8 * i));
            i += run;
        }
        lastFault = null;
        return true;
    }

    // ---- block operations

    /** What a block operation does with one page: {@code run} bytes at {@code paddr}, offset {@code done}. */
    @FunctionalInterface
    private interface PageWork {
        void apply(long paddr, long done, int run);
    }

    /**
     * Walks [vaddr, vaddr + length) page by page, checking each page as a single access of
     * {@code kind} would (faults delivered, replies re-execute), and hands each page's physical
     * run to {@code work}. Stops at the first page that stays faulted.
     */
    private AccessResult pages(long vaddr, long length, int permission, AccessKind kind, PageWork work) {
        long done = 0;
        while (done < length) {
            long va = vaddr + done;
            long paddr = resolve(va, permission, kind, vaddr);
            if (paddr < 0) {
                return new AccessResult(done, lastFault);
            }
            int run = (int) Math.min(length - done, PAGE_SIZE - (va & PAGE_MASK));
            work.apply(paddr, done, run);
            done += run;
        }
        lastFault = null;
        return AccessResult.ok(done);
    }

    /**
     * Sets {@code length} bytes from {@code vaddr} to {@code value} (memset through the MMU), each
     * page checked for write permission as a store is. A zero fill gives whole pages' backing
     * back. On success the result's value is {@code length}; when a page faults the fill stops
     * there, and the result carries the fault and the bytes filled before that page. A negative
     * length is refused (see {@link AccessResult#wasRefused()}).
     */
    public AccessResult fill(long vaddr, long length, byte value) {
        if (length < 0) {
            return AccessResult.refused();
        }
        long pattern = (value & 0xFFL) * 0x0101_0101_0101_0101L;
        return pages(vaddr, length, Tlb.WRITE, AccessKind.WRITE, (paddr, done, run) -> {
            if (value == 0) {
                memory.zero(paddr, run);
            } else {
                for (int j = 0; j < run; j += 8) {
                    memory.writeLittleEndian(paddr + j, Math.min(8, run - j), pattern);
                }
            }
        });
    }

    /**
     * Copies {@code len} bytes of user memory from {@code vaddr} into {@code dst[off..off+len)},
     * each page checked for read permission as a load is. Result as for {@link #fill}; a range
     * outside {@code dst} is refused.
     */
    public AccessResult copyIn(long vaddr, byte[] dst, int off, int len) {
        if (dst == null || off < 0 || len < 0 || off > dst.length - len) {
            return AccessResult.refused();
        }
        return pages(vaddr, len, Tlb.READ, AccessKind.READ, (paddr, done, run) -> {
            int at = off + (int) done;
            for (int j = 0; j < run; j += 8) {
                int n = Math.min(8, run - j);
                long word = memory.readLittleEndian(paddr + j, n);
                for (int b = 0; b < n; b++) {
                    dst[at + j + b] = (byte) (word >>> (8 * b));
                }
            }
        });
    }

    /**
     * Copies {@code src[off..off+len)} into user memory at {@code vaddr}, each page checked for
     * write permission as a store is. Result as for {@link #fill}; a range outside {@code src}
     * is refused.
     */
    public AccessResult copyOut(long vaddr, byte[] src, int off, int len) {
        if (src == null || off < 0 || len < 0 || off > src.length - len) {
            return AccessResult.refused();
        }
        return pages(vaddr, len, Tlb.WRITE, AccessKind.WRITE, (paddr, done, run) -> {
            int at = off + (int) done;
            for (int j = 0; j < run; j += 8) {
                int n = Math.min(8, run - j);
                long word = 0;
                for (int b = n - 1; b >= 0; b--) {
                    word = (word << 8) | (src[at + j + b] & 0xFF);
                }
                memory.writeLittleEndian(paddr + j, n, word);
            }
        });
    }

    // ---- TLB

    /**
     * The physical address of {@code va} for an access needing {@code perm}: from the TLB when it
     * holds a usable entry, else through {@link #translate} (walk, fault delivery), refilling the
     * TLB on success. Returns -1 with {@link #lastFault} set when the access faults.
     */
    private long resolve(long va, int perm, AccessKind kind, long ip) {
        if (thread.state() == ThreadState.RUNNING) {
            long base = tlb.lookup(currentVSpace(), va, perm);
            if (base >= 0) {
                tlbHits++;
                return base | (va & PAGE_MASK);
            }
            tlbMisses++;
        }
        Translation t = translate(va, kind, ip);
        if (t.isFault()) {
            lastFault = t.fault();
            return -1;
        }
        // Nothing ran since the successful walk: it used the current VSpace at its current epoch.
        int granted = Tlb.READ | (t.writable() ? Tlb.WRITE : 0) | (kind == AccessKind.EXECUTE ? Tlb.EXECUTE : 0);
        tlb.insert(currentVSpace(), va, t.paddr() & ~PAGE_MASK, granted);
        return t.paddr();
    }

    /** Page accesses (pieces of an access within one 4 KiB page) served by the TLB. */
    public long tlbHits() {
        return tlbHits;
    }

    /**
     * Page accesses the TLB could not serve (no entry, stale tag, or a permission not recorded)
     * and that went through {@link #translate}. Accesses by a thread that is not running skip the
     * TLB and count as neither.
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
        tlb.flush();
    }

    /** Changes whenever a translation of this thread's address space is removed or replaced. */
    public long translationEpoch() {
        var vspace = currentVSpace();
        return vspace == null ? -1 : vspace.translationEpoch();
    }

    private org.capbuddy.kernel.object.VSpace currentVSpace() {
        return thread.vspaceRootSlot().cap() instanceof Cap.VSpaceCap v ? v.vspace() : null;
    }

    private FaultReply deliver(VmFault fault) {
        SlotLookup handler = CSpaceResolver.resolve(thread.cspaceRootSlot().cap(), thread.faultEndpoint(),
                CSpaceResolver.WORD_BITS);
        if (!handler.ok() || !(handler.slot().cap() instanceof Cap.EndpointCap ep) || !ep.rights().canWrite()
                || !(ep.rights().canGrant() || ep.rights().canGrantReply())) {
            thread.setState(ThreadState.INACTIVE);
            return FaultReply.NO_REPLY;
        }
        k.counters().faultDelivered();
        thread.setState(ThreadState.BLOCKED_ON_FAULT);
        Endpoint endpoint = ep.endpoint();
        if (endpoint.receiver() == null) {
            return FaultReply.NO_REPLY;
        }
        FaultReply reply = endpoint.receiver().onFault(ep.badge(), fault);
        if (reply == FaultReply.RESUME && thread.state() == ThreadState.BLOCKED_ON_FAULT) {
            thread.setState(ThreadState.RUNNING);
        }
        return reply;
    }

    /**
     * The outcome of a load, store or fetch: the value read, or the fault that stopped it. For
     * {@link #fill}, {@link #copyIn} and {@link #copyOut} the value is the number of bytes done
     * (all of them, or those before the faulting page when there is a fault).
     */
    public record AccessResult(long value, VmFault fault, boolean wasRefused) {
        private static final AccessResult REFUSED = new AccessResult(0, null, true);

        public AccessResult(long value, VmFault fault) {
            this(value, fault, false);
        }

        static AccessResult ok(long value) {
            return new AccessResult(value, null);
        }

        static AccessResult faulted(VmFault fault) {
            return new AccessResult(0, fault);
        }

        /** Bad arguments (a negative length, a range outside the array): nothing was accessed. */
        static AccessResult refused() {
            return REFUSED;
        }

        public boolean isOk() {
            return fault == null && !wasRefused;
        }
    }
}
