package org.capbuddy.libos.capbuddy;

import static org.assertj.core.api.Assertions.assertThat;

import org.capbuddy.libos.bootstrap.CSpaceLayout;
import org.capbuddy.libos.vka.CSpacePath;
import org.capbuddy.libos.vka.Result;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** A pool miss (making a tree) failed at every step in turn leaves allocman and the pool as they were. */
class PoolFailureInjectionTest {

    @ParameterizedTest
    @EnumSource(CSpaceLayout.class)
    void makingATreeFailedAtEveryStepLosesNothing(CSpaceLayout layout) {
        for (boolean kernelSide : new boolean[] {true, false}) {
            PoolFixture fx = new PoolFixture(layout, 256L << 20, 0, true);
            var before = fx.settledBalance();
            int failures = 0;
            for (int step = 1; step < 200; step++) {
                if (kernelSide) {
                    fx.kernel.failureInjector().failNth(step);
                } else {
                    fx.booted.allocman().failures().failNth(step);
                }
                Result<CSpacePath> r = fx.vka.utspaceTryAllocFromPool(16, -1, false);
                boolean injected = kernelSide ? !fx.kernel.failureInjector().armed()
                        : !fx.booted.allocman().failures().armed();
                fx.kernel.failureInjector().disarm();
                fx.booted.allocman().failures().disarm();
                if (r.isOk()) {
                    assertThat(fx.vka.utspaceTryFreeFromPool(r.value().capPtr(), 4).isOk()).isTrue();
                } else {
                    failures++;
                    assertThat(injected).as("step %d failed by itself: %s", step, r).isTrue();
                }
                assertThat(fx.pool.treeCount()).as("step %d", step).isZero();
                assertThat(fx.settledBalance()).as("%s kernel=%s step %d: %s", layout, kernelSide, step, r).isEqualTo(before);
                fx.assertInvariants();
                if (r.isOk() && !injected) {
                    System.out.printf("pool tree creation, %s, %s failures: %d failure points%n", layout,
                            kernelSide ? "kernel" : "allocman", failures);
                    assertThat(failures).isPositive();
                    break;
                }
            }
        }
    }
}
