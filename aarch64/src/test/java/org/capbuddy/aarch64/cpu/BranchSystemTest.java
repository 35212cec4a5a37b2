package org.capbuddy.aarch64.cpu;

import static org.assertj.core.api.Assertions.assertThat;

import org.capbuddy.aarch64.testing.FlatMemory;
import org.capbuddy.aarch64.testing.Run;
import org.junit.jupiter.api.Test;

/** Branches, traps, system registers, cache maintenance and the decoded-code cache. */
class BranchSystemTest {
    private static final long C = Run.CODE;

    private static long pcAfter(Run run) {
        run.step();
        return run.state.pc();
    }

    @Test
    void branches() {
        assertThat(pcAfter(Run.of("b #8"))).isEqualTo(C + 8);
        Run bl = Run.of("bl #-4");
        assertThat(pcAfter(bl)).isEqualTo(C - 4);
        assertThat(bl.x(30)).isEqualTo(C + 4);
        assertThat(pcAfter(Run.of("b.eq #8").nzcv(0b0100))).isEqualTo(C + 8);
        assertThat(pcAfter(Run.of("b.eq #8"))).isEqualTo(C + 4);
        assertThat(pcAfter(Run.of("b.ne #8"))).isEqualTo(C + 8);
        assertThat(pcAfter(Run.of("cbz x0, #8"))).isEqualTo(C + 8);
        assertThat(pcAfter(Run.of("cbnz w0, #8").x(0, 0x1_0000_0000L))).isEqualTo(C + 4);
        assertThat(pcAfter(Run.of("tbz x0, #63, #8").x(0, Long.MIN_VALUE))).isEqualTo(C + 4);
        assertThat(pcAfter(Run.of("tbnz w0, #0, #8").x(0, 1))).isEqualTo(C + 8);
        assertThat(pcAfter(Run.of("br x1").x(1, C + 0x40))).isEqualTo(C + 0x40);
        Run blr = Run.of("blr x1").x(1, C + 0x80);
        assertThat(pcAfter(blr)).isEqualTo(C + 0x80);
        assertThat(blr.x(30)).isEqualTo(C + 4);
        assertThat(pcAfter(Run.of("ret").x(30, C + 0x20))).isEqualTo(C + 0x20);
    }

    @Test
    void branchToAMisalignedAddressFaults() {
        Run run = Run.of("br x1").x(1, C + 2);
        assertThat(run.step()).isEqualTo(Exit.ALIGNMENT_FAULT);
        assertThat(run.state.pc()).isEqualTo(C);
        assertThat(run.interpreter.exitAddress()).isEqualTo(C + 2);
    }

    @Test
    void trapsStopWithTheirDetails() {
        Run svc = Run.of("svc #0");
        assertThat(svc.step()).isEqualTo(Exit.SVC);
        assertThat(svc.state.pc()).isEqualTo(C + 4);
        assertThat(svc.state.instructions()).isEqualTo(1);
        Run brk = Run.of("brk #1");
        assertThat(brk.step()).isEqualTo(Exit.BREAKPOINT);
        assertThat(brk.interpreter.exitImmediate()).isEqualTo(1);
        assertThat(brk.state.pc()).isEqualTo(C);
        Run undefined = Run.ofWords(0x0000_0000);
        assertThat(undefined.step()).isEqualTo(Exit.UNDEFINED);
        assertThat(undefined.state.pc()).isEqualTo(C);
        assertThat(undefined.state.instructions()).isZero();
        Run nowhere = Run.of("br x1").x(1, 0x7000_0000L);
        nowhere.interpreter.run(2);
        assertThat(nowhere.interpreter.exit()).isEqualTo(Exit.PREFETCH_ABORT);
        assertThat(nowhere.state.pc()).isEqualTo(0x7000_0000L);
        assertThat(nowhere.state.instructions()).isEqualTo(1);
    }

    @Test
    void hintsAndBarriersOnlyAdvance() {
        Run run = Run.of("nop", "dmb ish", "isb", "prfm pldl1keep, [x1]");
        assertThat(run.interpreter.run(4)).isEqualTo(Exit.LIMIT);
        assertThat(run.state.pc()).isEqualTo(C + 16);
    }

