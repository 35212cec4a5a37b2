package org.capbuddy.aarch64.decode;

import static org.capbuddy.aarch64.decode.Bits.bit;
import static org.capbuddy.aarch64.decode.Bits.field;
import static org.capbuddy.aarch64.decode.Slots.dst;
import static org.capbuddy.aarch64.decode.Slots.src;

/**
 * Decodes the SIMD and floating-point class (op0 = x111) into {@link Op#SIMD} instructions whose
 * {@link Insn#a()} is a {@link SimdOp}: scalar floating point (arithmetic, compare, select,
 * conversions, moves), and the Advanced SIMD groups a static libc uses (copy, three-same,
 * two-register misc, across lanes, modified immediate, shift by immediate, EXT, permutes). A word
 * these classes leave undefined goes to {@link AdvancedSimd}, which has the other forms compiled
 * C uses ({@link SimdOp#ADVANCED}); half precision, crypto and dot products stay undefined.
 */
final class SimdFpDecoder {
    private SimdFpDecoder() {
    }

    static Insn decode(int w) {
        Insn basic = basic(w);
        if (basic.op() != Op.UNDEFINED || AdvancedSimd.of(w) == null) {
            return basic;
        }
        return simd(SimdOp.ADVANCED, w, 0, 0, 0, 0, 0, 0, 0, false);
    }

    /** The classes this decoder has its own operations for; the rest goes to {@link AdvancedSimd}. */
    static Insn basic(int w) {
        return switch (SimdFpClass.of(w)) {
            case FP_SCALAR -> scalarFloat(w);
            case FP_THREE_SOURCE -> fused(w);
            case VECTOR_COPY -> copy(w);
            case VECTOR_THREE_SAME -> threeSame(w);
            case VECTOR_TWO_REGISTER_MISC -> twoRegisterMisc(w);
            case VECTOR_ACROSS_LANES -> acrossLanes(w);
            case VECTOR_MODIFIED_IMMEDIATE -> modifiedImmediate(w);
            case VECTOR_SHIFT_IMMEDIATE -> shiftImmediate(w);
            case VECTOR_EXTRACT -> extract(w);
            case VECTOR_PERMUTE -> permute(w);
            case OTHER -> Insn.undefined(w);
        };
    }

    private static Insn extract(int w) {
        boolean q = bit(w, 30);
        int index = field(w, 11, 4);
        if (!q && index >= 8) {
            return Insn.undefined(w);
        }
        return simd(SimdOp.EXT, w, field(w, 0, 5), field(w, 5, 5), field(w, 16, 5), 0, index, 0, 0, !q);
    }

    private static Insn permute(int w) {
        int opcode = field(w, 12, 3);
        int size = field(w, 22, 2);
        boolean q = bit(w, 30);
        if (opcode == 0 || opcode == 4 || (size == 3 && !q)) {
            return Insn.undefined(w);
        }
        return simd(SimdOp.PERMUTE, w, field(w, 0, 5), field(w, 5, 5), field(w, 16, 5), opcode, 1L << size, 0, 0, !q);
    }

    private static Insn simd(int simdOp, int w, int rd, int rn, int rm, int b, long imm, long imm2, int ra,
            boolean w32) {
        return new Insn(Op.SIMD, rd, rn, rm, ra, imm, imm2, simdOp, b, w32, w);
    }

    /** Operand size in bytes of a scalar FP type field: 4 (single), 8 (double), or -1 (half, reserved). */
    private static int floatSize(int w) {
        return switch (field(w, 22, 2)) {
            case 0 -> 4;
            case 1 -> 8;
            default -> -1;
        };
    }

