package org.capbuddy.aarch64.decode;

/**
 * The A64 top-level encoding groups: the one place that splits a word by its op0 field, so that
 * {@link Decoder} and {@link Disassembler} cannot disagree about which group a word is in.
 *
 * <pre>
 *  31  29 28  25 24  0
 * +------+------+-----+
 * |      | op0  |     |
 * +------+------+-----+
 *
 *  op0
 *  100x  data processing, immediate
 *  101x  branches, exception generation, system
 *  x1x0  loads and stores
 *  x101  data processing, register
 *  x111  SIMD and floating point
 *  else  reserved, SME, SVE
 * </pre>
 */
enum EncodingGroup {
    DATA_PROCESSING_IMMEDIATE,
    BRANCH_SYSTEM,
    LOAD_STORE,
    DATA_PROCESSING_REGISTER,
    SIMD_FP,
    /** Reserved, or a group the interpreter does not implement (SME, SVE). */
    OTHER;

    static EncodingGroup of(int word) {
        int op0 = (word >>> 25) & 0xF;
        if ((op0 & 0b1110) == 0b1000) {
            return DATA_PROCESSING_IMMEDIATE;
        }
        if ((op0 & 0b1110) == 0b1010) {
            return BRANCH_SYSTEM;
        }
        if ((op0 & 0b0101) == 0b0100) {
            return LOAD_STORE;
        }
        if ((op0 & 0b0111) == 0b0101) {
            return DATA_PROCESSING_REGISTER;
        }
        if ((op0 & 0b0111) == 0b0111) {
            return SIMD_FP;
        }
        return OTHER;
    }
}
