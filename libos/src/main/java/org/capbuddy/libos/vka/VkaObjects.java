package org.capbuddy.libos.vka;

import java.util.Optional;
import org.capbuddy.kernel.api.InvocationResult;
import org.capbuddy.kernel.api.ObjectType;

/**
 * The vka object helpers ({@code vka_alloc_object}, {@code vka_free_object} and the typed
 * wrappers): slot + Retype on the way in, undone through an {@link Undo} log if the Retype fails
 * or anything throws; delete + free memory + free slot on the way out.
 */
public final class VkaObjects {
    private VkaObjects() {
    }

    public static Result<VkaObject> alloc(Vka vka, ObjectType type, int sizeBits) {
        return alloc(vka, type, sizeBits, -1, false);
    }

    public static Result<VkaObject> allocMaybeDevice(Vka vka, ObjectType type, int sizeBits, boolean canUseDevice) {
        return alloc(vka, type, sizeBits, -1, canUseDevice);
    }

    /** An object at exactly physical address {@code paddr}. */
    public static Result<VkaObject> allocAt(Vka vka, ObjectType type, int sizeBits, long paddr) {
        if (paddr < 0) {
            return Result.fail(AllocErrorKind.BAD_ARGUMENT, "negative physical address");
        }
        return alloc(vka, type, sizeBits, paddr, true);
    }

    private static Result<VkaObject> alloc(Vka vka, ObjectType type, int sizeBits, long paddr, boolean canUseDevice) {
        if (vka == null) {
            return noVka();
        }
        if (type == null) {
            return Result.fail(AllocErrorKind.BAD_ARGUMENT, "no object type");
        }
        boolean poolRefused = false;
        if (type == ObjectType.SMALL_PAGE && vka.hasPool()) {
            // The pool first, with or without an address, as the fork's vka_alloc_object_at_maybe_dev
            // does. A refusal for want of memory, slots or bookkeeping, or of a request the pool
            // cannot place (an address it will not take), goes on to a slot and the untyped
            // allocator, without asking the pool again; any other means the pool cannot work, and
            // it is not silently replaced by the allocator it stands in for.
            if (paddr < 0) {
                // A free RAM frame first, as the pool itself would take it; then the pool's full path.
                long frame = vka.utspaceTryAllocFrameFromPool();
                if (frame >= 0) {
                    return Result.ok(new VkaObject(frame, VkaObject.POOL_COOKIE, type, sizeBits));
                }
            }
            // At an address the pool is asked without device memory (vka_alloc_object_at passes
            // can_use_dev = false); the untyped allocator may still use it below.
            Result<CSpacePath> pooled = vka.utspaceTryAllocFromPool(12, paddr, paddr < 0 && canUseDevice);
            if (pooled.isOk()) {
                return Result.ok(new VkaObject(pooled.value().capPtr(), VkaObject.POOL_COOKIE, type, sizeBits));
            }
            AllocErrorKind why = pooled.error().kind();
            if (!why.isShortage() && why != AllocErrorKind.BAD_ARGUMENT) {
                return pooled.asFailure();
            }
            poolRefused = true;
        }
        long cptr = vka.cspaceAllocSlot(); // no Result built for a slot granted
        if (cptr < 0) {
            return Result.fail(vka.cspaceSlotRefusal());
        }
        // The slot is given back if the Retype fails or anything throws. The undo log is built
        // only then (see giveBackSlot): on this hot path a log and its step for every object
        // would be garbage, and an allocation that succeeds has nothing to undo.
        boolean done = false;
        try {
            CSpacePath path = vka.cspaceMakePath(cptr);
            Result<Long> cookie = paddr >= 0 ? vka.utspaceAllocAt(path, type, sizeBits, paddr)
                    : poolRefused ? vka.utspaceAllocBypassingPool(path, type, sizeBits, canUseDevice)
                    : vka.utspaceAlloc(path, type, sizeBits, canUseDevice);
            if (!cookie.isOk()) {
                return cookie.asFailure();
            }
            done = true;
            return Result.ok(new VkaObject(cptr, cookie.longValue(), type, sizeBits));
        } finally {
            if (!done) {
                giveBackSlot(vka, cptr);
            }
        }
    }

    /**
     * Frees the slot of an allocation that failed or was cut short, through an {@link Undo} log so
     * that a failure to free it marks the machine broken, as any undo does; closing never throws,
     * so the original failure is the one that propagates.
     */
    private static void giveBackSlot(Vka vka, long cptr) {
        try (Undo undo = Undo.begin(vka.sel4().guard(), "allocating an object through the vka")) {
            undo.push(() -> vka.cspaceFree(cptr));
        }
    }

