package org.capbuddy.libos.allocman.utspace;

import org.capbuddy.kernel.api.ObjectType;
import org.capbuddy.libos.allocman.ManagerContext;
import org.capbuddy.libos.vka.AllocErrorKind;
import org.capbuddy.libos.vka.CSpacePath;
import org.capbuddy.libos.vka.Result;

/**
 * The argument checks every utspace manager runs before touching anything (the
 * {@code get_sel4_object_size} / {@code vka_get_object_size} round trip at the top of allocman's
 * {@code _utspace_*_alloc}), and the conversion of allocman's object size to Retype's argument.
 */
final class ObjectRequest {
    /** Smallest CNode Retype accepts: radix 1 (radix 0 is InvalidArgument), so 2 slots of 32 bytes. */
    static final int MIN_CNODE_BITS = 1 + ObjectType.SLOT_BITS;

    private ObjectRequest() {
    }

    /**
     * Why {@code type}, {@code objBits} and {@code paddr} cannot be asked for, or null when they
     * can. Every string is built only for a refusal: a valid request allocates nothing here.
     */
    static String sizeProblem(ObjectType type, int objBits, long paddr) {
        if (type == null) {
            return "object type is null";
        }
        switch (type) {
            case UNTYPED -> {
                if (objBits < ObjectType.MIN_UNTYPED_BITS || objBits > ObjectType.MAX_UNTYPED_BITS) {
                    return "an untyped must be " + ObjectType.MIN_UNTYPED_BITS + ".." + ObjectType.MAX_UNTYPED_BITS
                            + " bits, got " + objBits;
                }
            }
            case CNODE -> {
                if (objBits < MIN_CNODE_BITS || objBits > ObjectType.MAX_UNTYPED_BITS) {
                    return "a CNode must be " + MIN_CNODE_BITS + ".." + ObjectType.MAX_UNTYPED_BITS
                            + " bits (2 or more slots of 32 bytes), got " + objBits;
                }
            }
            default -> {
                long fixed = type.objectSizeBits(0);
                if (objBits != fixed) {
                    return type + " is always " + fixed + " bits, got " + objBits;
                }
            }
        }
        if (paddr != ManagerContext.NO_PADDR) {
            if (paddr < 0) {
                return "physical address " + paddr + " is negative";
            }
            if ((paddr & ((1L << objBits) - 1)) != 0) {
                return "physical address 0x" + Long.toHexString(paddr) + " is not aligned to the object size 2^"
                        + objBits;
            }
            if (paddr > Long.MAX_VALUE - (1L << objBits)) {
                return "physical address 0x" + Long.toHexString(paddr) + " + 2^" + objBits + " overflows";
            }
        }
        return null;
    }

    /**
     * Retype's {@code size_bits} argument for a request {@link #sizeProblem} accepted, as
     * allocman's {@code get_sel4_object_size} computes it: a CNode's radix (objBits - 5), and for
     * every other type the object's size in bits. The kernel ignores the argument for a type of
     * fixed size, but it is in the invocation's message, so allocman's value is the one sent.
     */
    static int retypeSizeArg(ObjectType type, int objBits) {
        return type == ObjectType.CNODE ? objBits - ObjectType.SLOT_BITS : objBits;
    }

    /** Null checks shared by the alloc paths. */
    static Result<Void> checkContextAndDest(ManagerContext ctx, CSpacePath dest) {
        if (ctx == null) {
            return Result.fail(AllocErrorKind.BAD_ARGUMENT, "manager context is null");
        }
        if (dest == null) {
            return Result.fail(AllocErrorKind.BAD_ARGUMENT, "destination slot is null");
        }
        return Result.done();
    }

    /** The checks {@code add_uts} needs: a path, a size Retype can make, an aligned address. */
    static Result<Void> checkUntyped(ManagerContext ctx, CSpacePath path, int sizeBits, long paddr, UntypedKind kind) {
        if (ctx == null) {
            return Result.fail(AllocErrorKind.BAD_ARGUMENT, "manager context is null");
        }
        if (path == null) {
            return Result.fail(AllocErrorKind.BAD_ARGUMENT, "untyped path is null");
        }
        if (kind == null) {
            return Result.fail(AllocErrorKind.BAD_ARGUMENT, "untyped kind is null");
        }
        if (sizeBits < ObjectType.MIN_UNTYPED_BITS || sizeBits > ObjectType.MAX_UNTYPED_BITS) {
            return Result.fail(AllocErrorKind.BAD_ARGUMENT, "untyped size must be " + ObjectType.MIN_UNTYPED_BITS
                    + ".." + ObjectType.MAX_UNTYPED_BITS + " bits, got " + sizeBits);
        }
        // The kernel aligns every untyped to its size; an unaligned or unknown address would
        // make the physical-address bookkeeping (and paddr-targeted allocation) wrong.
        if (paddr < 0 || (paddr & ((1L << sizeBits) - 1)) != 0 || paddr > Long.MAX_VALUE - (1L << sizeBits)) {
            return Result.fail(AllocErrorKind.BAD_ARGUMENT, "untyped address 0x" + Long.toHexString(paddr)
                    + " is not a valid address aligned to 2^" + sizeBits);
        }
        return Result.done();
    }

    /** Device untypeds can only become frames or smaller untypeds (kernel model §2.1 check 12). */
    static boolean deviceCanHold(ObjectType type) {
        return type.isFrame() || type == ObjectType.UNTYPED;
    }

    /**
     * Both checks a manager makes before an allocation, context and destination, then type and
     * size: the refusal, or null when the request may go ahead.
     */
    static <T> Result<T> refusal(ManagerContext ctx, CSpacePath dest, ObjectType type, int objBits, long paddr) {
        Result<Void> bad = checkContextAndDest(ctx, dest);
        if (!bad.isOk()) {
            return bad.asFailure();
        }
        String problem = sizeProblem(type, objBits, paddr);
        return problem == null ? null : Result.fail(AllocErrorKind.BAD_ARGUMENT, problem);
    }
}
