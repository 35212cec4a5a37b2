package org.capbuddy.aarch64.cpu;

import java.math.BigDecimal;
import java.util.function.BooleanSupplier;

/**
 * Scalar IEEE 754 arithmetic as AArch64 does it with FPCR at its Linux default (round to nearest,
 * no flush to zero, no default-NaN mode). Java's float and double operations give the same
 * numbers; this class adds what differs or is missing: the NaN rules ({@code FPProcessNaNs}: a
 * signalling NaN first, then a quiet one, first operand first; an invalid operation gives the
 * default NaN, not the x86 one) and the exceptions each operation raises, which the caller ORs
 * into FPSR's cumulative flags ({@link #raised()}: IOC, DZC, OFC, UFC, IXC). Values travel as raw
 * bits: size 4 is single, 8 double. Underflow is a tiny (judged before rounding, as Arm does), inexact result.
 */
final class FloatingPoint {
    static final long DEFAULT_NAN_64 = 0x7FF8_0000_0000_0000L;
    static final long DEFAULT_NAN_32 = 0x7FC0_0000L;
    static final int IOC = 1;
    static final int DZC = 2;
    static final int OFC = 4;
    static final int UFC = 8;
    static final int IXC = 16;
    /** Never the bits of a NaN result: what {@link #processNaNs} returns when neither operand is a NaN. */
    static final long NO_NAN = 1;

    private int raised;

    /** The exceptions raised since the last call to this method. */
    int raised() {
        int r = raised;
        raised = 0;
        return r;
    }

    /** Records exceptions an operation outside this class raised (see {@link Estimates}). */
    void raise(int flags) {
        raised |= flags;
    }

    static boolean isNaN(long bits, int size) {
        return size == 8 ? Double.isNaN(Double.longBitsToDouble(bits)) : Float.isNaN(Float.intBitsToFloat((int) bits));
    }

    static boolean isSignalling(long bits, int size) {
        return isNaN(bits, size) && (size == 8 ? (bits & (1L << 51)) == 0 : (bits & (1L << 22)) == 0);
    }

    private static long quiet(long bits, int size) {
        return size == 8 ? bits | (1L << 51) : (bits | (1L << 22)) & 0xFFFF_FFFFL;
    }

    /** {@code FPProcessNaN}: a NaN operand quietened (raising IOC when it was signalling). */
    long processNaN(long a, int size) {
        if (isSignalling(a, size)) {
            raised |= IOC;
        }
        return quiet(a, size);
    }

    /** The NaN a two-operand operation returns (raising IOC for a signalling one), or NO_NAN. */
    long processNaNs(long a, long b, int size) {
        if (isSignalling(a, size) || isSignalling(b, size)) {
            raised |= IOC;
        }
        if (isSignalling(a, size)) {
            return quiet(a, size);
        }
        if (isSignalling(b, size)) {
            return quiet(b, size);
        }
        if (isNaN(a, size)) {
            return a;
        }
        if (isNaN(b, size)) {
            return b;
        }
        return NO_NAN;
    }

    private static long defaultNaN(int size) {
        return size == 8 ? DEFAULT_NAN_64 : DEFAULT_NAN_32;
    }

    private static double value(long bits, int size) {
        return size == 8 ? Double.longBitsToDouble(bits) : Float.intBitsToFloat((int) bits);
    }

    private static long bitsOf(double value, int size) {
        return size == 8 ? Double.doubleToRawLongBits(value) : Float.floatToRawIntBits((float) value) & 0xFFFF_FFFFL;
    }

    /**
     * The bits of a result computed from finite or infinite (not NaN) operands, with the flags it
     * raises: NaN from non-NaN operands is invalid (default NaN); an infinite result from finite
     * operands overflowed; a tiny inexact result underflowed. Arm judges tininess before rounding
     * ({@code FPRound} tests the unrounded exponent): an exact result below the smallest normal
     * number that rounds up to it has underflowed too, which only {@code exactIsTiny} can tell.
     */
    private long finish(double r, int size, boolean inexact, boolean finiteOperands, BooleanSupplier exactIsTiny) {
        if (Double.isNaN(r)) {
            raised |= IOC;
            return defaultNaN(size);
        }
        if (Double.isInfinite(r) && finiteOperands) {
            raised |= OFC | IXC;
            return bitsOf(r, size);
        }
        if (inexact) {
            raised |= IXC;
            double min = size == 8 ? Double.MIN_NORMAL : Float.MIN_NORMAL;
            double magnitude = Math.abs(r);
            if (magnitude < min || magnitude == min && exactIsTiny.getAsBoolean()) {
                raised |= UFC;
            }
        }
        return bitsOf(r, size);
    }

