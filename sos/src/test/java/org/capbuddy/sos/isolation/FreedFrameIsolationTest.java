package org.capbuddy.sos.isolation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.List;
import java.util.NavigableSet;
import java.util.TreeSet;
import org.capbuddy.kernel.cpu.UserCpu;
import org.capbuddy.kernel.object.Pte;
import org.capbuddy.sos.SosFixture;
import org.capbuddy.sos.addrspace.Layout;
import org.capbuddy.sos.process.Process;
import org.capbuddy.sos.process.ProcessState;
import org.capbuddy.sos.user.MemoryFault;
import org.capbuddy.sos.user.UserContext;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Memory given up is gone: after munmap, a brk shrink or the process's destruction, the old
 * virtual addresses kill (or, once the heap grows back, read zero), the kernel no longer maps
 * the old frames in the process, and those frames reach the next process zeroed. Every case
 * first reads the memory, so the process's TLB holds it when it is given up: a translation that
 * survived the unmap would show the next owner's data. A bystander process holds frames of the
 * same pool tree throughout, so that the pool keeps the freed frames and hands them out again
 * without a Retype (a tree given back and retyped would be zeroed by the kernel, hiding a frame
 * table that forgot to zero).
 */
class FreedFrameIsolationTest {
    private static final int PAGES = 32;
    private static final int BYTES = PAGES * (int) Layout.PAGE;

    private static NavigableSet<Long> framesIn(IsolationAudit audit, Process p, long from, long to) {
        NavigableSet<Long> out = new TreeSet<>();
        for (Pte.Page page : audit.mappings(p).subMap(from, true, to, false).values()) {
            out.add(page.frame().paddr());
        }
        return out;
    }

    /**
     * The pool hands the frames just freed straight back; allocman retypes the same memory too,
     * but may first spend some of it on the taker's own TCB, VSpace and page tables.
     */
    static void assertReused(SosFixture fx, long treesReturned, FrameTaker b, NavigableSet<Long> freed,
                             boolean usePool) {
        if (usePool) {
            assertThat(fx.poolTreesReturned()).as("no pool tree went back to be retyped").isEqualTo(treesReturned);
            assertThat(b.reused()).as("the next process got every frame freed").isEqualTo(freed);
        } else {
            assertThat(b.reused()).as("the next process got most frames freed")
                    .hasSizeGreaterThanOrEqualTo(freed.size() / 2);
        }
    }

    @ParameterizedTest(name = "pool={0}")
    @ValueSource(booleans = {true, false})
    void afterMunmapTheOldAddressKillsAndItsFramesReachTheNextProcessZeroed(boolean usePool) throws MemoryFault {
        SosFixture fx = new SosFixture(usePool);
        PatternedProcess bystander = PatternedProcess.create(fx, 100, 2, 1, 1);
        Process a = fx.process();
        UserContext ca = fx.context(a);
        long m = ca.sys().mmap(BYTES).value();
        long end = m + BYTES;
        Patterns.write(ca, m, BYTES, 1);
        assertThat(Patterns.read(ca, m, BYTES)).isEqualTo(Patterns.bytes(1, BYTES));
        NavigableSet<Long> freed = framesIn(IsolationAudit.assertIsolated(fx, List.of(bystander.process(), a)), a, m,
                end);
        assertThat(freed).hasSize(PAGES);
        long treesReturned = fx.poolTreesReturned();

        assertThat(ca.sys().munmap(m, BYTES).isOk()).isTrue();
        IsolationAudit after = IsolationAudit.assertIsolated(fx, List.of(bystander.process(), a));
        assertThat(after.mappings(a).subMap(m, true, end, false)).as("A's old mmap pages").isEmpty();
        assertThat(after.physicalPages(a)).doesNotContainAnyElementsOf(freed);

        FrameTaker b = FrameTaker.take(fx, freed, 8 * PAGES, 2);
        assertReused(fx, treesReturned, b, freed, usePool);
        IsolationAudit.assertIsolated(fx, List.of(bystander.process(), a, b.process()));

        for (long va = m; va < end; va += 7 * Layout.PAGE) {
            long at = va;
            assertThatThrownBy(() -> ca.load(at, 8)).as("A's old page 0x%x", at).isInstanceOf(MemoryFault.class);
            assertThat(a.state()).isEqualTo(ProcessState.KILLED);
            assertThat(a.killReport().region()).isNull();
        }
        b.assertIntact();
        bystander.assertIntact();
    }

