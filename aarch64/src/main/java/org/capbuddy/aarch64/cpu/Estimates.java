package org.capbuddy.aarch64.cpu;

/**
 * The reciprocal and reciprocal square root estimates and their Newton-Raphson steps (FRECPE,
 * FRSQRTE, URECPE, URSQRTE, FRECPS, FRSQRTS), FRECPX and the round-to-odd narrowing of FCVTXN,
 * as the Arm ARM's pseudocode defines them ({@code FPRecipEstimate}, {@code FPRSqrtEstimate},
 * {@code RecipEstimate}, {@code RecipSqrtEstimate}, {@code UnsignedRecipEstimate}, {@code
 * UnsignedRSqrtEstimate}, {@code FPRecipStepFused}, {@code FPRSqrtStepFused}, {@code FPRecpX},
 * {@code FPConvert} with {@code FPRounding_ODD}) for Armv8.0, whose estimates have 8 bits.
 *
 * <p>The estimates are no IEEE operation: every core computes the same bits from the 9-bit
 * tables the architecture defines by an integer algorithm, so a program that refines them with
 * the steps (gcc's {@code -ffast-math} division and square root) prints the same digits here as
 * on hardware. FPCR is at Linux's default, as {@link FloatingPoint} has it: round to nearest, no
 * flush to zero, NaNs propagated. Values travel as raw bits, size 4 single and 8 double; the
 * exceptions go to {@link FloatingPoint#raise}.
 */
final class Estimates {
    /** RecipEstimate of 256..511 (index 0..255 unused): 0.5 ≤ a/512 &lt; 1 to 1 ≤ r/256 &lt; 2. */
    private static final int[] RECIPROCAL = new int[512];
    /** RecipSqrtEstimate of 128..511: 0.25 ≤ a/512 &lt; 1 to 1 ≤ r/256 &lt; 2. */
    private static final int[] RECIPROCAL_SQRT = new int[512];

    static {
        for (int a = 256; a < 512; a++) {
            RECIPROCAL[a] = reciprocalEstimate(a);
        }
        for (int a = 128; a < 512; a++) {
            RECIPROCAL_SQRT[a] = reciprocalSqrtEstimate(a);
        }
    }

    private final FloatingPoint fp;

    Estimates(FloatingPoint fp) {
        this.fp = fp;
    }

    /** The architecture's RecipEstimate: 1/x to 8 fraction bits, each step rounded to nearest. */
    static int reciprocalEstimate(int a) {
        int midpoint = 2 * a + 1; // a + 1/2 in units of 1/1024
        int b = (1 << 19) / midpoint; // 2^19 / (2a + 1) = (1/x) in units of 1/512, truncated
        return (b + 1) / 2;
    }

    /** The architecture's RecipSqrtEstimate: 1/sqrt(x) to 8 fraction bits. */
    static int reciprocalSqrtEstimate(int a) {
        int scaled;
        if (a < 256) {
            scaled = 2 * a + 1; // 0.25 ≤ x < 0.5 in units of 1/512, to the middle of its step
        } else {
            scaled = (((a >> 1) << 1) + 1) * 2; // 0.5 ≤ x < 1 has half the steps: units of 1/256, middle
        }
        // the largest b with scaled * b^2 < 2^28, b < 2^14 / sqrt(scaled): found by counting, as defined
        int b = 512;
        while ((long) scaled * (b + 1) * (b + 1) < (1L << 28)) {
            b++;
        }
        return (b + 1) / 2;
    }

    private static int fractionBits(int size) {
        return size == 8 ? 52 : 23;
    }

    private static int exponentField(long bits, int size) {
        return (int) (bits >>> fractionBits(size)) & (size == 8 ? 0x7FF : 0xFF);
    }

    private static long signBit(int size) {
        return size == 8 ? Long.MIN_VALUE : 0x8000_0000L;
    }

    private static long infinity(int size) {
        return size == 8 ? 0x7FF0_0000_0000_0000L : 0x7F80_0000L;
    }

    /** The fraction widened to 52 bits, as the pseudocode works on it for both sizes. */
    private static long fraction52(long bits, int size) {
        return size == 8 ? bits & 0xF_FFFF_FFFF_FFFFL : (bits & 0x7F_FFFFL) << 29;
    }

