package org.capbuddy.sos.linux;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.capbuddy.kernel.host.FailureInjector;
import org.capbuddy.sos.SosFixture;
import org.capbuddy.sos.Syscalls;
import org.capbuddy.sos.addrspace.Layout;
import org.capbuddy.sos.addrspace.Region;
import org.capbuddy.sos.process.Process;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * mremap as Linux answers it (programs/src/student_pages.c runs the cases qemu-aarch64 answers
 * alike): a mapping grows in place when the pages after it are free, else moves with
 * MREMAP_MAYMOVE, its frames going with it (no copy, no fault, no frame taken or freed), to a
 * place of SOS's choosing or a fixed one; shrinking unmaps the tail; MREMAP_DONTUNMAP leaves the
 * old range mapped and empty; every refusal changes nothing, and a move that runs out of memory
 * leaves every page where it was.
 */
class MremapCallTest {
    private static final long PAGE = Layout.PAGE;
    private static final int EFAULT = -14;
    private static final int EINVAL = -22;
    private static final int ENOMEM = -12;
    private static final int RW = Syscalls.PROT_READ | Syscalls.PROT_WRITE;
    private static final int ANON = Syscalls.MAP_PRIVATE | Syscalls.MAP_ANONYMOUS;
    private static final int MAYMOVE = Syscalls.MREMAP_MAYMOVE;
    private static final int FIXED = Syscalls.MREMAP_FIXED;
    private static final int DONTUNMAP = Syscalls.MREMAP_DONTUNMAP;

    private SosFixture fx;
    private Process p;
    private long code;

    @BeforeEach
    void setUp() {
        start(true);
    }

    private void start(boolean usePool) {
        fx = new SosFixture(usePool);
        p = fx.process();
        code = fx.codePage(p);
    }

    private long call(LinuxSyscall call, long... args) {
        return fx.linuxCall(p, code, call.number(), args);
    }

    private long mremap(long addr, long oldLength, long newLength, long flags, long newAddr) {
        return call(LinuxSyscall.MREMAP, addr, oldLength, newLength, flags, newAddr);
    }

    private long mmap(long pages) {
        long at = call(LinuxSyscall.MMAP, 0, pages * PAGE, RW, ANON, -1, 0);
        assertThat(at).isPositive();
        return at;
    }

    /** Writes a byte naming page {@code i} into each of {@code pages} pages at {@code at}. */
    private void fill(long at, int... pages) {
        for (int i : pages) {
            p.cpu().write(at + i * PAGE + 16, 1, 0x40 + i);
        }
    }

    private int frame(long va) {
        return p.shadow().frameRef(va);
    }

    /** What a refused call must leave as it was: the regions, the pages and their frames, the counts. */
    private record State(List<Region> regions, List<Long> pages, List<Integer> frames, long faults, int framesInUse) {
    }

    private State state() {
        List<Long> pages = new ArrayList<>(p.shadow().pageAddresses());
        List<Integer> frames = pages.stream().map(this::frame).toList();
        return new State(p.addressSpace().regions(), pages, frames, p.minorFaults(), fx.sos.frameTable().framesInUse());
    }

    @Test
    void aMappingGrowsInPlaceAsOneRegionWhenThePagesAfterItAreFree() {
        long at = mmap(2);
        fill(at, 0, 1);
        int regions = p.addressSpace().regions().size();
        assertThat(mremap(at, 2 * PAGE, 5 * PAGE - 7, 0, 0)).isEqualTo(at);
        Region r = p.addressSpace().find(at);
        assertThat(r.base()).isEqualTo(at);
        assertThat(r.end()).as("rounded up to whole pages").isEqualTo(at + 5 * PAGE);
        assertThat(p.addressSpace().regions()).hasSize(regions);
        assertThat(p.cpu().read(at + PAGE + 16, 1)).isEqualTo(0x41);
        assertThat(p.cpu().read(at + 4 * PAGE, 8)).isZero();
        assertThat(mremap(at, 5 * PAGE, 7 * PAGE, 0, 0)).as("the whole mapping again").isEqualTo(at);
    }

