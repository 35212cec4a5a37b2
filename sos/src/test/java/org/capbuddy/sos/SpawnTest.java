package org.capbuddy.sos;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.capbuddy.aarch64.elf.ElfImage;
import org.capbuddy.kernel.api.InvocationResult;
import org.capbuddy.kernel.cpu.UserContextLayout;
import org.capbuddy.libos.vka.Result;
import org.capbuddy.sos.addrspace.Layout;
import org.capbuddy.sos.exec.AuxType;
import org.capbuddy.sos.exec.ProgramLoader;
import org.capbuddy.sos.exec.StackReader;
import org.capbuddy.sos.process.Process;
import org.capbuddy.sos.process.ProcessState;
import org.capbuddy.sos.process.ProgramStart;
import org.capbuddy.sos.user.MemoryFault;
import org.capbuddy.sos.user.UserContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link Sos#spawn}: a committed static musl program started as Linux would start it, its image
 * brought in page by page only as it is touched, and torn down leaving nothing.
 */
class SpawnTest {
    private static final int PAGE = (int) Layout.PAGE;
    private static final List<String> HELLO_ARGV = List.of("./bin/hello.elf");

    @ParameterizedTest(name = "pool={0}")
    @ValueSource(booleans = {true, false})
    void helloStartsWithOnlyItsStackTouchedAndItsRegistersAtTheEntryAndStack(boolean usePool) {
        SosFixture fx = new SosFixture(usePool);
        var before = fx.balance();
        byte[] file = TestElf.program("hello.elf");
        long copiedBefore = fx.sos.pages().imageBytesCopied();
        Process p = spawn(fx, file, HELLO_ARGV, List.of("HOME=/"), 1);
        ProgramStart start = p.program().orElseThrow();
        assertThat(start.entry()).isEqualTo(0x400180L);
        assertThat(start.loadBias()).isZero();
        assertThat(p.state()).isEqualTo(ProcessState.RUNNING);
        // Only the stack was touched: nothing of the image is mapped or copied before it is used.
        assertThat(p.shadow().pageAddresses()).isNotEmpty()
                .allSatisfy(va -> assertThat(va).isBetween(Layout.STACK_BASE, Layout.STACK_TOP - PAGE));
        assertThat(fx.sos.pages().imageBytesCopied()).isEqualTo(copiedBefore);
        InvocationResult regs = fx.vka.sel4().tcbReadRegisters(p.tcbCptr(), false, UserContextLayout.REGISTERS);
        assertThat(regs.isOk()).as("%s", regs).isTrue();
        long[] words = regs.words();
        assertThat(words[UserContextLayout.PC]).isEqualTo(0x400180L);
        assertThat(words[UserContextLayout.SP]).isEqualTo(start.initialSp());
        assertThat(words[UserContextLayout.SPSR]).as("spsr: EL0t, seL4's PSTATE_USER")
                .isEqualTo(UserContextLayout.PSTATE_USER);
        assertThat(Arrays.copyOfRange(words, 3, words.length)).as("every other register").containsOnly(0L);
        assertThat(start.initialSp() % 16).isZero();
        assertThat(fx.sos.destroy(p).isOk()).isTrue();
        assertThat(fx.balance()).isEqualTo(before);
        fx.assertInvariants();
    }

