package org.capbuddy.sos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.capbuddy.kernel.cpu.AccessKind;
import org.capbuddy.sos.addrspace.Layout;
import org.capbuddy.sos.addrspace.Region;
import org.capbuddy.sos.addrspace.RegionKind;
import org.capbuddy.sos.process.KillReport;
import org.capbuddy.sos.process.Process;
import org.capbuddy.sos.process.ProcessState;
import org.capbuddy.sos.user.MemoryFault;
import org.capbuddy.sos.user.UserContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * mprotect as Linux gives it: PROT_NONE keeps a page's frame and bytes behind a kernel-only
 * mapping, every access to it kills with SIGSEGV, and rights given back show the old bytes;
 * munmap, brk and teardown free such pages like any other.
 */
class MprotectTest {
    private static final long PAGE = Layout.PAGE;
    private static final int RW = Syscalls.PROT_READ | Syscalls.PROT_WRITE;
    private static final int ANON = Syscalls.MAP_PRIVATE | Syscalls.MAP_ANONYMOUS;

    private static long mmap(Syscalls sys, long pages, int prot) {
        SysResult r = sys.mmap(0, pages * PAGE, prot, ANON, -1, 0);
        assertThat(r.isOk()).as("%s", r).isTrue();
        return r.value();
    }

    private static void fill(UserContext ctx, long base, int pages) throws MemoryFault {
        for (int i = 0; i < pages; i++) {
            ctx.store(base + i * PAGE + 8 * i, 8, 0x5EED_0000_0000L + i);
        }
    }

    private static void assertFilled(UserContext ctx, long base, int from, int to) throws MemoryFault {
        for (int i = from; i < to; i++) {
            assertThat(ctx.load(base + i * PAGE + 8 * i, 8)).as("page %d", i).isEqualTo(0x5EED_0000_0000L + i);
        }
    }

