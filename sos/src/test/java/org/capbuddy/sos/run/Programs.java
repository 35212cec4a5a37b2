package org.capbuddy.sos.run;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.capbuddy.aarch64.elf.ElfImage;
import org.capbuddy.aarch64.elf.Segment;
import org.capbuddy.sos.SosFixture;
import org.capbuddy.sos.TestElf;

/**
 * Test support: the committed programs of {@code programs/bin} run through {@link ProgramRunner}.
 * argv[0] is the program's bare name (as {@code capbuddy demo} gives pt_test), no environment, no
 * standard input, seed 1, so that instruction counts are repeatable.
 */
final class Programs {
    /** Far above what any finite program here needs (malloc_stress: ~2.6 M). */
    static final long MAX_INSTRUCTIONS = 50_000_000L;

    /** The system calls every musl program here makes before main returns. */
    static final Map<String, Long> MUSL_CALLS = Map.of("set_tid_address", 1L, "ioctl", 1L, "writev", 1L,
            "exit_group", 1L);

    private Programs() {
    }

    static byte[] elf(String name) {
        return TestElf.program(name + ".elf");
    }

    static List<String> argv(String name, List<String> args) {
        List<String> argv = new ArrayList<>();
        argv.add(name);
        argv.addAll(args);
        return argv;
    }

    static ProgramRunner.Launch launch(byte[] elf, List<String> argv, long maxInstructions) {
        return new ProgramRunner.Launch(elf, argv, List.of(), new byte[0], 1, maxInstructions);
    }

    /** Runs {@code name} with {@code args} to its end in {@code fx}'s SOS and tears it down. */
    static ProgramResult run(SosFixture fx, String name, String... args) {
        return new ProgramRunner(fx.sos).run(launch(elf(name), argv(name, List.of(args)), MAX_INSTRUCTIONS));
    }

    /** The sum of all system calls made, served or not. */
    static long totalCalls(ProgramResult r) {
        return r.systemCalls().values().stream().mapToLong(Long::longValue).sum()
                + r.unknownSystemCalls().values().stream().mapToLong(Long::longValue).sum();
    }

    /** A short description for assertion messages. */
    static String describe(ProgramResult r) {
        return r.outcome() + " exit " + r.exitCode() + " kill " + r.killReport() + " detail " + r.detail()
                + " console <" + r.console() + ">";
    }

    /**
     * The value of the ELF symbol {@code name} (the committed programs keep their symbol tables):
     * {@code .symtab} found through the section headers, its names in the section its sh_link names.
     */
    static long symbol(byte[] file, String name) {
        ByteBuffer b = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
        long shoff = b.getLong(0x28);
        int shentsize = Short.toUnsignedInt(b.getShort(0x3A));
        int shnum = Short.toUnsignedInt(b.getShort(0x3C));
        for (int i = 0; i < shnum; i++) {
            int sh = (int) (shoff + (long) i * shentsize);
            if (b.getInt(sh + 4) != 2) { // SHT_SYMTAB
                continue;
            }
            long symOff = b.getLong(sh + 0x18);
            long symSize = b.getLong(sh + 0x20);
            long entSize = b.getLong(sh + 0x38);
            int strSh = (int) (shoff + (long) b.getInt(sh + 0x28) * shentsize);
            long strOff = b.getLong(strSh + 0x18);
            for (long s = symOff; s < symOff + symSize; s += entSize) {
                int at = (int) (strOff + Integer.toUnsignedLong(b.getInt((int) s)));
                int end = at;
                while (file[end] != 0) {
                    end++;
                }
                if (new String(file, at, end - at, StandardCharsets.US_ASCII).equals(name)) {
                    return b.getLong((int) s + 8);
                }
            }
        }
        throw new AssertionError("no symbol " + name);
    }

    /** A copy of {@code file} with the 32-bit word at virtual address {@code vaddr} replaced by {@code word}. */
    static byte[] patchWord(byte[] file, long vaddr, int word) {
        ElfImage image = TestElf.parse(file);
        Segment seg = image.segments().stream().filter(s -> s.contains(vaddr) && vaddr + 4 <= s.vaddr() + s.fileSize())
                .findFirst().orElseThrow(() -> new AssertionError("no file bytes at 0x" + Long.toHexString(vaddr)));
        byte[] copy = file.clone();
        int offset = (int) (seg.fileOffset() + vaddr - seg.vaddr());
        ByteBuffer.wrap(copy).order(ByteOrder.LITTLE_ENDIAN).putInt(offset, word);
        return copy;
    }
}
