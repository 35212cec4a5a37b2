package org.capbuddy.aarch64.cpu;

import org.capbuddy.aarch64.decode.Op;

/**
 * The integer arithmetic of the A64 pseudocode that more than one instruction shares: condition
 * codes ({@code ConditionHolds}), {@code AddWithCarry}'s flags, shifted and extended register
 * operands, and the one-source operations. Flags are NZCV in bits 31:28.
 */
final class Alu {
    private Alu() {
    }

    static final long W_MASK = 0xFFFF_FFFFL;
    static final int N = 0x8000_0000;
    static final int Z = 0x4000_0000;
    static final int C = 0x2000_0000;
    static final int V = 0x1000_0000;

    /**
     * Whether condition {@code cond} holds for flags {@code nzcv} (bits 31:28): one bit of a
     * precomputed 16 x 16 table, as conditional branches, selects and compares ask it constantly.
     */
    static boolean holds(int cond, int nzcv) {
        return (CONDITIONS[cond] & (1 << (nzcv >>> 28))) != 0;
    }

    /** For each condition, the set of the 16 NZCV values that satisfy it, as a bit mask. */
    private static final int[] CONDITIONS = conditions();

    private static int[] conditions() {
        int[] table = new int[16];
        for (int cond = 0; cond < 16; cond++) {
            for (int flags = 0; flags < 16; flags++) {
                if (evaluate(cond, flags << 28)) {
                    table[cond] |= 1 << flags;
                }
            }
        }
        return table;
    }

    /** The Arm pseudocode's {@code ConditionHolds}, which the table is made from. */
    private static boolean evaluate(int cond, int nzcv) {
        boolean result = switch (cond >>> 1) {
            case 0 -> (nzcv & Z) != 0;
            case 1 -> (nzcv & C) != 0;
            case 2 -> (nzcv & N) != 0;
            case 3 -> (nzcv & V) != 0;
            case 4 -> (nzcv & C) != 0 && (nzcv & Z) == 0;
            case 5 -> ((nzcv & N) != 0) == ((nzcv & V) != 0);
            case 6 -> ((nzcv & N) != 0) == ((nzcv & V) != 0) && (nzcv & Z) == 0;
            default -> true;
        };
        return (cond & 1) != 0 && cond != 15 ? !result : result;
    }

    /** NZCV of {@code a + b} (no carry in). */
    static int addFlags(long a, long b, boolean w) {
        if (w) {
            int ia = (int) a;
            int ib = (int) b;
            int r = ia + ib;
            return nz(r) | (Integer.compareUnsigned(r, ia) < 0 ? C : 0) | (((ia ^ r) & (ib ^ r)) < 0 ? V : 0);
        }
        long r = a + b;
        return nz(r) | (Long.compareUnsigned(r, a) < 0 ? C : 0) | (((a ^ r) & (b ^ r)) < 0 ? V : 0);
    }

    /** NZCV of {@code a - b}: carry is "no borrow". */
    static int subFlags(long a, long b, boolean w) {
        if (w) {
            int ia = (int) a;
            int ib = (int) b;
            int r = ia - ib;
            return nz(r) | (Integer.compareUnsigned(ia, ib) >= 0 ? C : 0) | (((ia ^ ib) & (ia ^ r)) < 0 ? V : 0);
        }
        long r = a - b;
        return nz(r) | (Long.compareUnsigned(a, b) >= 0 ? C : 0) | (((a ^ b) & (a ^ r)) < 0 ? V : 0);
    }

    /** NZCV of {@code AddWithCarry(a, b, carryIn)}. */
    static int addWithCarryFlags(long a, long b, int carryIn, boolean w) {
        if (w) {
            long unsigned = (a & W_MASK) + (b & W_MASK) + carryIn;
            long signed = (long) (int) a + (int) b + carryIn;
            int r = (int) unsigned;
            return nz(r) | ((unsigned >>> 32) != 0 ? C : 0) | (signed != r ? V : 0);
        }
        long r = a + b + carryIn;
        boolean carry = carryIn == 0 ? Long.compareUnsigned(r, a) < 0 : Long.compareUnsigned(r, a) <= 0;
        return nz(r) | (carry ? C : 0) | (((a ^ r) & (b ^ r)) < 0 ? V : 0);
    }

    static int logicFlags(long r, boolean w) {
        return w ? nz((int) r) : nz(r);
    }

    private static int nz(long r) {
        return (r < 0 ? N : 0) | (r == 0 ? Z : 0);
    }

    private static int nz(int r) {
        return (r < 0 ? N : 0) | (r == 0 ? Z : 0);
    }

    /** The shifted register operand: type 0 LSL, 1 LSR, 2 ASR, 3 ROR. */
    static long shift(long value, int type, int amount, boolean w) {
        if (w) {
            int v = (int) value;
            return switch (type) {
                case 0 -> v << amount;
                case 1 -> (v >>> amount) & W_MASK;
                case 2 -> v >> amount;
                default -> Integer.rotateRight(v, amount) & W_MASK;
            };
        }
        return switch (type) {
            case 0 -> value << amount;
            case 1 -> value >>> amount;
            case 2 -> value >> amount;
            default -> Long.rotateRight(value, amount);
        };
    }

