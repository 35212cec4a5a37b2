package org.capbuddy.aarch64.cpu;

import org.capbuddy.aarch64.decode.AdvancedSimd;
import org.capbuddy.aarch64.decode.AdvancedSimd.Form;
import org.capbuddy.aarch64.decode.AdvancedSimd.Kind;
import org.capbuddy.aarch64.decode.AdvancedSimd.Shape;

/**
 * Executes the {@link AdvancedSimd} forms: lane by lane over long values, following the Arm ARM's
 * pseudocode (integers held exactly in a long, saturation setting FPSR.QC, floating point through
 * {@link FloatingPoint} so that NaNs and flags are Arm's). Clarity over speed: this runs only where
 * a vectorised loop or libm uses these instructions, interpreted like the rest of SIMD.
 *
 * <p>A load that faults changes no register; a store may have written some elements first, as the
 * architecture allows for a multi-element store.
 */
final class AdvancedSimdUnit {
    /** FPSR.QC, the cumulative saturation flag. */
    static final int QC = 1 << 27;

    private final CpuState s;
    private final GuestMemory memory;
    private final FloatingPoint fp = new FloatingPoint();
    private final Estimates estimates = new Estimates(fp);
    /**
     * Forms decoded lately, direct-mapped by the word's low bits (a word's form is its alone):
     * an array read on a hit, where a map of boxed words cost a lookup and its garbage on every
     * execution; a colliding word replaces the one before, so the cache never grows.
     */
    private final int[] formWords = new int[FORM_CACHE];
    private final Form[] forms = new Form[FORM_CACHE];
    private static final int FORM_CACHE = 1 << 10;
    private final long[] out = new long[2];
    /**
     * What a structure load has read so far, written to its registers only once every access has
     * succeeded (a fault leaves them as they were): up to four registers of two words.
     */
    private final long[] structure = new long[8];
    private long faultAddress;
    private int qc;

    AdvancedSimdUnit(CpuState state, GuestMemory memory) {
        this.s = state;
        this.memory = memory;
    }

    long faultAddress() {
        return faultAddress;
    }

    private Form form(int word, boolean loadStore) {
        // fold the register fields (bits 0..9) into the opcode bits, so that one operation on
        // many registers does not crowd a single line
        int line = (word ^ (word >>> 10) ^ (word >>> 20)) & (FORM_CACHE - 1);
        Form f = forms[line];
        if (f == null || formWords[line] != word) {
            f = loadStore ? AdvancedSimd.ofLoadStore(word) : AdvancedSimd.of(word);
            forms[line] = f;
            formWords[line] = word;
        }
        return f;
    }

    /** A structure load or store; returns null or {@link Exit#DATA_ABORT} (see {@link #faultAddress()}). */
    Exit loadStore(int word) {
        Form f = form(word, true);
        return f.shape == Shape.MULTIPLE ? multiple(f) : single(f);
    }

    /** A data-processing form. */
    void operate(int word) {
        Form f = form(word, false);
        qc = 0;
        switch (f.shape) {
            case SAME -> same(f);
            case DIFFERENT -> different(f);
            case MISC -> misc(f);
            case ACROSS -> across(f);
            case SHIFT -> shift(f);
            case ELEMENT -> element(f);
            case TABLE -> table(f);
            case FIXED_GENERAL -> fixedGeneral(f);
            default -> throw new IllegalStateException("not a data-processing form: " + f.kind);
        }
        s.fpsr |= fp.raised() | qc;
    }

    // ---- lanes

    private static long mask(int size) {
        return size >= 3 ? -1L : (1L << (8 << size)) - 1;
    }

    private long lane(int reg, int index, int size) {
        int bit = index << (size + 3);
        long word = s.v[2 * reg + (bit >>> 6)];
        return size == 3 ? word : (word >>> (bit & 63)) & mask(size);
    }

    private long signedLane(int reg, int index, int size) {
        int shift = 64 - (8 << size);
        return (lane(reg, index, size) << shift) >> shift;
    }

    private long get(int reg, int index, int size, boolean signed) {
        return signed ? signedLane(reg, index, size) : lane(reg, index, size);
    }

    private static long sext(long value, int size) {
        int shift = 64 - (8 << size);
        return (value << shift) >> shift;
    }

    private static void put(long[] into, int index, int size, long value) {
        put(into, 0, index, size, value);
    }

    /** Lane {@code index} of the 128-bit value held in {@code into[offset]} (low) and {@code into[offset + 1]}. */
    private static void put(long[] into, int offset, int index, int size, long value) {
        int bit = index << (size + 3);
        int word = offset + (bit >>> 6);
        if (size == 3) {
            into[word] = value;
            return;
        }
        long m = mask(size) << (bit & 63);
        into[word] = (into[word] & ~m) | ((value << (bit & 63)) & m);
    }

    private void clearOut() {
        out[0] = 0;
        out[1] = 0;
    }

    private void keepOut(int reg) {
        out[0] = s.v[2 * reg];
        out[1] = s.v[2 * reg + 1];
    }

    /** Writes {@link #out} to Vd; a 64-bit form (or a scalar) zeroes the upper half. */
    private void write(int reg, boolean full) {
        s.v[2 * reg] = out[0];
        s.v[2 * reg + 1] = full ? out[1] : 0;
    }

