package org.capbuddy.sos;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.List;
import org.capbuddy.libos.vka.AllocErrorKind;
import org.capbuddy.sos.addrspace.Layout;
import org.capbuddy.sos.addrspace.Region;
import org.capbuddy.sos.machine.Balance;
import org.capbuddy.sos.process.Process;
import org.capbuddy.sos.run.ProgramOutcome;
import org.capbuddy.sos.run.ProgramResult;
import org.capbuddy.sos.run.ProgramRunner;
import org.capbuddy.sos.user.UserContext;
import org.junit.jupiter.api.Test;

/**
 * SOS's public entry points given values they cannot take: each is refused (an error value, a
 * -1, an empty answer) without an exception, and nothing changes: the process keeps its pages and
 * data, and after teardown the balance is what it was before.
 */
class BadArgumentsTest {
    private static final long TOP_PAGE = Layout.STACK_TOP - Layout.PAGE;

    /** A process with its top stack page written (0x1234 at its first word). */
    private static Process withOnePage(SosFixture fx) throws Exception {
        Process p = fx.process();
        UserContext ctx = fx.context(p);
        ctx.store(TOP_PAGE, 8, 0x1234);
        assertThat(p.shadow().pageCount()).isEqualTo(1);
        return p;
    }

    @Test
    void processPagesRefuseAPageMappedAlreadyADestroyedProcessAndNulls() throws Exception {
        SosFixture fx = new SosFixture(true);
        Balance before = fx.balance();
        Process p = withOnePage(fx);
        Region stack = p.addressSpace().find(TOP_PAGE);

        var twice = fx.sos.pages().map(p, TOP_PAGE, stack);
        assertThat(twice.isOk()).isFalse();
        assertThat(twice.error().detail()).contains("is mapped already");
        assertThat(fx.sos.pages().map(p, TOP_PAGE + 8, stack).error().detail()).contains("is not a user page's");
        assertThat(fx.sos.pages().map(p, TOP_PAGE - Layout.PAGE, null).error().detail()).isEqualTo("no region");
        assertThat(fx.sos.pages().map(null, TOP_PAGE, stack).error().kind()).isEqualTo(AllocErrorKind.BAD_ARGUMENT);
        assertThat(fx.sos.pages().remap(p, TOP_PAGE, null).error().detail()).isEqualTo("no region");
        assertThat(fx.sos.pages().readWord(p, TOP_PAGE)).as("the page kept its data").isEqualTo(0x1234);
        assertThat(fx.sos.pages().readWord(null, TOP_PAGE)).isEqualTo(-1);
        assertThat(fx.sos.pages().peek(null, TOP_PAGE, 4)).isEmpty();
        assertThat(fx.sos.pages().copy(null, TOP_PAGE, new byte[4], 0, 4, false)).isZero();
        assertThat(fx.sos.pages().copy(p, TOP_PAGE, new byte[4], 2, 4, false)).as("a short buffer").isZero();
        fx.sos.pages().unmap(null, TOP_PAGE);
        fx.sos.pages().tearDown(null);

        assertThat(fx.sos.destroy(p).isOk()).isTrue();
        var afterDestroy = fx.sos.pages().map(p, TOP_PAGE, stack);
        assertThat(afterDestroy.error().detail()).contains("is destroyed");
        assertThat(fx.balance().diff(before).isZero()).as("%s", fx.balance().diff(before)).isTrue();
        fx.assertInvariants();
    }

    @Test
    void theSyscallHelpersAnswerEsrchForNoProcessOrADestroyedOne() throws Exception {
        SosFixture fx = new SosFixture(true);
        Process p = withOnePage(fx);
        Syscalls live = fx.sos.syscalls(p);
        assertThat(live.console(new byte[2], 5)).isFalse();
        assertThat(live.console(new byte[2], -1)).isFalse();
        assertThat(live.console(null, 0)).isFalse();
        assertThat(live.copyToUser(TOP_PAGE, new byte[2], 5)).isFalse();
        assertThat(fx.sos.console()).isEmpty();
        assertThat(live.console("hi".getBytes(), 2)).isTrue();
        assertThat(fx.sos.takeConsole()).isEqualTo("hi");

        for (Syscalls gone : List.of(fx.sos.syscalls(null), destroyed(fx, p))) {
            assertThat(gone.checkUserBuffer(TOP_PAGE, 8, false).errno()).isEqualTo(Errno.ESRCH);
            assertThat(gone.copyFromUser(TOP_PAGE, 8)).isNull();
            assertThat(gone.copyToUser(TOP_PAGE, new byte[8], 8)).isFalse();
            assertThat(gone.console("x".getBytes(), 1)).isFalse();
        }
        assertThat(fx.sos.console()).as("nothing written for a caller that is not running").isEmpty();
    }

