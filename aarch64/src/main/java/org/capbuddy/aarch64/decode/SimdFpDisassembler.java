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
        if ((w & 0x7F00_0000) == 0x1E00_0000 && !bit(w, 29)) {
            return scalarFloat(w);
        }
        if ((w & 0xFF00_0000) == 0x1F00_0000) {
            String t = fpType(w);
            return FP3.get((field(w, 21, 1) << 1) | field(w, 15, 1)) + " " + t + field(w, 0, 5) + ", " + t
                    + field(w, 5, 5) + ", " + t + field(w, 16, 5) + ", " + t + field(w, 10, 5);
        }
        if (w < 0) {
            return null;
        }
        if ((w & 0x9FE0_8400) == 0x0E00_0400) {
            return copy(w);
        }
        if ((w & 0x9F20_0400) == 0x0E20_0400) {
            return threeSame(w);
        }
        if ((w & 0x9F3E_0C00) == 0x0E20_0800) {
            return twoRegisterMisc(w);
        }
        if ((w & 0x9F3E_0C00) == 0x0E30_0800) {
            return acrossLanes(w);
        }
        if ((w & 0x9FF8_0400) == 0x0F00_0400) {
            return modifiedImmediate(w);
        }
        if ((w & 0x9F80_0400) == 0x0F00_0400) {
            return shiftImmediate(w);
        }
        boolean q = bit(w, 30);
        if ((w & 0xBFE0_8400) == 0x2E00_0000) {
            String t = q ? "16b" : "8b";
            return "ext " + vector(field(w, 0, 5), t) + ", " + vector(field(w, 5, 5), t) + ", "
                    + vector(field(w, 16, 5), t) + ", #" + field(w, 11, 4);
        }
        if ((w & 0xBF20_8C00) == 0x0E00_0800) {
            String t = arrangement(field(w, 22, 2), q);
            return PERMUTE.get(field(w, 12, 3)) + " " + vector(field(w, 0, 5), t) + ", " + vector(field(w, 5, 5), t)
                    + ", " + vector(field(w, 16, 5), t);
        }
        return null;
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
        if (field(w, 10, 6) == 0) {
            return conversion(w, rd, rn);
        }
        String t = fpType(w);
        switch (field(w, 10, 2)) {
            case 1 -> {
                return (bit(w, 4) ? "fccmpe " : "fccmp ") + t + rn + ", " + t + rm + ", " + hex(field(w, 0, 4)) + ", "
                        + condition(field(w, 12, 4));
            }
            case 2 -> {
                return FP2.get(field(w, 12, 4)) + " " + t + rd + ", " + t + rn + ", " + t + rm;
            }
            case 3 -> {
                return "fcsel " + t + rd + ", " + t + rn + ", " + t + rm + ", " + condition(field(w, 12, 4));
            }
            default -> {
                // bits 11:10 = 00: one source, compare, or move immediate, told apart below
            }
        }
        if (field(w, 10, 5) == 0b10000) {
            int opcode = field(w, 15, 6);
            // FCVT names its destination's precision in the opcode: 4 to single, 5 to double.
            String dest = opcode == 4 ? "s" : opcode == 5 ? "d" : t;
            return FP1.get(opcode) + " " + dest + rd + ", " + t + rn;
        }
        if (field(w, 10, 4) == 0b1000) {
            String name = bit(w, 4) ? "fcmpe " : "fcmp ";
            return name + t + rn + ", " + (bit(w, 3) ? "#0.0" : t + rm);
        }
        long bits = SimdFpDecoder.expandFloat(field(w, 13, 8), t.equals("s") ? 4 : 8);
        return "fmov " + t + rd + ", " + floatImmediate(bits, t.equals("s"));
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
        int imm5 = field(w, 16, 5);
        int imm4 = field(w, 11, 4);
        int size = Integer.numberOfTrailingZeros(imm5);
        int index = imm5 >>> (size + 1);
        int rd = field(w, 0, 5);
        int rn = field(w, 5, 5);
        // INS (element and general) always reads as MOV, and so does UMOV of a whole W or X.
        if (bit(w, 29)) {
            return "mov " + element(rd, size, index) + ", " + element(rn, size, imm4 >>> size);
        }
        return switch (imm4) {
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
            case 32 | 0b00101 -> size == 0 ? "mvn" : "rbit";
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
        int imm8 = (field(w, 16, 3) << 5) | field(w, 5, 5);
        int rd = field(w, 0, 5);
        if (cmode == 0b1111) {
            if (op) {
                return "fmov " + vector(rd, "2d") + ", " + floatImmediate(SimdFpDecoder.expandFloat(imm8, 8), false);
            }
            return "fmov " + vector(rd, q ? "4s" : "2s") + ", " + floatImmediate(SimdFpDecoder.expandFloat(imm8, 4), true);
        }
        if (cmode == 0b1110) {
            if (!op) {
                return "movi " + vector(rd, q ? "16b" : "8b") + ", " + hex(imm8);
            }
            long bytes = 0;
            for (int i = 0; i < 8; i++) {
                if ((imm8 & (1 << i)) != 0) {
                    bytes |= 0xFFL << (8 * i);
                }
            }
            return "movi " + (q ? vector(rd, "2d") : "d" + rd) + ", " + hex(bytes);
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
        int immh = field(w, 19, 4);
        int immhb = field(w, 16, 7);
        int opcode = field(w, 11, 5);
        int size = 31 - Integer.numberOfLeadingZeros(immh);
        int bits = 8 << size;
        int rd = field(w, 0, 5);
        int rn = field(w, 5, 5);
        String t = arrangement(size, q);
        String two = q ? "2" : "";
        switch (opcode) {
            case 0b00000 -> {
                return (u == 0 ? "sshr " : "ushr ") + vector(rd, t) + ", " + vector(rn, t) + ", #" + (2 * bits - immhb);
            }
            case 0b01010 -> {
                return "shl " + vector(rd, t) + ", " + vector(rn, t) + ", #" + (immhb - bits);
            }
            case 0b10000 -> {
                return "shrn" + two + " " + vector(rd, t) + ", " + vector(rn, arrangement(size + 1, true)) + ", #"
                        + (2 * bits - immhb);
            }
            default -> {
                int shift = immhb - bits;
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
