package org.capbuddy.kernel.vm;

import org.capbuddy.kernel.object.AsidPool;
import org.capbuddy.kernel.object.VSpace;

/**
 * The kernel's top-level ASID table: 128 pools of 512 ASIDs, so ASIDs are 16 bits wide. ASID 0
 * is never handed out.
 */
public final class AsidTable {
    public static final int POOLS = 128;
    public static final int POOL_BITS = 9;

    private final AsidPool[] pools = new AsidPool[POOLS];

    public AsidPool pool(int index) {
        return index >= 0 && index < POOLS ? pools[index] : null;
    }

    public void setPool(int index, AsidPool pool) {
        pools[index] = pool;
    }

    /** The lowest free pool index, or -1 when all 128 are in use. */
    public int firstFreePool() {
        for (int i = 0; i < POOLS; i++) {
            if (pools[i] == null) {
                return i;
            }
        }
        return -1;
    }

    /** seL4's {@code findVSpaceForASID}: the VSpace an ASID names, or null when stale or unused. */
    public VSpace vspaceFor(int asid) {
        AsidPool pool = pool(asid >>> POOL_BITS);
        if (pool == null || asid <= 0) {
            return null;
        }
        return pool.vspace(asid & (AsidPool.ASIDS_PER_POOL - 1));
    }
}