    @Test
    void theStackHoldsArgcArgvEnvpAndTheAuxiliaryVector() {
        SosFixture fx = new SosFixture(true);
        byte[] file = TestElf.program("hello.elf");
        ElfImage image = TestElf.parse(file);
        Process p = spawn(fx, file, List.of("hello", "-v", "world"), List.of("HOME=/", "TERM=dumb"), 42);
        long sp = p.program().orElseThrow().initialSp();
        byte[] stack = new byte[(int) (Layout.STACK_TOP - sp)];
        assertThat(p.cpu().copyIn(sp, stack, 0, stack.length)).isEqualTo(stack.length);
        StackReader r = StackReader.read(stack, sp);
        assertThat(r.argc()).isEqualTo(3);
        assertThat(r.argv()).containsExactly("hello", "-v", "world");
        assertThat(r.envp()).containsExactly("HOME=/", "TERM=dumb");
        assertThat(r.auxvCount()).isEqualTo(18);
        assertThat(r.auxv().keySet()).as("Linux's and QEMU's order").containsExactly(3, 4, 5, 6, 7, 8, 9, 11, 12, 13,
                14, 16, 17, 25, 23, 31, 26, 15);
        assertThat(r.auxv().get(AuxType.PHDR.code())).as("the headers the first segment loads").isEqualTo(0x400040L);
        assertThat(r.auxv().get(AuxType.PHENT.code())).isEqualTo(56L);
        assertThat(r.auxv().get(AuxType.PHNUM.code())).isEqualTo((long) image.phnum());
        assertThat(r.auxv().get(AuxType.PAGESZ.code())).isEqualTo(4096L);
        assertThat(r.auxv().get(AuxType.BASE.code())).isZero();
        assertThat(r.auxv().get(AuxType.FLAGS.code())).isZero();
        assertThat(r.auxv().get(AuxType.ENTRY.code())).isEqualTo(0x400180L);
        for (AuxType id : List.of(AuxType.UID, AuxType.EUID, AuxType.GID, AuxType.EGID, AuxType.SECURE,
                AuxType.HWCAP2)) {
            assertThat(r.auxv().get(id.code())).as("AT_%s", id).isZero();
        }
        assertThat(r.auxv().get(AuxType.HWCAP.code())).as("FP and ASIMD").isEqualTo(3L);
        assertThat(r.auxv().get(AuxType.CLKTCK.code())).isEqualTo(100L);
        byte[] random = new byte[16];
        new SplittableRandom(42).nextBytes(random);
        assertThat(r.random()).isEqualTo(random);
        assertThat(r.auxv().get(AuxType.RANDOM.code()) % 16).isZero();
        assertThat(r.execFn()).isEqualTo("hello");
        assertThat(r.platform()).isEqualTo("aarch64");
    }

    @Test
    void imagePagesFaultInWithExactlyTheFilesBytesAndTheBssTailZero() throws MemoryFault {
        SosFixture fx = new SosFixture(true);
        var before = fx.balance();
        // hello.elf: R+X [0x400000, 0x401864) from offset 0; RW [0x402f48, 0x403748) of which 0x1b8 from 0x1f48.
        byte[] file = TestElf.program("hello.elf");
        Process p = spawn(fx, file, HELLO_ARGV, List.of(), 7);
        long copied = fx.sos.pages().imageBytesCopied();
        long filled = fx.sos.pages().imagePagesFilled();
        int stackPages = p.shadow().pageCount();

        assertThat(read(p, 0x40_0000L)).as("the first code page").isEqualTo(Arrays.copyOfRange(file, 0, PAGE));
        assertThat(p.shadow().pageCount()).as("one page faulted in").isEqualTo(stackPages + 1);
        assertThat(fx.sos.pages().imageBytesCopied() - copied).isEqualTo(PAGE);
        byte[] second = expected(file, 0x1000, 0x864, 0);
        assertThat(read(p, 0x40_1000L)).as("the code's last page, zero past its end").isEqualTo(second);
        byte[] data = expected(file, 0x1f48, 0xb8, 0xf48);
        assertThat(read(p, 0x40_2000L)).as("data from 0x402f48").isEqualTo(data);
        byte[] dataTail = expected(file, 0x2000, 0x100, 0);
        assertThat(read(p, 0x40_3000L)).as("the last file bytes, then .bss").isEqualTo(dataTail);
        assertThat(fx.sos.pages().imageBytesCopied() - copied).isEqualTo(PAGE + 0x864 + 0xb8 + 0x100);
        assertThat(fx.sos.pages().imagePagesFilled() - filled).isEqualTo(4);
        // The entry's instruction, fetched as the interpreter would.
        assertThat(p.cpu().fetch(0x40_0180L)).isEqualTo(le32(file, 0x180));

        // Writable data is the process's own copy: a write does not reach the file's bytes.
        UserContext ctx = fx.context(p);
        ctx.store(0x40_3000L, 8, -1);
        assertThat(ctx.load(0x40_3000L, 8)).isEqualTo(-1);
        assertThat(le32(file, 0x2000)).isEqualTo(le32(TestElf.program("hello.elf"), 0x2000));
        assertThat(fx.sos.destroy(p).isOk()).isTrue();
        assertThat(fx.balance()).isEqualTo(before);
    }

    @Test
    void aPageOfOnlyBssReadsZeroAndCopiesNothing() {
        SosFixture fx = new SosFixture(true);
        // loop_k0.elf's RW segment is [0x409f48, 0x50a750) with 0x1b8 file bytes: 0x40b000 and up are .bss.
        Process p = spawn(fx, TestElf.program("loop_k0.elf"), List.of("loop_k0", "2"), List.of(), 3);
        long copied = fx.sos.pages().imageBytesCopied();
        long filled = fx.sos.pages().imagePagesFilled();
        assertThat(read(p, 0x40_b000L)).containsOnly(0);
        assertThat(read(p, 0x50_a000L)).as("the segment's last page").containsOnly(0);
        assertThat(fx.sos.pages().imageBytesCopied()).isEqualTo(copied);
        assertThat(fx.sos.pages().imagePagesFilled()).isEqualTo(filled);
        assertThat(p.shadow().pageAddresses()).contains(0x40_b000L, 0x50_a000L);
        assertThat(p.addressSpace().heapBase()).as("brk starts after the .bss").isEqualTo(0x50_b000L);
    }

