package org.capbuddy.libos.bootstrap;

import org.capbuddy.libos.machine.MachineConfig;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;
import org.capbuddy.kernel.api.ObjectType;
import org.capbuddy.kernel.host.InterruptionInjector;
import org.capbuddy.libos.allocman.mspace.VirtualPool;
import org.capbuddy.libos.vka.Result;
import org.capbuddy.libos.vka.Vka;
import org.capbuddy.libos.vka.VkaObject;
import org.capbuddy.libos.vka.VkaObjects;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every allocation of {@link FailureInjectionTest}, interrupted by a Java throwable at every
 * interruption point in turn: the kernel's (the entry of each invocation) and allocman's (the
 * entry of each request), once with a {@link StackOverflowError} and once with a
 * {@link RuntimeException}. Each time, that same throwable reaches the caller, the settled balance
 * and the kernel's invariants are exactly as before, the machine is not broken, and the
 * operation then succeeds when retried.
 */
class InterruptionTest {

    enum Switch { KERNEL, ALLOCMAN }

    enum Thrown {
        STACK_OVERFLOW {
            @Override
            Throwable make(String why) {
                return new StackOverflowError(why);
            }
        },
        RUNTIME_EXCEPTION {
            @Override
            Throwable make(String why) {
                return new IllegalStateException(why);
            }
        };

        abstract Throwable make(String why);
    }

    static Stream<Arguments> cases() {
        Stream.Builder<Arguments> all = Stream.builder();
        for (CSpaceLayout layout : CSpaceLayout.values()) {
            for (Switch where : Switch.values()) {
                for (Thrown thrown : Thrown.values()) {
                    for (VkaAllocation op : VkaAllocation.ALL) {
                        all.add(Arguments.of(layout, where, thrown, op));
                    }
                }
            }
        }
        return all.build();
    }

    @ParameterizedTest(name = "{0} {1} {2} {3}")
    @MethodSource("cases")
    void interruptedAtEveryPointLosesNothing(CSpaceLayout layout, Switch where, Thrown thrown, VkaAllocation op) {
        LibosFixture fx = LibosFixture.boot(layout, 64L << 20);
        // Warm the allocators with a few live objects, as FailureInjectionTest does.
        for (int i = 0; i < 5; i++) {
            VkaObjects.allocFrame(fx.vka, 12);
        }
        int points = interruptAtEveryPoint(fx, where, thrown, op, layout + " " + where + " " + thrown + " " + op);
        System.out.printf("interruption points: %s %s %s %s: %d%n", layout, where, thrown, op, points);
    }

    static Stream<Arguments> growthCases() {
        Stream.Builder<Arguments> all = Stream.builder();
        for (CSpaceLayout layout : CSpaceLayout.values()) {
            for (Switch where : Switch.values()) {
                for (Thrown thrown : Thrown.values()) {
                    all.add(Arguments.of(layout, where, thrown));
                }
            }
        }
        return all.build();
    }

    /**
     * Bookkeeping growth (FailureInjectionTest's tiny static pool): the frame's records need a new
     * virtual pool page, so the interruptions also hit the pool's growth and its page tables. A
     * successful retry leaves reserve records on the new page, so each point gets a machine of
     * its own, poised again.
     */
    @ParameterizedTest(name = "{0} {1} {2}")
    @MethodSource("growthCases")
    void anAllocationThatGrowsTheBookkeepingPoolInterruptedAtEveryPointLosesNothing(CSpaceLayout layout,
                                                                                   Switch where, Thrown thrown) {
        String label = layout + " " + where + " " + thrown + " pool growth";
        for (int n = 1; n < 200; n++) {
            Poised poised = poise(layout);
            long pagesBefore = poised.pool().pagesEverMapped();
            boolean fired = interruptAt(poised.fx(), n, where, thrown, VkaAllocation.FRAME, label,
                    poised.fx().settledBalance());
            assertThat(poised.pool().pagesEverMapped()).as("%s: the attempt after point %d grew the pool", label, n)
                    .isGreaterThan(pagesBefore);
            for (VkaObject f : poised.held()) {
                assertThat(VkaObjects.free(poised.fx().vka, f).isOk()).isTrue();
            }
            poised.fx().assertInvariants();
            if (!fired) {
                assertThat(n).as("%s: an operation with steps has interruption points", label).isGreaterThan(1);
                System.out.printf("interruption points: %s %s %s bookkeeping growth: %d%n", layout, where, thrown,
                        n - 1);
                return;
            }
        }
        throw new AssertionError(label + " never completed without an interruption");
    }

