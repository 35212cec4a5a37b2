package org.capbuddy.aarch64.cpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.capbuddy.aarch64.testing.Run.one;
import static org.capbuddy.aarch64.testing.Run.stepped;

import org.capbuddy.aarch64.testing.Run;
import org.junit.jupiter.api.Test;

/**
 * The Advanced SIMD forms gcc's vectoriser and musl's libm emit beyond the basic classes: one or
 * more of each shape (structure loads and stores, three-different, three-same, two-register misc,
 * reductions, shifts, by element, table lookup, scalar forms, fixed point), with saturation and
 * floating-point flags. Their values were also compared with qemu-aarch64 on random words and
 * registers while they were written; these cases are small enough to check by hand.
 */
class AdvancedSimdTest {
    private static final long D = Run.DATA;
    private static final int QC = 1 << 27;
    private static final int IOC = 1;
    private static final int IXC = 16;

    private static long f(float value) {
        return Float.floatToRawIntBits(value) & 0xFFFF_FFFFL;
    }

    private static long f2(float low, float high) {
        return f(low) | f(high) << 32;
    }

    private static long d(double value) {
        return Double.doubleToRawLongBits(value);
    }

    private static long s2(long low, long high) {
        return (low & 0xFFFF_FFFFL) | high << 32;
    }

    private static Run bytesFrom(Run run, long address, int count, int first) {
        for (int i = 0; i < count; i++) {
            run.poke(address + i, 1, first + i);
        }
        return run;
    }

    @Test
    void structureLoadsDeinterleaveAndWriteBack() {
        Run ld1 = stepped(bytesFrom(one("ld1 {v0.16b, v1.16b}, [x2]").x(2, D), D, 32, 0));
        assertThat(ld1.state.vLow(0)).isEqualTo(0x0706_0504_0302_0100L);
        assertThat(ld1.state.vHigh(1)).isEqualTo(0x1F1E_1D1C_1B1A_1918L);
        Run ld2 = one("ld2 {v0.4s, v1.4s}, [x1], #32").x(1, D);
        for (int i = 0; i < 8; i++) {
            ld2.poke(D + 4L * i, 4, i);
        }
        stepped(ld2);
        assertThat(ld2.state.vLow(0)).isEqualTo(s2(0, 2));
        assertThat(ld2.state.vHigh(0)).isEqualTo(s2(4, 6));
        assertThat(ld2.state.vHigh(1)).isEqualTo(s2(5, 7));
        assertThat(ld2.x(1)).isEqualTo(D + 32);
        Run ld3 = stepped(bytesFrom(one("ld3 {v0.8b, v1.8b, v2.8b}, [x1], x2").x(1, D).x(2, 5).v(2, -1, -1), D, 24, 0));
        assertThat(ld3.state.vLow(0)).isEqualTo(0x1512_0F0C_0906_0300L);
        assertThat(ld3.state.vLow(2)).isEqualTo(0x1714_110E_0B08_0502L);
        assertThat(ld3.state.vHigh(2)).isZero();
        assertThat(ld3.x(1)).isEqualTo(D + 5);
        Run lane = stepped(one("ld1 {v0.s}[1], [x1]").x(1, D).v(0, 1, 2).poke(D, 4, 0xAABB_CCDDL));
        assertThat(lane.state.vLow(0)).isEqualTo(0xAABB_CCDD_0000_0001L);
        assertThat(lane.state.vHigh(0)).isEqualTo(2);
        Run replicate = stepped(one("ld1r {v0.4s}, [x1]").x(1, D).poke(D, 4, 0x1234_5678L));
        assertThat(replicate.state.vHigh(0)).isEqualTo(0x1234_5678_1234_5678L);
    }

    @Test
    void structureStoresInterleave() {
        Run st4 = one("st4 {v0.4h, v1.4h, v2.4h, v3.4h}, [x0]").x(0, D);
        for (int r = 0; r < 4; r++) {
            long low = 0;
            for (int e = 0; e < 4; e++) {
                low |= (long) (r * 0x100 + e) << (16 * e);
            }
            st4.v(r, low, 0);
        }
        stepped(st4);
        assertThat(st4.memory.peek(D, 8)).isEqualTo(0x0300_0200_0100_0000L);
        assertThat(st4.memory.peek(D + 8, 8)).isEqualTo(0x0301_0201_0101_0001L);
        Run st1 = stepped(one("st1 {v0.d}[1], [x1], #8").x(1, D).v(0, 1, 0x1122_3344_5566_7788L));
        assertThat(st1.memory.peek(D, 8)).isEqualTo(0x1122_3344_5566_7788L);
        assertThat(st1.x(1)).isEqualTo(D + 8);
        Run pair = stepped(one("st1 {v0.16b, v1.16b}, [x27]").x(27, D).v(0, 1, 2).v(1, 3, 4));
        assertThat(pair.memory.peek(D + 24, 8)).isEqualTo(4);
    }

