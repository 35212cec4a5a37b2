package org.capbuddy.libos.bootstrap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.capbuddy.kernel.api.ObjectType;
import org.capbuddy.kernel.cost.CostSnapshot;
import org.capbuddy.kernel.host.MachineBrokenException;
import org.capbuddy.kernel.host.WrongThreadException;
import org.capbuddy.libos.allocman.Allocman;
import org.capbuddy.libos.allocman.ManagerContext;
import org.capbuddy.libos.allocman.mspace.DualPool;
import org.capbuddy.libos.allocman.mspace.StaticPool;
import org.capbuddy.libos.allocman.utspace.UntypedKind;
import org.capbuddy.libos.allocman.utspace.UtspaceManager;
import org.capbuddy.libos.vka.CSpacePath;
import org.capbuddy.libos.vka.Result;
import org.capbuddy.libos.vka.VkaObjects;
import org.junit.jupiter.api.Test;

/**
 * The machine's host rules at allocman's entries: a throwable from a manager's own code (not
 * from an interruption point) may have left it half-changed, so it breaks the machine and every
 * later call names it; a call from a thread that does not own the machine fails at once and
 * changes nothing.
 */
class MachineRulesTest {

    /** An untyped manager with a bug: its alloc throws. */
    private record ThrowingUtspace(RuntimeException bug) implements UtspaceManager {
        @Override
        public Result<Void> addUntyped(ManagerContext ctx, CSpacePath path, int sizeBits, long paddr,
                                       UntypedKind kind) {
            return Result.done();
        }

        @Override
        public Result<Long> alloc(ManagerContext ctx, CSpacePath dest, ObjectType type, int objBits, long paddr,
                                  boolean canBeDevice) {
            throw bug;
        }

        @Override
        public Result<Void> free(ManagerContext ctx, long cookie, int objBits) {
            return Result.done();
        }

        @Override
        public Result<Long> paddr(long cookie) {
            return Result.ok(0L);
        }

        @Override
        public long bytesInUse() {
            return 0;
        }

        @Override
        public long bytesFree() {
            return 0;
        }

        @Override
        public long framesInUse() {
            return 0;
        }

        @Override
        public long bookkeepingBytes() {
            return 0;
        }
    }

    @Test
    void aThrowableFromAManagersOwnCodeBreaksTheMachineAndEveryLaterCallNamesIt() {
        LibosFixture fx = LibosFixture.boot(CSpaceLayout.SINGLE_LEVEL, 64L << 20);
        IllegalStateException bug = new IllegalStateException("a bug in the untyped manager");
        Allocman fresh = new Allocman(fx.vka.sel4(), new DualPool(new StaticPool(0x7000_0000L, 16 << 10)));
        assertThat(fresh.attachUtspace(new ThrowingUtspace(bug)).isOk()).isTrue();
        CSpacePath anySlot = CSpacePath.ofRootSlot(fx.booted.rootCNode(), 1);

        assertThatThrownBy(() -> fresh.utspaceAlloc(anySlot, ObjectType.ENDPOINT, 4, ManagerContext.NO_PADDR, false))
                .isSameAs(bug);

        assertThat(fx.kernel.guard().isBroken()).isTrue();
        assertThat(fx.kernel.guard().brokenBecause()).contains("allocman object request")
                .contains("a bug in the untyped manager");
        for (Runnable later : new Runnable[] {
            () -> fresh.utspaceAlloc(anySlot, ObjectType.ENDPOINT, 4, ManagerContext.NO_PADDR, false),
            fresh::cspaceAlloc,
            () -> fx.allocman.mspaceAlloc(64),
            () -> fx.allocman.cspaceFree(1),
            fx.allocman::accounting,
            fx.allocman::releaseReserves,
            () -> fx.vka.cspaceAlloc(),
            () -> VkaObjects.allocFrame(fx.vka, 12),
        }) {
            assertThatThrownBy(later::run).isInstanceOf(MachineBrokenException.class)
                    .hasMessageContaining("allocman object request")
                    .hasMessageContaining("a bug in the untyped manager")
                    .hasCause(bug);
        }
    }

    @Test
    void aCallFromAnotherThreadFailsAtOnceAndChangesNothing() throws Exception {
        LibosFixture fx = LibosFixture.boot(CSpaceLayout.TWO_LEVEL, 64L << 20);
        var before = fx.settledBalance();
        CostSnapshot costs = fx.kernel.costs();
        long slotsInUse = fx.allocman.accounting().slotsInUse();

        for (Supplier<?> intrusion : java.util.List.<Supplier<?>>of(
                () -> VkaObjects.allocFrame(fx.vka, 12),
                () -> fx.vka.utspaceAlloc(fx.vka.cspaceMakePath(1), ObjectType.ENDPOINT, 0, false),
                fx.allocman::cspaceAlloc,
                () -> fx.allocman.mspaceAlloc(64),
                () -> fx.allocman.cspaceAllocContiguous(2),
                fx.allocman::releaseReserves,
                fx.allocman::fillReserves)) {
            assertThat(thrownOnAnotherThread(intrusion)).isInstanceOf(WrongThreadException.class)
                    .hasMessageContaining("one machine is driven by one thread");
        }

        assertThat(fx.kernel.costs()).isEqualTo(costs);
        assertThat(fx.allocman.accounting().slotsInUse()).isEqualTo(slotsInUse);
        assertThat(fx.kernel.guard().isBroken()).isFalse();
        assertThat(fx.settledBalance()).isEqualTo(before);
        var frame = VkaObjects.allocFrame(fx.vka, 12);
        assertThat(frame.isOk()).isTrue();
        assertThat(VkaObjects.free(fx.vka, frame.value()).isOk()).isTrue();
    }

    private static Throwable thrownOnAnotherThread(Supplier<?> call) throws Exception {
        CompletableFuture<Throwable> outcome = new CompletableFuture<>();
        Thread intruder = new Thread(() -> {
            try {
                call.get();
                outcome.complete(null);
            } catch (Throwable t) {
                outcome.complete(t);
            }
        }, "intruder");
        intruder.start();
        intruder.join();
        return outcome.get();
    }
}