    private static int lanes(Form f, int size) {
        return f.scalar ? 1 : (f.q ? 16 : 8) >> size;
    }

    // ---- saturation

    private long satSigned(long value, int size) {
        if (size >= 3) {
            return value;
        }
        long max = (1L << ((8 << size) - 1)) - 1;
        long min = -max - 1;
        if (value > max) {
            qc = QC;
            return max;
        }
        if (value < min) {
            qc = QC;
            return min;
        }
        return value;
    }

    /** Saturates a signed value (exact in a long) to an unsigned result of {@code size}. */
    private long satUnsigned(long value, int size) {
        if (value < 0) {
            qc = QC;
            return 0;
        }
        if (size < 3 && value > mask(size)) {
            qc = QC;
            return mask(size);
        }
        return value;
    }

    /** Saturates a value known to be unsigned (as an unsigned long) to {@code size}. */
    private long satUnsignedFromUnsigned(long value, int size) {
        if (size < 3 && Long.compareUnsigned(value, mask(size)) > 0) {
            qc = QC;
            return mask(size);
        }
        return value;
    }

    private long signedAdd(long a, long b, int size) {
        if (size < 3) {
            return satSigned(a + b, size);
        }
        long r = a + b;
        if (((a ^ r) & (b ^ r)) < 0) {
            qc = QC;
            return a < 0 ? Long.MIN_VALUE : Long.MAX_VALUE;
        }
        return r;
    }

    private long signedSub(long a, long b, int size) {
        if (size < 3) {
            return satSigned(a - b, size);
        }
        long r = a - b;
        if (((a ^ b) & (a ^ r)) < 0) {
            qc = QC;
            return a < 0 ? Long.MIN_VALUE : Long.MAX_VALUE;
        }
        return r;
    }

    private long unsignedAdd(long a, long b, int size) {
        if (size < 3) {
            return satUnsigned(a + b, size);
        }
        long r = a + b;
        if (Long.compareUnsigned(r, a) < 0) {
            qc = QC;
            return -1L;
        }
        return r;
    }

    private long unsignedSub(long a, long b, int size) {
        if (Long.compareUnsigned(a, b) < 0) {
            qc = QC;
            return 0;
        }
        return a - b;
    }

    /** SUQADD: signed accumulator {@code d} plus unsigned {@code a}, saturated signed. */
    private long signedPlusUnsigned(long d, long a, int size) {
        if (size < 3) {
            return satSigned(d + a, size);
        }
        java.math.BigInteger sum = java.math.BigInteger.valueOf(d)
                .add(new java.math.BigInteger(Long.toUnsignedString(a)));
        if (sum.bitLength() > 63) {
            qc = QC;
            return Long.MAX_VALUE; // a is never negative, so only the top can be passed
        }
        return sum.longValue();
    }

    /** USQADD: unsigned accumulator {@code d} plus signed {@code a}, saturated unsigned. */
    private long unsignedPlusSigned(long d, long a, int size) {
        if (size < 3) {
            return satUnsigned(d + a, size);
        }
        if (a >= 0) {
            return unsignedAdd(d, a, 3);
        }
        long magnitude = -a;
        if (Long.compareUnsigned(d, magnitude) < 0) {
            qc = QC;
            return 0;
        }
        return d - magnitude;
    }

    // ---- shifts

    /** Shift right by n ≥ 0 with rounding, exactly (no overflow), of a signed or unsigned 64-bit value. */
    private static long roundingShiftRight(long a, int n, boolean unsigned) {
        if (n == 0) {
            return a;
        }
        if (unsigned) {
            if (n > 64) {
                return 0;
            }
            long high = n == 64 ? 0 : a >>> n;
            return high + ((a >>> (n - 1)) & 1);
        }
        return (a >> Math.min(n, 63)) + ((a >> Math.min(n - 1, 63)) & 1);
    }

    private static long shiftRight(long a, int n, boolean unsigned) {
        if (unsigned) {
            return n >= 64 ? 0 : a >>> n;
        }
        return a >> Math.min(n, 63);
    }

    /**
     * SSHL, USHL, SRSHL, URSHL, SQSHL, UQSHL, SQRSHL, UQRSHL: {@code a} (extended as {@code
     * unsigned} says) shifted by the signed byte {@code shift}, left when positive.
     */
    private long shiftByRegister(long a, int shift, int size, boolean unsigned, boolean rounding, boolean saturating) {
        int bits = 8 << size;
        if (shift >= 0) {
            if (!saturating) {
                return shift >= 64 ? 0 : a << shift;
            }
            return saturatingShiftLeft(a, shift, size, unsigned, unsigned);
        }
        int n = -shift;
        long r = rounding ? roundingShiftRight(a, n, unsigned) : shiftRight(a, n, unsigned);
        if (!saturating) {
            return r;
        }
        return r; // a right shift cannot leave the element's range, so nothing saturates
    }

