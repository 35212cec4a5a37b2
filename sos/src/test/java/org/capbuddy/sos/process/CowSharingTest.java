package org.capbuddy.sos.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import org.capbuddy.kernel.trace.TraceKind;
import org.capbuddy.kernel.host.FailureInjector;
import org.capbuddy.sos.SosFixture;
import org.capbuddy.sos.Syscalls;
import org.capbuddy.sos.addrspace.Layout;
import org.capbuddy.sos.machine.Balance;
import org.capbuddy.sos.machine.SosConfig;
import org.capbuddy.sos.user.MemoryFault;
import org.capbuddy.sos.user.UserContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Copy-on-write sharing between two processes made by {@code createProcess}: what a share costs
 * (a slot per mapping, no frame), that a store, and SOS's own write for a system call, each get a
 * private copy while the other sharer keeps the old bytes, that the last sharer gets its write
 * right back without a copy, that every other path (munmap, madvise, mprotect, mremap, teardown in
 * either order) keeps the counts and leaves nothing, and that failures change nothing.
 */
class CowSharingTest {
    private static final long DATA = Layout.CODE_BASE + (64 << 10);
    private static final long STACK = Layout.STACK_TOP - Layout.PAGE;

    /** A parent with three written pages (data, data, stack) and an empty child, on {@code fx}. */
    private static Process[] pair(SosFixture fx) throws MemoryFault {
        Process parent = fx.process();
        UserContext ctx = fx.context(parent);
        ctx.store(DATA, 8, 0x1111);
        ctx.store(DATA + Layout.PAGE + 8, 8, 0x2222);
        ctx.store(STACK + 16, 8, 0x3333);
        return new Process[] {parent, fx.process()};
    }

    @Test
    void sharingCostsASlotPerMappingAndNoFrame() throws MemoryFault {
        SosFixture fx = new SosFixture(true);
        Process[] pc = pair(fx);
        Balance before = fx.strictBalance();
        int frames = fx.sos.frameTable().framesInUse();
        long structures = fx.sos.pages().structuresCreated();
        long mapped = fx.sos.pages().framesMapped();
        var shared = fx.sos.pages().share(pc[0], pc[1]);
        assertThat(shared.isOk()).as("%s", shared).isTrue();
        assertThat(shared.value()).isEqualTo(3);
        Balance diff = fx.strictBalance().diff(before);
        assertThat(fx.sos.frameTable().framesInUse()).isEqualTo(frames);
        assertThat(diff.sosFrames()).isZero();
        assertThat(fx.sos.pages().sharedFrames()).isEqualTo(3);
        assertThat(fx.sos.pages().framesSaved()).isEqualTo(3);
        assertThat(fx.sos.pages().structuresCreated() - structures).as("the tables the child's pages needed").isEqualTo(pc[1].shadow().structureCount());
        assertThat(fx.sos.pages().framesMapped()).as("a share maps no new frame").isEqualTo(mapped);
        for (long va : List.of(DATA, DATA + Layout.PAGE, STACK)) {
            int ref = pc[0].shadow().frameRef(va);
            assertThat(pc[1].shadow().frameRef(va)).isEqualTo(ref);
            assertThat(fx.sos.pages().shareCount(ref)).isEqualTo(2);
            assertThat(pc[1].shadow().page(va).capCopy()).as("a cap copy of its own")
                    .isNotEqualTo(pc[0].shadow().page(va).capCopy());
            assertThat(fx.sos.pages().isShareProtected(pc[0], va)).isTrue();
            assertThat(fx.sos.pages().isShareProtected(pc[1], va)).isTrue();
        }
        UserContext child = fx.context(pc[1]);
        assertThat(child.load(DATA, 8)).isEqualTo(0x1111);
        assertThat(child.load(DATA + Layout.PAGE + 8, 8)).isEqualTo(0x2222);
        assertThat(child.load(STACK + 16, 8)).isEqualTo(0x3333);
        assertThat(fx.sos.pages().cowCopies() + fx.sos.pages().cowReuses()).as("reads break nothing").isZero();
        fx.assertInvariants();
    }

