package org.capbuddy.libos.allocman.mspace;

import org.capbuddy.libos.allocman.ManagerContext;
import org.capbuddy.libos.vka.AllocErrorKind;
import org.capbuddy.libos.vka.Result;

/**
 * allocman's {@code dual_pool}: the virtual pool first once it is attached, the static pool
 * otherwise; frees go to whichever pool holds the address.
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
        if (virtual != null) {
            Result<Long> r = virtual.alloc(ctx, bytes);
            if (r.isOk() || r.error().kind() == AllocErrorKind.BAD_ARGUMENT) {
                return r;
            }
        }
        return fixed.alloc(ctx, bytes);
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
