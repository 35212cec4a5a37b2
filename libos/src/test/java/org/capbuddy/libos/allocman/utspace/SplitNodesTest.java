package org.capbuddy.libos.allocman.utspace;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.junit.jupiter.api.Test;
import org.openjdk.jol.info.GraphLayout;
import org.openjdk.jol.vm.VM;

/**
 * The packed node table: what each field reads back, how halves and siblings are named, that a
 * reused pair keeps its free-list stamps, that nodes of one CSpace share a CNode entry, and that
 * a node costs the host 32 bytes.
 */
class SplitNodesTest {
    private final SplitNodes nodes = new SplitNodes();
    private final int root64 = nodes.cnodeIndex(1, 64, SplitNodes.NONE);

    @Test
    void everyFieldReadsBackAndHalvesAreNamedByTheirPair() {
        int parent = nodes.root(root64, 7, 13, 0x8000, UntypedKind.DEVICE_RAM, 0x1000);
        assertThat(nodes.isRoot(parent)).isTrue();
        assertThat(nodes.sibling(parent)).isEqualTo(SplitNodes.NONE);
        assertThat(nodes.lower(parent)).isEqualTo(SplitNodes.NONE);
        assertThat(nodes.isFree(parent)).isTrue();
        assertThat(nodes.onFreeList(parent)).isFalse();

        int lo = nodes.halves(parent, root64, 8, 0x1040, 9, 0x1080);
        int hi = nodes.upper(parent);
        assertThat(nodes.lower(parent)).isEqualTo(lo);
        assertThat(hi).isEqualTo(lo + 1);
        assertThat(nodes.sibling(lo)).isEqualTo(hi);
        assertThat(nodes.sibling(hi)).isEqualTo(lo);
        assertThat(nodes.parent(hi)).isEqualTo(parent);
        assertThat(nodes.cptr(hi)).isEqualTo(9);
        assertThat(nodes.paddr(lo)).isEqualTo(0x8000);
        assertThat(nodes.paddr(hi)).isEqualTo(0x9000);
        assertThat(nodes.record(hi)).isEqualTo(0x1080);
        assertThat(nodes.sizeBits(hi)).isEqualTo(12);
        assertThat(nodes.kind(hi)).isEqualTo(UntypedKind.DEVICE_RAM);
        assertThat(nodes.cnode(hi)).isEqualTo(new NodeCNode(1, 64));

        nodes.setState(hi, SplitNodes.State.ALLOCATED);
        nodes.setAllocatedFrame(hi, true);
        assertThat(nodes.state(hi)).isEqualTo(SplitNodes.State.ALLOCATED);
        assertThat(nodes.allocatedFrame(hi)).isTrue();
        assertThat(nodes.state(lo)).isEqualTo(SplitNodes.State.FREE);
        assertThat(nodes.allocatedFrame(lo)).isFalse();
        assertThat(nodes.sizeBits(hi)).as("flags leave the size alone").isEqualTo(12);
        assertThat(nodes.covers(parent, 0x9000, 12)).isTrue();
        assertThat(nodes.covers(hi, 0x8000, 12)).isFalse();
        assertThat(nodes.describe(hi)).isEqualTo("DEVICE_RAM[0x9000, 2^12, ALLOCATED @9]");
    }

    @Test
    void aReusedPairKeepsItsStampsSoOldFreeListEntriesStayStale() {
        int parent = nodes.root(root64, 1, 14, 0, UntypedKind.RAM, 0);
        int lo = nodes.halves(parent, root64, 2, 64, 3, 128);
        nodes.bumpFreeListStamp(lo); // on a list
        nodes.bumpFreeListStamp(lo); // off it
        nodes.bumpFreeListStamp(lo); // on again: stamp 3
        nodes.bumpFreeListStamp(lo); // off: 4
        nodes.dropHalves(parent);
        assertThat(nodes.lower(parent)).isEqualTo(SplitNodes.NONE);
        int again = nodes.halves(parent, root64, 5, 192, 6, 256);
        assertThat(again).as("the pair is used again").isEqualTo(lo);
        assertThat(nodes.freeListStamp(again)).isEqualTo(4);
        assertThat(nodes.onFreeList(again)).isFalse();
        assertThat(nodes.cptr(again)).isEqualTo(5);
        assertThat(nodes.isFree(again)).isTrue();
    }

    @Test
    void nodesLookedUpTheSameWayShareOneCNodeEntry() {
        assertThat(nodes.cnodeIndex(1, 64, root64)).isEqualTo(root64);
        assertThat(nodes.cnodeIndex(1, 64, SplitNodes.NONE)).isEqualTo(root64);
        int otherRoot = nodes.cnodeIndex(2, 64, root64);
        int otherDepth = nodes.cnodeIndex(1, 20, root64);
        assertThat(otherRoot).isNotEqualTo(root64);
        assertThat(otherDepth).isNotIn(root64, otherRoot);
        assertThat(nodes.cnodeIndex(2, 64, SplitNodes.NONE)).isEqualTo(otherRoot);
        int node = nodes.root(otherDepth, 3, 12, 0, UntypedKind.RAM, 0);
        assertThat(nodes.cnode(node)).isEqualTo(new NodeCNode(1, 20));
    }

    /**
     * Plain allocman keeps two nodes per 4 KiB frame it hands out (the README's host bytes per
     * frame count on 32 bytes each): a full table holds no more than that, plus its few arrays.
     */
    @Test
    void aNodeCostsTheHostThirtyTwoBytes() {
        assumeTrue(VM.current().sizeOfField("java.lang.Object") == 4 && VM.current().classPointerSize() == 4,
                "the figure is for compressed references and class pointers");
        int parent = nodes.root(root64, 1, 30, 0, UntypedKind.RAM, 0);
        int count = 2;
        for (int i = 0; i < 50_000; i++) {
            nodes.halves(parent, root64, i, i, i, i);
            count += 2;
        }
        long bytes = GraphLayout.parseInstance(nodes).totalSize();
        assertThat(bytes / (double) count).isBetween(32.0, 33.0);
    }
}
