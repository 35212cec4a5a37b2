package org.capbuddy.cli.bench;

import java.util.HashMap;
import java.util.Map;
import org.capbuddy.kernel.api.InvocationResult;
import org.capbuddy.kernel.api.ObjectType;
import org.capbuddy.libos.policy.FrameBlock;
import org.capbuddy.libos.policy.FramePolicy;
import org.capbuddy.libos.policy.FramePolicyProvider;
import org.capbuddy.libos.vka.AllocError;
import org.capbuddy.libos.vka.AllocErrorKind;
import org.capbuddy.libos.vka.CSpacePath;
import org.capbuddy.libos.vka.CapOps;
import org.capbuddy.libos.vka.Result;
import org.capbuddy.libos.vka.Vka;
import org.capbuddy.libos.vka.VkaObject;
import org.capbuddy.libos.vka.VkaObjects;

/**
 * The baseline the original's {@code mcmc-default.c} and {@code mce.c} ran beside the pool, as
 * they ran it: for each block an untyped of the block's size, then for each frame a slot and a
 * Retype of one frame; to free it, each frame's cap deleted and its slot freed, the untyped
 * revoked and given back. Offered as the frame policy {@code mce-baseline}.
 */
public final class MceBaseline implements FramePolicy {
    private static final int FRAME_BITS = 12;
    private static final int MAX_ORDER = 10;

    private final Vka vka;
    private final Map<Long, VkaObject> untypeds = new HashMap<>();

    MceBaseline(Vka vka) {
        this.vka = vka;
    }

    /** The provider ServiceLoader finds for {@code --allocator mce-baseline}. */
    public static final class Provider implements FramePolicyProvider {
        @Override
        public String name() {
            return "mce-baseline";
        }

        @Override
        public Result<FramePolicy> create(Vka vka) {
            return Result.ok(new MceBaseline(vka));
        }
    }

    @Override
    public Result<FrameBlock> alloc(int order) {
        if (order < 0 || order > MAX_ORDER) {
            return Result.fail(AllocErrorKind.BAD_ARGUMENT, "a block is 2^0..2^10 frames, not 2^" + order);
        }
        Result<VkaObject> untyped = VkaObjects.allocUntyped(vka, FRAME_BITS + order);
        if (!untyped.isOk()) {
            return untyped.asFailure();
        }
        // the frames' caps sit at consecutive cptrs, as a block's must, one Retype each
        Result<CSpacePath> slots = vka.cspaceAllocContiguous(order);
        if (!slots.isOk()) {
            VkaObjects.free(vka, untyped.value());
            return slots.asFailure();
        }
        CSpacePath run = slots.value();
        for (int i = 0; i < 1 << order; i++) {
            InvocationResult retyped = vka.sel4().untypedRetype(untyped.value().cptr(), ObjectType.SMALL_PAGE,
                    FRAME_BITS, run.root(), run.dest(), run.destDepth(), run.offset() + i, 1);
            if (!retyped.isOk()) {
                CapOps.revoke(vka.sel4(), vka.cspaceMakePath(untyped.value().cptr()));
                vka.cspaceFreeContiguous(run.capPtr(), order);
                VkaObjects.free(vka, untyped.value());
                return Result.fail(AllocError.kernel("retyping frame " + i + " of a block of 2^" + order, retyped));
            }
        }
        untypeds.put(run.capPtr(), untyped.value());
        return Result.ok(new FrameBlock(run.capPtr(), order, untyped.value().cptr()));
    }

    @Override
    public Result<Void> free(FrameBlock block) {
        VkaObject untyped = block == null ? null : untypeds.get(block.firstCptr());
        if (untyped == null || untyped.sizeBits() != FRAME_BITS + block.order()) {
            return Result.fail(AllocErrorKind.NOT_ALLOCATED, "not a block this policy handed out: " + block);
        }
        for (int i = 0; i < block.frames(); i++) {
            Result<Void> deleted = CapOps.delete(vka.sel4(), vka.cspaceMakePath(block.firstCptr() + i));
            if (!deleted.isOk()) {
                return deleted;
            }
        }
        untypeds.remove(block.firstCptr());
        Result<Void> revoked = CapOps.revoke(vka.sel4(), vka.cspaceMakePath(untyped.cptr()));
        Result<Void> slots = vka.cspaceFreeContiguous(block.firstCptr(), block.order());
        Result<Void> freed = VkaObjects.free(vka, untyped);
        return !revoked.isOk() ? revoked : !slots.isOk() ? slots : freed;
    }
}
