package org.capbuddy.kernel.object;

/**
 * A kernel object: a piece of physical memory that the kernel owns and that caps point to
 * (seL4's TCBs, endpoints, CNodes, frames, paging structures, ASID pools). It lives from the
 * Retype (or boot) that made it until its last non-untyped cap is deleted.
 */
public abstract class KernelObject {
    private final long paddr;
    /**
     * A byte, not an int: with the liveness flag (and a subclass's flag, a Frame's device bit) it
     * fits the four bytes after the object header, so a Frame is 24 host bytes, not 32.
     */
    private final byte sizeBits;
    private boolean live = true;

    protected KernelObject(long paddr, int sizeBits) {
        if (sizeBits < 0 || sizeBits > 63) {
            throw new IllegalArgumentException("object size bits must be 0..63, got " + sizeBits);
        }
        this.paddr = paddr;
        this.sizeBits = (byte) sizeBits;
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
