package org.capbuddy.kernel.invocation;

import static org.assertj.core.api.Assertions.assertThat;

import org.capbuddy.kernel.api.InvocationResult;
import org.junit.jupiter.api.Test;

/** Page_GetAddress's reply cache: always the right address, and nothing built when asked again. */
class AddressRepliesTest {

    @Test
    void askingAgainGivesTheSameReplyAndACollisionGivesTheRightOne() {
        AddressReplies replies = new AddressReplies();
        InvocationResult a = replies.of(0x4000_1000L);
        assertThat(a.isOk()).isTrue();
        assertThat(a.mr(0)).isEqualTo(0x4000_1000L);
        assertThat(replies.of(0x4000_1000L)).isSameAs(a);
        // Every address that lands in a's entry evicts it, and is answered with its own address.
        for (long i = 1; i <= 4 * AddressReplies.ENTRIES; i++) {
            long paddr = 0x4000_1000L + (i << 12);
            assertThat(replies.of(paddr).mr(0)).isEqualTo(paddr);
        }
        assertThat(replies.of(0x4000_1000L).mr(0)).isEqualTo(0x4000_1000L);
    }

    @Test
    void largeAndHugeFramesDoNotAllShareOneEntry() {
        AddressReplies replies = new AddressReplies();
        InvocationResult[] large = new InvocationResult[16];
        for (int i = 0; i < large.length; i++) {
            large[i] = replies.of((long) i << 21);
        }
        for (int i = 0; i < large.length; i++) {
            assertThat(replies.of((long) i << 21)).isSameAs(large[i]);
        }
    }
}