    private static Insn scalarFloat(int w) {
        ScalarFloatClass kind = ScalarFloatClass.of(w);
        int rd = field(w, 0, 5);
        int rn = field(w, 5, 5);
        int rm = field(w, 16, 5);
        if (kind == ScalarFloatClass.INTEGER_CONVERSION) {
            return conversion(w, rd, rn);
        }
        int size = floatSize(w);
        if (w < 0 || size < 0) {
            return Insn.undefined(w);
        }
        return switch (kind) {
            case CONDITIONAL_COMPARE -> simd(SimdOp.FCCMP, w, 0, rn, rm, bit(w, 4) ? 1 : 0, size, field(w, 12, 4),
                    field(w, 0, 4), false);
            case TWO_SOURCE -> {
                int opcode = field(w, 12, 4);
                yield opcode > 8 ? Insn.undefined(w) : simd(SimdOp.FP2, w, rd, rn, rm, opcode, size, 0, 0, false);
            }
            case CONDITIONAL_SELECT -> simd(SimdOp.FCSEL, w, rd, rn, rm, 0, size, field(w, 12, 4), 0, false);
            case ONE_SOURCE -> oneSource(w, rd, rn, size);
            case COMPARE -> compare(w, rn, rm, size);
            case IMMEDIATE -> field(w, 5, 5) != 0 ? Insn.undefined(w) : simd(SimdOp.FMOV_IMM, w, rd, 0, 0, 0, size,
                    SimdFields.expandFloat(field(w, 13, 8), size), 0, false);
            // INTEGER_CONVERSION is taken above; OTHER includes the fixed-point conversions.
            case INTEGER_CONVERSION, OTHER -> Insn.undefined(w);
        };
    }

    private static Insn oneSource(int w, int rd, int rn, int size) {
        int opcode = field(w, 15, 6);
        boolean valid = opcode <= 3 || opcode == 4 || opcode == 5 || (opcode >= 8 && opcode <= 15 && opcode != 13);
        if (!valid || (opcode == 4 && size == 4) || (opcode == 5 && size == 8)) {
            return Insn.undefined(w);
        }
        return simd(SimdOp.FP1, w, rd, rn, 0, opcode, size, 0, 0, false);
    }

    private static Insn compare(int w, int rn, int rm, int size) {
        if (field(w, 14, 2) != 0 || field(w, 0, 3) != 0) {
            return Insn.undefined(w);
        }
        boolean withZero = bit(w, 3);
        return simd(SimdOp.FCMP, w, 0, rn, withZero ? -1 : rm, bit(w, 4) ? 1 : 0, size, 0, 0, false);
    }

    /** Conversions between general registers and scalar FP: FMOV (general), SCVTF/UCVTF, FCVT[NPMZA][SU]. */
    private static Insn conversion(int w, int rd, int rn) {
        boolean sf = w < 0;
        int type = field(w, 22, 2);
        int rmode = field(w, 19, 2);
        int opcode = field(w, 16, 3);
        if (opcode >= 6) {
            boolean toVector = opcode == 7;
            if (rmode == 0 && ((!sf && type == 0) || (sf && type == 1))) {
                int size = sf ? 8 : 4;
                return toVector ? simd(SimdOp.FMOV_GEN, w, rd, src(rn), 0, 1, size, 0, 0, false)
                        : simd(SimdOp.FMOV_GEN, w, dst(rd), rn, 0, 0, size, 0, 0, false);
            }
            if (rmode == 1 && sf && type == 2) {
                return toVector ? simd(SimdOp.FMOV_GEN, w, rd, src(rn), 0, 3, 8, 0, 0, false)
                        : simd(SimdOp.FMOV_GEN, w, dst(rd), rn, 0, 2, 8, 0, 0, false);
            }
            return Insn.undefined(w);
        }
        int size = floatSize(w);
        if (size < 0) {
            return Insn.undefined(w);
        }
        if (opcode == 2 || opcode == 3) {
            if (rmode != 0) {
                return Insn.undefined(w);
            }
            return simd(SimdOp.CVT_I2F, w, rd, src(rn), 0, opcode == 3 ? 1 : 0, size, 0, 0, !sf);
        }
        int rounding;
        if (opcode <= 1) {
            rounding = rmode; // N, P, M, Z
        } else if (rmode == 0) {
            rounding = 4; // FCVTAS, FCVTAU
        } else {
            return Insn.undefined(w);
        }
        int unsigned = (opcode & 1) << 3;
        return simd(SimdOp.CVT_F2I, w, dst(rd), rn, 0, rounding | unsigned, size, 0, 0, !sf);
    }

