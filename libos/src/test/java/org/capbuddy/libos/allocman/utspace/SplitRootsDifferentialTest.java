package org.capbuddy.libos.allocman.utspace;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.capbuddy.libos.allocman.DifferentialSeeds;
import org.capbuddy.libos.vka.CSpacePath;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link SplitRoots#freeCovering}, a walk down the buddy trees, against what the split allocator
 * asked before: {@link TreeMapSplitLedger#covering} for each kind in turn, on the same free
 * nodes. The trees change as the split allocator changes them (a node split into two halves that
 * replace it on the free lists, a free node handed out, a freed node coalescing with its free
 * sibling, and now and then a half lost in a merge that stopped short), with the new ledger kept
 * beside the old one, so its smallest-first answers are compared on these shapes too.
 */
class SplitRootsDifferentialTest {
    private static final int OPS = 6_000;
    private static final List<List<UntypedKind>> KIND_ORDERS = List.of(List.of(UntypedKind.RAM),
            List.of(UntypedKind.DEVICE_RAM, UntypedKind.RAM),
            List.of(UntypedKind.DEVICE, UntypedKind.DEVICE_RAM, UntypedKind.RAM));

    private final SplitRoots roots = new SplitRoots();
    private final SplitLedger ledger = new SplitLedger();
    private final TreeMapSplitLedger old = new TreeMapSplitLedger();
    private final List<SplitNode> rootList = new ArrayList<>();
    private final List<SplitNode> free = new ArrayList<>();
    private final List<SplitNode> allocated = new ArrayList<>();
    private int slots;

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("org.capbuddy.libos.allocman.DifferentialSeeds#seeds")
    void walkingTheTreesFindsWhatTheFreeListsFound(long seed) {
        String why = DifferentialSeeds.rerun(seed);
        SplittableRandom random = new SplittableRandom(seed);
        addRoot(0x4000_0000L, 24, UntypedKind.RAM);
        addRoot(0x4100_0000L, 22, UntypedKind.RAM);
        addRoot(0x8000_0000L, 20, UntypedKind.DEVICE_RAM);
        addRoot(0x9000_0000L, 18, UntypedKind.DEVICE);
        for (int op = 0; op < OPS; op++) {
            String at = why + ", operation " + op;
            int choice = random.nextInt(10);
            if (choice < 5 && !free.isEmpty()) {
                SplitNode node = free.get(random.nextInt(free.size()));
                if (node.sizeBits > 12 || (node.sizeBits > 4 && random.nextInt(8) == 0)) {
                    split(node);
                }
            } else if (choice < 7 && !free.isEmpty()) {
                allocate(free.get(random.nextInt(free.size())));
            } else if (!allocated.isEmpty()) {
                release(allocated.get(random.nextInt(allocated.size())), random.nextInt(50) == 0);
            }
            for (int q = 0; q < 4; q++) {
                List<UntypedKind> kinds = KIND_ORDERS.get(random.nextInt(KIND_ORDERS.size()));
                int bits = 4 + random.nextInt(21);
                long paddr = probe(random, bits);
                assertThat(roots.freeCovering(kinds, paddr, bits))
                        .as(at + ": freeCovering(%s, 0x%x, %d)", kinds, paddr, bits)
                        .isSameAs(oldCovering(kinds, paddr, bits));
                UntypedKind kind = kinds.get(0);
                assertThat(ledger.smallestAtLeast(kind, bits)).as(at + ": smallestAtLeast(%s, %d)", kind, bits)
                        .isSameAs(old.smallestAtLeast(kind, bits));
            }
            assertThat(ledger.freeBytes()).as(at + ": free bytes").isEqualTo(old.freeBytes());
        }
    }

    /** The old findAt: the first kind, in order, whose free lists have a node covering the range. */
    private SplitNode oldCovering(List<UntypedKind> kinds, long paddr, int bits) {
        for (UntypedKind kind : kinds) {
            SplitNode node = old.covering(kind, paddr, bits);
            if (node != null) {
                return node;
            }
        }
        return null;
    }

    /** An address aligned to 2^bits: inside a root mostly, near a free node often, sometimes outside all. */
    private long probe(SplittableRandom random, int bits) {
        if (random.nextInt(10) == 0) {
            return random.nextLong(1L << 33) & -(1L << bits);
        }
        SplitNode around = random.nextBoolean() && !free.isEmpty() ? free.get(random.nextInt(free.size()))
                : rootList.get(random.nextInt(rootList.size()));
        return (around.paddr + random.nextLong(around.bytes() + (1L << bits))) & -(1L << bits);
    }

    private void addRoot(long paddr, int bits, UntypedKind kind) {
        CSpacePath path = path();
        SplitNode root = new SplitNode(NodeCNode.of(path, null), path.capPtr(), bits, paddr, kind, null, 0);
        roots.add(root, path);
        rootList.add(root);
        putFree(root);
    }

    /** As BuddySplitter.record: the halves replace the parent on the free lists. */
    private void split(SplitNode parent) {
        int half = parent.sizeBits - 1;
        SplitNode lo = new SplitNode(parent.cnode, ++slots, half, parent.paddr, parent.kind(), parent, 0);
        SplitNode hi = new SplitNode(parent.cnode, ++slots, half, parent.paddr + (1L << half), parent.kind(), parent, 0);
        parent.lower = lo;
        parent.upper = hi;
        takeFree(parent);
        parent.setState(SplitNode.State.SPLIT);
        putFree(lo);
        putFree(hi);
    }

    /** As SplitUtspace.carveAndRetype's end: the node leaves the free lists, handed out. */
    private void allocate(SplitNode node) {
        takeFree(node);
        node.setState(SplitNode.State.ALLOCATED);
        allocated.add(node);
    }

    /**
     * As SplitUtspace.free and BuddySplitter.merge: the node is free again and coalesces with its
     * free sibling, upwards; with {@code stopShort} the first merge loses the upper half, as a
     * merge whose second delete fails does.
     */
    private void release(SplitNode node, boolean stopShort) {
        allocated.remove(node);
        node.setState(SplitNode.State.FREE);
        putFree(node);
        while (!node.isRoot() && node.sibling().isFree()) {
            SplitNode parent = node.parent;
            takeFree(parent.upper);
            if (stopShort) {
                parent.upper.setState(SplitNode.State.LOST);
                return;
            }
            takeFree(parent.lower);
            parent.lower = null;
            parent.upper = null;
            parent.setState(SplitNode.State.FREE);
            putFree(parent);
            node = parent;
        }
    }

    private void putFree(SplitNode node) {
        ledger.add(node);
        old.add(node);
        free.add(node);
    }

    private void takeFree(SplitNode node) {
        ledger.remove(node);
        old.remove(node);
        free.remove(node);
    }

    private CSpacePath path() {
        return CSpacePath.ofRootSlot(1, ++slots);
    }
}
