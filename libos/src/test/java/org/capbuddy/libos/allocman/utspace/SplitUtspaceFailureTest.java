package org.capbuddy.libos.allocman.utspace;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.function.LongConsumer;
import org.capbuddy.kernel.api.ObjectType;
import org.capbuddy.kernel.boot.UntypedDescriptor;
import org.capbuddy.libos.allocman.ManagerContext;
import org.capbuddy.libos.vka.AllocErrorKind;
import org.capbuddy.libos.vka.CSpacePath;
import org.capbuddy.libos.vka.Result;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * An allocation that needs many splits, failed at every one of its steps in turn (each kernel
 * Retype, each slot, each node record): after each failure the manager, the context, the kernel
 * and the destination slot must be exactly as before, and the retry with no failure succeeds.
 */
class SplitUtspaceFailureTest {
    private static final long NO_PADDR = ManagerContext.NO_PADDR;

    private enum Injection { KERNEL, CSPACE, MSPACE }

    private final Fixture fx = new Fixture();
    private final SplitUtspace split = new SplitUtspace();
    private UntypedDescriptor root;

    /** A root of 2^20 with a page and a TCB already out, so the lists are not trivially empty. */
    private void setUp() {
        root = fx.add(split, 20, false, UntypedKind.RAM);
        assertThat(split.alloc(fx.ctx, fx.dest(), ObjectType.SMALL_PAGE, 12, NO_PADDR, false).isOk()).isTrue();
        assertThat(split.alloc(fx.ctx, fx.dest(), ObjectType.TCB, 11, NO_PADDR, false).isOk()).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"KERNEL", "CSPACE", "MSPACE"})
    void endpointFromAFreshHalfFailsCleanlyAtEveryStep(String injection) {
        setUp();
        // An endpoint at the very top of the untyped comes out of the free upper 2^19 half: 15 splits.
        long top = root.paddr() + (1L << 20) - 16;
        int steps = failAtEveryStep(Injection.valueOf(injection), top, ObjectType.ENDPOINT, 4);
        int expected = switch (Injection.valueOf(injection)) {
            case KERNEL -> 2 * 15 + 1; // two Retypes per split, then the object
            case CSPACE, MSPACE -> 2 * 15; // two per split
        };
        assertThat(steps).isEqualTo(expected);
    }

    @ParameterizedTest
    @ValueSource(strings = {"KERNEL", "CSPACE", "MSPACE"})
    void lowestFreeNodeAllocationFailsCleanlyAtEveryStep(String injection) {
        setUp();
        // Without a paddr the 2^11 buddy of the TCB is the smallest fit: 7 splits down to 2^4.
        int steps = failAtEveryStep(Injection.valueOf(injection), NO_PADDR, ObjectType.ENDPOINT, 4);
        assertThat(steps).isEqualTo(Injection.valueOf(injection) == Injection.KERNEL ? 15 : 14);
    }

    /** Fails step k = 1, 2, ... until the allocation succeeds; returns the number of steps failed. */
    private int failAtEveryStep(Injection injection, long paddr, ObjectType type, int bits) {
        LongConsumer arm = switch (injection) {
            case KERNEL -> k -> fx.kernel.failureInjector().failNth(k);
            case CSPACE -> fx.ctx::failNthCspaceAlloc;
            case MSPACE -> fx.ctx::failNthMspaceAlloc;
        };
        CSpacePath dest = fx.dest();
        for (int k = 1; k < 200; k++) {
            Fixture.Snapshot before = fx.snapshot(split);
            arm.accept(k);
            Result<Long> r = split.alloc(fx.ctx, dest, type, bits, paddr, false);
            disarm();
            if (r.isOk()) {
                assertThat(fx.ctx.isEmpty(dest.capPtr())).isFalse();
                assertThat(split.paddr(r.value()).value()).isEqualTo(paddr == NO_PADDR
                        ? split.paddr(r.value()).value() : paddr);
                assertThat(split.bytesInUse()).isEqualTo(before.bytesInUse() + (1L << bits));
                assertThat(fx.kernel.checkInvariants().ok()).isTrue();
                // And it frees back to the state before the allocation.
                fx.deleteObject(dest);
                assertThat(split.free(fx.ctx, r.value(), bits).isOk()).isTrue();
                fx.assertUnchanged(split, before, "alloc + free after the failures");
                return k - 1;
            }
            String what = injection + " failure at step " + k;
            AllocErrorKind kind = switch (injection) {
                case KERNEL -> AllocErrorKind.KERNEL;
                case CSPACE -> AllocErrorKind.OUT_OF_SLOTS;
                case MSPACE -> AllocErrorKind.OUT_OF_BOOKKEEPING;
            };
            assertThat(r.error().kind()).as("%s: %s", what, r).isEqualTo(kind);
            assertThat(r.error().detail()).as(what).isNotBlank();
            fx.assertUnchanged(split, before, what);
            assertThat(fx.ctx.isEmpty(dest.capPtr())).as("dest empty after %s", what).isTrue();
        }
        throw new AssertionError(injection + ": the allocation never succeeded");
    }

    private void disarm() {
        fx.kernel.failureInjector().disarm();
        fx.ctx.failNthCspaceAlloc(0);
        fx.ctx.failNthMspaceAlloc(0);
    }
}
