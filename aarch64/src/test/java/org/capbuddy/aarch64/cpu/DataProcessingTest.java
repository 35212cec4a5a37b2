package org.capbuddy.aarch64.cpu;

import static org.assertj.core.api.Assertions.assertThat;

import org.capbuddy.aarch64.testing.Run;
import org.junit.jupiter.api.Test;

/** Integer data processing, one instruction at a time, from llvm-mc encodings; flags as NZCV nibbles. */
class DataProcessingTest {

    private static Run one(String asm) {
        return Run.of(asm);
    }

    private static long after(Run run, int register) {
        assertThat(run.step()).isEqualTo(Exit.LIMIT);
        assertThat(run.state.pc()).isEqualTo(Run.CODE + 4);
        return run.x(register);
    }

    @Test
    void addAndSubtract() {
        assertThat(after(one("add x0, x1, x2, lsl #3").x(1, 5).x(2, 7), 0)).isEqualTo(61);
        assertThat(after(one("add w0, w1, w2").x(1, 0x1_FFFF_FFFFL).x(2, 2), 0)).isEqualTo(1);
        Run adds = one("adds x0, x1, #1").x(1, -1);
        assertThat(after(adds, 0)).isZero();
        assertThat(adds.flags()).isEqualTo(0b0110);
        Run subs = one("subs w0, w1, #1").x(1, 0);
        assertThat(after(subs, 0)).isEqualTo(0xFFFF_FFFFL);
        assertThat(subs.flags()).isEqualTo(0b1000);
        Run cmp = one("cmp x1, x2").x(1, Long.MIN_VALUE).x(2, 1);
        after(cmp, 0);
        assertThat(cmp.flags()).isEqualTo(0b0011);
        Run extended = one("adds w0, w1, w2, uxtb").x(1, 0xFFFF_FFFFL).x(2, 0x101);
        assertThat(after(extended, 0)).isZero();
        assertThat(extended.flags()).isEqualTo(0b0110);
        assertThat(after(one("add x0, x1, w2, sxtw #2").x(1, 100).x(2, 0xFFFF_FFFFL), 0)).isEqualTo(96);
    }

    @Test
    void registerThirtyOneIsSpOrZeroByPosition() {
        Run sub = one("sub sp, sp, #16").sp(0x1000);
        after(sub, 0);
        assertThat(sub.state.sp()).isEqualTo(0xFF0);
        assertThat(after(one("add x0, sp, #8").sp(0x2000), 0)).isEqualTo(0x2008);
        assertThat(after(one("mov x0, sp").sp(0x3000), 0)).isEqualTo(0x3000);
        Run toSp = one("mov sp, x1").x(1, 0x4000);
        after(toSp, 0);
        assertThat(toSp.state.sp()).isEqualTo(0x4000);
        assertThat(after(one("sub x0, sp, x2, uxtx").sp(0x5000).x(2, 0x10), 0)).isEqualTo(0x4FF0);
        assertThat(after(one("orr w0, wzr, #0x1").x(0, -1), 0)).isEqualTo(1);
        Run cset = one("cset x0, eq").nzcv(0b0100);
        assertThat(after(cset, 0)).isEqualTo(1);
    }

    @Test
    void withCarryAndConditionalCompare() {
        assertThat(after(one("adc x0, x1, x2").x(1, 1).x(2, 2).nzcv(0b0010), 0)).isEqualTo(4);
        Run sbcs = one("sbcs x0, x1, x2").x(1, 5).x(2, 3).nzcv(0b0010);
        assertThat(after(sbcs, 0)).isEqualTo(2);
        assertThat(sbcs.flags()).isEqualTo(0b0010);
        assertThat(after(one("sbcs x0, x1, x2").x(1, 5).x(2, 3), 0)).isEqualTo(1);
        Run holds = one("ccmp x1, x2, #4, ne").x(1, 3).x(2, 3);
        after(holds, 0);
        assertThat(holds.flags()).isEqualTo(0b0110);
        Run fails = one("ccmp x1, x2, #4, ne").x(1, 3).x(2, 4).nzcv(0b0100);
        after(fails, 0);
        assertThat(fails.flags()).isEqualTo(0b0100);
        Run ccmn = one("ccmn w1, #3, #2, eq").x(1, 0xFFFF_FFFDL).nzcv(0b0100);
        after(ccmn, 0);
        assertThat(ccmn.flags()).isEqualTo(0b0110);
    }