    private static final BooleanSupplier NEVER_TINY = () -> false;
    /** 2^-960: a double this large has 60 binades of normal numbers below its last place. */
    private static final double FAR_FROM_SUBNORMAL = 0x1p-960;

    private static boolean belowMinimum(BigDecimal exact, int size) {
        return exact.abs().compareTo(new BigDecimal(size == 8 ? Double.MIN_NORMAL : Float.MIN_NORMAL)) < 0;
    }

    /** FMUL, FDIV, FADD, FSUB, FMAX, FMIN, FMAXNM, FMINNM, FNMUL (see {@code SimdOp.FP2}). */
    long binary(int which, long a, long b, int size) {
        if (which == 8) {
            // FNMUL is FPNeg(FPMul(...)): the product's sign flipped whatever it is, a NaN's too
            return binary(0, a, b, size) ^ (size == 8 ? Long.MIN_VALUE : 0x8000_0000L);
        }
        if (which == 6 || which == 7) {
            boolean aQuiet = isNaN(a, size) && !isSignalling(a, size);
            boolean bQuiet = isNaN(b, size) && !isSignalling(b, size);
            if (aQuiet && !isNaN(b, size)) {
                return b;
            }
            if (bQuiet && !isNaN(a, size)) {
                return a;
            }
        }
        long nan = processNaNs(a, b, size);
        if (nan != NO_NAN) {
            return nan;
        }
        double x = value(a, size);
        double y = value(b, size);
        boolean finite = Double.isFinite(x) && Double.isFinite(y);
        if (which == 4 || which == 6) {
            return bitsOf(size == 8 ? Math.max(x, y) : Math.max((float) x, (float) y), size);
        }
        if (which == 5 || which == 7) {
            return bitsOf(size == 8 ? Math.min(x, y) : Math.min((float) x, (float) y), size);
        }
        if (which == 1 && y == 0 && Double.isFinite(x) && x != 0) {
            raised |= DZC;
            return bitsOf(x / y, size);
        }
        if (size == 4) {
            float fx = (float) x;
            float fy = which == 3 ? -(float) y : (float) y;
            float r = switch (which) {
                case 0 -> fx * fy;
                case 1 -> fx / fy;
                default -> fx + fy;
            };
            // products and the residue of a quotient of singles are exact in double
            boolean inexact = Float.isFinite(r) && finite && switch (which) {
                case 0 -> (double) fx * fy != r;
                case 1 -> r != 0 && Math.fma((double) r, fy, -(double) fx) != 0 || r == 0 && fx != 0;
                default -> twoSumError(fx, fy, r) != 0;
            };
            BooleanSupplier tiny = switch (which) {
                case 0 -> () -> Math.abs((double) fx * fy) < Float.MIN_NORMAL;
                case 1 -> () -> Math.abs((double) fx) < Float.MIN_NORMAL * Math.abs((double) fy);
                default -> NEVER_TINY; // a sum that small is exact
            };
            return finish(r, 4, inexact, finite, tiny);
        }
        double fy = which == 3 ? -y : y;
        double r = switch (which) {
            case 0 -> x * fy;
            case 1 -> x / fy;
            default -> x + fy;
        };
        boolean inexact;
        BooleanSupplier tiny = NEVER_TINY;
        if (!Double.isFinite(r) || !finite) {
            inexact = false;
        } else if (which >= 2) {
            inexact = twoSumError(x, fy, r) != 0;
        } else if (Math.abs(r) >= FAR_FROM_SUBNORMAL && (which == 0 || Math.abs(x) >= FAR_FROM_SUBNORMAL)) {
            // the fma residue (a fraction of r's or x's last place) is exact while it is not
            // subnormal, which it cannot be this far above the subnormals
            inexact = which == 0 ? Math.fma(x, fy, -r) != 0 : Math.fma(r, fy, -x) != 0;
        } else {
            BigDecimal exactX = new BigDecimal(x);
            BigDecimal exactY = new BigDecimal(fy);
            if (which == 0) {
                BigDecimal product = exactX.multiply(exactY);
                inexact = product.compareTo(new BigDecimal(r)) != 0;
                tiny = () -> belowMinimum(product, 8);
            } else {
                inexact = new BigDecimal(r).multiply(exactY).compareTo(exactX) != 0;
                tiny = () -> exactX.abs().compareTo(new BigDecimal(Double.MIN_NORMAL).multiply(exactY.abs())) < 0;
            }
        }
        return finish(r, 8, inexact, finite, tiny);
    }

