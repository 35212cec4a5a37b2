package org.capbuddy.libos.allocman.cspace;

/**
 * The free-slot bitmap of allocman's {@code single_level} cspace, also used for each L2 CNode and
 * for the L1 index sets of {@code two_level}: one bit per slot of a half-open range
 * [first, end), 1 = free.
 *
 * <p>Layout: bit {@code b} of {@code words[w]} (LSB first) stands for slot
 * {@code base + 64*w + b}, where {@code base = first & ~63}. So each word covers 64 naturally
 * aligned slots, and slot alignment within a word is bit alignment. Bits for slots below
 * {@code first} or at/after {@code end} are 0 forever (never free): scans need no range checks,
 * and the trailing partial word is searched like any other (the original computed
 * {@code floor(n/64)} words and never looked at it).
 *
 * <p>Runs of 2^n slots are aligned to 2^n in absolute slot numbers (CapBuddy needs the cptr
 * aligned), not relative to {@code first}.
 */
final class SlotBitmap {
    /** The largest range one bitmap covers: 2^30 slots (2^24 words, 128 MiB of bookkeeping). */
    static final long MAX_SLOTS = 1L << 30;
    /** The largest run: 2^30 slots (a {@code CSpacePath} window is an int). */
    static final int MAX_RUN_BITS = 30;

    /**
     * For runs of 2^n slots with n &lt; 6: bit i set iff i is a multiple of 2^n, i.e. the bit
     * positions where an aligned run can start inside one word.
     */
    private static final long[] RUN_STARTS = {
        -1L, 0x5555_5555_5555_5555L, 0x1111_1111_1111_1111L, 0x0101_0101_0101_0101L,
        0x0001_0001_0001_0001L, 0x0000_0001_0000_0001L,
    };

    private final long base;
    private final long first;
    private final long end;
    private final long[] words;
    private long freeCount;
    /** Word where the last {@link #findFree} search succeeded: the next one starts here. */
    private int cursor;

    private SlotBitmap(long first, long end, boolean free) {
        if (first < 0 || end <= first || end - first > MAX_SLOTS) {
            throw new IllegalArgumentException("bad slot range [" + first + ", " + end + ")");
        }
        this.base = first & ~63L;
        this.first = first;
        this.end = end;
        this.words = new long[wordCount(first, end)];
        if (free) {
            markFree(first, end - first);
        }
    }

    /** A bitmap over [first, end) with every slot free. */
    static SlotBitmap freeRange(long first, long end) {
        return new SlotBitmap(first, end, true);
    }

    /** A bitmap over [first, end) with no slot free. */
    static SlotBitmap usedRange(long first, long end) {
        return new SlotBitmap(first, end, false);
    }

    /** Words needed for [first, end), counting the partial words at both ends. */
    static int wordCount(long first, long end) {
        return (int) (((end - 1) >>> 6) - (first >>> 6) + 1);
    }

    /** Bookkeeping bytes of a bitmap over [first, end). */
    static long bytesFor(long first, long end) {
        return 8L * wordCount(first, end);
    }

    long first() {
        return first;
    }

    long end() {
        return end;
    }

    long capacity() {
        return end - first;
    }

    long freeCount() {
        return freeCount;
    }

    boolean contains(long slot) {
        return slot >= first && slot < end;
    }

    /** True when [slot, slot + len) lies inside the range (len &ge; 1; no overflow). */
    boolean containsRun(long slot, long len) {
        return contains(slot) && len >= 1 && len <= end - slot;
    }

    boolean isFree(long slot) {
        return (words[wordOf(slot)] >>> (slot & 63) & 1) != 0;
    }

    /** True when every slot of the run (inside the range) is free. */
    boolean allFree(long slot, long len) {
        for (long s = slot, stop = slot + len; s < stop; ) {
            int n = (int) Math.min(64 - (s & 63), stop - s);
            long m = mask(s, n);
            if ((words[wordOf(s)] & m) != m) {
                return false;
            }
            s += n;
        }
        return true;
    }

    /** True when no slot of the run (inside the range) is free. */
    boolean allUsed(long slot, long len) {
        for (long s = slot, stop = slot + len; s < stop; ) {
            int n = (int) Math.min(64 - (s & 63), stop - s);
            if ((words[wordOf(s)] & mask(s, n)) != 0) {
                return false;
            }
            s += n;
        }
        return true;
    }

