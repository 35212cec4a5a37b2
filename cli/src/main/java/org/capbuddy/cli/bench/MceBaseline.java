package org.capbuddy.cli.bench;

import java.util.HashMap;
import java.util.Map;
import org.capbuddy.kernel.api.InvocationResult;
import org.capbuddy.kernel.api.ObjectType;
import org.capbuddy.libos.policy.FrameBlock;
import org.capbuddy.libos.policy.FramePolicy;
import org.capbuddy.libos.policy.FramePolicyProvider;
import org.capbuddy.libos.policy.UntypedRun;
import org.capbuddy.libos.vka.AllocError;
import org.capbuddy.libos.vka.AllocErrorKind;
import org.capbuddy.libos.vka.CSpacePath;
import org.capbuddy.libos.vka.CapOps;
import org.capbuddy.libos.vka.Result;
import org.capbuddy.libos.vka.Vka;

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
    /** The untyped and slots behind each live block, by the block's first frame cptr. */
    private final Map<Long, UntypedRun> blocks = new HashMap<>();

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
        Result<UntypedRun> taken = UntypedRun.take(vka, order);
        if (!taken.isOk()) {
            return taken.asFailure();
        }
        UntypedRun block = taken.value();
        CSpacePath run = block.slots();
        // the frames' caps at consecutive cptrs, as a block's must be, one Retype each
        for (int i = 0; i < 1 << order; i++) {
            InvocationResult retyped = vka.sel4().untypedRetype(block.untyped().cptr(), ObjectType.SMALL_PAGE,
                    FRAME_BITS, run.root(), run.dest(), run.destDepth(), run.offset() + i, 1);
            if (!retyped.isOk()) {
                CapOps.revoke(vka.sel4(), vka.cspaceMakePath(block.untyped().cptr()));
                block.giveBack(vka);
                return Result.fail(AllocError.kernel("retyping frame " + i + " of a block of 2^" + order, retyped));
            }
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
        for (int i = 0; i < frames.frames(); i++) {
            Result<Void> deleted = CapOps.delete(vka.sel4(), vka.cspaceMakePath(frames.firstCptr() + i));
            if (!deleted.isOk()) {
                return deleted;
            }
        }
        blocks.remove(frames.firstCptr());
        Result<Void> revoked = CapOps.revoke(vka.sel4(), vka.cspaceMakePath(block.untyped().cptr()));
        Result<Void> givenBack = block.giveBack(vka);
        return !revoked.isOk() ? revoked : givenBack;
    }
}