    private static Insn fused(int w) {
        int size = floatSize(w);
        if (size < 0) {
            return Insn.undefined(w);
        }
        int kind = (field(w, 21, 1) << 1) | field(w, 15, 1);
        return simd(SimdOp.FP3, w, field(w, 0, 5), field(w, 5, 5), field(w, 16, 5), kind, size, 0, field(w, 10, 5),
                false);
    }

    private static Insn copy(int w) {
        boolean q = bit(w, 30);
        int imm4 = field(w, 11, 4);
        int size = SimdFields.copySize(w);
        if (size > 3) {
            return Insn.undefined(w);
        }
        long bytes = 1L << size;
        int index = SimdFields.copyIndex(w);
        int rd = field(w, 0, 5);
        int rn = field(w, 5, 5);
        if (bit(w, 29)) {
            if (!q) {
                return Insn.undefined(w);
            }
            int from = SimdFields.copySourceIndex(w);
            return simd(SimdOp.INS_ELEM, w, rd, rn, 0, 0, bytes, ((long) index << 8) | from, 0, false);
        }
        return switch (imm4) {
            case 0 -> size == 3 && !q ? Insn.undefined(w) : simd(SimdOp.DUP_ELEM, w, rd, rn, 0, 0, bytes, index, 0, !q);
            case 1 -> size == 3 && !q ? Insn.undefined(w) : simd(SimdOp.DUP_GEN, w, rd, src(rn), 0, 0, bytes, 0, 0, !q);
            case 3 -> !q ? Insn.undefined(w) : simd(SimdOp.INS_GEN, w, rd, src(rn), 0, 0, bytes, index, 0, false);
            case 5 -> (q ? size > 2 : size > 1) ? Insn.undefined(w)
                    : simd(SimdOp.SMOV, w, dst(rd), rn, 0, 0, bytes, index, 0, !q);
            case 7 -> (q != (size == 3)) ? Insn.undefined(w)
                    : simd(SimdOp.UMOV, w, dst(rd), rn, 0, 0, bytes, index, 0, !q);
            default -> Insn.undefined(w);
        };
    }

    private static Insn threeSame(int w) {
        boolean q = bit(w, 30);
        int u = field(w, 29, 1);
        int size = field(w, 22, 2);
        int opcode = field(w, 11, 5);
        int rd = field(w, 0, 5);
        int rn = field(w, 5, 5);
        int rm = field(w, 16, 5);
        if (opcode == 0b00011) {
            return simd(SimdOp.LOGIC3, w, rd, rn, rm, (u << 2) | size, 0, 0, 0, !q);
        }
        boolean pairwiseOrMinMax = opcode == 0b10100 || opcode == 0b10101 || opcode == 0b01100 || opcode == 0b01101;
        boolean valid = switch (opcode) {
            case 0b10000, 0b10001, 0b00110, 0b00111 -> true;
            case 0b10111 -> u == 0;
            case 0b10011 -> u == 0 && size != 3;
            default -> pairwiseOrMinMax && size != 3;
        };
        if (!valid || (size == 3 && !q)) {
            return Insn.undefined(w);
        }
        return simd(SimdOp.INT3, w, rd, rn, rm, opcode | (u << 5), 1L << size, 0, 0, !q);
    }

    private static Insn twoRegisterMisc(int w) {
        boolean q = bit(w, 30);
        int u = field(w, 29, 1);
        int size = field(w, 22, 2);
        int opcode = field(w, 12, 5);
        boolean valid = switch (opcode | (u << 5)) {
            case 0b01000, 0b01001, 0b01010, 0b01011, 32 | 0b01000, 32 | 0b01001, 32 | 0b01011 -> size != 3 || q;
            case 0b00101 -> size == 0; // CNT
            case 32 | 0b00101 -> size == 0; // NOT (RBIT, size 1, works on bytes too: AdvancedSimd's)
            case 0b00000 -> size <= 2; // REV64
            case 32 | 0b00000 -> size <= 1; // REV32
            case 0b00001 -> size == 0; // REV16
            default -> false;
        };
        if (!valid) {
            return Insn.undefined(w);
        }
        return simd(SimdOp.MISC2, w, field(w, 0, 5), field(w, 5, 5), 0, opcode | (u << 5), 1L << size, 0, 0, !q);
    }