    @ParameterizedTest(name = "pool={0}")
    @ValueSource(booleans = {true, false})
    void aMoveTakesTheFramesAlongAndTheOldRangeIsGone(boolean usePool) {
        start(usePool);
        var before = fx.balance();
        p = fx.process();
        code = fx.codePage(p);
        long at = mmap(4);
        long blocker = mmap(1);
        assertThat(blocker).isEqualTo(at + 4 * PAGE);
        fill(at, 0, 2, 3);
        List<Integer> frames = List.of(frame(at), frame(at + 2 * PAGE), frame(at + 3 * PAGE));
        State was = state();

        assertThat(mremap(at, 4 * PAGE, 8 * PAGE, 0, 0)).as("blocked, not allowed to move").isEqualTo(ENOMEM);
        assertThat(state()).isEqualTo(was);
        long moved = mremap(at, 4 * PAGE, 8 * PAGE, MAYMOVE, 0);
        assertThat(moved).isPositive().isNotEqualTo(at);
        assertThat(List.of(frame(moved), frame(moved + 2 * PAGE), frame(moved + 3 * PAGE)))
                .as("the same frames, not copies").isEqualTo(frames);
        assertThat(frame(moved + PAGE)).isZero();
        assertThat(p.addressSpace().find(at)).isNull();
        assertThat(p.shadow().pageAddresses()).noneMatch(va -> va >= at && va < at + 4 * PAGE);
        assertThat(p.minorFaults()).as("no fault").isEqualTo(was.faults());
        assertThat(p.residentPages()).isEqualTo(was.pages().size());
        assertThat(fx.sos.frameTable().framesInUse()).isEqualTo(was.framesInUse());
        assertThat(p.cpu().read(moved + 3 * PAGE + 16, 1)).isEqualTo(0x43);
        assertThat(p.addressSpace().find(moved).end()).isEqualTo(moved + 8 * PAGE);
        fx.assertInvariants();

        assertThat(fx.sos.destroy(p).isOk()).isTrue();
        assertThat(fx.balance()).isEqualTo(before);
        fx.assertInvariants();
    }

    @Test
    void fixedReplacesWhatIsThereAndShrinkingUnmapsTheTail() {
        long at = mmap(4);
        long target = mmap(3);
        fill(at, 0, 1, 2, 3);
        fill(target, 0, 1, 2);
        int frames = fx.sos.frameTable().framesInUse();
        assertThat(mremap(at, 4 * PAGE, 2 * PAGE, MAYMOVE | FIXED, target)).as("a fixed move that also shrinks")
                .isEqualTo(target);
        assertThat(fx.sos.frameTable().framesInUse()).as("the two pages replaced and the old tail's two freed")
                .isEqualTo(frames - 4);
        assertThat(p.cpu().read(target + PAGE + 16, 1)).isEqualTo(0x41);
        assertThat(p.cpu().read(target + 2 * PAGE + 16, 1)).as("the old target's third page is left as it was")
                .isEqualTo(0x42);
        assertThat(p.addressSpace().find(at)).isNull();

        assertThat(mremap(target, 2 * PAGE, PAGE + 1, 0, 0)).as("2 pages down to 1 byte more than one").isEqualTo(target);
        assertThat(mremap(target, 2 * PAGE, PAGE, 0, 0)).isEqualTo(target);
        assertThat(frame(target + PAGE)).isZero();
        assertThat(p.addressSpace().find(target + PAGE)).isNull();
        assertThat(frame(target + 2 * PAGE)).as("past the old length: not touched").isNotZero();
        assertThat(mremap(target, PAGE, PAGE, 0, 0)).as("the same length: nothing to do").isEqualTo(target);
        assertThat(mremap(target, 4 * PAGE, PAGE, 0, 0)).as("a tail with nothing mapped").isEqualTo(target);
    }

    @Test
    void dontunmapLeavesTheOldRangeMappedAndEmpty() {
        long at = mmap(2);
        fill(at, 0, 1);
        long moved = mremap(at, 2 * PAGE, 2 * PAGE, MAYMOVE | DONTUNMAP, 0);
        assertThat(moved).isPositive().isNotEqualTo(at);
        assertThat(p.cpu().read(moved + PAGE + 16, 1)).isEqualTo(0x41);
        assertThat(p.addressSpace().find(at)).isNotNull();
        assertThat(frame(at)).isZero();
        assertThat(p.cpu().read(at + 16, 1)).as("a fresh zero page").isZero();
    }

