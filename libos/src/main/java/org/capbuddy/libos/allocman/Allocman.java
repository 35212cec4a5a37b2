package org.capbuddy.libos.allocman;

import static org.capbuddy.libos.allocman.ReentrancyGuard.Manager.CSPACE;
import static org.capbuddy.libos.allocman.ReentrancyGuard.Manager.MSPACE;
import static org.capbuddy.libos.allocman.ReentrancyGuard.Manager.UTSPACE;

import org.capbuddy.kernel.Sel4;
import org.capbuddy.kernel.trace.TraceKind;
import org.capbuddy.kernel.api.InvocationResult;
import org.capbuddy.kernel.api.ObjectType;
import org.capbuddy.kernel.host.FailureInjector;
import org.capbuddy.kernel.host.InterruptionInjector;
import org.capbuddy.libos.allocman.cspace.CSpaceManager;
import org.capbuddy.libos.allocman.mspace.DualPool;
import org.capbuddy.libos.allocman.mspace.VirtualPool;
import org.capbuddy.libos.allocman.utspace.UntypedKind;
import org.capbuddy.libos.allocman.utspace.UtspaceManager;
import org.capbuddy.libos.vka.AllocError;
import org.capbuddy.libos.vka.AllocErrorKind;
import org.capbuddy.libos.vka.CSpacePath;
import org.capbuddy.libos.vka.Result;
import org.capbuddy.libos.vka.SlotNaming;
import org.capbuddy.libos.vka.Undo;

/**
 * allocman: a cspace manager (slots), a utspace manager (objects from untyped memory) and an
 * mspace (bookkeeping bytes), tied together so that they can depend on each other in a cycle.
 *
 * <p><b>The guard.</b> Every entry notes whether it is the outermost call of an operation and
 * whether its manager is already busy further up the stack ({@link ReentrancyGuard}). A busy
 * manager is never re-entered: an allocation is served from the {@link Reserves} (a free slot, a
 * pre-retyped object of the same type and size moved into the caller's slot, a bookkeeping chunk
 * of the same size), and a free is queued ({@link DeferredFrees}). When the outermost call ends,
 * the queued frees are performed and the reserves are topped up again ({@link Refill}). An
 * allocation a manager refuses for want of resources also falls back on the reserves, except one
 * at a given physical address.
 *
 * <p><b>Atomicity.</b> Each manager leaves its state unchanged when it fails, and every caller
 * here frees what it took before failing, so an operation that fails leaves slots, untyped bytes
 * and bookkeeping bytes as they were (reserves are refilled when it ends).
 *
 * <p><b>Throwables.</b> Every entry checks the machine guard first (owner thread, not broken).
 * A throwable at a request's interruption point ({@link #interruptions()}) propagates from an
 * outermost request, which has changed nothing; one at a nested request, or at a kernel
 * invocation made during an operation, becomes an INTERRUPTED failure (a deferred free) that the
 * managers undo, and is rethrown, the same object, when the outermost request ends, after that
 * request has given back what it acquired. So an allocation that throws has changed nothing but
 * the reserves (refilled by the next operation); a free that throws after its interruption point
 * has been done. Any other throwable from the work marks the machine broken.
 */
public final class Allocman implements ManagerContext {
    /** How slots are named before a cspace manager is attached: as {@code CSpacePath.ofRootSlot(0, cptr)}. */
    private static final SlotNaming ROOT_SLOTS = SlotNaming.rootSlots(0);

    private final Sel4 sel4;
    private final DualPool mspace;
    private final FailureInjector failures = new FailureInjector();
    private final InterruptionInjector interruptions = new InterruptionInjector();
    private final Reserves reserves = new Reserves();
    private final DeferredFrees deferred = new DeferredFrees();
    private final Refill refill = new Refill(this, reserves, deferred);
    private final ReentrancyGuard guard;
    /** Why the last slot request was refused; kept so that a granted slot needs no {@link Result}. */
    private AllocError slotRefusal;
    /** Why the last bookkeeping request was refused, for the same reason. */
    private AllocError chunkRefusal;
    private CSpaceManager cspace;
    private UtspaceManager utspace;

    public Allocman(Sel4 sel4, DualPool mspace) {
        this.sel4 = sel4;
        this.mspace = mspace;
        this.guard = new ReentrancyGuard(sel4.guard(), interruptions, sel4.interruptions(), refill);
    }

    // ---- composition

