package org.capbuddy.kernel.object;

/**
 * A kernel object: a piece of physical memory that the kernel owns and that caps point to
 * (seL4's TCBs, endpoints, CNodes, frames, paging structures, ASID pools). It lives from the
 * Retype (or boot) that made it until its last non-untyped cap is deleted.
 */
public abstract class KernelObject {
    private final long paddr;
    private final int sizeBits;
    private boolean live = true;

    protected KernelObject(long paddr, int sizeBits) {
        this.paddr = paddr;
        this.sizeBits = sizeBits;
    }

    public final long paddr() {
        return paddr;
    }

    public final int sizeBits() {
        return sizeBits;
    }

    public final long size() {
        return 1L << sizeBits;
    }

    public final long end() {
        return paddr + size();
    }

    public final boolean isLive() {
        return live;
    }

    /** Marks the object destroyed; the kernel calls this once, when it finalises the last cap. */
    public final void kill() {
        live = false;
    }

    /** A short name of the object's kind, as seL4 names the type. */
    public abstract String kindName();

    @Override
    public String toString() {
        return kindName() + "@0x" + Long.toHexString(paddr);
    }
}
