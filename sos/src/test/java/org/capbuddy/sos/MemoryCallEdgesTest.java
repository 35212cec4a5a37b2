package org.capbuddy.sos;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.capbuddy.sos.addrspace.Layout;
import org.capbuddy.sos.addrspace.Region;
import org.capbuddy.sos.process.Process;
import org.capbuddy.sos.user.MemoryFault;
import org.capbuddy.sos.user.UserContext;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The edges of mmap and mprotect where Linux's answer is its own and qemu-user 7.2's differs (so
 * the QEMU-recorded student_mprotect cannot show them): each case states what Linux's
 * do_mprotect_pkey or do_mmap does, and SOS must do the same.
 */
class MemoryCallEdgesTest {
    private static final long PAGE = Layout.PAGE;
    private static final int RW = Syscalls.PROT_READ | Syscalls.PROT_WRITE;
    private static final int ANON = Syscalls.MAP_PRIVATE | Syscalls.MAP_ANONYMOUS;

    private SosFixture fx;
    private Process p;
    private Syscalls sys;
    private UserContext ctx;

    @BeforeEach
    void setUp() {
        fx = new SosFixture(true);
        p = fx.process();
        sys = fx.sos.syscalls(p);
        ctx = fx.context(p);
    }

    private long mmap(long pages) {
        SysResult r = sys.mmap(0, pages * PAGE, RW, ANON, -1, 0);
        assertThat(r.isOk()).as("%s", r).isTrue();
        return r.value();
    }

    @Test
    void mprotectOfNoBytesSucceedsBeforeItLooksAtTheRightsOrTheRegions() {
        // Linux returns 0 for a zero length right after the alignment check (qemu 7.2 says ENOMEM)
        List<Region> before = p.addressSpace().regions();
        assertThat(sys.mprotect(0x7000_0000L, 0, Syscalls.PROT_READ)).isEqualTo(SysResult.ok(0));
        assertThat(sys.mprotect(0x7000_0000L, 0, 0x40)).isEqualTo(SysResult.ok(0));
        assertThat(sys.mprotect(0x7000_0001L, 0, Syscalls.PROT_READ).errno()).isEqualTo(Errno.EINVAL);
        assertThat(p.addressSpace().regions()).isEqualTo(before);
    }

    @Test
    void mprotectAnswersEnomemForRangesThatWrapOrLeaveUserSpaceAndEinvalForUnknownBits() {
        long base = mmap(1);
        assertThat(sys.mprotect(base, -PAGE, Syscalls.PROT_READ).errno()).isEqualTo(Errno.ENOMEM);
        assertThat(sys.mprotect(base, -1, Syscalls.PROT_READ).errno()).as("rounds up to 2^64").isEqualTo(Errno.ENOMEM);
        assertThat(sys.mprotect(0xFFFF_0000_0000_0000L, PAGE, Syscalls.PROT_READ).errno()).isEqualTo(Errno.ENOMEM);
        assertThat(sys.mprotect(base, PAGE, 0x40).errno()).isEqualTo(Errno.EINVAL);
        assertThat(sys.mprotect(base, PAGE, RW | Syscalls.PROT_SEM)).as("PROT_SEM is accepted").isEqualTo(SysResult.ok(0));
        assertThat(sys.mprotect(Layout.IPC_BUFFER, PAGE, Syscalls.PROT_READ).errno()).isEqualTo(Errno.EINVAL);
    }

    @Test
    void mprotectRunningIntoAHoleChangesThePagesBeforeItAndIsEnomem() throws MemoryFault {
        long base = mmap(3);
        ctx.store(base, 8, 0x1234);
        assertThat(sys.munmap(base + PAGE, PAGE).isOk()).isTrue();
        assertThat(sys.mprotect(base, 3 * PAGE, Syscalls.PROT_READ).errno()).isEqualTo(Errno.ENOMEM);
        assertThat(p.addressSpace().find(base).write()).as("the page before the hole").isFalse();
        assertThat(p.addressSpace().find(base + 2 * PAGE).write()).as("the page past the hole").isTrue();
        assertThat(ctx.load(base, 8)).isEqualTo(0x1234);
        assertThat(sys.mprotect(base + PAGE, PAGE, Syscalls.PROT_READ).errno()).as("starting in the hole")
                .isEqualTo(Errno.ENOMEM);
        fx.assertInvariants();
    }

    @Test
    void mapFixedNoreplaceIsEexistOverAnythingMappedAndFixedOtherwise() {
        long base = mmap(2);
        List<Region> before = p.addressSpace().regions();
        int noReplace = ANON | Syscalls.MAP_FIXED_NOREPLACE;
        assertThat(sys.mmap(base + PAGE, PAGE, RW, noReplace, -1, 0).errno()).isEqualTo(Errno.EEXIST);
        assertThat(sys.mmap(Layout.CODE_BASE, PAGE, RW, noReplace, -1, 0).errno()).isEqualTo(Errno.EEXIST);
        assertThat(sys.mmap(base + 1, PAGE, RW, noReplace, -1, 0).errno()).isEqualTo(Errno.EINVAL);
        assertThat(p.addressSpace().regions()).isEqualTo(before);
        long free = base + 16 * PAGE;
        assertThat(sys.mmap(free, PAGE, RW, noReplace, -1, 0)).isEqualTo(SysResult.ok(free));
    }

    @Test
    void mmapIgnoresProtectionBitsItDoesNotKnowAsLinuxDoes() throws MemoryFault {
        // do_mmap never checks them (qemu 7.2 refuses all but PROT_SEM with EINVAL); mprotect does
        for (int extra : new int[] {Syscalls.PROT_SEM, 0x10, 0x40, 0x1000}) {
            SysResult r = sys.mmap(0, PAGE, RW | extra, ANON, -1, 0);
            assertThat(r.isOk()).as("prot 0x%x: %s", RW | extra, r).isTrue();
            ctx.store(r.value(), 8, extra);
            assertThat(ctx.load(r.value(), 8)).isEqualTo(extra);
        }
    }

    @Test
    void mmapLengthsPastWhatFitsAreEnomemAndAnUnalignedOffsetIsEinval() {
        assertThat(sys.mmap(0, 0, RW, ANON, -1, 0).errno()).isEqualTo(Errno.EINVAL);
        assertThat(sys.mmap(0, 1L << 40, RW, ANON, -1, 0).errno()).isEqualTo(Errno.ENOMEM);
        assertThat(sys.mmap(0, -1, RW, ANON, -1, 0).errno()).isEqualTo(Errno.ENOMEM);
        assertThat(sys.mmap(0, PAGE, RW, ANON, -1, 1).errno()).isEqualTo(Errno.EINVAL);
        assertThat(sys.mmap(0, PAGE, RW, Syscalls.MAP_PRIVATE, 7, 4095).errno()).as("the offset before the descriptor")
                .isEqualTo(Errno.EINVAL);
    }
}
