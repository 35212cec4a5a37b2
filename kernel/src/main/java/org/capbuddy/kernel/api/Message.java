package org.capbuddy.kernel.api;

import java.util.Arrays;

/**
 * One invocation as the kernel receives it: the label, the message registers that the message
 * info's length covers, and the cptrs of the extra caps ({@code seL4_MessageInfo_t} plus the IPC
 * buffer). At most {@link #MAX_LENGTH} words and {@link #MAX_EXTRA_CAPS} extra caps fit.
 */
public record Message(long label, long[] words, long[] extraCaps) {
    public static final int MAX_LENGTH = 120;
    public static final int MAX_EXTRA_CAPS = 3;

    public Message {
        words = Arrays.copyOf(words, Math.min(words.length, MAX_LENGTH));
        extraCaps = Arrays.copyOf(extraCaps, Math.min(extraCaps.length, MAX_EXTRA_CAPS));
    }

    public static Message of(InvocationLabel label, long[] words, long... extraCaps) {
        return new Message(label.number(), words, extraCaps);
    }

    public int length() {
        return words.length;
    }

    public long word(int i) {
        return words[i];
    }

    public long extraCap(int i) {
        return extraCaps[i];
    }

    public int extraCapCount() {
        return extraCaps.length;
    }

    @Override
    public long[] words() {
        return words.clone();
    }

    @Override
    public long[] extraCaps() {
        return extraCaps.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Message m && m.label == label && Arrays.equals(m.words, words)
                && Arrays.equals(m.extraCaps, extraCaps);
    }

    @Override
    public int hashCode() {
        return Long.hashCode(label) * 31 + Arrays.hashCode(words) * 17 + Arrays.hashCode(extraCaps);
    }

    @Override
    public String toString() {
        return "Message[" + InvocationLabel.of(label) + " " + Arrays.toString(words) + " caps "
                + Arrays.toString(extraCaps) + "]";
    }
}
