package org.capbuddy.kernel.cost;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.capbuddy.kernel.api.InvocationLabel;
import org.capbuddy.kernel.api.ObjectType;
import org.junit.jupiter.api.Test;

/**
 * A snapshot's maps come out in the enums' order whatever order they were given in, so that a
 * report printing them (demo's invocations by label) prints one run the same way every time.
 */
class CostSnapshotTest {

    private static <K extends Enum<K>> Map<K, Long> reversed(K[] keys) {
        List<K> order = new ArrayList<>(Arrays.asList(keys));
        java.util.Collections.reverse(order);
        Map<K, Long> counts = new LinkedHashMap<>();
        order.forEach(k -> counts.put(k, (long) k.ordinal() + 1));
        return counts;
    }

    @Test
    void countsComeInTheEnumsOrder() {
        CostSnapshot s = new CostSnapshot(reversed(InvocationLabel.values()), reversed(InvocationLabel.values()),
                reversed(ObjectType.values()), 0, 0, 0, 0, 0, 0);
        assertThat(s.invocations().keySet()).containsExactly(InvocationLabel.values());
        assertThat(s.invocationErrors().keySet()).containsExactly(InvocationLabel.values());
        assertThat(s.objectsCreated().keySet()).containsExactly(ObjectType.values());
        assertThat(s.invocations(InvocationLabel.values()[3])).isEqualTo(4);
    }

    @Test
    void aDifferenceKeepsTheOrderAndASnapshotCannotBeChanged() {
        CostCounters c = new CostCounters();
        c.invocation(InvocationLabel.CNODE_DELETE, true);
        CostSnapshot before = c.snapshot();
        c.invocation(InvocationLabel.UNTYPED_RETYPE, true);
        c.invocation(InvocationLabel.ARM_PAGE_MAP, true);
        c.invocation(InvocationLabel.CNODE_COPY, true);
        c.invocation(InvocationLabel.CNODE_DELETE, true);
        CostSnapshot delta = c.snapshot().minus(before);
        List<InvocationLabel> expected = new ArrayList<>(List.of(InvocationLabel.UNTYPED_RETYPE,
                InvocationLabel.ARM_PAGE_MAP, InvocationLabel.CNODE_COPY, InvocationLabel.CNODE_DELETE));
        expected.sort(null);
        assertThat(delta.invocations().keySet()).containsExactlyElementsOf(expected);
        assertThatThrownBy(() -> delta.invocations().put(InvocationLabel.CNODE_COPY, 9L))
                .isInstanceOf(UnsupportedOperationException.class);
        assertThat(delta.invocations(InvocationLabel.CNODE_COPY)).isEqualTo(1);
    }
}
