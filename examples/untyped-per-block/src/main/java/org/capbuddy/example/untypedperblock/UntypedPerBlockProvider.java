package org.capbuddy.example.untypedperblock;

import org.capbuddy.libos.policy.FramePolicy;
import org.capbuddy.libos.policy.FramePolicyProvider;
import org.capbuddy.libos.vka.Result;
import org.capbuddy.libos.vka.Vka;

/**
 * Offers {@link UntypedPerBlock} as {@code untyped-per-block} (listed in this jar's
 * {@code META-INF/services}): {@code capbuddy bench mcmc --allocator capbuddy,allocman,untyped-per-block}.
 */
public final class UntypedPerBlockProvider implements FramePolicyProvider {
    @Override
    public String name() {
        return "untyped-per-block";
    }

    @Override
    public Result<FramePolicy> create(Vka vka) {
        return Result.ok(new UntypedPerBlock(vka));
    }
}
