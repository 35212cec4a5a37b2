package org.capbuddy.aarch64.decode;

import static org.capbuddy.aarch64.decode.Bits.bit;
import static org.capbuddy.aarch64.decode.Bits.field;
import static org.capbuddy.aarch64.decode.Operands.condition;
import static org.capbuddy.aarch64.decode.Operands.hex;
import static org.capbuddy.aarch64.decode.Operands.reg;

import java.util.List;

/**
 * Text for the classes {@link SimdFpDecoder} decodes: scalar floating point (S and D registers),
 * and the Advanced SIMD groups the interpreter implements, with vector operands written as
 * {@code v3.4s} and elements as {@code v3.s[1]}.
 */
final class SimdFpDisassembler {
    private SimdFpDisassembler() {
    }

    private static final List<String> FP1 = List.of(
            "fmov", "fabs", "fneg", "fsqrt", "fcvt", "fcvt", "", "",
            "frintn", "frintp", "frintm", "frintz", "frinta", "", "frintx", "frinti");
    private static final List<String> FP2 = List.of(
            "fmul", "fdiv", "fadd", "fsub", "fmax", "fmin", "fmaxnm", "fminnm", "fnmul");
    private static final List<String> FP3 = List.of("fmadd", "fmsub", "fnmadd", "fnmsub");
    private static final List<String> LOGIC3 = List.of("and", "bic", "orr", "orn", "eor", "bsl", "bit", "bif");
    private static final List<String> PERMUTE = List.of("", "uzp1", "trn1", "zip1", "", "uzp2", "trn2", "zip2");
    private static final List<String> ROUNDING = List.of("n", "p", "m", "z");

