package org.capbuddy.libos.capbuddy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** {@link TreeIndex}: the array for low runs, the hash map beyond, both behaving as one map. */
class TreeIndexTest {
    private static Tree tree(long run) {
        return new Tree(run << CapBuddyPool.SLOT_RUN_BITS, 0, false, null, 0);
    }

    @Test
    void lowAndHighRunsAreFoundAndRemoved() {
        TreeIndex index = new TreeIndex();
        long[] runs = {0, 1, 63, 64, 1000, TreeIndex.DIRECT_RUNS - 1, TreeIndex.DIRECT_RUNS, 1L << 40,
            Long.MAX_VALUE >>> CapBuddyPool.SLOT_RUN_BITS};
        Map<Long, Tree> trees = new HashMap<>();
        for (long run : runs) {
            Tree t = tree(run);
            trees.put(run, t);
            index.put(run, t);
        }
        for (long run : runs) {
            assertThat(index.get(run)).as("run %d", run).isSameAs(trees.get(run));
        }
        assertThat(index.get(2)).isNull();
        assertThat(index.get(TreeIndex.DIRECT_RUNS + 1L)).isNull();
        assertThat(index.get(1L << 41)).isNull();
        for (long run : runs) {
            index.remove(run);
            assertThat(index.get(run)).as("run %d after remove", run).isNull();
        }
        index.remove(5); // absent: no effect
        index.remove(1L << 50);
    }

    @Test
    void randomOperationsMatchAHashMap() {
        SplittableRandom random = new SplittableRandom(11);
        TreeIndex index = new TreeIndex();
        Map<Long, Tree> model = new HashMap<>();
        for (int op = 0; op < 200_000; op++) {
            long run = random.nextBoolean() ? random.nextLong(4096)
                    : TreeIndex.DIRECT_RUNS - 64 + random.nextLong(128);
            switch (random.nextInt(3)) {
                case 0 -> {
                    Tree t = tree(run);
                    index.put(run, t);
                    model.put(run, t);
                }
                case 1 -> {
                    index.remove(run);
                    model.remove(run);
                }
                default -> assertThat(index.get(run)).as("op %d run %d", op, run).isSameAs(model.get(run));
            }
        }
    }
}
