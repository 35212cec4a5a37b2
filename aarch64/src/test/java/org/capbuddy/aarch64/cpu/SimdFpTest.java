package org.capbuddy.aarch64.cpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.capbuddy.aarch64.testing.Run.one;
import static org.capbuddy.aarch64.testing.Run.stepped;

import org.capbuddy.aarch64.testing.Run;
import org.junit.jupiter.api.Test;

/** SIMD&FP loads, stores, lane moves, vector integer operations and scalar floating point. */
class SimdFpTest {
    private static final long D = Run.DATA;

    private static long bits(double d) {
        return Double.doubleToRawLongBits(d);
    }

    private static double d0(Run run) {
        return Double.longBitsToDouble(run.state.vLow(0));
    }

    @Test
    void vectorLoadsAndStores() {
        Run q = stepped(one("ldr q0, [x1]").x(1, D).poke(D, 8, 0x1111).poke(D + 8, 8, 0x2222));
        assertThat(q.state.vLow(0)).isEqualTo(0x1111);
        assertThat(q.state.vHigh(0)).isEqualTo(0x2222);
        Run store = stepped(one("str q0, [x1, #16]").x(1, D).v(0, 5, 6));
        assertThat(store.memory.peek(D + 16, 8)).isEqualTo(5);
        assertThat(store.memory.peek(D + 24, 8)).isEqualTo(6);
        Run pair = stepped(one("stp q0, q1, [x1, #32]").x(1, D).v(0, 1, 2).v(1, 3, 4));
        assertThat(pair.memory.peek(D + 48, 8)).isEqualTo(3);
        Run load = stepped(one("ldp q0, q1, [x1], #32").x(1, D).poke(D + 16, 8, 9));
        assertThat(load.state.vLow(1)).isEqualTo(9);
        assertThat(load.x(1)).isEqualTo(D + 32);
        Run d = stepped(one("ldr d0, [x1, #8]").x(1, D).v(0, -1, -1).poke(D + 8, 8, 7));
        assertThat(d.state.vLow(0)).isEqualTo(7);
        assertThat(d.state.vHigh(0)).isZero();
        Run s = stepped(one("str s0, [x1]").x(1, D).v(0, 0x1_2345_6789L, 0).poke(D, 8, -1));
        assertThat(s.memory.peek(D, 8)).isEqualTo(0xFFFF_FFFF_2345_6789L);
        assertThat(stepped(one("ldr b0, [x1]").x(1, D).poke(D, 2, 0x1FF)).state.vLow(0)).isEqualTo(0xFF);
        assertThat(stepped(one("ldr h0, [x1, x2, lsl #1]").x(1, D).x(2, 2).poke(D + 4, 2, 0xBEEF)).state.vLow(0))
                .isEqualTo(0xBEEF);
    }

    @Test
    void laneMoves() {
        Run dup = stepped(one("dup v0.16b, w1").x(1, 0x1AB));
        assertThat(dup.state.vLow(0)).isEqualTo(0xABAB_ABAB_ABAB_ABABL);
        assertThat(dup.state.vHigh(0)).isEqualTo(0xABAB_ABAB_ABAB_ABABL);
        assertThat(stepped(one("dup v0.2d, x1").x(1, 7)).state.vHigh(0)).isEqualTo(7);
        assertThat(stepped(one("dup v0.4s, v1.s[1]").v(1, 0x2222_2222_1111_1111L, 0)).state.vHigh(0))
                .isEqualTo(0x2222_2222_2222_2222L);
        assertThat(stepped(one("umov w0, v1.b[3]").v(1, 0x0807_0605_0403_0201L, 0)).x(0)).isEqualTo(4);
        assertThat(stepped(one("mov x0, v1.d[1]").v(1, 1, 2)).x(0)).isEqualTo(2);
        assertThat(stepped(one("smov x0, v1.h[2]").v(1, 0x8000_0000_0000L, 0)).x(0)).isEqualTo(-32768);
        Run ins = stepped(one("mov v0.s[2], w1").x(1, 0xAABB_CCDDL).v(0, 1, -1));
        assertThat(ins.state.vHigh(0)).isEqualTo(0xFFFF_FFFF_AABB_CCDDL);
        assertThat(ins.state.vLow(0)).isEqualTo(1);
        assertThat(stepped(one("mov v0.b[15], v1.b[0]").v(1, 0x42, 0)).state.vHigh(0)).isEqualTo(0x4200_0000_0000_0000L);
        assertThat(stepped(one("mov v0.d[1], x1").x(1, 9).v(0, 3, 0)).state.vHigh(0)).isEqualTo(9);
    }

