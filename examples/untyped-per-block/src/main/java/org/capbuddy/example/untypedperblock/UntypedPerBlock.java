package org.capbuddy.example.untypedperblock;

import java.util.HashMap;
import java.util.Map;
import org.capbuddy.kernel.api.InvocationResult;
import org.capbuddy.kernel.api.ObjectType;
import org.capbuddy.libos.policy.FrameBlock;
import org.capbuddy.libos.policy.FramePolicy;
import org.capbuddy.libos.policy.UntypedRun;
import org.capbuddy.libos.vka.AllocError;
import org.capbuddy.libos.vka.AllocErrorKind;
import org.capbuddy.libos.vka.CSpacePath;
import org.capbuddy.libos.vka.CapOps;
import org.capbuddy.libos.vka.Result;
import org.capbuddy.libos.vka.Vka;

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
    /** The untyped and slots behind each live block, by the block's first frame cptr. */
    private final Map<Long, UntypedRun> blocks = new HashMap<>();

    UntypedPerBlock(Vka vka) {
        this.vka = vka;
    }

    @Override
    public Result<FrameBlock> alloc(int order) {
        if (order < 0 || order > MAX_ORDER) {
            return Result.fail(AllocErrorKind.BAD_ARGUMENT, "a block is 2^0..2^10 frames, not 2^" + order);
        }
        Result<UntypedRun> taken = UntypedRun.take(vka, order);
        if (!taken.isOk()) {
            return taken.asFailure();
        }
        UntypedRun block = taken.value();
        CSpacePath run = block.slots();
        InvocationResult retyped = vka.sel4().untypedRetype(block.untyped().cptr(), ObjectType.SMALL_PAGE, FRAME_BITS,
                run.root(), run.dest(), run.destDepth(), run.offset(), 1 << order);
        if (!retyped.isOk()) {
            block.giveBack(vka);
            return Result.fail(AllocError.kernel("retyping a block's untyped into 2^" + order + " frames", retyped));
        }
        blocks.put(block.firstCptr(), block);
        return Result.ok(new FrameBlock(block.firstCptr(), order, block.untyped().cptr()));
    }

    @Override
    public Result<Void> free(FrameBlock frames) {
        UntypedRun block = frames == null ? null : blocks.get(frames.firstCptr());
        if (block == null || block.order() != frames.order()) {
            return Result.fail(AllocErrorKind.NOT_ALLOCATED, "not a block this policy handed out: " + frames);
        }
        // one Revoke deletes every frame retyped from the untyped
        Result<Void> revoked = CapOps.revoke(vka.sel4(), vka.cspaceMakePath(block.untyped().cptr()));
        if (!revoked.isOk()) {
            return revoked;
        }
        blocks.remove(frames.firstCptr());
        return block.giveBack(vka);
    }
}
