package org.capbuddy.sos.frametable;

import static org.assertj.core.api.Assertions.assertThat;

import org.capbuddy.kernel.cpu.UserCpu;
import org.capbuddy.libos.vka.AllocErrorKind;
import org.capbuddy.sos.SosFixture;
import org.junit.jupiter.api.Test;

/** {@link FrameTable#write}: SOS filling one of its frames through its window, and the writes it refuses. */
class FrameTableWriteTest {

    @Test
    void bytesWrittenAppearInTheFrameThroughSosWindowAndTheRestStaysZero() {
        SosFixture fx = new SosFixture(true);
        FrameTable frames = fx.sos.frameTable();
        int ref = frames.alloc().value();
        byte[] src = {9, 1, 2, 3, 4, 9};
        assertThat(frames.write(ref, 4090, src, 1, 4).isOk()).isTrue();
        UserCpu sosCpu = fx.vka.sel4().cpu(fx.booted.tcb()).orElseThrow();
        byte[] page = new byte[4096];
        assertThat(sosCpu.copyIn(FrameTable.windowAddress(ref), page, 0, page.length)).isEqualTo(4096);
        assertThat(page[4089]).isZero();
        assertThat(new byte[] {page[4090], page[4091], page[4092], page[4093]}).containsExactly(1, 2, 3, 4);
        assertThat(page[4094]).isZero();
        assertThat(frames.free(ref).isOk()).isTrue();
    }

    @Test
    void aWriteOutsideThePageOrTheBufferOrToAFrameNotInUseIsRefusedAndWritesNothing() {
        SosFixture fx = new SosFixture(true);
        FrameTable frames = fx.sos.frameTable();
        int ref = frames.alloc().value();
        assertThat(frames.write(ref, 4093, new byte[4], 0, 4).error().kind()).isEqualTo(AllocErrorKind.BAD_ARGUMENT);
        assertThat(frames.write(ref, -1, new byte[4], 0, 1).error().kind()).isEqualTo(AllocErrorKind.BAD_ARGUMENT);
        assertThat(frames.write(ref, 0, new byte[4], 2, 3).error().detail()).contains("outside the page or the buffer");
        assertThat(frames.write(ref, 0, null, 0, 0).isOk()).isFalse();
        assertThat(frames.write(ref + 1, 0, new byte[4], 0, 4).error().kind()).isEqualTo(AllocErrorKind.NOT_ALLOCATED);
        assertThat(frames.free(ref).isOk()).isTrue();
        assertThat(frames.write(ref, 0, new byte[4], 0, 4).error().kind()).isEqualTo(AllocErrorKind.NOT_ALLOCATED);
    }
}
