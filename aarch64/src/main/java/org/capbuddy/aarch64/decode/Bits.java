package org.capbuddy.aarch64.decode;

/** Field extraction and the A64 immediate decodings ({@code DecodeBitMasks}) the decoders share. */
final class Bits {
    private Bits() {
    }

    static int field(int word, int lsb, int width) {
        return (word >>> lsb) & ((1 << width) - 1);
    }

    static boolean bit(int word, int n) {
        return ((word >>> n) & 1) != 0;
    }

    static long signExtend(long value, int bits) {
        int shift = 64 - bits;
        return (value << shift) >> shift;
    }

    static long ones(int n) {
        return n >= 64 ? -1L : (1L << n) - 1;
    }

    /**
     * The Arm pseudocode's {@code DecodeBitMasks(immN, imms, immr, immediate, M)}: returns
     * {wmask, tmask}, or null where the encoding is reserved (a logical immediate of all ones, or
     * no element size).
     */
    static long[] bitMasks(int n, int imms, int immr, boolean immediate, int dataSize) {
        int combined = (n << 6) | (~imms & 0x3F);
        int len = 31 - Integer.numberOfLeadingZeros(combined);
        if (len < 1) {
            return null;
        }
        int esize = 1 << len;
        if (esize > dataSize) {
            return null;
        }
        int levels = esize - 1;
        if (immediate && (imms & levels) == levels) {
            return null;
        }
        int s = imms & levels;
        int r = immr & levels;
        int d = (s - r) & levels;
        long welem = ones(s + 1);
        long telem = ones(d + 1);
        long wmask = replicate(rotateRight(welem, r, esize), esize);
        long tmask = replicate(telem, esize);
        long width = ones(dataSize);
        return new long[] {wmask & width, tmask & width};
    }

    static long rotateRight(long value, int amount, int esize) {
        if (amount == 0) {
            return value;
        }
        return ((value >>> amount) | (value << (esize - amount))) & ones(esize);
    }

    static long replicate(long element, int esize) {
        long result = element & ones(esize);
        for (int size = esize; size < 64; size *= 2) {
            result |= result << size;
        }
        return result;
    }
}