    @Test
    void modifiedImmediates() {
        assertThat(stepped(one("movi v0.16b, #0x5a")).state.vHigh(0)).isEqualTo(0x5A5A_5A5A_5A5A_5A5AL);
        assertThat(stepped(one("movi v0.2d, #0xff00ff00ff00ff00")).state.vLow(0)).isEqualTo(0xFF00_FF00_FF00_FF00L);
        assertThat(stepped(one("movi v0.4s, #0x12, lsl #8")).state.vLow(0)).isEqualTo(0x0000_1200_0000_1200L);
        Run mvni = stepped(one("mvni v0.4h, #0x1").v(0, 0, -1));
        assertThat(mvni.state.vLow(0)).isEqualTo(0xFFFE_FFFE_FFFE_FFFEL);
        assertThat(mvni.state.vHigh(0)).isZero();
        assertThat(stepped(one("orr v0.8h, #0x3, lsl #8").v(0, 1, 0)).state.vLow(0)).isEqualTo(0x0300_0300_0300_0301L);
    }

    @Test
    void vectorIntegerOperations() {
        assertThat(stepped(one("and v0.16b, v1.16b, v2.16b").v(1, 0xFF, 0xF0).v(2, 0x0F, 0xFF)).state.vHigh(0))
                .isEqualTo(0xF0);
        assertThat(stepped(one("orr v0.16b, v1.16b, v1.16b").v(1, 3, 4)).state.vHigh(0)).isEqualTo(4);
        assertThat(stepped(one("eor v0.8b, v1.8b, v2.8b").v(1, 3, 4).v(2, 1, 1)).state.vHigh(0)).isZero();
        assertThat(stepped(one("bic v0.16b, v1.16b, v2.16b").v(1, 0xFF, 0).v(2, 0x0F, 0)).state.vLow(0)).isEqualTo(0xF0);
        assertThat(stepped(one("bsl v0.16b, v1.16b, v2.16b").v(0, 0xF0, 0).v(1, 0xAA, 0).v(2, 0x55, 0)).state.vLow(0))
                .isEqualTo(0xA5);
        assertThat(stepped(one("cmeq v0.16b, v1.16b, v2.16b").v(1, 0x0102, 0).v(2, 0x0103, 0)).state.vLow(0))
                .isEqualTo(0xFFFF_FFFF_FFFF_FF00L);
        assertThat(stepped(one("cmeq v0.16b, v1.16b, #0").v(1, 0x00FF, -1)).state.vLow(0))
                .isEqualTo(0xFFFF_FFFF_FFFF_FF00L);
        Run cmhs = stepped(one("cmhs v0.4s, v1.4s, v2.4s").v(1, 0xFFFF_FFFFL, 0).v(2, 1, 1));
        assertThat(cmhs.state.vLow(0)).isEqualTo(-1);
        assertThat(cmhs.state.vHigh(0)).isEqualTo(0xFFFF_FFFF_0000_0000L);
        assertThat(stepped(one("add v0.2d, v1.2d, v2.2d").v(1, 1, 2).v(2, 3, 4)).state.vHigh(0)).isEqualTo(6);
        assertThat(stepped(one("sub v0.4s, v1.4s, v2.4s").v(1, 0, 0).v(2, 1, 0)).state.vLow(0)).isEqualTo(0xFFFF_FFFFL);
        assertThat(stepped(one("addp v0.16b, v1.16b, v2.16b").v(1, 0x0201, 0).v(2, 0x0403, 0)).state.vHigh(0))
                .isEqualTo(0x07);
        assertThat(stepped(one("umaxp v0.16b, v1.16b, v2.16b").v(1, 0x0509, 0).v(2, 0, 0)).state.vLow(0))
                .isEqualTo(0x09);
        assertThat(stepped(one("uminv b0, v1.16b").v(1, -1, 0xFFFF_FFFF_FF07_FFFFL)).state.vLow(0)).isEqualTo(7);
        assertThat(stepped(one("umaxv b0, v1.16b").v(1, 0x80, 0x7F)).state.vLow(0)).isEqualTo(0x80);
        assertThat(stepped(one("addv h0, v1.8h").v(1, 0x0001_0001_0001_0001L, 0x0001_0001_0001_FFFFL)).state.vLow(0))
                .isEqualTo(6);
        assertThat(stepped(one("cnt v0.8b, v1.8b").v(1, 0xFF03, 0)).state.vLow(0)).isEqualTo(0x0802);
        assertThat(stepped(one("not v0.16b, v1.16b").v(1, 0, -1)).state.vLow(0)).isEqualTo(-1);
        assertThat(stepped(one("rev64 v0.16b, v1.16b").v(1, 0x0102_0304_0506_0708L, 0)).state.vLow(0))
                .isEqualTo(0x0807_0605_0403_0201L);
        assertThat(stepped(one("ext v0.16b, v1.16b, v2.16b, #3").v(1, 0x0706_0504_0302_0100L, 0x0F0E_0D0C_0B0A_0908L)
                .v(2, 0x1716_1514_1312_1110L, 0)).state.vLow(0)).isEqualTo(0x0A09_0807_0605_0403L);
        assertThat(stepped(one("zip1 v0.16b, v1.16b, v2.16b").v(1, 0x0201, 0).v(2, 0x0403, 0)).state.vLow(0))
                .isEqualTo(0x0402_0301);
        assertThat(stepped(one("uzp2 v0.8h, v1.8h, v2.8h").v(1, 0x0004_0003_0002_0001L, 0).v(2, 0, 0)).state.vLow(0))
                .isEqualTo(0x0004_0002L);
        assertThat(stepped(one("ushr v0.2d, v1.2d, #8").v(1, 0x1234, -1)).state.vHigh(0)).isEqualTo(0x00FF_FFFF_FFFF_FFFFL);
        assertThat(stepped(one("shl v0.4s, v1.4s, #3").v(1, 0x8000_0001L, 0)).state.vLow(0)).isEqualTo(8);
        assertThat(stepped(one("ushll v0.8h, v1.8b, #0").v(1, 0xFF01, 0)).state.vLow(0)).isEqualTo(0x00FF_0001L);
        assertThat(stepped(one("shrn v0.8b, v1.8h, #4").v(1, 0x0FF0_1230L, 0)).state.vLow(0)).isEqualTo(0xFF23);
    }

