package org.capbuddy.libos.allocman;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.Map;
import org.capbuddy.kernel.Sel4;
import org.capbuddy.kernel.api.InvocationResult;
import org.capbuddy.kernel.api.ObjectType;
import org.capbuddy.kernel.host.FailureInjector;
import org.capbuddy.libos.allocman.cspace.CSpaceManager;
import org.capbuddy.libos.allocman.mspace.DualPool;
import org.capbuddy.libos.allocman.mspace.VirtualPool;
import org.capbuddy.libos.allocman.utspace.UntypedKind;
import org.capbuddy.libos.allocman.utspace.UtspaceManager;
import org.capbuddy.libos.vka.AllocError;
import org.capbuddy.libos.vka.AllocErrorKind;
import org.capbuddy.libos.vka.CSpacePath;
import org.capbuddy.libos.vka.Result;

/**
 * allocman: a cspace manager (slots), a utspace manager (objects from untyped memory) and an
 * mspace (bookkeeping bytes), tied together so that they can depend on each other in a cycle.
 *
 * <p><b>The guard.</b> Every entry notes whether it is the outermost call of an operation and
 * whether its manager is already busy further up the stack. A busy manager is never re-entered:
 * an allocation is served from the reserves (a free slot, a pre-retyped object of the same type
 * and size moved into the caller's slot, a bookkeeping chunk of the same size), and a free is
 * queued. When the outermost call ends, the queued frees are performed and the reserves are
 * topped up again (the refill). An allocation a manager refuses for want of resources also falls
 * back on the reserves, except one at a given physical address.
 *
 * <p><b>Atomicity.</b> Each manager leaves its state unchanged when it fails, and every caller
 * here frees what it took before failing, so an operation that fails leaves slots, untyped bytes
 * and bookkeeping bytes as they were (reserves are refilled when it ends).
 */
public final class Allocman implements ManagerContext {
    /** Refill passes made at the end of an operation while reserves are short and progress is made. */
    private static final int REFILL_PASSES = 4;

    private final Sel4 sel4;
    private final DualPool mspace;
    private final FailureInjector failures = new FailureInjector();
    private CSpaceManager cspace;
    private UtspaceManager utspace;

    private int operationDepth;
    private int cspaceBusy;
    private int utspaceBusy;
    private int mspaceBusy;
    private boolean refilling;
    private boolean reserveTouched;

    private ReserveConfig reserveConfig = ReserveConfig.none();
    private final Deque<Long> reserveSlots = new ArrayDeque<>();
    private final Map<ObjectKey, Deque<ContextObjects.Owned>> reserveObjects = new LinkedHashMap<>();
    private final Map<Long, Deque<Long>> reserveChunks = new LinkedHashMap<>();

    private final Deque<Long> deferredSlots = new ArrayDeque<>();
    private final Deque<long[]> deferredChunks = new ArrayDeque<>();
    private final Deque<long[]> deferredObjects = new ArrayDeque<>();

    private record ObjectKey(ObjectType type, int objBits) {
    }

    public Allocman(Sel4 sel4, DualPool mspace) {
        this.sel4 = sel4;
        this.mspace = mspace;
    }

    // ---- composition

    public Result<Void> attachCSpace(CSpaceManager manager) {
        if (cspace != null) {
            return Result.fail(AllocErrorKind.BAD_ARGUMENT, "a cspace manager is already attached");
        }
        cspace = manager;
        return Result.done();
    }

    public Result<Void> attachUtspace(UtspaceManager manager) {
        if (utspace != null) {
            return Result.fail(AllocErrorKind.BAD_ARGUMENT, "a utspace manager is already attached");
        }
        utspace = manager;
        return Result.done();
    }

