package org.capbuddy.kernel.cap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.capbuddy.kernel.object.Frame;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openjdk.jol.info.ClassLayout;
import org.openjdk.jol.vm.VM;

/**
 * The host bytes of the objects every allocated frame costs, as the README states them (a slot
 * of 32 bytes, as seL4's {@code cte_t}; a frame object of 24, which is also the frame's original
 * cap; any other frame cap 24; an untyped cap of 32). A field added to one of them shows here, not only in a footprint run. Sizes are those of
 * the layout a JVM uses for heaps under 32 GiB (compressed references and class pointers), which
 * the figures assume; under another layout the test is skipped.
 */
class HostBytesTest {
    @BeforeAll
    static void compressedLayout() {
        assumeTrue(VM.current().sizeOfField("java.lang.Object") == 4 && VM.current().classPointerSize() == 4,
                "the figures are for compressed references and class pointers");
    }

    @Test
    void aSlotIsThe32BytesOfACte() {
        assertThat(bytes(Slot.class)).isEqualTo(32);
    }

    @Test
    void aPackedFrameCapAndAFrameObjectAre24BytesEach() {
        assertThat(bytes(Cap.PackedFrameCap.class)).isEqualTo(24);
        assertThat(bytes(Frame.class)).isEqualTo(24);
    }

    @Test
    void aFramesOriginalCapIsTheFrameItself() {
        Frame frame = new Frame(0x1000, 12, false);
        assertThat(Cap.FrameCap.of(frame, org.capbuddy.kernel.api.VmRights.READ_WRITE, 0, 0)).isSameAs(frame);
    }

    @Test
    void anUntypedCapIs32Bytes() {
        assertThat(bytes(Cap.Untyped.class)).isEqualTo(32);
    }

    private static long bytes(Class<?> type) {
        return ClassLayout.parseClass(type).instanceSize();
    }
}
