package org.capbuddy.sos.isolation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import org.capbuddy.kernel.Sel4;
import org.capbuddy.kernel.api.CapRights;
import org.capbuddy.kernel.api.VmAttributes;
import org.capbuddy.kernel.object.Pte;
import org.capbuddy.libos.vka.CapOps;
import org.capbuddy.sos.SosFixture;
import org.capbuddy.sos.addrspace.Layout;
import org.capbuddy.sos.frametable.FrameTable;
import org.capbuddy.sos.process.Process;
import org.capbuddy.sos.process.ProcessState;
import org.capbuddy.sos.user.MemoryFault;
import org.capbuddy.sos.user.UserContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A user process can never reach SOS's memory: not the pages SOS maps for itself (its image, IPC
 * buffer and boot info), not SOS's frame window (where every process's frames appear to SOS), and
 * not SOS's kernel objects. Proven twice: by probing every address SOS maps, and structurally,
 * by reading every page table in the machine ({@link IsolationAudit}).
 */
class SosMemoryIsolationTest {

    @ParameterizedTest(name = "pool={0}")
    @ValueSource(booleans = {true, false})
    void everyAddressSosMapsKillsAProcessOrGivesItAPrivatePage(boolean usePool) throws MemoryFault {
        SosFixture fx = new SosFixture(usePool);
        PatternedProcess victim = PatternedProcess.create(fx, 7, 8, 4, 4);
        NavigableMap<Long, Pte.Page> sos = new TreeMap<>(
                IsolationAudit.assertIsolated(fx, List.of(victim.process())).sosMappings());
        List<Long> sosFrames = sos.values().stream().map(p -> p.frame().paddr()).toList();
        long before = Patterns.physicalChecksum(fx.kernel.physicalMemory(), sosFrames);
        assertThat(sos.keySet()).as("SOS's image and its window onto the victim's frames")
                .contains(Layout.CODE_BASE, FrameTable.windowAddress(1));

        int killed = 0;
        int privatePages = 0;
        for (Map.Entry<Long, Pte.Page> e : sos.entrySet()) {
            for (boolean write : new boolean[] {false, true}) {
                Probes.Outcome o = Probes.probe(fx, e.getKey() + 0x18, write, e.getValue().frame());
                killed += o == Probes.Outcome.KILLED ? 1 : 0;
                privatePages += o == Probes.Outcome.OWN_FRESH_PAGE ? 1 : 0;
            }
        }

        assertThat(killed).as("window and image addresses outside a process's regions").isPositive();
        assertThat(privatePages).as("SOS's image lies where a process's code and data are").isPositive();
        assertThat(Patterns.physicalChecksum(fx.kernel.physicalMemory(), sosFrames)).as("SOS's pages")
                .isEqualTo(before);
        victim.assertIntact();
        IsolationAudit.assertIsolated(fx, List.of(victim.process()));
        fx.assertInvariants();
    }

    @ParameterizedTest(name = "pool={0}")
    @ValueSource(booleans = {true, false})
    void aProcessWhoseMmapCoversSosWindowGetsOnlyItsOwnFreshPagesThere(boolean usePool) throws MemoryFault {
        SosFixture fx = new SosFixture(usePool);
        PatternedProcess victim = PatternedProcess.create(fx, 9, 8, 4, 4);
        IsolationAudit audit = IsolationAudit.assertIsolated(fx, List.of(victim.process()));
        NavigableMap<Long, Pte.Page> window = audit.sosMappings().subMap(FrameTable.windowAddress(1), true,
                FrameTable.windowAddress(fx.sos.frameTable().limit() + 1), false);
        long before = Patterns.physicalChecksum(fx.kernel.physicalMemory(),
                window.values().stream().map(p -> p.frame().paddr()).toList());

        Process attacker = fx.process();
        UserContext ctx = fx.context(attacker);
        long covered = Layout.MMAP_BASE;
        while (covered <= window.lastKey()) {
            // mmap takes at most 64 GiB a call, and the last piece must stop short of the stack.
            long length = Math.min(1L << 36, window.lastKey() + Layout.PAGE - covered);
            var mapped = ctx.sys().mmap(length);
            assertThat(mapped.isOk()).as("%s", mapped).isTrue();
            assertThat(mapped.value()).isEqualTo(covered);
            covered += length;
        }
        for (Map.Entry<Long, Pte.Page> e : window.entrySet()) {
            long va = e.getKey();
            assertThat(ctx.load(va, 8)).as("the attacker's own page at SOS's window address 0x%x", va).isZero();
            ctx.store(va, 8, Probes.MARKER);
            Pte.Page mine = KernelMappings.pageAt(fx.kernel, attacker.vspaceCptr(), va);
            assertThat(mine.frame()).isNotSameAs(e.getValue().frame());
        }

        assertThat(attacker.state()).isEqualTo(ProcessState.RUNNING);
        assertThat(Patterns.physicalChecksum(fx.kernel.physicalMemory(),
                window.values().stream().map(p -> p.frame().paddr()).toList())).isEqualTo(before);
        victim.assertIntact();
        IsolationAudit both = IsolationAudit.assertIsolated(fx, List.of(victim.process(), attacker));
        assertThat(both.physicalPages(attacker)).doesNotContainAnyElementsOf(both.physicalPages(victim.process()));
    }

