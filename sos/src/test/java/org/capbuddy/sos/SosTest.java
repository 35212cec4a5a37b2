package org.capbuddy.sos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.capbuddy.kernel.cpu.AccessKind;
import org.capbuddy.sos.addrspace.Layout;
import org.capbuddy.sos.process.Process;
import org.capbuddy.sos.process.ProcessState;
import org.capbuddy.sos.programs.PtTest;
import org.capbuddy.sos.programs.PtTestResult;
import org.capbuddy.sos.user.MemoryFault;
import org.capbuddy.sos.user.UserContext;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class SosTest {

    @ParameterizedTest(name = "pool={0}")
    @ValueSource(booleans = {true, false})
    void ptTestPassesWithTheStackAboveTestAddressAndTeardownLeavesNothing(boolean usePool) throws MemoryFault {
        SosFixture fx = new SosFixture(usePool);
        var before = fx.balance();
        Process p = fx.process();
        PtTestResult result = new PtTest().run(fx.context(p));
        assertThat(result.passed()).as("%s", result.failure()).isTrue();
        assertThat(result.stackAddress()).isGreaterThan(PtTest.TEST_ADDRESS);
        assertThat(result.heapAddresses()).hasSize(PtTest.NBLOCKS);
        assertThat(p.faultsHandled()).isGreaterThanOrEqualTo(2L * PtTest.NBLOCKS * PtTest.NPAGES_PER_BLOCK);
        fx.assertInvariants();
        assertThat(fx.sos.destroy(p).isOk()).isTrue();
        assertThat(fx.sos.frameTable().framesInUse()).isZero();
        assertThat(fx.balance()).isEqualTo(before);
        fx.assertInvariants();
    }

    @Test
    void stackOverflowIntoTheGuardPageKillsAndIsReported() {
        SosFixture fx = new SosFixture(true);
        Process p = fx.process();
        UserContext ctx = fx.context(p);
        assertThatThrownBy(() -> ctx.store(Layout.GUARD_PAGE + 8, 8, 1)).isInstanceOf(MemoryFault.class);
        assertThat(p.state()).isEqualTo(ProcessState.KILLED);
        assertThat(p.killReport().reason()).contains("guard page");
        assertThat(p.killReport().access()).isEqualTo(AccessKind.WRITE);
        assertThat(fx.sos.console()).contains("killed");
    }

    @Test
    void neitherTheHeapNorARegionMayCoverTheStacksGuardPage() throws MemoryFault {
        // Found by 10-million-operation SOS fuzz soaks: brk up to the stack made the heap cover
        // the guard page (it is in no region, so no overlap check saw it), and an overflow off
        // the end of the stack would have run into the heap instead of killing.
        SosFixture fx = new SosFixture(true);
        Process p = fx.process();
        UserContext ctx = fx.context(p);
        long base = ctx.brk(0);
        assertThat(ctx.brk(Layout.STACK_BASE)).isEqualTo(base);
        assertThat(ctx.brk(Layout.GUARD_PAGE + 1)).isEqualTo(base);
        assertThat(ctx.brk(Layout.GUARD_PAGE)).as("up to the guard page").isEqualTo(Layout.GUARD_PAGE);
        assertThatThrownBy(() -> ctx.store(Layout.GUARD_PAGE + 8, 8, 1)).isInstanceOf(MemoryFault.class);
        assertThat(p.killReport().reason()).contains("guard page");
        var as = org.capbuddy.sos.addrspace.AddressSpace.standard(4096, 4096).value();
        var over = as.add(new org.capbuddy.sos.addrspace.Region(org.capbuddy.sos.addrspace.RegionKind.MMAP,
                Layout.GUARD_PAGE - Layout.PAGE, Layout.STACK_BASE, true, true, false));
        assertThat(over.isOk()).isFalse();
        assertThat(over.error().detail()).contains("guard page");
    }

    @Test
    void writingToCodeKills() throws MemoryFault {
        SosFixture fx = new SosFixture(true);
        Process p = fx.process();
        UserContext ctx = fx.context(p);
        assertThat(ctx.load(Layout.CODE_BASE, 8)).isZero();
        assertThatThrownBy(() -> ctx.store(Layout.CODE_BASE + 16, 4, 7)).isInstanceOf(MemoryFault.class);
        assertThat(p.killReport().region()).isEqualTo("code");
        assertThat(p.killReport().access()).isEqualTo(AccessKind.WRITE);
    }

    @Test
    void executingDataKillsAndExecutingCodeDoesNot() throws MemoryFault {
        SosFixture fx = new SosFixture(true);
        Process p = fx.process();
        UserContext ctx = fx.context(p);
        ctx.execute(Layout.CODE_BASE);
        long heap = ctx.brk(0);
        ctx.brk(heap + Layout.PAGE);
        ctx.store(heap, 8, 0xD503201F);
        assertThatThrownBy(() -> ctx.execute(heap)).isInstanceOf(MemoryFault.class);
        assertThat(p.killReport().access()).isEqualTo(AccessKind.EXECUTE);
        assertThat(p.killReport().region()).isEqualTo("heap");
    }

    @Test
    void writeCopiesFromUserMemoryToTheConsoleAndBlockCopiesRoundTrip() throws MemoryFault {
        SosFixture fx = new SosFixture(true);
        Process p = fx.process();
        UserContext ctx = fx.context(p);
        long buf = ctx.sys().mmap(3 * Layout.PAGE).value();
        byte[] text = "hello from a user process across a page boundary\n".getBytes();
        long at = buf + Layout.PAGE - 10;
        ctx.copyOut(at, text, 0, text.length);
        assertThat(ctx.sys().write(at, text.length).value()).isEqualTo(text.length);
        assertThat(fx.sos.console()).contains("hello from a user process across a page boundary");
        byte[] back = new byte[text.length];
        ctx.copyIn(at, back, 0, back.length);
        assertThat(back).isEqualTo(text);
        assertThat(ctx.sys().write(0x7000_0000L, 8).isOk()).as("bad buffer").isFalse();
        assertThat(p.state()).as("a bad buffer is an error, not a kill").isEqualTo(ProcessState.RUNNING);
    }

    @Test
    void aWriteWhoseBufferWrapsAroundIsRefusedWithoutAKill() {
        // Found by SosFuzzer (seed 7): buffer + length overflowed, the region check was skipped,
        // and the copy's fault killed the process instead of refusing the call.
        SosFixture fx = new SosFixture(true);
        Process p = fx.process();
        var sys = fx.sos.syscalls(p);
        assertThat(sys.write(Long.MAX_VALUE - 59, 988).isOk()).isFalse();
        assertThat(sys.write(-64, 16).isOk()).isFalse();
        assertThat(sys.write(Layout.USER_TOP - 8, 16).isOk()).isFalse();
        assertThat(p.state()).isEqualTo(ProcessState.RUNNING);
        assertThat(fx.sos.console()).doesNotContain("killed");
    }

    @Test
    void aWriteOfNoBytesSucceedsWhateverTheBuffer() {
        // Found by SosFuzzer: with no bytes to copy, an unaligned buffer in no region was refused
        // while an aligned one was accepted.
        SosFixture fx = new SosFixture(true);
        Process p = fx.process();
        var sys = fx.sos.syscalls(p);
        for (long buffer : new long[] {Layout.GUARD_PAGE + 0xB76, Layout.GUARD_PAGE, -5, Long.MAX_VALUE, 0x7000_0000L}) {
            assertThat(sys.write(buffer, 0).value()).as("write(0x%x, 0)", buffer).isZero();
        }
        assertThat(p.state()).isEqualTo(ProcessState.RUNNING);
        assertThat(fx.sos.console()).isEmpty();
    }

    @Test
    void exitStopsTheProcessAndTeardownStillFreesEverything() throws MemoryFault {
        SosFixture fx = new SosFixture(true);
        var before = fx.balance();
        Process p = fx.process();
        UserContext ctx = fx.context(p);
        ctx.store(Layout.STACK_TOP - 64, 8, 1);
        ctx.sys().exit(3);
        assertThat(p.state()).isEqualTo(ProcessState.EXITED);
        assertThat(p.exitCode()).isEqualTo(3);
        assertThat(ctx.sys().mmap(4096).isOk()).as("no syscalls after exit").isFalse();
        assertThat(fx.sos.destroy(p).isOk()).isTrue();
        assertThat(fx.sos.destroy(p).isOk()).as("destroyed twice").isFalse();
        assertThat(fx.balance()).isEqualTo(before);
    }

    @Test
    void overlappingRegionsAreRefused() {
        var as = org.capbuddy.sos.addrspace.AddressSpace.standard(4096, 4096).value();
        var clash = as.add(new org.capbuddy.sos.addrspace.Region(org.capbuddy.sos.addrspace.RegionKind.MMAP,
                Layout.STACK_TOP - Layout.PAGE, Layout.STACK_TOP + Layout.PAGE, true, true, false));
        assertThat(clash.isOk()).isFalse();
        assertThat(clash.error().detail()).contains("overlaps STACK");
    }

    @Test
    void findSeesEveryChangeToTheRegionsAfterALookup() {
        var as = org.capbuddy.sos.addrspace.AddressSpace.standard(4096, 4096).value();
        long heap = as.heapBase();
        assertThat(as.setBrk(heap + 4 * Layout.PAGE).isOk()).isTrue();
        assertThat(as.find(heap + 3 * Layout.PAGE).end()).isEqualTo(heap + 4 * Layout.PAGE);
        assertThat(as.setBrk(heap + Layout.PAGE).isOk()).isTrue();
        assertThat(as.find(heap + 3 * Layout.PAGE)).as("the shrunk heap no longer holds it").isNull();
        assertThat(as.setBrk(heap + 8 * Layout.PAGE).isOk()).isTrue();
        assertThat(as.find(heap + 3 * Layout.PAGE).end()).as("the grown heap, not a remembered one")
                .isEqualTo(heap + 8 * Layout.PAGE);
        var mapped = as.mmap(4 * Layout.PAGE).value();
        assertThat(as.find(mapped.base() + Layout.PAGE)).isEqualTo(mapped);
        assertThat(as.munmap(mapped.base(), 2 * Layout.PAGE).isOk()).isTrue();
        assertThat(as.find(mapped.base() + Layout.PAGE)).as("unmapped half").isNull();
        assertThat(as.find(mapped.base() + 3 * Layout.PAGE).base()).isEqualTo(mapped.base() + 2 * Layout.PAGE);
    }

    @Test
    void touchingAnUnmappedAddressKills() {
        SosFixture fx = new SosFixture(true);
        Process p = fx.process();
        assertThatThrownBy(() -> fx.context(p).load(0x7000_0000L, 8)).isInstanceOf(MemoryFault.class);
        assertThat(p.killReport().region()).isNull();
        assertThat(p.killReport().reason()).contains("no region");
    }

    @Test
    void accessAboveTheBreakAfterShrinkingKills() throws MemoryFault {
        SosFixture fx = new SosFixture(true);
        Process p = fx.process();
        UserContext ctx = fx.context(p);
        long base = ctx.brk(0);
        assertThat(ctx.brk(base + 16 * Layout.PAGE)).isEqualTo(base + 16 * Layout.PAGE);
        ctx.store(base + 10 * Layout.PAGE, 8, 42);
        assertThat(ctx.brk(base + 4 * Layout.PAGE)).isEqualTo(base + 4 * Layout.PAGE);
        assertThatThrownBy(() -> ctx.load(base + 10 * Layout.PAGE, 8)).isInstanceOf(MemoryFault.class);
        assertThat(p.state()).isEqualTo(ProcessState.KILLED);
    }

    @Test
    void brkGrowShrinkGrowKeepsWhatIsBelowTheBreakAndZeroesWhatComesBack() throws MemoryFault {
        SosFixture fx = new SosFixture(true);
        Process p = fx.process();
        UserContext ctx = fx.context(p);
        long base = ctx.brk(0);
        ctx.brk(base + 32 * Layout.PAGE);
        for (int i = 0; i < 32; i++) {
            ctx.store(base + i * Layout.PAGE, 8, 0xABCD_0000L + i);
        }
        ctx.brk(base + 8 * Layout.PAGE);
        ctx.brk(base + 32 * Layout.PAGE);
        for (int i = 0; i < 8; i++) {
            assertThat(ctx.load(base + i * Layout.PAGE, 8)).isEqualTo(0xABCD_0000L + i);
        }
        for (int i = 8; i < 32; i++) {
            assertThat(ctx.load(base + i * Layout.PAGE, 8)).as("page %d comes back zeroed", i).isZero();
        }
        assertThat(ctx.brk(base - 4096)).as("below the heap base: refused").isEqualTo(base + 32 * Layout.PAGE);
    }

    @Test
    void aBreakOutsideUserSpaceIsRefusedAndCodeAndDataSurvive() throws MemoryFault {
        // Found by SosFuzzer (seed 4): pageUp(break) overflowed to a negative heap end, the move
        // was taken for a shrink, and every page below the heap (code and data) was unmapped.
        SosFixture fx = new SosFixture(true);
        Process p = fx.process();
        UserContext ctx = fx.context(p);
        long base = ctx.brk(0);
        long data = base - Layout.PAGE;
        ctx.store(data, 8, 0x5EED);
        assertThat(ctx.load(Layout.CODE_BASE, 8)).isZero();
        int pages = p.shadow().pageCount();
        for (long hostile : new long[] {Long.MAX_VALUE, Long.MAX_VALUE - 1000, Layout.USER_TOP + 1}) {
            assertThat(ctx.brk(hostile)).as("brk(0x%x)", hostile).isEqualTo(base);
        }
        assertThat(p.shadow().pageCount()).isEqualTo(pages);
        assertThat(ctx.load(data, 8)).isEqualTo(0x5EED);
    }

    @Test
    void mmapAndPartialMunmap() throws MemoryFault {
        SosFixture fx = new SosFixture(true);
        Process p = fx.process();
        UserContext ctx = fx.context(p);
        long a = ctx.sys().mmap(8 * Layout.PAGE).value();
        for (int i = 0; i < 8; i++) {
            ctx.store(a + i * Layout.PAGE, 8, i + 1);
        }
        assertThat(ctx.sys().munmap(a + 2 * Layout.PAGE, 3 * Layout.PAGE).isOk()).isTrue();
        assertThat(ctx.load(a + Layout.PAGE, 8)).isEqualTo(2);
        assertThat(ctx.load(a + 6 * Layout.PAGE, 8)).isEqualTo(7);
        assertThat(ctx.sys().munmap(a + 2 * Layout.PAGE, Layout.PAGE).isOk()).as("already unmapped").isFalse();
        assertThat(ctx.sys().munmap(Layout.CODE_BASE, Layout.PAGE).isOk()).as("not an mmap region").isFalse();
        assertThatThrownBy(() -> ctx.load(a + 3 * Layout.PAGE, 8)).isInstanceOf(MemoryFault.class);
    }

    @Test
    void munmapOfARangeThatOverflowsOrLeavesUserSpaceIsRefused() {
        // Found by SosFuzzer (seed 1): base + pageUp(length) overflowed and TreeMap.subMap threw.
        SosFixture fx = new SosFixture(true);
        Process p = fx.process();
        var sys = fx.sos.syscalls(p);
        long a = sys.mmap(4 * Layout.PAGE).value();
        assertThat(sys.munmap(a, Long.MAX_VALUE).isOk()).isFalse();
        assertThat(sys.munmap(a, Long.MAX_VALUE & -Layout.PAGE).isOk()).isFalse();
        assertThat(sys.munmap(Long.MAX_VALUE & -Layout.PAGE, Layout.PAGE).isOk()).isFalse();
        assertThat(sys.munmap(-Layout.PAGE, 2 * Layout.PAGE).isOk()).isFalse();
        assertThat(sys.munmap(Layout.USER_TOP - Layout.PAGE, 2 * Layout.PAGE).isOk()).isFalse();
        assertThat(sys.munmap(a, 4 * Layout.PAGE).isOk()).as("the region is still whole").isTrue();
        assertThat(p.state()).isEqualTo(ProcessState.RUNNING);
    }

    @Test
    void twoProcessesInterleavedSeeOnlyTheirOwnMemory() throws MemoryFault {
        SosFixture fx = new SosFixture(true);
        UserContext a = fx.context(fx.process());
        UserContext b = fx.context(fx.process());
        long heapA = a.brk(0);
        long heapB = b.brk(0);
        a.brk(heapA + 64 * Layout.PAGE);
        b.brk(heapB + 64 * Layout.PAGE);
        for (int i = 0; i < 64; i++) {
            a.store(heapA + i * Layout.PAGE, 8, 0xA000 + i);
            b.store(heapB + i * Layout.PAGE, 8, 0xB000 + i);
        }
        for (int i = 0; i < 64; i++) {
            assertThat(a.load(heapA + i * Layout.PAGE, 8)).isEqualTo(0xA000 + i);
            assertThat(b.load(heapB + i * Layout.PAGE, 8)).isEqualTo(0xB000 + i);
        }
        fx.assertInvariants();
    }

    @Test
    void aFrameRecycledFromOneProcessToAnotherArrivesZeroed() throws MemoryFault {
        SosFixture fx = new SosFixture(true);
        // Holds a frame of the pool's tree, so the tree is not given back (and retyped, which
        // zeroes it) when the first process goes: the frames are recycled inside the pool.
        fx.context(fx.process()).store(Layout.STACK_TOP - 8, 8, 1);
        long treesReturned = fx.poolTreesReturned();
        Process first = fx.process();
        UserContext a = fx.context(first);
        long heap = a.brk(0);
        a.brk(heap + 16 * Layout.PAGE);
        for (int i = 0; i < 16; i++) {
            for (int w = 0; w < 512; w += 64) {
                a.store(heap + i * Layout.PAGE + w * 8L, 8, -1L);
            }
        }
        fx.sos.destroy(first);
        UserContext b = fx.context(fx.process());
        long heapB = b.brk(0);
        b.brk(heapB + 16 * Layout.PAGE);
        for (int i = 0; i < 16; i++) {
            for (int w = 0; w < 512; w += 64) {
                assertThat(b.load(heapB + i * Layout.PAGE + w * 8L, 8)).isZero();
            }
        }
        assertThat(fx.poolTreesReturned()).isEqualTo(treesReturned);
    }

    @Test
    void aThousandProcessesComeAndGoWithoutLeaking() throws MemoryFault {
        SosFixture fx = new SosFixture(true);
        var before = fx.balance();
        for (int i = 0; i < 1000; i++) {
            Process p = fx.process();
            UserContext ctx = fx.context(p);
            long heap = ctx.brk(0);
            int pages = 200 + (i % 100);
            ctx.brk(heap + pages * Layout.PAGE);
            for (int page = 0; page < pages; page++) {
                ctx.store(heap + page * Layout.PAGE, 8, i);
            }
            ctx.store(Layout.STACK_TOP - 8, 8, i);
            assertThat(fx.sos.destroy(p).isOk()).isTrue();
        }
        assertThat(fx.balance()).isEqualTo(before);
        fx.assertInvariants();
    }

    @Test
    void aBreakPastUserSpaceIsRefusedAndUnmapsNothing() throws MemoryFault {
        SosFixture fx = new SosFixture(true);
        Process p = fx.process();
        UserContext ctx = fx.context(p);
        long base = ctx.brk(0);
        ctx.brk(base + 2 * Layout.PAGE);
        ctx.store(base, 8, 42);
        ctx.store(Layout.CODE_BASE + 64 * 1024, 8, 7);
        var regions = p.addressSpace().regions();
        // Near 2^63 the page-rounded break wrapped to a negative end, read as a shrink that
        // unmapped every page below the old break.
        for (long bad : new long[] {Long.MAX_VALUE, Long.MAX_VALUE - 4000, Layout.USER_TOP + 1}) {
            assertThat(ctx.brk(bad)).as("brk(0x%x)", bad).isEqualTo(base + 2 * Layout.PAGE);
            assertThat(p.addressSpace().regions()).isEqualTo(regions);
        }
        assertThat(ctx.load(base, 8)).isEqualTo(42);
        assertThat(ctx.load(Layout.CODE_BASE + 64 * 1024, 8)).isEqualTo(7);
        assertThat(p.faultsHandled()).as("no page was unmapped and faulted back in").isEqualTo(2);
    }

    @Test
    void munmapOfARangeWrappingPastTheTopIsRefusedNotThrown() {
        SosFixture fx = new SosFixture(true);
        Process p = fx.process();
        UserContext ctx = fx.context(p);
        long at = ctx.sys().mmap(Layout.PAGE).value();
        for (long[] bad : new long[][] {{at, Long.MAX_VALUE}, {Long.MAX_VALUE & -Layout.PAGE, Layout.PAGE},
            {-Layout.PAGE, 2 * Layout.PAGE}}) {
            var r = ctx.sys().munmap(bad[0], bad[1]);
            assertThat(r.isOk()).isFalse();
            assertThat(r.errno()).isEqualTo(Errno.EINVAL);
            assertThat(r.returnRegister()).isEqualTo(-22);
            assertThat(r.detail()).contains("not inside user space");
        }
        assertThat(ctx.sys().munmap(at, Layout.PAGE).isOk()).isTrue();
    }

    @Test
    void aWriteBufferWrappingPastTheTopIsABadBufferNotAKill() {
        SosFixture fx = new SosFixture(true);
        Process p = fx.process();
        UserContext ctx = fx.context(p);
        // buffer + length wrapped negative, the page check saw no page, and the copy then
        // faulted outside every region: the process was killed for a bad argument.
        var r = ctx.sys().write(Long.MAX_VALUE - 2, 8);
        assertThat(r.isOk()).isFalse();
        assertThat(r.errno()).isEqualTo(Errno.EFAULT);
        assertThat(r.returnRegister()).isEqualTo(-14);
        assertThat(r.detail()).contains("bad buffer");
        assertThat(p.state()).isEqualTo(ProcessState.RUNNING);
    }
}