    private static Insn acrossLanes(int w) {
        boolean q = bit(w, 30);
        int u = field(w, 29, 1);
        int size = field(w, 22, 2);
        int opcode = field(w, 12, 5);
        boolean valid = (opcode == 0b11011 && u == 0) || opcode == 0b01010 || opcode == 0b11010 || opcode == 0b00011;
        if (!valid || size == 3 || (size == 2 && !q)) {
            return Insn.undefined(w);
        }
        return simd(SimdOp.ACROSS, w, field(w, 0, 5), field(w, 5, 5), 0, opcode | (u << 5), 1L << size, 0, 0, !q);
    }

    private static Insn modifiedImmediate(int w) {
        boolean q = bit(w, 30);
        boolean op = bit(w, 29);
        int cmode = field(w, 12, 4);
        int imm8 = SimdFields.immediate8(w);
        int rd = field(w, 0, 5);
        if (bit(w, 11)) {
            return Insn.undefined(w); // FMOV half precision
        }
        if (cmode == 0b1111) {
            if (op && !q) {
                return Insn.undefined(w);
            }
            long pattern = op ? SimdFields.expandFloat(imm8, 8) : replicate32(SimdFields.expandFloat(imm8, 4));
            return simd(SimdOp.MODIMM, w, rd, 0, 0, 0, pattern, 0, 0, !q);
        }
        long pattern;
        boolean orr = false;
        switch (cmode >>> 1) {
            case 0, 1, 2, 3 -> {
                pattern = replicate32((long) imm8 << (8 * (cmode >>> 1)));
                orr = (cmode & 1) != 0;
            }
            case 4, 5 -> {
                pattern = replicate16((long) imm8 << (8 * ((cmode >>> 1) & 1)));
                orr = (cmode & 1) != 0;
            }
            case 6 -> pattern = replicate32((cmode & 1) == 0 ? ((long) imm8 << 8) | 0xFF : ((long) imm8 << 16) | 0xFFFF);
            default -> {
                if (op) {
                    return simd(SimdOp.MODIMM, w, rd, 0, 0, 0, SimdFields.byteMask(imm8), 0, 0, !q);
                }
                return simd(SimdOp.MODIMM, w, rd, 0, 0, 0, Bits.replicate(imm8, 8), 0, 0, !q);
            }
        }
        if (orr) {
            return simd(SimdOp.MODIMM, w, rd, 0, 0, op ? 2 : 1, pattern, 0, 0, !q);
        }
        return simd(SimdOp.MODIMM, w, rd, 0, 0, 0, op ? ~pattern : pattern, 0, 0, !q);
    }

    private static Insn shiftImmediate(int w) {
        boolean q = bit(w, 30);
        int u = field(w, 29, 1);
        int opcode = field(w, 11, 5);
        int size = SimdFields.shiftSize(w);
        boolean narrowOrWiden = opcode == 0b10100 || opcode == 0b10000;
        if ((size == 3 && !q) || (narrowOrWiden && size == 3)) {
            return Insn.undefined(w);
        }
        long shift;
        switch (opcode | (u << 5)) {
            case 0b00000, 0b100000, 0b10000 -> shift = SimdFields.rightShift(w); // SSHR, USHR, SHRN
            case 0b01010, 0b10100, 0b110100 -> shift = SimdFields.leftShift(w); // SHL, SSHLL, USHLL
            default -> {
                return Insn.undefined(w);
            }
        }
        return simd(SimdOp.SHIFT_IMM, w, field(w, 0, 5), field(w, 5, 5), 0, opcode | (u << 5), 1L << size, shift, 0,
                !q);
    }

    private static long replicate32(long value) {
        return (value & 0xFFFF_FFFFL) | (value << 32);
    }

    private static long replicate16(long value) {
        return Bits.replicate(value & 0xFFFF, 16);
    }
}
