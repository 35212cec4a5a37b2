package org.capbuddy.aarch64.decode;

import static org.capbuddy.aarch64.decode.Bits.bit;
import static org.capbuddy.aarch64.decode.Bits.field;
import static org.capbuddy.aarch64.decode.Slots.dst;
import static org.capbuddy.aarch64.decode.Slots.src;

/**
 * Decodes the integer data-processing classes: immediate (op0 = 100x: PC-relative addressing,
 * add/subtract, logical, move wide, bitfield, extract) and register (op0 = x101: logical and
 * add/subtract shifted or extended, with carry, conditional compare and select, one, two and three
 * sources). Each unallocated or unimplemented encoding is a named early return of
 * {@link Insn#undefined}.
 */
final class DataProcessingDecoder {
    private DataProcessingDecoder() {
    }

    static Insn immediate(long pc, int w) {
        boolean sf = w < 0;
        int rd = field(w, 0, 5);
        int rn = field(w, 5, 5);
        return switch (DataProcessingImmediateClass.of(w)) {
            case PC_RELATIVE -> {
                long imm = (Bits.signExtend(field(w, 5, 19), 19) << 2) | field(w, 29, 2);
                long value = sf ? (pc & ~0xFFFL) + (imm << 12) : pc + imm;
                yield insn(Op.MOV_CONST, dst(rd), 0, 0, value, 0, 0, 0, false, w);
            }
            case ADD_SUBTRACT -> addSubImmediate(w, sf, rd, rn);
            case LOGICAL -> logicalImmediate(w, sf, rd, rn);
            case MOVE_WIDE -> moveWide(w, sf, rd);
            case BITFIELD -> bitfield(w, sf, rd, rn);
            case EXTRACT -> extract(w, sf, rd, rn);
            case OTHER -> Insn.undefined(w);
        };
    }

    private static Insn addSubImmediate(int w, boolean sf, int rd, int rn) {
        boolean sub = bit(w, 30);
        boolean setFlags = bit(w, 29);
        long imm = (long) field(w, 10, 12) << (bit(w, 22) ? 12 : 0);
        if (!setFlags) {
            return insn(Op.ADD_IMM, rd, rn, 0, sub ? -imm : imm, 0, 0, 0, !sf, w);
        }
        return insn(sub ? Op.SUBS_IMM : Op.ADDS_IMM, dst(rd), rn, 0, imm, 0, 0, 0, !sf, w);
    }

    private static Insn logicalImmediate(int w, boolean sf, int rd, int rn) {
        int n = field(w, 22, 1);
        if (!sf && n == 1) {
            return Insn.undefined(w);
        }
        long[] masks = Bits.bitMasks(n, field(w, 10, 6), field(w, 16, 6), true, sf ? 64 : 32);
        if (masks == null) {
            return Insn.undefined(w);
        }
        int opc = field(w, 29, 2);
        int op = switch (opc) {
            case 0 -> Op.AND_IMM;
            case 1 -> Op.ORR_IMM;
            case 2 -> Op.EOR_IMM;
            default -> Op.ANDS_IMM;
        };
        int target = opc == 3 ? dst(rd) : rd;
        return insn(op, target, src(rn), 0, masks[0], 0, 0, 0, !sf, w);
    }

    private static Insn moveWide(int w, boolean sf, int rd) {
        int opc = field(w, 29, 2);
        int hw = field(w, 21, 2);
        if (opc == 1 || (!sf && hw >= 2)) {
            return Insn.undefined(w);
        }
        long imm = (long) field(w, 5, 16) << (16 * hw);
        long width = sf ? -1L : 0xFFFF_FFFFL;
        return switch (opc) {
            case 0 -> insn(Op.MOV_CONST, dst(rd), 0, 0, ~imm & width, 0, 0, 0, false, w);
            case 2 -> insn(Op.MOV_CONST, dst(rd), 0, 0, imm, 0, 0, 0, false, w);
            default -> insn(Op.MOVK, dst(rd), src(rd), 0, imm, 0xFFFFL << (16 * hw), 0, 0, !sf, w);
        };
    }