    @Test
    void dontunmapWithoutFixedTakesTheNewAddressAsAHint() {
        long at = mmap(2);
        fill(at, 0, 1);
        long hint = 0x30_0000_0000L;
        assertThat(mremap(at, 2 * PAGE, 2 * PAGE, MAYMOVE | DONTUNMAP, hint)).as("a free hint").isEqualTo(hint);
        assertThat(p.cpu().read(hint + PAGE + 16, 1)).isEqualTo(0x41);
        long taken = mremap(at, 2 * PAGE, 2 * PAGE, MAYMOVE | DONTUNMAP, hint);
        assertThat(taken).as("a hint that is taken: somewhere else").isPositive().isNotEqualTo(hint)
                .isNotEqualTo(at);
        assertThat(p.cpu().read(hint + PAGE + 16, 1)).as("what is at the hint is left alone").isEqualTo(0x41);
    }

    @Test
    void dontunmapsHintIsCheckedAsAFixedAddressIsUnalignedPastUserSpaceOrOverlappingIsEinval() {
        long at = mmap(2);
        fill(at, 0, 1);
        State was = state();
        assertThat(mremap(at, 2 * PAGE, 2 * PAGE, MAYMOVE | DONTUNMAP, 0x30_0000_0123L)).as("unaligned")
                .isEqualTo(EINVAL);
        assertThat(mremap(at, 2 * PAGE, 2 * PAGE, MAYMOVE | DONTUNMAP, at + PAGE)).as("overlapping the old range")
                .isEqualTo(EINVAL);
        assertThat(mremap(at, 2 * PAGE, 2 * PAGE, MAYMOVE | DONTUNMAP, Layout.USER_TOP - PAGE)).as("past user space")
                .isEqualTo(EINVAL);
        assertThat(state()).isEqualTo(was);
        assertThat(mremap(at, 2 * PAGE, 2 * PAGE, MAYMOVE | DONTUNMAP, at + 2 * PAGE)).as("just after it")
                .isEqualTo(at + 2 * PAGE);
    }

    @Test
    void aHintInTheFirst64KiBIsIgnoredByMremapAndRaisedTo64KiBByMmapAsLinuxsRoundHintToMin() {
        long low = Layout.NULL_GUARD_END - 2 * PAGE;
        long at = mmap(1);
        long moved = mremap(at, PAGE, PAGE, MAYMOVE | DONTUNMAP, low);
        assertThat(moved).as("mremap's hint, ignored").isGreaterThanOrEqualTo(Layout.MMAP_BASE);
        assertThat(p.addressSpace().find(Layout.NULL_GUARD_END)).isNull();
        assertThat(call(LinuxSyscall.MMAP, low + 5, PAGE, RW, ANON, -1, 0)).as("mmap's, raised")
                .isEqualTo(Layout.NULL_GUARD_END);
        assertThat(call(LinuxSyscall.MMAP, PAGE - 1, PAGE, RW, ANON, -1, 0)).as("one rounding down to 0: no hint")
                .isGreaterThanOrEqualTo(Layout.MMAP_BASE);
        assertThat(call(LinuxSyscall.MMAP, 0x30_0000_0123L, PAGE, RW, ANON, -1, 0)).as("rounded down to its page")
                .isEqualTo(0x30_0000_0000L);
        assertThat(call(LinuxSyscall.MMAP, Layout.USER_TOP - 2 * PAGE, 2 * PAGE, RW, ANON, -1, 0))
                .as("a range ending at the top of user space").isEqualTo(Layout.USER_TOP - 2 * PAGE);
    }

    @Test
    void dontunmapOfTheIpcBufferIsEinvalEvenPastItWhereGrowingItIsEfault() {
        fill(mmap(1), 0);
        State was = state();
        assertThat(mremap(Layout.IPC_BUFFER, PAGE, PAGE, MAYMOVE | DONTUNMAP, 0)).isEqualTo(EINVAL);
        assertThat(mremap(Layout.IPC_BUFFER, PAGE, PAGE, MAYMOVE | DONTUNMAP | FIXED, 0x30_0000_0000L))
                .isEqualTo(EINVAL);
        assertThat(mremap(Layout.IPC_BUFFER, 2 * PAGE, 2 * PAGE, MAYMOVE | DONTUNMAP, 0))
                .as("before the range past it, as Linux's vma_to_resize").isEqualTo(EINVAL);
        assertThat(mremap(Layout.IPC_BUFFER, 0, PAGE, MAYMOVE | FIXED, 0x30_0000_0000L)).as("an old length of 0 first")
                .isEqualTo(EINVAL);
        assertThat(mremap(Layout.IPC_BUFFER, PAGE, 2 * PAGE, MAYMOVE, 0)).isEqualTo(EFAULT);
        assertThat(state()).isEqualTo(was);
    }