    @Test
    void floatingPointMovesAndArithmetic() {
        assertThat(stepped(one("fmov d0, x1").x(1, bits(2.5))).state.vLow(0)).isEqualTo(bits(2.5));
        assertThat(stepped(one("fmov x0, d1").v(1, bits(-1), 0)).x(0)).isEqualTo(bits(-1));
        assertThat(stepped(one("fmov s0, w1").x(1, 0x1_3F80_0000L)).state.vLow(0)).isEqualTo(0x3F80_0000L);
        assertThat(stepped(one("fmov w0, s1").v(1, 0x7_4000_0000L, 0)).x(0)).isEqualTo(0x4000_0000L);
        assertThat(stepped(one("fmov d0, #1.0")).state.vLow(0)).isEqualTo(bits(1.0));
        assertThat(stepped(one("fmov s0, #-2.5")).state.vLow(0)).isEqualTo(Float.floatToRawIntBits(-2.5f) & 0xFFFF_FFFFL);
        assertThat(d0(stepped(one("fadd d0, d1, d2").v(1, bits(0.1), 0).v(2, bits(0.2), 0)))).isEqualTo(0.1 + 0.2);
        assertThat(stepped(one("fsub s0, s1, s2").v(1, Float.floatToRawIntBits(1f), 0).v(2, Float.floatToRawIntBits(3f), 0))
                .state.vLow(0)).isEqualTo(Float.floatToRawIntBits(-2f) & 0xFFFF_FFFFL);
        assertThat(d0(stepped(one("fmul d0, d1, d2").v(1, bits(3), 0).v(2, bits(-4), 0)))).isEqualTo(-12.0);
        assertThat(d0(stepped(one("fdiv d0, d1, d2").v(1, bits(1), 0).v(2, bits(3), 0)))).isEqualTo(1.0 / 3);
        assertThat(d0(stepped(one("fmax d0, d1, d2").v(1, bits(-0.0), 0).v(2, bits(0.0), 0)))).isEqualTo(0.0);
        assertThat(d0(stepped(one("fminnm d0, d1, d2").v(1, 0x7FF8_0000_0000_0001L, 0).v(2, bits(5), 0)))).isEqualTo(5.0);
        assertThat(d0(stepped(one("fnmul d0, d1, d2").v(1, bits(2), 0).v(2, bits(3), 0)))).isEqualTo(-6.0);
        assertThat(d0(stepped(one("fabs d0, d1").v(1, bits(-7), 0)))).isEqualTo(7.0);
        assertThat(stepped(one("fneg s0, s1").v(1, 0x3F80_0000L, 0)).state.vLow(0)).isEqualTo(0xBF80_0000L);
        assertThat(d0(stepped(one("fsqrt d0, d1").v(1, bits(2), 0)))).isEqualTo(Math.sqrt(2));
        assertThat(d0(stepped(one("fmadd d0, d1, d2, d3").v(1, bits(2), 0).v(2, bits(3), 0).v(3, bits(1), 0))))
                .isEqualTo(7.0);
        assertThat(d0(stepped(one("fnmsub d0, d1, d2, d3").v(1, bits(2), 0).v(2, bits(3), 0).v(3, bits(1), 0))))
                .isEqualTo(5.0);
    }

