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

    private final SplitNodes nodes = new SplitNodes();
    private final SplitRoots roots = new SplitRoots(nodes);
    private final SplitLedger ledger = new SplitLedger(nodes);
    private final TreeMapSplitLedger old = new TreeMapSplitLedger(nodes);
    private final List<Integer> rootList = new ArrayList<>();
    private final List<Integer> free = new ArrayList<>();
    private final List<Integer> allocated = new ArrayList<>();
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
                int node = free.get(random.nextInt(free.size()));
                if (nodes.sizeBits(node) > 12 || (nodes.sizeBits(node) > 4 && random.nextInt(8) == 0)) {
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
                        .isEqualTo(oldCovering(kinds, paddr, bits));
                UntypedKind kind = kinds.get(0);
                assertThat(ledger.smallestAtLeast(kind, bits)).as(at + ": smallestAtLeast(%s, %d)", kind, bits)
                        .isEqualTo(old.smallestAtLeast(kind, bits));
            }
            assertThat(ledger.freeBytes()).as(at + ": free bytes").isEqualTo(old.freeBytes());
        }
    }

    /** The old findAt: the first kind, in order, whose free lists have a node covering the range. */
    private int oldCovering(List<UntypedKind> kinds, long paddr, int bits) {
        for (UntypedKind kind : kinds) {
            int node = old.covering(kind, paddr, bits);
            if (node != SplitNodes.NONE) {
                return node;
            }
        }
        return SplitNodes.NONE;
    }

    /** An address aligned to 2^bits: inside a root mostly, near a free node often, sometimes outside all. */
    private long probe(SplittableRandom random, int bits) {
        if (random.nextInt(10) == 0) {
            return random.nextLong(1L << 33) & -(1L << bits);
        }
        int around = random.nextBoolean() && !free.isEmpty() ? free.get(random.nextInt(free.size()))
                : rootList.get(random.nextInt(rootList.size()));
        return (nodes.paddr(around) + random.nextLong(nodes.bytes(around) + (1L << bits))) & -(1L << bits);
    }

    private void addRoot(long paddr, int bits, UntypedKind kind) {
        CSpacePath path = path();
        int root = nodes.root(nodes.cnodeIndex(path.root(), path.capDepth(), SplitNodes.NONE), path.capPtr(), bits,
                paddr, kind, 0);
        roots.add(root, path);
        rootList.add(root);
        putFree(root);
    }

    /** As BuddySplitter.record: the halves replace the parent on the free lists. */
    private void split(int parent) {
        int lo = nodes.halves(parent, nodes.cnodeIndexOf(parent), ++slots, 0, ++slots, 0);
        takeFree(parent);
        nodes.setState(parent, SplitNodes.State.SPLIT);
        putFree(lo);
        putFree(lo + 1);
    }

    /** As SplitUtspace.carveAndRetype's end: the node leaves the free lists, handed out. */
    private void allocate(int node) {
        takeFree(node);
        nodes.setState(node, SplitNodes.State.ALLOCATED);
        allocated.add(node);
    }

    /**
     * As SplitUtspace.free and BuddySplitter.merge: the node is free again and coalesces with its
     * free sibling, upwards; with {@code stopShort} the first merge loses the sibling of the
     * freed node (deleted first), as a merge whose second delete fails does.
     */
    private void release(int node, boolean stopShort) {
        allocated.remove(Integer.valueOf(node));
        nodes.setState(node, SplitNodes.State.FREE);
        putFree(node);
        while (!nodes.isRoot(node) && nodes.isFree(nodes.sibling(node))) {
            int parent = nodes.parent(node);
            int sibling = nodes.sibling(node);
            takeFree(sibling);
            if (stopShort) {
                nodes.setState(sibling, SplitNodes.State.LOST);
                return;
            }
            takeFree(node);
            nodes.dropHalves(parent);
            nodes.setState(parent, SplitNodes.State.FREE);
            putFree(parent);
            node = parent;
        }
    }

    private void putFree(int node) {
        ledger.add(node);
        old.add(node);
        free.add(node);
    }

    private void takeFree(int node) {
        ledger.remove(node);
        old.remove(node);
        free.remove(Integer.valueOf(node));
    }

    private CSpacePath path() {
        return CSpacePath.ofRootSlot(1, ++slots);
    }
}