    @Test
    void aLoadThatFaultsPartWayChangesNoRegister() {
        Run run = one("ld1 {v0.16b, v1.16b}, [x2]").x(2, D + 8192 - 16).v(0, 7, 7);
        assertThat(run.step()).isEqualTo(Exit.DATA_ABORT);
        assertThat(run.state.vLow(0)).isEqualTo(7);
        assertThat(run.x(2)).isEqualTo(D + 8192 - 16);
    }

    @Test
    void wideningAndNarrowingThreeDifferent() {
        Run uaddw = stepped(one("uaddw v0.2d, v0.2d, v5.2s").v(0, 10, 20).v(5, 0xFFFF_FFFF_0000_0001L, 0));
        assertThat(uaddw.state.vLow(0)).isEqualTo(11);
        assertThat(uaddw.state.vHigh(0)).isEqualTo(20 + 0xFFFF_FFFFL);
        Run smull2 = stepped(one("smull2 v0.2d, v1.4s, v2.4s").v(1, 0, s2(-2, 3)).v(2, 0, s2(5, -7)));
        assertThat(smull2.state.vLow(0)).isEqualTo(-10);
        assertThat(smull2.state.vHigh(0)).isEqualTo(-21);
        Run umlal = stepped(one("umlal v0.8h, v1.8b, v2.8b").v(0, 0x0001_0001_0001_0001L, 0x0001_0001_0001_0001L)
                .v(1, -1, 0).v(2, 0x0202_0202_0202_0202L, 0));
        assertThat(umlal.state.vHigh(0)).isEqualTo(0x01FF_01FF_01FF_01FFL);
        Run addhn2 = stepped(one("addhn2 v0.16b, v1.8h, v2.8h").v(0, 0xABCD, 5)
                .v(1, 0x1234_1234_1234_1234L, 0x1234_1234_1234_1234L).v(2, 0x0100_0100_0100_0100L, 0x0100_0100_0100_0100L));
        assertThat(addhn2.state.vLow(0)).isEqualTo(0xABCD);
        assertThat(addhn2.state.vHigh(0)).isEqualTo(0x1313_1313_1313_1313L);
        assertThat(stepped(one("uaddw2 v0.4s, v0.4s, v2.8h").v(0, 1, 0).v(2, 0, 0xFFFF)).state.vLow(0)).isEqualTo(0x1_0000L);
    }

    @Test
    void saturatingArithmeticSetsQc() {
        Run sqadd = stepped(one("sqadd v0.8b, v1.8b, v2.8b").v(1, 0x107F, 0).v(2, 0x0101, 0));
        assertThat(sqadd.state.vLow(0)).isEqualTo(0x117F);
        assertThat(sqadd.state.fpsr() & QC).isEqualTo(QC);
        Run uqsub = stepped(one("uqsub v0.4s, v1.4s, v2.4s").v(1, s2(5, 3), 0).v(2, s2(2, 7), 0));
        assertThat(uqsub.state.vLow(0)).isEqualTo(3);
        assertThat(uqsub.state.fpsr()).isEqualTo(QC);
        Run sqxtn = stepped(one("sqxtn v0.4h, v1.4s").v(1, s2(70000, -70000), s2(5, -5)));
        assertThat(sqxtn.state.vLow(0)).isEqualTo(0xFFFB_0005_8000_7FFFL);
        assertThat(sqxtn.state.fpsr()).isEqualTo(QC);
        Run sqshrn = stepped(one("sqshrn v0.8b, v1.8h, #2").v(1, 0xFFF0_1000L, 0));
        assertThat(sqshrn.state.vLow(0)).isEqualTo(0xFC7F);
        assertThat(sqshrn.state.fpsr()).isEqualTo(QC);
        assertThat(stepped(one("add d0, d1, d2").v(1, 2, 0).v(2, 3, 0)).state.fpsr()).isZero();
    }

