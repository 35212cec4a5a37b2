package org.capbuddy.sos.inspect;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.capbuddy.kernel.api.InvocationResult;
import org.capbuddy.kernel.api.PagingDump;
import org.capbuddy.libos.capbuddy.PoolDump;
import org.capbuddy.sos.SosFixture;
import org.capbuddy.sos.TestElf;
import org.capbuddy.sos.process.Process;
import org.capbuddy.sos.run.ProgramOutcome;
import org.capbuddy.sos.run.ProgramRunner;
import org.capbuddy.sos.frametable.FrameTableDump;
import org.capbuddy.sos.shadow.PageEntry;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The dump of a process after pt_test agrees with SOS's own records page for page, though it
 * reads the kernel's tables: every page SOS's shadow records is mapped there, onto the frame SOS's
 * frame table gave it, and nothing else is.
 */
class ProcessDumpTest {
    @ParameterizedTest(name = "pool={0}")
    @ValueSource(booleans = {true, false})
    void afterPtTestTheKernelsTablesMapExactlyWhatSosRecorded(boolean usePool) {
        SosFixture fx = new SosFixture(usePool);
        ProgramRunner.Launch launch = new ProgramRunner.Launch(TestElf.program("pt_test.elf"), List.of("pt_test"),
                List.of(), new byte[0], 1, 50_000_000L);
        ProgramRunner.Finished finished = new ProgramRunner(fx.sos).run(launch, false);
        assertThat(finished.result().outcome()).isEqualTo(ProgramOutcome.EXITED);
        Process p = finished.process();

        ProcessDump dump = fx.sos.dump(p).orElseThrow();
        PagingDump tables = dump.pageTables();
        assertThat(tables.pages()).isEqualTo(dump.shadowPages()).isEqualTo(p.shadow().pageCount()).isPositive();
        List<PagingDump.PageRun> runs = tables.entries().stream().filter(e -> e instanceof PagingDump.PageRun)
                .map(e -> (PagingDump.PageRun) e).toList();
        for (long va : p.shadow().pageAddresses()) {
            PagingDump.PageRun run = runs.stream().filter(r -> va >= r.vaddr() && va <= r.vaddrLast()).findFirst()
                    .orElseThrow(() -> new AssertionError("no run maps 0x" + Long.toHexString(va)));
            PageEntry entry = p.shadow().page(va);
            InvocationResult address = fx.vka.sel4().pageGetAddress(fx.sos.frameTable().frameCap(entry.frameRef()));
            assertThat(address.isOk()).isTrue();
            assertThat(run.paddr() + (va - run.vaddr())).as("frame of 0x%x", va).isEqualTo(address.mr(0));
        }
        // and each of those frames can be found, allocated, in the CapBuddy tree it came from
        if (usePool) {
            PoolDump pool = fx.sos.poolDump().orElseThrow();
            for (PagingDump.PageRun run : runs) {
                for (int i = 0; i < run.count(); i++) {
                    long paddr = run.paddr() + i * run.pageBytes();
                    PoolDump.TreeLine tree = pool.treeOf(paddr);
                    assertThat(tree).as("the tree of 0x%x", paddr).isNotNull();
                    int frame = (int) ((paddr - tree.basePaddr()) >>> 12);
                    assertThat(tree.allocated()).anyMatch(r -> r.contains(frame));
                }
            }
        } else {
            assertThat(fx.sos.poolDump()).isEmpty();
        }
        // the frame table's live references are exactly the frames the process's pages use
        FrameTableDump frames = fx.sos.frameTableDump();
        java.util.Set<Integer> refs = new java.util.TreeSet<>();
        for (FrameTableDump.RefRange r : frames.live()) {
            for (int ref = r.first(); ref <= r.last(); ref++) {
                refs.add(ref);
            }
        }
        assertThat(refs).hasSize(frames.inUse());
        assertThat(p.shadow().pageAddresses().stream().map(va -> p.shadow().page(va).frameRef()).toList())
                .containsExactlyInAnyOrderElementsOf(refs);
        assertThat(frames.refBits()).isEqualTo(19);
        assertThat(frames.render()).startsWith(String.format("Frame table: %,d of %,d frames in use (19-bit",
                frames.inUse(), frames.limit()))
                .contains("live references: 1");
        assertThat(dump.regions()).extracting(ProcessDump.RegionLine::kind).contains("stack", "heap");
        assertThat(dump.render()).contains("Process " + p.pid(), "L0 table (root)", "stack");

        fx.sos.destroy(p);
        assertThat(fx.sos.dump(p)).isEmpty();
    }
}
