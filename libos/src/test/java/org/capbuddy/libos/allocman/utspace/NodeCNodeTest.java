package org.capbuddy.libos.allocman.utspace;

import static org.assertj.core.api.Assertions.assertThat;

import org.capbuddy.libos.vka.CSpacePath;
import org.junit.jupiter.api.Test;

/** Nodes in one CSpace share where their caps are looked up; a different CNode or depth gets its own. */
class NodeCNodeTest {
    private static final NodeCNode ROOT_64 = new NodeCNode(1, 64);

    @Test
    void aPathLookedUpTheSameWaySharesTheGivenOne() {
        assertThat(NodeCNode.of(CSpacePath.ofRootSlot(1, 77), ROOT_64)).isSameAs(ROOT_64);
    }

    @Test
    void anotherRootOrDepthGetsItsOwn() {
        NodeCNode otherRoot = NodeCNode.of(CSpacePath.ofRootSlot(2, 77), ROOT_64);
        NodeCNode otherDepth = NodeCNode.of(new CSpacePath(1, 77, 20, 0, 0, 77, 1), ROOT_64);
        assertThat(otherRoot).isEqualTo(new NodeCNode(2, 64));
        assertThat(otherDepth).isEqualTo(new NodeCNode(1, 20));
        assertThat(NodeCNode.of(CSpacePath.ofRootSlot(1, 5), null)).isEqualTo(ROOT_64).isNotSameAs(ROOT_64);
    }

    @Test
    void aHalfsSiblingIsItsParentsOtherHalf() {
        SplitNode parent = new SplitNode(ROOT_64, 1, 13, 0x8000, UntypedKind.RAM, null, 0);
        SplitNode lo = new SplitNode(ROOT_64, 2, 12, 0x8000, UntypedKind.RAM, parent, 64);
        SplitNode hi = new SplitNode(ROOT_64, 3, 12, 0x9000, UntypedKind.RAM, parent, 128);
        parent.lower = lo;
        parent.upper = hi;
        assertThat(lo.sibling()).isSameAs(hi);
        assertThat(hi.sibling()).isSameAs(lo);
        assertThat(parent.sibling()).isNull();
        assertThat(hi.kind()).isEqualTo(UntypedKind.RAM);
        assertThat(hi.isFree()).isTrue();
        assertThat(hi.onFreeList()).isFalse();
    }
}
