package org.capbuddy.sos.paging;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.capbuddy.kernel.host.FailureInjector;
import org.capbuddy.sos.SosFixture;
import org.capbuddy.sos.Syscalls;
import org.capbuddy.sos.addrspace.Layout;
import org.capbuddy.sos.frametable.FrameTable;
import org.capbuddy.sos.machine.Balance;
import org.capbuddy.sos.machine.SosConfig;
import org.capbuddy.sos.process.Process;
import org.capbuddy.sos.process.ProcessPages;
import org.capbuddy.sos.process.ProcessState;
import org.capbuddy.sos.process.UserPage;
import org.capbuddy.sos.user.MemoryFault;
import org.capbuddy.sos.user.UserContext;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A page-out and a page-in failed at every step in turn. Both need fresh page tables at every
 * level (the page-out's new page lies far from everything mapped; the page-in's page was moved
 * there by mremap while paged out), so the kernel's N-th allocating invocation or allocman's
 * N-th request fails part-way, after the victim has gone to the page file and given its frame
 * up. The fault must then kill the faulting process for want of memory and leave everything as
 * before: the victim resident again with its bytes, the paged-in page still in its slot, and
 * slots, untypeds, frames, window tables, ASIDs and page-file slots exactly as they were. The
 * page-out runs with each kind of victim: dirty (written), clean in its initial state and clean
 * against a kept slot (both dropped without a write); an undone drop leaves the victim clean,
 * read-only and counted as before.
 */
class PagingFailureInjectionTest {
    private static final int MAX_STEPS = 200;
    private static final long FAR = 0x30_0000_0000L;
    private static final int KEPT = 3;

    enum Injector {
        KERNEL, ALLOCMAN;

        FailureInjector of(SosFixture fx) {
            return this == KERNEL ? fx.kernel.failureInjector() : fx.booted.allocman().failures();
        }
    }

    /** What the victims of the page-out are. */
    enum Victims {
        DIRTY, CLEAN_INITIAL, CLEAN_KEPT
    }

    static List<Arguments> pageOutCases() {
        List<Arguments> all = new ArrayList<>();
        for (Arguments a : cases()) {
            for (Victims v : Victims.values()) {
                Object[] args = a.get();
                all.add(Arguments.of(args[0], args[1], args[2], v));
            }
        }
        return all;
    }

    static List<Arguments> cases() {
        List<Arguments> all = new ArrayList<>();
        for (String policy : PolicyRegistry.names()) {
            for (boolean pool : new boolean[] {true, false}) {
                for (Injector injector : Injector.values()) {
                    all.add(Arguments.of(policy, pool, injector));
                }
            }
        }
        return all;
    }

    private static int framesOfAFreshProcess(boolean pool) {
        SosFixture fx = new SosFixture(pool);
        fx.process();
        return fx.sos.frameTable().framesInUse();
    }

    private static long mark(int page) {
        return 0x5EED_0000_0000L + page;
    }

