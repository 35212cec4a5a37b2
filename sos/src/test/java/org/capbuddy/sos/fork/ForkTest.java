package org.capbuddy.sos.fork;

import static org.assertj.core.api.Assertions.assertThat;

import org.capbuddy.libos.vka.AllocErrorKind;
import org.capbuddy.libos.vka.Result;
import org.capbuddy.sos.SosFixture;
import org.capbuddy.sos.addrspace.Layout;
import org.capbuddy.sos.frametable.FrameTable;
import org.capbuddy.sos.machine.Balance;
import org.capbuddy.sos.machine.SosConfig;
import org.capbuddy.sos.paging.PolicyRegistry;
import org.capbuddy.sos.process.Process;
import org.capbuddy.sos.process.ProcessState;
import org.capbuddy.sos.user.MemoryFault;
import org.capbuddy.sos.user.UserContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link org.capbuddy.sos.Sos#fork}'s eager copy: the child reads every byte the parent has (data,
 * heap, stack, an mmap region; with paging, pages paged out and dropped too), a write in one is
 * invisible in the other, the regions, break and registers are the parent's, and destroying the
 * two in either order gives everything back.
 */
class ForkTest {
    /** Data of a standard process (64 KiB of code, then its data). */
    private static final long DATA = Layout.CODE_BASE + (64 << 10);

    private static long mark(int i) {
        return 0x5EED_0000_0000L + i;
    }

    /** The places a parent writes before it forks: data, heap, stack and an mmap region. */
    private record Places(long data, long heap, long stack, long mapped) {
        long[] all() {
            return new long[] {data, heap, stack, mapped};
        }
    }

    private static Places fill(UserContext u) throws MemoryFault {
        long heap = u.brk(0);
        u.brk(heap + 3 * Layout.PAGE);
        long stack = Layout.STACK_TOP - 2 * Layout.PAGE + 8;
        long mapped = u.sys().mmap(2 * Layout.PAGE).value();
        Places at = new Places(DATA + 16, heap + Layout.PAGE + 24, stack, mapped + Layout.PAGE);
        long[] all = at.all();
        for (int i = 0; i < all.length; i++) {
            u.store(all[i], 8, mark(i));
        }
        return at;
    }

    @ParameterizedTest(name = "pool={0}")
    @ValueSource(booleans = {true, false})
    void theChildReadsTheParentsBytesAndWritesStayApart(boolean pool) throws MemoryFault {
        SosFixture fx = new SosFixture(pool);
        Balance idle = fx.balance();
        Process parent = fx.process();
        UserContext pu = fx.context(parent);
        Places at = fill(pu);
        fx.sos.runner(parent).orElseThrow().context().setX(19, 0x1234_5678L);
        fx.sos.runner(parent).orElseThrow().context().setPc(0x40_0100L);
        int parentPages = parent.residentPages();

        Result<Process> forked = fx.sos.fork(parent);
        assertThat(forked.isOk()).as("%s", forked).isTrue();
        Process child = forked.value();
        assertThat(child.pid()).isNotEqualTo(parent.pid());
        assertThat(child.residentPages()).isEqualTo(parentPages);
        assertThat(child.addressSpace().regions()).isEqualTo(parent.addressSpace().regions());
        assertThat(child.addressSpace().brk()).isEqualTo(parent.addressSpace().brk());
        assertThat(child.program()).isEqualTo(parent.program());
        assertThat(fx.sos.runner(child).orElseThrow().context().x(19)).isEqualTo(0x1234_5678L);
        assertThat(fx.sos.runner(child).orElseThrow().context().pc()).isEqualTo(0x40_0100L);

        UserContext cu = fx.context(child);
        long[] all = at.all();
        for (int i = 0; i < all.length; i++) {
            assertThat(cu.load(all[i], 8)).as("child at 0x%x", all[i]).isEqualTo(mark(i));
        }
        // a page the parent never touched is untouched in the child too, and reads zero there
        assertThat(cu.load(DATA + 3 * Layout.PAGE, 8)).isZero();
        for (int i = 0; i < all.length; i++) {
            cu.store(all[i], 8, ~mark(i));
            assertThat(pu.load(all[i], 8)).as("parent at 0x%x", all[i]).isEqualTo(mark(i));
            pu.store(all[i] + 8, 8, 77);
            assertThat(cu.load(all[i] + 8, 8)).as("child at 0x%x", all[i] + 8).isZero();
        }
        // the frames are the child's own
        for (long va : child.shadow().pageAddresses()) {
            if (parent.shadow().frameRef(va) != FrameTable.NULL_FRAME) {
                assertThat(child.shadow().frameRef(va)).isNotEqualTo(parent.shadow().frameRef(va));
            }
        }

        assertThat(fx.sos.destroy(parent).isOk()).isTrue();
        assertThat(cu.load(all[0], 8)).isEqualTo(~mark(0));
        assertThat(fx.sos.destroy(child).isOk()).isTrue();
        assertThat(fx.balance()).isEqualTo(idle);
        fx.assertInvariants();
    }

