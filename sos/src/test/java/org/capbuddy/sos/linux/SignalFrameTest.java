package org.capbuddy.sos.linux;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import org.capbuddy.aarch64.decode.Decoder;
import org.junit.jupiter.api.Test;

/**
 * The signal frame's layout (Linux arm64's rt_sigframe: offsets fixed by its uapi headers), the
 * records rt_sigreturn accepts, and the signal page's code.
 */
class SignalFrameTest {
    private static SignalFrame.Contents contents(long esr) {
        long[] x = new long[31];
        Arrays.setAll(x, i -> 0x1000L + i);
        return new SignalFrame.Contents(x, 0x8fff_fff0L, 0x401000, 0x6000_0000L, 0x1234, 0x200, 0, 2, 0,
                SignalFrame.siginfo(11, 1, true, 0x1234, 0), esr);
    }

    @Test
    void theLayoutIsLinuxsArm64RtSigframe() {
        // offsetof in struct rt_sigframe: uc at 128, uc_sigmask 40 into it, uc_mcontext 176 into it,
        // __reserved 288 into the sigcontext; sizeof 4688
        assertThat(SignalFrame.UC_SIGMASK).isEqualTo(168);
        assertThat(SignalFrame.MCONTEXT).isEqualTo(304);
        assertThat(SignalFrame.PC).isEqualTo(568);
        assertThat(SignalFrame.RESERVED).isEqualTo(592);
        assertThat(SignalFrame.SIZE).isEqualTo(128 + 176 + 288 + 4096).isEqualTo(4688);
    }

    /**
     * A child's exit signal's siginfo as the uapi's _sigchld lays it out: si_pid at 16, si_uid at
     * 20, si_status at 24, si_utime and si_stime (clock ticks, USER_HZ 100) at 32 and 40.
     */
    @Test
    void aChildsSiginfoHoldsItsPidStatusAndUserTicks() {
        ByteBuffer exited = ByteBuffer.wrap(SignalFrame.childSiginfo(17, new ChildExit(5, 42 << 8, 123_456_789)))
                .order(ByteOrder.LITTLE_ENDIAN);
        assertThat(exited.getInt(0)).isEqualTo(17);
        assertThat(exited.getInt(8)).as("CLD_EXITED").isEqualTo(1);
        assertThat(exited.getInt(16)).isEqualTo(5);
        assertThat(exited.getInt(20)).isZero();
        assertThat(exited.getInt(24)).isEqualTo(42);
        assertThat(exited.getLong(32)).as("12 ticks of 10 ms").isEqualTo(12);
        assertThat(exited.getLong(40)).isZero();
        ByteBuffer killed = ByteBuffer.wrap(SignalFrame.childSiginfo(17, new ChildExit(6, 9, 0)))
                .order(ByteOrder.LITTLE_ENDIAN);
        assertThat(killed.getInt(8)).as("CLD_KILLED").isEqualTo(2);
        assertThat(killed.getInt(24)).as("the signal").isEqualTo(9);
    }

    @Test
    void aBuiltFrameParsesBackToTheSameRegisters() {
        byte[] bytes = SignalFrame.build(contents(0x9200_0047L));
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(b.getLong(SignalFrame.FAULT_ADDRESS)).isEqualTo(0x1234);
        assertThat(b.getInt(SignalFrame.FPSIMD + SignalFrame.FPSIMD_SIZE)).isEqualTo(SignalFrame.ESR_MAGIC);
        assertThat(b.getLong(SignalFrame.SIZE)).as("frame record: x29").isEqualTo(0x1000L + 29);
        assertThat(b.getLong(SignalFrame.SIZE + 8)).as("frame record: x30").isEqualTo(0x1000L + 30);

        SignalFrame.Restored r = SignalFrame.parse(Arrays.copyOf(bytes, SignalFrame.SIZE));

        assertThat(r).isNotNull();
        assertThat(r.x()[17]).isEqualTo(0x1000L + 17);
        assertThat(r.pc()).isEqualTo(0x401000);
        assertThat(r.sp()).isEqualTo(0x8fff_fff0L);
        assertThat(r.nzcv()).isEqualTo(0x6000_0000L);
        assertThat(r.mask()).isEqualTo(0x200);
        assertThat(r.stackFlags()).isEqualTo(2);
    }

