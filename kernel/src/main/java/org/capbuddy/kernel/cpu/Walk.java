package org.capbuddy.kernel.cpu;

/**
 * The outcome of one MMU walk ({@link Mmu#walk}) packed in a long, so that an access that misses
 * the TLB builds no object for its walk. {@link Translation} is the same outcome as a record, for
 * callers that want one.
 *
 * <pre>
 *   translated (the long is >= 0):
 *    63 62     55 54     49 48 47                                            0
 *   +--+---------+---------+--+----------------------------------------------+
 *   | 0|    0    |pageBits | W|  physical address (below 2^48)               |
 *   +--+---------+---------+--+----------------------------------------------+
 *
 *   fault (the long is < 0):
 *    63 62                                                         6 5       0
 *   +--+------------------------------------------------------------+---------+
 *   | 1|                              0                             |   FSC   |
 *   +--+------------------------------------------------------------+---------+
 * </pre>
 *
 * W: user writes are allowed. pageBits: 12, 21 or 30, the size of the page or block that
 * translated the address. FSC: the fault status code of the syndrome ({@link VmFault}): 0b0001LL
 * a translation fault at level LL, 0b0011LL a permission fault at level LL. Physical addresses fit
 * in 48 bits because no memory region may end above {@code PhysicalMemory.MAX_PHYSICAL_END}.
 */
final class Walk {
    private static final long PADDR_MASK = (1L << 48) - 1;
    private static final long WRITABLE = 1L << 48;
    private static final int PAGE_BITS_SHIFT = 49;
    private static final int FIELD_MASK = 0x3F;
    private static final long FAULT = Long.MIN_VALUE;

    private Walk() {
    }

    /** A translation to {@code paddr} (below 2^48) inside a page or block of 2^pageBits bytes. */
    static long translated(long paddr, int pageBits, boolean writable) {
        return (paddr & PADDR_MASK) | ((long) pageBits << PAGE_BITS_SHIFT) | (writable ? WRITABLE : 0);
    }

    /** A fault: a permission fault or a translation fault, at {@code level} (0..3). */
    static long fault(boolean permission, int level) {
        return FAULT | (permission ? VmFault.PERMISSION_FAULT : VmFault.TRANSLATION_FAULT) | (level & 3);
    }

    static boolean isFault(long walk) {
        return walk < 0;
    }

    static long paddr(long walk) {
        return walk & PADDR_MASK;
    }

    static boolean writable(long walk) {
        return (walk & WRITABLE) != 0;
    }

    static int pageBits(long walk) {
        return (int) (walk >>> PAGE_BITS_SHIFT) & FIELD_MASK;
    }

    /** The fault status code of a fault (0b0001LL or 0b0011LL). */
    static int faultStatus(long walk) {
        return (int) walk & FIELD_MASK;
    }
}
