package org.capbuddy.kernel.invocation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.capbuddy.kernel.api.InvocationLabel;
import org.capbuddy.kernel.api.Message;
import org.junit.jupiter.api.Test;

/** The IPC buffer the stubs fill: what the kernel reads back, and only what the message covers. */
class IpcBufferTest {

    @Test
    void aStubsMessageReadsBackAsWritten() {
        IpcBuffer buffer = new IpcBuffer();

        buffer.begin(InvocationLabel.ARM_PAGE_MAP).add(0x1000).add(3).add(0).addCap(42);

        assertThat(buffer.label()).isEqualTo(InvocationLabel.ARM_PAGE_MAP.number());
        assertThat(buffer.length()).isEqualTo(3);
        assertThat(buffer.word(0)).isEqualTo(0x1000);
        assertThat(buffer.word(1)).isEqualTo(3);
        assertThat(buffer.extraCapCount()).isEqualTo(1);
        assertThat(buffer.extraCap(0)).isEqualTo(42);
    }

    @Test
    void aNewMessageLeavesNothingOfTheLastReadable() {
        IpcBuffer buffer = new IpcBuffer();
        buffer.begin(InvocationLabel.CNODE_COPY).add(1).add(2).add(3).addCap(4);

        buffer.begin(InvocationLabel.ARM_PAGE_UNMAP);

        assertThat(buffer.length()).isZero();
        assertThat(buffer.extraCapCount()).isZero();
        assertThatThrownBy(() -> buffer.word(0)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> buffer.extraCap(0)).isInstanceOf(IndexOutOfBoundsException.class);
    }

    @Test
    void aRawMessageIsCopiedWithItsLabelEvenOneSeL4DoesNotDefine() {
        IpcBuffer buffer = new IpcBuffer();
        buffer.begin(InvocationLabel.CNODE_COPY).add(9).add(9).add(9).add(9).add(9).addCap(1).addCap(2);

        buffer.load(new Message(77, new long[] {5, 6}, new long[] {8}));

        assertThat(buffer.label()).isEqualTo(77);
        assertThat(buffer.length()).isEqualTo(2);
        assertThat(buffer.word(1)).isEqualTo(6);
        assertThat(buffer.extraCapCount()).isEqualTo(1);
        assertThat(buffer.extraCap(0)).isEqualTo(8);
        assertThat(buffer).hasToString(new Message(77, new long[] {5, 6}, new long[] {8}).toString());
    }

    @Test
    void aMessageCannotOutgrowTheBuffer() {
        IpcBuffer buffer = new IpcBuffer().begin(InvocationLabel.TCB_RESUME);
        for (int i = 0; i < Message.MAX_LENGTH; i++) {
            buffer.add(i);
        }
        buffer.addCap(1).addCap(2).addCap(3);

        assertThatThrownBy(() -> buffer.add(0)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> buffer.addCap(4)).isInstanceOf(IllegalStateException.class);
    }
}
