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
 * {@link FreeRuns} against the {@code TreeMap<Long, Long>} it replaced, operation by operation:
 * puts (new keys and replacements), removes (by key, present and absent, and by position),
 * replacements of a run by another (in place or not), and every query the heap makes, with first
 * fit answered the old way, by walking the map in key order. Keys crowd a small range
 * so that they collide, with a few anywhere in the long range; lengths include zero, negative and
 * huge values, which only a wrapped size could make but which must be ordered all the same. Phases
 * of growth and shrinkage make blocks split, run low and merge.
 */
class FreeRunsDifferentialTest {
    private static final int OPS = 20_000;

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("org.capbuddy.libos.allocman.DifferentialSeeds#seeds")
    void everyAnswerIsTheTreeMapsAnswer(long seed) {
        String why = DifferentialSeeds.rerun(seed);
        SplittableRandom random = new SplittableRandom(seed);
        FreeRuns runs = new FreeRuns();
        TreeMap<Long, Long> map = new TreeMap<>();
        List<Long> keys = new ArrayList<>();
        for (int op = 0; op < OPS; op++) {
            String at = why + ", operation " + op;
            boolean growing = (op / 3000) % 2 == 0;
            int choice = random.nextInt(10);
            if (choice < (growing ? 5 : 3)) {
                long key = key(random);
                long length = length(random);
                runs.put(key, length);
                if (map.put(key, length) == null) {
                    keys.add(key);
                }
            } else if (choice < 8 && !keys.isEmpty()) {
                long key = random.nextInt(4) == 0 ? key(random) : keys.get(random.nextInt(keys.size()));
                if (random.nextBoolean()) {
                    runs.remove(key);
                } else {
                    int position = runs.find(key);
                    if (position != FreeRuns.NONE) {
                        runs.removeAt(position);
                    }
                }
                if (map.remove(key) != null) {
                    keys.remove(Long.valueOf(key));
                }
            } else if (!keys.isEmpty()) {
                // What the heap does when a run gives up its front, and now and then a jump anywhere.
                long key = keys.get(random.nextInt(keys.size()));
                long length = map.get(key);
                long newKey = random.nextInt(4) == 0 ? key(random) : key + 16L * random.nextInt(1, 8);
                long newLength = length(random);
                runs.replace(runs.find(key), newKey, newLength);
                map.remove(key);
                keys.remove(Long.valueOf(key));
                if (map.put(newKey, newLength) == null) {
                    keys.add(newKey);
                }
            }
            long probe = random.nextInt(3) == 0 && !keys.isEmpty() ? keys.get(random.nextInt(keys.size())) : key(random);
            assertThat(entry(runs, runs.find(probe))).as(at + ": find(" + probe + ")").isEqualTo(entryOf(map, probe));
            assertThat(entry(runs, runs.floor(probe))).as(at + ": floor(" + probe + ")")
                    .isEqualTo(asString(map.floorEntry(probe)));
            assertThat(entry(runs, runs.last())).as(at + ": last").isEqualTo(asString(map.lastEntry()));
            long min = length(random);
            assertThat(entry(runs, runs.firstAtLeast(min))).as(at + ": firstAtLeast(" + min + ")")
                    .isEqualTo(asString(firstFitByWalking(map, min)));
            assertThat(runs.size()).as(at + ": size").isEqualTo(map.size());
            assertThat(runs.totalLength()).as(at + ": total")
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

    private static String entry(FreeRuns runs, int position) {
        return position == FreeRuns.NONE ? "none" : runs.start(position) + "=" + runs.length(position);
    }

    private static String entryOf(TreeMap<Long, Long> map, long key) {
        Long length = map.get(key);
        return length == null ? "none" : key + "=" + length;
    }

    private static String asString(Map.Entry<Long, Long> e) {
        return e == null ? "none" : e.getKey() + "=" + e.getValue();
    }
}