    /**
     * Deletes the object's cap (so the object dies if it was the last), frees slot and memory.
     * The cookie is checked first: freeing an object twice must not delete whatever cap now sits
     * in its old slot, nor free a slot that was handed to someone else since.
     *
     * <p>Nothing here can be undone: the first change, deleting the cap, destroys the object, so
     * there is no undo log. A throwable before the delete has changed nothing. One after it may
     * leave the memory or the slot held by nobody, so it marks the machine broken before it
     * propagates: never a silent leak.
     */
    public static Result<Void> free(Vka vka, VkaObject object) {
        if (vka == null) {
            return noVka();
        }
        if (object == null) {
            return Result.fail(AllocErrorKind.BAD_ARGUMENT, "no object");
        }
        if (object.isPoolFrame()) {
            return vka.utspaceTryFreeFromPool(object.cptr(), 0);
        }
        Result<Long> live = vka.utspacePaddr(object.cookie(), object.type(), object.sizeBits());
        if (!live.isOk()) {
            return Result.fail(AllocErrorKind.NOT_ALLOCATED, "object in slot " + object.cptr()
                    + " is not allocated (freed twice?): " + live.error().detail());
        }
        // Addressed as the slot's path would be, with no path built (see Vka#cspaceRoot).
        InvocationResult deleted = vka.sel4().cnodeDelete(vka.cspaceRoot(), object.cptr(), vka.cspaceDepth());
        if (!deleted.isOk()) {
            return Result.fail(AllocError.kernel("deleting the cap in slot " + object.cptr(), deleted));
        }
        Result<Void> memory;
        Result<Void> slot;
        try {
            memory = vka.utspaceFree(object.type(), object.sizeBits(), object.cookie());
            slot = vka.cspaceFree(object.cptr());
        } catch (Throwable t) {
            vka.sel4().guard().markBroken("freeing the object in slot " + object.cptr()
                    + " after its cap was deleted (its memory or slot may not have been given back)", t);
            throw t;
        }
        return !memory.isOk() ? memory : slot;
    }

    /** The physical address of an object. */
    public static Result<Long> paddr(Vka vka, VkaObject object) {
        if (vka == null || object == null) {
            return Result.fail(AllocErrorKind.BAD_ARGUMENT, "no vka or no object");
        }
        if (object.isPoolFrame()) {
            InvocationResult address = vka.sel4().pageGetAddress(object.cptr());
            return address.isOk() ? Result.ok(address.mr(0))
                    : Result.fail(AllocError.kernel("Page_GetAddress of pool frame " + object.cptr(), address));
        }
        return vka.utspacePaddr(object.cookie(), object.type(), object.sizeBits());
    }

    /**
     * {@code vka_alloc_frame_contiguous}: a block of 2^(blockBits-12) contiguous 4 KiB frames from
     * the frame pool; the path names the first frame and its window the number of frames.
     */
    public static Result<CSpacePath> allocFrameContiguous(Vka vka, int blockBits) {
        if (vka == null) {
            return noVka();
        }
        if (!vka.hasPool()) {
            return Result.fail(AllocErrorKind.BAD_ARGUMENT, "contiguous frames need a vka with a frame pool");
        }
        return vka.utspaceTryAllocFromPool(blockBits, -1, false);
    }

    /** Gives back a block from {@link #allocFrameContiguous}. */
    public static Result<Void> freeFrameContiguous(Vka vka, CSpacePath block) {
        if (vka == null) {
            return noVka();
        }
        if (block == null || Integer.bitCount(block.window()) != 1) {
            return Result.fail(AllocErrorKind.BAD_ARGUMENT, "not a block of 2^n frames: " + block);
        }
        return vka.utspaceTryFreeFromPool(block.capPtr(), Integer.numberOfTrailingZeros(block.window()));
    }

    private static <T> Result<T> noVka() {
        return Result.fail(AllocErrorKind.BAD_ARGUMENT, "no vka");
    }

    public static Result<VkaObject> allocFrame(Vka vka, int sizeBits) {
        Optional<ObjectType> type = ObjectType.frameOfBits(sizeBits);
        // Not map(..).orElse(Result.fail(..)): orElse's argument, the failure with its message, would be
        // built on every call, and so would the lambda and a new Optional.
        return type.isPresent() ? alloc(vka, type.get(), sizeBits)
                : Result.fail(AllocErrorKind.BAD_ARGUMENT, "no frame of 2^" + sizeBits + " bytes");
    }

    public static Result<VkaObject> allocPageTable(Vka vka) {
        return alloc(vka, ObjectType.PAGE_TABLE, 0);
    }

    public static Result<VkaObject> allocVSpace(Vka vka) {
        return alloc(vka, ObjectType.VSPACE, 0);
    }

    public static Result<VkaObject> allocUntyped(Vka vka, int sizeBits) {
        return alloc(vka, ObjectType.UNTYPED, sizeBits);
    }

    public static Result<VkaObject> allocCNode(Vka vka, int radix) {
        return alloc(vka, ObjectType.CNODE, radix);
    }

    public static Result<VkaObject> allocTcb(Vka vka) {
        return alloc(vka, ObjectType.TCB, 0);
    }

    public static Result<VkaObject> allocEndpoint(Vka vka) {
        return alloc(vka, ObjectType.ENDPOINT, 0);
    }

    public static Result<VkaObject> allocNotification(Vka vka) {
        return alloc(vka, ObjectType.NOTIFICATION, 0);
    }
}