    @ParameterizedTest(name = "{0} pool={1} {2} {3}")
    @MethodSource("pageOutCases")
    void pageOutFailedAtEveryStepPutsTheVictimBack(String policy, boolean pool, Injector injector, Victims victims)
            throws MemoryFault {
        int own = framesOfAFreshProcess(pool);
        int failures = 0;
        for (int step = 1; step < MAX_STEPS; step++) {
            SosFixture fx = new SosFixture(pool, new SosConfig(FrameTable.SEED_REF_BITS, 2 * own + KEPT, 64, policy));
            UserContext a = fx.context(fx.process());
            UserContext b = fx.context(fx.process());
            long base = a.sys().mmap(KEPT * Layout.PAGE).value();
            for (int i = 0; i < KEPT; i++) {
                if (victims == Victims.CLEAN_INITIAL) {
                    a.load(base + i * Layout.PAGE, 8);
                } else {
                    a.store(base + i * Layout.PAGE, 8, mark(i));
                }
            }
            if (victims == Victims.CLEAN_KEPT) {
                // out (written) for pages only read, then read back: clean against their kept slots
                long other = a.sys().mmap(KEPT * Layout.PAGE).value();
                for (int i = 0; i < KEPT; i++) {
                    a.load(other + i * Layout.PAGE, 8);
                }
                for (int i = 0; i < KEPT; i++) {
                    assertThat(a.load(base + i * Layout.PAGE, 8)).isEqualTo(mark(i));
                }
            }
            for (int i = 0; i < KEPT; i++) {
                assertThat(fx.sos.pages().isClean(a.process(), base + i * Layout.PAGE))
                        .isEqualTo(victims != Victims.DIRTY);
            }
            long outsBefore = fx.sos.pages().pageOuts();
            long dropsBefore = fx.sos.pages().cleanDrops();
            long far = b.sys().mmap(FAR, Layout.PAGE, Syscalls.PROT_READ | Syscalls.PROT_WRITE,
                    Syscalls.MAP_PRIVATE | Syscalls.MAP_ANONYMOUS | Syscalls.MAP_FIXED, -1, 0).value();
            assertThat(fx.sos.frameTable().framesInUse()).isEqualTo(fx.sos.frameTable().limit());
            Balance before = fx.strictBalance();
            List<UserPage> told = new ArrayList<>();
            fx.sos.pages().setObserver(new ProcessPages.PagingObserver() {
                @Override
                public void pagedOut(UserPage page, int slot) {
                    told.add(page);
                }

                @Override
                public void pagedIn(UserPage page, int slot) {
                }

                @Override
                public void softFault(UserPage page) {
                }
            });
            FailureInjector inj = injector.of(fx);
            inj.failNth(step);
            MemoryFault fault = null;
            try {
                b.store(far, 8, 42);
            } catch (MemoryFault f) {
                fault = f;
            }
            boolean injected = !inj.armed();
            inj.disarm();
            String at = policy + " pool " + pool + " " + injector + " step " + step + ": " + fault;
            boolean dirty = victims == Victims.DIRTY;
            if (fault == null) {
                assertThat(b.load(far, 8)).as(at).isEqualTo(42);
                assertThat(fx.sos.pages().pageOuts() - outsBefore).as(at).isEqualTo(dirty ? 1 : 0);
                assertThat(fx.sos.pages().cleanDrops() - dropsBefore).as(at).isEqualTo(dirty ? 0 : 1);
                assertThat(told).as(at).hasSize(1);
                assertThat(fx.strictBalance().diff(before).pageFileSlots()).as(at).isEqualTo(dirty ? 1 : 0);
                if (!injected) {
                    assertThat(failures).as("%s: failure points exercised", at).isPositive();
                    return;
                }
                continue;
            }
            failures++;
            assertThat(injected).as("failed with no injected failure, %s", at).isTrue();
            assertThat(b.process().state()).as(at).isEqualTo(ProcessState.KILLED);
            assertThat(b.process().killReport().reason()).as(at).startsWith("out of memory: ");
            assertThat(fx.sos.pages().pageOuts()).as(at).isEqualTo(outsBefore);
            assertThat(fx.sos.pages().cleanDrops()).as(at).isEqualTo(dropsBefore);
            assertThat(told).as("an undone page-out is not told: %s", at).isEmpty();
            assertThat(fx.strictBalance()).as(at).isEqualTo(before);
            assertThat(a.process().shadow().pagedOutCount()).as(at).isZero();
            fx.assertInvariants();
            long dirtyFaults = fx.sos.pages().dirtyFaults();
            for (int i = 0; i < KEPT; i++) {
                long va = base + i * Layout.PAGE;
                assertThat(fx.sos.pages().isClean(a.process(), va)).as(at).isEqualTo(!dirty);
                assertThat(a.load(va, 8)).as(at).isEqualTo(victims == Victims.CLEAN_INITIAL ? 0 : mark(i));
            }
            assertThat(fx.sos.pages().dirtyFaults()).as(at).isEqualTo(dirtyFaults);
            assertThat(fx.strictBalance()).as(at).isEqualTo(before);
            if (!dirty) {
                // still read-only: a store is the dirty fault it would have been
                a.store(base, 8, 1);
                assertThat(fx.sos.pages().dirtyFaults()).as(at).isEqualTo(dirtyFaults + 1);
                assertThat(fx.sos.pages().isClean(a.process(), base)).as(at).isFalse();
            }
        }
        throw new AssertionError("the page-out never succeeded");
    }