    /**
     * {@code a} shifted left by {@code n}, saturated: to a signed result, or an unsigned one
     * (for SQSHLU, a signed source to an unsigned result).
     */
    private long saturatingShiftLeft(long a, int n, int size, boolean sourceUnsigned, boolean resultUnsigned) {
        int bits = 8 << size;
        if (a == 0) {
            return 0;
        }
        if (!sourceUnsigned && a < 0 && resultUnsigned) {
            qc = QC;
            return 0;
        }
        boolean negative = !sourceUnsigned && a < 0;
        // the number of significant bits the value needs, as the type of its source
        int needed = negative ? 64 - Long.numberOfLeadingZeros(~a) : 64 - Long.numberOfLeadingZeros(a);
        int available = resultUnsigned ? bits : bits - 1;
        if (n >= 64 || needed + n > available) {
            qc = QC;
            if (resultUnsigned) {
                return mask(size);
            }
            return negative ? -(1L << (bits - 1)) : (bits == 64 ? Long.MAX_VALUE : (1L << (bits - 1)) - 1);
        }
        return a << n;
    }

    // ---- three same

    private static boolean pairwise(Kind k) {
        return switch (k) {
            case ADDP, SMAXP, UMAXP, SMINP, UMINP, FADDP, FMAXP, FMINP, FMAXNMP, FMINNMP -> true;
            default -> false;
        };
    }

    private static boolean floating(Kind k) {
        return k.ordinal() >= Kind.FMAXNM.ordinal() && k.ordinal() <= Kind.FMINP.ordinal();
    }

    private static boolean unsignedInteger(Kind k) {
        return switch (k) {
            case UHADD, UQADD, URHADD, UHSUB, UQSUB, CMHI, CMHS, USHL, UQSHL, URSHL, UQRSHL, UMAX, UMIN, UABD, UABA,
                    UMAXP, UMINP, ADD, SUB, CMTST, CMEQ, MLA, MLS, MUL, PMUL, ADDP -> true;
            default -> false;
        };
    }

    private void same(Form f) {
        int size = f.size;
        int lanes = lanes(f, size);
        boolean isFloat = floating(f.kind);
        boolean unsigned = !isFloat && unsignedInteger(f.kind);
        boolean pairs = pairwise(f.kind);
        clearOut();
        for (int i = 0; i < lanes; i++) {
            long a;
            long b;
            if (pairs) {
                int j = 2 * i;
                int reg = j < lanes ? f.rn : f.rm;
                j = j < lanes ? j : j - lanes;
                a = get(reg, j, size, !unsigned && !isFloat);
                b = get(reg, j + 1, size, !unsigned && !isFloat);
            } else {
                a = get(f.rn, i, size, !unsigned && !isFloat);
                b = get(f.rm, i, size, !unsigned && !isFloat);
            }
            long d = lane(f.rd, i, size);
            long r = isFloat ? floatSame(f.kind, a, b, d, size) : integerSame(f.kind, a, b, d, size);
            put(out, i, size, r);
        }
        write(f.rd, f.q);
    }

    private long integerSame(Kind k, long a, long b, long d, int size) {
        long ones = mask(size);
        return switch (k) {
            case SHADD, UHADD -> (a + b) >> 1;
            case SRHADD, URHADD -> (a + b + 1) >> 1;
            case SHSUB, UHSUB -> (a - b) >> 1;
            case SQADD -> signedAdd(a, b, size);
            case UQADD -> unsignedAdd(a, b, size);
            case SQSUB -> signedSub(a, b, size);
            case UQSUB -> unsignedSub(a, b, size);
            case CMGT -> a > b ? ones : 0;
            case CMHI -> Long.compareUnsigned(a, b) > 0 ? ones : 0;
            case CMGE -> a >= b ? ones : 0;
            case CMHS -> Long.compareUnsigned(a, b) >= 0 ? ones : 0;
            case CMTST -> (a & b) != 0 ? ones : 0;
            case CMEQ -> a == b ? ones : 0;
            case SSHL, USHL, SRSHL, URSHL, SQSHL, UQSHL, SQRSHL, UQRSHL -> {
                boolean unsigned = k == Kind.USHL || k == Kind.URSHL || k == Kind.UQSHL || k == Kind.UQRSHL;
                boolean rounding = k == Kind.SRSHL || k == Kind.URSHL || k == Kind.SQRSHL || k == Kind.UQRSHL;
                boolean saturating = k == Kind.SQSHL || k == Kind.UQSHL || k == Kind.SQRSHL || k == Kind.UQRSHL;
                yield shiftByRegister(a, (byte) b, size, unsigned, rounding, saturating);
            }
            case SMAX, SMAXP -> Math.max(a, b);
            case SMIN, SMINP -> Math.min(a, b);
            case UMAX, UMAXP -> Long.compareUnsigned(a, b) >= 0 ? a : b;
            case UMIN, UMINP -> Long.compareUnsigned(a, b) <= 0 ? a : b;
            case SABD, UABD -> Math.abs(a - b);
            case SABA, UABA -> d + Math.abs(a - b);
            case ADD, ADDP -> a + b;
            case SUB -> a - b;
            case MLA -> d + a * b;
            case MLS -> d - a * b;
            case MUL -> a * b;
            case PMUL -> carrylessMultiply(a, b, 8);
            case SQDMULH, SQRDMULH -> doublingHigh(a, b, size, k == Kind.SQRDMULH);
            default -> throw new IllegalStateException("not an integer three-same: " + k);
        };
    }

