package org.capbuddy.cli.bench;

import org.capbuddy.example.untypedperblock.UntypedPerBlockProvider;
import org.capbuddy.libos.policy.FrameBlock;
import org.capbuddy.libos.policy.FramePolicy;
import org.capbuddy.libos.policy.FramePolicyProvider;
import org.capbuddy.libos.vka.AllocErrorKind;
import org.capbuddy.libos.vka.Result;
import org.capbuddy.libos.vka.Vka;

/**
 * A buggy frame policy for tests, loaded as {@code class:}: the example's untyped-per-block, except
 * that it refuses every third free, keeping the block.
 */
public final class RefusingFreesProvider implements FramePolicyProvider {
    @Override
    public String name() {
        return "refusing-frees";
    }

    @Override
    public Result<FramePolicy> create(Vka vka) {
        Result<FramePolicy> made = new UntypedPerBlockProvider().create(vka);
        if (!made.isOk()) {
            return made;
        }
        FramePolicy inner = made.value();
        return Result.ok(new FramePolicy() {
            private int frees;

            @Override
            public Result<FrameBlock> alloc(int order) {
                return inner.alloc(order);
            }

            @Override
            public Result<Void> free(FrameBlock block) {
                if (++frees % 3 == 0) {
                    return Result.fail(AllocErrorKind.NOT_ALLOCATED, "free number " + frees + " refused");
                }
                return inner.free(block);
            }
        });
    }
}
