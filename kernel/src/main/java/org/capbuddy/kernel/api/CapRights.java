package org.capbuddy.kernel.api;

/**
 * Capability rights ({@code seL4_CapRights_t}): bit 0 Write, bit 1 Read, bit 2 Grant, bit 3
 * GrantReply. Copy and Mint AND the source's rights with the requested ones.
 */
public record CapRights(int word) {

    public static final CapRights ALL = new CapRights(0xF);
    public static final CapRights NONE = new CapRights(0);
    public static final CapRights READ_WRITE = new CapRights(0x3);
    public static final CapRights READ_ONLY = new CapRights(0x2);
    public static final CapRights WRITE_ONLY = new CapRights(0x1);

    /** One instance for each of the 16 rights words, so that decoding rights allocates nothing. */
    private static final CapRights[] BY_WORD = new CapRights[16];

    static {
        for (int w = 0; w < BY_WORD.length; w++) {
            BY_WORD[w] = new CapRights(w);
        }
    }

    public CapRights {
        word &= 0xF;
    }

    /** The rights in the low four bits of a message word (the other bits are ignored, as seL4 does). */
    public static CapRights fromWord(long word) {
        return BY_WORD[(int) word & 0xF];
    }

    /** The libsel4 constructor order: {@code seL4_CapRights_new(grantReply, grant, read, write)}. */
    public static CapRights of(boolean grantReply, boolean grant, boolean read, boolean write) {
        return new CapRights((grantReply ? 8 : 0) | (grant ? 4 : 0) | (read ? 2 : 0) | (write ? 1 : 0));
    }

    public boolean canWrite() {
        return (word & 1) != 0;
    }

    public boolean canRead() {
        return (word & 2) != 0;
    }

    public boolean canGrant() {
        return (word & 4) != 0;
    }

    public boolean canGrantReply() {
        return (word & 8) != 0;
    }

    public CapRights and(CapRights other) {
        return fromWord(word & other.word);
    }

    @Override
    public String toString() {
        return (canRead() ? "R" : "-") + (canWrite() ? "W" : "-") + (canGrant() ? "G" : "-")
                + (canGrantReply() ? "g" : "-");
    }
}
