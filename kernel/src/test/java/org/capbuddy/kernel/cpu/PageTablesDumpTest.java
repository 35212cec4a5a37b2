package org.capbuddy.kernel.cpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.capbuddy.kernel.cpu.CpuFx.ok;

import java.util.List;
import org.capbuddy.kernel.api.CapRights;
import org.capbuddy.kernel.api.ObjectType;
import org.capbuddy.kernel.api.VmAttributes;
import org.capbuddy.kernel.api.PagingDump;
import org.capbuddy.kernel.api.PagingWalk;
import org.junit.jupiter.api.Test;

/**
 * Sel4.pageTables reads a VSpace's tables as the kernel holds them: every paging structure with
 * its cap, pages in runs of consecutive entries, rights, execute-never and frames as mapped, and
 * what an unmap leaves.
 */
class PageTablesDumpTest {
    private static final long BASE = 0x40_0000L;

    @Test
    void theDumpShowsEveryStructureAndPageAsMapped() {
        CpuFx fx = new CpuFx();
        long vspace = fx.assignedVSpace();
        long[] frames = new long[4];
        for (int i = 0; i < frames.length; i++) {
            frames[i] = fx.object(ObjectType.SMALL_PAGE);
        }
        // three read-write execute-never pages in a row, then a gap, then a read-only executable one
        for (int i = 0; i < 3; i++) {
            ok(fx.mapPage(frames[i], vspace, BASE + i * 4096L, CapRights.READ_WRITE,
                    VmAttributes.DEFAULT | VmAttributes.EXECUTE_NEVER));
        }
        ok(fx.mapPage(frames[3], vspace, BASE + 8 * 4096L, CapRights.READ_ONLY, 0));

        PagingDump dump = fx.sel4.pageTables(vspace).orElseThrow();
        assertThat(dump.tables()).isEqualTo(4); // the VSpace root and one table at each level below
        assertThat(dump.pages()).isEqualTo(4);
        List<PagingDump.Table> tables = dump.entries().stream().filter(e -> e instanceof PagingDump.Table)
                .map(e -> (PagingDump.Table) e).toList();
        assertThat(tables).extracting(PagingDump.Table::level).containsExactly(0, 1, 2, 3);
        assertThat(tables).allSatisfy(t -> assertThat(t.cap()).as("cap of %s", t).isNotNull());
        assertThat(tables.get(3).vaddr()).isEqualTo(BASE);
        assertThat(tables.get(3).vaddrLast()).isEqualTo(BASE + (2L << 20) - 1);

        List<PagingDump.PageRun> runs = dump.entries().stream().filter(e -> e instanceof PagingDump.PageRun)
                .map(e -> (PagingDump.PageRun) e).toList();
        boolean contiguous = fx.paddr(frames[1]) == fx.paddr(frames[0]) + 4096
                && fx.paddr(frames[2]) == fx.paddr(frames[1]) + 4096;
        PagingDump.PageRun first = runs.get(0);
        assertThat(first.vaddr()).isEqualTo(BASE);
        assertThat(first.paddr()).isEqualTo(fx.paddr(frames[0]));
        assertThat(first.rights()).isEqualTo("rw");
        assertThat(first.executeNever()).isTrue();
        if (contiguous) {
            assertThat(runs).hasSize(2);
            assertThat(first.count()).isEqualTo(3);
            assertThat(first.firstCap()).isNotEqualTo(first.lastCap());
        }
        PagingDump.PageRun code = runs.get(runs.size() - 1);
        assertThat(code.firstIndex()).isEqualTo(8);
        assertThat(code.count()).isEqualTo(1);
        assertThat(code.rights()).isEqualTo("r");
        assertThat(code.executeNever()).isFalse();
        assertThat(code.paddr()).isEqualTo(fx.paddr(frames[3]));
        assertThat(code.firstCap()).isNotNull();
        assertThat(dump.render()).contains("VSpace ASID", "L0 table (root)", "L2[2] ", "-> L3 table", "L3[8]",
                "4K page r-x  pa 0x");

        ok(fx.sel4.pageUnmap(frames[1]));
        PagingDump after = fx.sel4.pageTables(vspace).orElseThrow();
        assertThat(after.pages()).isEqualTo(3);
        assertThat(after.entries().stream().filter(e -> e instanceof PagingDump.PageRun)).hasSize(3);
    }