    @Test
    void integerThreeSameAndMisc() {
        assertThat(stepped(one("urhadd v0.16b, v1.16b, v2.16b").v(1, 0xFF01, 0).v(2, 0xFF02, 0)).state.vLow(0))
                .isEqualTo(0xFF02);
        Run sshl = stepped(one("sshl v0.2d, v1.2d, v2.2d").v(1, -16, 1).v(2, 0xFC, 3));
        assertThat(sshl.state.vLow(0)).isEqualTo(-1);
        assertThat(sshl.state.vHigh(0)).isEqualTo(8);
        assertThat(stepped(one("mla v0.4s, v1.4s, v2.4s").v(0, s2(1, 1), 0).v(1, s2(3, 4), 0).v(2, s2(5, 6), 0))
                .state.vLow(0)).isEqualTo(s2(16, 25));
        assertThat(stepped(one("sabd v0.8h, v1.8h, v2.8h").v(1, 0xFFFE, 0).v(2, 3, 0)).state.vLow(0)).isEqualTo(5);
        assertThat(stepped(one("clz v0.4s, v1.4s").v(1, s2(1, 0), 0)).state.vLow(0)).isEqualTo(s2(31, 32));
        Run xtn2 = stepped(one("xtn2 v0.16b, v1.8h").v(0, 9, 9).v(1, 0x1234_1234_1234_1234L, 0x1234_1234_1234_1234L));
        assertThat(xtn2.state.vLow(0)).isEqualTo(9);
        assertThat(xtn2.state.vHigh(0)).isEqualTo(0x3434_3434_3434_3434L);
        assertThat(stepped(one("uaddlp v0.4s, v1.8h").v(1, -1, -1)).state.vHigh(0)).isEqualTo(0x0001_FFFE_0001_FFFEL);
        assertThat(stepped(one("rbit v0.8b, v1.8b").v(1, 0x0F01, 0)).state.vLow(0)).isEqualTo(0xF080);
    }

    @Test
    void floatingPointVectors() {
        assertThat(stepped(one("fadd v0.4s, v1.4s, v2.4s").v(1, f2(1, 0.5f), 0).v(2, f2(2, 0.25f), 0)).state.vLow(0))
                .isEqualTo(f2(3, 0.75f));
        Run fmla = stepped(one("fmla v0.2d, v1.2d, v2.2d").v(0, d(1), d(10)).v(1, d(2), d(3)).v(2, d(3), d(-1)));
        assertThat(fmla.state.vLow(0)).isEqualTo(d(7));
        assertThat(fmla.state.vHigh(0)).isEqualTo(d(7));
        Run fcmgt = stepped(one("fcmgt v0.4s, v1.4s, v2.4s").v(1, f2(2, Float.NaN), 0).v(2, f2(1, 1), 0));
        assertThat(fcmgt.state.vLow(0)).isEqualTo(0xFFFF_FFFFL);
        assertThat(fcmgt.state.fpsr()).isEqualTo(IOC);
        Run faddp = stepped(one("faddp v0.4s, v1.4s, v2.4s").v(1, f2(1, 2), f2(3, 4)).v(2, f2(10, 20), f2(30, 40)));
        assertThat(faddp.state.vLow(0)).isEqualTo(f2(3, 7));
        assertThat(faddp.state.vHigh(0)).isEqualTo(f2(30, 70));
        Run fcvtzs = stepped(one("fcvtzs v0.4s, v1.4s").v(1, f2(-2.7f, 3e9f), f2(Float.NaN, 1.5f)));
        assertThat(fcvtzs.state.vLow(0)).isEqualTo(s2(-2, 0x7FFF_FFFF));
        assertThat(fcvtzs.state.vHigh(0)).isEqualTo(s2(0, 1));
        assertThat(fcvtzs.state.fpsr()).isEqualTo(IOC | IXC);
        Run scvtf = stepped(one("scvtf v0.2d, v1.2d").v(1, -3, (1L << 53) + 1));
        assertThat(scvtf.state.vLow(0)).isEqualTo(d(-3));
        assertThat(scvtf.state.vHigh(0)).isEqualTo(d(0x1p53));
        assertThat(scvtf.state.fpsr()).isEqualTo(IXC);
        Run fcvtn = stepped(one("fcvtn v0.2s, v1.2d").v(0, 5, 5).v(1, d(1.5), d(-2)));
        assertThat(fcvtn.state.vLow(0)).isEqualTo(f2(1.5f, -2));
        assertThat(fcvtn.state.vHigh(0)).isZero();
        Run fcvtl2 = stepped(one("fcvtl2 v0.2d, v1.4s").v(1, 0, f2(0.5f, 8)));
        assertThat(fcvtl2.state.vHigh(0)).isEqualTo(d(8));
        Run frintm = stepped(one("frintm v0.2d, v1.2d").v(1, d(-1.5), d(2.5)));
        assertThat(frintm.state.vLow(0)).isEqualTo(d(-2));
        assertThat(frintm.state.vHigh(0)).isEqualTo(d(2));
        Run fcmlt = stepped(one("fcmlt v0.2d, v1.2d, #0.0").v(1, d(-0.0), d(-1)));
        assertThat(fcmlt.state.vLow(0)).isZero();
        assertThat(fcmlt.state.vHigh(0)).isEqualTo(-1);
        assertThat(stepped(one("fmaxnmv s0, v1.4s").v(1, f2(1, Float.NaN), f2(7, -3))).state.vLow(0)).isEqualTo(f(7));
    }

