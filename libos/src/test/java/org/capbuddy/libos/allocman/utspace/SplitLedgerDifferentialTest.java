package org.capbuddy.libos.allocman.utspace;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.capbuddy.kernel.api.ObjectType;
import org.capbuddy.libos.allocman.DifferentialSeeds;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link SplitLedger} against {@link TreeMapSplitLedger}, the ledger as it was: the same free
 * nodes added to and removed from both, and the smallest-first question the split allocator asks
 * answered with the same node. The nodes are random (kind, size, aligned address) triples crowded
 * into a small range, so lists of one size hold many nodes, and nodes are removed and added
 * again; the ledger needs no more than that no two free nodes of one kind and size share an
 * address. (Lookups by address, on real buddy trees: {@link SplitRootsDifferentialTest}.)
 */
class SplitLedgerDifferentialTest {
    private static final int OPS = 20_000;
    private static final UntypedKind[] KINDS = UntypedKind.values();
    private static final int MAX_BITS = ObjectType.MAX_UNTYPED_BITS;

    private record Key(UntypedKind kind, int sizeBits, long paddr) {
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("org.capbuddy.libos.allocman.DifferentialSeeds#seeds")
    void everyAnswerIsTheOldLedgersAnswer(long seed) {
        String why = DifferentialSeeds.rerun(seed);
        SplittableRandom random = new SplittableRandom(seed);
        SplitNodes nodes = new SplitNodes();
        SplitLedger ledger = new SplitLedger(nodes);
        TreeMapSplitLedger old = new TreeMapSplitLedger(nodes);
        List<Integer> free = new ArrayList<>();
        Set<Key> taken = new HashSet<>();
        for (int op = 0; op < OPS; op++) {
            String at = why + ", operation " + op;
            // Phases of growth and shrinkage, so lists fill up and run empty again.
            boolean adding = (op / 2000) % 2 == 0 ? random.nextInt(3) != 0 : random.nextInt(3) == 0;
            if (adding || free.isEmpty()) {
                int node = node(nodes, random, op);
                if (taken.add(new Key(nodes.kind(node), nodes.sizeBits(node), nodes.paddr(node)))) {
                    ledger.add(node);
                    old.add(node);
                    free.add(node);
                }
            } else {
                int node = free.remove(random.nextInt(free.size()));
                taken.remove(new Key(nodes.kind(node), nodes.sizeBits(node), nodes.paddr(node)));
                ledger.remove(node);
                old.remove(node);
                int stranger = node(nodes, random, op);
                assertThatThrownBy(() -> ledger.remove(node)).as(at + ": removed twice")
                        .isInstanceOf(IllegalStateException.class);
                assertThatThrownBy(() -> ledger.remove(stranger)).as(at + ": never added")
                        .isInstanceOf(IllegalStateException.class);
            }
            if (random.nextInt(4) == 0) {
                long delta = random.nextInt(5) - 2;
                ledger.recordsChanged(delta);
                old.recordsChanged(delta);
            }
            for (int q = 0; q < 3; q++) {
                UntypedKind kind = KINDS[random.nextInt(KINDS.length)];
                int minBits = random.nextInt(MAX_BITS + 3);
                assertThat(ledger.smallestAtLeast(kind, minBits)).as(at + ": smallestAtLeast(%s, %d)", kind, minBits)
                        .isEqualTo(old.smallestAtLeast(kind, minBits));
            }
            assertThat(ledger.freeBytes()).as(at + ": free bytes").isEqualTo(old.freeBytes());
            assertThat(ledger.records()).as(at + ": records").isEqualTo(old.records());
        }
    }

    @Test
    void refusesANodeTwiceAndRemovingANodeNotOnItsList() {
        SplitNodes nodes = new SplitNodes();
        int node = nodes.root(nodes.cnodeIndex(1, 64, SplitNodes.NONE), 1, 12, 0x4000, UntypedKind.RAM, 0);
        SplitLedger ledger = new SplitLedger(nodes);
        ledger.add(node);
        assertThatThrownBy(() -> ledger.add(node)).isInstanceOf(IllegalStateException.class);
        ledger.remove(node);
        assertThatThrownBy(() -> ledger.remove(node)).isInstanceOf(IllegalStateException.class);
        ledger.add(node);
        assertThat(ledger.smallestAtLeast(UntypedKind.RAM, 12)).isEqualTo(node);
    }

    /** A node of a random kind, mostly small, aligned to its size, in a crowded range. */
    private static int node(SplitNodes nodes, SplittableRandom random, int op) {
        int bits = bits(random);
        return nodes.root(nodes.cnodeIndex(1, 64, SplitNodes.NONE), op, bits, address(random, bits),
                KINDS[random.nextInt(KINDS.length)], 64L * op);
    }

    private static int bits(SplittableRandom random) {
        return random.nextInt(4) == 0 ? ObjectType.MIN_UNTYPED_BITS + random.nextInt(MAX_BITS - 3)
                : 12 + random.nextInt(6);
    }

    /** An address aligned to 2^bits: mostly below 2^24 (crowded), sometimes anywhere. */
    private static long address(SplittableRandom random, int bits) {
        long limit = random.nextInt(8) == 0 ? 1L << MAX_BITS + 8 : 1L << 24;
        return random.nextLong(limit) & -(1L << bits);
    }
}
