package org.capbuddy.sos.process;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.capbuddy.kernel.api.CapRights;
import org.capbuddy.kernel.api.VmAttributes;
import org.capbuddy.kernel.host.FailureInjector;
import org.capbuddy.libos.vka.CapOps;
import org.capbuddy.sos.Errno;
import org.capbuddy.sos.SosFixture;
import org.capbuddy.sos.SysResult;
import org.capbuddy.sos.Syscalls;
import org.capbuddy.sos.addrspace.Layout;
import org.capbuddy.sos.addrspace.Region;
import org.capbuddy.sos.isolation.IsolationAudit;
import org.capbuddy.sos.machine.Balance;
import org.capbuddy.sos.machine.SosConfig;
import org.capbuddy.sos.user.MemoryFault;
import org.capbuddy.sos.user.UserContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * MAP_SHARED anonymous memory across a fork, under both fork modes: parent and child write the
 * same frames, a page first touched after the fork by either gives both the same frame,
 * MADV_DONTNEED keeps the shared bytes, munmap or teardown of one sharer leaves the other's, the
 * frames go back only when the last process lets go of the object, the isolation audit accepts
 * exactly this sharing, and a failed mapping changes nothing.
 */
class SharedMemoryForkTest {
    private static final int SHARED_ANON = Syscalls.MAP_SHARED | Syscalls.MAP_ANONYMOUS;
    private static final int RW = Syscalls.PROT_READ | Syscalls.PROT_WRITE;

    private static SosFixture fixture(ForkMode mode) {
        return new SosFixture(true, new SosConfig(1 << 18).withForkMode(mode));
    }

    /** A shared mapping of {@code pages} pages made by {@code ctx}'s process. */
    private static long sharedMapping(UserContext ctx, int pages) {
        SysResult va = ctx.sys().mmap(0, pages * Layout.PAGE, RW, SHARED_ANON, -1, 0);
        assertThat(va.isOk()).as("%s", va).isTrue();
        return va.value();
    }

    @ParameterizedTest
    @EnumSource(ForkMode.class)
    void parentAndChildSeeEachOthersWritesAndLateFirstTouchesGiveOneFrame(ForkMode mode) throws MemoryFault {
        SosFixture fx = fixture(mode);
        Balance before = fx.balance();
        UserContext parent = fx.context(fx.process());
        long va = sharedMapping(parent, 3);
        long priv = parent.sys().mmap(Layout.PAGE).value();
        parent.store(va, 8, 1);
        parent.store(priv, 8, 1);
        Process p = parent.process();
        Process c = fx.sos.fork(p).value();
        UserContext child = fx.context(c);
        assertThat(child.load(va, 8)).isEqualTo(1);
        assertThat(c.shadow().frameRef(va)).as("the object's frame, not a copy or a share").isEqualTo(
                p.shadow().frameRef(va));
        child.store(va, 8, 2);
        child.store(priv, 8, 99);
        assertThat(parent.load(va, 8)).as("the child's store reaches the parent").isEqualTo(2);
        assertThat(parent.load(priv, 8)).as("a private page stays private").isEqualTo(1);
        parent.store(va + 8, 8, 3);
        assertThat(child.load(va + 8, 8)).isEqualTo(3);
        // untouched at the fork: the child first, then the parent, and the other way round
        child.store(va + Layout.PAGE, 8, 4);
        assertThat(parent.load(va + Layout.PAGE, 8)).isEqualTo(4);
        parent.store(va + 2 * Layout.PAGE, 8, 5);
        assertThat(child.load(va + 2 * Layout.PAGE, 8)).isEqualTo(5);
        for (long page = va; page < va + 3 * Layout.PAGE; page += Layout.PAGE) {
            int ref = p.shadow().frameRef(page);
            assertThat(c.shadow().frameRef(page)).isEqualTo(ref);
            assertThat(fx.sos.pages().shareCount(ref)).isEqualTo(2);
            assertThat(fx.sos.pages().isShareProtected(p, page)).isFalse();
            assertThat(fx.sos.pages().isShareProtected(c, page)).isFalse();
        }
        assertThat(fx.sos.pages().sharedFramesHeld()).isEqualTo(3);
        IsolationAudit.assertIsolated(fx, List.of(p, c));
        fx.assertInvariants();
        assertThat(fx.sos.destroy(p).isOk()).isTrue();
        assertThat(child.load(va + 8, 8)).as("the parent's teardown leaves the child's").isEqualTo(3);
        assertThat(fx.sos.pages().liveSharedObjects()).isEqualTo(1);
        IsolationAudit.assertIsolated(fx, List.of(c));
        assertThat(fx.sos.destroy(c).isOk()).isTrue();
        assertThat(fx.sos.pages().liveSharedObjects()).isZero();
        assertThat(fx.sos.pages().sharedFramesHeld()).isZero();
        assertThat(fx.balance()).isEqualTo(before);
        fx.assertInvariants();
    }

