package org.capbuddy.sos.linux;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.capbuddy.sos.Advice;
import org.capbuddy.sos.SosFixture;
import org.capbuddy.sos.Syscalls;
import org.capbuddy.sos.TestElf;
import org.capbuddy.sos.addrspace.Layout;
import org.capbuddy.sos.process.Process;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A program watching its own demand paging: mincore reads residency from SOS's shadow page table
 * without changing a figure, getrusage counts the faults SOS served and the peak resident size,
 * madvise gives pages back (the next touch is a fresh zeroed frame) and populates them, each with
 * Linux's errors (programs/src/student_pages.c runs what qemu-aarch64 answers alike; qemu-user
 * does not check unknown advice, holes in a madvise range, or mincore of a PROT_NONE page, so
 * those are here). Every call is made through an {@code svc}, as a program makes it.
 */
class ResidencyCallsTest {
    private static final long PAGE = Layout.PAGE;
    private static final long KERNEL_HALF = 0xFFFF_0000_0000_0000L;
    private static final int EACCES = -13;
    private static final int EFAULT = -14;
    private static final int EINVAL = -22;
    private static final int ENOMEM = -12;
    private static final int RW = Syscalls.PROT_READ | Syscalls.PROT_WRITE;
    private static final int ANON = Syscalls.MAP_PRIVATE | Syscalls.MAP_ANONYMOUS;
    private static final int RUSAGE_SELF = 0;
    private static final int RUSAGE_THREAD = 1;
    private static final int RUSAGE_CHILDREN = -1;

    private SosFixture fx;
    private Process p;
    private long code;
    /** The second half of the code page: mapped, writable, for vectors and structs. */
    private long scratch;

    @BeforeEach
    void setUp() {
        fx = new SosFixture(true);
        p = fx.process();
        code = fx.codePage(p);
        scratch = code + 0x800;
        p.cpu().write(scratch, 8, 0); // touched: a vector there costs no fault
    }

    private long call(LinuxSyscall call, long... args) {
        return fx.linuxCall(p, code, call.number(), args);
    }

    private long mmap(long pages, int prot) {
        long at = call(LinuxSyscall.MMAP, 0, pages * PAGE, prot, ANON, -1, 0);
        assertThat(at).isPositive();
        return at;
    }

    /** mincore's answer for {@code pages} pages at {@code at}, as 0/1 characters. */
    private String resident(long at, int pages) {
        assertThat(call(LinuxSyscall.MINCORE, at, pages * PAGE, scratch)).isZero();
        return vector(pages);
    }

