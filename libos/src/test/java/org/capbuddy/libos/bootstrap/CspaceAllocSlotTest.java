package org.capbuddy.libos.bootstrap;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import org.capbuddy.libos.vka.AllocErrorKind;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@code Vka.cspaceAllocSlot()}, the slot request without a Result, against {@code cspaceAlloc()}:
 * the same slots, the same refusals, and a refusal changes nothing.
 */
class CspaceAllocSlotTest {

    @ParameterizedTest
    @EnumSource(CSpaceLayout.class)
    void grantsSlotsThatCspaceAllocDoesNotHandOutAgain(CSpaceLayout layout) {
        LibosFixture fx = LibosFixture.boot(layout, 64L << 20);
        var before = fx.settledBalance();
        Set<Long> seen = new HashSet<>();
        for (int i = 0; i < 600; i++) {
            long slot = i % 2 == 0 ? fx.vka.cspaceAllocSlot() : fx.vka.cspaceAlloc().longValue();
            assertThat(slot).isNotNegative();
            assertThat(seen.add(slot)).as("slot %d handed out twice", slot).isTrue();
        }
        for (long slot : seen) {
            assertThat(fx.vka.cspaceFree(slot).isOk()).isTrue();
        }
        assertThat(fx.settledBalance()).isEqualTo(before);
        fx.assertInvariants();
    }

    @ParameterizedTest
    @EnumSource(CSpaceLayout.class)
    void anInjectedRefusalIsReportedAndChangesNothing(CSpaceLayout layout) {
        LibosFixture fx = LibosFixture.boot(layout, 64L << 20);
        var before = fx.settledBalance();
        fx.allocman.failures().failNth(1);
        assertThat(fx.vka.cspaceAllocSlot()).isEqualTo(-1);
        assertThat(fx.allocman.failures().armed()).as("the injected failure was used").isFalse();
        assertThat(fx.vka.cspaceSlotRefusal().kind()).isEqualTo(AllocErrorKind.OUT_OF_SLOTS);
        assertThat(fx.vka.cspaceSlotRefusal().detail()).contains("injected failure (slot)");
        assertThat(fx.settledBalance()).isEqualTo(before);
        long slot = fx.vka.cspaceAllocSlot();
        assertThat(slot).isNotNegative();
        assertThat(fx.vka.cspaceFree(slot).isOk()).isTrue();
        assertThat(fx.settledBalance()).isEqualTo(before);
        fx.assertInvariants();
    }
}