    /** The rounding error of {@code s = a + b} (Knuth's TwoSum), exact when nothing overflows. */
    private static double twoSumError(double a, double b, double s) {
        double bb = s - a;
        return (a - (s - bb)) + (b - bb);
    }

    private static float twoSumError(float a, float b, float s) {
        float bb = s - a;
        return (a - (s - bb)) + (b - bb);
    }

    /**
     * FMADD, FMSUB, FNMADD, FNMSUB: addend a, operands n and m, rounded once. As the pseudocode
     * does, the negations come first ({@code FPNeg}, which flips a NaN's sign too), then
     * {@code FPMulAdd}: signalling NaNs (addend, first, second operand), then quiet ones, and a
     * quiet NaN addend with infinity times zero is an invalid operation (the default NaN).
     */
    long fused(int which, long a, long n, long m, int size) {
        long sign = size == 8 ? Long.MIN_VALUE : 0x8000_0000L;
        if (which == 1 || which == 2) {
            n ^= sign; // FMSUB, FNMADD: -(n * m)
        }
        if (which >= 2) {
            a ^= sign; // FNMADD, FNMSUB: -a
        }
        long nan = NO_NAN;
        for (long operand : new long[] {a, n, m}) {
            if (isSignalling(operand, size)) {
                raised |= IOC;
                if (nan == NO_NAN) {
                    nan = quiet(operand, size);
                }
            }
        }
        for (long operand : new long[] {a, n, m}) {
            if (nan == NO_NAN && isNaN(operand, size)) {
                nan = operand;
            }
        }
        double x = value(n, size);
        double y = value(m, size);
        boolean infinityTimesZero = Double.isInfinite(x) && y == 0 || x == 0 && Double.isInfinite(y);
        if (isNaN(a, size) && !isSignalling(a, size) && infinityTimesZero) {
            raised |= IOC;
            return defaultNaN(size);
        }
        if (nan != NO_NAN) {
            return nan;
        }
        double z = value(a, size);
        boolean finite = Double.isFinite(x) && Double.isFinite(y) && Double.isFinite(z);
        double r = size == 4 ? Math.fma((float) x, (float) y, (float) z) : Math.fma(x, y, z);
        if (!finite || !Double.isFinite(r)) {
            return finish(r, size, false, finite, NEVER_TINY);
        }
        BigDecimal exact = new BigDecimal(x).multiply(new BigDecimal(y)).add(new BigDecimal(z));
        return finish(r, size, exact.compareTo(new BigDecimal(r)) != 0, true, () -> belowMinimum(exact, size));
    }

    /** FMOV, FABS, FNEG, FSQRT, FCVT to single or double, FRINT* (see {@code SimdOp.FP1}); returns the bits of the result's size. */
    long unary(int which, long a, int size) {
        long sign = size == 8 ? Long.MIN_VALUE : 0x8000_0000L;
        switch (which) {
            case 0 -> {
                return a;
            }
            case 1 -> {
                return a & ~sign;
            }
            case 2 -> {
                return a ^ sign;
            }
            case 4 -> {
                return convertPrecision(a, 8, 4);
            }
            case 5 -> {
                return convertPrecision(a, 4, 8);
            }
            default -> {
                // arithmetic below
            }
        }
        if (isNaN(a, size)) {
            if (isSignalling(a, size)) {
                raised |= IOC;
            }
            return quiet(a, size);
        }
        double x = value(a, size);
        if (which == 3) {
            double r = size == 8 ? Math.sqrt(x) : (float) Math.sqrt(x);
            // for a double, the fma residue of a subnormal operand can round to 0: then check exactly
            boolean inexact = Double.isFinite(r) && r != 0 && (size == 8
                    ? Math.fma(r, r, -x) != 0 || new BigDecimal(r).pow(2).compareTo(new BigDecimal(x)) != 0
                    : r * r != x);
            // the square root of +infinity is +infinity, exact: no overflow
            return finish(r, size, inexact, Double.isFinite(x), NEVER_TINY);
        }
        double r = switch (which) {
            case 8, 14, 15 -> Math.rint(x);
            case 9 -> Math.ceil(x);
            case 10 -> Math.floor(x);
            case 11 -> x < 0 ? Math.ceil(x) : Math.floor(x);
            default -> roundTiesAway(x);
        };
        if (which == 14 && r != x) {
            raised |= IXC; // FRINTX alone reports inexactness
        }
        return bitsOf(r, size);
    }

