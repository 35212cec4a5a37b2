package org.capbuddy.libos.allocman.mspace;

import org.capbuddy.libos.allocman.ManagerContext;
import org.capbuddy.libos.vka.AllocErrorKind;
import org.capbuddy.libos.vka.Result;

/**
 * allocman's {@code dual_pool}: two pools behind one mspace; frees go to whichever pool holds
 * the address.
 *
 * <p>Unlike allocman, which tries the virtual pool first, this one uses the static pool while it
 * has room and grows the virtual pool only after. The static pool's memory exists anyway and can
 * never be given back, and keeping it as the first line means that whenever allocman's reserves
 * are empty (at bootstrap, after {@code releaseReserves}) refilling them needs no virtual pool
 * growth, which itself needs a reserved frame and page tables. It also lets the virtual pool
 * shrink to nothing when the load goes.
 */
public final class DualPool implements MSpace {
    private final StaticPool fixed;
    private VirtualPool virtual;

    public DualPool(StaticPool fixed) {
        this.fixed = fixed;
    }

    public void attach(VirtualPool pool) {
        this.virtual = pool;
    }

    public VirtualPool virtualPool() {
        return virtual;
    }

    public StaticPool staticPool() {
        return fixed;
    }

    @Override
    public Result<Long> alloc(ManagerContext ctx, long bytes) {
        if (virtual == null || bytes <= 0) {
            return fixed.alloc(ctx, bytes);
        }
        // Once the static pool is full every request ends up here: no refusal is built for it.
        long address = fixed.allocIfRoom(bytes);
        return address >= 0 ? Result.ofLong(address) : virtual.alloc(ctx, bytes);
    }

    /**
     * {@link #alloc}'s quick path: an address from either pool without growing one and without a
     * {@link Result}, or -1 having changed nothing (then {@link #alloc} grows a pool or says why).
     */
    public long tryAlloc(long bytes) {
        if (bytes <= 0) {
            return -1;
        }
        long address = fixed.allocIfRoom(bytes);
        return address >= 0 || virtual == null ? address : virtual.allocIfRoom(bytes);
    }

    @Override
    public Result<Void> free(ManagerContext ctx, long address, long bytes) {
        if (fixed.contains(address)) {
            return fixed.free(ctx, address, bytes);
        }
        if (virtual != null && virtual.contains(address)) {
            return virtual.free(ctx, address, bytes);
        }
        return Result.fail(AllocErrorKind.NOT_ALLOCATED, "0x" + Long.toHexString(address) + " is in no pool");
    }

    @Override
    public long bytesInUse() {
        return fixed.bytesInUse() + (virtual == null ? 0 : virtual.bytesInUse());
    }

    @Override
    public long bytesAvailable() {
        return fixed.bytesAvailable() + (virtual == null ? 0 : virtual.bytesAvailable());
    }
}