    private long doublingHigh(long a, long b, int size, boolean round) {
        int bits = 8 << size;
        long min = -(1L << (bits - 1));
        if (a == min && b == min) {
            qc = QC;
            return -min - 1;
        }
        long product = 2 * a * b + (round ? 1L << (bits - 1) : 0);
        return product >> bits;
    }

    private static long carrylessMultiply(long a, long b, int bits) {
        long r = 0;
        for (int i = 0; i < bits; i++) {
            if ((b >>> i & 1) != 0) {
                r ^= a << i;
            }
        }
        return r;
    }

    private long floatSame(Kind k, long a, long b, long d, int size) {
        int bytes = 1 << size;
        long sign = size == 3 ? Long.MIN_VALUE : 0x8000_0000L;
        long ones = mask(size);
        return switch (k) {
            case FADD, FADDP -> fp.binary(2, a, b, bytes);
            case FSUB -> fp.binary(3, a, b, bytes);
            case FMUL -> fp.binary(0, a, b, bytes);
            case FDIV -> fp.binary(1, a, b, bytes);
            case FMAX, FMAXP -> fp.binary(4, a, b, bytes);
            case FMIN, FMINP -> fp.binary(5, a, b, bytes);
            case FMAXNM, FMAXNMP -> fp.binary(6, a, b, bytes);
            case FMINNM, FMINNMP -> fp.binary(7, a, b, bytes);
            case FABD -> fp.binary(3, a, b, bytes) & ~sign;
            case FMULX -> mulx(a, b, size);
            case FRECPS -> estimates.reciprocalStep(a, b, bytes);
            case FRSQRTS -> estimates.reciprocalSqrtStep(a, b, bytes);
            case FMLA -> fp.fused(0, d, a, b, bytes);
            case FMLS -> fp.fused(0, d, a ^ sign, b, bytes);
            case FCMEQ -> fp.compare(a, b, bytes, false) == 0x6000_0000 ? ones : 0;
            case FCMGE -> {
                int c = fp.compare(a, b, bytes, true);
                yield c == 0x2000_0000 || c == 0x6000_0000 ? ones : 0;
            }
            case FCMGT -> fp.compare(a, b, bytes, true) == 0x2000_0000 ? ones : 0;
            case FACGE -> {
                int c = fp.compare(a & ~sign, b & ~sign, bytes, true);
                yield c == 0x2000_0000 || c == 0x6000_0000 ? ones : 0;
            }
            case FACGT -> fp.compare(a & ~sign, b & ~sign, bytes, true) == 0x2000_0000 ? ones : 0;
            default -> throw new IllegalStateException("not a floating-point three-same: " + k);
        };
    }

    private long mulx(long a, long b, int size) {
        int bytes = 1 << size;
        if (!FloatingPoint.isNaN(a, bytes) && !FloatingPoint.isNaN(b, bytes)) {
            long sign = size == 3 ? Long.MIN_VALUE : 0x8000_0000L;
            long magA = a & ~sign;
            long magB = b & ~sign;
            long inf = size == 3 ? 0x7FF0_0000_0000_0000L : 0x7F80_0000L;
            if ((magA == 0 && magB == inf) || (magA == inf && magB == 0)) {
                long two = size == 3 ? 0x4000_0000_0000_0000L : 0x4000_0000L;
                return two | ((a ^ b) & sign);
            }
        }
        return fp.binary(0, a, b, bytes);
    }

    // ---- three different (and the long by-element forms)

    private void different(Form f) {
        switch (f.kind) {
            case ADDHN, RADDHN, SUBHN, RSUBHN -> highNarrow(f);
            default -> widening(f, -1);
        }
    }

    private static boolean unsignedWidening(Kind k) {
        return switch (k) {
            case UADDL, UADDW, USUBL, USUBW, UABAL, UABDL, UMLAL, UMLSL, UMULL, PMULL -> true;
            default -> false;
        };
    }

    /** The widening forms: wide result lanes from the low or (for "2", Q set) high narrow lanes; {@code index} ≥ 0 takes Vm[index]. */
    private void widening(Form f, int index) {
        int size = f.size;
        int wide = size + 1;
        int count = 8 >> size;
        int offset = f.q ? count : 0;
        if (f.scalar) {
            count = 1;
            offset = 0;
        }
        boolean unsigned = unsignedWidening(f.kind);
        clearOut();
        for (int i = 0; i < count; i++) {
            long d = get(f.rd, i, wide, !unsigned);
            long b = index >= 0 ? get(f.rm, index, size, !unsigned) : get(f.rm, i + offset, size, !unsigned);
            long a;
            switch (f.kind) {
                case SADDW, UADDW, SSUBW, USUBW -> a = get(f.rn, i, wide, !unsigned);
                default -> a = get(f.rn, i + offset, size, !unsigned);
            }
            long r = switch (f.kind) {
                case SADDL, UADDL, SADDW, UADDW -> a + b;
                case SSUBL, USUBL, SSUBW, USUBW -> a - b;
                case SABAL, UABAL -> d + Math.abs(a - b);
                case SABDL, UABDL -> Math.abs(a - b);
                case SMLAL, UMLAL -> d + a * b;
                case SMLSL, UMLSL -> d - a * b;
                case SMULL, UMULL -> a * b;
                case PMULL -> carrylessMultiply(a, b, 8);
                case SQDMULL -> doubling(a, b, size);
                case SQDMLAL -> signedAdd(d, doubling(a, b, size), wide);
                case SQDMLSL -> signedSub(d, doubling(a, b, size), wide);
                default -> throw new IllegalStateException("not a widening form: " + f.kind);
            };
            put(out, i, wide, r);
        }
        write(f.rd, !f.scalar);
    }

