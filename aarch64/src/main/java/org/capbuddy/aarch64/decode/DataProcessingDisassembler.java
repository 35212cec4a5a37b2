package org.capbuddy.aarch64.decode;

import static org.capbuddy.aarch64.decode.Bits.bit;
import static org.capbuddy.aarch64.decode.Bits.field;
import static org.capbuddy.aarch64.decode.Operands.dec;
import static org.capbuddy.aarch64.decode.Operands.hex;
import static org.capbuddy.aarch64.decode.Operands.reg;
import static org.capbuddy.aarch64.decode.Operands.regOrSp;
import static org.capbuddy.aarch64.decode.Operands.shiftSuffix;

import java.util.List;

/**
 * Text for the classes {@link DataProcessingDecoder} decodes, from the word's own fields. The
 * aliases follow the Arm ARM's "preferred disassembly" conditions, in the order they are tested
 * there, as objdump applies them. Called only for words the decoder accepts, so field values the
 * decoder rejects need no handling here.
 */
final class DataProcessingDisassembler {
    private DataProcessingDisassembler() {
    }

    private static final List<String> LOGICAL = List.of("and", "orr", "eor", "ands");
    private static final List<String> LOGICAL_INVERTED = List.of("bic", "orn", "eon", "bics");
    private static final List<String> ONE_SOURCE = List.of("rbit", "rev16", "rev32", "rev", "clz", "cls");

    static String immediate(long pc, int w) {
        boolean sf = w < 0;
        int rd = field(w, 0, 5);
        int rn = field(w, 5, 5);
        return switch (DataProcessingImmediateClass.of(w)) {
            case PC_RELATIVE -> pcRelative(pc, w, rd);
            case ADD_SUBTRACT -> addSubImmediate(w, sf, rd, rn);
            case LOGICAL -> logicalImmediate(w, sf, rd, rn);
            case MOVE_WIDE -> moveWide(w, sf, rd);
            case BITFIELD -> bitfield(w, sf, rd, rn);
            case EXTRACT -> extract(w, sf, rd, rn);
            case OTHER -> null;
        };
    }

    private static String pcRelative(long pc, int w, int rd) {
        long imm = (Bits.signExtend(field(w, 5, 19), 19) << 2) | field(w, 29, 2);
        boolean page = w < 0;
        long value = page ? (pc & ~0xFFFL) + (imm << 12) : pc + imm;
        return (page ? "adrp " : "adr ") + reg(rd, true) + ", " + Operands.target(value);
    }

    private static String addSubImmediate(int w, boolean sf, int rd, int rn) {
        boolean sub = bit(w, 30);
        boolean setFlags = bit(w, 29);
        boolean shifted = bit(w, 22);
        int imm12 = field(w, 10, 12);
        String imm = hex(imm12) + (shifted ? ", lsl #12" : "");
        if (setFlags) {
            if (rd == 31) {
                return (sub ? "cmp " : "cmn ") + regOrSp(rn, sf) + ", " + imm;
            }
            return (sub ? "subs " : "adds ") + reg(rd, sf) + ", " + regOrSp(rn, sf) + ", " + imm;
        }
        // MOV (to/from SP) is only an alias of ADD #0 when SP is involved; add x0, x1, #0 stays an add.
        if (!sub && !shifted && imm12 == 0 && (rd == 31 || rn == 31)) {
            return "mov " + regOrSp(rd, sf) + ", " + regOrSp(rn, sf);
        }
        return (sub ? "sub " : "add ") + regOrSp(rd, sf) + ", " + regOrSp(rn, sf) + ", " + imm;
    }

    private static String logicalImmediate(int w, boolean sf, int rd, int rn) {
        int opc = field(w, 29, 2);
        long[] masks = Bits.bitMasks(field(w, 22, 1), field(w, 10, 6), field(w, 16, 6), true, sf ? 64 : 32);
        if (masks == null) {
            return null;
        }
        long value = masks[0];
        if (opc == 3 && rd == 31) {
            return "tst " + reg(rn, sf) + ", " + hex(value);
        }
        // ORR from the zero register reads as MOV unless MOVZ or MOVN could make the value: then
        // objdump expects that form to have been written, and shows the ORR as it is. MOVZ and
        // MOVN cannot write SP, so into SP it is MOV whatever the value.
        if (opc == 1 && rn == 31 && (rd == 31 || !moveWidePreferred(value, sf))) {
            return "mov " + regOrSp(rd, sf) + ", " + hex(value);
        }
        String dest = opc == 3 ? reg(rd, sf) : regOrSp(rd, sf);
        return LOGICAL.get(opc) + " " + dest + ", " + reg(rn, sf) + ", " + hex(value);
    }

