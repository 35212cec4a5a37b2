package org.capbuddy.sos;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.capbuddy.libos.vka.AllocErrorKind;
import org.capbuddy.libos.vka.Result;
import org.capbuddy.sos.addrspace.Layout;
import org.capbuddy.sos.process.Process;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Hostile and unrunnable programs given to {@link Sos#spawn}: each is refused with a
 * {@code BAD_ARGUMENT} naming what is wrong, before SOS asks the allocators or the kernel for
 * anything, so the balance is exactly as before and no pid is used up.
 */
class SpawnRefusalTest {
    private static final int PHDR1 = 64 + 56;
    private static final byte[] CODE = {0x1f, 0x20, 0x03, (byte) 0xd5, 0x00, 0x00, 0x00, 0x14};

    /** hello.elf with its second PT_LOAD (RW at 0x402f48, file offset 0x1f48, 0x800 bytes) moved to {@code vaddr}. */
    private static byte[] dataAt(long vaddr) {
        byte[] f = TestElf.program("hello.elf");
        TestElf.put(f, PHDR1 + 16, 8, vaddr);
        return f;
    }

    private static byte[] patched(int at, int size, long value) {
        byte[] f = TestElf.program("hello.elf");
        TestElf.put(f, at, size, value);
        return f;
    }

    static Stream<Arguments> hostile() {
        return Stream.of(
                Arguments.of("truncated header",
                        (Supplier<byte[]>) () -> Arrays.copyOf(TestElf.program("hello.elf"), 40),
                        List.of("TRUNCATED", "shorter than the 64-byte ELF64 header")),
                Arguments.of("truncated segment", (Supplier<byte[]>) () -> Arrays.copyOf(TestElf.program("hello.elf"),
                        0x1000), List.of("SEGMENT_OUT_OF_FILE")),
                Arguments.of("no file", (Supplier<byte[]>) () -> null, List.of("TRUNCATED", "missing")),
                Arguments.of("x86-64", (Supplier<byte[]>) () -> patched(18, 2, 62),
                        List.of("WRONG_MACHINE", "e_machine is 0x3e (x86-64), not EM_AARCH64")),
                Arguments.of("overlapping segments", (Supplier<byte[]>) () -> dataAt(0x40_0f48L),
                        List.of("OVERLAPPING_SEGMENTS", "starts at 0x400f48")),
                Arguments.of("segments sharing a page", (Supplier<byte[]>) () -> dataAt(0x40_1f48L),
                        List.of("share the page 0x401000", "-z max-page-size=4096")),
                Arguments.of("segment in the kernel half", (Supplier<byte[]>) () -> dataAt(0xffff_0000_0040_2f48L),
                        List.of("ADDRESS_OVERFLOW")),
                Arguments.of("segment past user space", (Supplier<byte[]>) () -> dataAt(Layout.USER_TOP - 0xb8),
                        List.of("PT_LOAD segment 1", "the top of user space")),
                Arguments.of("segment over the stack", (Supplier<byte[]>) () -> dataAt(Layout.STACK_BASE + 0xf48),
                        List.of("PT_LOAD segment 1 at [0x8fff800f48, 0x8fff801748) overlaps the stack")),
                Arguments.of("segment in the null page", (Supplier<byte[]>) () -> TestElf.exec(0, CODE).build(),
                        List.of("first 64 KiB")),
                Arguments.of("absurd size", (Supplier<byte[]>) () -> patched(PHDR1 + 40, 8, 1L << 40),
                        List.of("ABSURD_SIZE")),
                Arguments.of("entry in data", (Supplier<byte[]>) () -> patched(24, 8, 0x40_2f48L),
                        List.of("ENTRY_NOT_EXECUTABLE")),
                Arguments.of("dynamically linked",
                        (Supplier<byte[]>) () -> TestElf.exec(0x40_0000, CODE).interp().build(),
                        List.of("DYNAMIC", "link with -static")),
                Arguments.of("not an ELF file", (Supplier<byte[]>) () -> "#!/bin/sh\necho hi\n".repeat(8).getBytes(),
                        List.of("BAD_MAGIC")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("hostile")
    void aHostileProgramIsRefusedWithTheReasonAndNothingIsTaken(String name, Supplier<byte[]> file,
            List<String> message) {
        SosFixture fx = new SosFixture(true);
        assertRefusedTakingNothing(fx, file.get(), List.of("./prog"), List.of(), message);
    }

    @Test
    void unrunnableArgumentsAreRefusedTheSameWay() {
        SosFixture fx = new SosFixture(true);
        byte[] hello = TestElf.program("hello.elf");
        assertRefusedTakingNothing(fx, hello, List.of(), List.of(),
                List.of("argv must hold at least the program's name"));
        assertRefusedTakingNothing(fx, hello, null, List.of(), List.of("argv must hold"));
        assertRefusedTakingNothing(fx, hello, List.of("hello"), null, List.of("needs argv, envp"));
        assertRefusedTakingNothing(fx, hello, List.of("hello"), Collections.nCopies(40_000, "VARIABLE=" + "v".repeat(40)),
                List.of("more than 2097152 bytes (2 MiB"));
        assertRefusedTakingNothing(fx, hello, List.of("hel\0lo"), List.of(), List.of("argv[0] contains a NUL byte"));
    }

    private static void assertRefusedTakingNothing(SosFixture fx, byte[] file, List<String> argv, List<String> envp,
            List<String> message) {
        int lastPid = spawnAndDestroy(fx);
        var before = fx.strictBalance();
        long kernelCalls = fx.kernel.failureInjector().attempts();
        long allocmanCalls = fx.booted.allocman().failures().attempts();
        Result<Process> r = fx.sos.spawn(file, argv, envp, 1);
        assertThat(r.isOk()).as("%s", r).isFalse();
        assertThat(r.error().kind()).isEqualTo(AllocErrorKind.BAD_ARGUMENT);
        for (String m : message) {
            assertThat(r.error().detail()).contains(m);
        }
        assertThat(fx.kernel.failureInjector().attempts()).as("no kernel allocation").isEqualTo(kernelCalls);
        assertThat(fx.booted.allocman().failures().attempts()).as("no allocman request").isEqualTo(allocmanCalls);
        assertThat(fx.strictBalance()).isEqualTo(before);
        assertThat(fx.sos.liveProcesses()).isZero();
        assertThat(fx.sos.console()).isEmpty();
        assertThat(spawnAndDestroy(fx)).as("a refused spawn uses no pid").isEqualTo(lastPid + 1);
        fx.assertInvariants();
    }

    /** Runs hello.elf's spawn and teardown; returns the pid it got. */
    private static int spawnAndDestroy(SosFixture fx) {
        Process p = SpawnTest.spawn(fx, TestElf.program("hello.elf"), List.of("hello"), List.of(), 1);
        assertThat(fx.sos.destroy(p).isOk()).isTrue();
        return p.pid();
    }
}