    /** Marks the run (inside the range) used; slots already used stay used. */
    void markUsed(long slot, long len) {
        for (long s = slot, stop = slot + len; s < stop; ) {
            int n = (int) Math.min(64 - (s & 63), stop - s);
            int w = wordOf(s);
            long m = mask(s, n);
            freeCount -= Long.bitCount(words[w] & m);
            words[w] &= ~m;
            s += n;
        }
    }

    /** Marks the run (inside the range) free; slots already free stay free. */
    void markFree(long slot, long len) {
        for (long s = slot, stop = slot + len; s < stop; ) {
            int n = (int) Math.min(64 - (s & 63), stop - s);
            int w = wordOf(s);
            long m = mask(s, n);
            freeCount += Long.bitCount(~words[w] & m);
            words[w] |= m;
            s += n;
        }
    }

    /**
     * The lowest free slot of the first non-empty word at or after the cursor, wrapping round;
     * -1 when none is free. O(words). Moves the cursor there, so repeated allocations do not
     * rescan the full words below it (upstream's {@code last_entry}).
     */
    long findFree() {
        int count = words.length;
        for (int i = 0, w = cursor; i < count; i++, w = (w + 1 == count) ? 0 : w + 1) {
            if (words[w] != 0) {
                cursor = w;
                return slotOf(w, Long.numberOfTrailingZeros(words[w]));
            }
        }
        return -1;
    }

    /** The lowest free slot at or after {@code from}, or -1 (no wrap). */
    long nextFree(long from) {
        long s = Math.max(from, first);
        if (s >= end) {
            return -1;
        }
        int w = wordOf(s);
        long bits = words[w] & (-1L << (s & 63));
        while (bits == 0) {
            if (++w == words.length) {
                return -1;
            }
            bits = words[w];
        }
        return slotOf(w, Long.numberOfTrailingZeros(bits));
    }

    /**
     * The lowest slot starting 2^numBits free slots aligned to 2^numBits, or -1. Does not mark
     * them. O(words): below 64 slots one word is tested with shifts and a mask; from 64 slots
     * on, whole words at aligned word indices, each word looked at once at most.
     */
    long findAlignedRun(int numBits) {
        if (numBits < 6) {
            for (int w = 0; w < words.length; w++) {
                long starts = runStarts(words[w], numBits);
                if (starts != 0) {
                    return slotOf(w, Long.numberOfTrailingZeros(starts));
                }
            }
            return -1;
        }
        int runWords = 1 << (numBits - 6);
        // Word w covers slots from base + 64w; it starts an aligned run iff (base/64 + w) % runWords == 0.
        int firstCandidate = (int) ((runWords - ((base >>> 6) % runWords)) % runWords);
        for (long w = firstCandidate; w + runWords <= words.length; w += runWords) {
            if (wholeWordsFree((int) w, runWords)) {
                return slotOf((int) w, 0);
            }
        }
        return -1;
    }

    /**
     * Bit i of the result is set iff bits i .. i+2^numBits-1 of {@code word} are all set and i is
     * a multiple of 2^numBits. After the shifts by 1, 2, 4 ... bit i is the AND of the 2^numBits
     * bits from i; zeros shifted in from the top exclude runs crossing the word's end, which an
     * aligned run of at most 32 never does.
     */
    private static long runStarts(long word, int numBits) {
        long x = word;
        for (int shift = 1; shift < (1 << numBits); shift <<= 1) {
            x &= x >>> shift;
        }
        return x & RUN_STARTS[numBits];
    }

    private boolean wholeWordsFree(int w, int count) {
        for (int i = 0; i < count; i++) {
            if (words[w + i] != -1L) {
                return false;
            }
        }
        return true;
    }

    private int wordOf(long slot) {
        return (int) ((slot - base) >>> 6);
    }

    private long slotOf(int word, int bit) {
        return base + 64L * word + bit;
    }

    /** The mask of {@code n} bits (1..64) from slot {@code s}'s bit position within its word. */
    private static long mask(long s, int n) {
        long bits = n == 64 ? -1L : (1L << n) - 1;
        return bits << (s & 63);
    }
}