    /** Whether MOVZ or MOVN can make this value: one 16-bit chunk set, or one clear. */
    private static boolean moveWidePreferred(long value, boolean sf) {
        long width = sf ? -1L : 0xFFFF_FFFFL;
        return oneChunk(value & width, sf) || oneChunk(~value & width, sf);
    }

    private static boolean oneChunk(long value, boolean sf) {
        for (int shift = 0; shift < (sf ? 64 : 32); shift += 16) {
            if ((value & (0xFFFFL << shift)) == value) {
                return true;
            }
        }
        return false;
    }

    private static String moveWide(int w, boolean sf, int rd) {
        int opc = field(w, 29, 2);
        int hw = field(w, 21, 2);
        int imm16 = field(w, 5, 16);
        String shiftText = hw == 0 ? "" : ", lsl #" + (16 * hw);
        String dest = reg(rd, sf);
        if (opc == 3) {
            return "movk " + dest + ", " + hex(imm16) + shiftText;
        }
        long width = sf ? -1L : 0xFFFF_FFFFL;
        long value = (long) imm16 << (16 * hw);
        // A zero chunk shifted by a non-zero amount is a second encoding of 0 (or ~0): only the
        // unshifted one is MOV. MOVN of 0xffff in 32 bits would read as MOV of 0xffff0000, which MOVZ owns.
        boolean alias = !(imm16 == 0 && hw != 0);
        if (opc == 0) {
            if (alias && !(!sf && imm16 == 0xFFFF)) {
                return "mov " + dest + ", " + hex(~value & width);
            }
            return "movn " + dest + ", " + hex(imm16) + shiftText;
        }
        if (alias) {
            return "mov " + dest + ", " + hex(value);
        }
        return "movz " + dest + ", " + hex(imm16) + shiftText;
    }

    private static String bitfield(int w, boolean sf, int rd, int rn) {
        int opc = field(w, 29, 2);
        int immr = field(w, 16, 6);
        int imms = field(w, 10, 6);
        int size = sf ? 64 : 32;
        String d = reg(rd, sf);
        String n = reg(rn, sf);
        int lsbInsert = (size - immr) & (size - 1);
        switch (opc) {
            case 0 -> {
                if (imms == size - 1) {
                    return "asr " + d + ", " + n + ", " + dec(immr);
                }
                if (imms < immr) {
                    return "sbfiz " + d + ", " + n + ", " + dec(lsbInsert) + ", " + dec(imms + 1);
                }
                if (bfxPreferred(sf, false, imms, immr)) {
                    return "sbfx " + d + ", " + n + ", " + dec(immr) + ", " + dec(imms - immr + 1);
                }
                if (immr == 0 && (imms == 7 || imms == 15 || imms == 31)) {
                    String name = imms == 7 ? "sxtb " : imms == 15 ? "sxth " : "sxtw ";
                    return name + d + ", " + reg(rn, false);
                }
                return "sbfm " + d + ", " + n + ", " + dec(immr) + ", " + dec(imms);
            }
            case 1 -> {
                if (imms < immr) {
                    if (rn == 31) {
                        return "bfc " + d + ", " + dec(lsbInsert) + ", " + dec(imms + 1);
                    }
                    return "bfi " + d + ", " + n + ", " + dec(lsbInsert) + ", " + dec(imms + 1);
                }
                return "bfxil " + d + ", " + n + ", " + dec(immr) + ", " + dec(imms - immr + 1);
            }
            default -> {
                if (imms != size - 1 && imms + 1 == immr) {
                    return "lsl " + d + ", " + n + ", " + dec(size - 1 - imms);
                }
                if (imms == size - 1) {
                    return "lsr " + d + ", " + n + ", " + dec(immr);
                }
                if (imms < immr) {
                    return "ubfiz " + d + ", " + n + ", " + dec(lsbInsert) + ", " + dec(imms + 1);
                }
                if (bfxPreferred(sf, true, imms, immr)) {
                    return "ubfx " + d + ", " + n + ", " + dec(immr) + ", " + dec(imms - immr + 1);
                }
                if (immr == 0 && (imms == 7 || imms == 15)) {
                    return (imms == 7 ? "uxtb " : "uxth ") + d + ", " + n;
                }
                return "ubfm " + d + ", " + n + ", " + dec(immr) + ", " + dec(imms);
            }
        }
    }

