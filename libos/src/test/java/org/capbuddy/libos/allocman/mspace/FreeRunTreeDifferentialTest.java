package org.capbuddy.libos.allocman.mspace;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.capbuddy.libos.allocman.DifferentialSeeds;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link FreeRunTree} against the {@code TreeMap<Long, Long>} it replaced, operation by operation:
 * puts (new keys and replacements), removes (present and absent), and every query the heap makes,
 * with first fit answered the old way, by walking the map in key order. Keys crowd a small range
 * so that they collide, with a few anywhere in the long range; lengths include zero, negative and
 * huge values, which only a wrapped size could make but which the tree must order all the same.
 */
class FreeRunTreeDifferentialTest {
    private static final int OPS = 20_000;

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("org.capbuddy.libos.allocman.DifferentialSeeds#seeds")
    void everyAnswerIsTheTreeMapsAnswer(long seed) {
        String why = DifferentialSeeds.rerun(seed);
        SplittableRandom random = new SplittableRandom(seed);
        FreeRunTree tree = new FreeRunTree();
        TreeMap<Long, Long> map = new TreeMap<>();
        List<Long> keys = new ArrayList<>();
        for (int op = 0; op < OPS; op++) {
            String at = why + ", operation " + op;
            int choice = random.nextInt(10);
            if (choice < 4) {
                long key = key(random);
                long length = length(random);
                tree.put(key, length);
                if (map.put(key, length) == null) {
                    keys.add(key);
                }
            } else if (choice < 7 && !keys.isEmpty()) {
                long key = random.nextInt(4) == 0 ? key(random) : keys.get(random.nextInt(keys.size()));
                tree.remove(key);
                if (map.remove(key) != null) {
                    keys.remove(Long.valueOf(key));
                }
            }
            long probe = random.nextInt(3) == 0 && !keys.isEmpty() ? keys.get(random.nextInt(keys.size())) : key(random);
            assertThat(entry(tree, tree.get(probe))).as(at + ": get(" + probe + ")").isEqualTo(entryOf(map, probe));
            assertThat(entry(tree, tree.floor(probe))).as(at + ": floor(" + probe + ")")
                    .isEqualTo(asString(map.floorEntry(probe)));
            assertThat(entry(tree, tree.last())).as(at + ": last").isEqualTo(asString(map.lastEntry()));
            long min = length(random);
            assertThat(entry(tree, tree.firstAtLeast(min))).as(at + ": firstAtLeast(" + min + ")")
                    .isEqualTo(asString(firstFitByWalking(map, min)));
            assertThat(tree.size()).as(at + ": size").isEqualTo(map.size());
            assertThat(tree.totalLength()).as(at + ": total")
                    .isEqualTo(map.values().stream().mapToLong(Long::longValue).sum());
        }
    }

    /** Mostly a crowded range of unit-aligned addresses; now and then anywhere, or an extreme. */
    private static long key(SplittableRandom random) {
        return switch (random.nextInt(20)) {
            case 0 -> random.nextLong();
            case 1 -> random.nextBoolean() ? Long.MAX_VALUE - random.nextInt(4) : Long.MIN_VALUE + random.nextInt(4);
            default -> 0x1000 + 16L * random.nextInt(3000);
        };
    }

    private static long length(SplittableRandom random) {
        return switch (random.nextInt(20)) {
            case 0 -> random.nextLong();
            case 1 -> 0;
            case 2 -> -16L * random.nextInt(10);
            default -> 16L * (1 + random.nextInt(random.nextBoolean() ? 8 : 400));
        };
    }

    private static Map.Entry<Long, Long> firstFitByWalking(TreeMap<Long, Long> map, long min) {
        for (Map.Entry<Long, Long> e : map.entrySet()) {
            if (e.getValue() >= min) {
                return e;
            }
        }
        return null;
    }

    private static String entry(FreeRunTree tree, int handle) {
        return handle == FreeRunTree.NONE ? "none" : tree.start(handle) + "=" + tree.length(handle);
    }

    private static String entryOf(TreeMap<Long, Long> map, long key) {
        Long length = map.get(key);
        return length == null ? "none" : key + "=" + length;
    }

    private static String asString(Map.Entry<Long, Long> e) {
        return e == null ? "none" : e.getKey() + "=" + e.getValue();
    }
}
