package org.capbuddy.libos.vka;

import org.capbuddy.kernel.Sel4;
import org.capbuddy.kernel.api.ObjectType;

/**
 * The allocation interface of the seL4 library OS ({@code vka_t}): capability slots, objects
 * retyped from untyped memory into those slots, and their physical addresses. Everything above
 * libos allocates through it. Errors are values ({@link Result}); no method throws on bad input.
 *
 * <p>Sizes follow vka: {@code sizeBits} is Untyped_Retype's argument (ignored for fixed-size
 * types; the radix for a CNode; log2 bytes for an untyped). Cookies are opaque handles of the
 * untyped allocator, needed to free an object's memory.
 *
 * <p>The three frame-pool calls are CapBuddy's additions; a vka without a pool refuses them.
 */
public interface Vka {

    /** The invocation stubs of the thread this vka allocates for (for capability operations). */
    Sel4 sel4();

    /** A free slot ({@code cspace_alloc}). */
    Result<Long> cspaceAlloc();

    /**
     * {@link #cspaceAlloc()} that builds no {@link Result} when it grants the slot (SOS takes a
     * slot on every page fault): the slot's cptr, or -1 with {@link #cspaceSlotRefusal()} saying why.
     */
    long cspaceAllocSlot();

    /** Why the last refused {@link #cspaceAllocSlot()} was refused. */
    AllocError cspaceSlotRefusal();

    /** The full path of a slot ({@code cspace_make_path}). */
    CSpacePath cspaceMakePath(long cptr);

    /**
     * The CNode through which every slot of this vka is addressed for CNode invocations: with
     * {@link #cspaceDepth()}, {@code (cspaceRoot(), cptr, cspaceDepth())} is the
     * {@code (root, capPtr, capDepth)} of {@code cspaceMakePath(cptr)}, with no path built (for
     * hot paths; see {@link CapOps#copy(Vka, long, long, org.capbuddy.kernel.api.CapRights)}).
     */
    long cspaceRoot();

    /** The depth with which every slot of this vka is addressed (see {@link #cspaceRoot()}). */
    int cspaceDepth();

    /**
     * Returns a slot; it must be empty ({@code cspace_free}). As in allocman, the slot is not
     * read: one returned still holding a cap keeps the cap, in a slot the allocator may hand out
     * again, where a Retype or Copy into it fails with DeleteFirst.
     */
    Result<Void> cspaceFree(long cptr);

    /** Retypes a new object into {@code dest}; returns its cookie ({@code utspace_alloc_maybe_device}). */
    Result<Long> utspaceAlloc(CSpacePath dest, ObjectType type, int sizeBits, boolean canUseDevice);

    /**
     * {@link #utspaceAlloc} served by the untyped allocator itself, never by a frame pool in front
     * of it: where a 4 KiB frame the pool refused for want of memory goes next, as the fork's
     * {@code vka_alloc_object_at_maybe_dev} goes on to {@code vka_utspace_alloc_maybe_device}.
     */
    default Result<Long> utspaceAllocBypassingPool(CSpacePath dest, ObjectType type, int sizeBits,
                                                   boolean canUseDevice) {
        return utspaceAlloc(dest, type, sizeBits, canUseDevice);
    }

    /** Like {@link #utspaceAlloc} but the object must sit at physical address {@code paddr}. */
    Result<Long> utspaceAllocAt(CSpacePath dest, ObjectType type, int sizeBits, long paddr);

    /**
     * Like {@link #utspaceAllocAt} but device memory is used only when {@code canUseDevice}; the
     * four-argument form allows it, as allocman's {@code utspace_alloc_at} does.
     */
    default Result<Long> utspaceAllocAt(CSpacePath dest, ObjectType type, int sizeBits, long paddr,
                                        boolean canUseDevice) {
        return canUseDevice ? utspaceAllocAt(dest, type, sizeBits, paddr)
                : Result.fail(AllocErrorKind.BAD_ARGUMENT, "this vka cannot keep a placed allocation off device memory");
    }

    /** Gives an object's memory back; its caps must already be deleted ({@code utspace_free}). */
    Result<Void> utspaceFree(ObjectType type, int sizeBits, long cookie);

    /** The physical address of an allocation ({@code utspace_paddr}); refused when it is not an object of this type and size. */
    Result<Long> utspacePaddr(long cookie, ObjectType type, int sizeBits);

    /**
     * 2^numBits consecutive slots in one CNode, aligned to 2^numBits (the path names the first;
     * its window is 2^numBits). A frame pool needs them for its batched Retype.
     */
    default Result<CSpacePath> cspaceAllocContiguous(int numBits) {
        return Result.fail(AllocErrorKind.BAD_ARGUMENT, "this vka cannot hand out contiguous slots");
    }

    /** Returns a run handed out by {@link #cspaceAllocContiguous}. */
    default Result<Void> cspaceFreeContiguous(long firstCptr, int numBits) {
        return Result.fail(AllocErrorKind.NOT_ALLOCATED, "this vka cannot hand out contiguous slots");
    }

    /** Bookkeeping bytes, for components layered on this vka (a frame pool's records). */
    default Result<Long> bookkeepingAlloc(long bytes) {
        return Result.fail(AllocErrorKind.OUT_OF_BOOKKEEPING, "this vka has no bookkeeping memory");
    }

    default Result<Void> bookkeepingFree(long address, long bytes) {
        return Result.fail(AllocErrorKind.NOT_ALLOCATED, "this vka has no bookkeeping memory");
    }

    /** True when this vka serves 4 KiB frames and contiguous blocks from a frame pool. */
    default boolean hasPool() {
        return false;
    }

    /**
     * CapBuddy: a block of 2^(sizeBits-12) contiguous 4 KiB frames from the pool, optionally at a
     * physical address; the path names the first frame and its window the number of frames.
     */
    default Result<CSpacePath> utspaceTryAllocFromPool(int sizeBits, long paddr, boolean canUseDevice) {
        return Result.fail(AllocErrorKind.BAD_ARGUMENT, "this vka has no frame pool");
    }

    /**
     * CapBuddy's hot path: one 4 KiB RAM frame the pool has free now, as the pool's own cap (its
     * vka cookie is {@link VkaObject#POOL_COOKIE}), or -1 when no tree has one free or there is no
     * pool; {@link VkaObjects#allocFrame} then serves the request (making a tree, or from the
     * inner vka) or says why not. No kernel call and no object built, and -1 changes nothing.
     */
    default long utspaceTryAllocFrameFromPool() {
        return -1;
    }

    /** CapBuddy: gives a block of 2^numBits frames back to the pool. */
    default Result<Void> utspaceTryFreeFromPool(long cptr, int numBits) {
        return Result.fail(AllocErrorKind.NOT_ALLOCATED, "this vka has no frame pool");
    }

    /** CapBuddy: true when the 2^numBits frames at {@code cptr} belong to the pool. */
    default boolean cspaceIsFromPool(long cptr, int numBits) {
        return false;
    }
}