    /** The extended register operand: option UXTB, UXTH, UXTW, UXTX, SXTB, SXTH, SXTW, SXTX, then shifted left. */
    static long extend(long value, int option, int amount) {
        long v = switch (option) {
            case 0 -> value & 0xFF;
            case 1 -> value & 0xFFFF;
            case 2 -> value & W_MASK;
            case 4 -> (byte) value;
            case 5 -> (short) value;
            case 6 -> (int) value;
            default -> value;
        };
        return v << amount;
    }

    /** A loaded value extended to its register: kind 0 zero, 1 sign to 64 bits, 2 sign to 32 bits. */
    static long extendLoad(long value, int size, int kind) {
        if (kind == 0) {
            return value;
        }
        long signed = switch (size) {
            case 1 -> (byte) value;
            case 2 -> (short) value;
            default -> (int) value;
        };
        return kind == 1 ? signed : signed & W_MASK;
    }

    /** RBIT, REV16, REV32, REV, CLZ, CLS (see {@code Op.DP1}). */
    static long oneSource(int which, long value, boolean w) {
        if (w) {
            int v = (int) value;
            int r = switch (which) {
                case 0 -> Integer.reverse(v);
                case 1 -> ((v & 0x00FF_00FF) << 8) | ((v >>> 8) & 0x00FF_00FF);
                case 3 -> Integer.reverseBytes(v);
                case 4 -> Integer.numberOfLeadingZeros(v);
                default -> Integer.numberOfLeadingZeros(v ^ (v >> 1)) - 1;
            };
            return r & W_MASK;
        }
        return switch (which) {
            case 0 -> Long.reverse(value);
            case 1 -> ((value & 0x00FF_00FF_00FF_00FFL) << 8) | ((value >>> 8) & 0x00FF_00FF_00FF_00FFL);
            case 2 -> Long.rotateLeft(Long.reverseBytes(value), 32);
            case 3 -> Long.reverseBytes(value);
            case 4 -> Long.numberOfLeadingZeros(value);
            default -> Long.numberOfLeadingZeros(value ^ (value >> 1)) - 1;
        };
    }

    /** SBFM and BFM ({@code dst} is the destination's old value, which BFM keeps outside the field). */
    static long bitfieldMove(int op, long src, long dst, int rotation, int signBit, long wmask, long tmask, boolean w) {
        long rotated = w ? Integer.rotateRight((int) src, rotation) & W_MASK : Long.rotateRight(src, rotation);
        long r;
        if (op == Op.SBFM) {
            long top = ((src >>> signBit) & 1) != 0 ? -1L : 0L;
            r = (top & ~tmask) | (rotated & wmask & tmask);
        } else {
            long bottom = (dst & ~wmask) | (rotated & wmask);
            r = (dst & ~tmask) | (bottom & tmask);
        }
        return w ? r & W_MASK : r;
    }

    /** EXTR: the register pair hi:lo shifted right by {@code lsb}. */
    static long extract(long hi, long lo, int lsb, boolean w) {
        if (w) {
            long joined = ((hi & W_MASK) << 32) | (lo & W_MASK);
            return (joined >>> lsb) & W_MASK;
        }
        return lsb == 0 ? lo : (lo >>> lsb) | (hi << (64 - lsb));
    }

    /**
     * UDIV, SDIV (division by zero gives 0), the variable shifts ({@code kind} the shift type),
     * SMADDL/UMADDL/SMSUBL/UMSUBL ({@code kind} 1 signed, {@code subtract} for the MSUB forms, with
     * accumulator {@code c}), SMULH and UMULH; the result masked to 32 bits for W forms.
     */
    static long multiplyDivideShift(int op, int kind, boolean subtract, long a, long b, long c, boolean w) {
        long r = switch (op) {
            case Op.UDIV -> w ? ((int) b == 0 ? 0 : Integer.divideUnsigned((int) a, (int) b))
                    : (b == 0 ? 0 : Long.divideUnsigned(a, b));
            case Op.SDIV -> w ? ((int) b == 0 ? 0 : (int) a / (int) b) : (b == 0 ? 0 : a / b);
            case Op.SHIFTV -> shift(a, kind, (int) (b & (w ? 31 : 63)), w);
            case Op.MADDL -> {
                long product = kind == 1 ? (long) (int) a * (int) b : (a & W_MASK) * (b & W_MASK);
                yield subtract ? c - product : c + product;
            }
            case Op.SMULH -> Math.multiplyHigh(a, b);
            default -> unsignedMultiplyHigh(a, b);
        };
        return w ? r & W_MASK : r;
    }

    static long unsignedMultiplyHigh(long a, long b) {
        return Math.multiplyHigh(a, b) + ((a >> 63) & b) + ((b >> 63) & a);
    }
}