    /** The Arm ARM's BFXPreferred: false where a shift or extend alias describes the field better. */
    private static boolean bfxPreferred(boolean sf, boolean unsigned, int imms, int immr) {
        if (imms < immr || imms == (sf ? 63 : 31)) {
            return false;
        }
        if (immr == 0) {
            if (!sf && (imms == 7 || imms == 15)) {
                return false;
            }
            if (sf && !unsigned && (imms == 7 || imms == 15 || imms == 31)) {
                return false;
            }
        }
        return true;
    }

    private static String extract(int w, boolean sf, int rd, int rn) {
        int rm = field(w, 16, 5);
        int imms = field(w, 10, 6);
        if (rn == rm) {
            return "ror " + reg(rd, sf) + ", " + reg(rn, sf) + ", " + dec(imms);
        }
        return "extr " + reg(rd, sf) + ", " + reg(rn, sf) + ", " + reg(rm, sf) + ", " + dec(imms);
    }

    // ---- register forms

    static String register(int w) {
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
            case OTHER -> null;
        };
    }

    private static String logicalShifted(int w, boolean sf, int rd, int rn, int rm) {
        int opc = field(w, 29, 2);
        boolean invert = bit(w, 21);
        int shift = field(w, 22, 2);
        int amount = field(w, 10, 6);
        String m = reg(rm, sf) + shiftSuffix(shift, amount);
        if (opc == 1 && rn == 31) {
            if (!invert && shift == 0 && amount == 0) {
                return "mov " + reg(rd, sf) + ", " + m;
            }
            if (invert) {
                return "mvn " + reg(rd, sf) + ", " + m;
            }
        }
        if (opc == 3 && !invert && rd == 31) {
            return "tst " + reg(rn, sf) + ", " + m;
        }
        String name = invert ? LOGICAL_INVERTED.get(opc) : LOGICAL.get(opc);
        return name + " " + reg(rd, sf) + ", " + reg(rn, sf) + ", " + m;
    }

    private static String addSubShifted(int w, boolean sf, int rd, int rn, int rm) {
        boolean sub = bit(w, 30);
        boolean setFlags = bit(w, 29);
        String m = reg(rm, sf) + shiftSuffix(field(w, 22, 2), field(w, 10, 6));
        if (setFlags && rd == 31) {
            return (sub ? "cmp " : "cmn ") + reg(rn, sf) + ", " + m;
        }
        if (sub && rn == 31) {
            return (setFlags ? "negs " : "neg ") + reg(rd, sf) + ", " + m;
        }
        String name = (sub ? "sub" : "add") + (setFlags ? "s " : " ");
        return name + reg(rd, sf) + ", " + reg(rn, sf) + ", " + m;
    }

    private static String addSubExtended(int w, boolean sf, int rd, int rn, int rm) {
        boolean sub = bit(w, 30);
        boolean setFlags = bit(w, 29);
        int option = field(w, 13, 3);
        int amount = field(w, 10, 3);
        boolean wideRm = sf && (option & 3) == 3;
        // UXTW (32-bit) or UXTX (64-bit) next to SP is what LSL means there, and objdump says LSL.
        boolean lsl = option == (sf ? 3 : 2) && (rn == 31 || (!setFlags && rd == 31));
        String m = reg(rm, wideRm);
        if (lsl) {
            m += amount == 0 ? "" : ", lsl #" + amount;
        } else {
            m += ", " + Operands.extend(option) + (amount == 0 ? "" : " #" + amount);
        }
        if (setFlags && rd == 31) {
            return (sub ? "cmp " : "cmn ") + regOrSp(rn, sf) + ", " + m;
        }
        String name = (sub ? "sub" : "add") + (setFlags ? "s " : " ");
        String dest = setFlags ? reg(rd, sf) : regOrSp(rd, sf);
        return name + dest + ", " + regOrSp(rn, sf) + ", " + m;
    }

    private static String withCarry(int w, boolean sf, int rd, int rn, int rm) {
        boolean sub = bit(w, 30);
        boolean setFlags = bit(w, 29);
        String s = setFlags ? "s " : " ";
        if (sub && rn == 31) {
            return "ngc" + s + reg(rd, sf) + ", " + reg(rm, sf);
        }
        return (sub ? "sbc" : "adc") + s + reg(rd, sf) + ", " + reg(rn, sf) + ", " + reg(rm, sf);
    }

    private static String conditionalCompare(int w, boolean sf, int rn, int rm) {
        String name = bit(w, 30) ? "ccmp " : "ccmn ";
        String second = bit(w, 11) ? hex(rm) : reg(rm, sf);
        return name + reg(rn, sf) + ", " + second + ", " + hex(field(w, 0, 4)) + ", "
                + Operands.condition(field(w, 12, 4));
    }

    private static String conditionalSelect(int w, boolean sf, int rd, int rn, int rm) {
        int cond = field(w, 12, 4);
        boolean invert = bit(w, 30);
        boolean increment = bit(w, 10);
        String d = reg(rd, sf);
        String n = reg(rn, sf);
        String m = reg(rm, sf);
        // The aliases name the condition under which the "changed" value is chosen, and AL/NV have no inverse.
        boolean aliasable = cond < 14;
        if (!invert && !increment) {
            return "csel " + d + ", " + n + ", " + m + ", " + Operands.condition(cond);
        }
        if (invert && increment) {
            if (aliasable && rn == rm) {
                return "cneg " + d + ", " + n + ", " + Operands.inverted(cond);
            }
            return "csneg " + d + ", " + n + ", " + m + ", " + Operands.condition(cond);
        }
        String set = invert ? "csetm " : "cset ";
        String adjust = invert ? "cinv " : "cinc ";
        if (aliasable && rn == 31 && rm == 31) {
            return set + d + ", " + Operands.inverted(cond);
        }
        if (aliasable && rm != 31 && rn == rm) {
            return adjust + d + ", " + n + ", " + Operands.inverted(cond);
        }
        return (invert ? "csinv " : "csinc ") + d + ", " + n + ", " + m + ", " + Operands.condition(cond);
    }

    private static String oneSource(int w, boolean sf, int rd, int rn) {
        int opcode = field(w, 10, 6);
        // In 32 bits opcode 2 reverses all four bytes: that is REV, REV32 exists only in 64.
        String name = !sf && opcode == 2 ? "rev" : ONE_SOURCE.get(opcode);
        return name + " " + reg(rd, sf) + ", " + reg(rn, sf);
    }

    private static String twoSource(int w, boolean sf, int rd, int rn, int rm) {
        int opcode = field(w, 10, 6);
        String name = switch (opcode) {
            case 2 -> "udiv";
            case 3 -> "sdiv";
            default -> Operands.shift(opcode - 8); // LSLV and friends: objdump always shows the alias
        };
        return name + " " + reg(rd, sf) + ", " + reg(rn, sf) + ", " + reg(rm, sf);
    }

    private static String threeSource(int w, boolean sf, int rd, int rn, int rm) {
        int op31 = field(w, 21, 3);
        boolean subtract = bit(w, 15);
        int ra = field(w, 10, 5);
        if (op31 == 0) {
            String sources = reg(rd, sf) + ", " + reg(rn, sf) + ", " + reg(rm, sf);
            if (ra == 31) {
                return (subtract ? "mneg " : "mul ") + sources;
            }
            return (subtract ? "msub " : "madd ") + sources + ", " + reg(ra, sf);
        }
        if (op31 == 2 || op31 == 6) {
            return (op31 == 2 ? "smulh " : "umulh ") + reg(rd, true) + ", " + reg(rn, true) + ", " + reg(rm, true);
        }
        String sign = op31 == 1 ? "s" : "u";
        String sources = reg(rd, true) + ", " + reg(rn, false) + ", " + reg(rm, false);
        if (ra == 31) {
            return sign + (subtract ? "mnegl " : "mull ") + sources;
        }
        return sign + (subtract ? "msubl " : "maddl ") + sources + ", " + reg(ra, true);
    }
}