    @Test
    void dontNeedKeepsTheSharedBytesAndAFrameNoOneMaps() throws MemoryFault {
        SosFixture fx = fixture(ForkMode.COW);
        UserContext parent = fx.context(fx.process());
        long va = sharedMapping(parent, 2);
        parent.store(va, 8, 0x5151);
        Process p = parent.process();
        Process c = fx.sos.fork(p).value();
        UserContext child = fx.context(c);
        assertThat(child.load(va, 8)).isEqualTo(0x5151);
        int ref = p.shadow().frameRef(va);
        int frames = fx.sos.frameTable().framesInUse();
        assertThat(child.sys().madvise(va, 2 * Layout.PAGE, 4 /* MADV_DONTNEED */).isOk()).isTrue();
        assertThat(parent.sys().madvise(va, 2 * Layout.PAGE, 4).isOk()).isTrue();
        assertThat(p.shadow().frameRef(va)).as("unmapped in the parent").isZero();
        assertThat(c.shadow().frameRef(va)).as("and in the child").isZero();
        assertThat(fx.sos.frameTable().framesInUse()).as("the object keeps its frame").isEqualTo(frames);
        assertThat(fx.sos.pages().shareCount(ref)).isZero();
        IsolationAudit.assertIsolated(fx, List.of(p, c));
        // a peek and a word read (a watch, a backtrace) of the page it dropped read the object's frame,
        // mapping nothing
        assertThat(fx.sos.pages().peek(c, va, 8)).hasValue(0x5151);
        assertThat(fx.sos.pages().readWord(p, va)).isEqualTo(0x5151);
        assertThat(fx.sos.pages().peek(c, va + Layout.PAGE, 8)).as("a page never touched").isEmpty();
        assertThat(c.shadow().frameRef(va)).isZero();
        // SOS's own read for a call (write(2) of the page) sees the bytes too
        byte[] word = fx.sos.syscalls(c).copyFromUser(va, 8);
        assertThat(word).isNotNull();
        assertThat(word[0] & 0xFF).isEqualTo(0x51);
        assertThat(child.load(va, 8)).as("a refault maps the same frame").isEqualTo(0x5151);
        assertThat(c.shadow().frameRef(va)).isEqualTo(ref);
        // MADV_FREE and MADV_WIPEONFORK take private anonymous memory only, as Linux's
        assertThat(parent.sys().madvise(va, Layout.PAGE, 8 /* MADV_FREE */).errno()).isEqualTo(Errno.EINVAL);
        assertThat(parent.sys().madvise(va, Layout.PAGE, 18 /* MADV_WIPEONFORK */).errno()).isEqualTo(Errno.EINVAL);
        IsolationAudit.assertIsolated(fx, List.of(p, c));
    }

    @Test
    void munmapInOneLeavesTheOtherAndTheLastFreesTheFrames() throws MemoryFault {
        SosFixture fx = fixture(ForkMode.COW);
        UserContext parent = fx.context(fx.process());
        long va = sharedMapping(parent, 4);
        parent.store(va, 8, 7);
        Process p = parent.process();
        Process c = fx.sos.fork(p).value();
        UserContext child = fx.context(c);
        child.store(va + Layout.PAGE, 8, 8);
        int frames = fx.sos.frameTable().framesInUse();
        assertThat(child.sys().munmap(va, 4 * Layout.PAGE).isOk()).isTrue();
        assertThat(fx.sos.frameTable().framesInUse()).as("the parent still names the object").isEqualTo(frames);
        assertThat(parent.load(va + Layout.PAGE, 8)).isEqualTo(8);
        parent.store(va, 8, 9);
        assertThat(fx.sos.pages().liveSharedObjects()).isEqualTo(1);
        assertThat(fx.sos.pages().sharedUsers(p.addressSpace().find(va).shared())).containsExactly(p);
        IsolationAudit.assertIsolated(fx, List.of(p, c));
        // a part unmapped: the object lives while any piece of it is named
        assertThat(parent.sys().munmap(va, Layout.PAGE).isOk()).isTrue();
        assertThat(fx.sos.pages().liveSharedObjects()).isEqualTo(1);
        assertThat(parent.load(va + Layout.PAGE, 8)).isEqualTo(8);
        assertThat(parent.sys().munmap(va + Layout.PAGE, 3 * Layout.PAGE).isOk()).isTrue();
        assertThat(fx.sos.pages().liveSharedObjects()).isZero();
        assertThat(fx.sos.frameTable().framesInUse()).as("both object frames freed").isEqualTo(frames - 2);
        IsolationAudit.assertIsolated(fx, List.of(p, c));
        fx.assertInvariants();
    }

