package org.capbuddy.kernel.object;

/**
 * An ASID pool: 512 ASIDs, each naming at most one VSpace. Made only by ASIDControl_MakePool,
 * from a 4 KiB untyped.
 */
public final class AsidPool extends KernelObject {
    public static final int ASIDS_PER_POOL = 512;

    private final int asidBase;
    private final VSpace[] vspaces = new VSpace[ASIDS_PER_POOL];

    public AsidPool(long paddr, int asidBase) {
        super(paddr, 12);
        this.asidBase = asidBase;
    }

    public int asidBase() {
        return asidBase;
    }

    public VSpace vspace(int offset) {
        return vspaces[offset];
    }

    public void setVSpace(int offset, VSpace vspace) {
        vspaces[offset] = vspace;
    }

    @Override
    public String kindName() {
        return "ASIDPool";
    }
}
