package org.capbuddy.libos.vka;

import org.capbuddy.kernel.Sel4;
import org.capbuddy.kernel.api.ObjectType;

/**
 * A vka that passes every call to another vka: the base of vkas that change only some calls
 * (the CapBuddy pool in front of allocman). Subclasses override what they change.
 */
public abstract class ForwardingVka implements Vka {
    protected final Vka inner;

    protected ForwardingVka(Vka inner) {
        this.inner = inner;
    }

    @Override
    public Sel4 sel4() {
        return inner.sel4();
    }

    @Override
    public Result<Long> cspaceAlloc() {
        return inner.cspaceAlloc();
    }

    @Override
    public long cspaceAllocSlot() {
        return inner.cspaceAllocSlot();
    }

    @Override
    public AllocError cspaceSlotRefusal() {
        return inner.cspaceSlotRefusal();
    }

    @Override
    public CSpacePath cspaceMakePath(long cptr) {
        return inner.cspaceMakePath(cptr);
    }

    @Override
    public long cspaceRoot() {
        return inner.cspaceRoot();
    }

    @Override
    public int cspaceDepth() {
        return inner.cspaceDepth();
    }

    @Override
    public Result<Void> cspaceFree(long cptr) {
        return inner.cspaceFree(cptr);
    }

    @Override
    public Result<Long> utspaceAlloc(CSpacePath dest, ObjectType type, int sizeBits, boolean canUseDevice) {
        return inner.utspaceAlloc(dest, type, sizeBits, canUseDevice);
    }

    @Override
    public Result<Long> utspaceAllocBypassingPool(CSpacePath dest, ObjectType type, int sizeBits,
                                                  boolean canUseDevice) {
        return inner.utspaceAllocBypassingPool(dest, type, sizeBits, canUseDevice);
    }

    @Override
    public Result<Long> utspaceAllocAt(CSpacePath dest, ObjectType type, int sizeBits, long paddr) {
        return inner.utspaceAllocAt(dest, type, sizeBits, paddr);
    }

    @Override
    public Result<Long> utspaceAllocAt(CSpacePath dest, ObjectType type, int sizeBits, long paddr, boolean canUseDevice) {
        return inner.utspaceAllocAt(dest, type, sizeBits, paddr, canUseDevice);
    }

    @Override
    public Result<Void> utspaceFree(ObjectType type, int sizeBits, long cookie) {
        return inner.utspaceFree(type, sizeBits, cookie);
    }

    @Override
    public Result<Long> utspacePaddr(long cookie, ObjectType type, int sizeBits) {
        return inner.utspacePaddr(cookie, type, sizeBits);
    }

    @Override
    public Result<CSpacePath> cspaceAllocContiguous(int numBits) {
        return inner.cspaceAllocContiguous(numBits);
    }

    @Override
    public Result<Void> cspaceFreeContiguous(long firstCptr, int numBits) {
        return inner.cspaceFreeContiguous(firstCptr, numBits);
    }

    @Override
    public Result<Long> bookkeepingAlloc(long bytes) {
        return inner.bookkeepingAlloc(bytes);
    }

    @Override
    public Result<Void> bookkeepingFree(long address, long bytes) {
        return inner.bookkeepingFree(address, bytes);
    }
}
