package org.capbuddy.kernel.cpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.capbuddy.kernel.cpu.CpuFx.FREE_VA;
import static org.capbuddy.kernel.cpu.CpuFx.PAGE;

import org.capbuddy.kernel.api.ObjectType;
import org.capbuddy.kernel.cost.CostSnapshot;
import org.capbuddy.kernel.object.ThreadState;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * The one access API: every access reports through {@link UserCpu#failure()}; bad arguments are
 * refused without touching memory or the TLB; a fault the handler refuses carries the handler's
 * reason; a fetch returns the instruction word and sets the PC; a Java stack too deep to run the
 * handler raises a StackOverflowError before the fault is sent.
 */
class UserCpuAccessApiTest {
    private final CpuFx fx = new CpuFx();
    private final CpuFx.UserThread t = fx.new UserThread();
    private final long frame = fx.object(ObjectType.SMALL_PAGE);

    UserCpuAccessApiTest() {
        fx.mapRw(frame, t.vspace, FREE_VA);
    }

    @ParameterizedTest
    @ValueSource(ints = {0, -1, 3, 5, 6, 7, 9, 12, 16, Integer.MIN_VALUE})
    void anAccessSizeOtherThanOneTwoFourOrEightIsRefusedAndTouchesNothing(int size) {
        assertThat(t.cpu.write(FREE_VA, 8, 0x1111_2222_3333_4444L)).isTrue();
        CostSnapshot before = fx.kernel.costs();
        long hits = t.cpu.tlbHits();

        assertThat(t.cpu.write(FREE_VA, size, -1)).isFalse();
        assertThat(t.cpu.failure().kind()).isEqualTo(AccessFailure.Kind.REFUSED);
        assertThat(t.cpu.failure().detail()).contains("1, 2, 4 or 8").contains(String.valueOf(size));
        assertThat(t.cpu.read(FREE_VA, size)).isZero();
        assertThat(t.cpu.failure().kind()).isEqualTo(AccessFailure.Kind.REFUSED);

        assertThat(t.cpu.read(FREE_VA, 8)).isEqualTo(0x1111_2222_3333_4444L);
        assertThat(fx.kernel.costs()).isEqualTo(before);
        assertThat(t.cpu.tlbHits()).isEqualTo(hits + 1);
        assertThat(t.faults).isEmpty();
    }

    @Test
    void blockAccessesWithNoBufferAShortBufferOrANegativeLengthAreRefused() {
        byte[] four = new byte[4];
        assertThat(t.cpu.copyIn(FREE_VA, null, 0, 1)).isZero();
        assertThat(t.cpu.failure().detail()).isEqualTo("no buffer");
        assertThat(t.cpu.copyOut(FREE_VA, null, 0, 1)).isZero();
        assertThat(t.cpu.failure().kind()).isEqualTo(AccessFailure.Kind.REFUSED);
        assertThat(t.cpu.copyIn(FREE_VA, four, 2, 3)).isZero();
        assertThat(t.cpu.failure().detail()).contains("outside a buffer of 4 bytes");
        assertThat(t.cpu.copyOut(FREE_VA, four, -1, 2)).isZero();
        assertThat(t.cpu.failure().kind()).isEqualTo(AccessFailure.Kind.REFUSED);
        assertThat(t.cpu.copyIn(FREE_VA, four, 0, -1)).isZero();
        assertThat(t.cpu.failure().kind()).isEqualTo(AccessFailure.Kind.REFUSED);
        assertThat(t.cpu.fill(FREE_VA, -5, (byte) 1)).isZero();
        assertThat(t.cpu.failure().detail()).isEqualTo("negative length -5");
        assertThat(t.faults).isEmpty();

        assertThat(t.cpu.copyOut(FREE_VA, new byte[] {1, 2, 3, 4}, 1, 3)).isEqualTo(3);
        assertThat(t.cpu.failure()).isNull();
        assertThat(t.cpu.read(FREE_VA, 4)).isEqualTo(0x00_04_03_02L);
    }

    @Test
    void aFetchReturnsTheInstructionWordAndSetsThePcThatDataFaultsReport() {
        assertThat(t.cpu.write(FREE_VA + 0x40, 4, 0xD503_201FL)).isTrue(); // nop
        assertThat(t.cpu.fetch(FREE_VA + 0x40)).isEqualTo(0xD503_201F);
        assertThat(t.cpu.failure()).isNull();
        assertThat(t.cpu.pc()).isEqualTo(FREE_VA + 0x40);

        assertThat(t.cpu.read(FREE_VA + 5 * PAGE, 8)).isZero();
        assertThat(t.cpu.failure().fault().ip()).isEqualTo(FREE_VA + 0x40);
        assertThat(t.cpu.failure().fault().address()).isEqualTo(FREE_VA + 5 * PAGE);
    }

    @Test
    void aMisalignedFetchIsRefusedWithoutAFault() {
        assertThat(t.cpu.fetch(FREE_VA + 2)).isZero();
        assertThat(t.cpu.failure().kind()).isEqualTo(AccessFailure.Kind.REFUSED);
        assertThat(t.cpu.failure().detail()).contains("not 4-byte aligned");
        assertThat(t.faults).isEmpty();
        assertThat(t.cpu.state()).isEqualTo(ThreadState.RUNNING);
    }

    @Test
    void aFaultTheHandlerRefusesCarriesTheHandlersReason() {
        t.handler = (badge, f) -> FaultReply.noReply("killed: read at 0x" + Long.toHexString(f.address()));

        assertThat(t.cpu.read(FREE_VA + 3 * PAGE, 4)).isZero();

        AccessFailure failure = t.cpu.failure();
        assertThat(failure.kind()).isEqualTo(AccessFailure.Kind.NOT_RESUMED);
        assertThat(failure.handlerRefused()).isTrue();
        assertThat(failure.detail()).isEqualTo("killed: read at 0x" + Long.toHexString(FREE_VA + 3 * PAGE));
        assertThat(failure.fault()).isEqualTo(t.lastFault());
        assertThat(t.cpu.state()).isEqualTo(ThreadState.BLOCKED_ON_FAULT);
    }

    @Test
    void aFaultWithNoValidHandlerCapMakesTheThreadInactive() {
        CpuFx.ok(fx.sel4.cnodeDelete(CpuFx.ROOT, t.faultEp, CpuFx.D));

        assertThat(t.cpu.write(FREE_VA + 3 * PAGE, 1, 1)).isFalse();

        assertThat(t.cpu.failure().kind()).isEqualTo(AccessFailure.Kind.NO_HANDLER);
        assertThat(t.cpu.failure().fault().address()).isEqualTo(FREE_VA + 3 * PAGE);
        assertThat(t.cpu.state()).isEqualTo(ThreadState.INACTIVE);
        assertThat(t.faults).isEmpty();
    }

    @Test
    void aHandlerThatNeverFixesTheFaultIsGivenUpOn() {
        t.handler = (badge, f) -> FaultReply.RESUME;

        assertThat(t.cpu.read(FREE_VA + 3 * PAGE, 1)).isZero();

        assertThat(t.cpu.failure().kind()).isEqualTo(AccessFailure.Kind.REFAULT_LIMIT);
        assertThat(t.faults).hasSize(UserCpu.MAX_REFAULTS + 1);
        assertThat(t.cpu.state()).isEqualTo(ThreadState.BLOCKED_ON_FAULT);
    }

    /** Frames to climb back from the deepest one before faulting: room for the access, not for the handler. */
    private int framesToClimb = 64;

    /**
     * Recurses until the stack overflows, climbs back a few frames, and faults there; returns what
     * the faulting read threw (null if nothing).
     */
    private Throwable faultNearTheStackLimit() {
        try {
            return faultNearTheStackLimit();
        } catch (StackOverflowError deepest) {
            if (--framesToClimb > 0) {
                throw deepest;
            }
            try {
                t.cpu.read(FREE_VA + 3 * PAGE, 1);
                return null;
            } catch (Throwable e) {
                return e;
            }
        }
    }

    @Test
    void aJavaStackTooDeepForTheHandlerRaisesAStackOverflowBeforeTheFaultIsSent() {
        long delivered = fx.kernel.costs().faultsDelivered();
        boolean[] handlerRan = new boolean[1];
        t.handler = (badge, f) -> {
            handlerRan[0] = true;
            return FaultReply.noReply("unreachable");
        };

        Throwable thrown = faultNearTheStackLimit();

        assertThat(thrown).isInstanceOf(StackOverflowError.class).hasMessageContaining("too deep to run a fault handler");

        assertThat(handlerRan[0]).isFalse();
        assertThat(fx.kernel.costs().faultsDelivered()).isEqualTo(delivered);
        assertThat(t.cpu.state()).isEqualTo(ThreadState.RUNNING);
        assertThat(t.cpu.read(FREE_VA + 3 * PAGE, 1)).isZero(); // with room, it is delivered
        assertThat(handlerRan[0]).isTrue();
    }
}
