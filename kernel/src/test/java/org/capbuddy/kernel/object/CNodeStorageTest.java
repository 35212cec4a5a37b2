package org.capbuddy.kernel.object;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.capbuddy.kernel.cap.Slot;
import org.junit.jupiter.api.Test;

/** The host storage of a CNode's slots: lazy chunks, every radix a Retype allows, visiting order. */
class CNodeStorageTest {

    @Test
    void aSlotIsMadeOnceOnFirstTouchAndKnowsItsCNodeAndIndex() {
        CNode cnode = new CNode(0, 18);
        assertThat(cnode.existingSlot(77)).isNull();

        Slot slot = cnode.slot(77);

        assertThat(slot.owner()).isSameAs(cnode);
        assertThat(slot.index()).isEqualTo(77);
        assertThat(slot.isEmpty()).isTrue();
        assertThat(cnode.slot(77)).isSameAs(slot);
        assertThat(cnode.existingSlot(77)).isSameAs(slot);
    }

    @Test
    void noHostStorageUntilASlotIsTouchedAndThenOnlyItsChunk() {
        CNode cnode = new CNode(0, 26);
        assertThat(cnode.hostChunkCount()).isZero();

        cnode.slot(5);
        cnode.slot(4095);
        assertThat(cnode.hostChunkCount()).as("slots 0..4095 share one chunk").isEqualTo(1);

        cnode.slot(4096);
        cnode.slot((1L << 26) - 1);
        assertThat(cnode.hostChunkCount()).isEqualTo(3);
    }

    @Test
    void existingSlotNeverMakesStorage() {
        CNode cnode = new CNode(0, 30);
        cnode.slot(1);

        assertThat(cnode.existingSlot(2)).as("untouched slot in a touched chunk").isNull();
        assertThat(cnode.existingSlot(1L << 20)).as("untouched chunk").isNull();
        assertThat(cnode.existingSlot((1L << 30) - 1)).as("untouched directory page").isNull();
        assertThat(cnode.hostChunkCount()).isEqualTo(1);
    }

    @Test
    void theLargestRadixARetypeAllowsKeepsSlotsApartAcrossTheWholeIndexRange() {
        int radix = SlotTable.MAX_RADIX;
        CNode cnode = new CNode(0, radix);
        long last = (1L << radix) - 1;
        long[] indices = {0, 1L << 12, 1L << 26, (1L << 26) + 3 * 4096, 1L << 41, last};

        for (long i : indices) {
            cnode.slot(i);
        }

        for (long i : indices) {
            assertThat(cnode.existingSlot(i).index()).isEqualTo(i);
        }
        assertThat(cnode.existingSlot(last - 1)).isNull();
        assertThat(cnode.hostChunkCount()).isEqualTo(indices.length);
    }

    @Test
    void aSmallCNodeIsOneChunkOfItsOwnSize() {
        CNode cnode = new CNode(0, 3);

        for (long i = 0; i < 8; i++) {
            assertThat(cnode.slot(i).index()).isEqualTo(i);
        }
        assertThat(cnode.hostChunkCount()).isEqualTo(1);
    }

    @Test
    void aOneChunkCNodeFindsItsSlotsAsALargerOneDoes() {
        // Radix 12 is the largest kept as one chunk (and looked up through it directly), 13 the
        // smallest with a directory: the same answers either way, before and after a first touch.
        for (int radix : new int[] {0, 1, 12, 13}) {
            CNode cnode = new CNode(0, radix);
            long last = (1L << radix) - 1;
            assertThat(cnode.existingSlot(last)).as("radix %d, untouched", radix).isNull();
            Slot lastSlot = cnode.slot(last);
            assertThat(cnode.existingSlot(0)).as("radix %d, untouched slot", radix).isSameAs(last == 0 ? lastSlot : null);
            Slot first = cnode.slot(0);
            assertThat(cnode.existingSlot(0)).isSameAs(first);
            assertThat(cnode.existingSlot(last)).isSameAs(lastSlot);
            assertThat(cnode.slot(last)).isSameAs(lastSlot);
            assertThat(lastSlot.index()).isEqualTo(last);
            assertThat(lastSlot.owner()).isSameAs(cnode);
            assertThat(cnode.hostChunkCount()).as("radix %d", radix).isEqualTo(radix <= 12 ? 1 : 2);
            assertThatThrownBy(() -> cnode.existingSlot(last + 1)).isInstanceOf(IndexOutOfBoundsException.class);
            assertThatThrownBy(() -> cnode.slot(-1)).isInstanceOf(IndexOutOfBoundsException.class);
        }
    }

    @Test
    void indicesOutsideTheCNodeAreRefused() {
        CNode small = new CNode(0, 3);
        CNode large = new CNode(0, 20);

        assertThatThrownBy(() -> small.slot(8)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> small.existingSlot(-1)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> large.slot(1L << 20)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> large.existingSlot(1L << 40)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThat(large.hostChunkCount()).isZero();
    }

    @Test
    void aRadixNoRetypeCanMakeIsRefused() {
        assertThatThrownBy(() -> new CNode(0, SlotTable.MAX_RADIX + 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new CNode(0, -1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void touchedSlotsAreVisitedInIndexOrderWhateverOrderTheyWereTouchedIn() {
        CNode cnode = new CNode(0, 34);
        long[] touched = {(1L << 33) + 9, 7, 1L << 27, 3, 1L << 13, (1L << 34) - 1, 4096};
        for (long i : touched) {
            cnode.slot(i);
        }
        List<Long> visited = new ArrayList<>();

        cnode.forEachTouchedSlot(s -> visited.add(s.index()));

        assertThat(visited).containsExactly(3L, 7L, 4096L, 1L << 13, 1L << 27, (1L << 33) + 9, (1L << 34) - 1);
    }

    @Test
    void aSlotTouchedDuringTheVisitIsVisitedOnlyWhenItLiesAhead() {
        CNode cnode = new CNode(0, 20);
        cnode.slot(100);
        List<Long> visited = new ArrayList<>();

        cnode.forEachTouchedSlot(s -> {
            visited.add(s.index());
            if (s.index() == 100) {
                cnode.slot(50);
                cnode.slot(1L << 19);
            }
        });

        assertThat(visited).containsExactly(100L, 1L << 19);
    }
}