    @Test
    void nanRulesAreArmsNotTheHosts() {
        assertThat(stepped(one("fsqrt d0, d1").v(1, bits(-1), 0)).state.vLow(0)).isEqualTo(0x7FF8_0000_0000_0000L);
        assertThat(stepped(one("fsub s0, s1, s2").v(1, 0x7F80_0000L, 0).v(2, 0x7F80_0000L, 0)).state.vLow(0))
                .isEqualTo(0x7FC0_0000L);
        // a signalling NaN in the second operand wins over a quiet one in the first, quietened
        assertThat(stepped(one("fadd d0, d1, d2").v(1, 0x7FF8_0000_0000_0001L, 0).v(2, 0x7FF0_0000_0000_0002L, 0))
                .state.vLow(0)).isEqualTo(0x7FF8_0000_0000_0002L);
        assertThat(stepped(one("fcvt s0, d1").v(1, 0xFFF8_0000_2000_0000L, 0)).state.vLow(0)).isEqualTo(0xFFC0_0001L);
    }

    @Test
    void flagsAndNaNsOfTheHarderCases() {
        // a large positive integer that double cannot hold exactly is inexact
        assertThat(stepped(one("scvtf d0, x1").x(1, (1L << 53) + 1)).state.fpsr()).isEqualTo(16);
        // a product that lands among the subnormals, whose rounding error fma cannot hold
        Run tiny = stepped(one("fmul d0, d1, d2").v(1, bits(0x1p-540), 0).v(2, bits(0x1.0000000000001p-500), 0));
        assertThat(tiny.state.fpsr()).isEqualTo(16 | 8);
        // a signalling NaN in the last operand of a fused multiply-add beats a quiet one in the addend
        Run nan = stepped(one("fmadd d0, d1, d2, d3").v(1, bits(1), 0).v(2, 0x7FF0_0000_0000_0002L, 0)
                .v(3, 0x7FF8_0000_0000_0001L, 0));
        assertThat(nan.state.vLow(0)).isEqualTo(0x7FF8_0000_0000_0002L);
        assertThat(nan.state.fpsr()).isEqualTo(1);
    }