    private static double roundTiesAway(double x) {
        double magnitude = Math.abs(x);
        double floor = Math.floor(magnitude);
        double rounded = magnitude - floor >= 0.5 ? floor + 1 : floor;
        return Math.copySign(rounded, x);
    }

    private long convertPrecision(long a, int from, int to) {
        if (isNaN(a, from)) {
            if (isSignalling(a, from)) {
                raised |= IOC;
            }
            if (from == 8) {
                long sign = (a >>> 63) << 31;
                return sign | 0x7FC0_0000L | ((a >>> 29) & 0x3F_FFFFL);
            }
            long sign = (a >>> 31 & 1) << 63;
            return sign | 0x7FF8_0000_0000_0000L | ((a & 0x3F_FFFFL) << 29);
        }
        if (from == 4) {
            return Double.doubleToRawLongBits(Float.intBitsToFloat((int) a));
        }
        double d = Double.longBitsToDouble(a);
        float f = (float) d;
        return finish(f, 4, Float.isFinite(f) && f != d, Double.isFinite(d), () -> Math.abs(d) < Float.MIN_NORMAL);
    }

    /** NZCV of FCMP (FCMPE when {@code signalling}): unordered 0011, equal 0110, less 1000, greater 0010. */
    int compare(long a, long b, int size, boolean signalling) {
        if (isNaN(a, size) || isNaN(b, size)) {
            if (signalling || isSignalling(a, size) || isSignalling(b, size)) {
                raised |= IOC;
            }
            return 0x3000_0000;
        }
        double x = value(a, size);
        double y = value(b, size);
        if (x == y) {
            return 0x6000_0000;
        }
        return x < y ? 0x8000_0000 : 0x2000_0000;
    }

    /** SCVTF, UCVTF: an integer (already extended to 64 bits as signed or unsigned) to size's format. */
    long fromInteger(long value, boolean unsigned, int size) {
        BigDecimal exact = unsigned && value < 0
                ? new BigDecimal(new java.math.BigInteger(Long.toUnsignedString(value))) : BigDecimal.valueOf(value);
        long bits;
        double converted;
        if (size == 4) {
            float f = !unsigned || value >= 0 ? (float) value : (float) ((value >>> 1) | (value & 1)) * 2f;
            bits = Float.floatToRawIntBits(f) & 0xFFFF_FFFFL;
            converted = f;
        } else {
            double d = !unsigned || value >= 0 ? (double) value : (double) ((value >>> 1) | (value & 1)) * 2d;
            bits = Double.doubleToRawLongBits(d);
            converted = d;
        }
        // every integer of at most 24 bits is exact in either format
        boolean small = unsigned ? value >= 0 && value < (1L << 24) : value > -(1L << 24) && value < (1L << 24);
        if (!small && new BigDecimal(converted).compareTo(exact) != 0) {
            raised |= IXC;
        }
        return bits;
    }

    /** FCVT[NPMZA][SU]: rounding 0 N, 1 P, 2 M, 3 Z, 4 A; saturating, NaN to 0; IOC out of range, IXC inexact. */
    long toInteger(long a, int size, int rounding, boolean unsigned, boolean w) {
        if (isNaN(a, size)) {
            raised |= IOC;
            return 0;
        }
        double x = value(a, size);
        double r = switch (rounding) {
            case 0 -> Math.rint(x);
            case 1 -> Math.ceil(x);
            case 2 -> Math.floor(x);
            case 3 -> x < 0 ? Math.ceil(x) : Math.floor(x);
            default -> roundTiesAway(x);
        };
        double low = unsigned ? 0 : w ? -2147483648.0 : -9223372036854775808.0;
        double high = unsigned ? (w ? 4294967296.0 : 18446744073709551616.0) : (w ? 2147483648.0 : 9223372036854775808.0);
        if (r < low || r >= high) {
            raised |= IOC;
            if (r < low) {
                return unsigned ? 0 : (w ? 0x8000_0000L : Long.MIN_VALUE);
            }
            return unsigned ? (w ? 0xFFFF_FFFFL : -1L) : (w ? 0x7FFF_FFFFL : Long.MAX_VALUE);
        }
        if (r != x) {
            raised |= IXC;
        }
        if (unsigned) {
            return r < 9223372036854775808.0 ? (long) r : (long) (r - 9223372036854775808.0) + Long.MIN_VALUE;
        }
        return w ? (long) (int) r & 0xFFFF_FFFFL : (long) r;
    }
}