    @Test
    void aWalkShowsEachEntryReadAndWhereItStopped() {
        CpuFx fx = new CpuFx();
        long vspace = fx.assignedVSpace();
        long frame = fx.object(ObjectType.SMALL_PAGE);
        ok(fx.mapPage(frame, vspace, BASE, CapRights.READ_ONLY, 0));

        PagingWalk hit = fx.sel4.pageWalk(vspace, BASE + 0x123).orElseThrow();
        assertThat(hit.translated()).isTrue();
        assertThat(hit.steps()).extracting(PagingWalk.Step::level).containsExactly(0, 1, 2, 3);
        assertThat(hit.steps()).extracting(PagingWalk.Step::kind).containsExactly(PagingWalk.EntryKind.TABLE,
                PagingWalk.EntryKind.TABLE, PagingWalk.EntryKind.TABLE, PagingWalk.EntryKind.PAGE);
        PagingWalk.Step page = hit.steps().get(3);
        assertThat(page.index()).isZero();
        assertThat(page.targetPaddr()).isEqualTo(fx.paddr(frame));
        assertThat(page.rights()).isEqualTo("r");
        assertThat(page.executeNever()).isFalse();
        // each step's table is the one the step above pointed to
        for (int i = 1; i < 4; i++) {
            assertThat(hit.steps().get(i).tablePaddr()).isEqualTo(hit.steps().get(i - 1).targetPaddr());
        }

        PagingWalk missPage = fx.sel4.pageWalk(vspace, BASE + 4096).orElseThrow();
        assertThat(missPage.translated()).isFalse();
        assertThat(missPage.steps()).hasSize(4);
        assertThat(missPage.steps().get(3).kind()).isEqualTo(PagingWalk.EntryKind.INVALID);
        assertThat(missPage.steps().get(3).index()).isEqualTo(1);

        PagingWalk missTable = fx.sel4.pageWalk(vspace, 0x80_0000_0000L).orElseThrow();
        assertThat(missTable.steps()).hasSize(1);
        assertThat(missTable.steps().get(0).kind()).isEqualTo(PagingWalk.EntryKind.INVALID);
        assertThat(missTable.render()).contains("L0[1] of the table at pa 0x", "invalid: the walk stops here");

        assertThat(fx.sel4.pageWalk(vspace, -1).orElseThrow().steps()).isEmpty();
        assertThat(fx.sel4.pageWalk(vspace, -1).orElseThrow().render()).as("says which reason applies")
                .endsWith("  no walk: the address is outside user space (0 to 0x7fffffffffff)\n");
        assertThat(new PagingWalk(BASE, 0, java.util.List.of()).render())
                .endsWith("  no walk: the VSpace has no ASID (it is not assigned one)\n");
        assertThat(fx.sel4.pageWalk(vspace, 0x8000_0000_0000L).orElseThrow().render()).as("just above seL4_UserTop")
                .endsWith("outside user space (0 to 0x7fffffffffff)\n");
        assertThat(fx.sel4.pageWalk(fx.slot(), BASE)).isEmpty();
    }

    @Test
    void aCptrThatIsNotAVSpaceGivesNoDump() {
        CpuFx fx = new CpuFx();
        assertThat(fx.sel4.pageTables(fx.object(ObjectType.SMALL_PAGE))).isEmpty();
        assertThat(fx.sel4.pageTables(fx.slot())).isEmpty();
        assertThat(fx.sel4.pageTables(-1)).isEmpty();
    }
}
