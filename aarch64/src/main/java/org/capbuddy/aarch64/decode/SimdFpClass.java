package org.capbuddy.aarch64.decode;

/**
 * The classes of {@link EncodingGroup#SIMD_FP} the interpreter implements, shared by
 * {@link SimdFpDecoder} and {@link SimdFpDisassembler}. Each is one row of the Arm ARM's table,
 * matched by a mask over bits 31:10 (x: not tested here; the scalar rows' bit 31 is sf, the
 * vector rows' bits 30:29 are Q and U or op):
 *
 * <pre>
 *  bits                    31:29 28:24 23:22 21 20:16 15:12 11:10
 *  FP_SCALAR                x00  11110   xx   x xxxxx  xxxx   xx   (split by ScalarFloatClass)
 *  FP_THREE_SOURCE          000  11111   xx   x xxxxx  xxxx   xx
 *  VECTOR_COPY              0xx  01110   00   0 xxxxx  0xxx   x1
 *  VECTOR_THREE_SAME        0xx  01110   xx   1 xxxxx  xxxx   x1
 *  VECTOR_TWO_REGISTER_MISC 0xx  01110   xx   1 0000x  xxxx   10
 *  VECTOR_ACROSS_LANES      0xx  01110   xx   1 1000x  xxxx   10
 *  VECTOR_MODIFIED_IMM      0xx  01111   00   0 00xxx  xxxx   x1   (immh = 0000)
 *  VECTOR_SHIFT_IMMEDIATE   0xx  01111   0x   x xxxxx  xxxx   x1   (immh = anything else)
 *  VECTOR_EXTRACT           0x1  01110   00   0 xxxxx  0xxx   x0
 *  VECTOR_PERMUTE           0x0  01110   xx   0 xxxxx  0xxx   10
 * </pre>
 */
enum SimdFpClass {
    FP_SCALAR,
    FP_THREE_SOURCE,
    VECTOR_COPY,
    VECTOR_THREE_SAME,
    VECTOR_TWO_REGISTER_MISC,
    VECTOR_ACROSS_LANES,
    VECTOR_MODIFIED_IMMEDIATE,
    VECTOR_SHIFT_IMMEDIATE,
    VECTOR_EXTRACT,
    VECTOR_PERMUTE,
    /** Unallocated, or not implemented: half precision, fixed point, crypto, most scalar SIMD, ... */
    OTHER;

    static SimdFpClass of(int word) {
        if ((word & 0x7F00_0000) == 0x1E00_0000) {
            return FP_SCALAR;
        }
        if ((word & 0xFF00_0000) == 0x1F00_0000) {
            return FP_THREE_SOURCE;
        }
        if ((word & 0x9FE0_8400) == 0x0E00_0400) {
            return VECTOR_COPY;
        }
        if ((word & 0x9F20_0400) == 0x0E20_0400) {
            return VECTOR_THREE_SAME;
        }
        if ((word & 0x9F3E_0C00) == 0x0E20_0800) {
            return VECTOR_TWO_REGISTER_MISC;
        }
        if ((word & 0x9F3E_0C00) == 0x0E30_0800) {
            return VECTOR_ACROSS_LANES;
        }
        // Modified immediate is shift by immediate's immh = 0000 corner, so it is tested first.
        if ((word & 0x9FF8_0400) == 0x0F00_0400) {
            return VECTOR_MODIFIED_IMMEDIATE;
        }
        if ((word & 0x9F80_0400) == 0x0F00_0400) {
            return VECTOR_SHIFT_IMMEDIATE;
        }
        if ((word & 0xBFE0_8400) == 0x2E00_0000) {
            return VECTOR_EXTRACT;
        }
        if ((word & 0xBF20_8C00) == 0x0E00_0800) {
            return VECTOR_PERMUTE;
        }
        return OTHER;
    }
}
