package org.capbuddy.sos.paging;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.capbuddy.kernel.host.FailureInjector;
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
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A fault that evicts a victim and then fails is undone: the policy is left exactly as it was
 * (FIFO's order; second chance's hand, bits, and the pages its search unmapped mapped again), so
 * the next eviction chooses as it would have had the failed fault never happened, and the page
 * file's counts agree with the pager's.
 */
class PagingUndoOrderTest {
    /** An address far from b's other pages, so that mapping it needs new page tables (allocations). */
    private static final long FAR = 0x30_0000_0000L;

    /** What one run saw: the victim of a's fresh page, and the pager's and page file's counts then. */
    private record Outcome(UserPage victim, long unreferenced, long softFaults, long pageOuts, long written,
                           long pageIns, long read) {
    }

    /** The resident pages of {@code ps} that the kernel's page tables map now (an unreferenced page is not). */
    private static Set<String> mapped(SosFixture fx, Process... ps) {
        Set<String> all = new TreeSet<>();
        for (Process p : ps) {
            for (long va : p.shadow().pageAddresses()) {
                if (fx.vka.sel4().peek(p.vspaceCptr(), va, 1).isPresent()) {
                    all.add(p.pid() + ":" + Long.toHexString(va));
                }
            }
        }
        return all;
    }

    private static int ownFrames() {
        SosFixture fx = new SosFixture(true);
        fx.process();
        return fx.sos.frameTable().framesInUse();
    }

    /**
     * a fills the frame table with three pages; with {@code inject}, b's fault on a far page
     * evicts one of them and then fails at its first allocation (a page table), and is undone;
     * then a touches a fresh page, which evicts.
     */
    private static Outcome run(String policy, int own, boolean warm, boolean inject) throws MemoryFault {
        SosFixture fx = new SosFixture(true, new SosConfig(FrameTable.SEED_REF_BITS, 2 * own + 3, 64, policy));
        Process pa = fx.process();
        Process pb = fx.process();
        UserContext a = fx.context(pa);
        UserContext b = fx.context(pb);
        long base = a.sys().mmap(8 * Layout.PAGE).value();
        for (int i = 0; i < 3; i++) {
            a.store(base + i * Layout.PAGE, 8, i + 1);
        }
        assertThat(fx.sos.frameTable().framesInUse()).isEqualTo(fx.sos.frameTable().limit());
        if (warm) {
            // one eviction first: second chance's search clears every bit, so b's victim is a page
            // unreferenced (unmapped) before b's fault, which its undo must leave unmapped
            a.store(base + 3 * Layout.PAGE, 8, 4);
        }
        long far = b.sys().mmap(FAR, Layout.PAGE, Syscalls.PROT_READ | Syscalls.PROT_WRITE,
                Syscalls.MAP_PRIVATE | Syscalls.MAP_ANONYMOUS | Syscalls.MAP_FIXED, -1, 0).value();
        List<UserPage> out = new ArrayList<>();
        fx.sos.pages().setObserver(new ProcessPages.PagingObserver() {
            @Override
            public void pagedOut(UserPage page, int slot) {
                out.add(page);
            }

            @Override
            public void pagedIn(UserPage page, int slot) {
            }

            @Override
            public void softFault(UserPage page) {
            }
        });
        ProcessPages pages = fx.sos.pages();
        if (inject) {
            long unreferencedBefore = pages.pagesUnreferenced();
            int slotsBefore = pages.pageFile().slotsInUse();
            Set<String> mappedBefore = mapped(fx, pa, pb);
            FailureInjector injector = fx.kernel.failureInjector();
            injector.failNth(1);
            MemoryFault fault = null;
            try {
                b.store(far, 8, 42);
            } catch (MemoryFault e) {
                fault = e;
            }
            injector.disarm();
            assertThat(fault).as("the injected failure undid b's fault").isNotNull();
            assertThat(out).isEmpty();
            assertThat(pages.pagesUnreferenced()).as("the search's unmaps undone").isEqualTo(unreferencedBefore);
            assertThat(pages.pageFile().pagesWritten()).as("the page file's count undone").isEqualTo(pages.pageOuts());
            assertThat(pages.pageFile().slotsInUse()).isEqualTo(slotsBefore);
            assertThat(mapped(fx, pa, pb)).as("the pages mapped in the kernel's tables").isEqualTo(mappedBefore);
        }
        a.store(base + 5 * Layout.PAGE, 8, 9);
        // a's first pages read back: their bytes went out and came in, or never left (soft faults counted)
        for (int i = 0; i < 3; i++) {
            assertThat(a.load(base + i * Layout.PAGE, 8)).isEqualTo(i + 1);
        }
        assertThat(out).isNotEmpty();
        return new Outcome(out.get(0), pages.pagesUnreferenced(), pages.softFaults(), pages.pageOuts(),
                pages.pageFile().pagesWritten(), pages.pageIns(), pages.pageFile().pagesRead());
    }

    static List<Arguments> cases() {
        List<Arguments> all = new ArrayList<>();
        for (String policy : PolicyRegistry.names()) {
            all.add(Arguments.of(policy, false));
            all.add(Arguments.of(policy, true));
        }
        return all;
    }

    @ParameterizedTest(name = "{0}, an eviction before: {1}")
    @MethodSource("cases")
    void anUndoneFaultLeavesThePolicyAsItWas(String policy, boolean warm) throws MemoryFault {
        int own = ownFrames();
        Outcome undone = run(policy, own, warm, true);
        Outcome control = run(policy, own, warm, false);
        assertThat(undone.victim().vaddr()).isEqualTo(control.victim().vaddr());
        assertThat(undone).usingRecursiveComparison().ignoringFields("victim").isEqualTo(control);
        assertThat(undone.written()).isEqualTo(undone.pageOuts());
        assertThat(undone.read()).isEqualTo(undone.pageIns());
    }
}