    private static final long FRACTION_52 = 0xF_FFFF_FFFF_FFFFL;

    /** FRECPE: FPRecipEstimate. */
    long reciprocal(long a, int size) {
        long sign = a & signBit(size);
        int exp = exponentField(a, size);
        int maxExp = size == 8 ? 0x7FF : 0xFF;
        long fraction = fraction52(a, size);
        if (exp == maxExp) {
            return fraction != 0 ? fp.processNaN(a, size) : sign; // 1/NaN, 1/±infinity = ±0
        }
        if (exp == 0 && fraction == 0) {
            fp.raise(FloatingPoint.DZC);
            return sign | infinity(size);
        }
        if (exp == 0 && fraction >>> 50 == 0) {
            // below 2^-128 (2^-1024): the reciprocal overflows; round to nearest gives infinity
            fp.raise(FloatingPoint.OFC | FloatingPoint.IXC);
            return sign | infinity(size);
        }
        if (exp == 0) {
            // a subnormal: normalise by one or two places, the exponent going to 0 or -1
            if (fraction >>> 51 == 0) {
                exp = -1;
                fraction = (fraction << 2) & FRACTION_52;
            } else {
                fraction = (fraction << 1) & FRACTION_52;
            }
        }
        int estimate = RECIPROCAL[256 | (int) (fraction >>> 44)];
        int resultExp = (size == 8 ? 2045 : 253) - exp;
        long resultFraction = (long) (estimate & 0xFF) << 44;
        if (resultExp == 0) {
            resultFraction = (1L << 51) | (resultFraction >>> 1);
        } else if (resultExp == -1) {
            resultFraction = (1L << 50) | (resultFraction >>> 2);
            resultExp = 0;
        }
        int bits = fractionBits(size);
        return sign | ((long) resultExp << bits) | (resultFraction >>> (52 - bits));
    }

    /** FRSQRTE: FPRSqrtEstimate. */
    long reciprocalSqrt(long a, int size) {
        int exp = exponentField(a, size);
        int maxExp = size == 8 ? 0x7FF : 0xFF;
        long fraction = fraction52(a, size);
        boolean negative = (a & signBit(size)) != 0;
        if (exp == maxExp && fraction != 0) {
            return fp.processNaN(a, size);
        }
        if (exp == 0 && fraction == 0) {
            fp.raise(FloatingPoint.DZC);
            return (a & signBit(size)) | infinity(size);
        }
        if (negative) {
            fp.raise(FloatingPoint.IOC);
            return size == 8 ? FloatingPoint.DEFAULT_NAN_64 : FloatingPoint.DEFAULT_NAN_32;
        }
        if (exp == maxExp) {
            return 0; // 1/sqrt(+infinity) = +0
        }
        if (exp == 0) {
            while (fraction >>> 51 == 0) {
                fraction <<= 1;
                exp--;
            }
            fraction = (fraction << 1) & FRACTION_52;
        }
        // an even exponent (unbiased odd) scales into 0.5 .. 1, an odd one into 0.25 .. 0.5
        int scaled = (exp & 1) == 0 ? 256 | (int) (fraction >>> 44) : 128 | (int) (fraction >>> 45);
        int resultExp = ((size == 8 ? 3068 : 380) - exp) / 2;
        int estimate = RECIPROCAL_SQRT[scaled];
        int bits = fractionBits(size);
        return ((long) resultExp << bits) | ((long) (estimate & 0xFF) << (bits - 8));
    }

    /** URECPE: UnsignedRecipEstimate of a 32-bit lane (a fixed-point fraction 0 ≤ a/2^32 &lt; 1). */
    static long unsignedReciprocal(long a) {
        if ((a & 0x8000_0000L) == 0) {
            return 0xFFFF_FFFFL;
        }
        return (long) RECIPROCAL[(int) (a >>> 23) & 0x1FF] << 23;
    }

    /** URSQRTE: UnsignedRSqrtEstimate of a 32-bit lane. */
    static long unsignedReciprocalSqrt(long a) {
        if ((a & 0xC000_0000L) == 0) {
            return 0xFFFF_FFFFL;
        }
        return (long) RECIPROCAL_SQRT[(int) (a >>> 23) & 0x1FF] << 23;
    }