    public void attachVirtualPool(VirtualPool pool) {
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

    /** Hands an untyped cap to the utspace manager (an operation of its own). */
    public Result<Void> addUntyped(CSpacePath path, int sizeBits, long paddr, UntypedKind kind) {
        boolean root = start();
        try {
            if (utspace == null) {
                return Result.fail(AllocErrorKind.BAD_ARGUMENT, "no utspace manager attached");
            }
            utspaceBusy++;
            try {
                return utspace.addUntyped(this, path, sizeBits, paddr, kind);
            } finally {
                utspaceBusy--;
            }
        } finally {
            end(root);
        }
    }

    /** Sets the reserve sizes and fills them; fails if they cannot be filled. */
    public Result<Void> configureReserves(ReserveConfig config) {
        reserveConfig = config;
        for (ReserveConfig.ObjectReserve o : config.objects()) {
            reserveObjects.computeIfAbsent(new ObjectKey(o.type(), o.objBits()), k -> new ArrayDeque<>());
        }
        for (ReserveConfig.ChunkReserve c : config.chunks()) {
            reserveChunks.computeIfAbsent(c.bytes(), k -> new ArrayDeque<>());
        }
        return fillReserves();
    }

    /** Performs queued frees and tops the reserves up now; fails if they cannot be filled. */
    public Result<Void> fillReserves() {
        boolean root = start();
        reserveTouched = true;
        end(root);
        return reservesFull() ? Result.done()
                : Result.fail(AllocErrorKind.OUT_OF_MEMORY, "reserves could not be filled: " + accounting().balanceKey());
    }

    /**
     * Gives everything in the reserves back to the managers (and lets the virtual pool shrink),
     * without refilling. What remains in use afterwards is exactly what clients hold plus the
     * managers' fixed records: the state to compare before and after a workload to prove that
     * nothing was lost. {@link #fillReserves()} restores the reserves.
     */
    public Result<Void> releaseReserves() {
        boolean root = start();
        refilling = true;
        Result<Void> outcome = Result.done();
        try {
            ContextObjects objects = new ContextObjects(this);
            for (Map.Entry<ObjectKey, Deque<ContextObjects.Owned>> e : reserveObjects.entrySet()) {
                while (!e.getValue().isEmpty()) {
                    ContextObjects.Owned o = e.getValue().pop();
                    Result<Void> r = objects.free(o.cptr(), o.cookie(), e.getKey().objBits());
                    outcome = outcome.isOk() ? r : outcome;
                }
            }
            while (!reserveSlots.isEmpty()) {
                Result<Void> r = cspaceFree(reserveSlots.pop());
                outcome = outcome.isOk() ? r : outcome;
            }
            for (Map.Entry<Long, Deque<Long>> e : reserveChunks.entrySet()) {
                while (!e.getValue().isEmpty()) {
                    Result<Void> r = mspaceFree(e.getValue().pop(), e.getKey());
                    outcome = outcome.isOk() ? r : outcome;
                }
            }
            drainDeferred();
        } finally {
            refilling = false;
            reserveTouched = false;
            end(root);
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
        return cspaceAlloc(true);
    }

    private Result<Long> cspaceAlloc(boolean mayUseReserve) {
        boolean root = start();
        try {
            if (failures.shouldFail()) {
                return Result.fail(AllocErrorKind.OUT_OF_SLOTS, "injected failure (slot)");
            }
            if (cspace == null) {
                return Result.fail(AllocErrorKind.BAD_ARGUMENT, "no cspace manager attached");
            }
            Result<Long> r = null;
            if (cspaceBusy == 0) {
                cspaceBusy++;
                try {
                    r = cspace.alloc(this);
                } finally {
                    cspaceBusy--;
                }
                if (r.isOk() || !isShortage(r.error())) {
                    return r;
                }
            }
            if (mayUseReserve && !reserveSlots.isEmpty()) {
                reserveTouched = true;
                return Result.ok(reserveSlots.pop());
            }
            return r != null ? r : Result.fail(AllocErrorKind.BUSY, "cspace manager busy and no slot in reserve");
        } finally {
            end(root);
        }
    }

    @Override
    public Result<Void> cspaceFree(long cptr) {
        boolean root = start();
        try {
            if (cspace == null) {
                return Result.fail(AllocErrorKind.BAD_ARGUMENT, "no cspace manager attached");
            }
            if (cspaceBusy > 0) {
                deferredSlots.add(cptr);
                return Result.done();
            }
            cspaceBusy++;
            try {
                return cspace.free(this, cptr);
            } finally {
                cspaceBusy--;
            }
        } finally {
            end(root);
        }
    }

    /** The slot's path; before a cspace manager is attached, the path of a root CNode slot. */
    @Override
    public CSpacePath cspaceMakePath(long cptr) {
        return cspace != null ? cspace.makePath(cptr) : CSpacePath.ofRootSlot(0, cptr);
    }

    /** 2^numBits contiguous slots (no reserve: runs are never kept in reserve). */
    public Result<CSpacePath> cspaceAllocContiguous(int numBits) {
        boolean root = start();
        try {
            if (failures.shouldFail()) {
                return Result.fail(AllocErrorKind.OUT_OF_SLOTS, "injected failure (slot run)");
            }
            if (cspace == null || cspaceBusy > 0) {
                return Result.fail(AllocErrorKind.BUSY, "cspace manager busy or missing");
            }
            cspaceBusy++;
            try {
                return cspace.allocContiguous(this, numBits);
            } finally {
                cspaceBusy--;
            }
        } finally {
            end(root);
        }
    }

    public Result<Void> cspaceFreeContiguous(long firstCptr, int numBits) {
        boolean root = start();
        try {
            if (cspace == null || cspaceBusy > 0) {
                return Result.fail(AllocErrorKind.BUSY, "cspace manager busy or missing");
            }
            cspaceBusy++;
            try {
                return cspace.freeContiguous(this, firstCptr, numBits);
            } finally {
                cspaceBusy--;
            }
        } finally {
            end(root);
        }
    }

    @Override
    public Result<Long> utspaceAlloc(CSpacePath dest, ObjectType type, int objBits, long paddr, boolean canBeDevice) {
        return utspaceAlloc(dest, type, objBits, paddr, canBeDevice, true);
    }

    private Result<Long> utspaceAlloc(CSpacePath dest, ObjectType type, int objBits, long paddr, boolean canBeDevice,
                                      boolean mayUseReserve) {
        boolean root = start();
        try {
            if (failures.shouldFail()) {
                return Result.fail(AllocErrorKind.OUT_OF_MEMORY, "injected failure (object)");
            }
            if (utspace == null || dest == null || type == null) {
                return Result.fail(AllocErrorKind.BAD_ARGUMENT, "no utspace manager, destination or type");
            }
            Result<Long> r = null;
            if (utspaceBusy == 0) {
                utspaceBusy++;
                try {
                    r = utspace.alloc(this, dest, type, objBits, paddr, canBeDevice);
                } finally {
                    utspaceBusy--;
                }
                if (r.isOk() || !isShortage(r.error()) || paddr != NO_PADDR) {
                    return r;
                }
            }
            if (mayUseReserve && paddr == NO_PADDR) {
                Result<Long> reserved = takeReservedObject(dest, type, objBits);
                if (reserved != null) {
                    return reserved;
                }
            }
            return r != null ? r : Result.fail(AllocErrorKind.BUSY,
                    "utspace manager busy and no " + type + " of 2^" + objBits + " bytes in reserve");
        } finally {
            end(root);
        }
    }

    /** Moves a reserved object into {@code dest}; null if none of that kind is held. */
    private Result<Long> takeReservedObject(CSpacePath dest, ObjectType type, int objBits) {
        Deque<ContextObjects.Owned> held = reserveObjects.get(new ObjectKey(type, objBits));
        if (held == null || held.isEmpty()) {
            return null;
        }
        ContextObjects.Owned object = held.pop();
        CSpacePath from = cspaceMakePath(object.cptr());
        InvocationResult moved = sel4.cnodeMove(dest.root(), dest.capPtr(), dest.capDepth(), from.root(),
                from.capPtr(), from.capDepth());
        if (!moved.isOk()) {
            held.push(object);
            return Result.fail(AllocError.kernel("moving a reserved " + type + " into slot " + dest.capPtr(), moved));
        }
        reserveTouched = true;
        cspaceFree(object.cptr());
        return Result.ok(object.cookie());
    }

    @Override
    public Result<Void> utspaceFree(long cookie, int objBits) {
        boolean root = start();
        try {
            if (utspace == null) {
                return Result.fail(AllocErrorKind.BAD_ARGUMENT, "no utspace manager attached");
            }
            if (utspaceBusy > 0) {
                deferredObjects.add(new long[] {cookie, objBits});
                return Result.done();
            }
            utspaceBusy++;
            try {
                return utspace.free(this, cookie, objBits);
            } finally {
                utspaceBusy--;
            }
        } finally {
            end(root);
        }
    }

    /** The physical address of an allocation. */
    public Result<Long> utspacePaddr(long cookie) {
        return utspace == null ? Result.fail(AllocErrorKind.BAD_ARGUMENT, "no utspace manager attached")
                : utspace.paddr(cookie);
    }

    @Override
    public Result<Long> mspaceAlloc(long bytes) {
        return mspaceAlloc(bytes, true);
    }

    private Result<Long> mspaceAlloc(long bytes, boolean mayUseReserve) {
        boolean root = start();
        try {
            if (failures.shouldFail()) {
                return Result.fail(AllocErrorKind.OUT_OF_BOOKKEEPING, "injected failure (bookkeeping)");
            }
            Result<Long> r = null;
            if (mspaceBusy == 0) {
                mspaceBusy++;
                try {
                    r = mspace.alloc(this, bytes);
                } finally {
                    mspaceBusy--;
                }
                if (r.isOk() || !isShortage(r.error())) {
                    return r;
                }
            }
            Deque<Long> chunks = reserveChunks.get(bytes);
            if (mayUseReserve && chunks != null && !chunks.isEmpty()) {
                reserveTouched = true;
                return Result.ok(chunks.pop());
            }
            return r != null ? r : Result.fail(AllocErrorKind.BUSY,
                    "mspace busy and no chunk of " + bytes + " bytes in reserve");
        } finally {
            end(root);
        }
    }

    @Override
    public Result<Void> mspaceFree(long address, long bytes) {
        boolean root = start();
        try {
            if (mspaceBusy > 0) {
                deferredChunks.add(new long[] {address, bytes});
                return Result.done();
            }
            mspaceBusy++;
            try {
                return mspace.free(this, address, bytes);
            } finally {
                mspaceBusy--;
            }
        } finally {
            end(root);
        }
    }

    private static boolean isShortage(AllocError e) {
        return switch (e.kind()) {
            case OUT_OF_SLOTS, OUT_OF_MEMORY, OUT_OF_BOOKKEEPING, BUSY -> true;
            default -> false;
        };
    }

    // ---- operations, deferred frees and refill

    private boolean start() {
        return ++operationDepth == 1;
    }

    private void end(boolean root) {
        try {
            if (root && !refilling && (reserveTouched || hasDeferred())) {
                refill();
            }
        } finally {
            operationDepth--;
        }
    }

    private void refill() {
        refilling = true;
        try {
            for (int pass = 0; pass < REFILL_PASSES; pass++) {
                boolean progress = drainDeferred();
                progress |= topUpSlots();
                progress |= topUpObjects();
                progress |= topUpChunks();
                if (reservesFull() && !hasDeferred()) {
                    reserveTouched = false;
                    return;
                }
                if (!progress) {
                    return;
                }
            }
        } finally {
            refilling = false;
        }
    }

    private boolean drainDeferred() {
        boolean progress = false;
        while (hasDeferred()) {
            progress = true;
            if (!deferredObjects.isEmpty()) {
                long[] o = deferredObjects.pop();
                utspaceFree(o[0], (int) o[1]);
            } else if (!deferredChunks.isEmpty()) {
                long[] c = deferredChunks.pop();
                mspaceFree(c[0], c[1]);
            } else {
                cspaceFree(deferredSlots.pop());
            }
        }
        return progress;
    }

    private boolean topUpSlots() {
        boolean progress = false;
        while (reserveSlots.size() < reserveConfig.slots()) {
            Result<Long> slot = cspaceAlloc(false);
            if (!slot.isOk()) {
                break;
            }
            reserveSlots.push(slot.value());
            progress = true;
        }
        return progress;
    }

    private boolean topUpObjects() {
        boolean progress = false;
        for (ReserveConfig.ObjectReserve want : reserveConfig.objects()) {
            Deque<ContextObjects.Owned> held = reserveObjects.get(new ObjectKey(want.type(), want.objBits()));
            while (held.size() < want.count()) {
                Result<Long> slot = cspaceAlloc(false);
                if (!slot.isOk()) {
                    return progress;
                }
                Result<Long> cookie = utspaceAlloc(cspaceMakePath(slot.value()), want.type(), want.objBits(), NO_PADDR,
                        false, false);
                if (!cookie.isOk()) {
                    cspaceFree(slot.value());
                    break;
                }
                held.push(new ContextObjects.Owned(slot.value(), cookie.value()));
                progress = true;
            }
        }
        return progress;
    }

    private boolean topUpChunks() {
        boolean progress = false;
        for (ReserveConfig.ChunkReserve want : reserveConfig.chunks()) {
            Deque<Long> held = reserveChunks.get(want.bytes());
            while (held.size() < want.count()) {
                Result<Long> chunk = mspaceAlloc(want.bytes(), false);
                if (!chunk.isOk()) {
                    break;
                }
                held.push(chunk.value());
                progress = true;
            }
        }
        return progress;
    }

    private boolean hasDeferred() {
        return !deferredSlots.isEmpty() || !deferredChunks.isEmpty() || !deferredObjects.isEmpty();
    }

    private boolean reservesFull() {
        if (reserveSlots.size() < reserveConfig.slots()) {
            return false;
        }
        for (ReserveConfig.ObjectReserve o : reserveConfig.objects()) {
            if (reserveObjects.get(new ObjectKey(o.type(), o.objBits())).size() < o.count()) {
                return false;
            }
        }
        for (ReserveConfig.ChunkReserve c : reserveConfig.chunks()) {
            if (reserveChunks.get(c.bytes()).size() < c.count()) {
                return false;
            }
        }
        return true;
    }

    // ---- accounting

    public AllocmanAccounting accounting() {
        VirtualPool pool = mspace.virtualPool();
        return new AllocmanAccounting(
                cspace == null ? 0 : cspace.slotsInUse(), cspace == null ? 0 : cspace.slotsFree(),
                utspace == null ? 0 : utspace.bytesInUse(), utspace == null ? 0 : utspace.bytesFree(),
                utspace == null ? 0 : utspace.framesInUse(),
                mspace.bytesInUse(), mspace.bytesAvailable(),
                cspace == null ? 0 : cspace.bookkeepingBytes(), utspace == null ? 0 : utspace.bookkeepingBytes(),
                pool == null ? 0 : pool.pagesHeld(), pool == null ? 0 : pool.tablesHeld(),
                reserveSlots.size(), reserveObjects.values().stream().mapToInt(Deque::size).sum(),
                reserveChunks.values().stream().mapToInt(Deque::size).sum(),
                deferredSlots.size() + deferredChunks.size() + deferredObjects.size());
    }
}