    @Test
    void comparesSelectsAndConversions() {
        Run less = stepped(one("fcmp d1, d2").v(1, bits(1), 0).v(2, bits(2), 0));
        assertThat(less.flags()).isEqualTo(0b1000);
        assertThat(stepped(one("fcmp d1, d2").v(1, bits(2), 0).v(2, bits(2), 0)).flags()).isEqualTo(0b0110);
        assertThat(stepped(one("fcmp d1, d2").v(1, 0x7FF8_0000_0000_0000L, 0).v(2, bits(2), 0)).flags()).isEqualTo(0b0011);
        assertThat(stepped(one("fcmp d1, #0.0").v(1, bits(3), 0)).flags()).isEqualTo(0b0010);
        assertThat(stepped(one("fcmpe s1, s2").v(1, 0x4000_0000L, 0).v(2, 0x3F80_0000L, 0)).flags()).isEqualTo(0b0010);
        assertThat(d0(stepped(one("fcsel d0, d1, d2, gt").v(1, bits(1), 0).v(2, bits(2), 0).nzcv(0b0010)))).isEqualTo(1.0);
        assertThat(stepped(one("fccmp d1, d2, #0, eq").v(1, bits(1), 0).v(2, bits(1), 0)).flags()).isZero();
        assertThat(stepped(one("fccmp d1, d2, #0, eq").v(1, bits(1), 0).v(2, bits(1), 0).nzcv(0b0100)).flags())
                .isEqualTo(0b0110);
        assertThat(d0(stepped(one("scvtf d0, x1").x(1, -3)))).isEqualTo(-3.0);
        assertThat(d0(stepped(one("ucvtf d0, x1").x(1, -1)))).isEqualTo(18446744073709551615.0);
        assertThat(stepped(one("scvtf s0, w1").x(1, 0xFFFF_FFFFL)).state.vLow(0)).isEqualTo(0xBF80_0000L);
        assertThat(stepped(one("fcvtzs x0, d1").v(1, bits(-2.7), 0)).x(0)).isEqualTo(-2);
        assertThat(stepped(one("fcvtzu w0, d1").v(1, bits(-1), 0)).x(0)).isZero();
        assertThat(stepped(one("fcvtzu w0, d1").v(1, bits(5e9), 0)).x(0)).isEqualTo(0xFFFF_FFFFL);
        assertThat(stepped(one("fcvtns x0, d1").v(1, bits(2.5), 0)).x(0)).isEqualTo(2);
        assertThat(stepped(one("fcvtms w0, s1").v(1, Float.floatToRawIntBits(-1.5f) & 0xFFFF_FFFFL, 0)).x(0))
                .isEqualTo(0xFFFF_FFFEL);
        assertThat(stepped(one("fcvtas x0, d1").v(1, bits(2.5), 0)).x(0)).isEqualTo(3);
        assertThat(stepped(one("fcvtzs x0, d1").v(1, 0x7FF8_0000_0000_0000L, 0)).x(0)).isZero();
        assertThat(stepped(one("fcvt s0, d1").v(1, bits(1.5), 0)).state.vLow(0)).isEqualTo(0x3FC0_0000L);
        assertThat(d0(stepped(one("fcvt d0, s1").v(1, 0x3FC0_0000L, 0)))).isEqualTo(1.5);
        assertThat(d0(stepped(one("frintm d0, d1").v(1, bits(-1.5), 0)))).isEqualTo(-2.0);
        assertThat(d0(stepped(one("frinta d0, d1").v(1, bits(-2.5), 0)))).isEqualTo(-3.0);
    }

    // Found by the random-instruction fuzzer against QEMU (QemuFuzzLiveTest); each case is what
    // the Arm pseudocode says, which QEMU does and the interpreter did not.

    @Test
    void rbitReversesTheBitsOfEachByte() {
        // RBIT's size field is 01, but its elements are bytes
        Run rbit = stepped(one("rbit v0.16b, v1.16b").v(1, 0x0102_0304_0506_0780L, 0x0F00_0000_0000_00F1L));
        assertThat(rbit.state.vLow(0)).isEqualTo(0x8040_C020_A060_E001L);
        assertThat(rbit.state.vHigh(0)).isEqualTo(0xF000_0000_0000_008FL);
        Run half = stepped(one("rbit v0.8b, v1.8b").v(1, 0x0100_0000_0000_0001L, -1));
        assertThat(half.state.vLow(0)).isEqualTo(0x8000_0000_0000_0080L);
        assertThat(half.state.vHigh(0)).isZero();
    }

    @Test
    void fnmulNegatesEvenANaNProduct() {
        // FNMUL is FPNeg(FPMul(...)), and FPNeg flips a NaN's sign too
        assertThat(stepped(one("fnmul d0, d1, d2").v(1, 0x7FF8_0000_0000_0001L, 0).v(2, bits(1), 0)).state.vLow(0))
                .isEqualTo(0xFFF8_0000_0000_0001L);
        Run invalid = stepped(one("fnmul s0, s1, s2").v(1, 0x7F80_0000L, 0).v(2, 0, 0));
        assertThat(invalid.state.vLow(0)).isEqualTo(0xFFC0_0000L); // the default NaN, negated
        assertThat(invalid.state.fpsr() & 0x1F).isEqualTo(0x01);
    }

