package org.capbuddy.sos.paging;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A policy's two operations for SOS's odd cases: {@code rename} (mremap moved a page's frame:
 * same age, same reference bit) and {@code undoSearch} (an eviction failed after its victim
 * search: order and bits as before the search).
 */
class PolicyRenameAndUndoTest {

    static List<String> policies() {
        return PolicyRegistry.names();
    }

    /** A scan with no pins whose unreferences succeed unless the page is in {@code stuck}, recording what it unmapped. */
    private static final class Scan implements ReplacementPolicy.Scan<Integer> {
        final Set<Integer> stuck = new HashSet<>();
        final List<Integer> unmapped = new ArrayList<>();

        @Override
        public boolean pinned(Integer page) {
            return false;
        }

        @Override
        public boolean unreference(Integer page) {
            if (stuck.contains(page)) {
                return false;
            }
            unmapped.add(page);
            return true;
        }
    }

    /** Evicts every page in turn, the policy's whole order from its current state. */
    private static List<Integer> drain(ReplacementPolicy<Integer> p) {
        List<Integer> order = new ArrayList<>();
        Scan scan = new Scan();
        for (Integer v = p.victim(scan); v != null; v = p.victim(scan)) {
            order.add(v);
            p.gone(v);
        }
        return order;
    }

    @ParameterizedTest
    @MethodSource("policies")
    void cleanVictimIsTheFirstCleanUnpinnedPageInTheOrderAndChangesNothing(String name) {
        // the order each policy's drain gives, with every page referenced and none clean
        ReplacementPolicy<Integer> reference = PolicyRegistry.<Integer>create(name).orElseThrow();
        ReplacementPolicy<Integer> p = PolicyRegistry.<Integer>create(name).orElseThrow();
        for (int page = 1; page <= 5; page++) {
            reference.resident(page);
            p.resident(page);
        }
        Set<Integer> clean = Set.of(2, 4, 5);
        Set<Integer> pinned = new HashSet<>(Set.of(2));
        ReplacementPolicy.Scan<Integer> scan = new ReplacementPolicy.Scan<>() {
            @Override
            public boolean pinned(Integer page) {
                return pinned.contains(page);
            }

            @Override
            public boolean unreference(Integer page) {
                throw new AssertionError("cleanVictim cleared a reference bit of " + page);
            }

            @Override
            public boolean clean(Integer page) {
                return clean.contains(page);
            }
        };
        assertThat(p.cleanVictim(scan)).as("2 is pinned: the next clean page in the order").isEqualTo(4);
        pinned.clear();
        assertThat(p.cleanVictim(scan)).isEqualTo(2);
        assertThat(p.size()).isEqualTo(5);
        assertThat(drain(p)).as("the order untouched").isEqualTo(drain(reference));
        ReplacementPolicy<Integer> none = PolicyRegistry.<Integer>create(name).orElseThrow();
        none.resident(1);
        assertThat(none.cleanVictim(scan)).as("no clean page").isNull();
    }

    @Test
    void fifoKeepsARenamedPagesAge() {
        ReplacementPolicy<Integer> p = new FifoPolicy<>();
        for (int page = 1; page <= 4; page++) {
            p.resident(page);
        }
        p.rename(1, 10);
        p.rename(3, 4); // onto a resident page: ignored
        p.rename(99, 5); // unknown: ignored
        assertThat(p.size()).isEqualTo(4);
        assertThat(drain(p)).containsExactly(10, 2, 3, 4);
    }

    @Test
    void secondChanceKeepsARenamedPagesPlaceAndBit() {
        SecondChancePolicy<Integer> p = new SecondChancePolicy<>();
        for (int page = 1; page <= 3; page++) {
            p.resident(page);
        }
        Scan scan = new Scan();
        scan.stuck.add(3);
        // clears 1 and 2, keeps 3 referenced (its unmap fails), then takes 1
        assertThat(p.victim(scan)).isEqualTo(1);
        p.referenced(2);
        p.rename(1, 11);
        p.rename(2, 12);
        assertThat(p.isReferenced(11)).isFalse();
        assertThat(p.isReferenced(12)).isTrue();
        assertThat(p.isReferenced(1)).isFalse();
        assertThat(p.victim(new Scan())).as("the unreferenced page under the hand, renamed").isEqualTo(11);
    }

    @ParameterizedTest
    @MethodSource("policies")
    void anUndoneSearchLeavesThePolicyAsItWas(String policy) {
        long seed = Long.getLong("paging.seed", new SplittableRandom().nextLong());
        SplittableRandom rnd = new SplittableRandom(seed);
        String rerun = "seed " + seed + " (re-run with -Dpaging.seed=" + seed + ")";
        for (int round = 0; round < 200; round++) {
            ReplacementPolicy<Integer> searched = PolicyRegistry.<Integer>create(policy).orElseThrow();
            ReplacementPolicy<Integer> untouched = PolicyRegistry.<Integer>create(policy).orElseThrow();
            int pages = 2 + rnd.nextInt(30);
            for (int step = 0; step < 3 * pages; step++) {
                int page = rnd.nextInt(pages);
                int op = rnd.nextInt(4);
                for (ReplacementPolicy<Integer> p : List.of(searched, untouched)) {
                    switch (op) {
                        case 0, 1 -> p.resident(page);
                        case 2 -> p.referenced(page);
                        default -> p.gone(page);
                    }
                }
                if (rnd.nextInt(5) == 0) {
                    // both search for real (the hand moves, bits clear), as SOS's completed evictions do
                    Scan scan = new Scan();
                    Integer a = searched.victim(scan);
                    Integer b = untouched.victim(new Scan());
                    assertThat(a).as(rerun).isEqualTo(b);
                }
            }
            Scan scan = new Scan();
            for (int i = 0; i < pages; i++) {
                if (rnd.nextInt(3) == 0) {
                    scan.stuck.add(i);
                }
            }
            searched.victim(scan);
            searched.undoSearch();
            assertThat(searched.size()).as(rerun).isEqualTo(untouched.size());
            assertThat(drain(searched)).as(rerun + " round " + round).isEqualTo(drain(untouched));
        }
    }
}