    @Test
    void aStoreCopiesWhileOthersShareAndTheLastSharerOnlyGetsWriteBack() throws MemoryFault {
        SosFixture fx = new SosFixture(true);
        Process[] pc = pair(fx);
        assertThat(fx.sos.pages().share(pc[0], pc[1]).isOk()).isTrue();
        int frames = fx.sos.frameTable().framesInUse();
        int old = pc[0].shadow().frameRef(DATA);
        UserContext parent = fx.context(pc[0]);
        UserContext child = fx.context(pc[1]);

        long mapped = fx.sos.pages().framesMapped();
        child.store(DATA + 8, 8, 0xC0FFEE);
        assertThat(fx.sos.pages().cowCopies()).isEqualTo(1);
        assertThat(fx.sos.pages().framesMapped()).as("a copy maps a frame").isEqualTo(mapped + 1);
        assertThat(fx.sos.frameTable().framesInUse()).isEqualTo(frames + 1);
        assertThat(pc[1].shadow().frameRef(DATA)).isNotEqualTo(old);
        assertThat(child.load(DATA, 8)).as("the copy keeps the page's bytes").isEqualTo(0x1111);
        assertThat(child.load(DATA + 8, 8)).isEqualTo(0xC0FFEE);
        assertThat(parent.load(DATA + 8, 8)).as("the parent does not see the child's store").isZero();
        assertThat(fx.sos.pages().shareCount(old)).isEqualTo(1);
        assertThat(fx.sos.pages().isShareProtected(pc[0], DATA)).as("still mapped without write").isTrue();

        parent.store(DATA + 8, 8, 0xBEEF);
        assertThat(fx.sos.pages().cowReuses()).isEqualTo(1);
        assertThat(fx.sos.pages().cowCopies()).isEqualTo(1);
        assertThat(pc[0].shadow().frameRef(DATA)).as("its own frame, no copy").isEqualTo(old);
        assertThat(fx.sos.frameTable().framesInUse()).isEqualTo(frames + 1);
        assertThat(child.load(DATA + 8, 8)).isEqualTo(0xC0FFEE);
        assertThat(fx.sos.pages().isShareProtected(pc[0], DATA)).isFalse();
        assertThat(pc[0].faultsHandled() + pc[1].faultsHandled()).isGreaterThanOrEqualTo(2);
        fx.assertInvariants();
    }

    @Test
    void theFaultsTraceShowsEachBreakAndWhetherItCopied() throws MemoryFault {
        SosFixture fx = new SosFixture(true);
        Process[] pc = pair(fx);
        assertThat(fx.sos.pages().share(pc[0], pc[1]).isOk()).isTrue();
        List<String> events = new ArrayList<>();
        fx.kernel.state().tracer().start(EnumSet.of(TraceKind.FAULTS), -1, event -> events.add(event.text()));
        int old = pc[0].shadow().frameRef(DATA);
        fx.context(pc[1]).store(DATA, 8, 1);
        fx.context(pc[0]).store(DATA, 8, 2);
        assertThat(fx.sos.syscalls(pc[0]).copyToUser(STACK, new byte[] {1}, 1)).isTrue();
        String page = "page=0x" + Long.toHexString(DATA) + " ";
        assertThat(events).anyMatch(e -> e.contains("cow_fault") && e.contains(page) && e.contains("by=store")
                        && e.contains("action=copied") && e.contains("old_frame=" + old + " "))
                .anyMatch(e -> e.contains("cow_fault") && e.contains(page) && e.contains("action=reused")
                        && e.endsWith("frame=" + old))
                .anyMatch(e -> e.contains("cow_fault") && e.contains("by=sos") && e.contains("action=copied"));
        assertThat(events).filteredOn(e -> e.contains("cow_fault")).hasSize(3);
    }

