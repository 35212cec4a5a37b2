package org.capbuddy.sos.shadow;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.stream.LongStream;
import org.capbuddy.libos.vspace.PagingStructure;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link ShadowPageTable} against a sorted map of pages and a set of structures: random tables
 * recorded, pages recorded (also over a page already there), looked up and removed in a few
 * crowded regions and one that fills until its leaf turns dense, and after every step the counts, a lookup and now and then every address
 * agreeing; at the end the drain gives back every structure, deepest first. Seeded: a failure
 * names its seed; re-run it with {@code -Dcapbuddy.seed=S}.
 */
class ShadowPageTableDifferentialTest {
    private static final int OPS = 20_000;

    static LongStream seeds() {
        String fixed = System.getProperty("capbuddy.seed");
        return fixed != null ? LongStream.of(Long.parseLong(fixed)) : LongStream.of(1, 2, 3, System.nanoTime());
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void agreesWithAMapOfPages(long seed) {
        String why = "seed " + seed + " (re-run with -Dcapbuddy.seed=" + seed + ")";
        SplittableRandom random = new SplittableRandom(seed);
        ShadowPageTable shadow = new ShadowPageTable();
        TreeMap<Long, PageEntry> pages = new TreeMap<>();
        Set<Long> tables = new LinkedHashSet<>(); // vaddr | coverBits of every structure recorded
        long cptr = 1;
        for (int op = 0; op < OPS; op++) {
            String at = why + ", operation " + op;
            long va = address(random);
            switch (random.nextInt(5)) {
                case 0 -> {
                    // The tables a first touch makes, those missing from the top down.
                    List<PagingStructure> made = new ArrayList<>();
                    for (int cover : new int[] {39, 30, 21}) {
                        long base = va & -(1L << cover);
                        if (tables.add(base | cover)) {
                            made.add(new PagingStructure(cptr++, cptr, base, cover));
                        }
                    }
                    shadow.recordStructures(made);
                }
                case 1, 2 -> {
                    int ref = 1 + random.nextInt(1 << 19);
                    long copy = random.nextLong(1L << 40);
                    boolean hasLeaf = tables.contains((va & -(1L << 21)) | 21);
                    assertThat(shadow.recordPage(va, ref, copy)).as(at + ": record").isEqualTo(hasLeaf);
                    if (hasLeaf) {
                        pages.put(va, new PageEntry(ref, copy));
                    }
                }
                case 3 -> assertThat(shadow.removePage(va)).as(at + ": remove").isEqualTo(pages.remove(va));
                default -> {
                    assertThat(shadow.page(va)).as(at + ": lookup").isEqualTo(pages.get(va));
                    PageEntry expected = pages.get(va);
                    assertThat(shadow.frameRef(va)).as(at + ": frame").isEqualTo(expected == null ? 0 : expected.frameRef());
                }
            }
            assertThat(shadow.pageCount()).as(at + ": pages").isEqualTo(pages.size());
            assertThat(shadow.structureCount()).as(at + ": structures").isEqualTo(tables.size());
            if (op % 1000 == 0) {
                assertThat(shadow.pageAddresses()).as(at + ": addresses").containsExactlyElementsOf(pages.keySet());
            }
        }
        for (Long va : new ArrayList<>(pages.keySet())) {
            assertThat(shadow.removePage(va)).as(why + ": emptying").isEqualTo(pages.remove(va));
        }
        List<PagingStructure> drained = new ArrayList<>();
        shadow.drainStructures(drained::add);
        assertThat(drained).as(why + ": drained").hasSize(tables.size());
        for (int i = 1; i < drained.size(); i++) {
            // Deepest first: no structure is drained before one that lies inside it.
            PagingStructure later = drained.get(i);
            for (PagingStructure earlier : drained.subList(0, i)) {
                boolean containsLater = earlier.coverBits() > later.coverBits()
                        && (later.vaddr() & -(1L << earlier.coverBits())) == earlier.vaddr();
                assertThat(containsLater).as(why + ": " + earlier + " drained before " + later).isFalse();
            }
        }
        assertThat(shadow.structureCount()).isZero();
        assertThat(shadow.pageAddresses()).isEmpty();
    }

    @Test
    void frameReferenceZeroMeansNoPageAndIsRefused() {
        ShadowPageTable shadow = new ShadowPageTable();
        shadow.recordStructures(List.of(new PagingStructure(1, 1, 0, 39), new PagingStructure(2, 2, 0, 30),
                new PagingStructure(3, 3, 0, 21)));
        assertThat(shadow.recordPage(0x5000, 0, 77)).isFalse();
        assertThat(shadow.page(0x5000)).isNull();
        assertThat(shadow.pageCount()).isZero();
        assertThat(shadow.recordPage(0x5000, 9, 77)).isTrue();
        assertThat(shadow.page(0x5000)).isEqualTo(new PageEntry(9, 77));
    }

    /**
     * Half the pages anywhere in one 2 MiB region (which fills past the point where a leaf turns
     * dense, as pages are recorded twice as often as removed), the rest crowded into a few 2 MiB
     * regions of a few 1 GiB ones, so tables are shared and pages meet again.
     */
    private static long address(SplittableRandom random) {
        if (random.nextBoolean()) {
            return 0x4000_0000L | (long) random.nextInt(512) << 12;
        }
        long gib = (long) random.nextInt(3) << 30 | (random.nextBoolean() ? 0 : 1L << 39);
        long twoMib = (long) random.nextInt(4) << 21;
        return gib | twoMib | (long) random.nextInt(64) << 12;
    }
}