    public Result<Void> attachCSpace(CSpaceManager manager) {
        guard.checkMachine();
        if (cspace != null) {
            return Result.fail(AllocErrorKind.BAD_ARGUMENT, "a cspace manager is already attached");
        }
        cspace = manager;
        return Result.done();
    }

    public Result<Void> attachUtspace(UtspaceManager manager) {
        guard.checkMachine();
        if (utspace != null) {
            return Result.fail(AllocErrorKind.BAD_ARGUMENT, "a utspace manager is already attached");
        }
        utspace = manager;
        return Result.done();
    }

    public void attachVirtualPool(VirtualPool pool) {
        guard.checkMachine();
        mspace.attach(pool);
    }

    public CSpaceManager cspaceManager() {
        return cspace;
    }

    public UtspaceManager utspaceManager() {
        return utspace;
    }

    public DualPool mspace() {
        return mspace;
    }

    /** allocman's fault-injection switch: fails the N-th request for a slot, an object or bookkeeping bytes. */
    public FailureInjector failures() {
        return failures;
    }

    /**
     * allocman's interruption switch: throws at the entry of the N-th request (for a slot, a run
     * of slots, an object or bookkeeping bytes, or their frees), before the failure-injection
     * check and before anything has changed.
     */
    public InterruptionInjector interruptions() {
        return interruptions;
    }

    /** Hands an untyped cap to the utspace manager (an operation of its own). */
    public Result<Void> addUntyped(CSpacePath path, int sizeBits, long paddr, UntypedKind kind) {
        guard.enterOperation();
        Result<Void> r;
        try {
            r = addUntypedNow(path, sizeBits, paddr, kind);
        } catch (Throwable t) {
            throw guard.abandon("allocman adding an untyped", t);
        }
        if (guard.exitInterrupted()) {
            // Handing memory over is not undone: the untyped is the utspace manager's either way.
            throw guard.deliver(null);
        }
        return r;
    }

    private Result<Void> addUntypedNow(CSpacePath path, int sizeBits, long paddr, UntypedKind kind) {
        if (utspace == null) {
            return Result.fail(AllocErrorKind.BAD_ARGUMENT, "no utspace manager attached");
        }
        guard.busy(UTSPACE);
        try {
            return utspace.addUntyped(this, path, sizeBits, paddr, kind);
        } finally {
            guard.idle(UTSPACE);
        }
    }

    // ---- the reserves

    /** Sets the reserve sizes and fills them; fails if they cannot be filled. */
    public Result<Void> configureReserves(ReserveConfig config) {
        guard.checkMachine();
        reserves.configure(config);
        return fillReserves();
    }

    /** Performs queued frees and tops the reserves up now; fails if they cannot be filled. */
    public Result<Void> fillReserves() {
        guard.enterOperation();
        reserves.touch();
        if (guard.exitInterrupted()) {
            throw guard.deliver(null);
        }
        return reserves.full() ? Result.done()
                : Result.fail(AllocErrorKind.OUT_OF_MEMORY, "reserves could not be filled: " + accounting());
    }

    /**
     * Gives everything in the reserves back to the managers (and lets the virtual pool shrink),
     * without refilling. What remains in use afterwards is exactly what clients hold plus the
     * managers' fixed records: the state to compare before and after a workload to prove that
     * nothing was lost. {@link #fillReserves()} restores the reserves.
     */
    public Result<Void> releaseReserves() {
        guard.enterOperation();
        refill.pause();
        Result<Void> outcome;
        try {
            outcome = reserves.releaseAll(this);
            deferred.drain(this);
        } catch (Throwable t) {
            refill.resume();
            throw guard.abandon("allocman releasing its reserves", t);
        }
        refill.resume();
        reserves.markUntouched();
        if (guard.exitInterrupted()) {
            throw guard.deliver(null);
        }
        return outcome;
    }

    // ---- ManagerContext: the guarded entries

    @Override
    public Sel4 sel4() {
        return sel4;
    }

    @Override
    public Result<Long> cspaceAlloc() {
        return slotRequest(true);
    }

    /**
     * {@link #cspaceAlloc()} that builds no {@link Result} when it succeeds (a slot per page
     * fault): the slot's cptr, or {@link #NO_SLOT} with {@link #slotRefusal()} saying why.
     */
    @Override
    public long cspaceAllocSlot() {
        return slot(true);
    }

    /** Why the last {@link #cspaceAllocSlot()} (or slot request) was refused. */
    @Override
    public AllocError slotRefusal() {
        return slotRefusal;
    }

