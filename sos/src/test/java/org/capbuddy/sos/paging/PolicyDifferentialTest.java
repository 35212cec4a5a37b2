package org.capbuddy.sos.paging;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Each registered policy, driven as SOS drives it (a fault with every frame taken asks for a
 * victim; second chance unreferences pages on the way, and their next touch is a soft fault),
 * against {@link ReferencePager} on the same access sequence: the same victims in the same
 * order and the same counts. Random sequences print their seed; re-run with {@code -Dpaging.seed=N}.
 */
class PolicyDifferentialTest {
    private static final int[] BELADY = {1, 2, 3, 4, 1, 2, 5, 1, 2, 3, 4, 5};

    /** What SOS would do with the policy: which pages are resident, which unreferenced, and the counts. */
    static final class Driver {
        final List<Integer> victims = new ArrayList<>();
        int faults;
        int pageOuts;
        int pageIns;
        int softFaults;
        private final ReplacementPolicy<Integer> policy;
        private final int frames;
        private final Set<Integer> resident = new HashSet<>();
        private final Set<Integer> unreferenced = new HashSet<>();
        private final Set<Integer> out = new HashSet<>();
        private final ReplacementPolicy.Scan<Integer> scan = new ReplacementPolicy.Scan<>() {
            @Override
            public boolean pinned(Integer page) {
                return false;
            }

            @Override
            public boolean unreference(Integer page) {
                return unreferenced.add(page);
            }
        };

        Driver(String policy, int frames) {
            this.policy = PolicyRegistry.<Integer>create(policy).orElseThrow();
            this.frames = frames;
        }

        void touch(int page) {
            if (resident.contains(page)) {
                if (unreferenced.remove(page)) {
                    softFaults++;
                    policy.referenced(page);
                }
                return;
            }
            faults++;
            if (out.remove(page)) {
                pageIns++;
            }
            if (resident.size() == frames) {
                Integer victim = policy.victim(scan);
                victims.add(victim);
                resident.remove(victim);
                unreferenced.remove(victim);
                policy.gone(victim);
                out.add(victim);
                pageOuts++;
            }
            resident.add(page);
            policy.resident(page);
        }
    }

    static List<String> policies() {
        return PolicyRegistry.names();
    }

    @Test
    void fifoShowsBeladysAnomaly() {
        assertThat(run(FifoPolicy.NAME, 3, BELADY).faults).isEqualTo(9);
        assertThat(run(FifoPolicy.NAME, 4, BELADY).faults).isEqualTo(10);
        assertThat(reference(FifoPolicy.NAME, 3, BELADY).faults).isEqualTo(9);
        assertThat(reference(FifoPolicy.NAME, 4, BELADY).faults).isEqualTo(10);
    }

    @ParameterizedTest
    @MethodSource("policies")
    void beladysSequenceMatchesTheReference(String policy) {
        for (int frames : new int[] {3, 4}) {
            assertSame(policy, frames, BELADY, "Belady's sequence, " + frames + " frames");
        }
    }

    @Test
    void secondChanceOnBeladysSequence() {
        // worked by hand: at 4 the hand clears all three bits and evicts 1; at 5 it clears 4, 1
        // and 2 and evicts 4, so the next 1, 2 and the last 5 are soft faults; 1, 2, 3, 4 come back from the file
        Driver d = run(SecondChancePolicy.NAME, 3, BELADY);
        assertThat(d.victims).containsExactly(1, 2, 3, 4, 1, 2);
        assertThat(d.faults).isEqualTo(9);
        assertThat(d.softFaults).isEqualTo(3);
        assertThat(d.pageIns).isEqualTo(4);
    }

    @ParameterizedTest
    @MethodSource("policies")
    void randomSequencesMatchTheReference(String policy) {
        long seed = Long.getLong("paging.seed", new SplittableRandom().nextLong());
        SplittableRandom rnd = new SplittableRandom(seed);
        for (int round = 0; round < 300; round++) {
            int frames = 1 + rnd.nextInt(6);
            int pages = frames + 1 + rnd.nextInt(8);
            int[] seq = new int[10 + rnd.nextInt(200)];
            for (int i = 0; i < seq.length; i++) {
                // a skewed choice: some pages hot, so second chance has bits to look at
                seq[i] = rnd.nextInt(3) == 0 ? rnd.nextInt(pages) : rnd.nextInt(Math.max(1, pages / 3));
            }
            assertSame(policy, frames, seq, "seed " + seed + " round " + round + " (re-run with -Dpaging.seed=" + seed
                    + ")");
        }
    }

    @ParameterizedTest
    @MethodSource("policies")
    void pinnedPagesAreSkippedAndAllPinnedGivesNoVictim(String policy) {
        ReplacementPolicy<Integer> p = PolicyRegistry.<Integer>create(policy).orElseThrow();
        for (int page = 1; page <= 3; page++) {
            p.resident(page);
        }
        Set<Integer> pins = new HashSet<>(Set.of(1, 2));
        ReplacementPolicy.Scan<Integer> scan = new ReplacementPolicy.Scan<>() {
            @Override
            public boolean pinned(Integer page) {
                return pins.contains(page);
            }

            @Override
            public boolean unreference(Integer page) {
                return true;
            }
        };
        assertThat(p.victim(scan)).isEqualTo(3);
        pins.add(3);
        assertThat(p.victim(scan)).isNull();
        assertThat(p.size()).isEqualTo(3);
        p.gone(2);
        p.gone(42);
        assertThat(p.size()).isEqualTo(2);
    }

    @Test
    void theRegistryKnowsItsPoliciesAndNothingElse() {
        assertThat(PolicyRegistry.names()).containsExactly(SecondChancePolicy.NAME, FifoPolicy.NAME,
                EnhancedSecondChancePolicy.NAME);
        assertThat(PolicyRegistry.defaultName()).isEqualTo(SecondChancePolicy.NAME);
        assertThat(PolicyRegistry.create("lru")).isEmpty();
        assertThat(PolicyRegistry.create(null)).isEmpty();
        assertThat(PolicyRegistry.isKnown("FIFO")).isFalse();
        assertThat(PolicyRegistry.<Integer>create(FifoPolicy.NAME).orElseThrow().name()).isEqualTo(FifoPolicy.NAME);
    }

    private static void assertSame(String policy, int frames, int[] seq, String what) {
        Driver d = run(policy, frames, seq);
        ReferencePager r = reference(policy, frames, seq);
        String at = policy + ", " + what + ", sequence " + Arrays.toString(seq);
        assertThat(d.victims).as(at).isEqualTo(r.victims);
        assertThat(d.faults).as(at).isEqualTo(r.faults);
        assertThat(d.pageOuts).as(at).isEqualTo(r.pageOuts);
        assertThat(d.pageIns).as(at).isEqualTo(r.pageIns);
        assertThat(d.softFaults).as(at).isEqualTo(r.softFaults);
    }

    static Driver run(String policy, int frames, int[] seq) {
        Driver d = new Driver(policy, frames);
        for (int page : seq) {
            d.touch(page);
        }
        return d;
    }

    static ReferencePager reference(String policy, int frames, int[] seq) {
        return reference(policy, frames, seq, true);
    }

    /** The reference on {@code seq}, every touch a write ({@code writes}) or every one a read. */
    static ReferencePager reference(String policy, int frames, int[] seq, boolean writes) {
        ReferencePager r = new ReferencePager(policy, frames);
        for (int page : seq) {
            r.touch(page, writes);
        }
        return r;
    }
}
