package org.capbuddy.libos.allocman.utspace;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeSet;
import org.capbuddy.libos.allocman.DifferentialSeeds;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link FreeList} against a sorted set of its nodes: the same node objects added, removed and
 * added again, many times each (so stale entries of every age pile up and the heap is rebuilt),
 * and after every step the lowest node, emptiness, and the list's view agreeing with the set's.
 * A few nodes crowd a small range, so the heap holds many entries at once.
 */
class FreeListDifferentialTest {
    private static final int OPS = 50_000;
    private static final int NODES = 300;

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("org.capbuddy.libos.allocman.DifferentialSeeds#seeds")
    void lowestIsTheSortedSetsFirst(long seed) {
        String why = DifferentialSeeds.rerun(seed);
        SplittableRandom random = new SplittableRandom(seed);
        SplitNodes table = new SplitNodes();
        int cnode = table.cnodeIndex(1, 64, SplitNodes.NONE);
        List<Integer> nodes = new ArrayList<>();
        for (int i = 0; i < NODES; i++) {
            // Distinct addresses, as on one real list (one kind and size): a shuffled range.
            long paddr = (long) ((i * 7919L) % NODES) << 12;
            nodes.add(table.root(cnode, i, 12, paddr, UntypedKind.RAM, 64L * i));
        }
        FreeList list = new FreeList(table, UntypedKind.RAM, 12);
        TreeSet<Integer> reference = new TreeSet<>(Comparator.comparingLong(table::paddr));
        for (int op = 0; op < OPS; op++) {
            String at = why + ", operation " + op;
            int node = nodes.get(random.nextInt(NODES));
            // Phases that fill the list and phases that empty it.
            boolean filling = (op / 5000) % 2 == 0;
            if (!table.onFreeList(node) && (filling || random.nextInt(3) == 0)) {
                list.add(node);
                reference.add(node);
            } else if (table.onFreeList(node) && (!filling || random.nextInt(3) == 0)) {
                list.remove(node);
                reference.remove(node);
            }
            assertThat(list.isEmpty()).as(at + ": empty").isEqualTo(reference.isEmpty());
            if (random.nextInt(2) == 0) {
                assertThat(list.lowest()).as(at + ": lowest").isEqualTo(reference.isEmpty() ? SplitNodes.NONE : reference.first());
            }
        }
        while (!reference.isEmpty()) {
            int lowest = list.lowest();
            assertThat(lowest).as(why + ": draining").isEqualTo(reference.first());
            list.remove(lowest);
            reference.remove(lowest);
        }
        assertThat(list.lowest()).as(why + ": drained").isEqualTo(SplitNodes.NONE);
    }
}