    /** A slot from the cspace manager, or (when it is busy or short, and allowed) from the reserve. */
    Result<Long> slotRequest(boolean mayUseReserve) {
        long slot = slot(mayUseReserve);
        return slot != NO_SLOT ? Result.ofLong(slot) : Result.fail(slotRefusal);
    }

    /** {@link #slotRequest}'s work: the slot, or {@link #NO_SLOT} with {@link #slotRefusal} set. */
    private long slot(boolean mayUseReserve) {
        if (!guard.enterRequest()) {
            slotRefusal = interrupted("slot").error();
            return NO_SLOT;
        }
        long slot;
        try {
            slot = takeSlot(mayUseReserve);
        } catch (Throwable t) {
            throw guard.abandon("allocman slot request", t);
        }
        // Leaving an outermost request refills the reserves, whose own slot requests may be
        // refused: the refusal this request reports is its own, kept across that.
        AllocError refusal = slotRefusal;
        if (guard.exitInterrupted()) {
            throw guard.deliver(slot != NO_SLOT ? () -> cspaceFree(slot) : null);
        }
        slotRefusal = refusal;
        return slot;
    }

    private long takeSlot(boolean mayUseReserve) {
        if (failures.shouldFail()) {
            return refuseSlot(Result.fail(AllocErrorKind.OUT_OF_SLOTS, "injected failure (slot)"));
        }
        if (cspace == null) {
            return refuseSlot(Result.fail(AllocErrorKind.BAD_ARGUMENT, "no cspace manager attached"));
        }
        Result<Long> r = null;
        if (!guard.isBusy(CSPACE)) {
            guard.busy(CSPACE);
            try {
                // The manager's quick path first: it builds no Result, and -1 changed nothing.
                long quick = cspace.tryAllocSlot();
                if (quick != NO_SLOT) {
                    return quick;
                }
                r = cspace.alloc(this);
            } finally {
                guard.idle(CSPACE);
            }
            if (r.isOk()) {
                return r.longValue();
            }
            if (!isShortage(r.error())) {
                return refuseSlot(r);
            }
        }
        if (mayUseReserve && reserves.hasSlot()) {
            long slot = reserves.takeSlot();
            traceReserve("reserve_slot", "cptr", slot, "why", r == null ? "cspace manager busy" : r.error().detail());
            return slot;
        }
        return refuseSlot(r != null ? r : Result.fail(AllocErrorKind.BUSY, "cspace manager busy and no slot in reserve"));
    }

    private long refuseSlot(Result<?> why) {
        slotRefusal = why.error();
        return NO_SLOT;
    }

    @Override
    public Result<Void> cspaceFree(long cptr) {
        if (!guard.enterRequest()) {
            deferred.slot(cptr);
            return Result.done();
        }
        Result<Void> r;
        try {
            r = freeSlot(cptr);
        } catch (Throwable t) {
            throw guard.abandon("allocman slot free", t);
        }
        if (guard.exitInterrupted()) {
            throw guard.deliver(null);
        }
        return r;
    }

    private Result<Void> freeSlot(long cptr) {
        if (cspace == null) {
            return Result.fail(AllocErrorKind.BAD_ARGUMENT, "no cspace manager attached");
        }
        if (guard.isBusy(CSPACE)) {
            deferred.slot(cptr);
            return Result.done();
        }
        guard.busy(CSPACE);
        try {
            return cspace.free(this, cptr);
        } finally {
            guard.idle(CSPACE);
        }
    }

    /** The slot's path; before a cspace manager is attached, the path of a root CNode slot. */
    @Override
    public CSpacePath cspaceMakePath(long cptr) {
        guard.checkMachine();
        return cspace != null ? cspace.makePath(cptr) : CSpacePath.ofRootSlot(0, cptr);
    }

    /** How the slots are addressed; before a cspace manager is attached, as root CNode slots. */
    @Override
    public SlotNaming cspaceNaming() {
        guard.checkMachine();
        return cspace != null ? cspace : ROOT_SLOTS;
    }

    /** The CNode addressing every slot for CNode invocations (see {@link CSpaceManager#root()}). */
    public long cspaceRoot() {
        guard.checkMachine();
        return cspace != null ? cspace.root() : 0;
    }

    /** The depth addressing every slot (see {@link CSpaceManager#depth()}). */
    public int cspaceDepth() {
        guard.checkMachine();
        return cspace != null ? cspace.depth() : 64;
    }

