package org.capbuddy.kernel.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.capbuddy.kernel.testing.RootTaskFx.ROOT_TCB;
import static org.capbuddy.kernel.testing.RootTaskFx.err;
import static org.capbuddy.kernel.testing.RootTaskFx.ok;

import java.util.stream.LongStream;
import org.capbuddy.kernel.api.InvocationLabel;
import org.capbuddy.kernel.api.InvocationResult;
import org.capbuddy.kernel.api.ObjectType;
import org.capbuddy.kernel.api.Sel4Error;
import org.capbuddy.kernel.cpu.UserContextLayout;
import org.capbuddy.kernel.testing.RootTaskFx;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * TCB_ReadRegisters and TCB_WriteRegisters against {@code src/object/tcb.c} and the AArch64
 * register set ({@code registerset.h}, {@code mode/kernel/thread.h}): the checks of
 * {@code decodeReadRegisters} and {@code decodeWriteRegisters} in order, and what a register
 * reads back as after {@code Arch_initContext} and {@code sanitiseRegister}.
 *
 * <p>The SPSR a thread reports is its flags plus {@code PSTATE_USER}: EL0t with FIQs masked
 * (bit 6), the value of seL4's default build (a release build also masks SError, bit 8).
 */
class TcbRegistersConformanceTest {
    private static final int SPSR = UserContextLayout.SPSR;
    private static final int TPIDR = 34;
    private static final int TPIDRRO = 35;
    private static final long PSTATE_USER = 0x40;

    private final RootTaskFx fx = new RootTaskFx();

    @ParameterizedTest(name = "count {0}")
    @ValueSource(longs = {0, 37, 64, -1})
    void decodeReadRegisters_countOutside1To36IsRangeError1To36(long count) {
        long tcb = fx.object(ObjectType.TCB);
        err(fx.sel4.tcbReadRegisters(tcb, false, count), Sel4Error.RANGE_ERROR, 1, 36);
    }

    @Test
    void decodeReadRegisters_fewerThanTwoWordsIsTruncatedBeforeTheCountCheck() {
        long tcb = fx.object(ObjectType.TCB);
        err(fx.raw(tcb, InvocationLabel.TCB_READ_REGISTERS, new long[] {0}), Sel4Error.TRUNCATED_MESSAGE);
        err(fx.raw(ROOT_TCB, InvocationLabel.TCB_READ_REGISTERS, new long[] {0, 0}), Sel4Error.RANGE_ERROR, 1, 36);
    }

    @ParameterizedTest(name = "count {0} with {1} register words")
    @CsvSource({"1, 0", "5, 4", "36, 35", "-1, 36"})
    void decodeWriteRegisters_fewerWordsThanTheCountIsTruncatedAndNothingIsWritten(long count, int given) {
        long tcb = fx.object(ObjectType.TCB);
        long[] words = new long[2 + given];
        words[1] = count;
        for (int i = 0; i < given; i++) {
            words[2 + i] = 0x1000 + i;
        }
        err(fx.raw(tcb, InvocationLabel.TCB_WRITE_REGISTERS, words), Sel4Error.TRUNCATED_MESSAGE);
        long[] after = read(tcb);
        assertThat(after[UserContextLayout.PC]).isZero();
        assertThat(after[UserContextLayout.wordOfX(0)]).isZero();
    }

    @Test
    void arch_initContext_aNewThreadsSpsrIsPstateUserAndEveryOtherRegisterZero() {
        long tcb = fx.object(ObjectType.TCB);
        long[] words = read(tcb);
        assertThat(words[SPSR]).as("spsr").isEqualTo(PSTATE_USER);
        for (int i = 0; i < UserContextLayout.REGISTERS; i++) {
            if (i != SPSR) {
                assertThat(words[i]).as("word %d", i).isZero();
            }
        }
    }

    @ParameterizedTest(name = "spsr written 0x{0}")
    @CsvSource({
        "0, 40",
        "ffffffffffffffff, f0000040",
        "3c5, 40",
        "600003c5, 60000040",
        "a0000000, a0000040",
    })
    void sanitiseRegister_spsrKeepsOnlyNzcvAndBecomesPstateUser(String written, String expected) {
        long tcb = fx.object(ObjectType.TCB);
        long[] regs = new long[3];
        regs[SPSR] = Long.parseUnsignedLong(written, 16);
        ok(fx.sel4.tcbWriteRegisters(tcb, false, regs));
        assertThat(read(tcb)[SPSR]).isEqualTo(Long.parseUnsignedLong(expected, 16));
    }

    @Test
    void invokeTCB_WriteRegisters_everyOtherRegisterIsStoredAsWrittenAndReadBack() {
        long tcb = fx.object(ObjectType.TCB);
        long[] regs = LongStream.range(0, UserContextLayout.REGISTERS)
                .map(i -> 0x1111_0000_0000_0000L * (i % 15 + 1) + i).toArray();
        ok(fx.sel4.tcbWriteRegisters(tcb, false, regs));
        long[] back = read(tcb);
        for (int i = 0; i < UserContextLayout.REGISTERS; i++) {
            if (i != SPSR) {
                assertThat(back[i]).as("word %d", i).isEqualTo(regs[i]);
            }
        }
        assertThat(back[TPIDR]).isEqualTo(regs[TPIDR]);
        assertThat(back[TPIDRRO]).as("tpidrro_el0, a gpRegister").isEqualTo(regs[TPIDRRO]);
    }

    @Test
    void invokeTCB_WriteRegisters_onlyTheFirstCountRegistersChange() {
        long tcb = fx.object(ObjectType.TCB);
        long[] all = LongStream.range(0, UserContextLayout.REGISTERS).map(i -> 0x5000 + i).toArray();
        ok(fx.sel4.tcbWriteRegisters(tcb, false, all));
        ok(fx.sel4.tcbWriteRegisters(tcb, false, 0xAA, 0xBB));
        long[] back = read(tcb);
        assertThat(back[UserContextLayout.PC]).isEqualTo(0xAA);
        assertThat(back[UserContextLayout.SP]).isEqualTo(0xBB);
        assertThat(back[UserContextLayout.wordOfX(0)]).isEqualTo(0x5003);
        assertThat(back[TPIDRRO]).isEqualTo(0x5000 + TPIDRRO);
    }

    private long[] read(long tcb) {
        InvocationResult r = fx.sel4.tcbReadRegisters(tcb, false, UserContextLayout.REGISTERS);
        ok(r);
        return r.words();
    }
}