    private static Insn bitfield(int w, boolean sf, int rd, int rn) {
        int opc = field(w, 29, 2);
        int n = field(w, 22, 1);
        int immr = field(w, 16, 6);
        int imms = field(w, 10, 6);
        if (opc == 3 || n != (sf ? 1 : 0) || (!sf && (immr >= 32 || imms >= 32))) {
            return Insn.undefined(w);
        }
        long[] masks = Bits.bitMasks(n, imms, immr, false, sf ? 64 : 32);
        if (masks == null) {
            return Insn.undefined(w);
        }
        int op = switch (opc) {
            case 0 -> Op.SBFM;
            case 1 -> Op.BFM;
            default -> Op.UBFM;
        };
        // BFM keeps the destination's other bits: it reads rd as a source too (rm).
        return insn(op, dst(rd), src(rn), src(rd), masks[0], masks[1], immr, imms, !sf, w);
    }

    private static Insn extract(int w, boolean sf, int rd, int rn) {
        int imms = field(w, 10, 6);
        if (field(w, 29, 2) != 0 || bit(w, 21) || bit(w, 22) != sf || (!sf && imms >= 32)) {
            return Insn.undefined(w);
        }
        return insn(Op.EXTR, dst(rd), src(rn), src(field(w, 16, 5)), 0, 0, imms, 0, !sf, w);
    }

    // ---- register forms

    static Insn register(int w) {
        boolean sf = w < 0;
        int rd = field(w, 0, 5);
        int rn = field(w, 5, 5);
        int rm = field(w, 16, 5);
        return switch (DataProcessingRegisterClass.of(w)) {
            case LOGICAL_SHIFTED -> logicalShifted(w, sf, rd, rn, rm);
            case ADD_SUBTRACT_SHIFTED -> addSubShifted(w, sf, rd, rn, rm);
            case ADD_SUBTRACT_EXTENDED -> addSubExtended(w, sf, rd, rn, rm);
            case WITH_CARRY -> withCarry(w, sf, rd, rn, rm);
            case CONDITIONAL_COMPARE -> conditionalCompare(w, sf, rn, rm);
            case CONDITIONAL_SELECT -> conditionalSelect(w, sf, rd, rn, rm);
            case TWO_SOURCE -> twoSource(w, sf, rd, rn, rm);
            case ONE_SOURCE -> oneSource(w, sf, rd, rn);
            case THREE_SOURCE -> threeSource(w, sf, rd, rn, rm);
            case OTHER -> Insn.undefined(w);
        };
    }

    private static Insn logicalShifted(int w, boolean sf, int rd, int rn, int rm) {
        int amount = field(w, 10, 6);
        if (!sf && amount >= 32) {
            return Insn.undefined(w);
        }
        int shift = field(w, 22, 2);
        boolean invert = bit(w, 21);
        int opc = field(w, 29, 2);
        if (opc == 1 && !invert && shift == 0 && amount == 0 && rn == 31) {
            return insn(Op.MOV_REG, dst(rd), 0, src(rm), 0, 0, 0, 0, !sf, w);
        }
        int op = switch (opc) {
            case 0 -> Op.AND_SREG;
            case 1 -> Op.ORR_SREG;
            case 2 -> Op.EOR_SREG;
            default -> Op.ANDS_SREG;
        };
        return insn(op, dst(rd), src(rn), src(rm), invert ? 1 : 0, 0, shift, amount, !sf, w);
    }

    private static Insn addSubShifted(int w, boolean sf, int rd, int rn, int rm) {
        int shift = field(w, 22, 2);
        int amount = field(w, 10, 6);
        if (shift == 3 || (!sf && amount >= 32)) {
            return Insn.undefined(w);
        }
        boolean sub = bit(w, 30);
        boolean setFlags = bit(w, 29);
        int op;
        if (setFlags) {
            op = sub ? Op.SUBS_SREG : Op.ADDS_SREG;
        } else if (shift == 0 && amount == 0) {
            op = sub ? Op.SUB_REG : Op.ADD_REG;
        } else {
            op = sub ? Op.SUB_SREG : Op.ADD_SREG;
        }
        return insn(op, dst(rd), src(rn), src(rm), 0, 0, shift, amount, !sf, w);
    }

    private static Insn addSubExtended(int w, boolean sf, int rd, int rn, int rm) {
        int amount = field(w, 10, 3);
        if (field(w, 22, 2) != 0 || amount > 4) {
            return Insn.undefined(w);
        }
        boolean sub = bit(w, 30);
        boolean setFlags = bit(w, 29);
        int op = setFlags ? (sub ? Op.SUBS_EREG : Op.ADDS_EREG) : (sub ? Op.SUB_EREG : Op.ADD_EREG);
        int target = setFlags ? dst(rd) : rd;
        return insn(op, target, rn, src(rm), 0, 0, field(w, 13, 3), amount, !sf, w);
    }