    @Test
    void fusedMultiplyAddNegatesItsOperandsBeforeLookingForNaNs() {
        // fnmsub d0, d1, d2, d3 is -d3 + d1 * d2: a NaN addend comes out with its sign flipped
        assertThat(stepped(one("fnmsub d0, d1, d2, d3").v(1, bits(1), 0).v(2, bits(1), 0)
                .v(3, 0xFFF8_0000_0000_0005L, 0)).state.vLow(0)).isEqualTo(0x7FF8_0000_0000_0005L);
        // a signalling NaN in any operand beats a quiet one in the addend
        Run signalling = stepped(one("fmadd d0, d1, d2, d3").v(1, bits(1), 0).v(2, 0x7FF0_0000_0000_0002L, 0)
                .v(3, 0x7FF8_0000_0000_0001L, 0));
        assertThat(signalling.state.vLow(0)).isEqualTo(0x7FF8_0000_0000_0002L);
        assertThat(signalling.state.fpsr() & 0x1F).isEqualTo(0x01);
        // infinity times zero plus a quiet NaN is invalid: the default NaN, not the addend
        Run infinityTimesZero = stepped(one("fmadd d0, d1, d2, d3").v(1, bits(Double.POSITIVE_INFINITY), 0)
                .v(2, 0, 0).v(3, 0x7FF8_0000_0000_0001L, 0));
        assertThat(infinityTimesZero.state.vLow(0)).isEqualTo(0x7FF8_0000_0000_0000L);
        assertThat(infinityTimesZero.state.fpsr() & 0x1F).isEqualTo(0x01);
    }

    @Test
    void underflowIsJudgedBeforeRounding() {
        // (1 - 2^-53) * 2^-1022 is tiny; it rounds (a tie, to even) up to the smallest normal
        // number, but it underflowed all the same: IXC and UFC
        Run product = stepped(one("fmul d0, d1, d2").v(1, 0x3FEF_FFFF_FFFF_FFFFL, 0).v(2, 0x0010_0000_0000_0000L, 0));
        assertThat(product.state.vLow(0)).isEqualTo(0x0010_0000_0000_0000L);
        assertThat(product.state.fpsr() & 0x1F).isEqualTo(0x18);
        Run single = stepped(one("fmul s0, s1, s2").v(1, 0x3F7F_FFFFL, 0).v(2, 0x0080_0000L, 0));
        assertThat(single.state.vLow(0)).isEqualTo(0x0080_0000L);
        assertThat(single.state.fpsr() & 0x1F).isEqualTo(0x18);
        // the same exponent reached exactly is no underflow
        assertThat(stepped(one("fmul d0, d1, d2").v(1, bits(1), 0).v(2, 0x0010_0000_0000_0000L, 0)).state.fpsr())
                .isZero();
    }

    @Test
    void inexactFlagsOfConversionsAndSquareRoots() {
        // 2^60 + 1 has no exact single or double
        assertThat(stepped(one("scvtf d0, x1").x(1, (1L << 60) + 1)).state.fpsr() & 0x1F).isEqualTo(0x10);
        assertThat(stepped(one("scvtf s0, x1").x(1, (1L << 60) + 1)).state.fpsr() & 0x1F).isEqualTo(0x10);
        assertThat(stepped(one("scvtf d0, x1").x(1, 1L << 60)).state.fpsr()).isZero();
        // a quotient whose residue is below the smallest subnormal: 2^-1000 / 3
        assertThat(stepped(one("fdiv d0, d1, d2").v(1, bits(0x1p-1000), 0).v(2, bits(3), 0)).state.fpsr() & 0x1F)
                .isEqualTo(0x10);
        // a product just above the smallest normal whose rounding error is below the subnormals
        assertThat(stepped(one("fmul d0, d1, d2").v(1, bits(1.5 * 0x1p-1000), 0).v(2, bits((1 + 0x1p-52) * 0x1p-22), 0))
                .state.fpsr() & 0x1F).isEqualTo(0x10);
        // the square root of the subnormal 2^-1073 is irrational
        assertThat(stepped(one("fsqrt d0, d1").v(1, 2, 0)).state.fpsr() & 0x1F).isEqualTo(0x10);
        assertThat(stepped(one("fsqrt d0, d1").v(1, 4, 0)).state.fpsr()).isZero(); // 2^-1072: 2^-536
        // the square root of +infinity is +infinity, exact: no overflow (found by the QEMU fuzzer)
        Run inf = stepped(one("fsqrt s0, s1").v(1, 0x7F80_0000L, 0));
        assertThat(inf.state.vLow(0)).isEqualTo(0x7F80_0000L);
        assertThat(inf.state.fpsr()).isZero();
        assertThat(stepped(one("fsqrt d0, d1").v(1, bits(Double.POSITIVE_INFINITY), 0)).state.fpsr()).isZero();
        // of -infinity: the default NaN, invalid
        assertThat(stepped(one("fsqrt d0, d1").v(1, bits(Double.NEGATIVE_INFINITY), 0)).state.fpsr()).isEqualTo(1);
    }
}
