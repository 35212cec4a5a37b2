package org.capbuddy.libos.allocman.utspace;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.capbuddy.libos.allocman.DifferentialSeeds;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link CookieTable} against the {@code HashMap<Long, T>} and counter it replaced in the split
 * allocator: the same cookies handed out, and every lookup and removal answered the same, for
 * live cookies, removed ones (twice), ones not handed out yet and nonsense (zero, negative,
 * huge). Phases of mostly adding and mostly removing make whole chunks die and be dropped while
 * their neighbours live on.
 */
class CookieTableDifferentialTest {
    private static final int OPS = 100_000;
    private static final int NONE = CookieTable.NONE;

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("org.capbuddy.libos.allocman.DifferentialSeeds#seeds")
    void everyAnswerIsTheHashMapsAnswer(long seed) {
        String why = DifferentialSeeds.rerun(seed);
        SplittableRandom random = new SplittableRandom(seed);
        CookieTable table = new CookieTable();
        Map<Long, Integer> map = new HashMap<>();
        long nextCookie = 1;
        List<Long> live = new ArrayList<>();
        for (int op = 0; op < OPS; op++) {
            String at = why + ", operation " + op;
            boolean adding = (op / 5000) % 2 == 0 ? random.nextInt(4) != 0 : random.nextInt(4) == 0;
            if (adding || live.isEmpty()) {
                int value = op;
                long cookie = table.add(value);
                assertThat(cookie).as(at + ": cookie").isEqualTo(nextCookie);
                map.put(nextCookie++, value);
                live.add(cookie);
            } else {
                int i = random.nextInt(live.size());
                long cookie = live.get(i);
                live.set(i, live.get(live.size() - 1));
                live.remove(live.size() - 1);
                assertThat(table.remove(cookie)).as(at + ": remove(" + cookie + ")").isEqualTo(mapRemove(map, cookie));
            }
            long probe = probe(random, nextCookie, live);
            assertThat(table.get(probe)).as(at + ": get(" + probe + ")").isEqualTo(map.getOrDefault(probe, NONE));
            if (random.nextInt(8) == 0) {
                long stray = probe(random, nextCookie, live);
                assertThat(table.remove(stray)).as(at + ": remove(" + stray + ")").isEqualTo(mapRemove(map, stray));
                live.remove(Long.valueOf(stray));
            }
        }
        for (long cookie = -2; cookie < nextCookie + 2; cookie++) {
            assertThat(table.get(cookie)).as(why + ": at the end, get(" + cookie + ")")
                    .isEqualTo(map.getOrDefault(cookie, NONE));
        }
    }

    private static int mapRemove(Map<Long, Integer> map, long cookie) {
        Integer value = map.remove(cookie);
        return value == null ? NONE : value;
    }

    /** A live cookie, one ever handed out, one not yet, or nonsense. */
    private static long probe(SplittableRandom random, long nextCookie, List<Long> live) {
        return switch (random.nextInt(6)) {
            case 0 -> live.isEmpty() ? 1 : live.get(random.nextInt(live.size()));
            case 1 -> 1 + random.nextLong(nextCookie);
            case 2 -> nextCookie + random.nextInt(3);
            case 3 -> random.nextBoolean() ? 0 : -random.nextInt(1, 1 << 20);
            case 4 -> random.nextBoolean() ? Long.MAX_VALUE : Long.MIN_VALUE;
            default -> live.isEmpty() ? 1 : live.get(random.nextInt(live.size()));
        };
    }
}