    private static Insn withCarry(int w, boolean sf, int rd, int rn, int rm) {
        if (field(w, 10, 6) != 0) {
            return Insn.undefined(w);
        }
        boolean sub = bit(w, 30);
        boolean setFlags = bit(w, 29);
        int op = setFlags ? (sub ? Op.SBCS : Op.ADCS) : (sub ? Op.SBC : Op.ADC);
        return insn(op, dst(rd), src(rn), src(rm), 0, 0, 0, 0, !sf, w);
    }

    private static Insn conditionalCompare(int w, boolean sf, int rn, int rm) {
        if (!bit(w, 29) || bit(w, 10) || bit(w, 4)) {
            return Insn.undefined(w);
        }
        boolean immediate = bit(w, 11);
        long negate = bit(w, 30) ? 0 : 1;
        int cond = field(w, 12, 4);
        int nzcv = field(w, 0, 4);
        if (immediate) {
            return insn(Op.CCMP, 0, src(rn), -1, rm, negate, cond, nzcv, !sf, w);
        }
        return insn(Op.CCMP, 0, src(rn), src(rm), 0, negate, cond, nzcv, !sf, w);
    }

    private static Insn conditionalSelect(int w, boolean sf, int rd, int rn, int rm) {
        int op2 = field(w, 10, 2);
        if (bit(w, 29) || op2 > 1) {
            return Insn.undefined(w);
        }
        int op = bit(w, 30) ? (op2 == 0 ? Op.CSINV : Op.CSNEG) : (op2 == 0 ? Op.CSEL : Op.CSINC);
        return insn(op, dst(rd), src(rn), src(rm), 0, 0, field(w, 12, 4), 0, !sf, w);
    }

    private static Insn oneSource(int w, boolean sf, int rd, int rn) {
        int opcode = field(w, 10, 6);
        if (bit(w, 29) || field(w, 16, 5) != 0 || opcode > 5 || (!sf && opcode == 3)) {
            return Insn.undefined(w);
        }
        // Normalised: 0 RBIT, 1 REV16, 2 REV32 (64-bit only), 3 REV (bytes of the whole register), 4 CLZ, 5 CLS.
        int which = !sf && opcode == 2 ? 3 : opcode;
        return insn(Op.DP1, dst(rd), src(rn), 0, 0, 0, which, 0, !sf, w);
    }

    private static Insn twoSource(int w, boolean sf, int rd, int rn, int rm) {
        if (bit(w, 29)) {
            return Insn.undefined(w);
        }
        int opcode = field(w, 10, 6);
        return switch (opcode) {
            case 2 -> insn(Op.UDIV, dst(rd), src(rn), src(rm), 0, 0, 0, 0, !sf, w);
            case 3 -> insn(Op.SDIV, dst(rd), src(rn), src(rm), 0, 0, 0, 0, !sf, w);
            case 8, 9, 10, 11 -> insn(Op.SHIFTV, dst(rd), src(rn), src(rm), 0, 0, opcode - 8, 0, !sf, w);
            default -> Insn.undefined(w);
        };
    }

    private static Insn threeSource(int w, boolean sf, int rd, int rn, int rm) {
        if (field(w, 29, 2) != 0) {
            return Insn.undefined(w);
        }
        int op31 = field(w, 21, 3);
        boolean o0 = bit(w, 15);
        int ra = src(field(w, 10, 5));
        if (op31 == 0) {
            return insn(o0 ? Op.MSUB : Op.MADD, dst(rd), src(rn), src(rm), 0, 0, 0, 0, !sf, w).withRa(ra);
        }
        if (!sf) {
            return Insn.undefined(w);
        }
        return switch (op31) {
            case 1 -> insn(Op.MADDL, dst(rd), src(rn), src(rm), o0 ? 1 : 0, 0, 1, 0, false, w).withRa(ra);
            case 5 -> insn(Op.MADDL, dst(rd), src(rn), src(rm), o0 ? 1 : 0, 0, 0, 0, false, w).withRa(ra);
            case 2 -> o0 ? Insn.undefined(w) : insn(Op.SMULH, dst(rd), src(rn), src(rm), 0, 0, 0, 0, false, w);
            case 6 -> o0 ? Insn.undefined(w) : insn(Op.UMULH, dst(rd), src(rn), src(rm), 0, 0, 0, 0, false, w);
            default -> Insn.undefined(w);
        };
    }

    static Insn insn(int op, int rd, int rn, int rm, long imm, long imm2, int a, int b, boolean w32, int word) {
        return new Insn(op, rd, rn, rm, 0, imm, imm2, a, b, w32, word);
    }
}
