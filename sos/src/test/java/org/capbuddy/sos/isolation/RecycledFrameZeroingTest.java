package org.capbuddy.sos.isolation;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.NavigableSet;
import java.util.TreeSet;
import org.capbuddy.sos.SosFixture;
import org.capbuddy.sos.addrspace.Layout;
import org.capbuddy.sos.addrspace.Region;
import org.capbuddy.sos.addrspace.RegionKind;
import org.capbuddy.sos.process.Process;
import org.capbuddy.sos.user.MemoryFault;
import org.capbuddy.sos.user.UserContext;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A recycled frame arrives zeroed: one process fills hundreds of frames in every region with
 * patterns that have no zero byte, and is destroyed; the next process touches as many pages, in
 * every region, and every byte it reads is zero, although it runs on the first one's frames. A
 * bystander keeps frames of the same pool tree, so the pool recycles the frames itself, without
 * a Retype: only SOS's frame table can zero them.
 */
class RecycledFrameZeroingTest {
    private static final int HEAP_PAGES = 256;
    private static final int STACK_PAGES = 128;
    private static final int MMAP_PAGES = 128;

    @ParameterizedTest(name = "pool={0}")
    @ValueSource(booleans = {true, false})
    void everyByteOfEveryRecycledFrameArrivesZero(boolean usePool) throws MemoryFault {
        SosFixture fx = new SosFixture(usePool);
        PatternedProcess bystander = PatternedProcess.create(fx, 100, 2, 1, 1);
        PatternedProcess a = PatternedProcess.create(fx, 41, HEAP_PAGES, STACK_PAGES, MMAP_PAGES);
        NavigableSet<Long> framesOfA = IsolationAudit.assertIsolated(fx, List.of(bystander.process(), a.process()))
                .physicalPages(a.process());
        long treesReturned = fx.poolTreesReturned();
        assertThat(fx.sos.destroy(a.process()).isOk()).isTrue();
        if (usePool) {
            // The pool keeps a freed frame as it is: only SOS's zeroing stands between A's data and B.
            assertThat(framesOfA).anyMatch(pa -> !Patterns.physicalPageIsZero(fx.kernel.physicalMemory(), pa));
        }

        Process b = fx.process();
        UserContext ctx = fx.context(b);
        ctx.brk(ctx.brk(0) + HEAP_PAGES * Layout.PAGE);
        ctx.sys().mmap(MMAP_PAGES * Layout.PAGE);
        long bytesRead = 0;
        for (Region r : b.addressSpace().regions()) {
            long from = r.kind() == RegionKind.STACK ? r.end() - STACK_PAGES * Layout.PAGE : r.base();
            for (long va = from; va < r.end(); va += Layout.PAGE) {
                byte[] page = Patterns.read(ctx, va, (int) Layout.PAGE);
                assertThat(Patterns.firstNonZero(page)).as("B's %s page 0x%x", r.kind(), va).isEqualTo(-1);
                bytesRead += page.length;
            }
        }

        IsolationAudit audit = IsolationAudit.assertIsolated(fx, List.of(bystander.process(), b));
        assertThat(fx.poolTreesReturned()).as("no pool tree went back to be retyped").isEqualTo(treesReturned);
        bystander.assertIntact();
        NavigableSet<Long> recycled = new TreeSet<>(audit.physicalPages(b));
        recycled.retainAll(framesOfA);
        assertThat(bytesRead).isGreaterThanOrEqualTo(framesOfA.size() * Layout.PAGE);
        assertThat(recycled).as("B runs on A's old frames").hasSizeGreaterThanOrEqualTo(
                usePool ? framesOfA.size() : framesOfA.size() / 2);
    }
}