    @Test
    void systemRegisters() {
        Run tpidr = Run.of("msr tpidr_el0, x1", "mrs x0, tpidr_el0").x(1, 0xABCDL);
        tpidr.interpreter.run(2);
        assertThat(tpidr.x(0)).isEqualTo(0xABCDL);
        assertThat(tpidr.state.tpidr()).isEqualTo(0xABCDL);
        // TPIDRRO_EL0 reads what the kernel put there (0 until it sets one), and EL0 cannot write it
        Run tpidrro = Run.ofWords(0xD53BD060); // mrs x0, tpidrro_el0
        tpidrro.state.setTpidrro(0x1234_5678_9ABCL);
        tpidrro.step();
        assertThat(tpidrro.x(0)).isEqualTo(0x1234_5678_9ABCL);
        Run zero = Run.ofWords(0xD53BD060).x(0, 7);
        zero.step();
        assertThat(zero.x(0)).isZero();
        Run nzcv = Run.of("msr nzcv, x1", "mrs x0, nzcv").x(1, 0xFFFF_FFFFL);
        nzcv.interpreter.run(2);
        assertThat(nzcv.x(0)).isEqualTo(0xF000_0000L);
        Run dczid = Run.of("mrs x0, dczid_el0");
        dczid.step();
        assertThat(dczid.x(0)).isEqualTo(4);
    }

    @Test
    void aCortexA53sFpcrAndCacheType() {
        // Found by the fuzzer against QEMU's cortex-a53: it has no trapped FP exceptions (the trap
        // enables are RAZ/WI) and no half precision (FZ16 is RES0); AHP, DN, FZ, RMode, Stride
        // and Len are kept (every bit but RMode's set: another rounding mode stops the program, below)
        Run fpcr = Run.of("msr fpcr, x1", "mrs x0, fpcr").x(1, ~0x00C0_0000L);
        fpcr.interpreter.run(2);
        assertThat(fpcr.x(0)).isEqualTo(0x0737_0000L);
        assertThat(fpcr.state.fpcr()).isEqualTo(0x0737_0000);
        // its TRM's CTR_EL0: L1Ip (bits 15:14) 0b10, a VIPT instruction cache
        Run ctr = Run.of("mrs x0, ctr_el0");
        ctr.step();
        assertThat(ctr.x(0)).isEqualTo(0x8444_8004L);
    }

    @Test
    void dcCvapIsUndefinedOnACortexA53() {
        // DC CVAP is Armv8.2 (FEAT_DPB): a Cortex-A53, and QEMU's, raise an undefined instruction
        Run cvap = Run.ofWords(0xD50B7C21).x(1, Run.DATA); // dc cvap, x1
        assertThat(cvap.step()).isEqualTo(Exit.UNDEFINED);
        assertThat(cvap.state.pc()).isEqualTo(C);
        Run cvac = Run.ofWords(0xD50B7A21).x(1, Run.DATA); // dc cvac, x1
        assertThat(cvac.step()).isEqualTo(Exit.LIMIT);
    }

    @Test
    void anFpcrRoundingModeOtherThanNearestStopsTheProgram() {
        // flush to zero and default NaN are kept (and not modelled); round toward +inf is refused
        Run fz = Run.of("msr fpcr, x1", "mrs x0, fpcr").x(1, 0x0300_0000L);
        assertThat(fz.interpreter.run(2)).isEqualTo(Exit.LIMIT);
        assertThat(fz.x(0)).isEqualTo(0x0300_0000L);
        Run upward = Run.of("msr fpcr, x1").x(1, 0x0040_0000L);
        assertThat(upward.step()).isEqualTo(Exit.UNDEFINED);
        assertThat(upward.state.pc()).as("stopped on the msr").isEqualTo(Run.CODE);
        assertThat(upward.state.fpcr()).isZero();
    }

    @Test
    void dcZvaZeroesItsAlignedBlock() {
        Run run = Run.of("dc zva, x1").x(1, Run.DATA + 70);
        for (long a = Run.DATA; a < Run.DATA + 192; a += 8) {
            run.poke(a, 8, -1);
        }
        run.step();
        assertThat(run.memory.peek(Run.DATA + 56, 8)).isEqualTo(-1);
        for (long a = Run.DATA + 64; a < Run.DATA + 128; a += 8) {
            assertThat(run.memory.peek(a, 8)).isZero();
        }
        assertThat(run.memory.peek(Run.DATA + 128, 8)).isEqualTo(-1);
    }

    @Test
    void decodedCodeIsFetchedOnceAndReReadAfterItChanges() {
        // a two-instruction loop whose first instruction is rewritten while it runs
        Run run = Run.of("add x0, sp, #8", "b #-4");
        run.sp(0);
        run.interpreter.run(10);
        assertThat(run.memory.fetches()).isEqualTo(2);
        assertThat(run.x(0)).isEqualTo(8);
        run.memory.putWord(C, org.capbuddy.aarch64.testing.Asm.word("adds x0, x1, #1"));
        run.x(1, 41);
        run.interpreter.run(2);
        assertThat(run.x(0)).isEqualTo(42);
        run.memory.protect(C, 4096, FlatMemory.R);
        assertThat(run.interpreter.run(4)).isEqualTo(Exit.PREFETCH_ABORT);
    }
}
