package org.capbuddy.sos.integrity;

import static org.assertj.core.api.Assertions.assertThat;

import org.capbuddy.sos.SosFixture;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every byte written is read back intact while processes churn their memory and come and go.
 * Seeded: a failure names its seed; re-run it with {@code -Dcapbuddy.seed=S}. Small in CI; run
 * longer with {@code -Dcapbuddy.soak.rounds=N} (and {@code -Dcapbuddy.soak.processes=N},
 * {@code -Dcapbuddy.soak.auditEvery=N}).
 */
class IntegritySoakTest {
    private static final long SEED = Long.getLong("capbuddy.seed", 0x50AC_2026L);
    private static final int ROUNDS = Integer.getInteger("capbuddy.soak.rounds", 12);
    private static final int PROCESSES = Integer.getInteger("capbuddy.soak.processes", 24);
    private static final int AUDIT_EVERY = Integer.getInteger("capbuddy.soak.auditEvery", 4);

    @ParameterizedTest(name = "pool={0}")
    @ValueSource(booleans = {true, false})
    void everyByteWrittenIsReadBackIntactWhileProcessesChurnAndComeAndGo(boolean usePool) {
        SosFixture fx = new SosFixture(usePool);
        IntegritySoak soak = new IntegritySoak(fx, SEED, PROCESSES, AUDIT_EVERY);
        try {
            soak.run(ROUNDS);
        } catch (Throwable t) {
            throw new AssertionError("integrity soak failed in round " + soak.round() + " (pool=" + usePool
                    + "); re-run with -Dcapbuddy.seed=" + SEED + " -Dcapbuddy.soak.rounds=" + ROUNDS
                    + " -Dcapbuddy.soak.processes=" + PROCESSES + "; so far: " + soak.counters(), t);
        }
        SoakCounters c = soak.counters();
        System.out.printf("integrity soak seed %d, pool=%s, %d rounds: %s%n", SEED, usePool, ROUNDS, c);
        assertThat(c.bytesVerified).isGreaterThan(c.bytesWritten);
        assertThat(c.processesCreated).isGreaterThan(PROCESSES);
        assertThat(c.brkShrinks).as("brk shrank").isPositive();
        assertThat(c.munmaps).isPositive();
        assertThat(c.framesSeenRecycled).as("frames moved between processes").isPositive();
    }
}