    /** SQDMULL: 2ab saturated to twice the element size (only the most negative squared saturates). */
    private long doubling(long a, long b, int size) {
        long min = -(1L << ((8 << size) - 1));
        if (a == min && b == min) {
            qc = QC;
            return size == 2 ? Long.MAX_VALUE : (1L << (2 * (8 << size) - 1)) - 1;
        }
        return 2 * a * b;
    }

    private void highNarrow(Form f) {
        int size = f.size;
        int wide = size + 1;
        int count = 8 >> size;
        int bits = 8 << size;
        boolean round = f.kind == Kind.RADDHN || f.kind == Kind.RSUBHN;
        boolean subtract = f.kind == Kind.SUBHN || f.kind == Kind.RSUBHN;
        narrowInto(f);
        for (int i = 0; i < count; i++) {
            long a = lane(f.rn, i, wide);
            long b = lane(f.rm, i, wide);
            long r = (subtract ? a - b : a + b) + (round ? 1L << (bits - 1) : 0);
            put(out, i + (f.q ? count : 0), size, r >>> bits);
        }
        write(f.rd, true);
    }

    /** Starts a narrowing result: the "2" form keeps Vd's low half, the plain one clears all of Vd. */
    private void narrowInto(Form f) {
        clearOut();
        if (f.q && !f.scalar) {
            out[0] = s.v[2 * f.rd];
        }
    }

    // ---- two-register misc

    private void misc(Form f) {
        Kind k = f.kind;
        int size = f.size;
        switch (k) {
            case DUP_SCALAR -> {
                clearOut();
                out[0] = lane(f.rn, f.index, size);
                write(f.rd, false);
                return;
            }
            case SADDLP, UADDLP, SADALP, UADALP -> {
                boolean unsigned = k == Kind.UADDLP || k == Kind.UADALP;
                boolean accumulate = k == Kind.SADALP || k == Kind.UADALP;
                int count = lanes(f, size + 1);
                clearOut();
                for (int i = 0; i < count; i++) {
                    long r = get(f.rn, 2 * i, size, !unsigned) + get(f.rn, 2 * i + 1, size, !unsigned);
                    put(out, i, size + 1, accumulate ? r + lane(f.rd, i, size + 1) : r);
                }
                write(f.rd, f.q);
                return;
            }
            case XTN, SQXTN, UQXTN, SQXTUN -> {
                int count = f.scalar ? 1 : 8 >> size;
                narrowInto(f);
                for (int i = 0; i < count; i++) {
                    long a = get(f.rn, i, size + 1, k != Kind.UQXTN);
                    long r = switch (k) {
                        case XTN -> a;
                        case SQXTN -> satSigned(a, size);
                        case UQXTN -> satUnsignedFromUnsigned(a, size);
                        default -> satUnsigned(a, size);
                    };
                    put(out, i + (f.q && !f.scalar ? count : 0), size, r);
                }
                write(f.rd, !f.scalar);
                return;
            }
            case SHLL -> {
                int count = 8 >> size;
                clearOut();
                for (int i = 0; i < count; i++) {
                    put(out, i, size + 1, lane(f.rn, i + (f.q ? count : 0), size) << (8 << size));
                }
                write(f.rd, true);
                return;
            }
            case FCVTN -> {
                narrowInto(f);
                for (int i = 0; i < 2; i++) {
                    put(out, i + (f.q ? 2 : 0), 2, fp.unary(4, lane(f.rn, i, 3), 8));
                }
                write(f.rd, true);
                return;
            }
            case FCVTXN -> {
                int count = f.scalar ? 1 : 2;
                narrowInto(f);
                for (int i = 0; i < count; i++) {
                    put(out, i + (f.q ? 2 : 0), 2, estimates.toSingleRoundedToOdd(lane(f.rn, i, 3)));
                }
                write(f.rd, !f.scalar);
                return;
            }
            case FCVTL -> {
                clearOut();
                for (int i = 0; i < 2; i++) {
                    put(out, i, 3, fp.unary(5, lane(f.rn, i + (f.q ? 2 : 0), 2), 4));
                }
                write(f.rd, true);
                return;
            }
            default -> {
                // element-wise below
            }
        }
        int count = lanes(f, size);
        boolean accumulate = k == Kind.SUQADD || k == Kind.USQADD;
        // REV64, REV32, REV16 reverse the elements within each container of 8, 4 or 2 bytes
        int reverse = switch (k) {
            case REV64 -> (8 >> size) - 1;
            case REV32 -> (4 >> size) - 1;
            case REV16 -> (2 >> size) - 1;
            default -> 0;
        };
        clearOut();
        for (int i = 0; i < count; i++) {
            long a = lane(f.rn, i ^ reverse, size);
            long d = accumulate ? lane(f.rd, i, size) : 0;
            put(out, i, size, miscLane(k, a, d, size));
        }
        write(f.rd, f.q);
    }

