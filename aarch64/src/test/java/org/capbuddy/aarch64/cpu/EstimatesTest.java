package org.capbuddy.aarch64.cpu;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * The estimates, steps, FRECPX and FCVTXN on cases small enough to check by hand against the Arm
 * ARM's pseudocode; the QEMU corpus of the estimates mix ({@code QemuFuzzCorpusTest}) checks them
 * on thousands more.
 */
class EstimatesTest {
    private final FloatingPoint fp = new FloatingPoint();
    private final Estimates estimates = new Estimates(fp);

    private static long f(float value) {
        return Float.floatToRawIntBits(value) & 0xFFFF_FFFFL;
    }

    private static long d(double value) {
        return Double.doubleToRawLongBits(value);
    }

    @Test
    void theTablesAreWithinHalfAStepOfTheExactValue() {
        for (int a = 256; a < 512; a++) {
            double exact = 512.0 / (a + 0.5); // the reciprocal of the middle of a's step
            assertThat(Estimates.reciprocalEstimate(a) / 256.0).as("recip %d", a).isCloseTo(exact,
                    org.assertj.core.data.Offset.offset(1.0 / 256));
        }
        assertThat(Estimates.reciprocalEstimate(256)).isEqualTo(511);
        assertThat(Estimates.reciprocalEstimate(511)).isEqualTo(256);
        assertThat(Estimates.reciprocalSqrtEstimate(128)).isEqualTo(511);
        assertThat(Estimates.reciprocalSqrtEstimate(511)).isEqualTo(256);
    }

    @Test
    void oneGivesTheLargestEstimateBelowOne() {
        // index 256 (1.0 is 0.5 scaled, exponent odd for the square root) gives 511/512
        assertThat(estimates.reciprocal(f(1.0f), 4)).isEqualTo(f(0.998046875f));
        assertThat(estimates.reciprocalSqrt(f(1.0f), 4)).isEqualTo(f(0.998046875f));
        assertThat(estimates.reciprocal(d(-2.0), 8)).isEqualTo(d(-0.4990234375));
        assertThat(estimates.reciprocalSqrt(d(4.0), 8)).isEqualTo(d(0.4990234375));
        assertThat(fp.raised()).isZero();
    }

    @Test
    void zerosInfinitiesAndNaNs() {
        assertThat(estimates.reciprocal(f(-0.0f), 4)).isEqualTo(f(Float.NEGATIVE_INFINITY));
        assertThat(fp.raised()).isEqualTo(FloatingPoint.DZC);
        assertThat(estimates.reciprocal(d(Double.NEGATIVE_INFINITY), 8)).isEqualTo(d(-0.0));
        assertThat(estimates.reciprocalSqrt(f(Float.POSITIVE_INFINITY), 4)).isZero();
        assertThat(fp.raised()).isZero();
        assertThat(estimates.reciprocalSqrt(f(-1.0f), 4)).isEqualTo(FloatingPoint.DEFAULT_NAN_32);
        assertThat(fp.raised()).isEqualTo(FloatingPoint.IOC);
        // a signalling NaN comes back quiet, with IOC; a quiet one as it is
        assertThat(estimates.reciprocal(0xFF80_0001L, 4)).isEqualTo(0xFFC0_0001L);
        assertThat(fp.raised()).isEqualTo(FloatingPoint.IOC);
        assertThat(estimates.reciprocalSqrt(0x7FF8_0000_0000_0005L, 8)).isEqualTo(0x7FF8_0000_0000_0005L);
        assertThat(fp.raised()).isZero();
    }

    @Test
    void subnormalsAtBothEndsOfTheRange() {
        // 2^-129 is below 2^-128: its reciprocal overflows to infinity
        assertThat(estimates.reciprocal(f(0x1p-129f), 4)).isEqualTo(f(Float.POSITIVE_INFINITY));
        assertThat(fp.raised()).isEqualTo(FloatingPoint.OFC | FloatingPoint.IXC);
        // 2^-127 (fraction 0x400000): normalised by one place, estimate 511/256 at 2^126
        assertThat(estimates.reciprocal(f(0x1p-127f), 4)).isEqualTo(f(0x1.ffp126f));
        // 2^-128 (fraction 0x200000), by two places: the exponent goes to -1
        assertThat(estimates.reciprocal(f(0x1p-128f), 4)).isEqualTo(f(0x1.ffp127f));
        // 2^127's reciprocal is subnormal: 0.998 * 2^-127
        assertThat(estimates.reciprocal(f(0x1p127f), 4)).isEqualTo(f(0x1.ffp-128f));
        assertThat(fp.raised()).isZero();
        // the smallest subnormal double's square root estimate: 2^-1074 -> about 2^537
        assertThat(estimates.reciprocalSqrt(1, 8)).isEqualTo(d(0x1.ffp536));
    }

