package org.capbuddy.sos.linux;

import static org.assertj.core.api.Assertions.assertThat;

import org.capbuddy.sos.SosFixture;
import org.capbuddy.sos.Syscalls;
import org.capbuddy.sos.addrspace.Layout;
import org.capbuddy.sos.process.Process;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The signal page's place is kept from process creation: no mapping, fixed, hinted, placed or
 * moved by mremap, takes it before the first handler maps the page there, and nothing is mapped
 * there until then.
 */
class SignalPagePlaceTest {
    private static final long PAGE = Layout.PAGE;
    private static final long PLACE = Layout.SIGNAL_PAGE;
    private static final int EEXIST = -17;
    private static final int EINVAL = -22;
    private static final int RW = Syscalls.PROT_READ | Syscalls.PROT_WRITE;
    private static final int ANON = Syscalls.MAP_PRIVATE | Syscalls.MAP_ANONYMOUS;

    private SosFixture fx;
    private Process p;
    private long code;

    @BeforeEach
    void setUp() {
        fx = new SosFixture(true);
        p = fx.process();
        code = fx.codePage(p);
    }

    private long call(LinuxSyscall call, long... args) {
        return fx.linuxCall(p, code, call.number(), args);
    }

    private void assertPlaceFree() {
        assertThat(p.addressSpace().find(PLACE)).isNull();
        assertThat(p.shadow().frameRef(PLACE)).as("no frame before a handler").isZero();
    }

    @Test
    void theSignalPageGoesAboveTheIpcBuffer() {
        assertThat(SigPage.ADDRESS).isEqualTo(PLACE).isEqualTo(Layout.IPC_BUFFER + PAGE);
    }

    @Test
    void aFixedMappingOrMoveThereIsRefusedAndAHintThereIsIgnored() {
        assertPlaceFree();
        assertThat(call(LinuxSyscall.MMAP, PLACE, PAGE, RW, ANON | Syscalls.MAP_FIXED, -1, 0)).isEqualTo(EINVAL);
        assertThat(call(LinuxSyscall.MMAP, PLACE - 2 * PAGE, 4 * PAGE, RW, ANON | Syscalls.MAP_FIXED, -1, 0))
                .as("across it").isEqualTo(EINVAL);
        assertThat(call(LinuxSyscall.MMAP, PLACE, PAGE, RW, ANON | Syscalls.MAP_FIXED_NOREPLACE, -1, 0))
                .as("taken before any handler, as Linux's vdso from exec").isEqualTo(EEXIST);
        assertThat(call(LinuxSyscall.MMAP, PLACE, 2 * PAGE, RW, ANON | Syscalls.MAP_FIXED_NOREPLACE, -1, 0))
                .as("starting on it").isEqualTo(EEXIST);
        long hinted = call(LinuxSyscall.MMAP, PLACE, PAGE, RW, ANON, -1, 0);
        assertThat(hinted).as("a hint there").isPositive().isNotEqualTo(PLACE);
        long at = call(LinuxSyscall.MMAP, 0, PAGE, RW, ANON, -1, 0);
        long fixedMove = Syscalls.MREMAP_MAYMOVE | Syscalls.MREMAP_FIXED;
        assertThat(call(LinuxSyscall.MREMAP, at, PAGE, PAGE, fixedMove, PLACE)).isEqualTo(EINVAL);
        long moved = call(LinuxSyscall.MREMAP, at, PAGE, PAGE, Syscalls.MREMAP_MAYMOVE | Syscalls.MREMAP_DONTUNMAP,
                PLACE);
        assertThat(moved).as("mremap's hint there").isPositive().isNotEqualTo(PLACE);
        assertThat(call(LinuxSyscall.MMAP, PLACE + PAGE, PAGE, RW, ANON | Syscalls.MAP_FIXED, -1, 0))
                .as("the page above it").isEqualTo(PLACE + PAGE);
        assertPlaceFree();
        assertThat(fx.sos.syscalls(p).mapSignalPage(PLACE, SigPage.bytes())).isNull();
        assertThat(p.shadow().frameRef(PLACE)).isNotZero();
    }

    @Test
    void theMmapAreaFilledUpToTheIpcBufferPlacesTheNextMappingPastTheSignalPagesPlace() {
        long most = 64L << 30;
        long last = 0;
        while (last < Layout.IPC_BUFFER) {
            last = call(LinuxSyscall.MMAP, 0, most, Syscalls.PROT_READ, ANON, -1, 0);
            assertThat(last).isPositive();
        }
        assertThat(last).isEqualTo(PLACE + PAGE);
        assertPlaceFree();
    }
}