    private static Syscalls destroyed(SosFixture fx, Process p) {
        Syscalls sys = fx.sos.syscalls(p);
        assertThat(fx.sos.destroy(p).isOk()).isTrue();
        return sys;
    }

    @Test
    void mmapRefusesTheFirst64KiBAndAMappingTypeThatIsNotOne() throws Exception {
        SosFixture fx = new SosFixture(true);
        Process p = fx.process();
        Syscalls sys = fx.sos.syscalls(p);
        int anon = Syscalls.MAP_PRIVATE | Syscalls.MAP_ANONYMOUS;
        int rw = Syscalls.PROT_READ | Syscalls.PROT_WRITE;
        assertThat(sys.mmap(0, 4096, rw, anon | Syscalls.MAP_FIXED, -1, 0).errno()).isEqualTo(Errno.EPERM);
        assertThat(sys.mmap(0xF000, 4096, rw, anon | Syscalls.MAP_FIXED, -1, 0).errno()).isEqualTo(Errno.EPERM);
        // addresses are unsigned: the top of the address space is past user space, not below 64 KiB
        assertThat(sys.mmap(0xFFFF_FFFF_FFFF_F000L, 4096, rw, anon | Syscalls.MAP_FIXED, -1, 0).errno())
                .isEqualTo(Errno.ENOMEM);
        assertThat(sys.mmap(Layout.USER_TOP - 4096, 8192, rw, anon | Syscalls.MAP_FIXED, -1, 0).errno())
                .as("running past the top").isEqualTo(Errno.ENOMEM);
        assertThat(sys.mmap(0, 4096, rw, -1, -1, 0).errno()).isEqualTo(Errno.EINVAL);
        assertThat(sys.mmap(0, 4096, rw, Syscalls.MAP_ANONYMOUS, -1, 0).errno()).as("no mapping type")
                .isEqualTo(Errno.EINVAL);
        assertThat(sys.mmap(0, 4096, rw, Syscalls.MAP_ANONYMOUS | 0x0f, -1, 0).errno()).isEqualTo(Errno.EINVAL);
        assertThat(sys.mmap(0x10000, 4096, rw, anon | Syscalls.MAP_FIXED, -1, 0).isOk()).as("64 KiB up is allowed")
                .isTrue();
        assertThat(sys.mmap(0, 4096, rw, Syscalls.MAP_SHARED_VALIDATE | Syscalls.MAP_ANONYMOUS, -1, 0).isOk())
                .as("MAP_SHARED_VALIDATE, as Linux takes it").isTrue();
        assertThat(fx.sos.destroy(p).isOk()).isTrue();
    }

    @Test
    void aLaunchWithNullsIsRefusedAndLeavesTheConsoleAsItWas() throws Exception {
        SosFixture fx = new SosFixture(true);
        Process p = withOnePage(fx);
        assertThat(fx.sos.syscalls(p).console("before\n".getBytes(), 7)).isTrue();
        assertThat(fx.sos.destroy(p).isOk()).isTrue();
        Balance before = fx.balance();
        byte[] elf = TestElf.program("hello.elf");
        ProgramRunner runner = new ProgramRunner(fx.sos);
        for (ProgramRunner.Launch bad : new ProgramRunner.Launch[] {
            new ProgramRunner.Launch(elf, Arrays.asList("prog", null), List.of(), new byte[0], 1, 1000),
            new ProgramRunner.Launch(elf, null, List.of(), new byte[0], 1, 1000),
            new ProgramRunner.Launch(elf, List.of("prog"), Arrays.asList((String) null), new byte[0], 1, 1000),
            new ProgramRunner.Launch(elf, List.of("prog"), List.of(), null, 1, 1000),
            new ProgramRunner.Launch(new byte[] {1, 2, 3}, List.of("prog"), List.of(), new byte[0], 1, 1000),
        }) {
            ProgramResult r = runner.run(bad);
            assertThat(r.outcome()).isEqualTo(ProgramOutcome.REFUSED);
            assertThat(r.console()).isEmpty();
        }
        assertThat(runner.run(null).outcome()).isEqualTo(ProgramOutcome.REFUSED);
        assertThat(fx.sos.console()).as("output written before a refused launch stays").isEqualTo("before\n");
        assertThat(fx.balance().diff(before).isZero()).isTrue();
    }
}
