package org.capbuddy.sos.process;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.capbuddy.kernel.api.VmRights;
import org.capbuddy.kernel.host.InterruptionInjector;
import org.capbuddy.sos.SosFixture;
import org.capbuddy.sos.addrspace.Layout;
import org.capbuddy.sos.isolation.IsolationAudit;
import org.capbuddy.sos.isolation.KernelMappings;
import org.capbuddy.sos.machine.Balance;
import org.capbuddy.sos.machine.SosConfig;
import org.capbuddy.sos.user.MemoryFault;
import org.capbuddy.sos.user.UserContext;
import org.junit.jupiter.api.Test;

/**
 * Copy-on-write forks at their edges: a fork cut short at any kernel step, the kernel-side
 * isolation audit of shared frames, the counters a share moves, MADV_POPULATE_WRITE, and a fork
 * mode chosen in the configuration.
 */
class CowForkEdgesTest {
    private static final long DATA = Layout.CODE_BASE + (64 << 10);
    private static final long STACK = Layout.STACK_TOP - Layout.PAGE;

    /** A parent with a written data page and stack page, ready to fork. */
    private static UserContext parentOf(SosFixture fx) throws MemoryFault {
        UserContext pu = fx.context(fx.process());
        pu.store(DATA, 8, 1);
        pu.store(STACK, 8, 2);
        return pu;
    }

    @Test
    void aForkInterruptedAtAnyStepLeavesTheParentAsItWas() throws MemoryFault {
        for (int step = 1; step < 2000; step++) {
            SosFixture fx = new SosFixture(true);
            UserContext pu = parentOf(fx);
            Process parent = pu.process();
            Balance before = fx.balance();
            InterruptionInjector inj = fx.kernel.interruptions();
            long fired = inj.fired();
            inj.interruptNth(step, () -> new IllegalStateException("injected"));
            Process child = null;
            try {
                child = fx.sos.fork(parent).value();
            } catch (IllegalStateException expected) {
                // the interruption: the fork must be undone
            }
            inj.disarm();
            if (inj.fired() == fired) {
                assertThat(child).as("the fork ran to its end without an interruption").isNotNull();
                assertThat(step).as("a fork takes some kernel steps").isGreaterThan(20);
                return;
            }
            assertThat(fx.sos.pages().shareProtectedPages()).as("step " + step + ": pages left protected").isZero();
            assertThat(fx.sos.pages().sharedFrames()).as("step " + step).isZero();
            assertThat(fx.sos.pages().pagesShared()).as("step " + step + ": an undone share is not counted").isZero();
            assertThat(fx.sos.pages().peakFramesSaved()).as("step " + step).isZero();
            assertThat(KernelMappings.pageAt(fx.kernel, parent.vspaceCptr(), DATA).rights())
                    .as("step " + step).isEqualTo(VmRights.READ_WRITE);
            long faults = parent.faultsHandled();
            pu.store(DATA, 8, 3);
            assertThat(parent.faultsHandled()).as("step " + step + ": the parent's store faults no more").isEqualTo(faults);
            assertThat(fx.balance()).as("step " + step).isEqualTo(before);
            fx.assertInvariants();
        }
        throw new AssertionError("the fork never completed");
    }

    @Test
    void theIsolationAuditAllowsCopyOnWriteSharingAndNothingElse() throws MemoryFault {
        SosFixture fx = new SosFixture(true);
        UserContext pu = parentOf(fx);
        Process p = pu.process();
        Process c = fx.sos.fork(p).value();
        IsolationAudit.assertIsolated(fx, List.of(p, c));
        fx.context(c).store(DATA, 8, 2);
        IsolationAudit.assertIsolated(fx, List.of(p, c));
        assertThat(IsolationAudit.of(fx, List.of(p, c)).physicalPages(c))
                .as("the stack page is still shared").containsAll(
                        List.of(KernelMappings.pageAt(fx.kernel, p.vspaceCptr(), STACK).frame().paddr()));
        // a shared page given the write right behind SOS's back is a violation
        Process grand = fx.sos.fork(c).value();
        long slot = c.shadow().page(STACK).capCopy();
        assertThat(fx.kernel.rootTask().pageMap(slot, c.vspaceCptr(), STACK,
                org.capbuddy.kernel.api.CapRights.READ_WRITE, org.capbuddy.kernel.api.VmAttributes.DEFAULT
                        | org.capbuddy.kernel.api.VmAttributes.EXECUTE_NEVER).isOk()).isTrue();
        assertThat(IsolationAudit.of(fx, List.of(p, c, grand)).violations())
                .anyMatch(v -> v.contains("may write it"));
    }

    @Test
    void aSharesPageTablesAndCopiesAreCounted() throws MemoryFault {
        SosFixture fx = new SosFixture(true);
        UserContext pu = parentOf(fx);
        long structures = fx.sos.pages().structuresCreated();
        Process c = fx.sos.fork(pu.process()).value();
        assertThat(fx.sos.pages().structuresCreated() - structures).isEqualTo(c.shadow().structureCount());
        assertThat(fx.sos.pages().pagesShared()).isEqualTo(c.shadow().pageCount());
        long faults = c.faultsHandled();
        fx.context(c).store(DATA, 8, 2);
        assertThat(fx.sos.syscalls(c).copyToUser(STACK + 8, new byte[] {1}, 1)).isTrue();
        assertThat(fx.sos.pages().cowCopies()).isEqualTo(2);
        assertThat(fx.sos.pages().cowBreaksForCalls()).as("SOS's write for a call, not a fault").isEqualTo(1);
        assertThat(c.faultsHandled() - faults).as("only the store faulted").isEqualTo(1);
    }

    @Test
    void populateWriteBreaksSharingAsAStoreWould() throws MemoryFault {
        SosFixture fx = new SosFixture(true);
        UserContext pu = fx.context(fx.process());
        long va = pu.sys().mmap(Layout.PAGE).value();
        pu.store(va, 8, 1);
        Process c = fx.sos.fork(pu.process()).value();
        assertThat(fx.context(c).sys().madvise(va, Layout.PAGE, 23 /* MADV_POPULATE_WRITE */).isOk()).isTrue();
        assertThat(fx.sos.pages().isShareProtected(c, va)).isFalse();
        assertThat(fx.sos.pages().shareCount(c.shadow().frameRef(va))).isEqualTo(1);
        assertThat(fx.context(c).load(va, 8)).isEqualTo(1);
    }

    @Test
    void aChosenForkModeStaysChosenWhenThePagingChanges() {
        SosConfig cow = new SosConfig(64).withForkMode(ForkMode.COW).withPaging(64, "fifo");
        assertThat(cow.forkMode()).isEqualTo(ForkMode.COW);
        assertThat(cow.check().isOk()).as("copy-on-write with paging is refused, not silently copied").isFalse();
        SosConfig copy = new SosConfig(64).withPaging(64, "fifo").withForkMode(ForkMode.COPY).withPaging(0, "fifo");
        assertThat(copy.forkMode()).isEqualTo(ForkMode.COPY);
        assertThat(copy.check().isOk()).isTrue();
        assertThat(new SosConfig(64).withPaging(64, "fifo").forkMode()).as("not chosen: follows the paging")
                .isEqualTo(ForkMode.COPY);
        assertThat(new SosConfig(64).withPaging(64, "fifo").withPaging(0, "fifo").forkMode())
                .isEqualTo(ForkMode.COW);
    }
}
