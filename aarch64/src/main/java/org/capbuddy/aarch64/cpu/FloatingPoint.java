package org.capbuddy.aarch64.cpu;

/**
 * Scalar IEEE 754 arithmetic as AArch64 does it with FPCR at its Linux default (round to nearest,
 * no flush to zero, no default-NaN mode): Java's float and double operations give the same
 * numbers, and this class adds what differs, the NaN rules ({@code FPProcessNaNs}: a signalling
 * NaN first, then a quiet one, first operand first; an invalid operation gives the default NaN, not
 * the x86 one). Values travel as raw bits: size 4 is single, 8 double. FPSR's cumulative exception
 * flags are not modelled.
 */
final class FloatingPoint {
    private FloatingPoint() {
    }

    static final long DEFAULT_NAN_64 = 0x7FF8_0000_0000_0000L;
    static final long DEFAULT_NAN_32 = 0x7FC0_0000L;
    private static final long NO_NAN = 1; // never the bits of a NaN result this class returns

    static boolean isNaN(long bits, int size) {
        return size == 8 ? Double.isNaN(Double.longBitsToDouble(bits)) : Float.isNaN(Float.intBitsToFloat((int) bits));
    }

    private static boolean isSignalling(long bits, int size) {
        return isNaN(bits, size) && (size == 8 ? (bits & (1L << 51)) == 0 : (bits & (1L << 22)) == 0);
    }

    private static long quiet(long bits, int size) {
        return size == 8 ? bits | (1L << 51) : (bits | (1L << 22)) & 0xFFFF_FFFFL;
    }

    /** The NaN a two-operand operation returns, or NO_NAN when neither operand is one. */
    private static long processNaNs(long a, long b, int size) {
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

    private static long bits(double value, int size) {
        if (Double.isNaN(value)) {
            return defaultNaN(size);
        }
        return size == 8 ? Double.doubleToRawLongBits(value) : Float.floatToRawIntBits((float) value) & 0xFFFF_FFFFL;
    }

    private static double value(long bits, int size) {
        return size == 8 ? Double.longBitsToDouble(bits) : Float.intBitsToFloat((int) bits);
    }

    /** FMUL, FDIV, FADD, FSUB, FMAX, FMIN, FMAXNM, FMINNM, FNMUL (see {@code SimdOp.FP2}). */
    static long binary(int which, long a, long b, int size) {
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
        if (size == 4) {
            float x = Float.intBitsToFloat((int) a);
            float y = Float.intBitsToFloat((int) b);
            float r = switch (which) {
                case 0 -> x * y;
                case 1 -> x / y;
                case 2 -> x + y;
                case 3 -> x - y;
                case 4, 6 -> Math.max(x, y);
                case 5, 7 -> Math.min(x, y);
                default -> -(x * y);
            };
            return Float.isNaN(r) ? DEFAULT_NAN_32 : Float.floatToRawIntBits(r) & 0xFFFF_FFFFL;
        }
        double x = Double.longBitsToDouble(a);
        double y = Double.longBitsToDouble(b);
        double r = switch (which) {
            case 0 -> x * y;
            case 1 -> x / y;
            case 2 -> x + y;
            case 3 -> x - y;
            case 4, 6 -> Math.max(x, y);
            case 5, 7 -> Math.min(x, y);
            default -> -(x * y);
        };
        return bits(r, 8);
    }

    /** FMADD, FMSUB, FNMADD, FNMSUB: addend a, operands n and m, rounded once. */
    static long fused(int which, long a, long n, long m, int size) {
        long nan = processNaNs(a, n, size);
        if (nan == NO_NAN) {
            nan = processNaNs(m, m, size);
        } else if (isSignalling(m, size) && !isSignalling(a, size) && !isSignalling(n, size)) {
            nan = quiet(m, size);
        }
        if (nan != NO_NAN) {
            return nan;
        }
        boolean negateProduct = which == 1 || which == 2;
        boolean negateAddend = which >= 2;
        if (size == 4) {
            float x = Float.intBitsToFloat((int) n);
            float y = Float.intBitsToFloat((int) m);
            float z = Float.intBitsToFloat((int) a);
            float r = Math.fma(negateProduct ? -x : x, y, negateAddend ? -z : z);
            return Float.isNaN(r) ? DEFAULT_NAN_32 : Float.floatToRawIntBits(r) & 0xFFFF_FFFFL;
        }
        double x = Double.longBitsToDouble(n);
        double y = Double.longBitsToDouble(m);
        double z = Double.longBitsToDouble(a);
        return bits(Math.fma(negateProduct ? -x : x, y, negateAddend ? -z : z), 8);
    }

    /** FMOV, FABS, FNEG, FSQRT, FCVT to single or double, FRINT* (see {@code SimdOp.FP1}); returns the bits of the result's size. */
    static long unary(int which, long a, int size) {
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
            return quiet(a, size);
        }
        double x = value(a, size);
        double r = switch (which) {
            case 3 -> Math.sqrt(x);
            case 8, 14, 15 -> Math.rint(x);
            case 9 -> Math.ceil(x);
            case 10 -> Math.floor(x);
            case 11 -> x < 0 ? Math.ceil(x) : Math.floor(x);
            default -> roundTiesAway(x);
        };
        return bits(r, size);
    }

    private static double roundTiesAway(double x) {
        double magnitude = Math.abs(x);
        double floor = Math.floor(magnitude);
        double rounded = magnitude - floor >= 0.5 ? floor + 1 : floor;
        return Math.copySign(rounded, x);
    }

    private static long convertPrecision(long a, int from, int to) {
        if (isNaN(a, from)) {
            if (from == 8) {
                long sign = (a >>> 63) << 31;
                return sign | 0x7FC0_0000L | ((a >>> 29) & 0x3F_FFFFL);
            }
            long sign = (a >>> 31 & 1) << 63;
            return sign | 0x7FF8_0000_0000_0000L | ((a & 0x3F_FFFFL) << 29);
        }
        return from == 8 ? Float.floatToRawIntBits((float) Double.longBitsToDouble(a)) & 0xFFFF_FFFFL
                : Double.doubleToRawLongBits(Float.intBitsToFloat((int) a));
    }

    /** NZCV of FCMP: unordered 0011, equal 0110, less 1000, greater 0010. */
    static int compare(long a, long b, int size) {
        if (isNaN(a, size) || isNaN(b, size)) {
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
    static long fromInteger(long value, boolean unsigned, int size) {
        if (size == 4) {
            float f = !unsigned || value >= 0 ? (float) value : (float) ((value >>> 1) | (value & 1)) * 2f;
            return Float.floatToRawIntBits(f) & 0xFFFF_FFFFL;
        }
        double d = !unsigned || value >= 0 ? (double) value : (double) ((value >>> 1) | (value & 1)) * 2d;
        return Double.doubleToRawLongBits(d);
    }

    /** FCVT[NPMZA][SU]: rounding 0 N, 1 P, 2 M, 3 Z, 4 A; saturating, NaN to 0. */
    static long toInteger(long a, int size, int rounding, boolean unsigned, boolean w) {
        if (isNaN(a, size)) {
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
        if (unsigned) {
            if (r <= 0) {
                return 0;
            }
            if (w) {
                return r >= 4294967295.0 ? 0xFFFF_FFFFL : (long) r;
            }
            if (r >= 18446744073709551616.0) {
                return -1L;
            }
            return r < 9223372036854775808.0 ? (long) r : (long) (r - 9223372036854775808.0) + Long.MIN_VALUE;
        }
        return w ? (long) (int) r & 0xFFFF_FFFFL : (long) r;
    }
}
