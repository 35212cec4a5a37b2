package org.capbuddy.sos.paging;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.capbuddy.sos.SosFixture;
import org.capbuddy.sos.Syscalls;
import org.capbuddy.sos.addrspace.Layout;
import org.capbuddy.sos.frametable.FrameTable;
import org.capbuddy.sos.machine.SosConfig;
import org.capbuddy.sos.process.Process;
import org.capbuddy.sos.process.ProcessPages;
import org.capbuddy.sos.process.UserPage;
import org.capbuddy.sos.user.MemoryFault;
import org.capbuddy.sos.user.UserContext;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * mremap keeps a page's frame, so the policy keeps the page's age and reference bit: the page
 * is renamed in place, not made the youngest and referenced.
 */
class PagingMremapAgeTest {
    private SosFixture fx;
    private Process p;
    private UserContext ctx;
    private final List<Long> out = new ArrayList<>();

    /** A process in a frame table with {@code room} frames past what SOS and an idle process use, its code page touched. */
    private void start(String policy, int room) throws MemoryFault {
        SosFixture probe = new SosFixture(true);
        Process q = probe.process();
        probe.context(q).store(probe.codePage(q) + 0x800, 8, 0);
        int own = probe.sos.frameTable().framesInUse();
        fx = new SosFixture(true, new SosConfig(FrameTable.SEED_REF_BITS, own + room, 64, policy));
        p = fx.process();
        ctx = fx.context(p);
        ctx.store(fx.codePage(p) + 0x800, 8, 0);
        fx.sos.pages().setObserver(new ProcessPages.PagingObserver() {
            @Override
            public void pagedOut(UserPage page, int slot) {
                out.add(page.vaddr());
            }

            @Override
            public void pagedIn(UserPage page, int slot) {
            }

            @Override
            public void softFault(UserPage page) {
            }
        });
    }

    /** Touches fresh pages of {@code rest} from page {@code from} until the frame table is full; the next page's index. */
    private int fill(long rest, int from) throws MemoryFault {
        int i = from;
        while (fx.sos.frameTable().framesInUse() < fx.sos.frameTable().limit()) {
            ctx.store(rest + i++ * Layout.PAGE, 8, 2);
        }
        return i;
    }

    private long moveOnePage(long a) {
        var moved = ctx.sys().mremap(a, Layout.PAGE, 2 * Layout.PAGE, Syscalls.MREMAP_MAYMOVE, 0);
        assertThat(moved.isOk()).as("%s", moved).isTrue();
        assertThat(moved.value()).isNotEqualTo(a);
        return moved.value();
    }

    /**
     * a is touched, the table filled, one page evicted (second chance's search clears every bit),
     * then, with {@code move}, a is moved by mremap; then three fresh pages evict three more.
     * Returns the pages paged out, a's or its new address's written as -1, and checks a's bytes.
     */
    private List<Long> victims(String policy, boolean move) throws MemoryFault {
        out.clear();
        start(policy, 4);
        long a = ctx.sys().mmap(Layout.PAGE).value();
        ctx.store(a, 8, 1);
        long rest = ctx.sys().mmap(16 * Layout.PAGE).value();
        int next = fill(rest, 0);
        ctx.store(rest + next++ * Layout.PAGE, 8, 3);
        long now = move ? moveOnePage(a) : a;
        for (int i = 0; i < 3; i++) {
            ctx.store(rest + next++ * Layout.PAGE, 8, 3);
        }
        assertThat(ctx.load(now, 8)).isEqualTo(1);
        List<Long> named = new ArrayList<>();
        for (long va : out) {
            named.add(va == now ? -1 : va);
        }
        return named;
    }

    @ParameterizedTest
    @MethodSource("org.capbuddy.sos.paging.PolicyRenameAndUndoTest#policies")
    void aMovedPageGoesWhenItWouldHaveGoneUnmoved(String policy) throws MemoryFault {
        List<Long> unmoved = victims(policy, false);
        assertThat(unmoved).as("a goes in the evictions watched").contains(-1L);
        assertThat(victims(policy, true)).isEqualTo(unmoved);
    }
}
