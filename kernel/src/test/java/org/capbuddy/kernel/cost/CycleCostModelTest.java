package org.capbuddy.kernel.cost;

import static org.assertj.core.api.Assertions.assertThat;

import org.capbuddy.kernel.api.InvocationLabel;
import org.capbuddy.kernel.api.ObjectType;
import org.junit.jupiter.api.Test;

class CycleCostModelTest {

    @Test
    void cyclesFollowTheDocumentedFormula() {
        CostCounters c = new CostCounters();
        c.invocation(InvocationLabel.UNTYPED_RETYPE, true);
        c.invocation(InvocationLabel.ARM_PAGE_MAP, false);
        c.objectsCreated(ObjectType.SMALL_PAGE, 1024);
        c.bytesZeroed(4 << 20);
        c.kernelWalk();
        c.mmuWalk();
        c.faultDelivered();
        CycleCostModel m = new CycleCostModel(400, 150, 1.0 / 16, 40, 30, 1500);
        double expected = 2 * 400 + 1024 * 150 + (4 << 20) / 16.0 + 40 + 30 + 1500;
        assertThat(m.cycles(c.snapshot())).isEqualTo(expected);
        assertThat(c.cyclesSoFar(m)).as("the running totals agree with the snapshot").isEqualTo(expected);
        assertThat(c.invocationsSoFar()).isEqualTo(c.snapshot().totalInvocations()).isEqualTo(2);
        c.asidPoolCreated();
        assertThat(c.cyclesSoFar(m)).isEqualTo(m.cycles(c.snapshot())).isEqualTo(expected + 150);
    }

    @Test
    void snapshotsSubtract() {
        CostCounters c = new CostCounters();
        c.invocation(InvocationLabel.CNODE_COPY, true);
        CostSnapshot before = c.snapshot();
        c.invocation(InvocationLabel.CNODE_COPY, true);
        c.invocation(InvocationLabel.CNODE_DELETE, false);
        CostSnapshot delta = c.snapshot().minus(before);
        assertThat(delta.invocations(InvocationLabel.CNODE_COPY)).isEqualTo(1);
        assertThat(delta.invocationErrors().get(InvocationLabel.CNODE_DELETE)).isEqualTo(1);
        assertThat(delta.totalInvocations()).isEqualTo(2);
    }
}
