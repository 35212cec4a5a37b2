package org.capbuddy.aarch64.decode;

import static org.capbuddy.aarch64.decode.Bits.field;

/**
 * Values the SIMD&amp;FP encodings pack into their fields, unpacked in one place for
 * {@link SimdFpDecoder} and {@link SimdFpDisassembler}: the element size and indices of the copy
 * class's imm5 and imm4, the element size and shift amount of immh:immb, and the 8-bit
 * immediates' expansions.
 */
final class SimdFields {
    private SimdFields() {
    }

    /**
     * log2 of a copy's (DUP, INS, SMOV, UMOV) element size in bytes: the position of imm5's
     * (bits 20:16) lowest one. Above 3 is unallocated.
     */
    static int copySize(int w) {
        return Integer.numberOfTrailingZeros(field(w, 16, 5));
    }

    /** A copy's element index: the bits of imm5 above its lowest one. */
    static int copyIndex(int w) {
        return field(w, 16, 5) >>> (copySize(w) + 1);
    }

    /** The source element index of INS (element): imm4 (bits 14:11) above the element size. */
    static int copySourceIndex(int w) {
        return field(w, 11, 4) >>> copySize(w);
    }

    /** log2 of the element size in bytes of a shift by immediate: the position of immh's (bits 22:19) highest one. */
    static int shiftSize(int w) {
        return 31 - Integer.numberOfLeadingZeros(field(w, 19, 4));
    }

    /** A right shift's amount (SSHR, USHR, SHRN): immh:immb counts down from twice the element width. */
    static int rightShift(int w) {
        return 2 * (8 << shiftSize(w)) - field(w, 16, 7);
    }

    /** A left shift's amount (SHL, SSHLL, USHLL): immh:immb counts up from the element width. */
    static int leftShift(int w) {
        return field(w, 16, 7) - (8 << shiftSize(w));
    }

    /** The modified-immediate class's imm8, a:b:c:d:e:f:g:h from bits 18:16 and 9:5. */
    static int immediate8(int w) {
        return (field(w, 16, 3) << 5) | field(w, 5, 5);
    }

    /** MOVI's 64-bit byte mask: each bit of imm8 a whole byte of ones or zeros. */
    static long byteMask(int imm8) {
        long bytes = 0;
        for (int i = 0; i < 8; i++) {
            if ((imm8 & (1 << i)) != 0) {
                bytes |= 0xFFL << (8 * i);
            }
        }
        return bytes;
    }

    /** {@code VFPExpandImm}: the 8-bit floating-point immediate as single (size 4) or double bits. */
    static long expandFloat(int imm8, int size) {
        long sign = (imm8 >>> 7) & 1;
        long b6 = (imm8 >>> 6) & 1;
        long low6 = imm8 & 0x3F;
        if (size == 4) {
            long exponent = ((b6 ^ 1) << 7) | (b6 != 0 ? 0x7C : 0) | ((imm8 >>> 4) & 3);
            return (sign << 31) | (exponent << 23) | ((imm8 & 0xFL) << 19);
        }
        long exponent = ((b6 ^ 1) << 10) | (b6 != 0 ? 0x3FC : 0) | ((imm8 >>> 4) & 3);
        return (sign << 63) | (exponent << 52) | ((low6 & 0xF) << 48);
    }
}
