package org.capbuddy.kernel.cspace;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.capbuddy.kernel.api.CapRights;
import org.capbuddy.kernel.cap.Cap;
import org.capbuddy.kernel.cap.Cdt;
import org.capbuddy.kernel.cap.Slot;
import org.capbuddy.kernel.object.CNode;
import org.capbuddy.kernel.object.Endpoint;
import org.junit.jupiter.api.Test;

/**
 * {@link CSpaceResolver#find} and {@link CSpaceResolver#findExact} walk as
 * {@link CSpaceResolver#resolve} does: on a three-level CSpace with guards, a cycle and a non-CNode
 * cap on the way, for many cptrs and depths, each finds exactly the slot resolve reaches (with no
 * bits left, for findExact) and null where resolve fails.
 */
class CSpaceResolverFindTest {
    private static final int ROOT_GUARD = 0b101;
    private static final int CHILD_GUARD = 0b10;

    private final Cap.CNodeCap root;

    CSpaceResolverFindTest() {
        Cdt cdt = new Cdt();
        CNode rootNode = new CNode(0x1000, 6);
        CNode child = new CNode(0x2000, 4);
        CNode grandchild = new CNode(0x3000, 8);
        root = new Cap.CNodeCap(rootNode, ROOT_GUARD, 3);
        cdt.insertRoot(rootNode.slot(5), new Cap.CNodeCap(child, CHILD_GUARD, 2));
        cdt.insertRoot(rootNode.slot(9), new Cap.CNodeCap(rootNode, 0, 0));
        cdt.insertRoot(child.slot(3), new Cap.CNodeCap(grandchild, 0, 0));
        cdt.insertRoot(child.slot(7), new Cap.EndpointCap(new Endpoint(0x4000), 0, CapRights.ALL));
        cdt.insertRoot(grandchild.slot(200), new Cap.EndpointCap(new Endpoint(0x4010), 1, CapRights.ALL));
    }

    @Test
    void findAgreesWithResolveOnEveryCptrAndDepth() {
        Random random = new Random(12);
        int found = 0;
        int exact = 0;
        for (int i = 0; i < 200_000; i++) {
            int depth = 1 + random.nextInt(64);
            long cptr = cptr(random, depth);

            SlotLookup r = CSpaceResolver.resolve(root, cptr, depth);

            Slot expected = r.ok() ? r.slot() : null;
            Slot expectedExact = r.ok() && r.bitsRemaining() == 0 ? r.slot() : null;
            assertThat(CSpaceResolver.find(root, cptr, depth)).as("find 0x%x depth %d", cptr, depth)
                    .isSameAs(expected);
            assertThat(CSpaceResolver.findExact(root, cptr, depth)).as("findExact 0x%x depth %d", cptr, depth)
                    .isSameAs(expectedExact);
            found += expected != null ? 1 : 0;
            exact += expectedExact != null ? 1 : 0;
        }
        assertThat(found).as("lookups that succeed").isGreaterThan(20_000);
        assertThat(exact).as("lookups that use the cptr up exactly").isGreaterThan(5_000);
    }

    @Test
    void aRootThatIsNoCNodeCapIsNotFound() {
        Cap endpoint = new Cap.EndpointCap(new Endpoint(0x5000), 0, CapRights.ALL);

        assertThat(CSpaceResolver.find(endpoint, 0, 64)).isNull();
        assertThat(CSpaceResolver.findExact(null, 0, 64)).isNull();
        assertThat(CSpaceResolver.resolve(endpoint, 0, 64).ok()).isFalse();
    }

    /**
     * A cptr whose top {@code depth} bits mostly follow real paths: guards usually right, indices
     * usually those of the slots holding caps, then random bits, with random bits above the depth.
     */
    private static long cptr(Random random, int depth) {
        long path = 0;
        int bits = 0;
        path = (path << 3) | (random.nextInt(6) != 0 ? ROOT_GUARD : random.nextInt(8));
        path = (path << 6) | pick(random, 64, 5, 9);
        bits += 9;
        for (int level = 0; level < 2; level++) {
            path = (path << 2) | (random.nextInt(6) != 0 ? CHILD_GUARD : random.nextInt(4));
            path = (path << 4) | pick(random, 16, 3, 7);
            path = (path << 8) | pick(random, 256, 200, 0);
            bits += 14;
        }
        long low = depth >= bits ? (path << (depth - bits)) | (random.nextLong() & CSpaceResolver.mask(depth - bits))
                : path >>> (bits - depth);
        return (random.nextLong() & ~CSpaceResolver.mask(depth)) | low;
    }

    private static long pick(Random random, int bound, int usual, int other) {
        return switch (random.nextInt(4)) {
            case 0, 1 -> usual;
            case 2 -> other;
            default -> random.nextInt(bound);
        };
    }
}