    /** 2^numBits contiguous slots (no reserve: runs are never kept in reserve). */
    public Result<CSpacePath> cspaceAllocContiguous(int numBits) {
        if (!guard.enterRequest()) {
            return interrupted("slot run");
        }
        Result<CSpacePath> r;
        try {
            r = takeSlotRun(numBits);
        } catch (Throwable t) {
            throw guard.abandon("allocman slot run request", t);
        }
        if (guard.exitInterrupted()) {
            throw guard.deliver(slotRunGiveBack(r, numBits));
        }
        return r;
    }

    private Result<CSpacePath> takeSlotRun(int numBits) {
        if (failures.shouldFail()) {
            return Result.fail(AllocErrorKind.OUT_OF_SLOTS, "injected failure (slot run)");
        }
        if (cspace == null || guard.isBusy(CSPACE)) {
            return Result.fail(AllocErrorKind.BUSY, "cspace manager busy or missing");
        }
        guard.busy(CSPACE);
        try {
            return cspace.allocContiguous(this, numBits);
        } finally {
            guard.idle(CSPACE);
        }
    }

    public Result<Void> cspaceFreeContiguous(long firstCptr, int numBits) {
        if (!guard.enterRequest()) {
            deferred.slotRun(firstCptr, numBits);
            return Result.done();
        }
        Result<Void> r;
        try {
            r = freeSlotRun(firstCptr, numBits);
        } catch (Throwable t) {
            throw guard.abandon("allocman slot run free", t);
        }
        if (guard.exitInterrupted()) {
            throw guard.deliver(null);
        }
        return r;
    }

    private Result<Void> freeSlotRun(long firstCptr, int numBits) {
        if (cspace == null || guard.isBusy(CSPACE)) {
            return Result.fail(AllocErrorKind.BUSY, "cspace manager busy or missing");
        }
        guard.busy(CSPACE);
        try {
            return cspace.freeContiguous(this, firstCptr, numBits);
        } finally {
            guard.idle(CSPACE);
        }
    }

    @Override
    public Result<Long> utspaceAlloc(CSpacePath dest, ObjectType type, int objBits, long paddr, boolean canBeDevice) {
        return objectRequest(dest, type, objBits, paddr, canBeDevice, true);
    }

    /**
     * An object from the utspace manager, or (when it is busy or short, no paddr was asked for,
     * and the reserve is allowed) a reserved object moved into {@code dest}.
     */
    Result<Long> objectRequest(CSpacePath dest, ObjectType type, int objBits, long paddr, boolean canBeDevice,
                               boolean mayUseReserve) {
        if (!guard.enterRequest()) {
            return interrupted("object");
        }
        Result<Long> r;
        try {
            r = takeObject(dest, type, objBits, paddr, canBeDevice, mayUseReserve);
        } catch (Throwable t) {
            throw guard.abandon("allocman object request", t);
        }
        if (guard.exitInterrupted()) {
            throw guard.deliver(objectGiveBack(r, dest, objBits));
        }
        return r;
    }

    private Result<Long> takeObject(CSpacePath dest, ObjectType type, int objBits, long paddr, boolean canBeDevice,
                                    boolean mayUseReserve) {
        if (failures.shouldFail()) {
            return Result.fail(AllocErrorKind.OUT_OF_MEMORY, "injected failure (object)");
        }
        if (utspace == null || dest == null || type == null) {
            return Result.fail(AllocErrorKind.BAD_ARGUMENT, "no utspace manager, destination or type");
        }
        Result<Long> r = null;
        if (!guard.isBusy(UTSPACE)) {
            guard.busy(UTSPACE);
            try {
                r = utspace.alloc(this, dest, type, objBits, paddr, canBeDevice);
            } finally {
                guard.idle(UTSPACE);
            }
            if (r.isOk() || !isShortage(r.error()) || paddr != NO_PADDR) {
                return r;
            }
        }
        if (mayUseReserve && paddr == NO_PADDR) {
            Result<Long> reserved = reserves.takeObject(this, dest, type, objBits);
            if (reserved != null) {
                if (reserved.isOk()) {
                    traceReserve("reserve_object", "type", type.name(), "bits", objBits, "cptr", dest.capPtr(), "why",
                            r == null ? "utspace manager busy" : r.error().detail());
                }
                return reserved;
            }
        }
        return r != null ? r : Result.fail(AllocErrorKind.BUSY,
                "utspace manager busy and no " + type + " of 2^" + objBits + " bytes in reserve");
    }

    // ---- giving back what an interrupted outermost request acquired (built only when that happens)

