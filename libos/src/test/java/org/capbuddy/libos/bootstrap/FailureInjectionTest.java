package org.capbuddy.libos.bootstrap;

import org.capbuddy.libos.machine.MachineConfig;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;
import org.capbuddy.kernel.api.ObjectType;
import org.capbuddy.libos.vka.Result;
import org.capbuddy.libos.vka.Vka;
import org.capbuddy.libos.vka.VkaObject;
import org.capbuddy.libos.vka.VkaObjects;
import org.junit.jupiter.params.ParameterizedTest;
import org.capbuddy.libos.allocman.mspace.VirtualPool;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every allocation, failed at every step in turn (first by the kernel refusing the N-th Retype,
 * then by allocman refusing its N-th slot, object or bookkeeping request), either succeeds or
 * leaves slots, untyped bytes, frames and bookkeeping exactly as they were, with the kernel's
 * invariants intact.
 */
class FailureInjectionTest {

    enum Injector { KERNEL, MANAGER }

    static Stream<Arguments> cases() {
        Stream.Builder<Arguments> all = Stream.builder();
        for (CSpaceLayout layout : CSpaceLayout.values()) {
            for (Injector injector : Injector.values()) {
                for (VkaAllocation op : VkaAllocation.ALL) {
                    all.add(Arguments.of(layout, injector, op));
                }
            }
        }
        return all.build();
    }

    @ParameterizedTest(name = "{0} {1} {2}")
    @MethodSource("cases")
    void failingAtEveryStepLosesNothing(CSpaceLayout layout, Injector injector, VkaAllocation op) {
        LibosFixture fx = LibosFixture.boot(layout, 64L << 20);
        // Warm the allocators with a few live objects so that failures hit partly used state.
        for (int i = 0; i < 5; i++) {
            VkaObjects.allocFrame(fx.vka, 12);
        }
        int failures = failAtEveryStep(fx, injector, op, layout + " " + injector + " " + op);
        System.out.printf("failure points: %s %s %s: %d%n", layout, injector, op, failures);
    }

    static Stream<Arguments> layoutsAndInjectors() {
        Stream.Builder<Arguments> all = Stream.builder();
        for (CSpaceLayout layout : CSpaceLayout.values()) {
            for (Injector injector : Injector.values()) {
                all.add(Arguments.of(layout, injector));
            }
        }
        return all.build();
    }

    /**
     * Bookkeeping growth: with a tiny static pool, an allocation whose records need a new page
     * makes the virtual pool map one (a frame, maybe page tables). Failing each of those steps
     * must shrink the pool back and leave everything as it was.
     */
    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("layoutsAndInjectors")
    void anAllocationThatGrowsTheBookkeepingPoolFailsAtEveryStepAndLosesNothing(CSpaceLayout layout,
                                                                              Injector injector) {
        MachineConfig small = MachineConfig.capBuddy(128L << 20).withoutPool();
        LibosFixture fx = LibosFixture.boot(layout == CSpaceLayout.SINGLE_LEVEL
                ? small.singleLevel(12).withStaticPoolBytes(12 << 10)
                : small.twoLevel(12, 6).withStaticPoolBytes(48 << 10));
        VirtualPool pool = fx.allocman.mspace().virtualPool();
        VkaAllocation frame = VkaAllocation.FRAME;
        // Fill until the next frame's records need a new pool page: allocate one, and if it made
        // the pool grow, give it back (which shrinks the pool again) and stop there.
        List<VkaObject> held = new ArrayList<>();
        boolean poised = false;
        for (int i = 0; i < 5000 && !poised; i++) {
            long pagesBefore = pool.pagesEverMapped();
            VkaObject f = frame.run().apply(fx.vka).value();
            if (pool.pagesEverMapped() > pagesBefore && i > 0) {
                assertThat(VkaObjects.free(fx.vka, f).isOk()).isTrue();
                poised = true;
            } else {
                held.add(f);
            }
        }
        assertThat(poised).as("no allocation made the virtual pool grow").isTrue();
        long pagesBefore = pool.pagesEverMapped();
        int failures = failAtEveryStep(fx, injector, frame, layout + " " + injector + " pool growth");
        assertThat(pool.pagesEverMapped()).as("the succeeding attempt grew the pool").isGreaterThan(pagesBefore);
        System.out.printf("failure points: %s %s bookkeeping growth: %d%n", layout, injector, failures);
        for (VkaObject f : held) {
            assertThat(VkaObjects.free(fx.vka, f).isOk()).isTrue();
        }
        fx.assertInvariants();
    }

    /**
     * Runs {@code op} failing at step 1, 2, ... until it succeeds; after each failure the settled
     * balance and the invariants must be exactly as before. Returns the number of failure points.
     */
    private static int failAtEveryStep(LibosFixture fx, Injector injector, VkaAllocation op, String label) {
        var before = fx.settledBalance();
        int failures = 0;
        for (int step = 1; step < 500; step++) {
            if (injector == Injector.KERNEL) {
                fx.kernel.failureInjector().failNth(step);
            } else {
                fx.allocman.failures().failNth(step);
            }
            Result<VkaObject> r = op.run().apply(fx.vka);
            boolean injected = injector == Injector.KERNEL ? !fx.kernel.failureInjector().armed()
                    : !fx.allocman.failures().armed();
            fx.kernel.failureInjector().disarm();
            fx.allocman.failures().disarm();
            if (r.isOk() && !injected) {
                assertThat(failures).as("an operation with steps must have failed at least once").isPositive();
                return failures;
            }
            if (r.isOk()) {
                assertThat(VkaObjects.free(fx.vka, r.value()).isOk()).as("free after step %d", step).isTrue();
            } else {
                failures++;
                assertThat(injected).as("step %d failed without an injected failure: %s", step, r).isTrue();
                assertThat(r.error().detail()).isNotBlank();
            }
            assertThat(fx.settledBalance()).as("%s, failure at step %d: %s", label, step, r).isEqualTo(before);
            var report = fx.kernel.checkInvariants();
            assertThat(report.ok()).as("step %d: %s", step, report).isTrue();
        }
        throw new AssertionError(label + " never succeeded");
    }
}