    @ParameterizedTest(name = "pool={0}")
    @ValueSource(booleans = {true, false})
    void afterBrkShrinksTheOldAddressKillsAndRegrownMemoryReadsZero(boolean usePool) throws MemoryFault {
        SosFixture fx = new SosFixture(usePool);
        PatternedProcess bystander = PatternedProcess.create(fx, 100, 2, 1, 1);
        Process a = fx.process();
        UserContext ca = fx.context(a);
        long heap = ca.brk(0);
        int kept = 8;
        ca.brk(heap + BYTES);
        Patterns.write(ca, heap, BYTES, 3);
        assertThat(Patterns.read(ca, heap, BYTES)).isEqualTo(Patterns.bytes(3, BYTES));
        long cut = heap + kept * Layout.PAGE;
        long end = heap + BYTES;
        NavigableSet<Long> freed = framesIn(IsolationAudit.assertIsolated(fx, List.of(bystander.process(), a)), a, cut,
                end);
        long treesReturned = fx.poolTreesReturned();

        assertThat(ca.brk(cut)).isEqualTo(cut);
        IsolationAudit after = IsolationAudit.assertIsolated(fx, List.of(bystander.process(), a));
        assertThat(after.mappings(a).subMap(cut, true, end, false)).as("A's pages above the break").isEmpty();
        assertThat(after.physicalPages(a)).doesNotContainAnyElementsOf(freed);

        FrameTaker b = FrameTaker.take(fx, freed, 8 * PAGES, 4);
        assertReused(fx, treesReturned, b, freed, usePool);

        assertThat(ca.brk(end)).isEqualTo(end);
        byte[] heapNow = Patterns.read(ca, heap, BYTES);
        byte[] expected = Patterns.bytes(3, BYTES);
        Arrays.fill(expected, kept * (int) Layout.PAGE, expected.length, (byte) 0);
        assertThat(heapNow).as("below the old cut: A's data; above it: zero, not A's old data nor B's")
                .isEqualTo(expected);
        IsolationAudit.assertIsolated(fx, List.of(bystander.process(), a, b.process()));

        assertThat(ca.brk(cut)).isEqualTo(cut);
        assertThatThrownBy(() -> ca.load(cut + 4 * Layout.PAGE, 8)).isInstanceOf(MemoryFault.class);
        assertThat(a.state()).isEqualTo(ProcessState.KILLED);
        assertThat(a.killReport().region()).isNull();
        b.assertIntact();
        bystander.assertIntact();
    }

    @ParameterizedTest(name = "pool={0}")
    @ValueSource(booleans = {true, false})
    void afterDestroyTheOldProcessReachesNothingAndItsFramesArriveZeroed(boolean usePool) throws MemoryFault {
        SosFixture fx = new SosFixture(usePool);
        PatternedProcess bystander = PatternedProcess.create(fx, 100, 2, 1, 1);
        PatternedProcess a = PatternedProcess.create(fx, 5, PAGES, 8, 16);
        a.assertIntact();
        NavigableSet<Long> freed = IsolationAudit.assertIsolated(fx, List.of(bystander.process(), a.process()))
                .physicalPages(a.process());
        UserCpu oldCpu = a.process().cpu();
        long treesReturned = fx.poolTreesReturned();

        assertThat(fx.sos.destroy(a.process()).isOk()).isTrue();
        FrameTaker b = FrameTaker.take(fx, freed, 8 * freed.size(), 6);
        assertReused(fx, treesReturned, b, freed, usePool);

        for (PatternedProcess.Range r : a.ranges()) {
            oldCpu.read(r.vaddr(), 8);
            assertThat(oldCpu.failure()).as("the destroyed process reads its old %s at 0x%x", r.kind(), r.vaddr())
                    .isNotNull();
            assertThat(oldCpu.write(r.vaddr(), 8, Probes.MARKER)).isFalse();
            assertThatThrownBy(() -> a.context().load(r.vaddr(), 8)).isInstanceOf(MemoryFault.class);
        }
        IsolationAudit.assertIsolated(fx, List.of(bystander.process(), b.process()));
        b.assertIntact();
        bystander.assertIntact();
    }
}