    private static boolean isZero(long bits, int size) {
        return (bits & ~signBit(size)) == 0;
    }

    private static boolean isInfinite(long bits, int size) {
        return (bits & ~signBit(size)) == infinity(size);
    }

    /** FRECPS: FPRecipStepFused, 2 - a*b rounded once (the Newton-Raphson step for 1/b). */
    long reciprocalStep(long a, long b, int size) {
        return step(a, b, size, false);
    }

    /** FRSQRTS: FPRSqrtStepFused, (3 - a*b) / 2 rounded once (the step for 1/sqrt). */
    long reciprocalSqrtStep(long a, long b, int size) {
        return step(a, b, size, true);
    }

    private long step(long a, long b, int size, boolean sqrt) {
        long sign = signBit(size);
        long negated = a ^ sign; // FPNeg first: a NaN operand comes back with its sign flipped
        long nan = fp.processNaNs(negated, b, size);
        if (nan != FloatingPoint.NO_NAN) {
            return nan;
        }
        boolean infA = isInfinite(negated, size);
        boolean infB = isInfinite(b, size);
        if (infA && isZero(b, size) || isZero(negated, size) && infB) {
            return constant(sqrt ? 1.5 : 2.0, size);
        }
        if (infA || infB) {
            return ((negated ^ b) & sign) | infinity(size);
        }
        if (!sqrt) {
            return fp.fused(0, constant(2.0, size), negated, b, size);
        }
        // (3 - ab)/2 = 1.5 + (-a)(b/2): halving the larger operand is exact unless it is within a
        // binade of the subnormals, and then the product is so small that halving the rounded
        // 3 - ab (near 3, normal) is exact instead; either way the value is rounded once
        int bits = fractionBits(size);
        boolean halveA = exponentField(negated, size) >= exponentField(b, size);
        long larger = halveA ? negated : b;
        if (exponentField(larger, size) >= 2) {
            long half = larger - (1L << bits);
            return halveA ? fp.fused(0, constant(1.5, size), half, b, size)
                    : fp.fused(0, constant(1.5, size), negated, half, size);
        }
        long sum = fp.fused(0, constant(3.0, size), negated, b, size);
        return sum - (1L << bits);
    }

    private static long constant(double value, int size) {
        return size == 8 ? Double.doubleToRawLongBits(value) : Float.floatToRawIntBits((float) value) & 0xFFFF_FFFFL;
    }

    /** FRECPX: the exponent inverted, the fraction cleared (a subnormal or zero gives the largest exponent). */
    long reciprocalExponent(long a, int size) {
        int exp = exponentField(a, size);
        int maxExp = size == 8 ? 0x7FF : 0xFF;
        if (exp == maxExp && fraction52(a, size) != 0) {
            return fp.processNaN(a, size);
        }
        int resultExp = exp == 0 ? maxExp - 1 : ~exp & maxExp;
        return (a & signBit(size)) | ((long) resultExp << fractionBits(size));
    }

    /**
     * FCVTXN: a double to single precision rounded to odd (truncated, the last bit set when
     * anything was lost), so that a second rounding to a narrower format is not a double rounding.
     * An overflow gives the largest single, not infinity; a NaN converts as FCVT converts it.
     */
    long toSingleRoundedToOdd(long a) {
        double d = Double.longBitsToDouble(a);
        if (Double.isNaN(d)) {
            return fp.unary(4, a, 8);
        }
        long sign = (a >>> 63) << 31;
        double magnitude = Math.abs(d);
        if (Double.isInfinite(d) || magnitude == 0) {
            return sign | (Double.isInfinite(d) ? 0x7F80_0000L : 0);
        }
        if (magnitude >= 0x1p128) {
            fp.raise(FloatingPoint.OFC | FloatingPoint.IXC);
            return sign | 0x7F7F_FFFFL;
        }
        float nearest = (float) magnitude;
        int bits = Float.floatToRawIntBits(nearest);
        if (nearest == magnitude) {
            return sign | bits;
        }
        if (nearest > magnitude) {
            bits--; // rounded up (perhaps to infinity): the single below is the truncation
        }
        fp.raise(magnitude < Float.MIN_NORMAL ? FloatingPoint.IXC | FloatingPoint.UFC : FloatingPoint.IXC);
        return sign | (bits | 1);
    }
}