    @Test
    void theStepsAreFusedAndTheirSpecialCasesAreDefined() {
        assertThat(estimates.reciprocalStep(f(0.5f), f(3.0f), 4)).isEqualTo(f(0.5f)); // 2 - 1.5
        assertThat(estimates.reciprocalSqrtStep(d(1.0), d(2.0), 8)).isEqualTo(d(0.5)); // (3 - 2) / 2
        assertThat(estimates.reciprocalStep(f(Float.POSITIVE_INFINITY), f(-0.0f), 4)).isEqualTo(f(2.0f));
        assertThat(estimates.reciprocalSqrtStep(d(0.0), d(Double.NEGATIVE_INFINITY), 8)).isEqualTo(d(1.5));
        assertThat(fp.raised()).isZero();
        // -(inf) * 2 = -inf: 2 + -inf
        assertThat(estimates.reciprocalStep(f(Float.POSITIVE_INFINITY), f(2.0f), 4))
                .isEqualTo(f(Float.NEGATIVE_INFINITY));
        // (3 - ab)/2 with ab beyond the largest double: halved before rounding, no overflow
        assertThat(estimates.reciprocalSqrtStep(d(0x1p1000), d(-0x1p24), 8)).isEqualTo(d(0x1p1023));
        assertThat(fp.raised()).isEqualTo(FloatingPoint.IXC);
        // the first operand's NaN is negated before it propagates
        assertThat(estimates.reciprocalStep(0x7FC0_0001L, f(1.0f), 4)).isEqualTo(0xFFC0_0001L);
    }

    @Test
    void frecpxInvertsTheExponent() {
        assertThat(estimates.reciprocalExponent(f(3.0f), 4)).isEqualTo(f(1.0f)); // exponent field 128 -> 127
        assertThat(estimates.reciprocalExponent(f(-0.0f), 4)).isEqualTo(f(-0x1p127f));
        assertThat(estimates.reciprocalExponent(d(Double.POSITIVE_INFINITY), 8)).isZero();
        assertThat(estimates.reciprocalExponent(1, 8)).isEqualTo(d(0x1p1023));
        assertThat(fp.raised()).isZero();
    }

    @Test
    void unsignedEstimates() {
        assertThat(Estimates.unsignedReciprocal(0x7FFF_FFFFL)).isEqualTo(0xFFFF_FFFFL);
        assertThat(Estimates.unsignedReciprocal(0x8000_0000L)).isEqualTo(511L << 23);
        assertThat(Estimates.unsignedReciprocalSqrt(0x3FFF_FFFFL)).isEqualTo(0xFFFF_FFFFL);
        assertThat(Estimates.unsignedReciprocalSqrt(0x4000_0000L)).isEqualTo(511L << 23);
    }

    @Test
    void fcvtxnRoundsToOdd() {
        assertThat(estimates.toSingleRoundedToOdd(d(1.5))).isEqualTo(f(1.5f));
        assertThat(fp.raised()).isZero();
        // 1 + 2^-30 lies between 1 and its successor: truncated to 1, the last bit set
        assertThat(estimates.toSingleRoundedToOdd(d(1 + 0x1p-30))).isEqualTo(f(1.0f) | 1);
        assertThat(fp.raised()).isEqualTo(FloatingPoint.IXC);
        // 1 + 3 * 2^-24 (nearest would round up to the even 1 + 2^-22): odd 1 + 2^-23
        assertThat(estimates.toSingleRoundedToOdd(d(1 + 3 * 0x1p-24))).isEqualTo(f(1.0f) | 1);
        // overflow gives the largest single, not infinity
        assertThat(estimates.toSingleRoundedToOdd(d(-0x1p200))).isEqualTo(f(-Float.MAX_VALUE));
        assertThat(fp.raised()).isEqualTo(FloatingPoint.OFC | FloatingPoint.IXC);
        // below the smallest subnormal: the smallest subnormal, underflow
        assertThat(estimates.toSingleRoundedToOdd(d(0x1p-160))).isEqualTo(1L);
        assertThat(fp.raised()).isEqualTo(FloatingPoint.UFC | FloatingPoint.IXC);
        assertThat(estimates.toSingleRoundedToOdd(0x7FF0_0000_0000_0001L)).isEqualTo(0x7FC0_0000L);
        assertThat(fp.raised()).isEqualTo(FloatingPoint.IOC);
    }
}
