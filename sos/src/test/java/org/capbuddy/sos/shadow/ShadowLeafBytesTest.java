package org.capbuddy.sos.shadow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.List;
import org.capbuddy.libos.vspace.PagingStructure;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.openjdk.jol.info.GraphLayout;
import org.openjdk.jol.vm.VM;

/**
 * What a shadow leaf costs the host, by pages mapped in it: never more than the layout it
 * replaced (a table of 512 references, 2,064 bytes, and a 24-byte entry a page), and about 12
 * bytes a page when full. Measured with JOL on heaps under 32 GiB (compressed references and
 * class pointers); under another layout the test is skipped.
 */
class ShadowLeafBytesTest {
    private static final long OLD_LEAF = 16 + 512 * 4;
    private static final long OLD_PAGE = 24;

    @BeforeAll
    static void compressedLayout() {
        assumeTrue(VM.current().sizeOfField("java.lang.Object") == 4 && VM.current().classPointerSize() == 4,
                "the figures are for compressed references and class pointers");
    }

    @ParameterizedTest(name = "{0} pages")
    @ValueSource(ints = {1, 2, 8, 64, 171, 256, 257, 400, 512})
    void aLeafCostsLessThanTheReferenceTableItReplaced(int pages) {
        ShadowLeaf leaf = new ShadowLeaf(new PagingStructure(3, 3, 0, 21));
        long empty = GraphLayout.parseInstance(leaf).totalSize();
        for (int i = 0; i < pages; i++) {
            // Spread over the leaf in no order, so that sparse insertions land everywhere.
            leaf.put((int) ((i * 67L) % ShadowLeaf.PAGES), 1 + i, 100 + i);
        }
        long bytes = GraphLayout.parseInstance(leaf).totalSize() - GraphLayout.parseInstance(leaf.table).totalSize();
        assertThat(bytes).as("%d pages", pages).isLessThan(OLD_LEAF + OLD_PAGE * pages);
        assertThat(empty).as("an empty leaf").isLessThan(200);
        assertThat(leaf.isDense()).as("dense").isEqualTo(pages > ShadowLeaf.DENSE_AT);
    }

    @ParameterizedTest(name = "full leaf")
    @ValueSource(ints = {ShadowLeaf.PAGES})
    void aFullLeafIsAbout12BytesAPage(int pages) {
        ShadowPageTable shadow = new ShadowPageTable();
        shadow.recordStructures(List.of(new PagingStructure(1, 1, 0, 39), new PagingStructure(2, 2, 0, 30),
                new PagingStructure(3, 3, 0, 21)));
        long before = GraphLayout.parseInstance(shadow).totalSize();
        for (int i = 0; i < pages; i++) {
            shadow.recordPage((long) i << 12, 1 + i, 100 + i);
        }
        double perPage = (GraphLayout.parseInstance(shadow).totalSize() - before) / (double) pages;
        assertThat(perPage).isBetween(11.5, 12.5);
    }
}