    @Test
    void sosWritingForASystemCallBreaksTheSharingFirst() throws MemoryFault {
        SosFixture fx = new SosFixture(true);
        Process[] pc = pair(fx);
        assertThat(fx.sos.pages().share(pc[0], pc[1]).isOk()).isTrue();
        byte[] bytes = {1, 2, 3, 4, 5, 6, 7, 8};
        // through SOS's window: no MMU, no fault; the one path of SOS's writes must copy first
        assertThat(fx.sos.syscalls(pc[1]).copyToUser(DATA + Layout.PAGE - 4, bytes, 8)).isTrue();
        assertThat(fx.sos.pages().cowCopies()).as("both pages the write spans").isEqualTo(2);
        UserContext parent = fx.context(pc[0]);
        UserContext child = fx.context(pc[1]);
        assertThat(parent.load(DATA + Layout.PAGE - 4, 4)).isZero();
        assertThat(parent.load(DATA + Layout.PAGE, 4)).isZero();
        assertThat(child.load(DATA + Layout.PAGE - 4, 4)).isEqualTo(0x04030201L);
        assertThat(child.load(DATA + Layout.PAGE, 4)).isEqualTo(0x08070605L);
        assertThat(child.load(DATA + Layout.PAGE + 8, 8)).isEqualTo(0x2222);
        fx.assertInvariants();
    }

    @ParameterizedTest(name = "parent first: {0}")
    @ValueSource(booleans = {true, false})
    void teardownInEitherOrderFreesEachFrameOnceWithItsLastSharer(boolean parentFirst) throws MemoryFault {
        SosFixture fx = new SosFixture(true);
        Balance idle = fx.balance();
        Process[] pc = pair(fx);
        assertThat(fx.sos.pages().share(pc[0], pc[1]).isOk()).isTrue();
        fx.context(pc[1]).store(STACK, 8, 9);
        Process first = parentFirst ? pc[0] : pc[1];
        Process second = parentFirst ? pc[1] : pc[0];
        assertThat(fx.sos.destroy(first).isOk()).isTrue();
        assertThat(fx.sos.pages().sharedFrames()).isZero();
        UserContext left = fx.context(second);
        assertThat(left.load(DATA, 8)).isEqualTo(0x1111);
        assertThat(left.load(DATA + Layout.PAGE + 8, 8)).isEqualTo(0x2222);
        assertThat(left.load(STACK, 8)).isEqualTo(parentFirst ? 9 : 0);
        left.store(DATA, 8, 7);
        assertThat(fx.sos.pages().cowReuses()).isEqualTo(1);
        fx.assertInvariants();
        assertThat(fx.sos.destroy(second).isOk()).isTrue();
        assertThat(fx.sos.pages().shareProtectedPages()).isZero();
        assertThat(fx.balance()).isEqualTo(idle);
        fx.assertInvariants();
    }

    @Test
    void munmapAndMadviseDropOneMappingAndTheOtherKeepsItsBytes() throws MemoryFault {
        SosFixture fx = new SosFixture(true);
        Process a = fx.process();
        UserContext actx = fx.context(a);
        long va = actx.sys().mmap(2 * Layout.PAGE).value();
        actx.store(va, 8, 0xAA);
        actx.store(va + Layout.PAGE, 8, 0xBB);
        Process b = fx.process();
        UserContext bctx = fx.context(b);
        assertThat(bctx.sys().mmap(2 * Layout.PAGE).value()).isEqualTo(va);
        assertThat(fx.sos.pages().share(a, b).isOk()).isTrue();
        int frames = fx.sos.frameTable().framesInUse();
        assertThat(actx.sys().munmap(va, Layout.PAGE).isOk()).isTrue();
        assertThat(bctx.sys().madvise(va + Layout.PAGE, Layout.PAGE, 4 /* MADV_DONTNEED */).isOk()).isTrue();
        assertThat(fx.sos.frameTable().framesInUse()).as("each frame still mapped once").isEqualTo(frames);
        assertThat(fx.sos.pages().sharedFrames()).isZero();
        assertThat(bctx.load(va, 8)).isEqualTo(0xAA);
        assertThat(bctx.load(va + Layout.PAGE, 8)).as("DONTNEED: a fresh zero page").isZero();
        assertThat(actx.load(va + Layout.PAGE, 8)).isEqualTo(0xBB);
        bctx.store(va, 8, 1);
        actx.store(va + Layout.PAGE, 8, 2);
        assertThat(fx.sos.pages().cowReuses()).isEqualTo(2);
        assertThat(fx.sos.pages().cowCopies()).isZero();
        fx.assertInvariants();
    }

