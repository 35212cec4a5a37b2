package org.capbuddy.sos.linux;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import org.capbuddy.kernel.cpu.RunResult;
import org.capbuddy.kernel.cpu.ThreadRunner;
import org.capbuddy.sos.SosFixture;
import org.capbuddy.sos.Syscalls;
import org.capbuddy.sos.process.Process;
import org.capbuddy.sos.process.ProcessState;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Hand-assembled programs in an SOS process, on the interpreter: their svc calls reach SOS's Linux
 * personality through the kernel (UnknownSyscall, x8 read with TCB_ReadRegisters), bad pointers
 * are -EFAULT, unknown calls -ENOSYS, and exceptions kill with a report naming the instruction.
 */
class LinuxSyscallsTest {
    private static final int MOV_X0_1 = 0xD280_0020;
    private static final int MOV_X2_6 = 0xD280_00C2;
    private static final int MOV_X8_WRITE = 0xD280_0808;
    private static final int SVC = 0xD400_0001;
    private static final int MOV_X8_EXIT_GROUP = 0xD280_0BC8;
    private static final int MOV_X0_3 = 0xD280_0060;
    private static final int MOV_X1_1 = 0xD280_0021;
    private static final int MOV_X2_16 = 0xD280_0202;
    private static final int MOV_X8_999 = 0xD280_7CE8;
    private static final int LDR_X3_X4 = 0xF940_0083;
    private static final int UDF = 0x0000_0000;
    private static final int LDXR_X1_X1 = 0xC85F_7C21;
    /** movz x1, #0x40, lsl #16: FPCR.RMode = 01, round toward +infinity. */
    private static final int MOVZ_X1_ROUND_UP = 0xD2A0_0801;
    private static final int MSR_FPCR_X1 = 0xD51B_4401;

    private SosFixture fx;
    private Process p;
    private long code;

    @BeforeEach
    void setUp() {
        fx = new SosFixture(true);
        p = fx.process();
        Syscalls sys = fx.sos.syscalls(p);
        code = sys.mmap(0, 4096, Syscalls.PROT_READ | Syscalls.PROT_WRITE | Syscalls.PROT_EXEC,
                Syscalls.MAP_PRIVATE | Syscalls.MAP_ANONYMOUS, -1, 0).value();
    }

    private ThreadRunner load(int... words) {
        ByteBuffer bytes = ByteBuffer.allocate(4 * words.length).order(ByteOrder.LITTLE_ENDIAN);
        for (int w : words) {
            bytes.putInt(w);
        }
        assertThat(p.cpu().copyOut(code, bytes.array(), 0, bytes.capacity())).isEqualTo(bytes.capacity());
        ThreadRunner runner = fx.sos.runner(p).orElseThrow();
        runner.context().setPc(code);
        return runner;
    }

    @Test
    void writeThenExitGroup() {
        byte[] hello = "hello\n".getBytes(StandardCharsets.US_ASCII);
        ThreadRunner r = load(MOV_X0_1, MOV_X2_6, MOV_X8_WRITE, SVC, MOV_X8_EXIT_GROUP, MOV_X0_3, SVC);
        p.cpu().copyOut(code + 0x100, hello, 0, hello.length);
        r.context().setX(1, code + 0x100);
        RunResult result = r.run(1_000);
        assertThat(result.stop()).isEqualTo(RunResult.Stop.STOPPED);
        assertThat(result.detail()).isEqualTo("exit_group(3)");
        assertThat(result.instructions()).isEqualTo(7);
        assertThat(fx.sos.console()).isEqualTo("hello\n");
        assertThat(p.state()).isEqualTo(ProcessState.EXITED);
        assertThat(p.exitCode()).isEqualTo(3);
        LinuxProcess linux = fx.sos.linux().state(p);
        assertThat(linux.calls()).containsEntry(LinuxSyscall.WRITE, 1L).containsEntry(LinuxSyscall.EXIT_GROUP, 1L);
        assertThat(fx.sos.destroy(p).isOk()).isTrue();
    }

    @Test
    void aBadPointerIsEfaultNotAKill() {
        ThreadRunner r = load(MOV_X0_1, MOV_X1_1, MOV_X2_16, MOV_X8_WRITE, SVC, MOV_X8_EXIT_GROUP, SVC);
        RunResult result = r.run(1_000);
        assertThat(result.detail()).isEqualTo("exit_group(" + (-14 & 0xFF) + ")");
        assertThat(p.state()).isEqualTo(ProcessState.EXITED);
        assertThat(fx.sos.console()).isEmpty();
    }