    @Test
    void conditionalSelect() {
        assertThat(after(one("csel x0, x1, x2, lt").x(1, 11).x(2, 22).nzcv(0b1000), 0)).isEqualTo(11);
        assertThat(after(one("csel x0, x1, x2, lt").x(1, 11).x(2, 22).nzcv(0b1001), 0)).isEqualTo(22);
        assertThat(after(one("csinc w0, w1, w2, ge").x(2, 0xFFFF_FFFFL).nzcv(0b1000), 0)).isZero();
        assertThat(after(one("csneg x0, x1, x2, hi").x(2, 5), 0)).isEqualTo(-5);
        assertThat(after(one("csneg x0, x1, x2, hi").x(1, 9).nzcv(0b0010), 0)).isEqualTo(9);
    }

    @Test
    void logical() {
        assertThat(after(one("and x0, x1, #0xff00ff00ff00ff00").x(1, -1), 0)).isEqualTo(0xFF00_FF00_FF00_FF00L);
        assertThat(after(one("eor x0, x1, #0x5555555555555555").x(1, -1), 0)).isEqualTo(0xAAAA_AAAA_AAAA_AAAAL);
        Run ands = one("ands x0, x1, #0x8000000000000000").x(1, 0x8000_0000_0000_0001L);
        assertThat(after(ands, 0)).isEqualTo(Long.MIN_VALUE);
        assertThat(ands.flags()).isEqualTo(0b1000);
        Run tst = one("tst w1, #0x3").x(1, 4).nzcv(0b1111);
        after(tst, 0);
        assertThat(tst.flags()).isEqualTo(0b0100);
        assertThat(after(one("bic x0, x1, x2").x(1, 0xFF).x(2, 0x0F), 0)).isEqualTo(0xF0);
        assertThat(after(one("orn w0, w1, w2, lsr #4").x(2, 0xF0), 0)).isEqualTo(0xFFFF_FFF0L);
        assertThat(after(one("eon x0, x1, x2, ror #8").x(2, 0xFF), 0)).isEqualTo(0x00FF_FFFF_FFFF_FFFFL);
        assertThat(after(one("mvn x0, x1"), 0)).isEqualTo(-1);
    }

    @Test
    void moves() {
        assertThat(after(one("movz x0, #0x1234, lsl #16").x(0, -1), 0)).isEqualTo(0x1234_0000L);
        assertThat(after(one("movn w0, #0"), 0)).isEqualTo(0xFFFF_FFFFL);
        assertThat(after(one("movk x0, #0xbeef, lsl #48").x(0, 0x1234), 0)).isEqualTo(0xBEEF_0000_0000_1234L);
        assertThat(after(one("mov x0, x1").x(1, -7), 0)).isEqualTo(-7);
        assertThat(after(one("mov w0, w1").x(1, 0x1_0000_0002L), 0)).isEqualTo(2);
        assertThat(after(one("adr x0, #16"), 0)).isEqualTo(Run.CODE + 16);
        assertThat(after(one("adrp x0, #8192"), 0)).isEqualTo(Run.CODE + 8192);
    }