    @Test
    void populateWriteGivesASharedPageItsOwnFrameAndPopulateReadDoesNot() throws MemoryFault {
        SosFixture fx = new SosFixture(true);
        Process[] pc = pair(fx);
        assertThat(fx.sos.pages().share(pc[0], pc[1]).isOk()).isTrue();
        Syscalls sys = fx.sos.syscalls(pc[1]);
        assertThat(sys.madvise(DATA, 2 * Layout.PAGE, 22 /* MADV_POPULATE_READ */).isOk()).isTrue();
        assertThat(fx.sos.pages().cowCopies()).isZero();
        assertThat(sys.madvise(DATA, 2 * Layout.PAGE, 23 /* MADV_POPULATE_WRITE */).isOk()).isTrue();
        assertThat(fx.sos.pages().cowCopies()).isEqualTo(2);
        assertThat(fx.sos.pages().isShareProtected(pc[1], DATA)).isFalse();
        assertThat(fx.context(pc[1]).load(DATA, 8)).isEqualTo(0x1111);
        fx.context(pc[0]).store(DATA, 8, 1);
        assertThat(fx.sos.pages().cowReuses()).as("the parent was left the last sharer").isEqualTo(1);
        assertThat(fx.context(pc[1]).load(DATA, 8)).isEqualTo(0x1111);
        fx.assertInvariants();
    }

    @Test
    void mprotectKeepsASharedPageWithoutWriteAndMremapMovesItsProtection() throws MemoryFault {
        SosFixture fx = new SosFixture(true);
        Process a = fx.process();
        UserContext actx = fx.context(a);
        long va = actx.sys().mmap(Layout.PAGE).value();
        actx.store(va, 8, 0xAA);
        Process b = fx.process();
        UserContext bctx = fx.context(b);
        bctx.sys().mmap(Layout.PAGE);
        assertThat(fx.sos.pages().share(a, b).isOk()).isTrue();
        Syscalls bsys = bctx.sys();
        assertThat(bsys.mprotect(va, Layout.PAGE, Syscalls.PROT_READ).isOk()).isTrue();
        assertThat(bsys.mprotect(va, Layout.PAGE, Syscalls.PROT_READ | Syscalls.PROT_WRITE).isOk()).isTrue();
        assertThat(fx.sos.pages().isShareProtected(b, va)).isTrue();
        var moved = bsys.mremap(va, Layout.PAGE, 2 * Layout.PAGE, Syscalls.MREMAP_MAYMOVE, 0);
        assertThat(moved.isOk()).as("%s", moved).isTrue();
        long to = moved.value();
        assertThat(fx.sos.pages().isShareProtected(b, to)).isTrue();
        assertThat(fx.sos.pages().shareCount(a.shadow().frameRef(va))).isEqualTo(2);
        bctx.store(to, 8, 0xBB);
        assertThat(fx.sos.pages().cowCopies()).isEqualTo(1);
        assertThat(actx.load(va, 8)).isEqualTo(0xAA);
        assertThat(bctx.load(to, 8)).isEqualTo(0xBB);
        fx.assertInvariants();
    }