    private long miscLane(Kind k, long a, long d, int size) {
        int bits = 8 << size;
        long sa = sext(a, size);
        long ones = mask(size);
        int bytes = 1 << size;
        long min = -(1L << (bits - 1));
        return switch (k) {
            case REV64, REV32, REV16 -> a;
            case SUQADD -> signedPlusUnsigned(sext(d, size), a, size);
            case USQADD -> unsignedPlusSigned(d, sa, size);
            case CLS -> Long.numberOfLeadingZeros(sa < 0 ? ~sa : sa) - (64 - bits) - 1;
            case CLZ -> Long.numberOfLeadingZeros(a) - (64 - bits);
            case CNT -> Long.bitCount(a);
            case NOT -> ~a;
            case RBIT -> Long.reverse(a) >>> 56;
            case SQABS -> {
                if (sa == min) {
                    qc = QC;
                    yield min - 1;
                }
                yield Math.abs(sa);
            }
            case SQNEG -> {
                if (sa == min) {
                    qc = QC;
                    yield min - 1;
                }
                yield -sa;
            }
            case CMGT0 -> sa > 0 ? ones : 0;
            case CMEQ0 -> a == 0 ? ones : 0;
            case CMLT0 -> sa < 0 ? ones : 0;
            case CMGE0 -> sa >= 0 ? ones : 0;
            case CMLE0 -> sa <= 0 ? ones : 0;
            case ABS -> Math.abs(sa);
            case NEG -> -sa;
            case FRINTN -> fp.unary(8, a, bytes);
            case FRINTP -> fp.unary(9, a, bytes);
            case FRINTM -> fp.unary(10, a, bytes);
            case FRINTZ -> fp.unary(11, a, bytes);
            case FRINTA -> fp.unary(12, a, bytes);
            case FRINTX -> fp.unary(14, a, bytes);
            case FRINTI -> fp.unary(15, a, bytes);
            case FCVTNS, FCVTNU -> fp.toInteger(a, bytes, 0, k == Kind.FCVTNU, size == 2);
            case FCVTPS, FCVTPU -> fp.toInteger(a, bytes, 1, k == Kind.FCVTPU, size == 2);
            case FCVTMS, FCVTMU -> fp.toInteger(a, bytes, 2, k == Kind.FCVTMU, size == 2);
            case FCVTZS, FCVTZU -> fp.toInteger(a, bytes, 3, k == Kind.FCVTZU, size == 2);
            case FCVTAS, FCVTAU -> fp.toInteger(a, bytes, 4, k == Kind.FCVTAU, size == 2);
            case SCVTF -> fp.fromInteger(sa, false, bytes);
            case UCVTF -> fp.fromInteger(a, true, bytes);
            case FCMGT0 -> fp.compare(a, 0, bytes, true) == 0x2000_0000 ? ones : 0;
            case FCMEQ0 -> fp.compare(a, 0, bytes, false) == 0x6000_0000 ? ones : 0;
            case FCMLT0 -> fp.compare(a, 0, bytes, true) == 0x8000_0000 ? ones : 0;
            case FCMGE0 -> {
                int c = fp.compare(a, 0, bytes, true);
                yield c == 0x2000_0000 || c == 0x6000_0000 ? ones : 0;
            }
            case FCMLE0 -> {
                int c = fp.compare(a, 0, bytes, true);
                yield c == 0x8000_0000 || c == 0x6000_0000 ? ones : 0;
            }
            case FABS -> fp.unary(1, a, bytes);
            case FNEG -> fp.unary(2, a, bytes);
            case FSQRT -> fp.unary(3, a, bytes);
            case FRECPE -> estimates.reciprocal(a, bytes);
            case FRSQRTE -> estimates.reciprocalSqrt(a, bytes);
            case FRECPX -> estimates.reciprocalExponent(a, bytes);
            case URECPE -> Estimates.unsignedReciprocal(a);
            case URSQRTE -> Estimates.unsignedReciprocalSqrt(a);
            default -> throw new IllegalStateException("not a two-register misc form: " + k);
        };
    }

    // ---- across lanes and scalar pairwise

    private void across(Form f) {
        int size = f.size;
        long r;
        if (f.kind == Kind.ADDP) {
            r = lane(f.rn, 0, 3) + lane(f.rn, 1, 3);
        } else if (f.scalar) {
            r = floatSame(f.kind, lane(f.rn, 0, size), lane(f.rn, 1, size), 0, size);
        } else {
            Kind pair = switch (f.kind) {
                case FMAXNMV -> Kind.FMAXNM;
                case FMINNMV -> Kind.FMINNM;
                case FMAXV -> Kind.FMAX;
                default -> Kind.FMIN;
            };
            long low = floatSame(pair, lane(f.rn, 0, size), lane(f.rn, 1, size), 0, size);
            long high = floatSame(pair, lane(f.rn, 2, size), lane(f.rn, 3, size), 0, size);
            r = floatSame(pair, low, high, 0, size);
        }
        clearOut();
        out[0] = r & mask(size);
        write(f.rd, false);
    }