    /** Found by the differential test: one munmap over two pieces of an object, both with pages mapped. */
    @Test
    void oneMunmapOverTwoPiecesFreesTheFramesOnlyOnceBothAreUnmapped() throws MemoryFault {
        SosFixture fx = fixture(ForkMode.COW);
        Balance before = fx.balance();
        UserContext ctx = fx.context(fx.process());
        long va = sharedMapping(ctx, 3);
        ctx.store(va, 8, 1);
        ctx.store(va + 2 * Layout.PAGE, 8, 3);
        assertThat(ctx.sys().munmap(va + Layout.PAGE, Layout.PAGE).isOk()).isTrue();
        assertThat(ctx.sys().munmap(va, 3 * Layout.PAGE).isOk()).isTrue();
        assertThat(fx.sos.pages().liveSharedObjects()).isZero();
        IsolationAudit.assertIsolated(fx, List.of(ctx.process()));
        assertThat(fx.sos.destroy(ctx.process()).isOk()).isTrue();
        assertThat(fx.balance()).isEqualTo(before);
    }

    @Test
    void mprotectAndMapFixedKeepOrDropTheObjectAsTheRegionsSay() throws MemoryFault {
        SosFixture fx = fixture(ForkMode.COW);
        UserContext parent = fx.context(fx.process());
        long va = sharedMapping(parent, 2);
        parent.store(va + Layout.PAGE, 8, 6);
        Process p = parent.process();
        Process c = fx.sos.fork(p).value();
        UserContext child = fx.context(c);
        assertThat(child.sys().mprotect(va + Layout.PAGE, Layout.PAGE, Syscalls.PROT_READ).isOk()).isTrue();
        Region piece = c.addressSpace().find(va + Layout.PAGE);
        assertThat(piece.shared()).as("a piece keeps its object").isSameAs(p.addressSpace().find(va).shared());
        assertThat(child.load(va + Layout.PAGE, 8)).isEqualTo(6);
        parent.store(va + Layout.PAGE, 8, 16);
        assertThat(child.load(va + Layout.PAGE, 8)).isEqualTo(16);
        IsolationAudit.assertIsolated(fx, List.of(p, c));
        // a private MAP_FIXED over the child's piece: that page is the child's own from then on
        assertThat(child.sys().mmap(va + Layout.PAGE, Layout.PAGE, RW, Syscalls.MAP_PRIVATE
                | Syscalls.MAP_ANONYMOUS | Syscalls.MAP_FIXED, -1, 0).isOk()).isTrue();
        assertThat(child.load(va + Layout.PAGE, 8)).isZero();
        child.store(va + Layout.PAGE, 8, 1);
        assertThat(parent.load(va + Layout.PAGE, 8)).isEqualTo(16);
        assertThat(child.sys().mremap(va, Layout.PAGE, 2 * Layout.PAGE, Syscalls.MREMAP_MAYMOVE, 0).errno())
                .as("a shared mapping does not move in SOS").isEqualTo(Errno.EFAULT);
        IsolationAudit.assertIsolated(fx, List.of(p, c));
        fx.assertInvariants();
    }

    @Test
    void theAuditRefusesAnObjectFrameMappedWhereNoRegionNamesIt() throws Exception {
        SosFixture fx = fixture(ForkMode.COW);
        UserContext parent = fx.context(fx.process());
        long va = sharedMapping(parent, 1);
        long priv = parent.sys().mmap(2 * Layout.PAGE).value();
        parent.store(va, 8, 1);
        parent.store(priv, 8, 1);
        Process p = parent.process();
        Process c = fx.sos.fork(p).value();
        IsolationAudit.assertIsolated(fx, List.of(p, c));
        // behind SOS's back: the object's frame mapped in the child's private page
        long slot = fx.vka.cspaceAllocSlot();
        assertThat(CapOps.copy(fx.vka, slot, fx.sos.frameTable().frameCap(p.shadow().frameRef(va)),
                CapRights.READ_WRITE).isOk()).isTrue();
        fx.context(c).load(priv, 8); // the child's tables for the private pages
        assertThat(fx.kernel.rootTask().pageMap(slot, c.vspaceCptr(), priv + Layout.PAGE, CapRights.READ_WRITE,
                VmAttributes.DEFAULT | VmAttributes.EXECUTE_NEVER).isOk()).isTrue();
        assertThat(IsolationAudit.of(fx, List.of(p, c)).violations()).anyMatch(v -> v.contains("not naming it"));
    }