    private Undo.Step slotRunGiveBack(Result<CSpacePath> r, int numBits) {
        return r.isOk() ? () -> cspaceFreeContiguous(r.value().capPtr(), numBits) : null;
    }

    private Undo.Step objectGiveBack(Result<Long> r, CSpacePath dest, int objBits) {
        return r.isOk() ? () -> destroyObject(dest, r.value(), objBits) : null;
    }

    /** Destroys an object a request put in {@code dest} (its only cap) and frees its memory. */
    private Result<Void> destroyObject(CSpacePath dest, long cookie, int objBits) {
        InvocationResult deleted = sel4.cnodeDelete(dest.root(), dest.capPtr(), dest.capDepth());
        if (!deleted.isOk()) {
            return Result.fail(AllocError.kernel("CNode_Delete of the object in slot " + dest.capPtr(), deleted));
        }
        return utspaceFree(cookie, objBits);
    }

    @Override
    public Result<Void> utspaceFree(long cookie, int objBits) {
        if (!guard.enterRequest()) {
            deferred.object(cookie, objBits);
            return Result.done();
        }
        Result<Void> r;
        try {
            r = freeObject(cookie, objBits);
        } catch (Throwable t) {
            throw guard.abandon("allocman object free", t);
        }
        if (guard.exitInterrupted()) {
            throw guard.deliver(null);
        }
        return r;
    }

    private Result<Void> freeObject(long cookie, int objBits) {
        if (utspace == null) {
            return Result.fail(AllocErrorKind.BAD_ARGUMENT, "no utspace manager attached");
        }
        if (guard.isBusy(UTSPACE)) {
            deferred.object(cookie, objBits);
            return Result.done();
        }
        guard.busy(UTSPACE);
        try {
            return utspace.free(this, cookie, objBits);
        } finally {
            guard.idle(UTSPACE);
        }
    }

    /** The physical address of an allocation. */
    public Result<Long> utspacePaddr(long cookie) {
        guard.checkMachine();
        return utspace == null ? Result.fail(AllocErrorKind.BAD_ARGUMENT, "no utspace manager attached")
                : utspace.paddr(cookie);
    }

    /** {@link #utspacePaddr(long)}, refused (NOT_ALLOCATED) unless the allocation is an object of 2^objBits bytes. */
    public Result<Long> utspacePaddr(long cookie, int objBits) {
        guard.checkMachine();
        return utspace == null ? Result.fail(AllocErrorKind.BAD_ARGUMENT, "no utspace manager attached")
                : utspace.paddr(cookie, objBits);
    }

    @Override
    public Result<Long> mspaceAlloc(long bytes) {
        return chunkRequest(bytes, true);
    }

    /**
     * {@link #mspaceAlloc} that builds no {@link Result} when it succeeds (two node records per
     * split): the address, or {@link #NO_CHUNK} with {@link #chunkRefusal()} saying why.
     */
    @Override
    public long mspaceAllocChunk(long bytes) {
        return chunk(bytes, true);
    }

    /** Why the last {@link #mspaceAllocChunk} (or bookkeeping request) was refused. */
    @Override
    public AllocError chunkRefusal() {
        return chunkRefusal;
    }

    /** Bookkeeping bytes from the mspace, or (when it is busy or short, and allowed) a reserved chunk of that size. */
    Result<Long> chunkRequest(long bytes, boolean mayUseReserve) {
        long address = chunk(bytes, mayUseReserve);
        return address != NO_CHUNK ? Result.ofLong(address) : Result.fail(chunkRefusal);
    }

    /** {@link #chunkRequest}'s work: the address, or {@link #NO_CHUNK} with {@link #chunkRefusal} set. */
    private long chunk(long bytes, boolean mayUseReserve) {
        if (!guard.enterRequest()) {
            chunkRefusal = interrupted("bookkeeping").error();
            return NO_CHUNK;
        }
        long address;
        try {
            address = takeChunk(bytes, mayUseReserve);
        } catch (Throwable t) {
            throw guard.abandon("allocman bookkeeping request", t);
        }
        // As for slots: the refill on leaving may be refused chunks of its own; report ours.
        AllocError refusal = chunkRefusal;
        if (guard.exitInterrupted()) {
            throw guard.deliver(address != NO_CHUNK ? () -> mspaceFree(address, bytes) : null);
        }
        chunkRefusal = refusal;
        return address;
    }

