package org.capbuddy.libos.capbuddy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import org.capbuddy.kernel.trace.TraceEvent;
import org.capbuddy.kernel.trace.TraceKind;
import org.capbuddy.libos.bootstrap.CSpaceLayout;
import org.capbuddy.libos.vka.VkaObject;
import org.capbuddy.libos.vka.VkaObjects;
import org.junit.jupiter.api.Test;

/** The pool's dump: each tree's free map by order and its allocated frames, as the buddy trees hold them. */
class PoolDumpTest {
    @Test
    void theDumpFindsEachAllocatedFrameInItsTree() {
        PoolFixture fx = new PoolFixture(CSpaceLayout.SINGLE_LEVEL, 256L << 20, 0, false);
        assertThat(fx.pool.dump().trees()).isEmpty();
        List<TraceEvent> events = new ArrayList<>();
        fx.vka.sel4().tracer().start(EnumSet.of(TraceKind.POOL), -1, events::add);
        List<VkaObject> frames = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            frames.add(VkaObjects.allocFrame(fx.vka, 12).value());
        }
        // free the third and fourth: the allocated frames become three ranges... or fewer, if the
        // buddy allocator placed them elsewhere; the dump must agree with paddrOf either way
        VkaObject third = frames.remove(2);
        VkaObject fourth = frames.remove(2);
        assertThat(VkaObjects.free(fx.vka, third).isOk()).isTrue();
        assertThat(VkaObjects.free(fx.vka, fourth).isOk()).isTrue();

        PoolDump dump = fx.pool.dump();
        assertThat(dump.trees()).hasSize(1);
        PoolDump.TreeLine tree = dump.trees().get(0);
        assertThat(tree.freeFrames()).isEqualTo(1024 - 8);
        int freeFromBlocks = 0;
        for (int k = 0; k < tree.freeBlocks().size(); k++) {
            freeFromBlocks += tree.freeBlocks().get(k) << k;
        }
        assertThat(freeFromBlocks).as("the free map covers exactly the free frames").isEqualTo(tree.freeFrames());
        int allocatedFrames = tree.allocated().stream().mapToInt(r -> r.last() - r.first() + 1).sum();
        assertThat(allocatedFrames).isEqualTo(8);
        for (VkaObject f : frames) {
            long paddr = fx.pool.paddrOf(f.cptr()).value();
            assertThat(dump.treeOf(paddr)).isSameAs(tree);
            int frame = (int) ((paddr - tree.basePaddr()) >>> 12);
            assertThat(tree.allocated()).as("frame %d is allocated", frame).anyMatch(r -> r.contains(frame));
            assertThat(f.cptr()).isEqualTo(tree.baseCptr() + frame);
        }
        assertThat(dump.treeOf(tree.basePaddr() - 1)).isNull();
        // the trace saw the tree made, at the same place, then each frame taken (the lowest free
        // frame, so a split whenever its buddy is free: offsets 0, 2, 4, 6 and 8 split blocks of
        // orders 10, 1, 2, 1 and 3), then the two freed, the second merging with the first
        assertThat(events.get(0).name()).isEqualTo("tree_made");
        assertThat(events.get(0).fields()).containsEntry("pa", tree.basePaddr()).containsEntry("cptr", tree.baseCptr());
        assertThat(events.subList(1, events.size())).extracting(TraceEvent::name).containsExactly("split",
                "block_taken", "block_taken", "split", "block_taken", "block_taken", "split", "block_taken",
                "block_taken", "split", "block_taken", "block_taken", "split", "block_taken", "block_taken",
                "block_freed", "block_freed", "merge");
        assertThat(events.stream().filter(e -> e.name().equals("split")).map(e -> e.fields().get("from_order")))
                .containsExactly(10, 1, 2, 1, 3);
        assertThat(events.get(1).fields()).containsEntry("to_order", 0).containsEntry("pa", tree.basePaddr());
        TraceEvent freed = events.get(events.size() - 2);
        assertThat(freed.fields()).containsEntry("cptr", fourth.cptr()).containsEntry("order", 0)
                .containsEntry("pa", fx.pool.paddrOf(fourth.cptr()).value());
        TraceEvent merged = events.get(events.size() - 1);
        assertThat(merged.fields()).containsEntry("from_order", 0).containsEntry("to_order", 1)
                .containsEntry("pa", Math.min(fx.pool.paddrOf(third.cptr()).value(), fx.pool.paddrOf(fourth.cptr()).value()));
        // a refusal is an event too, and changes nothing
        assertThat(fx.pool.free(fourth.cptr(), 0).isOk()).isFalse();
        assertThat(events.get(events.size() - 1).name()).isEqualTo("free_refused");
        assertThat(fx.pool.dump()).isEqualTo(dump);
        assertThat(dump.render()).contains("CapBuddy pool: 1 tree of 1024 frames", "frames free", "free blocks by order:",
                "allocated frames: ");
    }
}
