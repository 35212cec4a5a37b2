package org.capbuddy.sos;

import static org.assertj.core.api.Assertions.assertThat;

import org.capbuddy.sos.frametable.FrameTable;
import org.junit.jupiter.api.Test;

/**
 * {@link FrameTable#undoAlloc}: a frame whose caller failed goes back with the window page tables
 * its allocation made, unless a frame allocated since needs them; a plain free keeps them.
 */
class FrameTableUndoTest {

    @Test
    void undoingTheFirstFrameGivesItsWindowTablesBack() {
        SosFixture fx = new SosFixture(false);
        FrameTable frames = fx.sos.frameTable();
        var before = fx.strictBalance();
        int ref = frames.alloc().value();
        assertThat(frames.windowTableCount()).as("the first frame needs the window's tables").isPositive();
        assertThat(frames.undoAlloc(ref).isOk()).isTrue();
        assertThat(frames.windowTableCount()).isZero();
        assertThat(fx.strictBalance()).isEqualTo(before);
        fx.assertInvariants();
    }

    @Test
    void aPlainFreeKeepsTheWindowTablesForTheNextFrame() {
        SosFixture fx = new SosFixture(false);
        FrameTable frames = fx.sos.frameTable();
        int ref = frames.alloc().value();
        int tables = frames.windowTableCount();
        assertThat(frames.free(ref).isOk()).isTrue();
        assertThat(frames.windowTableCount()).isEqualTo(tables);
        int again = frames.alloc().value();
        assertThat(frames.windowTableCount()).isEqualTo(tables);
        assertThat(frames.undoAlloc(again).isOk()).as("this allocation made no table").isTrue();
        assertThat(frames.windowTableCount()).isEqualTo(tables);
        fx.assertInvariants();
    }

    @Test
    void tablesAFrameAllocatedSinceNeedsAreKept() {
        SosFixture fx = new SosFixture(true);
        FrameTable frames = fx.sos.frameTable();
        int first = frames.alloc().value();
        int tables = frames.windowTableCount();
        int second = frames.alloc().value();
        assertThat(frames.undoAlloc(first).isOk()).isTrue();
        assertThat(frames.windowTableCount()).as("the second frame is mapped under them").isEqualTo(tables);
        assertThat(frames.isLive(second)).isTrue();
        fx.assertInvariants();
        assertThat(frames.free(second).isOk()).isTrue();
        assertThat(frames.undoAlloc(second).isOk()).as("already freed").isFalse();
        fx.assertInvariants();
    }

    @Test
    void undoingAFrameThatStartedANewLeafTableGivesOnlyThatTableBack() {
        SosFixture fx = new SosFixture(true);
        FrameTable frames = fx.sos.frameTable();
        // References 1..511 fill the window's first leaf table (it also covers the unused 0).
        for (int i = 1; i <= 511; i++) {
            assertThat(frames.alloc().value()).isEqualTo(i);
        }
        int tables = frames.windowTableCount();
        var before = fx.strictBalance();
        int ref = frames.alloc().value();
        assertThat(ref).isEqualTo(512);
        assertThat(frames.windowTableCount()).isEqualTo(tables + 1);
        assertThat(frames.undoAlloc(ref).isOk()).isTrue();
        assertThat(frames.windowTableCount()).isEqualTo(tables);
        assertThat(fx.strictBalance()).isEqualTo(before);
        fx.assertInvariants();
    }
}