    @Test
    void theChecksComeInLinuxsOrderAndARefusalChangesNothing() {
        long at = mmap(2);
        fill(at, 0, 1);
        long heap = call(LinuxSyscall.BRK, 0);
        State was = state();
        assertThat(mremap(at, PAGE, PAGE, 8, 0)).isEqualTo(EINVAL);
        assertThat(mremap(at, PAGE, PAGE, (1L << 32) | MAYMOVE, 0)).as("flags are an unsigned long").isEqualTo(EINVAL);
        assertThat(mremap(at, PAGE, PAGE, FIXED, at + PAGE)).isEqualTo(EINVAL);
        assertThat(mremap(at, PAGE, 2 * PAGE, MAYMOVE | DONTUNMAP, 0)).isEqualTo(EINVAL);
        assertThat(mremap(at, PAGE, PAGE, DONTUNMAP, 0)).isEqualTo(EINVAL);
        assertThat(mremap(at + 1, PAGE, PAGE, MAYMOVE, 0)).isEqualTo(EINVAL);
        assertThat(mremap(at, PAGE, 0, MAYMOVE, 0)).isEqualTo(EINVAL);
        assertThat(mremap(at, PAGE, -1, MAYMOVE, 0)).as("a length rounding past 2^64").isEqualTo(EINVAL);
        assertThat(mremap(0x10000, PAGE, PAGE, 0, 0)).as("no region, even for the same length").isEqualTo(EFAULT);
        assertThat(mremap(0x10000, 2 * PAGE, PAGE, 0, 0)).as("or to shrink").isEqualTo(EFAULT);
        assertThat(mremap(at, 0, PAGE, MAYMOVE, 0)).as("duplicating a private mapping").isEqualTo(EINVAL);
        assertThat(mremap(at, 3 * PAGE, 4 * PAGE, MAYMOVE, 0)).as("past its region").isEqualTo(EFAULT);
        assertThat(mremap(Layout.CODE_BASE, PAGE, 2 * PAGE, MAYMOVE, 0)).as("code").isEqualTo(EFAULT);
        assertThat(mremap(Layout.STACK_TOP - PAGE, PAGE, 2 * PAGE, MAYMOVE, 0)).as("the stack").isEqualTo(EFAULT);
        assertThat(mremap(Layout.IPC_BUFFER, PAGE, 2 * PAGE, MAYMOVE, 0)).isEqualTo(EFAULT);
        assertThat(mremap(at, 2 * PAGE, 2 * PAGE, MAYMOVE | FIXED, at + PAGE)).as("overlapping").isEqualTo(EINVAL);
        assertThat(mremap(at, 2 * PAGE, 2 * PAGE, MAYMOVE | FIXED, at + 8 * PAGE + 1)).isEqualTo(EINVAL);
        assertThat(mremap(at, 2 * PAGE, 2 * PAGE, MAYMOVE | FIXED, Layout.USER_TOP - PAGE)).as("past user space")
                .isEqualTo(EINVAL);
        assertThat(mremap(at, 2 * PAGE, 2 * PAGE, MAYMOVE | FIXED, Layout.CODE_BASE)).as("over code, SOS's refusal")
                .isEqualTo(EINVAL);
        assertThat(mremap(at, 2 * PAGE, 1L << 40, MAYMOVE, 0)).as("over 64 GiB").isEqualTo(ENOMEM);
        assertThat(state()).isEqualTo(was);
        assertThat(call(LinuxSyscall.BRK, 0)).isEqualTo(heap);
    }

