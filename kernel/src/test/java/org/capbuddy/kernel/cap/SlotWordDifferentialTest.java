package org.capbuddy.kernel.cap;

import org.capbuddy.kernel.memory.HostViewClock;
import org.capbuddy.kernel.testing.DifferentialSeeds;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.SplittableRandom;
import java.util.stream.LongStream;
import org.capbuddy.kernel.object.CNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A seeded differential test of {@link Slot}'s packed word (offset in its group, whether the
 * group is watched, and the two MDB flags) against plain fields: random flag and cap writes on
 * slots at random offsets of groups whose first index reaches the largest CNode's (2^42), some
 * groups watched by a clock, checking the index, the owner, both flags and the clock's ticks
 * after each.
 *
 * <p>Seeds 1..4 plus one time-based seed run by default, each printed; re-run one with
 * {@code -Dkernel.slot.seed=N}.
 */
class SlotWordDifferentialTest {
    private static final int STEPS = 50_000;
    private static final int OFFSETS = 1 << 29;
    private static final Cap CAP = new Cap.Untyped(0x4000_0000L, 12, false, 0);

    static LongStream seeds() {
        return DifferentialSeeds.seeds("kernel.slot.seed", 4);
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void thePackedWordAgreesWithFields(long seed) {
        System.out.println("SlotWordDifferentialTest seed " + seed + " (re-run with -Dkernel.slot.seed=" + seed + ")");
        int step = 0;
        try {
            SplittableRandom rnd = new SplittableRandom(seed);
            CNode owner = new CNode(0x10_0000, 4);
            int n = 16;
            Slot[] slots = new Slot[n];
            long[] indexes = new long[n];
            boolean[] revocable = new boolean[n];
            boolean[] firstBadged = new boolean[n];
            boolean[] watched = new boolean[n];
            HostViewClock clock = new HostViewClock();
            long ticks = 0;
            for (int i = 0; i < n; i++) {
                long first = rnd.nextBoolean() ? rnd.nextLong(1L << 42) & ~0xFFFL : 0;
                int offset = switch (rnd.nextInt(3)) {
                    case 0 -> 0;
                    case 1 -> OFFSETS - 1;
                    default -> rnd.nextInt(OFFSETS);
                };
                watched[i] = rnd.nextBoolean();
                slots[i] = new Slot(new SlotGroup(owner, first, watched[i] ? clock : null), offset);
                indexes[i] = first + offset;
            }
            for (step = 0; step < STEPS; step++) {
                int i = rnd.nextInt(n);
                int op = rnd.nextInt(4);
                if (op == 3) {
                    slots[i].put(rnd.nextBoolean() ? CAP : null);
                    ticks += watched[i] ? 1 : 0;
                } else if (op == 0) {
                    boolean b = rnd.nextBoolean();
                    slots[i].setFirstBadged(b);
                    firstBadged[i] = b;
                } else {
                    boolean r = rnd.nextBoolean();
                    boolean b = rnd.nextBoolean();
                    slots[i].setFlags(r, b);
                    revocable[i] = r;
                    firstBadged[i] = b;
                }
                assertThat(slots[i].index()).isEqualTo(indexes[i]);
                assertThat(slots[i].owner()).isSameAs(owner);
                assertThat(slots[i].isRevocable()).isEqualTo(revocable[i]);
                assertThat(slots[i].isFirstBadged()).isEqualTo(firstBadged[i]);
                assertThat(clock.now()).as("ticks: one per cap write to a watched slot").isEqualTo(ticks);
            }
        } catch (Throwable t) {
            throw new AssertionError("seed " + seed + " failed at step " + step
                    + " (re-run with -Dkernel.slot.seed=" + seed + ")", t);
        }
    }

    @Test
    void anOffsetMustFitItsTwentyNineBits() {
        SlotGroup g = new SlotGroup(null, 0);
        assertThatThrownBy(() -> new Slot(g, -1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Slot(g, OFFSETS)).isInstanceOf(IllegalArgumentException.class);
        Slot last = new Slot(g, OFFSETS - 1);
        last.setFlags(true, true);
        assertThat(last.index()).isEqualTo(OFFSETS - 1);
    }

    @Test
    void aSlotMadeAloneKeepsItsOwnerAndIndex() {
        CNode owner = new CNode(0x20_0000, 2);
        Slot s = new Slot(owner, 0x3FF_FFFF_FFFFL);
        assertThat(s.owner()).isSameAs(owner);
        assertThat(s.index()).isEqualTo(0x3FF_FFFF_FFFFL);
        assertThat(s.isRevocable()).isFalse();
        assertThat(s.isFirstBadged()).isFalse();
    }
}