    private long takeChunk(long bytes, boolean mayUseReserve) {
        if (failures.shouldFail()) {
            return refuseChunk(AllocError.of(AllocErrorKind.OUT_OF_BOOKKEEPING, "injected failure (bookkeeping)"));
        }
        Result<Long> r = null;
        if (!guard.isBusy(MSPACE)) {
            guard.busy(MSPACE);
            try {
                // The pools' quick path first: it builds no Result, and -1 changed nothing.
                long quick = mspace.tryAlloc(bytes);
                if (quick != NO_CHUNK) {
                    return quick;
                }
                r = mspace.alloc(this, bytes);
            } finally {
                guard.idle(MSPACE);
            }
            if (r.isOk()) {
                return r.longValue();
            }
            if (!isShortage(r.error())) {
                return refuseChunk(r.error());
            }
        }
        Long chunk = mayUseReserve ? reserves.takeChunk(bytes) : null;
        if (chunk != null) {
            traceReserve("reserve_chunk", "bytes", bytes, "address", chunk, "why",
                    r == null ? "mspace busy" : r.error().detail());
            return chunk;
        }
        return refuseChunk(r != null ? r.error() : AllocError.of(AllocErrorKind.BUSY,
                "mspace busy and no chunk of " + bytes + " bytes in reserve"));
    }

    private long refuseChunk(AllocError why) {
        chunkRefusal = why;
        return NO_CHUNK;
    }

    @Override
    public Result<Void> mspaceFree(long address, long bytes) {
        if (!guard.enterRequest()) {
            deferred.chunk(address, bytes);
            return Result.done();
        }
        Result<Void> r;
        try {
            r = freeChunk(address, bytes);
        } catch (Throwable t) {
            throw guard.abandon("allocman bookkeeping free", t);
        }
        if (guard.exitInterrupted()) {
            throw guard.deliver(null);
        }
        return r;
    }

    private Result<Void> freeChunk(long address, long bytes) {
        if (guard.isBusy(MSPACE)) {
            deferred.chunk(address, bytes);
            return Result.done();
        }
        guard.busy(MSPACE);
        try {
            return mspace.free(this, address, bytes);
        } finally {
            guard.idle(MSPACE);
        }
    }

    /** Errors that mean "not enough of it here", which the reserves may make up for. */
    private static boolean isShortage(AllocError e) {
        return switch (e.kind()) {
            case OUT_OF_SLOTS, OUT_OF_MEMORY, OUT_OF_BOOKKEEPING, BUSY -> true;
            default -> false;
        };
    }

    /** The failure of a nested request interrupted at its entry (allocated only when that happens). */
    private static <T> Result<T> interrupted(String what) {
        return Result.fail(AllocErrorKind.INTERRUPTED, "a nested " + what
                + " request was interrupted at its entry (nothing done); the throwable is rethrown when the"
                + " outermost operation ends");
    }

    /** True when an interruption is pending in the current operation: refill and drain stop early. */
    boolean interruptionPending() {
        return guard.interruptionPending();
    }

    /** A trace event of kind allocman, when that kind is traced. */
    void traceReserve(String name, Object... fields) {
        if (sel4.tracer().on(TraceKind.ALLOCMAN)) {
            sel4.tracer().emit(TraceKind.ALLOCMAN, -1, -1, name, fields);
        }
    }

    /** The reserves and deferred frees now, as trace fields: held slots, objects, chunks, deferred frees. */
    Object[] reserveLevels(String suffix) {
        return new Object[] {"slots" + suffix, (long) reserves.slotCount(), "objects" + suffix,
                (long) reserves.objectCount(), "chunks" + suffix, (long) reserves.chunkCount(), "deferred" + suffix,
                (long) deferred.size()};
    }

    // ---- accounting

    public AllocmanAccounting accounting() {
        guard.checkMachine();
        VirtualPool pool = mspace.virtualPool();
        return new AllocmanAccounting(
                cspace == null ? 0 : cspace.slotsInUse(), cspace == null ? 0 : cspace.slotsFree(),
                utspace == null ? 0 : utspace.bytesInUse(), utspace == null ? 0 : utspace.bytesFree(),
                utspace == null ? 0 : utspace.framesInUse(),
                mspace.bytesInUse(), mspace.bytesAvailable(),
                cspace == null ? 0 : cspace.bookkeepingBytes(), utspace == null ? 0 : utspace.bookkeepingBytes(),
                pool == null ? 0 : pool.pagesHeld(), pool == null ? 0 : pool.tablesHeld(),
                reserves.slotCount(), reserves.objectCount(), reserves.chunkCount(), deferred.size());
    }
}