    @Test
    void aFixedMoveBelowTheNullGuardIsEpermAfterTheOldRangesChecksAsLinuxsIs() {
        long at = mmap(1);
        fill(at, 0);
        State was = state();
        int eperm = -1;
        assertThat(call(LinuxSyscall.MMAP, 0, PAGE, RW, ANON | Syscalls.MAP_FIXED, -1, 0)).as("mmap's own refusal")
                .isEqualTo(eperm);
        assertThat(mremap(at, PAGE, PAGE, MAYMOVE | FIXED, 0)).isEqualTo(eperm);
        assertThat(mremap(at, PAGE, PAGE, MAYMOVE | FIXED, Layout.NULL_GUARD_END - PAGE)).isEqualTo(eperm);
        assertThat(mremap(at, PAGE, PAGE, MAYMOVE | FIXED, 1)).as("unaligned comes first").isEqualTo(EINVAL);
        assertThat(mremap(at, 2 * PAGE, 2 * PAGE, MAYMOVE | FIXED, 0)).as("a range past its region first")
                .isEqualTo(EFAULT);
        assertThat(mremap(Layout.CODE_BASE, PAGE, PAGE, MAYMOVE | FIXED, 0)).as("a region that cannot move first")
                .isEqualTo(EFAULT);
        assertThat(mremap(at, PAGE, (1L << 36) + PAGE, MAYMOVE | FIXED, 0)).as("over 64 GiB first").isEqualTo(ENOMEM);
        assertThat(state()).isEqualTo(was);
        assertThat(mremap(at, PAGE, PAGE, MAYMOVE | FIXED, Layout.NULL_GUARD_END)).as("from 64 KiB on")
                .isEqualTo(Layout.NULL_GUARD_END);
        assertThat(p.cpu().read(Layout.NULL_GUARD_END + 16, 1)).isEqualTo(0x40);
    }

    @Test
    void aFixedShrinkWhoseTailCannotBeUnmappedIsRefusedWithNothingChanged() {
        // the target below the old range, so that a huge old length does not make them overlap
        long target = mmap(1);
        long at = mmap(2);
        fill(at, 0, 1);
        fill(target, 0);
        long belowIpc = call(LinuxSyscall.MMAP, Layout.IPC_BUFFER - 2 * PAGE, 2 * PAGE, RW,
                ANON | Syscalls.MAP_FIXED, -1, 0);
        assertThat(belowIpc).isEqualTo(Layout.IPC_BUFFER - 2 * PAGE);
        fill(belowIpc, 0, 1);
        State was = state();
        assertThat(mremap(at, 1L << 62, PAGE, MAYMOVE | FIXED, target)).as("a tail leaving user space, as Linux")
                .isEqualTo(EINVAL);
        assertThat(state()).isEqualTo(was);
        assertThat(mremap(belowIpc, 3 * PAGE, PAGE, MAYMOVE | FIXED, target)).as("a tail over the IPC buffer")
                .isEqualTo(EINVAL);
        assertThat(state()).isEqualTo(was);
        assertThat(p.cpu().read(target + 16, 1)).as("the target's page is still its own").isEqualTo(0x40);
    }

    @ParameterizedTest(name = "kernel={0}")
    @ValueSource(booleans = {true, false})
    void aMoveThatRunsOutOfMemoryLeavesEveryPageWhereItWas(boolean kernel) {
        long at = mmap(4);
        fill(at, 0, 1, 2, 3);
        // a place no table covers yet: the move needs new page tables, as well as a slot a page
        long far = 0x30_0000_0000L;
        FailureInjector injector = kernel ? fx.kernel.failureInjector() : fx.booted.allocman().failures();
        int failures = 0;
        for (int n = 1; n < 200; n++) {
            State was = state();
            long injectedBefore = injector.injected();
            injector.failNth(n);
            long r = mremap(at, 4 * PAGE, 4 * PAGE, MAYMOVE | FIXED, far);
            boolean injected = injector.injected() > injectedBefore;
            injector.disarm();
            if (r == far) {
                assertThat(p.cpu().read(far + 3 * PAGE + 16, 1)).isEqualTo(0x43);
                assertThat(failures).as("some failure was met on the way").isPositive();
                return;
            }
            assertThat(injected).as("failure %d: %d", n, r).isTrue();
            assertThat(r).isEqualTo(ENOMEM);
            assertThat(state()).as("after failure %d", n).isEqualTo(was);
            assertThat(p.addressSpace().find(far)).isNull();
            fx.assertInvariants();
            failures++;
        }
        throw new AssertionError("the move never succeeded");
    }
}
