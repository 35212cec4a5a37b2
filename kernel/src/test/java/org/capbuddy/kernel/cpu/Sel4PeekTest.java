package org.capbuddy.kernel.cpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.capbuddy.kernel.cpu.CpuFx.FREE_VA;
import static org.capbuddy.kernel.cpu.CpuFx.ROOT;

import org.capbuddy.kernel.api.ObjectType;
import org.capbuddy.kernel.cost.CostSnapshot;
import org.junit.jupiter.api.Test;

/**
 * {@code Sel4.peek}, the inspection read that a kill report's backtrace and step mode's {@code bt}
 * use: it must read what the thread would, and cost and change nothing (no MMU walk, no TLB
 * entry, no fault), so that reporting a run leaves its exact figures as they were.
 */
class Sel4PeekTest {
    private final CpuFx fx = new CpuFx();

    @Test
    void readsWhatTheThreadWroteAndCostsNothing() {
        CpuFx.UserThread t = fx.new UserThread();
        fx.mapRw(fx.object(ObjectType.SMALL_PAGE), t.vspace, FREE_VA);
        assertThat(t.cpu.write(FREE_VA + 0xff8, 8, 0x1122_3344_5566_7788L)).isTrue();
        CostSnapshot before = fx.kernel.costs();
        long misses = t.cpu.tlbMisses();
        assertThat(fx.sel4.peek(t.vspace, FREE_VA + 0xff8, 8)).hasValue(0x1122_3344_5566_7788L);
        assertThat(fx.sel4.peek(t.vspace, FREE_VA + 0xffa, 2)).hasValue(0x5566);
        assertThat(fx.kernel.costs()).isEqualTo(before);
        assertThat(t.cpu.tlbMisses()).isEqualTo(misses);
        assertThat(t.faults).isEmpty();
    }

    @Test
    void answersEmptyWhereThereIsNothingToRead() {
        CpuFx.UserThread t = fx.new UserThread();
        fx.mapRw(fx.object(ObjectType.SMALL_PAGE), t.vspace, FREE_VA);
        assertThat(fx.sel4.peek(t.vspace, FREE_VA + 0x1000, 8)).as("unmapped").isEmpty();
        assertThat(fx.sel4.peek(t.vspace, FREE_VA + 0xffc, 8)).as("across a page").isEmpty();
        assertThat(fx.sel4.peek(t.vspace, FREE_VA, 0)).isEmpty();
        assertThat(fx.sel4.peek(t.vspace, FREE_VA, 9)).isEmpty();
        assertThat(fx.sel4.peek(t.vspace, -8, 8)).as("the kernel half").isEmpty();
        assertThat(fx.sel4.peek(ROOT, FREE_VA, 8)).as("a CNode, not a VSpace").isEmpty();
        assertThat(fx.sel4.peek(0xdead, FREE_VA, 8)).as("an empty slot").isEmpty();
        assertThat(t.faults).isEmpty();
    }
}