    @Test
    void framesLinuxRefusesAreRefused() {
        byte[] good = Arrays.copyOf(SignalFrame.build(contents(0)), SignalFrame.SIZE);
        assertThat(SignalFrame.parse(good)).isNotNull();
        assertThat(SignalFrame.parse(with(good, SignalFrame.PSTATE, 8, 0x5))).as("EL1h").isNull();
        assertThat(SignalFrame.parse(with(good, SignalFrame.PSTATE, 8, 0x10))).as("AArch32").isNull();
        assertThat(SignalFrame.parse(with(good, SignalFrame.PSTATE, 8, 0x80))).as("IRQs masked").isNull();
        assertThat(SignalFrame.parse(with(good, SignalFrame.FPSIMD, 4, 0x1234_5678))).as("unknown record").isNull();
        assertThat(SignalFrame.parse(with(good, SignalFrame.FPSIMD + 4, 4, 512))).as("fpsimd of the wrong size").isNull();
        assertThat(SignalFrame.parse(with(good, SignalFrame.FPSIMD + SignalFrame.FPSIMD_SIZE + 4, 4, 16)))
                .as("a terminator with a size").isNull();
        byte[] twice = with(good, SignalFrame.FPSIMD + SignalFrame.FPSIMD_SIZE, 4, SignalFrame.FPSIMD_MAGIC);
        assertThat(SignalFrame.parse(with(twice, SignalFrame.FPSIMD + SignalFrame.FPSIMD_SIZE + 4, 4,
                SignalFrame.FPSIMD_SIZE))).as("two fpsimd records").isNull();
        assertThat(SignalFrame.parse(with(good, SignalFrame.FPSIMD, 8, 0))).as("no fpsimd record").isNull();
    }

    private static byte[] with(byte[] frame, int offset, int size, long value) {
        byte[] copy = frame.clone();
        ByteBuffer b = ByteBuffer.wrap(copy).order(ByteOrder.LITTLE_ENDIAN);
        if (size == 8) {
            b.putLong(offset, value);
        } else {
            b.putInt(offset, (int) value);
        }
        return copy;
    }

    @Test
    void theSignalPageIsInstructionsTheInterpreterRunsEndingInRtSigreturn() {
        ByteBuffer page = ByteBuffer.wrap(SigPage.bytes()).order(ByteOrder.LITTLE_ENDIAN);
        int words = (int) (SigPage.RESTORED - SigPage.ADDRESS) / 4 + 1;
        for (int i = 0; i < words; i++) {
            int word = page.getInt(4 * i);
            assertThat(Decoder.decode(SigPage.ADDRESS + 4L * i, word).op).as("word %d: 0x%08x", i, word)
                    .isNotEqualTo(Decoder.decode(0, 0).op);
        }
        // encodings as llvm-mc gives them
        assertThat(page.getInt(4 * 5)).as("stp q2, q3, [x6, #32]").isEqualTo(0xAD01_0CC2);
        assertThat(page.getInt(4 * 20)).as("mov x30, x5: the handler returns to the restorer").isEqualTo(0xAA05_03FE);
        assertThat(page.getInt(4 * 21)).as("br x3").isEqualTo(0xD61F_0060);
        assertThat(page.getInt((int) (SigPage.SIGRETURN - SigPage.ADDRESS))).as("mov x8, #139").isEqualTo(0xD280_1168);
        assertThat(page.getInt((int) (SigPage.RESTORE - SigPage.ADDRESS))).as("add x9, sp, #592").isEqualTo(0x9109_43E9);
        assertThat(page.getInt(4 * 44)).as("ldp q30, q31, [x6, #480]").isEqualTo(0xAD4F_7CDE);
        assertThat(page.getInt((int) (SigPage.RESTORED - SigPage.ADDRESS))).as("svc #0").isEqualTo(0xD400_0001);
        assertThat(page.getInt(4 * words)).as("then zeros").isZero();
    }
}