    @Test
    void destroyingTheChildFirstLeavesTheParentAndThenNothing() throws MemoryFault {
        SosFixture fx = new SosFixture(true);
        Balance idle = fx.balance();
        Process parent = fx.process();
        UserContext pu = fx.context(parent);
        Places at = fill(pu);
        Balance beforeFork = fx.balance();
        Process child = fx.sos.fork(parent).value();
        Process grandchild = fx.sos.fork(child).value();
        assertThat(fx.context(grandchild).load(at.heap(), 8)).isEqualTo(mark(1));
        assertThat(fx.sos.destroy(child).isOk()).isTrue();
        assertThat(fx.sos.destroy(grandchild).isOk()).isTrue();
        assertThat(fx.balance()).isEqualTo(beforeFork);
        assertThat(pu.load(at.mapped(), 8)).isEqualTo(mark(3));
        assertThat(fx.sos.destroy(parent).isOk()).isTrue();
        assertThat(fx.balance()).isEqualTo(idle);
        fx.assertInvariants();
    }

    @Test
    void onlyALiveRunningProcessForks() {
        SosFixture fx = new SosFixture(true);
        assertThat(fx.sos.fork(null).error().kind()).isEqualTo(AllocErrorKind.BAD_ARGUMENT);
        Process gone = fx.process();
        fx.sos.destroy(gone);
        Balance before = fx.balance();
        assertThat(gone.state()).isEqualTo(ProcessState.DESTROYED);
        assertThat(fx.sos.fork(gone).error().kind()).isEqualTo(AllocErrorKind.BAD_ARGUMENT);
        assertThat(fx.balance()).isEqualTo(before);
    }

    /**
     * With paging: the parent has dirty pages paged out, clean pages dropped in their initial
     * state and resident pages of both kinds; the copy itself evicts. Every page reads the same in
     * the child, the child's copies of paged-out pages have slots of their own, and destroying
     * both gives back every frame and page-file slot.
     */
    @ParameterizedTest(name = "{0}")
    @org.junit.jupiter.params.provider.MethodSource("policies")
    void pagedOutAndDroppedPagesAreCopiedToo(String policy) throws MemoryFault {
        SosFixture probe = new SosFixture(true);
        probe.process();
        int own = probe.sos.frameTable().framesInUse();
        SosFixture fx = new SosFixture(true, new SosConfig(FrameTable.SEED_REF_BITS, 2 * own + 6, 256, policy));
        Balance idle = fx.balance();
        Process parent = fx.process();
        UserContext pu = fx.context(parent);
        int pages = 16;
        long base = pu.sys().mmap(2L * pages * Layout.PAGE).value();
        for (int i = 0; i < pages; i++) {
            pu.store(base + i * Layout.PAGE, 8, mark(i));
            pu.load(base + (pages + i) * Layout.PAGE, 8);
        }
        assertThat(parent.shadow().pagedOutCount()).as("some pages paged out").isPositive();
        assertThat(fx.sos.pages().cleanDrops()).as("some clean pages dropped").isPositive();

        Process child = fx.sos.fork(parent).value();
        for (long va : child.shadow().pagedOutAddresses()) {
            assertThat(child.shadow().pagedOutSlot(va)).isNotEqualTo(parent.shadow().pagedOutSlot(va));
        }
        UserContext cu = fx.context(child);
        for (int i = 0; i < pages; i++) {
            assertThat(cu.load(base + i * Layout.PAGE, 8)).as("child page %d", i).isEqualTo(mark(i));
            assertThat(cu.load(base + (pages + i) * Layout.PAGE, 8)).isZero();
            cu.store(base + i * Layout.PAGE, 8, ~mark(i));
        }
        for (int i = 0; i < pages; i++) {
            assertThat(pu.load(base + i * Layout.PAGE, 8)).as("parent page %d", i).isEqualTo(mark(i));
            assertThat(cu.load(base + i * Layout.PAGE, 8)).as("child page %d", i).isEqualTo(~mark(i));
        }
        assertThat(fx.sos.destroy(parent).isOk()).isTrue();
        assertThat(fx.sos.destroy(child).isOk()).isTrue();
        assertThat(fx.balance()).isEqualTo(idle);
        assertThat(fx.sos.pages().pageFileSlotsInUse()).isZero();
        fx.assertInvariants();
    }

    static java.util.List<String> policies() {
        return PolicyRegistry.names();
    }
}
