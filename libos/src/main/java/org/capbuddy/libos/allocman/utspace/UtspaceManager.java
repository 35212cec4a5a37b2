package org.capbuddy.libos.allocman.utspace;

import org.capbuddy.kernel.api.ObjectType;
import org.capbuddy.libos.allocman.ManagerContext;
import org.capbuddy.libos.vka.AllocErrorKind;
import org.capbuddy.libos.vka.CSpacePath;
import org.capbuddy.libos.vka.Result;

/**
 * An allocator of kernel objects from untyped memory (allocman's utspace interface). Every method
 * returns errors as values and leaves its state unchanged when it fails.
 */
public interface UtspaceManager {

    /**
     * Gives the manager an untyped cap to allocate from. {@code path} is where the cap sits; the
     * manager owns it from now on.
     */
    Result<Void> addUntyped(ManagerContext ctx, CSpacePath path, int sizeBits, long paddr, UntypedKind kind);

    /**
     * Retypes one object of {@code type}, 2^objBits bytes, into the empty slot {@code dest} and
     * returns a cookie for freeing it. With {@code paddr} other than {@link ManagerContext#NO_PADDR}
     * the object must sit exactly there. {@code canBeDevice} allows device memory.
     */
    Result<Long> alloc(ManagerContext ctx, CSpacePath dest, ObjectType type, int objBits, long paddr,
                       boolean canBeDevice);

    /**
     * Gives back the memory of the object with this cookie; every cap to the object must already
     * be deleted. NOT_ALLOCATED for a cookie not handed out, or already freed.
     */
    Result<Void> free(ManagerContext ctx, long cookie, int objBits);

    /** The physical address of the allocation with this cookie. */
    Result<Long> paddr(long cookie);

    /**
     * The physical address of the allocation with this cookie when it is an object of 2^objBits
     * bytes, else NOT_ALLOCATED: what a free of it would check, asked before anything is undone.
     * A manager that does not record sizes answers as {@link #paddr(long)}.
     */
    default Result<Long> paddr(long cookie, int objBits) {
        return paddr(cookie);
    }

    /** The refusal of a free or a paddr asked for an object of another size than the cookie's. */
    static <T> Result<T> wrongSize(long cookie, int sizeBits, int objBits) {
        return Result.fail(AllocErrorKind.NOT_ALLOCATED, "cookie " + cookie + " is an object of 2^" + sizeBits
                + " bytes, not 2^" + objBits);
    }

    /** Bytes of untyped memory handed out as objects and not yet freed. */
    long bytesInUse();

    /** Bytes still available (RAM and device). */
    long bytesFree();

    /** Objects handed out and not yet freed, of the frame types. */
    long framesInUse();

    /** Bookkeeping bytes this manager holds in the mspace. */
    long bookkeepingBytes();
}
