package org.capbuddy.sos.paging;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.capbuddy.sos.SosFixture;
import org.capbuddy.sos.Syscalls;
import org.capbuddy.sos.addrspace.Layout;
import org.capbuddy.sos.frametable.FrameTable;
import org.capbuddy.sos.linux.LinuxSyscall;
import org.capbuddy.sos.machine.SosConfig;
import org.capbuddy.sos.process.Process;
import org.capbuddy.sos.process.ProcessState;
import org.capbuddy.sos.user.MemoryFault;
import org.capbuddy.sos.user.UserContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Paging under the calls that handle pages in bulk or by rights: mremap of paged-out and
 * unreferenced pages, a write whose buffer spans three paged-out pages with one frame to spare,
 * PROT_NONE pages paged out and back, and a fault refused for a full page file, which leaves no
 * page unreferenced.
 */
class PagingRegressionTest {
    private static final int RW = Syscalls.PROT_READ | Syscalls.PROT_WRITE;
    private SosFixture fx;
    private Process p;
    private UserContext ctx;
    private long code;
    private int own;

    static List<String> policies() {
        return PolicyRegistry.names();
    }

    private void start(String policy, int room, int pageFile) throws MemoryFault {
        SosFixture probe = new SosFixture(true);
        Process q = probe.process();
        probe.context(q).store(probe.codePage(q) + 0x800, 8, 0);
        own = probe.sos.frameTable().framesInUse();
        fx = new SosFixture(true, new SosConfig(FrameTable.SEED_REF_BITS, own + room, pageFile, policy));
        p = fx.process();
        ctx = fx.context(p);
        code = fx.codePage(p);
        ctx.store(code + 0x800, 8, 0);
    }

    private long call(LinuxSyscall c, long... args) {
        return fx.linuxCall(p, code, c.number(), args);
    }

    private void churn(int n) throws MemoryFault {
        long at = ctx.sys().mmap(n * Layout.PAGE).value();
        for (int i = 0; i < n; i++) {
            ctx.store(at + i * Layout.PAGE, 8, i + 1);
        }
    }

    @ParameterizedTest
    @MethodSource("policies")
    void mremapKeepsPagedOutAndUnreferencedBytes(String policy) throws MemoryFault {
        start(policy, 4, 64);
        long a = ctx.sys().mmap(4 * Layout.PAGE).value();
        for (int i = 0; i < 4; i++) {
            ctx.store(a + i * Layout.PAGE + 8, 8, 0xAB00 + i);
        }
        churn(2);
        var moved = ctx.sys().mremap(a, 4 * Layout.PAGE, 64 * Layout.PAGE, Syscalls.MREMAP_MAYMOVE, 0);
        assertThat(moved.isOk()).as("%s", moved).isTrue();
        long b = moved.value();
        assertThat(b).isNotEqualTo(a);
        for (int i = 0; i < 4; i++) {
            assertThat(ctx.load(b + i * Layout.PAGE + 8, 8)).as("page %d", i).isEqualTo(0xAB00 + i);
        }
        churn(12);
        for (int i = 0; i < 4; i++) {
            assertThat(ctx.load(b + i * Layout.PAGE + 8, 8)).as("page %d again", i).isEqualTo(0xAB00 + i);
        }
        assertThat(fx.sos.destroy(p).isOk()).isTrue();
        assertThat(fx.sos.pages().pageFileSlotsInUse()).isZero();
        assertThat(fx.sos.pages().policy().size()).as("policy forgets the process").isZero();
    }

    @ParameterizedTest
    @MethodSource("policies")
    void writeOfABufferSpanningThreePagedOutPagesWithOneFrameToSpare(String policy) throws MemoryFault {
        start(policy, 1, 64);
        long buf = ctx.sys().mmap(4 * Layout.PAGE).value();
        byte[] msg = new byte[(int) (2 * Layout.PAGE + 200)];
        for (int i = 0; i < msg.length; i++) {
            msg[i] = (byte) ('a' + i % 26);
        }
        long at = buf + Layout.PAGE - 100;
        ctx.copyOut(at, msg, 0, msg.length);
        churn(4);
        assertThat(call(LinuxSyscall.WRITE, 1, at, msg.length)).isEqualTo(msg.length);
        assertThat(fx.sos.console()).endsWith(new String(msg, StandardCharsets.US_ASCII));
        assertThat(p.state()).isEqualTo(ProcessState.RUNNING);
    }

    @ParameterizedTest
    @MethodSource("policies")
    void protNoneThenPagedOutThenRwKeepsBytes(String policy) throws MemoryFault {
        start(policy, 4, 64);
        long a = ctx.sys().mmap(Layout.PAGE).value();
        ctx.store(a + 16, 8, 0x1234_5678L);
        assertThat(call(LinuxSyscall.MPROTECT, a, Layout.PAGE, 0)).isZero();
        churn(12);
        assertThat(p.shadow().pagedOutSlot(a)).isNotNegative();
        assertThat(call(LinuxSyscall.MPROTECT, a, Layout.PAGE, RW)).isZero();
        assertThat(ctx.load(a + 16, 8)).isEqualTo(0x1234_5678L);
    }

    /** A fault refused for a full page file finds that out before its victim search: it unmaps no page. */
    @Test
    void aFaultRefusedForAFullPageFileLeavesNoPageUnreferenced() throws MemoryFault {
        start(SecondChancePolicy.NAME, 4, 1);
        long at = ctx.sys().mmap(20 * Layout.PAGE).value();
        int i = 0;
        MemoryFault fault = null;
        long unreferencedBefore = -1;
        long softFaultsBefore = -1;
        try {
            for (; i < 20; i++) {
                unreferencedBefore = fx.sos.pages().pagesUnreferenced();
                softFaultsBefore = fx.sos.pages().softFaults();
                ctx.store(at + i * Layout.PAGE, 8, i);
            }
        } catch (MemoryFault mf) {
            fault = mf;
        }
        assertThat(fault).isNotNull();
        assertThat(p.killReport().reason()).contains("the page file is full (1 pages)");
        assertThat(fx.sos.pages().pagesUnreferenced()).isEqualTo(unreferencedBefore);
        assertThat(fx.sos.pages().softFaults()).isEqualTo(softFaultsBefore);
    }
}