    @Test
    void aSharedPageMappingFailedAtEveryAllocationChangesNothing() throws MemoryFault {
        for (int which = 0; which < 2; which++) {
            for (int step = 1; ; step++) {
                assertThat(step).isLessThan(200);
                SosFixture fx = fixture(ForkMode.COW);
                UserContext parent = fx.context(fx.process());
                long va = sharedMapping(parent, 2);
                parent.store(va, 8, 3);
                Process c = fx.sos.fork(parent.process()).value();
                Region region = c.addressSpace().find(va);
                Balance before = fx.strictBalance();
                FailureInjector inj = which == 0 ? fx.kernel.failureInjector() : fx.booted.allocman().failures();
                inj.failNth(step);
                // a page the object holds, then one it does not have yet
                var held = fx.sos.pages().map(c, va, region);
                var fresh = held.isOk() ? fx.sos.pages().map(c, va + Layout.PAGE, region) : held;
                boolean injected = !inj.armed();
                inj.disarm();
                if (!injected) {
                    assertThat(held.isOk() && fresh.isOk()).isTrue();
                    break;
                }
                if (held.isOk() && fresh.isOk()) {
                    continue;
                }
                if (!held.isOk()) {
                    assertThat(fx.strictBalance()).as("step %d: %s", step, held).isEqualTo(before);
                    assertThat(c.shadow().frameRef(va)).isZero();
                } else {
                    assertThat(region.shared().frame(va + Layout.PAGE)).as("step %d", step).isZero();
                    assertThat(c.shadow().frameRef(va + Layout.PAGE)).isZero();
                }
                assertThat(fx.context(c).load(va, 8)).isEqualTo(3);
                IsolationAudit.assertIsolated(fx, List.of(parent.process(), c));
                fx.assertInvariants();
            }
        }
    }

    @Test
    void aSharedObjectRefusesABadPlaceOrSizeAndCountsPagesFromItsOrigin() {
        assertThat(org.capbuddy.sos.addrspace.SharedMemory.of(1, Layout.MMAP_BASE + 1, 1).isOk()).isFalse();
        assertThat(org.capbuddy.sos.addrspace.SharedMemory.of(1, Layout.MMAP_BASE, 0).isOk()).isFalse();
        assertThat(org.capbuddy.sos.addrspace.SharedMemory.of(1, Layout.USER_TOP - Layout.PAGE, 2).isOk()).isFalse();
        var object = org.capbuddy.sos.addrspace.SharedMemory.of(1, Layout.MMAP_BASE, 2).value();
        assertThat(object.index(Layout.MMAP_BASE + Layout.PAGE + 8)).isEqualTo(1);
        assertThat(object.index(Layout.MMAP_BASE + 2 * Layout.PAGE)).as("past its end").isEqualTo(-1);
        assertThat(object.hold(Layout.MMAP_BASE, 7)).isTrue();
        assertThat(object.hold(Layout.MMAP_BASE, 8)).as("a page holds one frame").isFalse();
        assertThat(object.frame(Layout.MMAP_BASE + 8)).isEqualTo(7);
        assertThat(object.frame(Layout.MMAP_BASE + Layout.PAGE)).isZero();
    }

    @Test
    void pagingRefusesSharedMappingsAndChangesNothing() {
        SosFixture fx = new SosFixture(true, new SosConfig(1 << 18).withPaging(64, "fifo"));
        UserContext ctx = fx.context(fx.process());
        int regions = ctx.process().addressSpace().regions().size();
        SysResult r = ctx.sys().mmap(0, Layout.PAGE, RW, SHARED_ANON, -1, 0);
        assertThat(r.errno()).isEqualTo(Errno.ENODEV);
        assertThat(ctx.process().addressSpace().regions()).hasSize(regions);
        assertThat(ctx.sys().mmap(0, Layout.PAGE, RW, Syscalls.MAP_PRIVATE | Syscalls.MAP_ANONYMOUS, -1, 0).isOk())
                .isTrue();
    }
}
