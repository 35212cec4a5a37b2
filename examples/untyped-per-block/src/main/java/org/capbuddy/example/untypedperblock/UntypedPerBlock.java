package org.capbuddy.example.untypedperblock;

import java.util.HashMap;
import java.util.Map;
import org.capbuddy.kernel.api.InvocationResult;
import org.capbuddy.kernel.api.ObjectType;
import org.capbuddy.libos.policy.FrameBlock;
import org.capbuddy.libos.policy.FramePolicy;
import org.capbuddy.libos.vka.AllocError;
import org.capbuddy.libos.vka.AllocErrorKind;
import org.capbuddy.libos.vka.CSpacePath;
import org.capbuddy.libos.vka.CapOps;
import org.capbuddy.libos.vka.Result;
import org.capbuddy.libos.vka.Vka;
import org.capbuddy.libos.vka.VkaObject;
import org.capbuddy.libos.vka.VkaObjects;

/**
 * The baseline the original CapBuddy's {@code mce} experiment measured against: for each block,
 * an untyped of exactly the block's size from allocman, a run of slots, and one Untyped_Retype of
 * all its frames; to free it, one CNode_Revoke of the untyped deletes every frame at once, and
 * the slots and the untyped go back. Two kernel calls a block whatever its size (plus what
 * allocman's own splitting costs), and nothing kept between blocks.
 */
public final class UntypedPerBlock implements FramePolicy {
    private static final int FRAME_BITS = 12;
    private static final int MAX_ORDER = 10;

    private final Vka vka;
    /** The untyped behind each live block, by the block's first frame cptr. */
    private final Map<Long, VkaObject> untypeds = new HashMap<>();

    UntypedPerBlock(Vka vka) {
        this.vka = vka;
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
        Result<CSpacePath> slots = vka.cspaceAllocContiguous(order);
        if (!slots.isOk()) {
            VkaObjects.free(vka, untyped.value());
            return slots.asFailure();
        }
        CSpacePath run = slots.value();
        InvocationResult retyped = vka.sel4().untypedRetype(untyped.value().cptr(), ObjectType.SMALL_PAGE, FRAME_BITS,
                run.root(), run.dest(), run.destDepth(), run.offset(), 1 << order);
        if (!retyped.isOk()) {
            vka.cspaceFreeContiguous(run.capPtr(), order);
            VkaObjects.free(vka, untyped.value());
            return Result.fail(AllocError.kernel("retyping a block's untyped into 2^" + order + " frames", retyped));
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
        Result<Void> revoked = CapOps.revoke(vka.sel4(), vka.cspaceMakePath(untyped.cptr()));
        if (!revoked.isOk()) {
            return revoked;
        }
        untypeds.remove(block.firstCptr());
        Result<Void> slots = vka.cspaceFreeContiguous(block.firstCptr(), block.order());
        Result<Void> freed = VkaObjects.free(vka, untyped);
        return !slots.isOk() ? slots : freed;
    }
}