    @ParameterizedTest(name = "pool={0}")
    @ValueSource(booleans = {true, false})
    void protNoneKeepsTheBytesAndTheirFramesAndRightsGivenBackShowThem(boolean usePool) throws MemoryFault {
        SosFixture fx = new SosFixture(usePool);
        var before = fx.balance();
        Process p = fx.process();
        UserContext ctx = fx.context(p);
        Syscalls sys = fx.sos.syscalls(p);
        long base = mmap(sys, 4, RW);
        fill(ctx, base, 4);
        long frames = fx.sos.frameTable().framesInUse();

        assertThat(sys.mprotect(base + PAGE, 2 * PAGE, 0).isOk()).isTrue();
        assertThat(fx.sos.frameTable().framesInUse()).as("no frame is freed").isEqualTo(frames);
        assertThat(p.shadow().frameRef(base + PAGE)).isNotZero();
        fx.assertInvariants();
        assertThat(sys.mprotect(base + PAGE, 2 * PAGE, Syscalls.PROT_READ).isOk()).isTrue();
        assertFilled(ctx, base, 0, 4);
        assertThat(sys.mprotect(base, 4 * PAGE, 0).isOk()).isTrue();
        assertThat(sys.mprotect(base, 4 * PAGE, RW).isOk()).isTrue();
        assertFilled(ctx, base, 0, 4);
        ctx.store(base + PAGE, 8, 7);
        assertThat(ctx.load(base + PAGE, 8)).isEqualTo(7);
        assertThat(p.faultsHandled()).as("no page was faulted in afresh").isEqualTo(4);

        assertThat(fx.sos.destroy(p).isOk()).isTrue();
        assertThat(fx.sos.frameTable().framesInUse()).isZero();
        assertThat(fx.balance()).isEqualTo(before);
        fx.assertInvariants();
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(AccessKind.class)
    void anyAccessToAProtNonePageKillsWithSigsegvWhetherItHoldsBytesOrNot(AccessKind kind) throws MemoryFault {
        for (boolean touched : new boolean[] {true, false}) {
            SosFixture fx = new SosFixture(true);
            var before = fx.balance();
            Process p = fx.process();
            UserContext ctx = fx.context(p);
            Syscalls sys = fx.sos.syscalls(p);
            long base = mmap(sys, 2, RW | Syscalls.PROT_EXEC);
            if (touched) {
                fill(ctx, base, 2);
            }
            assertThat(sys.mprotect(base + PAGE, PAGE, 0).isOk()).isTrue();
            long at = base + PAGE + 16;
            assertThatThrownBy(() -> {
                switch (kind) {
                    case READ -> ctx.load(at, 8);
                    case WRITE -> ctx.store(at, 8, 1);
                    case EXECUTE -> ctx.execute(at);
                }
            }).isInstanceOf(MemoryFault.class);
            assertThat(p.state()).isEqualTo(ProcessState.KILLED);
            KillReport report = p.killReport();
            assertThat(report.address()).isEqualTo(at);
            assertThat(report.access()).isEqualTo(kind);
            assertThat(report.region()).isEqualTo("mmap");
            assertThat(report.reason()).isEqualTo("no access to a PROT_NONE mmap region");
            assertThat(report.signal()).isEqualTo(KillReport.SIGSEGV);
            assertThat(fx.sos.destroy(p).isOk()).isTrue();
            assertThat(fx.balance()).as("touched %s", touched).isEqualTo(before);
        }
    }

    @Test
    void munmapOfAProtNoneRangeFreesItsFrames() throws MemoryFault {
        SosFixture fx = new SosFixture(true);
        Process p = fx.process();
        UserContext ctx = fx.context(p);
        Syscalls sys = fx.sos.syscalls(p);
        long base = mmap(sys, 4, RW);
        fill(ctx, base, 4);
        long frames = fx.sos.frameTable().framesInUse();
        assertThat(sys.mprotect(base + PAGE, 2 * PAGE, 0).isOk()).isTrue();
        assertThat(sys.munmap(base, 3 * PAGE).isOk()).isTrue();
        assertThat(fx.sos.frameTable().framesInUse()).isEqualTo(frames - 3);
        assertThat(p.shadow().frameRef(base + PAGE)).isZero();
        assertFilled(ctx, base, 3, 4);
        assertThatThrownBy(() -> ctx.load(base + 2 * PAGE, 8)).isInstanceOf(MemoryFault.class);
        assertThat(p.killReport().reason()).isEqualTo("no region at this address");
    }

    @Test
    void mprotectOfPartOfARegionSplitsItAndKeepsEveryPiecesBytes() throws MemoryFault {
        SosFixture fx = new SosFixture(true);
        Process p = fx.process();
        UserContext ctx = fx.context(p);
        Syscalls sys = fx.sos.syscalls(p);
        long base = mmap(sys, 5, RW);
        fill(ctx, base, 5);
        assertThat(sys.mprotect(base + 2 * PAGE, PAGE, 0).isOk()).isTrue();
        assertThat(p.addressSpace().regions()).contains(
                new Region(RegionKind.MMAP, base, base + 2 * PAGE, true, true, false),
                new Region(RegionKind.MMAP, base + 2 * PAGE, base + 3 * PAGE, false, false, false),
                new Region(RegionKind.MMAP, base + 3 * PAGE, base + 5 * PAGE, true, true, false));
        assertFilled(ctx, base, 0, 2);
        assertFilled(ctx, base, 3, 5);
        assertThat(sys.mprotect(base, 5 * PAGE, Syscalls.PROT_READ).isOk()).isTrue();
        assertFilled(ctx, base, 0, 5);
    }

    @Test
    void brkShrinkingOverProtNonePagesFreesThemAndGrowingAgainGivesReadWriteZeroes() throws MemoryFault {
        SosFixture fx = new SosFixture(true);
        var before = fx.balance();
        Process p = fx.process();
        UserContext ctx = fx.context(p);
        Syscalls sys = fx.sos.syscalls(p);
        long heap = ctx.brk(0);
        assertThat(ctx.brk(heap + 4 * PAGE)).isEqualTo(heap + 4 * PAGE);
        fill(ctx, heap, 4);
        long frames = fx.sos.frameTable().framesInUse();
        assertThat(sys.mprotect(heap + 2 * PAGE, 2 * PAGE, 0).isOk()).isTrue();
        assertThat(ctx.brk(heap + 3 * PAGE)).isEqualTo(heap + 3 * PAGE);
        assertThat(fx.sos.frameTable().framesInUse()).isEqualTo(frames - 1);
        // The top heap piece is PROT_NONE: new heap above it is read-write all the same, as on Linux.
        assertThat(ctx.brk(heap + 5 * PAGE)).isEqualTo(heap + 5 * PAGE);
        ctx.store(heap + 4 * PAGE, 8, 9);
        assertThat(ctx.load(heap + 3 * PAGE, 8)).isZero();
        assertThat(sys.mprotect(heap + 2 * PAGE, PAGE, RW).isOk()).isTrue();
        assertFilled(ctx, heap, 0, 3);
        assertThat(fx.sos.destroy(p).isOk()).isTrue();
        assertThat(fx.balance()).isEqualTo(before);
    }
}
