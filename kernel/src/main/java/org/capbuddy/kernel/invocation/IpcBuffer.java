package org.capbuddy.kernel.invocation;

import java.util.Arrays;
import java.util.Objects;
import org.capbuddy.kernel.api.InvocationLabel;
import org.capbuddy.kernel.api.Message;

/**
 * A thread's IPC buffer together with the message info of its {@code seL4_Call}: the label, the
 * message registers the length covers and the cptrs of the extra caps. The invocation stubs fill
 * their thread's one buffer anew for every call, as libsel4 writes the IPC buffer, so a call
 * builds no message object; a raw {@link Message} is copied in the same way.
 *
 * <p>The kernel reads the buffer only during the call that filled it. Invocations do not nest (no
 * decoder calls back into user code), so one buffer per thread is enough.
 */
public final class IpcBuffer {
    private final long[] words = new long[Message.MAX_LENGTH];
    private final long[] extraCaps = new long[Message.MAX_EXTRA_CAPS];
    private long label;
    private int length;
    private int extraCapCount;

    /** Starts a new message with this label: no words, no extra caps. */
    public IpcBuffer begin(InvocationLabel invocation) {
        return begin(invocation.number());
    }

    /** Appends a message register. */
    public IpcBuffer add(long word) {
        if (length == words.length) {
            throw new IllegalStateException("a message holds at most " + words.length + " words");
        }
        words[length++] = word;
        return this;
    }

    /** Appends the cptr of an extra cap. */
    public IpcBuffer addCap(long cptr) {
        if (extraCapCount == extraCaps.length) {
            throw new IllegalStateException("a message carries at most " + extraCaps.length + " extra caps");
        }
        extraCaps[extraCapCount++] = cptr;
        return this;
    }

    /** Replaces the contents with a raw message (already cut to what a message can hold). */
    public IpcBuffer load(Message message) {
        begin(message.label());
        for (int i = 0; i < message.length(); i++) {
            words[i] = message.word(i);
        }
        length = message.length();
        for (int i = 0; i < message.extraCapCount(); i++) {
            extraCaps[i] = message.extraCap(i);
        }
        extraCapCount = message.extraCapCount();
        return this;
    }

    long label() {
        return label;
    }

    int length() {
        return length;
    }

    /** Message register {@code i}; only the registers the length covers can be read. */
    long word(int i) {
        return words[Objects.checkIndex(i, length)];
    }

    int extraCapCount() {
        return extraCapCount;
    }

    long extraCap(int i) {
        return extraCaps[Objects.checkIndex(i, extraCapCount)];
    }

    private IpcBuffer begin(long number) {
        label = number;
        length = 0;
        extraCapCount = 0;
        return this;
    }

    @Override
    public String toString() {
        return new Message(label, Arrays.copyOf(words, length), Arrays.copyOf(extraCaps, extraCapCount)).toString();
    }
}
