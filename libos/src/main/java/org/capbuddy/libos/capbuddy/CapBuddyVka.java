package org.capbuddy.libos.capbuddy;

import org.capbuddy.kernel.api.CapRights;
import org.capbuddy.kernel.api.InvocationResult;
import org.capbuddy.kernel.api.ObjectType;
import org.capbuddy.libos.vka.AllocError;
import org.capbuddy.libos.vka.AllocErrorKind;
import org.capbuddy.libos.vka.CSpacePath;
import org.capbuddy.libos.vka.Result;
import org.capbuddy.libos.vka.ForwardingVka;
import org.capbuddy.libos.vka.Undo;
import org.capbuddy.libos.vka.Vka;

/**
 * A vka with CapBuddy's frame pool in front of another vka (the original's stated future work:
 * the pool as its own component on the vka interface, not a patch inside allocman). Everything
 * but frames passes through. It adds the three pool calls, and serves 4 KiB frames from the pool:
 * {@code VkaObjects} hands out the pool's own caps; a caller that names its own destination slot
 * gets a copy, whose cookie lets {@link #utspaceFree} give the frame back to the pool.
 *
 * <p>If the pool cannot serve a frame for want of memory, slots or bookkeeping, the frame comes
 * from the inner vka instead (memory too fragmented for a 4 MiB tree can still hold single
 * frames). Any other refusal, such as a kernel that will not Retype 1024 frames at once, is
 * returned: a pool that cannot work is not silently replaced by the allocator it stands in for.
 *
 * <h2>Cookies</h2>
 * A vka cookie is the untyped allocator's opaque handle on an object's memory. Three kinds meet
 * here, told apart by their top bits:
 * <pre>
 *   63 62 61                                                   0
 *  +--+--+------------------------------------------------------+
 *  | 0| 0|  allocman's cookie: 1, 2, 3, ... (a counter)         |  from the inner vka
 *  +--+--+------------------------------------------------------+
 *  | 0| 1|  pool cptr of the frame copied into the caller's slot |  COPY_COOKIE_TAG | cptr
 *  +--+--+------------------------------------------------------+
 *  | 1| 1|  1 ............................................. 1 0  |  VkaObject.POOL_COOKIE (-2):
 *  +--+--+------------------------------------------------------+  the caller holds the pool's
 *                                                                   own cap, no copy, no slot
 * </pre>
 * Allocman's counter would need 2^62 allocations to reach the tag, and cptrs are below 2^62
 * (a CSpace resolves at most 64 bits, and the pool's trees sit in slot runs allocman hands out),
 * so no two kinds can be confused; negative cookies other than POOL_COOKIE are never made.
 */
public final class CapBuddyVka extends ForwardingVka {
    /** Marks a cookie as "pool frame copied into the caller's slot"; the low bits are the pool cptr. */
    static final long COPY_COOKIE_TAG = 1L << 62;

    private final CapBuddyPool pool;

    /**
     * @param inner the vka the pool takes untypeds, slot runs and bookkeeping from
     * @param config the pool's settings
     * @param probeVSpace cptr of a VSpace with an ASID (the root task's) for the pool's free check
     */
    public CapBuddyVka(Vka inner, PoolConfig config, long probeVSpace) {
        super(inner);
        this.pool = new CapBuddyPool(inner, config, probeVSpace);
    }

    public CapBuddyPool pool() {
        return pool;
    }

    @Override
    public boolean hasPool() {
        return true;
    }

    @Override
    public Result<CSpacePath> utspaceTryAllocFromPool(int sizeBits, long paddr, boolean canUseDevice) {
        if (sizeBits < CapBuddyPool.FRAME_BITS || sizeBits > CapBuddyPool.TREE_BITS) {
            return Result.fail(AllocErrorKind.BAD_ARGUMENT, "pool blocks are 2^12..2^22 bytes, got 2^" + sizeBits);
        }
        int order = sizeBits - CapBuddyPool.FRAME_BITS;
        Result<Long> first = pool.alloc(order, paddr < 0 ? CapBuddyPool.NO_PADDR : paddr, canUseDevice);
        return first.map(cptr -> inner.cspaceMakePath(cptr).withWindow(1 << order));
    }

    @Override
    public long utspaceTryAllocFrameFromPool() {
        return pool.tryAllocFrame();
    }

    @Override
    public Result<Void> utspaceTryFreeFromPool(long cptr, int numBits) {
        return pool.free(cptr, numBits);
    }

    @Override
    public boolean cspaceIsFromPool(long cptr, int numBits) {
        return pool.isFromPool(cptr, numBits);
    }

    // ---- frames through the pool

    @Override
    public Result<Long> utspaceAlloc(CSpacePath dest, ObjectType type, int sizeBits, boolean canUseDevice) {
        if (type != ObjectType.SMALL_PAGE || dest == null) {
            return inner.utspaceAlloc(dest, type, sizeBits, canUseDevice);
        }
        Result<Long> frame = pool.alloc(0, CapBuddyPool.NO_PADDR, canUseDevice);
        if (!frame.isOk()) {
            return frame.error().kind().isShortage() ? inner.utspaceAlloc(dest, type, sizeBits, canUseDevice)
                    : frame.asFailure();
        }
        try (Undo undo = Undo.begin(sel4().guard(), "copying a pool frame into slot", dest.capPtr())) {
            undo.push(() -> pool.free(frame.value(), 0));
            CSpacePath from = inner.cspaceMakePath(frame.value());
            InvocationResult copied = inner.sel4().cnodeCopy(dest.root(), dest.capPtr(), dest.capDepth(), from.root(),
                    from.capPtr(), from.capDepth(), CapRights.ALL);
            if (!copied.isOk()) {
                return Result.fail(AllocError.kernel("copying a pool frame into slot " + dest.capPtr(), copied));
            }
            undo.commit();
            return Result.ok(COPY_COOKIE_TAG | frame.value());
        }
    }

    @Override
    public Result<Void> utspaceFree(ObjectType type, int sizeBits, long cookie) {
        if ((cookie & COPY_COOKIE_TAG) != 0 && cookie > 0) {
            return pool.free(cookie & ~COPY_COOKIE_TAG, 0);
        }
        return inner.utspaceFree(type, sizeBits, cookie);
    }

    @Override
    public Result<Long> utspacePaddr(long cookie, ObjectType type, int sizeBits) {
        if ((cookie & COPY_COOKIE_TAG) != 0 && cookie > 0) {
            return pool.paddrOf(cookie & ~COPY_COOKIE_TAG);
        }
        return inner.utspacePaddr(cookie, type, sizeBits);
    }
}