    @Test
    void anUnknownCallIsEnosysAndCounted() {
        ThreadRunner r = load(MOV_X8_999, SVC, MOV_X8_EXIT_GROUP, SVC);
        r.run(1_000);
        assertThat(p.exitCode()).isEqualTo(-38 & 0xFF);
        assertThat(fx.sos.linux().state(p).unknownCalls()).containsEntry(999L, 1L);
    }

    @Test
    void aGuardPageMadeWithMmapKillsItsToucher() {
        Syscalls sys = fx.sos.syscalls(p);
        long guard = sys.mmap(0, 4096, 0, Syscalls.MAP_PRIVATE | Syscalls.MAP_ANONYMOUS, -1, 0).value();
        ThreadRunner r = load(LDR_X3_X4, SVC);
        r.context().setX(4, guard);
        RunResult result = r.run(1_000);
        assertThat(result.stop()).isEqualTo(RunResult.Stop.STOPPED);
        assertThat(p.state()).isEqualTo(ProcessState.KILLED);
        assertThat(p.killReport().address()).isEqualTo(guard);
        assertThat(p.killReport().reason()).contains("not readable");
    }

    @Test
    void anUndefinedInstructionKillsWithItsEncoding() {
        ThreadRunner r = load(MOV_X0_1, UDF);
        r.run(1_000);
        assertThat(p.state()).isEqualTo(ProcessState.KILLED);
        assertThat(p.killReport().address()).isEqualTo(code + 4);
        assertThat(p.killReport().reason()).isEqualTo("undefined instruction 0x00000000");
        assertThat(p.killReport().signal()).as("SIGILL, as Linux sends").isEqualTo(4);
        assertThat(fx.sos.destroy(p).isOk()).isTrue();
    }

    @Test
    void aDirectedRoundingModeIsRefusedWithAReportThatSaysSo() {
        ThreadRunner r = load(MOVZ_X1_ROUND_UP, MSR_FPCR_X1, SVC);
        r.run(1_000);
        assertThat(p.state()).isEqualTo(ProcessState.KILLED);
        assertThat(p.killReport().address()).isEqualTo(code + 4);
        assertThat(p.killReport().reason()).startsWith("msr fpcr asks for a rounding mode other than to nearest");
        assertThat(p.killReport().signal()).isEqualTo(4);
    }

    @Test
    void aMisalignedExclusiveOnAMappedPageIsSigbusAndMapsNothing() {
        // The page is mapped (the code page itself), so only the alignment is wrong: SOS must not
        // try to map it again, which had leaked frames until memory ran out.
        ThreadRunner r = load(LDXR_X1_X1, SVC);
        r.context().setX(1, code + 0x101);
        long framesBefore = fx.sos.pages().framesMapped();
        r.run(1_000);
        assertThat(p.state()).isEqualTo(ProcessState.KILLED);
        assertThat(p.killReport().signal()).as("SIGBUS").isEqualTo(7);
        assertThat(p.killReport().address()).isEqualTo(code + 0x101);
        assertThat(p.killReport().reason()).contains("misaligned");
        assertThat(fx.sos.pages().framesMapped()).isEqualTo(framesBefore);
        assertThat(fx.sos.destroy(p).isOk()).isTrue();
        fx.assertInvariants();
    }

    @Test
    void aWriteLargerThanOnePieceIsWrittenWhole() {
        // A student's write(1, buf, n) that does not loop on a short count must not lose output.
        int n = 3 * Syscalls.MAX_WRITE + 123;
        Syscalls sys = fx.sos.syscalls(p);
        long buffer = sys.mmap(0, n, Syscalls.PROT_READ | Syscalls.PROT_WRITE, Syscalls.MAP_PRIVATE
                | Syscalls.MAP_ANONYMOUS, -1, 0).value();
        byte[] text = "0123456789abcdef".repeat(n / 16 + 1).substring(0, n).getBytes(StandardCharsets.US_ASCII);
        assertThat(p.cpu().copyOut(buffer, text, 0, n)).isEqualTo(n);
        ThreadRunner r = load(MOV_X0_1, MOV_X8_WRITE, SVC);
        r.context().setX(1, buffer);
        r.context().setX(2, n);
        r.run(3);
        assertThat(r.context().x(0)).isEqualTo(n);
        assertThat(fx.sos.console()).isEqualTo(new String(text, StandardCharsets.US_ASCII));
    }
}