    @Test
    void aStoreToASharedPageOfAReadOnlyRegionIsStillRefused() throws MemoryFault {
        SosFixture fx = new SosFixture(true);
        Process a = fx.process();
        UserContext actx = fx.context(a);
        long code = Layout.CODE_BASE;
        actx.load(code, 8);
        Process b = fx.process();
        assertThat(fx.sos.pages().share(a, b).isOk()).isTrue();
        UserContext bctx = fx.context(b);
        assertThatThrownBy(() -> bctx.store(code, 8, 1)).isInstanceOf(MemoryFault.class);
        assertThat(b.state()).isEqualTo(ProcessState.KILLED);
        assertThat(fx.sos.pages().cowCopies() + fx.sos.pages().cowReuses()).isZero();
        assertThat(actx.load(code, 8)).isZero();
    }

    @Test
    void sharingIsRefusedChangingNothing() throws MemoryFault {
        SosFixture fx = new SosFixture(true);
        Process[] pc = pair(fx);
        fx.context(pc[1]).store(STACK, 8, 1);
        Balance before = fx.strictBalance();
        assertThat(fx.sos.pages().share(pc[0], pc[1]).error().detail()).contains("mapped already");
        assertThat(fx.sos.pages().share(pc[0], pc[0]).isOk()).isFalse();
        assertThat(fx.sos.pages().share(null, pc[0]).isOk()).isFalse();
        Process other = fx.sos.createProcess(64 << 10, 4 << 10).value();
        assertThat(fx.sos.pages().share(pc[0], other).error().detail()).contains("no region like");
        assertThat(fx.strictBalance().diff(before).processes()).isEqualTo(1);
        assertThat(fx.sos.pages().sharedFrames()).isZero();
        assertThat(fx.sos.pages().shareProtectedPages()).isZero();

        SosFixture paged = new SosFixture(true, new SosConfig(64).withPaging(64, "fifo"));
        Process p = paged.process();
        Process q = paged.process();
        assertThat(paged.sos.pages().share(p, q).error().detail()).contains("without paging");
    }

    /**
     * Every allocation of a share failed in turn (the kernel's, then allocman's): nothing shared,
     * nothing kept; a failure allocman's reserves absorbed is a success; at last one with none.
     */
    @ParameterizedTest(name = "pool: {0}")
    @ValueSource(booleans = {true, false})
    void aShareFailedAtEveryAllocationUndoesEveryShare(boolean usePool) throws MemoryFault {
        for (int which = 0; which < 2; which++) {
            for (int step = 1; ; step++) {
                assertThat(step).isLessThan(500);
                SosFixture fx = new SosFixture(usePool);
                Process[] pc = pair(fx);
                // a page far from the others, so the child needs tables of its own for it
                fx.context(pc[0]).store(Layout.IPC_BUFFER + 8, 8, 1);
                Balance before = fx.strictBalance();
                FailureInjector inj = which == 0 ? fx.kernel.failureInjector() : fx.booted.allocman().failures();
                inj.failNth(step);
                var r = fx.sos.pages().share(pc[0], pc[1]);
                boolean injected = !inj.armed();
                inj.disarm();
                if (r.isOk()) {
                    checkShared(fx, pc);
                    if (!injected) {
                        break;
                    }
                    continue;
                }
                assertThat(injected).isTrue();
                assertThat(fx.strictBalance()).as("step %d: %s", step, r).isEqualTo(before);
                assertThat(pc[1].shadow().pageCount()).isZero();
                assertThat(pc[1].shadow().structureCount()).isZero();
                assertThat(fx.sos.pages().sharedFrames()).isZero();
                assertThat(fx.sos.pages().shareProtectedPages()).isZero();
                fx.context(pc[0]).store(DATA, 8, 0x1111); // writable again without a copy-on-write fault
                assertThat(fx.sos.pages().cowReuses()).isZero();
                fx.assertInvariants();
            }
        }
    }

