package org.capbuddy.aarch64.cpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.capbuddy.aarch64.testing.Run.one;
import static org.capbuddy.aarch64.testing.Run.stepped;

import org.capbuddy.aarch64.testing.Run;
import org.junit.jupiter.api.Test;

/** Loads and stores of general registers: every addressing form, extension, pairs, exclusives and aborts. */
class LoadStoreTest {
    private static final long D = Run.DATA;

    @Test
    void singleRegisterAddressing() {
        assertThat(stepped(one("ldr x0, [x1, #8]").x(1, D).poke(D + 8, 8, 0x1122_3344_5566_7788L)).x(0))
                .isEqualTo(0x1122_3344_5566_7788L);
        Run post = stepped(one("ldr w0, [x1], #4").x(1, D).poke(D, 8, 0x99AA_BBCC_DDL));
        assertThat(post.x(0)).isEqualTo(0xAABB_CCDDL);
        assertThat(post.x(1)).isEqualTo(D + 4);
        Run pre = stepped(one("ldr x0, [x1, #-8]!").x(1, D + 16).poke(D + 8, 8, 42));
        assertThat(pre.x(0)).isEqualTo(42);
        assertThat(pre.x(1)).isEqualTo(D + 8);
        assertThat(stepped(one("ldrb w0, [x1, x2]").x(1, D).x(2, 3).poke(D + 3, 1, 0x80)).x(0)).isEqualTo(0x80);
        assertThat(stepped(one("ldrsb x0, [x1, #1]").x(1, D).poke(D + 1, 1, 0x80)).x(0)).isEqualTo(-128);
        assertThat(stepped(one("ldrsh w0, [x1]").x(1, D).poke(D, 2, 0x8000)).x(0)).isEqualTo(0xFFFF_8000L);
        assertThat(stepped(one("ldrsw x0, [x1, w2, sxtw #2]").x(1, D + 8).x(2, 0xFFFF_FFFFL).poke(D + 4, 4,
                0x8000_0000L)).x(0)).isEqualTo(0xFFFF_FFFF_8000_0000L);
        assertThat(stepped(one("ldur x0, [x1, #-3]").x(1, D + 3).poke(D, 8, 77)).x(0)).isEqualTo(77);
    }

    @Test
    void stores() {
        Run str = stepped(one("str x0, [x1, #16]").x(0, -2).x(1, D));
        assertThat(str.memory.peek(D + 16, 8)).isEqualTo(-2);
        Run strb = stepped(one("strb w0, [x1], #1").x(0, 0x1234).x(1, D));
        assertThat(strb.memory.peek(D, 2)).isEqualTo(0x34);
        assertThat(strb.x(1)).isEqualTo(D + 1);
        Run strh = stepped(one("strh w0, [x1, #-2]!").x(0, 0xABCD).x(1, D + 10));
        assertThat(strh.memory.peek(D + 8, 2)).isEqualTo(0xABCD);
        assertThat(strh.x(1)).isEqualTo(D + 8);
        Run indexed = stepped(one("str w0, [x1, x2, lsl #2]").x(0, 0x1_2345_6789L).x(1, D).x(2, 2));
        assertThat(indexed.memory.peek(D + 8, 8)).isEqualTo(0x2345_6789L);
    }

    @Test
    void pairs() {
        Run push = stepped(one("stp x0, x1, [sp, #-16]!").x(0, 1).x(1, 2));
        long sp = push.state.sp();
        assertThat(sp).isEqualTo(Run.STACK_TOP - 64 - 16);
        assertThat(push.memory.peek(sp, 8)).isEqualTo(1);
        assertThat(push.memory.peek(sp + 8, 8)).isEqualTo(2);
        Run pop = stepped(one("ldp x0, x1, [sp], #16").sp(D).poke(D, 8, 5).poke(D + 8, 8, 6));
        assertThat(pop.x(0)).isEqualTo(5);
        assertThat(pop.x(1)).isEqualTo(6);
        assertThat(pop.state.sp()).isEqualTo(D + 16);
        Run words = stepped(one("ldp w0, w1, [x2, #8]").x(2, D).poke(D + 8, 8, 0xFFFF_FFFF_0000_0007L));
        assertThat(words.x(0)).isEqualTo(7);
        assertThat(words.x(1)).isEqualTo(0xFFFF_FFFFL);
        Run signed = stepped(one("ldpsw x0, x1, [x2]").x(2, D).poke(D, 8, 0xFFFF_FFFF_0000_0007L));
        assertThat(signed.x(1)).isEqualTo(-1);
    }

    @Test
    void exclusivesSucceedOnlyAfterTheirLoad() {
        Run pair = Run.of("ldxr x0, [x1]", "stxr w2, x0, [x1]").x(1, D).poke(D, 8, 9);
        assertThat(pair.interpreter.run(2)).isEqualTo(Exit.LIMIT);
        assertThat(pair.x(0)).isEqualTo(9);
        assertThat(pair.x(2)).isZero();
        Run alone = stepped(one("stxr w2, x0, [x1]").x(0, 3).x(1, D));
        assertThat(alone.x(2)).isEqualTo(1);
        assertThat(alone.memory.peek(D, 8)).isZero();
        Run cleared = Run.of("ldxr x0, [x1]", "clrex", "stxr w2, x0, [x1]").x(1, D);
        cleared.interpreter.run(3);
        assertThat(cleared.x(2)).isEqualTo(1);
        Run wide = Run.of("ldxp x0, x3, [x1]", "stxp w2, x0, x3, [x1]").x(1, D).poke(D, 8, 1).poke(D + 8, 8, 2);
        wide.interpreter.run(2);
        assertThat(wide.x(3)).isEqualTo(2);
        assertThat(wide.x(2)).isZero();
        assertThat(stepped(one("ldar x0, [x1]").x(1, D).poke(D, 8, 4)).x(0)).isEqualTo(4);
        assertThat(stepped(one("stlr w0, [x1]").x(0, 0x55).x(1, D)).memory.peek(D, 4)).isEqualTo(0x55);
    }

    @Test
    void misalignedExclusiveIsAnAlignmentFault() {
        Run run = one("ldaxr w0, [x1]").x(1, D + 2).x(0, 17);
        assertThat(run.step()).isEqualTo(Exit.ALIGNMENT_FAULT);
        assertThat(run.interpreter.exitAddress()).isEqualTo(D + 2);
        assertThat(run.state.pc()).isEqualTo(Run.CODE);
        assertThat(run.x(0)).isEqualTo(17);
    }

    @Test
    void anAbortChangesNoRegister() {
        Run run = one("ldr x0, [x1, #-8]!").x(0, 11).x(1, 0x9000_0000L);
        assertThat(run.step()).isEqualTo(Exit.DATA_ABORT);
        assertThat(run.interpreter.exitAddress()).isEqualTo(0x9000_0000L - 8);
        assertThat(run.x(0)).isEqualTo(11);
        assertThat(run.x(1)).isEqualTo(0x9000_0000L);
        assertThat(run.state.pc()).isEqualTo(Run.CODE);
        assertThat(run.state.instructions()).isZero();

        Run readOnly = one("str x0, [x1, #16]").x(1, Run.CODE);
        assertThat(readOnly.step()).isEqualTo(Exit.DATA_ABORT);

        Run pop = one("ldp x0, x1, [sp], #16").sp(D + 8192 - 8).x(0, 1).x(1, 2);
        assertThat(pop.step()).isEqualTo(Exit.DATA_ABORT);
        assertThat(pop.x(0)).isEqualTo(1);
        assertThat(pop.state.sp()).isEqualTo(D + 8192 - 8);
    }
}