    @Test
    void writingToCodeOrExecutingDataOfAProgramKillsAsForAnyProcess() {
        SosFixture fx = new SosFixture(true);
        Process p = spawn(fx, TestElf.program("hello.elf"), HELLO_ARGV, List.of(), 1);
        byte[] one = {1};
        assertThat(p.cpu().copyOut(0x40_0100L, one, 0, 1)).isZero();
        assertThat(p.state()).isEqualTo(ProcessState.KILLED);
        assertThat(p.killReport().region()).isEqualTo("code");
        assertThat(p.killReport().reason()).contains("write to a read-only code region");
        Process q = spawn(fx, TestElf.program("hello.elf"), HELLO_ARGV, List.of(), 1);
        q.cpu().fetch(0x40_2f48L);
        assertThat(q.state()).isEqualTo(ProcessState.KILLED);
        assertThat(q.killReport().reason()).contains("execute in a non-executable data region");
    }

    @Test
    void aStaticPieIsLoadedAtTheFixedBaseWithItsAddressesMoved() {
        SosFixture fx = new SosFixture(true);
        var before = fx.balance();
        byte[] code = {0x1f, 0x20, 0x03, (byte) 0xd5, 0x00, 0x00, 0x00, 0x14};
        byte[] file = TestElf.dyn(0, code).load(0x2000, 0x10, "rw", new byte[] {5, 6, 7}).build();
        Process p = spawn(fx, file, List.of("pie"), List.of(), 9);
        ProgramStart start = p.program().orElseThrow();
        assertThat(start.loadBias()).isEqualTo(ProgramLoader.STATIC_PIE_BASE);
        assertThat(start.entry()).isEqualTo(0x40_0000L + TestElf.HEADER_AREA);
        assertThat(p.addressSpace().find(0x40_2000L).isImageBacked()).isTrue();
        assertThat(Arrays.copyOf(read(p, 0x40_2000L), 4)).containsExactly(5, 6, 7, 0);
        assertThat(p.cpu().fetch(start.entry())).isEqualTo(0xd503201f);
        long sp = start.initialSp();
        byte[] stack = new byte[(int) (Layout.STACK_TOP - sp)];
        p.cpu().copyIn(sp, stack, 0, stack.length);
        StackReader r = StackReader.read(stack, sp);
        assertThat(r.auxv().get(AuxType.PHDR.code())).isEqualTo(0x40_0040L);
        assertThat(r.auxv().get(AuxType.ENTRY.code())).isEqualTo(start.entry());
        assertThat(r.auxv().get(AuxType.BASE.code())).as("no interpreter").isZero();
        assertThat(fx.sos.destroy(p).isOk()).isTrue();
        assertThat(fx.balance()).isEqualTo(before);
    }

    @Test
    void createProcessStillMakesAProcessWithoutAProgram() {
        SosFixture fx = new SosFixture(true);
        Process p = fx.process();
        assertThat(p.program()).isEmpty();
        assertThat(p.addressSpace().find(Layout.CODE_BASE).isImageBacked()).isFalse();
    }

    static Process spawn(SosFixture fx, byte[] file, List<String> argv, List<String> envp, long seed) {
        Result<Process> r = fx.sos.spawn(file, argv, envp, seed);
        assertThat(r.isOk()).as("%s", r).isTrue();
        return r.value();
    }

    /** The page at {@code va} as the process reads it (faulting it in). */
    private static byte[] read(Process p, long va) {
        byte[] page = new byte[PAGE];
        assertThat(p.cpu().copyIn(va, page, 0, PAGE)).as("read 0x%x: %s", va, p.cpu().failure()).isEqualTo(PAGE);
        return page;
    }

    /** A page of zeros with {@code length} bytes of the file from {@code offset} at {@code at}. */
    private static byte[] expected(byte[] file, int offset, int length, int at) {
        byte[] page = new byte[PAGE];
        System.arraycopy(file, offset, page, at, length);
        return page;
    }

    private static int le32(byte[] b, int at) {
        return (b[at] & 0xff) | (b[at + 1] & 0xff) << 8 | (b[at + 2] & 0xff) << 16 | (b[at + 3] & 0xff) << 24;
    }
}
