package org.capbuddy.sos.paging;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PageFileTest {

    @Test
    void slotsAreHandedOutLowestFirstUntilTheFileIsFull() {
        PageFile f = PageFile.of(3).value();
        assertThat(f.alloc()).isZero();
        assertThat(f.alloc()).isEqualTo(1);
        assertThat(f.alloc()).isEqualTo(2);
        assertThat(f.alloc()).isEqualTo(-1);
        assertThat(f.free(1)).isTrue();
        assertThat(f.free(1)).isFalse();
        assertThat(f.alloc()).isEqualTo(1);
        assertThat(f.slotsInUse()).isEqualTo(3);
        assertThat(f.peakSlotsInUse()).isEqualTo(3);
    }

    @Test
    void aSlotHoldsItsPageOnTheHostOnlyOnceWrittenAndUntilFreed() {
        PageFile f = PageFile.of(1 << 20).value();
        int slot = f.alloc();
        assertThat(f.slotsHeld()).isZero();
        byte[] page = new byte[PageFile.SLOT_BYTES];
        assertThat(f.read(slot, page, 0)).isTrue();
        assertThat(page).containsOnly(0);
        page[0] = 7;
        page[4095] = 9;
        assertThat(f.write(slot, page, 0)).isTrue();
        page[0] = 1;
        assertThat(f.slotsHeld()).isEqualTo(1);
        byte[] back = new byte[PageFile.SLOT_BYTES];
        assertThat(f.read(slot, back, 0)).isTrue();
        assertThat(back[0]).isEqualTo((byte) 7);
        assertThat(back[4095]).isEqualTo((byte) 9);
        byte[] two = new byte[2];
        assertThat(f.peek(slot, 4094, two, 0, 2)).isTrue();
        assertThat(two).containsExactly(0, 9);
        assertThat(f.pagesWritten()).isEqualTo(1);
        assertThat(f.pagesRead()).isEqualTo(2);
        assertThat(f.free(slot)).isTrue();
        assertThat(f.slotsHeld()).isZero();
        assertThat(f.slotsInUse()).isZero();
    }

    @Test
    void aReleasedSlotHandsOverItsBytesAndRetakingThemRestoresItExactly() {
        PageFile f = PageFile.of(2).value();
        int slot = f.alloc();
        byte[] page = new byte[PageFile.SLOT_BYTES];
        page[0] = 5;
        page[4095] = 6;
        assertThat(f.write(slot, page, 0)).isTrue();
        byte[] handed = f.release(slot);
        assertThat(handed).isEqualTo(page);
        assertThat(f.inUse(slot)).isFalse();
        assertThat(f.slotsInUse()).isZero();
        assertThat(f.slotsHeld()).isZero();
        assertThat(f.release(slot)).as("not in use").isNull();
        // the slot may be taken and written meanwhile (an undone fault gives it back first)
        assertThat(f.alloc()).isEqualTo(slot);
        assertThat(f.write(slot, new byte[PageFile.SLOT_BYTES], 0)).isTrue();
        assertThat(f.unwrite(slot)).isTrue();
        assertThat(f.retake(slot, handed)).isTrue();
        byte[] back = new byte[PageFile.SLOT_BYTES];
        assertThat(f.peek(slot, 0, back, 0, back.length)).isTrue();
        assertThat(back).isEqualTo(page);
        int blank = f.alloc();
        assertThat(f.release(blank)).as("never written: zeros").hasSize(PageFile.SLOT_BYTES).containsOnly(0);
        assertThat(f.slotsInUse()).isEqualTo(1);
    }

    @Test
    void badRequestsChangeNothing() {
        PageFile f = PageFile.of(2).value();
        byte[] page = new byte[PageFile.SLOT_BYTES];
        assertThat(f.write(0, page, 0)).isFalse();
        assertThat(f.read(0, page, 0)).isFalse();
        int slot = f.alloc();
        assertThat(f.write(slot, new byte[10], 0)).isFalse();
        assertThat(f.write(slot, page, 1)).isFalse();
        assertThat(f.write(slot, null, 0)).isFalse();
        assertThat(f.peek(slot, 4095, new byte[2], 0, 2)).isFalse();
        assertThat(f.free(-1)).isFalse();
        assertThat(f.free(2)).isFalse();
        assertThat(f.retake(slot, page)).isFalse();
        assertThat(f.retake(1, new byte[1])).isFalse();
        assertThat(f.retake(1, page)).isTrue();
        assertThat(f.pagesWritten()).isZero();
        assertThat(f.slotsInUse()).isEqualTo(2);
        assertThat(f.unwrite(slot)).as("never written").isFalse();
        assertThat(f.unread()).as("nothing read").isFalse();
        assertThat(f.slotsInUse()).isEqualTo(2);
    }

    @Test
    void aPageFileOfNoSlotsOrTooManyIsRefusedWithTheReason() {
        assertThat(PageFile.of(0).error().detail()).isEqualTo("a page file has 1..67108864 slots, got 0");
        assertThat(PageFile.of(-5).isOk()).isFalse();
        assertThat(PageFile.of(PageFile.MAX_SLOTS + 1).isOk()).isFalse();
        assertThat(PageFile.of(PageFile.MAX_SLOTS).value().capacity()).isEqualTo(PageFile.MAX_SLOTS);
    }

    /** An undone page-out and page-in take their counts back, so the file agrees with the pager. */
    @Test
    void anUndonePageOutAndPageInTakeTheirCountsBack() {
        PageFile f = PageFile.of(2).value();
        byte[] page = new byte[PageFile.SLOT_BYTES];
        int slot = f.alloc();
        assertThat(f.write(slot, page, 0)).isTrue();
        assertThat(f.read(slot, page, 0)).isTrue();
        assertThat(f.unwrite(slot)).isTrue();
        assertThat(f.unread()).isTrue();
        assertThat(f.pagesWritten()).isZero();
        assertThat(f.pagesRead()).isZero();
        assertThat(f.slotsInUse()).isZero();
        assertThat(f.slotsHeld()).isZero();
        assertThat(f.unwrite(slot)).as("freed already").isFalse();
    }

    /** An undone page-out leaves no trace in the peak either: it goes back to what it was. */
    @Test
    void anUndonePageOutPutsThePeakBack() {
        PageFile f = PageFile.of(4).value();
        byte[] page = new byte[PageFile.SLOT_BYTES];
        int kept = f.alloc();
        assertThat(f.peakSlotsInUse()).isEqualTo(1);
        int undone = f.alloc();
        assertThat(f.write(undone, page, 0)).isTrue();
        assertThat(f.peakSlotsInUse()).isEqualTo(2);
        assertThat(f.unwrite(undone)).isTrue();
        assertThat(f.peakSlotsInUse()).as("the undone page-out's slot").isEqualTo(1);
        int again = f.alloc();
        assertThat(f.unalloc(again)).isTrue();
        assertThat(f.peakSlotsInUse()).as("a page-out undone before its write").isEqualTo(1);
        assertThat(f.unalloc(again)).as("freed already").isFalse();

        // a genuine free keeps the peak: it was reached
        int second = f.alloc();
        assertThat(f.free(second)).isTrue();
        assertThat(f.free(kept)).isTrue();
        assertThat(f.peakSlotsInUse()).isEqualTo(2);
    }
}