    /**
     * Every kernel invocation and allocman request of a copy-on-write copy (the frame, the window
     * table it may need, the old copy's delete, the new copy, its mapping) interrupted in turn by
     * a throwable: it reaches the writer, the machine is not broken, and the writer, its sharer and
     * the allocators are exactly as before; the store then succeeds.
     */
    @ParameterizedTest(name = "pool: {0}")
    @ValueSource(booleans = {true, false})
    void aCopyInterruptedAtEveryStepLosesNothing(boolean usePool) throws MemoryFault {
        for (int which = 0; which < 2; which++) {
            int interrupted = 0;
            for (int step = 1; ; step++) {
                assertThat(step).isLessThan(500);
                SosFixture fx = new SosFixture(usePool);
                Process[] pc = pair(fx);
                assertThat(fx.sos.pages().share(pc[0], pc[1]).isOk()).isTrue();
                int old = pc[1].shadow().frameRef(DATA);
                Balance before = fx.strictBalance();
                var inj = which == 0 ? fx.kernel.interruptions() : fx.booted.allocman().interruptions();
                long fired = inj.fired();
                Throwable[] injected = new Throwable[1];
                inj.interruptNth(step, () -> injected[0] = new IllegalStateException("injected"));
                Throwable caught = null;
                try {
                    fx.context(pc[1]).store(DATA, 8, 5);
                } catch (Throwable t) {
                    caught = t;
                }
                inj.disarm();
                String at = "step " + step + ": " + caught;
                assertThat(fx.kernel.guard().isBroken()).as("%s: %s", at, fx.kernel.guard().brokenBecause()).isFalse();
                if (inj.fired() == fired) {
                    assertThat(caught).as(at).isNull();
                    assertThat(fx.context(pc[1]).load(DATA, 8)).isEqualTo(5);
                    assertThat(interrupted > 0 || usePool).as("%s: a copy has steps to interrupt", at).isTrue();
                    break;
                }
                interrupted++;
                assertThat(caught).as(at).isSameAs(injected[0]);
                assertThat(pc[1].state()).as(at).isEqualTo(ProcessState.RUNNING);
                assertThat(pc[1].shadow().frameRef(DATA)).as(at).isEqualTo(old);
                assertThat(fx.sos.pages().shareCount(old)).as(at).isEqualTo(2);
                assertThat(fx.sos.pages().isShareProtected(pc[1], DATA)).as(at).isTrue();
                assertThat(fx.strictBalance()).as(at).isEqualTo(before);
                fx.assertInvariants();
                // the writer's thread stays blocked on its fault; its sharer goes on and gets its own copy
                fx.context(pc[0]).store(DATA, 8, 7);
                assertThat(fx.sos.pages().peek(pc[1], DATA, 8)).as(at).hasValue(0x1111);
                assertThat(fx.context(pc[0]).load(DATA, 8)).as(at).isEqualTo(7);
                assertThat(fx.sos.destroy(pc[1]).isOk()).isTrue();
                assertThat(fx.sos.destroy(pc[0]).isOk()).isTrue();
                fx.assertInvariants();
            }
        }
    }

    @Test
    void aFullFrameTableKillsTheWriterAndTheLastSharerStillWritesWithoutAFrame() throws MemoryFault {
        SosFixture probe = new SosFixture(true);
        Process[] measured = pair(probe);
        assertThat(probe.sos.pages().share(measured[0], measured[1]).isOk()).isTrue();
        int full = probe.sos.frameTable().framesInUse();

        SosFixture fx = new SosFixture(true, new SosConfig(full));
        Process[] pc = pair(fx);
        assertThat(fx.sos.pages().share(pc[0], pc[1]).isOk()).isTrue();
        assertThat(fx.sos.frameTable().framesInUse()).isEqualTo(full);
        Balance before = fx.strictBalance();
        assertThatThrownBy(() -> fx.context(pc[1]).store(DATA, 8, 5)).isInstanceOf(MemoryFault.class);
        assertThat(pc[1].killReport().toString()).contains("out of memory for a copy-on-write copy");
        assertThat(fx.strictBalance()).isEqualTo(before);
        assertThat(fx.sos.destroy(pc[1]).isOk()).isTrue();
        fx.context(pc[0]).store(DATA, 8, 6); // the last sharer: its own frame again, no frame needed
        assertThat(fx.sos.pages().cowReuses()).isEqualTo(1);
        assertThat(fx.context(pc[0]).load(DATA, 8)).isEqualTo(6);
        fx.assertInvariants();
    }