    @Test
    void shiftsByImmediate() {
        assertThat(stepped(one("ssra v0.4s, v1.4s, #4").v(0, s2(1, 1), 0).v(1, s2(-32, 32), 0)).state.vLow(0))
                .isEqualTo(s2(-1, 3));
        assertThat(stepped(one("urshr v0.8h, v1.8h, #3").v(1, 0x000B_000CL, 0)).state.vLow(0)).isEqualTo(0x0001_0002L);
        assertThat(stepped(one("sri v0.2d, v1.2d, #8").v(0, 0xAB00_0000_0000_00CDL, 0).v(1, 0x1122_3344_5566_7788L, 0))
                .state.vLow(0)).isEqualTo(0xAB11_2233_4455_6677L);
        assertThat(stepped(one("scvtf v0.4s, v1.4s, #16").v(1, 0x18000, 0)).state.vLow(0)).isEqualTo(f(1.5f));
        assertThat(stepped(one("shl d1, d1, #52").v(1, 0x3FF, 9)).state.vLow(1)).isEqualTo(d(1));
    }

    @Test
    void byElementAndTableLookup() {
        assertThat(stepped(one("mla v0.4s, v1.4s, v2.s[1]").v(0, s2(1, 1), s2(1, 1)).v(1, s2(1, 2), s2(3, 4))
                .v(2, s2(0, 10), 0)).state.vHigh(0)).isEqualTo(s2(31, 41));
        assertThat(stepped(one("fmla v0.4s, v1.4s, v2.s[3]").v(1, f2(1, 2), f2(3, 4)).v(2, 0, f2(0, 0.5f)))
                .state.vHigh(0)).isEqualTo(f2(1.5f, 2));
        Run umull = stepped(one("umull v0.2d, v1.2s, v2.s[1]").v(1, s2(-1, 2), 0).v(2, s2(0, -1), 0));
        assertThat(umull.state.vLow(0)).isEqualTo(0xFFFF_FFFE_0000_0001L);
        assertThat(umull.state.vHigh(0)).isEqualTo(0x1_FFFF_FFFEL);
        Run tbl = stepped(one("tbl v0.16b, {v1.16b, v2.16b}, v3.16b")
                .v(1, 0x4746_4544_4342_4140L, 0x4F4E_4D4C_4B4A_4948L).v(2, 0x5756_5554_5352_5150L, 0x5F5E_5D5C_5B5A_5958L)
                .v(3, 0x0000_0000_201F_1100L, -1));
        assertThat(tbl.state.vLow(0)).isEqualTo(0x4040_4040_005F_5140L);
        assertThat(tbl.state.vHigh(0)).isZero();
        Run tbx = stepped(one("tbx v0.8b, {v1.16b}, v3.8b").v(0, 0x1111_1111_1111_1111L, 5)
                .v(1, 0x4746_4544_4342_4140L, 0).v(3, 0x1010_1010_1010_1002L, 0));
        assertThat(tbx.state.vLow(0)).isEqualTo(0x1111_1111_1111_1142L);
        assertThat(tbx.state.vHigh(0)).isZero();
    }

    @Test
    void scalarFormsAndFixedPoint() {
        assertThat(stepped(one("addp d0, v3.2d").v(3, 5, 7)).state.vLow(0)).isEqualTo(12);
        Run dup = stepped(one("mov s0, v1.s[3]").v(1, 0, 0xAAAA_AAAA_BBBB_BBBBL));
        assertThat(dup.state.vLow(0)).isEqualTo(0xAAAA_AAAAL);
        assertThat(stepped(one("scvtf s0, s1").v(1, 0xFFFF_FFFDL, 0)).state.vLow(0)).isEqualTo(f(-3));
        assertThat(stepped(one("fcvtzs d0, d1").v(1, d(-2.5), 0)).state.vLow(0)).isEqualTo(-2);
        assertThat(stepped(one("cmgt d0, d1, #0").v(1, 5, 0)).state.vLow(0)).isEqualTo(-1);
        assertThat(stepped(one("fabd d0, d1, d2").v(1, d(1), 0).v(2, d(3.5), 0)).state.vLow(0)).isEqualTo(d(2.5));
        assertThat(stepped(one("fmul s0, s1, v2.s[1]").v(1, f(3), 0).v(2, f2(0, 0.5f), 0)).state.vLow(0))
                .isEqualTo(f(1.5f));
        assertThat(stepped(one("scvtf d0, w0, #2").x(0, -6)).state.vLow(0)).isEqualTo(d(-1.5));
        assertThat(stepped(one("fcvtzs x0, d1, #8").v(1, d(1.75), 0)).x(0)).isEqualTo(448);
    }
}