    @ParameterizedTest(name = "{0} pool={1} {2}")
    @MethodSource("cases")
    void pageInFailedAtEveryStepLeavesThePageInItsSlot(String policy, boolean pool, Injector injector)
            throws MemoryFault {
        int own = framesOfAFreshProcess(pool);
        int failures = 0;
        for (int step = 1; step < MAX_STEPS; step++) {
            SosFixture fx = new SosFixture(pool, new SosConfig(FrameTable.SEED_REF_BITS, own + KEPT, 64, policy));
            UserContext a = fx.context(fx.process());
            Process p = a.process();
            long lone = a.sys().mmap(Layout.PAGE).value();
            a.store(lone, 8, mark(99));
            long base = a.sys().mmap(KEPT * Layout.PAGE).value();
            for (int i = 0; i < KEPT; i++) {
                a.store(base + i * Layout.PAGE, 8, mark(i));
            }
            assertThat(p.shadow().pagedOutSlot(lone)).as("the lone page was paged out").isNotNegative();
            long moved = a.sys().mremap(lone, Layout.PAGE, Layout.PAGE,
                    Syscalls.MREMAP_MAYMOVE | Syscalls.MREMAP_FIXED, FAR).value();
            assertThat(moved).isEqualTo(FAR);
            assertThat(p.shadow().pagedOutSlot(FAR)).as("the slot moved with the page").isNotNegative();
            Balance before = fx.strictBalance();
            long pageInsBefore = fx.sos.pages().pageIns();
            FailureInjector inj = injector.of(fx);
            inj.failNth(step);
            MemoryFault fault = null;
            long got = 0;
            try {
                got = a.load(FAR, 8);
            } catch (MemoryFault f) {
                fault = f;
            }
            boolean injected = !inj.armed();
            inj.disarm();
            String at = policy + " pool " + pool + " " + injector + " step " + step + ": " + fault;
            if (fault == null) {
                assertThat(got).as(at).isEqualTo(mark(99));
                assertThat(fx.sos.pages().pageIns()).as(at).isEqualTo(pageInsBefore + 1);
                assertThat(p.shadow().pagedOutSlot(FAR)).as(at).isNegative();
                if (!injected) {
                    assertThat(failures).as("%s: failure points exercised", at).isPositive();
                    return;
                }
                continue;
            }
            failures++;
            assertThat(injected).as("failed with no injected failure, %s", at).isTrue();
            assertThat(p.state()).as(at).isEqualTo(ProcessState.KILLED);
            assertThat(p.killReport().reason()).as(at).startsWith("out of memory: ");
            assertThat(fx.sos.pages().pageIns()).as(at).isEqualTo(pageInsBefore);
            assertThat(fx.strictBalance()).as(at).isEqualTo(before);
            assertThat(p.shadow().pagedOutSlot(FAR)).as(at).isNotNegative();
            assertThat(fx.sos.pages().peek(p, FAR, 8)).as(at).hasValue(mark(99));
            for (int i = 0; i < KEPT; i++) {
                assertThat(fx.sos.pages().peek(p, base + i * Layout.PAGE, 8)).as(at).hasValue(mark(i));
            }
            fx.assertInvariants();
            assertThat(fx.sos.destroy(p).isOk()).as(at).isTrue();
            assertThat(fx.sos.pages().pageFile().slotsInUse()).as(at).isZero();
        }
        throw new AssertionError("the page-in never succeeded");
    }
}