    private String vector(int pages) {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < pages; i++) {
            text.append((char) ('0' + p.cpu().read(scratch + i, 1)));
        }
        return text.toString();
    }

    private void touch(long at, int... pages) {
        for (int i : pages) {
            p.cpu().write(at + i * PAGE, 1, 0x5A);
        }
    }

    /** The figures no residency question may change. */
    private record Figures(long faults, int resident, int peak, long framesInUse, long framesMapped, long objectsCreated) {
    }

    private Figures figures() {
        return new Figures(p.minorFaults(), p.residentPages(), p.peakResidentPages(),
                fx.sos.frameTable().framesInUse(), fx.sos.pages().framesMapped(), fx.kernel.costs().totalObjectsCreated());
    }

    @Test
    void mincoreAnswersFromTheShadowPageTableAndChangesNoFigure() {
        long at = mmap(8, RW);
        touch(at, 0, 3, 7);
        Figures before = figures();
        assertThat(resident(at, 8)).isEqualTo("10010001");
        assertThat(call(LinuxSyscall.MINCORE, at, 8 * PAGE - 1, scratch)).as("a length rounds up").isZero();
        assertThat(figures()).as("no fault, no frame, no object for the question itself").isEqualTo(before);
        assertThat(call(LinuxSyscall.MINCORE, at + 8 * PAGE, 0, scratch)).as("no pages asked about").isZero();
        assertThat(call(LinuxSyscall.MINCORE, code, PAGE, scratch)).isZero();
        assertThat(vector(1)).isEqualTo("1");
    }

    @Test
    void mincoreOfAProtNonePageAnswersWhetherItsFrameIsKept() {
        long at = mmap(2, RW);
        touch(at, 0);
        assertThat(call(LinuxSyscall.MPROTECT, at, 2 * PAGE, 0)).isZero();
        // Linux answers for a PROT_NONE mapping; qemu-user refuses it with ENOMEM
        assertThat(resident(at, 2)).isEqualTo("10");
    }

    @Test
    void mincoreChecksTheAddressThenTheRangeThenTheVectorThenEachPage() {
        long at = mmap(4, RW);
        touch(at, 0, 1);
        assertThat(call(LinuxSyscall.MINCORE, at + 1, PAGE, scratch)).isEqualTo(EINVAL);
        assertThat(call(LinuxSyscall.MINCORE, at + 1, 0, scratch)).as("even for no pages").isEqualTo(EINVAL);
        assertThat(call(LinuxSyscall.MINCORE, at, 1L << 62, KERNEL_HALF)).as("the range before the vector")
                .isEqualTo(ENOMEM);
        assertThat(call(LinuxSyscall.MINCORE, KERNEL_HALF, PAGE, scratch)).isEqualTo(ENOMEM);
        assertThat(call(LinuxSyscall.MINCORE, Layout.USER_TOP - PAGE, 2 * PAGE, scratch)).isEqualTo(ENOMEM);
        assertThat(call(LinuxSyscall.MINCORE, at, PAGE, KERNEL_HALF)).isEqualTo(EFAULT);
        assertThat(call(LinuxSyscall.MINCORE, at, 0, KERNEL_HALF)).as("a vector past user space, even empty")
                .isEqualTo(EFAULT);
        assertThat(call(LinuxSyscall.MINCORE, at, PAGE, 8)).as("a vector in no region").isEqualTo(EFAULT);
        assertThat(call(LinuxSyscall.MINCORE, at, PAGE, Layout.CODE_BASE)).as("a read-only vector").isEqualTo(EFAULT);
        assertThat(call(LinuxSyscall.MINCORE, 0, PAGE, scratch)).isEqualTo(ENOMEM);

        // a hole: the pages before it are answered, then ENOMEM, as Linux copies vma by vma
        assertThat(call(LinuxSyscall.MUNMAP, at + 2 * PAGE, PAGE)).isZero();
        p.cpu().write(scratch, 4, 0x0707_0707);
        assertThat(call(LinuxSyscall.MINCORE, at, 4 * PAGE, scratch)).isEqualTo(ENOMEM);
        assertThat(p.cpu().read(scratch, 4)).isEqualTo(0x0707_0101L);
        p.cpu().write(scratch, 4, 0x0707_0707);
        assertThat(call(LinuxSyscall.MINCORE, at + 2 * PAGE, PAGE, scratch)).as("a page in the hole").isEqualTo(ENOMEM);
        assertThat(p.cpu().read(scratch, 4)).as("nothing written").isEqualTo(0x0707_0707L);
    }

    @Test
    void mincoreIntoAVectorNeverTouchedFaultsOnlyTheVectorsPage() {
        long at = mmap(4, RW);
        long vec = at + 3 * PAGE;
        Figures before = figures();
        assertThat(call(LinuxSyscall.MINCORE, at, 3 * PAGE, vec)).isZero();
        assertThat(p.minorFaults()).as("the copy to the vector faulted its page in, as Linux's would")
                .isEqualTo(before.faults() + 1);
        assertThat(p.residentPages()).isEqualTo(before.resident() + 1);
        assertThat(call(LinuxSyscall.MINCORE, at, 4 * PAGE, vec)).isZero();
        assertThat(p.cpu().read(vec, 4)).isEqualTo(0x0100_0000L);
    }

    /** getrusage into {@code scratch}: {ru_maxrss, ru_minflt, ru_majflt}. */
    private long[] usage(int who) {
        for (int i = 0; i < 18; i++) {
            p.cpu().write(scratch + 8L * i, 8, -1);
        }
        assertThat(call(LinuxSyscall.GETRUSAGE, who, scratch)).isZero();
        return new long[] {p.cpu().read(scratch + 32, 8), p.cpu().read(scratch + 64, 8), p.cpu().read(scratch + 72, 8)};
    }

    @Test
    void getrusageCountsTheFaultsSosServedAndThePeakResidentSize() {
        long[] start = usage(RUSAGE_SELF);
        assertThat(start[1]).isEqualTo(p.minorFaults()).isPositive();
        assertThat(start[0]).isEqualTo(4L * p.peakResidentPages()).isEqualTo(4L * p.residentPages());
        assertThat(start[2]).as("no major faults: there is no swap").isZero();

        long at = mmap(16, RW);
        touch(at, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9);
        long[] touched = usage(RUSAGE_SELF);
        assertThat(touched[1] - start[1]).as("one fault a page").isEqualTo(10);
        assertThat(touched[0] - start[0]).as("ten pages more at the peak").isEqualTo(40);

        assertThat(call(LinuxSyscall.MADVISE, at, 10 * PAGE, Advice.DONTNEED.number())).isZero();
        long[] given = usage(RUSAGE_SELF);
        assertThat(p.residentPages()).isEqualTo(p.peakResidentPages() - 10);
        assertThat(given[0]).as("the peak stays").isEqualTo(touched[0]);
        assertThat(given[1]).isEqualTo(touched[1]);
        touch(at, 0, 1);
        assertThat(usage(RUSAGE_THREAD)).as("one thread: the same as the process")
                .containsExactly(touched[0], touched[1] + 2, 0);

        // a system call's copy into a page never touched is a fault the process took, as on Linux
        fx.sos.linux().attach(p, new LinuxProcess("abc".getBytes(StandardCharsets.US_ASCII), 0));
        assertThat(call(LinuxSyscall.READ, 0, at + 12 * PAGE, 3)).isEqualTo(3);
        assertThat(usage(RUSAGE_SELF)[1]).isEqualTo(touched[1] + 3);
    }

    @Test
    void getrusageOfChildrenIsZeroAndOfAnythingElseEinval() {
        assertThat(usage(RUSAGE_CHILDREN)).containsExactly(0, 0, 0);
        assertThat(p.cpu().read(scratch, 8)).as("not even time").isZero();
        assertThat(call(LinuxSyscall.GETRUSAGE, 2, scratch)).isEqualTo(EINVAL);
        assertThat(call(LinuxSyscall.GETRUSAGE, 5, scratch)).isEqualTo(EINVAL);
        assertThat(call(LinuxSyscall.GETRUSAGE, RUSAGE_SELF, 8)).isEqualTo(EFAULT);
        assertThat(call(LinuxSyscall.GETRUSAGE, RUSAGE_SELF, Layout.CODE_BASE)).isEqualTo(EFAULT);
        assertThat(call(LinuxSyscall.GETRUSAGE, (1L << 32) + RUSAGE_CHILDREN, scratch)).as("who is an int").isZero();
    }

    @ParameterizedTest(name = "pool={0}")
    @ValueSource(booleans = {true, false})
    void dontneedFreesTheFramesAndTheNextTouchIsAFreshZeroPageWithNothingLeaked(boolean usePool) {
        fx = new SosFixture(usePool);
        var before = fx.balance();
        p = fx.process();
        code = fx.codePage(p);
        scratch = code + 0x800;
        p.cpu().write(scratch, 8, 0);
        long at = mmap(8, RW);
        for (int i = 0; i < 8; i++) {
            p.cpu().write(at + i * PAGE + 8, 8, 0x1111L * (i + 1));
        }
        long framesInUse = fx.sos.frameTable().framesInUse();

        assertThat(call(LinuxSyscall.MADVISE, at + 2 * PAGE, 3 * PAGE, Advice.DONTNEED.number())).isZero();
        assertThat(fx.sos.frameTable().framesInUse()).as("three frames given back").isEqualTo(framesInUse - 3);
        assertThat(resident(at, 8)).isEqualTo("11000111");
        fx.assertInvariants();
        long faults = p.minorFaults();
        assertThat(p.cpu().read(at + 2 * PAGE + 8, 8)).as("a fresh zero page").isZero();
        assertThat(p.minorFaults()).isEqualTo(faults + 1);
        assertThat(p.shadow().frameRef(at + 2 * PAGE)).isNotZero();
        assertThat(p.cpu().read(at + PAGE + 8, 8)).as("the pages around it kept").isEqualTo(0x2222L);
        assertThat(p.cpu().read(at + 5 * PAGE + 8, 8)).isEqualTo(0x6666L);

        assertThat(call(LinuxSyscall.MADVISE, at + 5 * PAGE, 1, Advice.FREE.number())).as("FREE, one byte: its page")
                .isZero();
        assertThat(resident(at, 8)).isEqualTo("11100011");
        assertThat(call(LinuxSyscall.MADVISE, at, 8 * PAGE, Advice.DONTNEED_LOCKED.number())).isZero();
        assertThat(resident(at, 8)).isEqualTo("00000000");

        assertThat(fx.sos.destroy(p).isOk()).isTrue();
        assertThat(fx.sos.frameTable().framesInUse()).isZero();
        assertThat(fx.balance()).isEqualTo(before);
        fx.assertInvariants();
    }

    @Test
    void dontneedOnTheHeapAndTheStackAndAProtNonePage() {
        long heap = call(LinuxSyscall.BRK, 0);
        long base = (heap + PAGE - 1) & -PAGE;
        assertThat(call(LinuxSyscall.BRK, base + 2 * PAGE)).isEqualTo(base + 2 * PAGE);
        p.cpu().write(base, 8, 42);
        assertThat(call(LinuxSyscall.MADVISE, base, 2 * PAGE, Advice.DONTNEED.number())).isZero();
        assertThat(p.shadow().frameRef(base)).isZero();
        assertThat(p.cpu().read(base, 8)).isZero();

        long stackPage = Layout.STACK_TOP - 4 * PAGE;
        p.cpu().write(stackPage, 8, 42);
        assertThat(call(LinuxSyscall.MADVISE, stackPage, PAGE, Advice.DONTNEED.number())).isZero();
        assertThat(p.cpu().read(stackPage, 8)).isZero();

        long at = mmap(1, RW);
        touch(at, 0);
        assertThat(call(LinuxSyscall.MPROTECT, at, PAGE, 0)).isZero();
        assertThat(call(LinuxSyscall.MADVISE, at, PAGE, Advice.DONTNEED.number())).isZero();
        assertThat(call(LinuxSyscall.MPROTECT, at, PAGE, RW)).isZero();
        assertThat(p.cpu().read(at, 1)).as("the kept byte went with the frame").isZero();
    }

    @Test
    void theHintsReturnZeroAndChangeNothing() {
        long at = mmap(4, RW);
        touch(at, 1);
        Figures before = figures();
        for (Advice a : Advice.values()) {
            if (a.effect() == Advice.Effect.HINT || a.effect() == Advice.Effect.LRU_HINT
                    || a.effect() == Advice.Effect.WIPE_ON_FORK) {
                assertThat(call(LinuxSyscall.MADVISE, at, 4 * PAGE, a.number())).as("%s", a).isZero();
            }
        }
        assertThat(figures()).isEqualTo(before);
        assertThat(resident(at, 4)).isEqualTo("0100");
    }

    @Test
    void madviseChecksTheAdviceThenTheRangeThenEachRegion() {
        long at = mmap(4, RW);
        touch(at, 0, 1, 2, 3);
        for (int unknown : new int[] {5, 6, 7, 12, 13, 14, 15, 25, 26, 100, 101, -1, 1000}) {
            assertThat(call(LinuxSyscall.MADVISE, at, PAGE, unknown)).as("advice %d", unknown).isEqualTo(EINVAL);
        }
        assertThat(call(LinuxSyscall.MADVISE, KERNEL_HALF + 1, PAGE, 1000)).as("the advice first").isEqualTo(EINVAL);
        assertThat(call(LinuxSyscall.MADVISE, at + 1, PAGE, Advice.DONTNEED.number())).isEqualTo(EINVAL);
        assertThat(call(LinuxSyscall.MADVISE, at + 1, 0, Advice.DONTNEED.number())).as("unaligned, even empty")
                .isEqualTo(EINVAL);
        assertThat(call(LinuxSyscall.MADVISE, at, -1, Advice.DONTNEED.number())).as("a length rounding past 2^64")
                .isEqualTo(EINVAL);
        assertThat(call(LinuxSyscall.MADVISE, at, -PAGE, Advice.DONTNEED.number())).as("a range that wraps")
                .isEqualTo(EINVAL);
        assertThat(call(LinuxSyscall.MADVISE, at, 0, Advice.DONTNEED.number())).isZero();
        assertThat(call(LinuxSyscall.MADVISE, KERNEL_HALF, PAGE, Advice.NORMAL.number())).isEqualTo(ENOMEM);
        assertThat(call(LinuxSyscall.MADVISE, 0, PAGE, Advice.NORMAL.number())).isEqualTo(ENOMEM);
        assertThat(call(LinuxSyscall.MADVISE, at, 4 * PAGE, (1L << 32) + Advice.NORMAL.number()))
                .as("the advice is an int").isZero();
        assertThat(resident(at, 4)).as("no refused call gave a page back").isEqualTo("1111");

        // a hole: the regions around it are advised, then ENOMEM
        assertThat(call(LinuxSyscall.MUNMAP, at + PAGE, PAGE)).isZero();
        assertThat(call(LinuxSyscall.MADVISE, at, 4 * PAGE, Advice.DONTNEED.number())).isEqualTo(ENOMEM);
        assertThat(resident(at + 2 * PAGE, 2)).isEqualTo("00");
        assertThat(p.shadow().frameRef(at)).isZero();
        assertThat(call(LinuxSyscall.MADVISE, at + PAGE, PAGE, Advice.NORMAL.number())).as("a hint in the hole")
                .isEqualTo(ENOMEM);
        assertThat(p.addressSpace().find(at + 4 * PAGE)).as("nothing is mapped after it").isNull();
        assertThat(call(LinuxSyscall.MADVISE, at + 3 * PAGE, 2 * PAGE, Advice.NORMAL.number()))
                .as("running off the end").isEqualTo(ENOMEM);
    }

    @Test
    void removeAndWipeOnForkNeedWhatSosHasNot() {
        long at = mmap(2, RW);
        touch(at, 0);
        assertThat(call(LinuxSyscall.MADVISE, at, 2 * PAGE, Advice.REMOVE.number())).as("no file behind it")
                .isEqualTo(EINVAL);
        assertThat(p.shadow().frameRef(at)).isNotZero();
        assertThat(call(LinuxSyscall.MADVISE, at, 2 * PAGE, Advice.WIPEONFORK.number())).isZero();
        long ipc = Layout.IPC_BUFFER;
        for (Advice a : List.of(Advice.DONTNEED, Advice.FREE, Advice.COLD, Advice.PAGEOUT, Advice.WIPEONFORK)) {
            assertThat(call(LinuxSyscall.MADVISE, ipc, PAGE, a.number())).as("%s of the IPC buffer", a).isEqualTo(EINVAL);
        }
        assertThat(call(LinuxSyscall.MADVISE, ipc, PAGE, Advice.NORMAL.number())).isZero();
        for (Advice a : List.of(Advice.POPULATE_READ, Advice.POPULATE_WRITE)) {
            assertThat(call(LinuxSyscall.MADVISE, ipc, PAGE, a.number())).as("%s of the IPC buffer", a)
                    .isEqualTo(EINVAL);
        }
    }

    @Test
    void discardingTheSignalPageUnmapsNothingFreeIsEinvalAndWipeOnForkIsTakenAsForLinuxsVdso() {
        long sigPage = 0x30_0000_0000L;
        byte[] trampoline = new byte[16];
        for (int i = 0; i < trampoline.length; i++) {
            trampoline[i] = (byte) (0x60 + i);
        }
        assertThat(fx.sos.syscalls(p).mapSignalPage(sigPage, trampoline)).isNull();
        int frame = p.shadow().frameRef(sigPage);
        assertThat(frame).isNotZero();
        for (Advice a : List.of(Advice.DONTNEED, Advice.DONTNEED_LOCKED, Advice.COLD, Advice.PAGEOUT)) {
            assertThat(call(LinuxSyscall.MADVISE, sigPage, PAGE, a.number())).as("%s", a).isZero();
            assertThat(p.shadow().frameRef(sigPage)).as("after %s", a).isEqualTo(frame);
        }
        for (Advice a : List.of(Advice.FREE, Advice.REMOVE, Advice.POPULATE_WRITE)) {
            assertThat(call(LinuxSyscall.MADVISE, sigPage, PAGE, a.number())).as("%s: not anonymous memory", a)
                    .isEqualTo(EINVAL);
        }
        assertThat(call(LinuxSyscall.MADVISE, sigPage, PAGE, Advice.POPULATE_READ.number())).isZero();
        assertThat(call(LinuxSyscall.MADVISE, sigPage, PAGE, Advice.WIPEONFORK.number()))
                .as("private and with no file, as Linux's vdso takes it").isZero();
        assertThat(p.shadow().frameRef(sigPage)).isEqualTo(frame);
        assertThat(p.cpu().read(sigPage + 15, 1)).as("SOS's code is still there").isEqualTo(0x6f);
    }

    @Test
    void populateMapsThePagesAsTheAccessWouldAndCountsTheirFaults() {
        long at = mmap(6, RW);
        touch(at, 1);
        long faults = p.minorFaults();
        assertThat(call(LinuxSyscall.MADVISE, at, 3 * PAGE, Advice.POPULATE_WRITE.number())).isZero();
        assertThat(p.minorFaults()).as("two pages faulted in").isEqualTo(faults + 2);
        assertThat(resident(at, 6)).isEqualTo("111000");
        assertThat(call(LinuxSyscall.MADVISE, at + 3 * PAGE, PAGE, Advice.POPULATE_READ.number())).isZero();
        assertThat(resident(at, 6)).isEqualTo("111100");
        assertThat(p.cpu().read(at + 3 * PAGE, 8)).isZero();

        assertThat(call(LinuxSyscall.MPROTECT, at + 4 * PAGE, PAGE, Syscalls.PROT_READ)).isZero();
        assertThat(call(LinuxSyscall.MPROTECT, at + 5 * PAGE, PAGE, 0)).isZero();
        assertThat(call(LinuxSyscall.MADVISE, at + 4 * PAGE, PAGE, Advice.POPULATE_WRITE.number())).as("read-only")
                .isEqualTo(EINVAL);
        assertThat(call(LinuxSyscall.MADVISE, at + 5 * PAGE, PAGE, Advice.POPULATE_READ.number())).as("PROT_NONE")
                .isEqualTo(EINVAL);
        assertThat(call(LinuxSyscall.MADVISE, at + 4 * PAGE, PAGE, Advice.POPULATE_READ.number())).isZero();
        assertThat(resident(at, 6)).isEqualTo("111110");

        // a hole ends it at once, the pages before it populated
        long more = mmap(2, RW);
        assertThat(p.addressSpace().find(more + 2 * PAGE)).as("nothing is mapped after it").isNull();
        assertThat(call(LinuxSyscall.MADVISE, more, 3 * PAGE, Advice.POPULATE_WRITE.number())).isEqualTo(ENOMEM);
        assertThat(resident(more, 2)).isEqualTo("11");
    }

    @Test
    void aProgramImagesPagesComeBackFromTheImageAndAreNotAnonymous() {
        Process prog = fx.sos.spawn(TestElf.program("hello.elf"), List.of("hello"), List.of(), 1).value();
        Syscalls sys = fx.sos.syscalls(prog);
        long entryPage = Layout.CODE_BASE;
        long word = prog.cpu().read(entryPage + 0x180, 4);
        assertThat(prog.shadow().frameRef(entryPage)).isNotZero();
        assertThat(sys.madvise(entryPage, PAGE, Advice.FREE.number()).returnRegister()).as("not anonymous")
                .isEqualTo(EINVAL);
        assertThat(sys.madvise(entryPage, PAGE, Advice.REMOVE.number()).returnRegister()).as("a private file mapping")
                .isEqualTo(EACCES);
        assertThat(sys.madvise(entryPage, PAGE, Advice.WIPEONFORK.number()).returnRegister()).isEqualTo(EINVAL);
        assertThat(prog.shadow().frameRef(entryPage)).isNotZero();
        assertThat(sys.madvise(entryPage, PAGE, Advice.DONTNEED.number()).isOk()).isTrue();
        assertThat(prog.shadow().frameRef(entryPage)).isZero();
        assertThat(prog.cpu().read(entryPage + 0x180, 4)).as("the image's bytes again").isEqualTo(word);
        assertThat(fx.sos.destroy(prog).isOk()).isTrue();
    }
}
