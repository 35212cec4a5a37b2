package org.capbuddy.sos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.capbuddy.kernel.host.AssuredHeadroom;
import org.capbuddy.kernel.host.MachineGuard;
import org.capbuddy.sos.process.Process;
import org.capbuddy.sos.user.MemoryFault;
import org.capbuddy.sos.user.UserContext;
import org.junit.jupiter.api.Test;

/**
 * A driver that calls a process's {@link UserContext} itself ({@link Sos#assureDriverHeadroom})
 * pays one stack headroom probe for all the faults inside its scope, and a probe a fault outside it.
 */
class DriverHeadroomTest {
    private static final int PAGE = 4096;

    @Test
    void faultsInsideTheDriversScopeShareOneProbeAndFaultsOutsideItProbeEach() throws MemoryFault {
        SosFixture fx = new SosFixture(true);
        Process p = fx.process();
        UserContext ctx = fx.context(p);
        MachineGuard guard = fx.kernel.guard();
        long base = ctx.brk(0);
        assertThat(ctx.brk(base + 64L * PAGE)).isEqualTo(base + 64L * PAGE);

        long probes = guard.headroomProbes();
        long faults = p.faultsHandled();
        try (AssuredHeadroom headroom = fx.sos.assureDriverHeadroom()) {
            for (int i = 0; i < 32; i++) {
                ctx.store(base + (long) i * PAGE, 8, i);
            }
        }
        assertThat(p.faultsHandled() - faults).isEqualTo(32);
        assertThat(guard.headroomProbes() - probes).as("the scope's one probe").isEqualTo(1);
        assertThat(guard.headroomAssured()).isFalse();

        probes = guard.headroomProbes();
        for (int i = 32; i < 64; i++) {
            ctx.store(base + (long) i * PAGE, 8, i);
        }
        assertThat(guard.headroomProbes() - probes).as("a probe a fault").isEqualTo(32);
        for (int i = 0; i < 64; i++) {
            assertThat(ctx.load(base + (long) i * PAGE, 8)).isEqualTo(i);
        }
        fx.sos.destroy(p);
        fx.assertInvariants();
    }

    @Test
    void aDriverScopeThatDoesNotFitIsRefusedBeforeAnyAccess() {
        SosFixture fx = new SosFixture(true);
        fx.kernel.guard().setStackHeadroomFrames(1_000_000);
        assertThatThrownBy(fx.sos::assureDriverHeadroom).isInstanceOf(StackOverflowError.class);
        assertThat(fx.kernel.guard().headroomAssured()).isFalse();
        assertThat(fx.kernel.guard().isBroken()).isFalse();
    }
}
