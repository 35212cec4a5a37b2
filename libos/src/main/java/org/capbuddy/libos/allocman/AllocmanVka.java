package org.capbuddy.libos.allocman;

import org.capbuddy.kernel.Sel4;
import org.capbuddy.kernel.api.ObjectType;
import org.capbuddy.kernel.host.MachineGuard;
import org.capbuddy.libos.vka.AllocError;
import org.capbuddy.libos.vka.AllocErrorKind;
import org.capbuddy.libos.vka.CSpacePath;
import org.capbuddy.libos.vka.Result;
import org.capbuddy.libos.vka.Vka;

/**
 * The vka that allocman offers ({@code allocman_make_vka}): converts vka's sizes (Retype's
 * argument) into allocman's (log2 bytes of memory) and checks them, so that a bad request is an
 * error value before any manager sees it. Allocation at a physical address may use device
 * memory, as in allocman. Every call checks the machine guard first, so a call from a thread
 * that does not own the machine, or after it broke, fails before anything is looked at.
 */
public final class AllocmanVka implements Vka {
    private final Allocman allocman;
    private final MachineGuard machine;

    public AllocmanVka(Allocman allocman) {
        this.allocman = allocman;
        this.machine = allocman.sel4().guard();
    }

    public Allocman allocman() {
        return allocman;
    }

    @Override
    public Sel4 sel4() {
        return allocman.sel4();
    }

    @Override
    public Result<Long> cspaceAlloc() {
        machine.check();
        return allocman.cspaceAlloc();
    }

    @Override
    public long cspaceAllocSlot() {
        machine.check();
        return allocman.cspaceAllocSlot();
    }

    @Override
    public AllocError cspaceSlotRefusal() {
        return allocman.slotRefusal();
    }

    @Override
    public CSpacePath cspaceMakePath(long cptr) {
        machine.check();
        return allocman.cspaceMakePath(cptr);
    }

    @Override
    public long cspaceRoot() {
        machine.check();
        return allocman.cspaceRoot();
    }

    @Override
    public int cspaceDepth() {
        machine.check();
        return allocman.cspaceDepth();
    }

    @Override
    public Result<Void> cspaceFree(long cptr) {
        machine.check();
        return allocman.cspaceFree(cptr);
    }

    @Override
    public Result<Long> utspaceAlloc(CSpacePath dest, ObjectType type, int sizeBits, boolean canUseDevice) {
        machine.check();
        int objBits = objectBits(type, sizeBits);
        return objBits >= 0
                ? allocman.utspaceAlloc(dest, type, objBits, ManagerContext.NO_PADDR, canUseDevice)
                : badSize(type, sizeBits);
    }

    @Override
    public Result<Long> utspaceAllocAt(CSpacePath dest, ObjectType type, int sizeBits, long paddr) {
        machine.check();
        return utspaceAllocAt(dest, type, sizeBits, paddr, true);
    }

    @Override
    public Result<Long> utspaceAllocAt(CSpacePath dest, ObjectType type, int sizeBits, long paddr,
                                       boolean canUseDevice) {
        machine.check();
        int objBits = objectBits(type, sizeBits);
        if (objBits < 0) {
            return badSize(type, sizeBits);
        }
        if (paddr < 0 || (paddr & ((1L << objBits) - 1)) != 0) {
            return Result.fail(AllocErrorKind.BAD_ARGUMENT, "physical address 0x" + Long.toHexString(paddr)
                    + " is not aligned to the object's size 2^" + objBits);
        }
        return allocman.utspaceAlloc(dest, type, objBits, paddr, canUseDevice);
    }

    @Override
    public Result<Void> utspaceFree(ObjectType type, int sizeBits, long cookie) {
        machine.check();
        int objBits = objectBits(type, sizeBits);
        return objBits >= 0 ? allocman.utspaceFree(cookie, objBits) : badSize(type, sizeBits);
    }

    @Override
    public Result<Long> utspacePaddr(long cookie, ObjectType type, int sizeBits) {
        machine.check();
        // the object's size is checked too, so that a free asked with the wrong type or size is
        // refused before its cap is deleted
        int objBits = objectBits(type, sizeBits);
        return objBits >= 0 ? allocman.utspacePaddr(cookie, objBits) : badSize(type, sizeBits);
    }

    @Override
    public Result<CSpacePath> cspaceAllocContiguous(int numBits) {
        machine.check();
        return allocman.cspaceAllocContiguous(numBits);
    }

    @Override
    public Result<Void> cspaceFreeContiguous(long firstCptr, int numBits) {
        machine.check();
        return allocman.cspaceFreeContiguous(firstCptr, numBits);
    }

    @Override
    public Result<Long> bookkeepingAlloc(long bytes) {
        machine.check();
        return allocman.mspaceAlloc(bytes);
    }

    @Override
    public Result<Void> bookkeepingFree(long address, long bytes) {
        machine.check();
        return allocman.mspaceFree(address, bytes);
    }

    /**
     * Retype's size argument to the object's memory size in bits, or -1 when the pair is invalid
     * ({@link #badSize} says why). A number rather than a result: this check runs on every
     * allocation and free, and the refusal is built only when there is one.
     */
    static int objectBits(ObjectType type, int sizeBits) {
        return badSizeDetail(type, sizeBits) == null ? (int) type.objectSizeBits(sizeBits) : -1;
    }

    /** The refusal of a pair that {@link #objectBits} found invalid. */
    static <T> Result<T> badSize(ObjectType type, int sizeBits) {
        return Result.fail(AllocErrorKind.BAD_ARGUMENT, badSizeDetail(type, sizeBits));
    }

    /** Why Retype's type and size argument do not go together, or null when they do. */
    private static String badSizeDetail(ObjectType type, int sizeBits) {
        if (type == null) {
            return "no object type";
        }
        if (type == ObjectType.UNTYPED
                && (sizeBits < ObjectType.MIN_UNTYPED_BITS || sizeBits > ObjectType.MAX_UNTYPED_BITS)) {
            return "untyped size must be 4..47 bits, got " + sizeBits;
        }
        if (type == ObjectType.CNODE && (sizeBits < 1 || sizeBits > ObjectType.MAX_UNTYPED_BITS - ObjectType.SLOT_BITS)) {
            return "CNode radix must be 1..42, got " + sizeBits;
        }
        if (sizeBits < 0 || sizeBits >= 64) {
            return "size must be 0..63 bits, got " + sizeBits;
        }
        return null;
    }
}