    static String decode(int w) {
        if (SimdFpDecoder.basic(w).op() == Op.UNDEFINED) {
            AdvancedSimd.Form form = AdvancedSimd.of(w);
            return form == null ? null : AdvancedSimd.text(form);
        }
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
            case OTHER -> null;
        };
    }

    private static String fused(int w) {
        String t = fpType(w);
        return FP3.get((field(w, 21, 1) << 1) | field(w, 15, 1)) + " " + t + field(w, 0, 5) + ", " + t
                + field(w, 5, 5) + ", " + t + field(w, 16, 5) + ", " + t + field(w, 10, 5);
    }

    private static String extract(int w) {
        String t = bit(w, 30) ? "16b" : "8b";
        return "ext " + vector(field(w, 0, 5), t) + ", " + vector(field(w, 5, 5), t) + ", "
                + vector(field(w, 16, 5), t) + ", #" + field(w, 11, 4);
    }

    private static String permute(int w) {
        String t = arrangement(field(w, 22, 2), bit(w, 30));
        return PERMUTE.get(field(w, 12, 3)) + " " + vector(field(w, 0, 5), t) + ", " + vector(field(w, 5, 5), t)
                + ", " + vector(field(w, 16, 5), t);
    }

    /** The scalar register letter of an FP type field: s for single, d for double. */
    private static String fpType(int w) {
        return field(w, 22, 2) == 0 ? "s" : "d";
    }

    private static String arrangement(int size, boolean q) {
        return switch (size) {
            case 0 -> q ? "16b" : "8b";
            case 1 -> q ? "8h" : "4h";
            case 2 -> q ? "4s" : "2s";
            default -> q ? "2d" : "1d";
        };
    }

    private static String vector(int n, String arrangement) {
        return "v" + n + "." + arrangement;
    }

    private static String element(int n, int size, int index) {
        return "v" + n + "." + "bhsd".charAt(size) + "[" + index + "]";
    }

    private static String scalarFloat(int w) {
        int rd = field(w, 0, 5);
        int rn = field(w, 5, 5);
        int rm = field(w, 16, 5);
        String t = fpType(w);
        return switch (ScalarFloatClass.of(w)) {
            case INTEGER_CONVERSION -> conversion(w, rd, rn);
            case CONDITIONAL_COMPARE -> (bit(w, 4) ? "fccmpe " : "fccmp ") + t + rn + ", " + t + rm + ", "
                    + hex(field(w, 0, 4)) + ", " + condition(field(w, 12, 4));
            case TWO_SOURCE -> FP2.get(field(w, 12, 4)) + " " + t + rd + ", " + t + rn + ", " + t + rm;
            case CONDITIONAL_SELECT -> "fcsel " + t + rd + ", " + t + rn + ", " + t + rm + ", "
                    + condition(field(w, 12, 4));
            case ONE_SOURCE -> {
                int opcode = field(w, 15, 6);
                // FCVT names its destination's precision in the opcode: 4 to single, 5 to double.
                String dest = opcode == 4 ? "s" : opcode == 5 ? "d" : t;
                yield FP1.get(opcode) + " " + dest + rd + ", " + t + rn;
            }
            case COMPARE -> (bit(w, 4) ? "fcmpe " : "fcmp ") + t + rn + ", " + (bit(w, 3) ? "#0.0" : t + rm);
            case IMMEDIATE -> {
                long bits = SimdFields.expandFloat(field(w, 13, 8), t.equals("s") ? 4 : 8);
                yield "fmov " + t + rd + ", " + floatImmediate(bits, t.equals("s"));
            }
            case OTHER -> null;
        };
    }

    /**
     * An 8-bit float immediate as objdump prints it, C's {@code %.18e} of the value (a single
     * widened to double). Every such value is a short binary fraction, so Java's formatting, which
     * pads where C would print exact digits, gives the same text.
     */
    private static String floatImmediate(long bits, boolean single) {
        double value = single ? Float.intBitsToFloat((int) bits) : Double.longBitsToDouble(bits);
        return String.format("#%.18e", value);
    }

    private static String conversion(int w, int rd, int rn) {
        boolean sf = w < 0;
        int opcode = field(w, 16, 3);
        int rmode = field(w, 19, 2);
        String t = fpType(w);
        if (opcode >= 6) {
            boolean toVector = opcode == 7;
            String general = toVector ? reg(rn, sf) : reg(rd, sf);
            String fp = rmode == 1 ? "v" + (toVector ? rd : rn) + ".d[1]" : (sf ? "d" : "s") + (toVector ? rd : rn);
            return toVector ? "fmov " + fp + ", " + general : "fmov " + general + ", " + fp;
        }
        if (opcode == 2 || opcode == 3) {
            return (opcode == 3 ? "ucvtf " : "scvtf ") + t + rd + ", " + reg(rn, sf);
        }
        String rounding = opcode >= 4 ? "a" : ROUNDING.get(rmode);
        String sign = (opcode & 1) != 0 ? "u " : "s ";
        return "fcvt" + rounding + sign + reg(rd, sf) + ", " + t + rn;
    }

    private static String copy(int w) {
        boolean q = bit(w, 30);
        int size = SimdFields.copySize(w);
        int index = SimdFields.copyIndex(w);
        int rd = field(w, 0, 5);
        int rn = field(w, 5, 5);
        // INS (element and general) always reads as MOV, and so does UMOV of a whole W or X.
        if (bit(w, 29)) {
            return "mov " + element(rd, size, index) + ", " + element(rn, size, SimdFields.copySourceIndex(w));
        }
        return switch (field(w, 11, 4)) {
            case 0 -> "dup " + vector(rd, arrangement(size, q)) + ", " + element(rn, size, index);
            case 1 -> "dup " + vector(rd, arrangement(size, q)) + ", " + reg(rn, size == 3);
            case 3 -> "mov " + element(rd, size, index) + ", " + reg(rn, size == 3);
            case 5 -> "smov " + reg(rd, q) + ", " + element(rn, size, index);
            default -> (size >= 2 ? "mov " : "umov ") + reg(rd, q) + ", " + element(rn, size, index);
        };
    }

    private static String threeSame(int w) {
        boolean q = bit(w, 30);
        int u = field(w, 29, 1);
        int size = field(w, 22, 2);
        int opcode = field(w, 11, 5);
        int rd = field(w, 0, 5);
        int rn = field(w, 5, 5);
        int rm = field(w, 16, 5);
        if (opcode == 0b00011) {
            String t = q ? "16b" : "8b";
            int which = (u << 2) | size;
            if (which == 2 && rn == rm) {
                return "mov " + vector(rd, t) + ", " + vector(rn, t);
            }
            return LOGIC3.get(which) + " " + vector(rd, t) + ", " + vector(rn, t) + ", " + vector(rm, t);
        }
        String name = switch (opcode) {
            case 0b10000 -> u == 0 ? "add" : "sub";
            case 0b10001 -> u == 0 ? "cmtst" : "cmeq";
            case 0b00110 -> u == 0 ? "cmgt" : "cmhi";
            case 0b00111 -> u == 0 ? "cmge" : "cmhs";
            case 0b10111 -> "addp";
            case 0b10011 -> "mul";
            case 0b10100 -> u == 0 ? "smaxp" : "umaxp";
            case 0b10101 -> u == 0 ? "sminp" : "uminp";
            case 0b01100 -> u == 0 ? "smax" : "umax";
            default -> u == 0 ? "smin" : "umin";
        };
        String t = arrangement(size, q);
        return name + " " + vector(rd, t) + ", " + vector(rn, t) + ", " + vector(rm, t);
    }

    private static String twoRegisterMisc(int w) {
        boolean q = bit(w, 30);
        int u = field(w, 29, 1);
        int size = field(w, 22, 2);
        int opcode = field(w, 12, 5);
        String zero = "";
        String name = switch (opcode | (u << 5)) {
            case 0b01000 -> "cmgt";
            case 0b01001 -> "cmeq";
            case 0b01010 -> "cmlt";
            case 0b01011 -> "abs";
            case 32 | 0b01000 -> "cmge";
            case 32 | 0b01001 -> "cmle";
            case 32 | 0b01011 -> "neg";
            case 0b00101 -> "cnt";
            case 32 | 0b00101 -> "mvn";
            case 0b00000 -> "rev64";
            case 32 | 0b00000 -> "rev32";
            default -> "rev16";
        };
        if (opcode >= 0b01000 && opcode <= 0b01010) {
            zero = ", #0";
        }
        // NOT and RBIT are byte operations whatever their size field says.
        String t = opcode == 0b00101 ? (q ? "16b" : "8b") : arrangement(size, q);
        return name + " " + vector(field(w, 0, 5), t) + ", " + vector(field(w, 5, 5), t) + zero;
    }

    private static String acrossLanes(int w) {
        boolean q = bit(w, 30);
        int u = field(w, 29, 1);
        int size = field(w, 22, 2);
        int opcode = field(w, 12, 5);
        String sign = u == 0 ? "s" : "u";
        String name = switch (opcode) {
            case 0b11011 -> "addv";
            case 0b01010 -> sign + "maxv";
            case 0b11010 -> sign + "minv";
            default -> sign + "addlv";
        };
        // The long sum is one size wider than its lanes.
        int destSize = opcode == 0b00011 ? size + 1 : size;
        return name + " " + "bhsd".charAt(destSize) + field(w, 0, 5) + ", " + vector(field(w, 5, 5), arrangement(size, q));
    }

    private static String modifiedImmediate(int w) {
        boolean q = bit(w, 30);
        boolean op = bit(w, 29);
        int cmode = field(w, 12, 4);
        int imm8 = SimdFields.immediate8(w);
        int rd = field(w, 0, 5);
        if (cmode == 0b1111) {
            if (op) {
                return "fmov " + vector(rd, "2d") + ", " + floatImmediate(SimdFields.expandFloat(imm8, 8), false);
            }
            return "fmov " + vector(rd, q ? "4s" : "2s") + ", " + floatImmediate(SimdFields.expandFloat(imm8, 4), true);
        }
        if (cmode == 0b1110) {
            if (!op) {
                return "movi " + vector(rd, q ? "16b" : "8b") + ", " + hex(imm8);
            }
            return "movi " + (q ? vector(rd, "2d") : "d" + rd) + ", " + hex(SimdFields.byteMask(imm8));
        }
        String t;
        String shift;
        String name;
        if (cmode < 0b1000) {
            t = q ? "4s" : "2s";
            shift = lslSuffix(8 * (cmode >>> 1));
            name = (cmode & 1) == 0 ? (op ? "mvni" : "movi") : (op ? "bic" : "orr");
        } else if (cmode < 0b1100) {
            t = q ? "8h" : "4h";
            shift = lslSuffix(8 * ((cmode >>> 1) & 1));
            name = (cmode & 1) == 0 ? (op ? "mvni" : "movi") : (op ? "bic" : "orr");
        } else {
            t = q ? "4s" : "2s";
            shift = ", msl #" + ((cmode & 1) == 0 ? 8 : 16);
            name = op ? "mvni" : "movi";
        }
        return name + " " + vector(rd, t) + ", " + hex(imm8) + shift;
    }

    private static String lslSuffix(int amount) {
        return amount == 0 ? "" : ", lsl #" + amount;
    }

    private static String shiftImmediate(int w) {
        boolean q = bit(w, 30);
        int u = field(w, 29, 1);
        int opcode = field(w, 11, 5);
        int size = SimdFields.shiftSize(w);
        int rd = field(w, 0, 5);
        int rn = field(w, 5, 5);
        String t = arrangement(size, q);
        String two = q ? "2" : "";
        switch (opcode) {
            case 0b00000 -> {
                return (u == 0 ? "sshr " : "ushr ") + vector(rd, t) + ", " + vector(rn, t) + ", #"
                        + SimdFields.rightShift(w);
            }
            case 0b01010 -> {
                return "shl " + vector(rd, t) + ", " + vector(rn, t) + ", #" + SimdFields.leftShift(w);
            }
            case 0b10000 -> {
                return "shrn" + two + " " + vector(rd, t) + ", " + vector(rn, arrangement(size + 1, true)) + ", #"
                        + SimdFields.rightShift(w);
            }
            default -> {
                int shift = SimdFields.leftShift(w);
                String wide = vector(rd, arrangement(size + 1, true));
                // A widening shift by 0 is the plain lengthening SXTL/UXTL.
                if (shift == 0) {
                    return (u == 0 ? "sxtl" : "uxtl") + two + " " + wide + ", " + vector(rn, t);
                }
                return (u == 0 ? "sshll" : "ushll") + two + " " + wide + ", " + vector(rn, t) + ", #" + shift;
            }
        }
    }
}