    @Test
    void bitfieldsAndShifts() {
        assertThat(after(one("lsl x0, x1, #4").x(1, 1), 0)).isEqualTo(16);
        assertThat(after(one("lsr w0, w1, #31").x(1, 0x8000_0000L), 0)).isEqualTo(1);
        assertThat(after(one("asr x0, x1, #63").x(1, Long.MIN_VALUE), 0)).isEqualTo(-1);
        assertThat(after(one("ubfx x0, x1, #8, #12").x(1, 0x123456), 0)).isEqualTo(0x234);
        assertThat(after(one("sbfx w0, w1, #4, #4").x(1, 0xF0), 0)).isEqualTo(0xFFFF_FFFFL);
        assertThat(after(one("bfi x0, x1, #16, #8").x(0, 0x1111_1111L).x(1, 0xAB), 0)).isEqualTo(0x11AB_1111L);
        assertThat(after(one("bfxil w0, w1, #8, #8").x(0, 0xFFFF_FFFFL).x(1, 0x1234), 0)).isEqualTo(0xFFFF_FF12L);
        assertThat(after(one("sxtb x0, w1").x(1, 0x80), 0)).isEqualTo(-128);
        assertThat(after(one("sxth w0, w1").x(1, 0x8000), 0)).isEqualTo(0xFFFF_8000L);
        assertThat(after(one("sxtw x0, w1").x(1, 0x8000_0000L), 0)).isEqualTo(0xFFFF_FFFF_8000_0000L);
        assertThat(after(one("uxtb w0, w1").x(1, 0x1FF), 0)).isEqualTo(0xFF);
        assertThat(after(one("extr x0, x1, x2, #12").x(1, 0xABC).x(2, 0x123), 0)).isEqualTo(0xABC0_0000_0000_0000L);
        assertThat(after(one("ror w0, w1, #7").x(1, 0x80), 0)).isEqualTo(1);
        assertThat(after(one("lslv x0, x1, x2").x(1, 1).x(2, 65), 0)).isEqualTo(2);
        assertThat(after(one("asrv w0, w1, w2").x(1, 0x8000_0000L).x(2, 4), 0)).isEqualTo(0xF800_0000L);
        assertThat(after(one("rorv x0, x1, x2").x(1, 1).x(2, 1), 0)).isEqualTo(Long.MIN_VALUE);
    }

    @Test
    void multiplyAndDivide() {
        assertThat(after(one("udiv x0, x1, x2").x(1, -1).x(2, 2), 0)).isEqualTo(Long.MAX_VALUE);
        assertThat(after(one("udiv x0, x1, x2").x(1, 7).x(2, 0), 0)).isZero();
        assertThat(after(one("sdiv w0, w1, w2").x(1, 0xFFFF_FFF9L).x(2, 2), 0)).isEqualTo(0xFFFF_FFFDL);
        assertThat(after(one("madd x0, x1, x2, x3").x(1, 3).x(2, 4).x(3, 5), 0)).isEqualTo(17);
        assertThat(after(one("msub w0, w1, w2, w3").x(1, 3).x(2, 4).x(3, 5), 0)).isEqualTo(0xFFFF_FFF9L);
        assertThat(after(one("mul x0, x1, x2").x(1, -3).x(2, 4), 0)).isEqualTo(-12);
        assertThat(after(one("smull x0, w1, w2").x(1, 0xFFFF_FFFEL).x(2, 3), 0)).isEqualTo(-6);
        assertThat(after(one("umaddl x0, w1, w2, x3").x(1, 0xFFFF_FFFFL).x(2, 2).x(3, 1), 0)).isEqualTo(0x1_FFFF_FFFFL);
        assertThat(after(one("smulh x0, x1, x2").x(1, -1).x(2, 1), 0)).isEqualTo(-1);
        assertThat(after(one("umulh x0, x1, x2").x(1, -1).x(2, -1), 0)).isEqualTo(-2);
    }

    @Test
    void oneSource() {
        assertThat(after(one("rbit w0, w1").x(1, 1), 0)).isEqualTo(0x8000_0000L);
        assertThat(after(one("rev x0, x1").x(1, 0x0102_0304_0506_0708L), 0)).isEqualTo(0x0807_0605_0403_0201L);
        assertThat(after(one("rev w0, w1").x(1, 0x0102_0304L), 0)).isEqualTo(0x0403_0201L);
        assertThat(after(one("rev16 x0, x1").x(1, 0x0102_0304_0506_0708L), 0)).isEqualTo(0x0201_0403_0605_0807L);
        assertThat(after(one("rev32 x0, x1").x(1, 0x0102_0304_0506_0708L), 0)).isEqualTo(0x0403_0201_0807_0605L);
        assertThat(after(one("clz x0, x1").x(1, 1), 0)).isEqualTo(63);
        assertThat(after(one("clz x0, x1"), 0)).isEqualTo(64);
        assertThat(after(one("cls w0, w1"), 0)).isEqualTo(31);
        assertThat(after(one("cls w0, w1").x(1, 0xFFFF_FFFFL), 0)).isEqualTo(31);
        assertThat(after(one("cls w0, w1").x(1, 0x4000_0000L), 0)).isZero();
    }
}
