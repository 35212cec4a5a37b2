package org.capbuddy.sos.process;

import static org.assertj.core.api.Assertions.assertThat;

import org.capbuddy.sos.SosFixture;
import org.capbuddy.sos.addrspace.Layout;
import org.capbuddy.sos.machine.Balance;
import org.capbuddy.sos.machine.SosConfig;
import org.capbuddy.sos.user.MemoryFault;
import org.capbuddy.sos.user.UserContext;
import org.junit.jupiter.api.Test;

/**
 * What a fork costs under each mode, on plain allocman (whose slot count is exact: the pool takes
 * slots 1,024 at a time): a parent with {@value #HEAP_PAGES} heap pages written forks, then the
 * child writes {@value #WRITTEN} of them. An eager copy takes a frame a page and at least two
 * slots (the frame's own cap and the child's mapping copy, beside the untyped splits allocman
 * makes for frames); sharing takes one slot a page and no frame, and each copy-on-write copy later
 * takes the frame a copy would have. The figures are printed for the
 * README; the relations between them are asserted.
 */
class ForkFiguresTest {
    private static final int HEAP_PAGES = 256;
    private static final int WRITTEN = 32;

    /** What one mode took at each point. */
    record Figures(int pages, long framesAtFork, long slotsAtFork, long invocationsAtFork, long framesAfterWrites,
                   long slotsAfterWrites, long invocationsAfterWrites, long copies, long reuses) {
    }

    private static Figures measure(ForkMode mode) throws MemoryFault {
        SosFixture fx = new SosFixture(false, new SosConfig(1 << 18).withForkMode(mode));
        Balance idle = fx.balance();
        Process parent = fx.process();
        UserContext pu = fx.context(parent);
        long heap = parent.addressSpace().heapBase();
        pu.brk(heap + HEAP_PAGES * Layout.PAGE);
        for (int i = 0; i < HEAP_PAGES; i++) {
            pu.store(heap + i * Layout.PAGE, 8, i);
        }
        Balance before = fx.strictBalance();
        long calls = fx.kernel.costs().totalInvocations();
        Process child = fx.sos.fork(parent).value();
        long forkCalls = fx.kernel.costs().totalInvocations() - calls;
        Balance atFork = fx.strictBalance().diff(before);
        UserContext cu = fx.context(child);
        calls = fx.kernel.costs().totalInvocations();
        for (int i = 0; i < WRITTEN; i++) {
            cu.store(heap + i * (HEAP_PAGES / WRITTEN) * Layout.PAGE, 8, -i);
        }
        long writeCalls = fx.kernel.costs().totalInvocations() - calls;
        Balance afterWrites = fx.strictBalance().diff(before);
        for (int i = 0; i < HEAP_PAGES; i++) {
            long expect = i % (HEAP_PAGES / WRITTEN) == 0 ? -(i / (HEAP_PAGES / WRITTEN)) : i;
            assertThat(cu.load(heap + i * Layout.PAGE, 8)).isEqualTo(expect);
            assertThat(pu.load(heap + i * Layout.PAGE, 8)).isEqualTo(i);
        }
        Figures f = new Figures(parent.residentPages(), atFork.sosFrames(), atFork.allocators().slots(), forkCalls,
                afterWrites.sosFrames(), afterWrites.allocators().slots(), writeCalls, fx.sos.pages().cowCopies(),
                fx.sos.pages().cowReuses());
        assertThat(fx.sos.destroy(child).isOk()).isTrue();
        assertThat(fx.sos.destroy(parent).isOk()).isTrue();
        assertThat(fx.balance()).isEqualTo(idle);
        fx.assertInvariants();
        return f;
    }

    @Test
    void sharingSavesAFrameAndASlotForEveryPageNotWritten() throws MemoryFault {
        Figures copy = measure(ForkMode.COPY);
        Figures cow = measure(ForkMode.COW);
        for (Figures f : new Figures[] {copy, cow}) {
            System.out.printf("fork %s: %d pages; at fork: %d frames, %d slots, %d invocations; after the child writes"
                    + " %d pages: %d frames, %d slots (%d invocations for the writes); %d copies, %d reuses%n",
                    f == copy ? "copy" : "cow", f.pages(), f.framesAtFork(), f.slotsAtFork(), f.invocationsAtFork(),
                    WRITTEN, f.framesAfterWrites(), f.slotsAfterWrites(), f.invocationsAfterWrites(), f.copies(),
                    f.reuses());
        }
        int pages = copy.pages();
        assertThat(cow.pages()).isEqualTo(pages);
        assertThat(copy.framesAtFork()).isEqualTo(pages);
        assertThat(cow.framesAtFork()).isZero();
        // at least each frame's own cap; allocman's untyped splits for the frames take more
        assertThat(copy.slotsAtFork() - cow.slotsAtFork()).as("a frame cap's slot a page")
                .isGreaterThanOrEqualTo(pages);
        assertThat(cow.framesAfterWrites()).isEqualTo(WRITTEN);
        assertThat(copy.framesAfterWrites()).isEqualTo(pages);
        assertThat(cow.copies()).isEqualTo(WRITTEN);
        assertThat(copy.copies() + copy.reuses()).isZero();
        assertThat(cow.invocationsAtFork()).isLessThan(copy.invocationsAtFork());
        assertThat(copy.invocationsAfterWrites()).as("stores to private writable pages: no fault").isZero();
    }
}