    @ParameterizedTest(name = "pool={0}")
    @ValueSource(booleans = {true, false})
    void noProcessMapsAnyPhysicalPageButItsOwnFramesWhateverStateItIsIn(boolean usePool) throws MemoryFault {
        SosFixture fx = new SosFixture(usePool);
        List<Process> live = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            live.add(PatternedProcess.create(fx, 100 * i, 4 + 4 * i, 2 + i, 3).process());
        }
        PatternedProcess killed = PatternedProcess.create(fx, 500, 8, 2, 2);
        assertThatThrownBy(() -> killed.context().store(Layout.GUARD_PAGE, 8, 1)).isInstanceOf(MemoryFault.class);
        PatternedProcess exited = PatternedProcess.create(fx, 600, 8, 2, 2);
        exited.context().sys().exit(0);
        live.add(killed.process());
        live.add(exited.process());

        IsolationAudit audit = IsolationAudit.assertIsolated(fx, live);
        assertThat(audit.processPages()).isGreaterThan(6 * (4 + 1 + 2 + 2 + 1));

        assertThat(fx.sos.destroy(live.remove(1)).isOk()).isTrue();
        assertThat(fx.sos.destroy(killed.process()).isOk()).isTrue();
        live.remove(killed.process());
        IsolationAudit.assertIsolated(fx, live);
        fx.assertInvariants();
    }

    @Test
    void theAuditCatchesAFrameMappedIntoAnotherProcessBehindSosBack() throws MemoryFault {
        SosFixture fx = new SosFixture(true);
        PatternedProcess a = PatternedProcess.create(fx, 1, 4, 1, 1);
        PatternedProcess b = PatternedProcess.create(fx, 2, 4, 1, 1);
        List<Process> live = List.of(a.process(), b.process());
        IsolationAudit.assertIsolated(fx, live);

        // What a bug in SOS could do: map a copy of A's heap frame into B, just above B's heap.
        Sel4 sel4 = fx.vka.sel4();
        int ref = a.process().shadow().page(a.heapBase() & -Layout.PAGE).frameRef();
        long slot = fx.vka.cspaceAlloc().value();
        assertThat(CapOps.copy(sel4, fx.vka.cspaceMakePath(slot),
                fx.vka.cspaceMakePath(fx.sos.frameTable().frameCap(ref)), CapRights.ALL).isOk()).isTrue();
        long stray = Layout.pageUp(b.heapBase() + 4 * Layout.PAGE);
        assertThat(sel4.pageMap(slot, b.process().vspaceCptr(), stray, CapRights.READ_WRITE, VmAttributes.DEFAULT)
                .isOk()).as("B's leaf table already covers 0x%x", stray).isTrue();
        assertThat(b.context().load(stray, 8)).as("B now reads A's heap").isNotZero();

        List<String> violations = IsolationAudit.of(fx, live).violations();
        assertThat(violations).anySatisfy(v -> assertThat(v).contains("outside every region"));
        assertThat(violations).anySatisfy(v -> assertThat(v).contains("is mapped by process " + a.process().pid())
                .contains("and by process " + b.process().pid()));
        assertThat(violations).anySatisfy(v -> assertThat(v).contains("shadow records no page"));
    }
}