    private record Poised(LibosFixture fx, VirtualPool pool, List<VkaObject> held) {
    }

    /** A machine whose next 4 KiB frame needs a new virtual pool page for its records. */
    private static Poised poise(CSpaceLayout layout) {
        MachineConfig small = MachineConfig.capBuddy(128L << 20).withoutPool();
        LibosFixture fx = LibosFixture.boot(layout == CSpaceLayout.SINGLE_LEVEL
                ? small.singleLevel(12).withStaticPoolBytes(12 << 10)
                : small.twoLevel(12, 6).withStaticPoolBytes(48 << 10));
        VirtualPool pool = fx.allocman.mspace().virtualPool();
        List<VkaObject> held = new ArrayList<>();
        for (int i = 0; i < 5000; i++) {
            long pagesBefore = pool.pagesEverMapped();
            VkaObject f = VkaAllocation.FRAME.run().apply(fx.vka).value();
            if (pool.pagesEverMapped() > pagesBefore && i > 0) {
                assertThat(VkaObjects.free(fx.vka, f).isOk()).isTrue();
                return new Poised(fx, pool, held);
            }
            held.add(f);
        }
        throw new AssertionError("no allocation made the virtual pool grow");
    }

    /**
     * Runs {@code op} with the N-th interruption point throwing, N = 1, 2, ..., until it completes
     * without reaching point N. Returns the number of points that fired.
     */
    private static int interruptAtEveryPoint(LibosFixture fx, Switch where, Thrown kind, VkaAllocation op, String label) {
        var before = fx.settledBalance();
        for (int n = 1; n < 2000; n++) {
            if (!interruptAt(fx, n, where, kind, op, label, before)) {
                assertThat(n).as("%s: an operation with steps has interruption points", label).isGreaterThan(1);
                return n - 1;
            }
        }
        throw new AssertionError(label + " never completed without an interruption");
    }

    /**
     * Runs {@code op} with interruption point {@code n} throwing. If the point was reached: the
     * same throwable reached the caller, the machine is not broken, the settled balance equals
     * {@code before}, the invariants hold, and a retry succeeds (and is freed). If not: the
     * operation succeeded (and is freed). Returns whether the point was reached.
     */
    private static boolean interruptAt(LibosFixture fx, int n, Switch where, Thrown kind, VkaAllocation op, String label,
                                       org.capbuddy.libos.machine.AllocatorBalance before) {
        InterruptionInjector injector = where == Switch.KERNEL ? fx.kernel.interruptions()
                : fx.allocman.interruptions();
        Throwable thrown = kind.make("injected at interruption point " + n);
        long firedBefore = injector.fired();
        injector.interruptNth(n, () -> thrown);
        Result<VkaObject> r = null;
        Throwable caught = null;
        try {
            r = op.run().apply(fx.vka);
        } catch (Throwable t) {
            caught = t;
        }
        boolean fired = injector.fired() > firedBefore;
        injector.disarm();
        if (!fired) {
            assertThat(caught).as("%s: nothing fired at point %d, yet it threw", label, n).isNull();
            assertThat(r.isOk()).as("%s: completed without point %d: %s", label, n, r).isTrue();
            assertThat(VkaObjects.free(fx.vka, r.value()).isOk()).isTrue();
            assertThat(fx.settledBalance()).as(label).isEqualTo(before);
            return false;
        }
        assertThat(caught).as("%s, point %d: the injected throwable reaches the caller (result %s)", label, n, r)
                .isSameAs(thrown);
        assertThat(fx.kernel.guard().isBroken()).as("%s, point %d: %s", label, n,
                fx.kernel.guard().brokenBecause()).isFalse();
        assertThat(fx.settledBalance()).as("%s, interrupted at point %d", label, n).isEqualTo(before);
        fx.assertInvariants();
        Result<VkaObject> retry = op.run().apply(fx.vka);
        assertThat(retry.isOk()).as("%s, retry after point %d: %s", label, n, retry).isTrue();
        assertThat(VkaObjects.free(fx.vka, retry.value()).isOk()).isTrue();
        return true;
    }
}