    // ---- shift by immediate

    private void shift(Form f) {
        Kind k = f.kind;
        int size = f.size;
        int n = f.index;
        switch (k) {
            case SHRN, RSHRN, SQSHRUN, SQRSHRUN, SQSHRN, UQSHRN, SQRSHRN, UQRSHRN -> {
                int count = f.scalar ? 1 : 8 >> size;
                boolean unsignedSource = k == Kind.SHRN || k == Kind.RSHRN || k == Kind.UQSHRN || k == Kind.UQRSHRN;
                boolean round = k == Kind.RSHRN || k == Kind.SQRSHRUN || k == Kind.SQRSHRN || k == Kind.UQRSHRN;
                narrowInto(f);
                for (int i = 0; i < count; i++) {
                    long a = get(f.rn, i, size + 1, !unsignedSource);
                    long shifted = round ? roundingShiftRight(a, n, unsignedSource) : shiftRight(a, n, unsignedSource);
                    long r = switch (k) {
                        case SHRN, RSHRN -> shifted;
                        case SQSHRUN, SQRSHRUN -> satUnsigned(shifted, size);
                        case SQSHRN, SQRSHRN -> satSigned(shifted, size);
                        default -> satUnsignedFromUnsigned(shifted, size);
                    };
                    put(out, i + (f.q && !f.scalar ? count : 0), size, r);
                }
                write(f.rd, !f.scalar);
                return;
            }
            case SSHLL, USHLL -> {
                int count = 8 >> size;
                clearOut();
                for (int i = 0; i < count; i++) {
                    put(out, i, size + 1, get(f.rn, i + (f.q ? count : 0), size, k == Kind.SSHLL) << n);
                }
                write(f.rd, true);
                return;
            }
            default -> {
                // element-wise below
            }
        }
        int count = lanes(f, size);
        int bits = 8 << size;
        int bytes = 1 << size;
        long ones = mask(size);
        clearOut();
        for (int i = 0; i < count; i++) {
            long ua = lane(f.rn, i, size);
            long sa = sext(ua, size);
            long d = lane(f.rd, i, size);
            long r = switch (k) {
                case SSHR -> shiftRight(sa, n, false);
                case USHR -> shiftRight(ua, n, true);
                case SSRA -> d + shiftRight(sa, n, false);
                case USRA -> d + shiftRight(ua, n, true);
                case SRSHR -> roundingShiftRight(sa, n, false);
                case URSHR -> roundingShiftRight(ua, n, true);
                case SRSRA -> d + roundingShiftRight(sa, n, false);
                case URSRA -> d + roundingShiftRight(ua, n, true);
                case SRI -> {
                    long m = n >= 64 ? 0 : ones >>> n;
                    yield (d & ~m) | (n >= 64 ? 0 : ua >>> n);
                }
                case SHL -> ua << n;
                case SLI -> {
                    long m = (ones << n) & ones;
                    yield (d & ~m) | ((ua << n) & m);
                }
                case SQSHLU -> saturatingShiftLeft(sa, n, size, false, true);
                case SQSHL_IMM -> saturatingShiftLeft(sa, n, size, false, false);
                case UQSHL_IMM -> saturatingShiftLeft(ua, n, size, true, true);
                case SCVTF_FIXED, UCVTF_FIXED -> fixedToFloat(k == Kind.SCVTF_FIXED ? sa : ua,
                        k == Kind.UCVTF_FIXED, bytes, n);
                case FCVTZS_FIXED, FCVTZU_FIXED -> floatToFixed(ua, bytes, n, k == Kind.FCVTZU_FIXED, bits == 32);
                default -> throw new IllegalStateException("not a shift by immediate: " + k);
            };
            put(out, i, size, r);
        }
        write(f.rd, f.q);
    }

    private long fixedToFloat(long value, boolean unsigned, int bytes, int fbits) {
        long bits = fp.fromInteger(value, unsigned, bytes);
        // scaling by a power of two is exact here: the result stays a normal number
        if (bytes == 8) {
            return Double.doubleToRawLongBits(Math.scalb(Double.longBitsToDouble(bits), -fbits));
        }
        return Float.floatToRawIntBits(Math.scalb(Float.intBitsToFloat((int) bits), -fbits)) & 0xFFFF_FFFFL;
    }

    private long floatToFixed(long a, int bytes, int fbits, boolean unsigned, boolean w) {
        if (FloatingPoint.isNaN(a, bytes)) {
            return fp.toInteger(a, bytes, 3, unsigned, w);
        }
        double x = bytes == 8 ? Double.longBitsToDouble(a) : Float.intBitsToFloat((int) a);
        return fp.toInteger(Double.doubleToRawLongBits(Math.scalb(x, fbits)), 8, 3, unsigned, w);
    }

    // ---- by element

