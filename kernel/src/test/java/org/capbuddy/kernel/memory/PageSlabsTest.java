package org.capbuddy.kernel.memory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The slab store on its own: ids, zeroing on reuse, first fit, and giving slabs back. */
class PageSlabsTest {
    private static final int PAGE = PhysicalMemory.PAGE_SIZE;

    @Test
    void idsAreNonZeroAndNameDisjointPagesOfTheirSlab() {
        PageSlabs slabs = new PageSlabs(8);
        Set<Integer> ids = new HashSet<>();
        Set<String> places = new HashSet<>();
        for (int i = 0; i < 20; i++) {
            int id = slabs.take(0);
            assertThat(id).isNotZero();
            assertThat(ids.add(id)).isTrue();
            assertThat(PageSlabs.offset(id) % PAGE).isZero();
            assertThat(PageSlabs.offset(id) + PAGE).isLessThanOrEqualTo(slabs.array(id).length);
            assertThat(places.add(System.identityHashCode(slabs.array(id)) + "@" + PageSlabs.offset(id))).isTrue();
        }
        assertThat(slabs.liveSlabs()).isEqualTo(3);
        assertThat(slabs.chunksInUse()).isEqualTo(20);
        assertThat(slabs.hostBytes()).isEqualTo(3L * 8 * PAGE);
    }

    @Test
    void theIdLayoutIsSlabNumberPlusOneAboveThirteenChunkBits() {
        PageSlabs slabs = new PageSlabs(2);
        int a = slabs.take(0);
        int b = slabs.take(0);
        int c = slabs.take(0);
        assertThat(a).isEqualTo(1 << 13);
        assertThat(b).isEqualTo((1 << 13) | 1);
        assertThat(c).isEqualTo(2 << 13);
        assertThat(PageSlabs.slabNumber(c)).isEqualTo(1);
        assertThat(PageSlabs.offset(b)).isEqualTo(PAGE);
    }

    @Test
    void aChunkGivenBackComesBackZeroedWhileItsSlabStaysInUse() {
        PageSlabs slabs = new PageSlabs(4);
        int keep = slabs.take(0);
        int id = slabs.take(0);
        byte[] slab = slabs.array(id);
        Arrays.fill(slab, PageSlabs.offset(id), PageSlabs.offset(id) + PAGE, (byte) 0x5A);
        slab[PageSlabs.offset(keep)] = 1;
        slabs.give(id);
        int again = slabs.take(0);
        assertThat(again).as("the free stack serves before the fresh chunks").isEqualTo(id);
        for (int i = 0; i < PAGE; i++) {
            assertThat(slab[PageSlabs.offset(again) + i]).isZero();
        }
        assertThat(slab[PageSlabs.offset(keep)]).as("other chunks untouched").isEqualTo((byte) 1);
    }

    @Test
    void newChunksComeFromTheLowestSlabWithRoom() {
        PageSlabs slabs = new PageSlabs(2);
        int[] ids = new int[6];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = slabs.take(0);
        }
        slabs.give(ids[5]); // slab 2 gets room
        slabs.give(ids[1]); // slab 0 gets room
        assertThat(PageSlabs.slabNumber(slabs.take(0))).isZero();
        assertThat(PageSlabs.slabNumber(slabs.take(0))).isEqualTo(2);
        assertThat(slabs.slabsAllocated()).isEqualTo(3);
    }

    @Test
    void emptySlabsGoBackToTheHostBeyondTheOneKept() {
        PageSlabs slabs = new PageSlabs(2);
        int[] ids = new int[6];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = slabs.take(0);
        }
        byte[] slab1 = slabs.array(ids[2]);
        for (int id : ids) {
            slabs.give(id);
        }
        assertThat(slabs.liveSlabs()).isEqualTo(PageSlabs.KEPT_EMPTY_SLABS);
        assertThat(slabs.emptySlabs()).isEqualTo(1);
        assertThat(slabs.chunksInUse()).isZero();
        assertThat(slabs.hostBytes()).isEqualTo(2L * PAGE);

        // the kept slab serves first, then released numbers are reused with new arrays
        int a = slabs.take(0);
        int b = slabs.take(0);
        int c = slabs.take(0);
        assertThat(PageSlabs.slabNumber(a)).isEqualTo(PageSlabs.slabNumber(b));
        assertThat(slabs.emptySlabs()).isZero();
        assertThat(PageSlabs.slabNumber(c)).isBetween(1, 2);
        assertThat(slabs.array(c)).as("a released slab's array is never handed out again").isNotSameAs(slab1);
        assertThat(slabs.slabsAllocated()).isEqualTo(4);
    }

    @Test
    void compactionEmptiesTheEmptiestSlabsIntoTheOthersHoles() {
        PageSlabs slabs = new PageSlabs(4);
        int[] ids = new int[32];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = slabs.take(1000 + i);
            slabs.array(ids[i])[PageSlabs.offset(ids[i]) + 7] = (byte) i;
        }
        for (int i = 0; i < ids.length; i++) {
            if (i % 4 != 3) {
                slabs.give(ids[i]); // one page left in each of the 8 slabs
            }
        }
        assertThat(slabs.fragmented()).isTrue();
        java.util.Map<Long, Integer> where = new java.util.HashMap<>();
        for (int i = 3; i < ids.length; i += 4) {
            where.put(1000L + i, ids[i]);
        }
        long moved = slabs.compact((page, to) -> {
            assertThat(where).containsKey(page);
            where.put(page, to);
        });
        assertThat(moved).isPositive();
        assertThat(slabs.chunksInUse()).isEqualTo(8);
        assertThat(slabs.holes()).isLessThanOrEqualTo(8 / 2 + 4);
        assertThat(slabs.fragmented()).isFalse();
        assertThat(slabs.liveSlabs()).isLessThanOrEqualTo(4);
        assertThat(new HashSet<>(where.values())).hasSize(8);
        where.forEach((page, id) -> assertThat(slabs.array(id)[PageSlabs.offset(id) + 7])
                .as("page %d's bytes moved with it", page).isEqualTo((byte) (page - 1000)));
        int next = slabs.take(2000);
        assertThat(where.values()).doesNotContain(next);
        assertThat(slabs.slabsAllocated()).as("the holes left serve first").isEqualTo(8);
    }

    @Test
    void slabSizesOutsideTheChunkFieldAreRefused() {
        assertThatThrownBy(() -> new PageSlabs(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new PageSlabs(PageSlabs.MAX_PAGES_PER_SLAB + 1))
                .isInstanceOf(IllegalArgumentException.class);
        PageSlabs widest = new PageSlabs(PageSlabs.MAX_PAGES_PER_SLAB);
        int last = 0;
        for (int i = 0; i < PageSlabs.MAX_PAGES_PER_SLAB; i++) {
            last = widest.take(0);
        }
        assertThat(PageSlabs.slabNumber(last)).isZero();
        assertThat(PageSlabs.offset(last)).isEqualTo((PageSlabs.MAX_PAGES_PER_SLAB - 1) * PAGE);
    }

    @Test
    void theHostSlabSizeFitsTheChunkFieldAndTheRunningHeap() {
        int pages = PageSlabs.hostPagesPerSlab();
        assertThat(pages).isBetween(1, PageSlabs.MAX_PAGES_PER_SLAB - 1);
        assertThat(PageSlabs.defaultPagesPerSlab()).isEqualTo(pages);
    }
}
