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
import org.capbuddy.libos.vka.CSpacePath;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link SplitLedger} against {@link TreeMapSplitLedger}, the ledger as it was: the same free
 * nodes added to and removed from both, and every question the split allocator asks answered
 * with the same node. The nodes are random (kind, size, aligned address) triples crowded into a
 * small range, so lists of one size hold many nodes, sizes and kinds share addresses, and the
 * covering lookups meet nodes too small, misplaced or of another kind; the ledger needs no more
 * than that no two free nodes of one kind and size share an address.
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
        SplitLedger ledger = new SplitLedger();
        TreeMapSplitLedger old = new TreeMapSplitLedger();
        List<SplitNode> free = new ArrayList<>();
        Set<Key> taken = new HashSet<>();
        for (int op = 0; op < OPS; op++) {
            String at = why + ", operation " + op;
            // Phases of growth and shrinkage, so lists fill up and run empty again.
            boolean adding = (op / 2000) % 2 == 0 ? random.nextInt(3) != 0 : random.nextInt(3) == 0;
            if (adding || free.isEmpty()) {
                SplitNode node = node(random, op);
                if (taken.add(new Key(node.kind, node.sizeBits, node.paddr))) {
                    ledger.add(node);
                    old.add(node);
                    free.add(node);
                }
            } else {
                SplitNode node = free.remove(random.nextInt(free.size()));
                taken.remove(new Key(node.kind, node.sizeBits, node.paddr));
                ledger.remove(node);
                old.remove(node);
                SplitNode stranger = node(random, op);
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
                        .isSameAs(old.smallestAtLeast(kind, minBits));
                int bits = bits(random);
                long paddr = random.nextInt(3) == 0 && !free.isEmpty()
                        ? inside(random, free.get(random.nextInt(free.size())), bits) : address(random, bits);
                assertThat(ledger.covering(kind, paddr, bits)).as(at + ": covering(%s, 0x%x, %d)", kind, paddr, bits)
                        .isSameAs(old.covering(kind, paddr, bits));
            }
            assertThat(ledger.freeBytes()).as(at + ": free bytes").isEqualTo(old.freeBytes());
            assertThat(ledger.records()).as(at + ": records").isEqualTo(old.records());
        }
    }

    @Test
    void bothRefuseASecondFreeNodeOfOneKindAndSizeAtOneAddress() {
        SplitNode first = new SplitNode(CSpacePath.ofRootSlot(1, 1), 1, 12, 0x4000, UntypedKind.RAM, null, 0);
        SplitNode second = new SplitNode(CSpacePath.ofRootSlot(1, 2), 2, 12, 0x4000, UntypedKind.RAM, null, 64);
        SplitLedger ledger = new SplitLedger();
        TreeMapSplitLedger old = new TreeMapSplitLedger();
        ledger.add(first);
        old.add(first);
        assertThatThrownBy(() -> ledger.add(second)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> old.add(second)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> ledger.add(first)).isInstanceOf(IllegalStateException.class);
    }

    /** A node of a random kind, mostly small, aligned to its size, in a crowded range. */
    private static SplitNode node(SplittableRandom random, int op) {
        int bits = bits(random);
        return new SplitNode(CSpacePath.ofRootSlot(1, op), op, bits, address(random, bits),
                KINDS[random.nextInt(KINDS.length)], null, 64L * op);
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

    /** An address aligned to 2^bits inside {@code node} (or just past it), to hit covering nodes. */
    private static long inside(SplittableRandom random, SplitNode node, int bits) {
        long offset = bits >= node.sizeBits ? 0 : random.nextLong(2L << node.sizeBits);
        return (node.paddr + offset) & -(1L << bits);
    }
}
