package org.capbuddy.sos.isolation;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import org.capbuddy.kernel.object.Pte;
import org.capbuddy.sos.SosFixture;
import org.capbuddy.sos.addrspace.Layout;
import org.capbuddy.sos.addrspace.Region;
import org.capbuddy.sos.frametable.FrameTable;
import org.capbuddy.sos.process.Process;
import org.capbuddy.sos.user.MemoryFault;
import org.capbuddy.sos.user.UserContext;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A process never sees another process's frames: the same virtual addresses name different
 * memory in each, and no address at all in one process reaches a frame of the other.
 */
class CrossProcessIsolationTest {

    @ParameterizedTest(name = "pool={0}")
    @ValueSource(booleans = {true, false})
    void theSameVirtualAddressesInTwoProcessesNameDifferentMemory(boolean usePool) throws MemoryFault {
        SosFixture fx = new SosFixture(usePool);
        PatternedProcess a = PatternedProcess.create(fx, 11, 16, 8, 8);
        Process b = fx.process();
        UserContext cb = fx.context(b);
        assertThat(cb.brk(a.heapBase() + 16 * Layout.PAGE)).isEqualTo(a.heapBase() + 16 * Layout.PAGE);
        assertThat(cb.sys().mmap(8 * Layout.PAGE).value()).as("B's mmap lands where A's did").isEqualTo(a.mmapBase());

        for (PatternedProcess.Range r : a.ranges()) {
            byte[] seen = Patterns.read(cb, r.vaddr(), r.length());
            assertThat(Patterns.firstNonZero(seen)).as("B's own %s at A's address 0x%x is fresh", r.kind(), r.vaddr())
                    .isEqualTo(-1);
            Patterns.write(cb, r.vaddr(), r.length(), ~r.seed());
        }
        assertThat(cb.load(Layout.CODE_BASE, 8)).as("B's own code page").isZero();
        a.assertIntact();
        for (PatternedProcess.Range r : a.ranges()) {
            assertThat(Patterns.read(cb, r.vaddr(), r.length())).isEqualTo(Patterns.bytes(~r.seed(), r.length()));
        }

        IsolationAudit audit = IsolationAudit.assertIsolated(fx, List.of(a.process(), b));
        assertThat(audit.mappings(b).keySet()).containsAll(audit.mappings(a.process()).keySet());
        for (Map.Entry<Long, Pte.Page> e : audit.mappings(a.process()).entrySet()) {
            assertThat(audit.mappings(b).get(e.getKey()).frame()).as("the frame behind 0x%x", e.getKey())
                    .isNotSameAs(e.getValue().frame());
        }
    }

    @ParameterizedTest(name = "pool={0}")
    @ValueSource(booleans = {true, false})
    void noAddressOfOneProcessReachesAFrameOfAnother(boolean usePool) throws MemoryFault {
        SosFixture fx = new SosFixture(usePool);
        PatternedProcess a = PatternedProcess.create(fx, 21, 32, 16, 16);
        Process b = fx.process();
        UserContext cb = fx.context(b);
        cb.brk(cb.brk(0) + 64 * Layout.PAGE);
        cb.sys().mmap(64 * Layout.PAGE);

        // B reads every byte of every page it can reach; A's pattern has no zero byte.
        long pagesRead = 0;
        for (Region r : b.addressSpace().regions()) {
            for (long va = r.base(); va < r.end(); va += Layout.PAGE) {
                assertThat(Patterns.firstNonZero(Patterns.read(cb, va, (int) Layout.PAGE)))
                        .as("B's %s page 0x%x", r.kind(), va).isEqualTo(-1);
                pagesRead++;
            }
        }
        IsolationAudit audit = IsolationAudit.assertIsolated(fx, List.of(a.process(), b));
        assertThat((long) audit.mappings(b).size()).as("B mapped every page of its regions").isEqualTo(pagesRead);
        NavigableSet<Long> framesOfA = audit.physicalPages(a.process());
        assertThat(audit.physicalPages(b)).doesNotContainAnyElementsOf(framesOfA);

        // Addresses that name A's frames elsewhere: as physical addresses, and in SOS's window.
        for (long paddr : List.of(framesOfA.first(), framesOfA.last())) {
            Probes.probe(fx, paddr, true, null);
        }
        for (Map.Entry<Long, Pte.Page> e : audit.mappings(a.process()).entrySet()) {
            int ref = a.process().shadow().page(e.getKey()).frameRef();
            assertThat(Probes.probe(fx, FrameTable.windowAddress(ref), true, e.getValue().frame()))
                    .isEqualTo(Probes.Outcome.KILLED);
        }
        a.assertIntact();
        IsolationAudit.assertIsolated(fx, List.of(a.process(), b));
    }
}
