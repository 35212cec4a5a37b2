package org.capbuddy.libos.allocman.cspace;

/**
 * One L2 CNode of a {@link TwoLevelCSpace} (allocman's per-L1-entry {@code single_level}): its
 * free-slot bitmap over [0, 2^l2Bits), the utspace cookie of its memory and where its record was
 * charged in the mspace.
 */
final class L2Node {
    /** Bytes beside the bitmap charged per L2: the cookie and the record's address. */
    private static final long HEADER_BYTES = 16;

    final SlotBitmap slots;
    final long cookie;
    final long recordAddress;

    L2Node(int l2Bits, long cookie, long recordAddress) {
        this.slots = SlotBitmap.freeRange(0, 1L << l2Bits);
        this.cookie = cookie;
        this.recordAddress = recordAddress;
    }

    /** Bookkeeping bytes of one L2 record. */
    static long recordBytes(int l2Bits) {
        return SlotBitmap.bytesFor(0, 1L << l2Bits) + HEADER_BYTES;
    }

    long inUse() {
        return slots.capacity() - slots.freeCount();
    }
}