    private void element(Form f) {
        Kind k = f.kind;
        switch (k) {
            case SMLAL, SQDMLAL, SMLSL, SQDMLSL, SMULL, SQDMULL, UMLAL, UMLSL, UMULL -> {
                widening(f, f.index);
                return;
            }
            default -> {
                // element-wise below
            }
        }
        int size = f.size;
        int count = lanes(f, size);
        boolean isFloat = k == Kind.FMLA || k == Kind.FMLS || k == Kind.FMUL || k == Kind.FMULX;
        long b = get(f.rm, f.index, size, !isFloat);
        clearOut();
        for (int i = 0; i < count; i++) {
            long a = get(f.rn, i, size, !isFloat && k != Kind.MUL && k != Kind.MLA && k != Kind.MLS);
            long d = lane(f.rd, i, size);
            long r = isFloat ? floatSame(k, a, b, d, size) : integerSame(k, a, b, d, size);
            put(out, i, size, r);
        }
        write(f.rd, f.q);
    }

    // ---- table lookup

    private void table(Form f) {
        int count = f.q ? 16 : 8;
        int tableBytes = 16 * f.registers;
        keepOut(f.rd);
        long[] result = {f.kind == Kind.TBX ? out[0] : 0, f.kind == Kind.TBX && f.q ? out[1] : 0};
        for (int i = 0; i < count; i++) {
            int index = (int) lane(f.rm, i, 0);
            if (index < tableBytes) {
                int reg = (f.rn + index / 16) % 32;
                put(result, i, 0, lane(reg, index % 16, 0));
            }
        }
        out[0] = result[0];
        out[1] = result[1];
        write(f.rd, f.q);
    }

    // ---- fixed point to and from general registers

    private void fixedGeneral(Form f) {
        int bytes = 1 << f.size;
        switch (f.kind) {
            case SCVTF_FIXED, UCVTF_FIXED -> {
                long value = f.rn == 31 ? 0 : s.x[f.rn];
                boolean unsigned = f.kind == Kind.UCVTF_FIXED;
                if (!f.sf) {
                    value = unsigned ? value & 0xFFFF_FFFFL : (int) value;
                }
                clearOut();
                out[0] = fixedToFloat(value, unsigned, bytes, f.index);
                write(f.rd, false);
            }
            default -> {
                long r = floatToFixed(lane(f.rn, 0, f.size), bytes, f.index, f.kind == Kind.FCVTZU_FIXED, !f.sf);
                if (f.rd != 31) {
                    s.x[f.rd] = r;
                }
            }
        }
    }

    // ---- structure loads and stores

    private Exit multiple(Form f) {
        boolean one = f.kind == Kind.LD1 || f.kind == Kind.ST1;
        int rpt = one ? f.registers : 1;
        int selem = one ? 1 : f.registers;
        int size = f.size;
        int bytes = 1 << size;
        int elements = (f.q ? 16 : 8) >> size;
        long address = s.x[f.rn];
        boolean load = f.isLoad();
        long[] loaded = structure;
        java.util.Arrays.fill(loaded, 0);
        long at = address;
        for (int r = 0; r < rpt; r++) {
            for (int e = 0; e < elements; e++) {
                for (int sIndex = 0; sIndex < selem; sIndex++) {
                    int which = r + sIndex;
                    int reg = (f.rd + which) % 32;
                    if (load) {
                        long value = memory.load(at, bytes);
                        if (memory.failed()) {
                            faultAddress = at;
                            return Exit.DATA_ABORT;
                        }
                        put(loaded, 2 * which, e, size, value);
                    } else {
                        memory.store(at, bytes, lane(reg, e, size));
                        if (memory.failed()) {
                            faultAddress = at;
                            return Exit.DATA_ABORT;
                        }
                    }
                    at += bytes;
                }
            }
        }
        if (load) {
            for (int which = 0; which < f.registers; which++) {
                int reg = (f.rd + which) % 32;
                s.v[2 * reg] = loaded[2 * which];
                s.v[2 * reg + 1] = f.q ? loaded[2 * which + 1] : 0;
            }
        }
        writeBack(f);
        return null;
    }

    private Exit single(Form f) {
        int size = f.size;
        int bytes = 1 << size;
        long at = s.x[f.rn];
        boolean replicate = f.kind.ordinal() >= Kind.LD1R.ordinal();
        boolean load = f.isLoad();
        long[] values = structure;
        for (int i = 0; i < f.registers; i++) {
            int reg = (f.rd + i) % 32;
            if (load) {
                values[i] = memory.load(at, bytes);
            } else {
                memory.store(at, bytes, lane(reg, f.index, size));
            }
            if (memory.failed()) {
                faultAddress = at;
                return Exit.DATA_ABORT;
            }
            at += bytes;
        }
        if (load) {
            for (int i = 0; i < f.registers; i++) {
                int reg = (f.rd + i) % 32;
                if (replicate) {
                    clearOut();
                    for (int e = 0; e < (f.q ? 16 : 8) >> size; e++) {
                        put(out, e, size, values[i]);
                    }
                    write(reg, f.q);
                } else {
                    keepOut(reg);
                    put(out, f.index, size, values[i]);
                    write(reg, true);
                }
            }
        }
        writeBack(f);
        return null;
    }

    private void writeBack(Form f) {
        if (f.post >= 0) {
            s.x[f.rn] += f.post == 31 ? f.bytesMoved() : s.x[f.post];
        }
    }
}