    private static void checkShared(SosFixture fx, Process[] pc) throws MemoryFault {
        UserContext child = fx.context(pc[1]);
        assertThat(child.load(DATA, 8)).isEqualTo(0x1111);
        assertThat(child.load(Layout.IPC_BUFFER + 8, 8)).isEqualTo(1);
        assertThat(fx.sos.pages().sharedFrames()).isEqualTo(pc[0].shadow().pageCount());
    }

    /**
     * Every allocation of a copy-on-write copy failed in turn: the store's process is killed for
     * want of memory, and the frames, slots and the other sharer are exactly as before.
     */
    @ParameterizedTest(name = "pool: {0}")
    @ValueSource(booleans = {true, false})
    void aCopyFailedAtEveryAllocationKillsOnlyTheWriterAndChangesNothing(boolean usePool) throws MemoryFault {
        int kills = 0;
        for (int step = 1; step < 500; step++) {
            for (int which = 0; which < 2; which++) {
                SosFixture fx = new SosFixture(usePool);
                Process[] pc = pair(fx);
                assertThat(fx.sos.pages().share(pc[0], pc[1]).isOk()).isTrue();
                Balance before = fx.strictBalance();
                FailureInjector inj = which == 0 ? fx.kernel.failureInjector() : fx.booted.allocman().failures();
                inj.failNth(step);
                MemoryFault fault = null;
                try {
                    fx.context(pc[1]).store(DATA, 8, 5);
                } catch (MemoryFault f) {
                    fault = f;
                }
                boolean injected = !inj.armed();
                inj.disarm();
                if (fault == null) {
                    assertThat(fx.context(pc[1]).load(DATA, 8)).isEqualTo(5);
                    assertThat(fx.context(pc[0]).load(DATA, 8)).isEqualTo(0x1111);
                    if (!injected && which == 1) {
                        // with the pool a frame comes from a tree already made: nothing to fail
                        assertThat(kills > 0 || usePool).as("copies failed and killed their writer").isTrue();
                        return;
                    }
                    continue;
                }
                assertThat(injected).isTrue();
                kills++;
                assertThat(pc[1].state()).isEqualTo(ProcessState.KILLED);
                assertThat(pc[1].killReport().toString()).contains("copy-on-write");
                assertThat(fx.strictBalance()).as("step %d", step).isEqualTo(before);
                assertThat(fx.sos.pages().shareCount(pc[0].shadow().frameRef(DATA))).isEqualTo(2);
                assertThat(fx.context(pc[0]).load(DATA, 8)).isEqualTo(0x1111);
                fx.context(pc[0]).store(DATA, 8, 6); // the parent's own copy
                assertThat(fx.sos.pages().cowCopies()).isEqualTo(1);
                fx.assertInvariants();
                Balance idle = fx.balance();
                assertThat(fx.sos.destroy(pc[1]).isOk()).isTrue();
                assertThat(fx.sos.destroy(pc[0]).isOk()).isTrue();
                assertThat(fx.sos.pages().sharedFrames()).isZero();
                fx.assertInvariants();
                assertThat(fx.balance().processes()).isEqualTo(idle.processes() - 2);
            }
        }
        throw new AssertionError("the copy never succeeded");
    }
}
