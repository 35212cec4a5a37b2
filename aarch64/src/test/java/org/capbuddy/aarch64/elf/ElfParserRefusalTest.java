package org.capbuddy.aarch64.elf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.capbuddy.aarch64.elf.ElfBuilder.B_SELF;
import static org.capbuddy.aarch64.elf.ElfBuilder.E_ENTRY;
import static org.capbuddy.aarch64.elf.ElfBuilder.E_PHNUM;
import static org.capbuddy.aarch64.elf.ElfBuilder.E_PHOFF;
import static org.capbuddy.aarch64.elf.ElfBuilder.P_ALIGN;
import static org.capbuddy.aarch64.elf.ElfBuilder.P_FILESZ;
import static org.capbuddy.aarch64.elf.ElfBuilder.P_MEMSZ;
import static org.capbuddy.aarch64.elf.ElfBuilder.P_OFFSET;
import static org.capbuddy.aarch64.elf.ElfBuilder.P_TYPE;
import static org.capbuddy.aarch64.elf.ElfBuilder.P_VADDR;
import static org.capbuddy.aarch64.elf.ElfBuilder.code;
import static org.capbuddy.aarch64.elf.ElfBuilder.pattern;
import static org.capbuddy.aarch64.elf.ElfBuilder.phdrAt;
import static org.capbuddy.aarch64.elf.ElfBuilder.put16;
import static org.capbuddy.aarch64.elf.ElfBuilder.put32;
import static org.capbuddy.aarch64.elf.ElfBuilder.put64;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** One test per {@link ElfError}: the exact code, and a detail that names the field and its value. */
class ElfParserRefusalTest {

    /** Code at 0x400400 in an RX segment with the headers, and RW data with bss at 0x401800. */
    private static ElfBuilder program() {
        return ElfBuilder.exec()
                .headerSegment(0x400000, "rx", code(B_SELF, B_SELF))
                .load(0x401800, 0x2000, "rw", pattern(0x40, 1));
    }

    private static byte[] valid() {
        byte[] file = program().build();
        assertThat(ElfParser.parse(file).isOk()).isTrue();
        return file;
    }

    private static ElfResult.Refused refused(byte[] file) {
        return refused(file, ElfLimits.DEFAULT);
    }

    private static ElfResult.Refused refused(byte[] file, ElfLimits limits) {
        ElfResult result = ElfParser.parse(file, limits);
        assertThat(result).isInstanceOf(ElfResult.Refused.class);
        assertThat(result.isOk()).isFalse();
        return (ElfResult.Refused) result;
    }

    private static void assertRefused(byte[] file, ElfError error, String... detailParts) {
        ElfResult.Refused r = refused(file);
        assertThat(r.error()).as(r.detail()).isEqualTo(error);
        if (detailParts.length > 0) {
            assertThat(r.detail()).contains(detailParts);
        }
    }

    @Test
    void truncated() {
        assertRefused(null, ElfError.TRUNCATED, "missing");
        assertRefused(new byte[0], ElfError.TRUNCATED, "the file is empty", "64-byte ELF64 header");
        assertRefused(Arrays.copyOf(valid(), 63), ElfError.TRUNCATED, "63 bytes long");
    }

    @Test
    void badMagic() {
        byte[] file = valid();
        file[3] = 'G';
        assertRefused(file, ElfError.BAD_MAGIC, "0x7f 0x45 0x4c 0x47");
        assertRefused(new byte[64], ElfError.BAD_MAGIC, "not an ELF file: it starts with 0x0 0x0 0x0 0x0");
        assertThat(refused(new byte[64]).detail()).as("binary: no guess").doesNotContain("text", "script");
    }

    @Test
    void aSourceFileOrAScriptGivenForTheProgramIsNamedAsText() {
        byte[] source = "/* hello.c */\n#include <stdio.h>\nint main(void) { puts(\"hi\"); return 0; }\n"
                .getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        assertRefused(source, ElfError.BAD_MAGIC, "0x2f 0x2a 0x20 0x68", "looks like text (a source file?)");
        byte[] script = "#!/bin/sh\n# a shell script, long enough to fill the 64-byte header\nexit 0\n"
                .getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        assertRefused(script, ElfError.BAD_MAGIC, "it is a script: give the compiled program");
    }

    @Test
    void notSixtyFourBit() {
        byte[] file = valid();
        file[ElfBuilder.EI_CLASS] = 1;
        assertRefused(file, ElfError.NOT_64_BIT, "EI_CLASS is 0x1 (ELFCLASS32)");
    }

    @Test
    void notLittleEndian() {
        byte[] file = valid();
        file[ElfBuilder.EI_DATA] = 2;
        assertRefused(file, ElfError.NOT_LITTLE_ENDIAN, "EI_DATA is 0x2", "big-endian");
    }

    @Test
    void badVersion() {
        byte[] file = valid();
        file[ElfBuilder.EI_VERSION] = 0;
        assertRefused(file, ElfError.BAD_VERSION, "EI_VERSION is 0x0 and e_version is 0x1");
        file = valid();
        put32(file, ElfBuilder.E_VERSION, 0xffff_ffffL);
        assertRefused(file, ElfError.BAD_VERSION, "e_version is 0xffffffff");
    }

    @Test
    void wrongMachine() {
        byte[] file = valid();
        put16(file, ElfBuilder.E_MACHINE, 62);
        assertRefused(file, ElfError.WRONG_MACHINE, "e_machine is 0x3e (x86-64), not EM_AARCH64 (0xb7)",
                "build it for AArch64");
        put16(file, ElfBuilder.E_MACHINE, 0x1234);
        assertRefused(file, ElfError.WRONG_MACHINE, "e_machine is 0x1234, not EM_AARCH64");
    }

    @Test
    void wrongType() {
        byte[] file = valid();
        put16(file, ElfBuilder.E_TYPE, 1);
        assertRefused(file, ElfError.WRONG_TYPE, "e_type is 0x1 (ET_REL, an object file, as gcc -c makes: link it");
        put16(file, ElfBuilder.E_TYPE, 4);
        assertRefused(file, ElfError.WRONG_TYPE, "e_type is 0x4 (ET_CORE, a core dump)");
        put16(file, ElfBuilder.E_TYPE, 0xfe00);
        assertRefused(file, ElfError.WRONG_TYPE, "e_type is 0xfe00, neither ET_EXEC");
    }

    @Test
    void badProgramHeaderTable() {
        byte[] file = valid();
        put16(file, ElfBuilder.E_PHENTSIZE, 64);
        assertRefused(file, ElfError.BAD_PROGRAM_HEADERS, "e_phentsize is 0x40, not 0x38");

        file = valid();
        put16(file, E_PHNUM, 65);
        assertRefused(file, ElfError.BAD_PROGRAM_HEADERS, "e_phnum is 0x41", "0x40 program headers");

        put16(file, E_PHNUM, 0xffff);
        assertRefused(file, ElfError.BAD_PROGRAM_HEADERS, "e_phnum is 0xffff (PN_XNUM)");

        file = valid();
        put64(file, E_PHOFF, file.length - 56);
        assertRefused(file, ElfError.BAD_PROGRAM_HEADERS, "e_phoff " + hex(file.length - 56), "0x2 entries",
                "0x70 bytes");

        put64(file, E_PHOFF, -8);
        assertRefused(file, ElfError.BAD_PROGRAM_HEADERS, "e_phoff 0xfffffffffffffff8");
    }

    @Test
    void badProgramHeaderContents() {
        ElfBuilder twoTls = program().tls(0x401800, 0x10, 0x10, 8)
                .extra(new ElfBuilder.Phdr(ElfParser.PT_TLS, 4, 0x800, 0x401800, 0x10, 0x10, 8));
        assertRefused(twoTls.build(), ElfError.BAD_PROGRAM_HEADERS, "program headers 2 and 3 are both PT_TLS");

        ElfBuilder twoStacks = program().gnuStack("rw")
                .extra(new ElfBuilder.Phdr(ElfParser.PT_GNU_STACK, 7, 0, 0, 0, 0, 16));
        assertRefused(twoStacks.build(), ElfError.BAD_PROGRAM_HEADERS, "program headers 2 and 3 are both PT_GNU_STACK");

        ElfBuilder twoPhdrs = program().withPtPhdr()
                .extra(new ElfBuilder.Phdr(ElfParser.PT_PHDR, 4, 64, 0x400040, 0xa8, 0xa8, 8));
        assertRefused(twoPhdrs.build(), ElfError.BAD_PROGRAM_HEADERS, "program headers 0 and 3 are both PT_PHDR");

        ElfBuilder lateTwoPhdr = program().extra(new ElfBuilder.Phdr(ElfParser.PT_PHDR, 4, 64, 0x400040, 0xa8, 0xa8, 8));
        assertRefused(lateTwoPhdr.build(), ElfError.BAD_PROGRAM_HEADERS,
                "program header 2 is PT_PHDR but follows PT_LOAD program header 1");

        ElfBuilder descending = program()
                .extra(new ElfBuilder.Phdr(ElfParser.PT_LOAD, 6, 0x800, 0x300000, 0x10, 0x10, 0x1000));
        assertRefused(descending.build(), ElfError.BAD_PROGRAM_HEADERS,
                "PT_LOAD program header 2 has p_vaddr 0x300000, below the 0x401800 of PT_LOAD program header 1");
    }

    @Test
    void dynamicallyLinked() {
        ElfResult.Refused r = refused(program().interp().build());
        assertThat(r.error()).isEqualTo(ElfError.DYNAMIC);
        assertThat(r.detail()).isEqualTo(
                "dynamically linked executables are not supported; link with -static (program header 0 is PT_INTERP)");
    }

    @Test
    void segmentOutOfFile() {
        ElfBuilder b = program();
        byte[] file = b.build();
        int data = phdrAt(b.loadIndex(1));
        put64(file, data + P_FILESZ, 0x1000);
        put64(file, data + P_MEMSZ, 0x2000);
        assertRefused(file, ElfError.SEGMENT_OUT_OF_FILE, "PT_LOAD program header 1", "p_offset 0x800",
                "p_filesz 0x1000", hex(file.length) + "-byte file");

        // p_offset + p_filesz wraps to a small number: the unsigned comparison still sees it.
        put64(file, data + P_OFFSET, -0x800);
        put64(file, data + P_FILESZ, 0x1000);
        assertRefused(file, ElfError.SEGMENT_OUT_OF_FILE, "p_offset 0xfffffffffffff800");
    }

    @Test
    void fileSizeOverMemSize() {
        ElfBuilder b = program();
        byte[] file = b.build();
        put64(file, phdrAt(b.loadIndex(1)) + P_MEMSZ, 0x3f);
        assertRefused(file, ElfError.FILE_SIZE_OVER_MEM_SIZE, "PT_LOAD program header 1", "p_filesz 0x40",
                "p_memsz 0x3f");
    }

    @Test
    void addressOverflow() {
        ElfBuilder b = program();
        byte[] file = b.build();
        int data = phdrAt(b.loadIndex(1));
        put64(file, data + P_MEMSZ, (1L << 48) - 0x401800 + 1);
        assertRefused(file, ElfError.ADDRESS_OVERFLOW, "PT_LOAD program header 1", "p_vaddr 0x401800",
                "p_memsz 0xffffffbfe801", "0x1000000000000");

        // In the kernel half (and wrapping past 2^64): both refused by the same unsigned check.
        byte[] high = ElfBuilder.exec().headerSegment(0x400000, "rx", code(B_SELF))
                .load(0xffff_ffff_ffff_f800L, 0x1000, "rw", pattern(0x10, 2)).build();
        assertRefused(high, ElfError.ADDRESS_OVERFLOW, "p_vaddr 0xfffffffffffff800", "p_memsz 0x1000");
    }

    @Test
    void misaligned() {
        ElfBuilder b = program();
        byte[] file = b.build();
        put64(file, phdrAt(b.loadIndex(1)) + P_ALIGN, 0x3000);
        assertRefused(file, ElfError.MISALIGNED, "PT_LOAD program header 1", "p_align 0x3000", "not a power of two");

        file = b.build();
        put64(file, phdrAt(b.loadIndex(1)) + P_VADDR, 0x401808);
        assertRefused(file, ElfError.MISALIGNED, "p_vaddr 0x401808 and p_offset 0x800", "0x1000-byte page");
    }

    @Test
    void absurdSize() {
        ElfBuilder b = program();
        byte[] file = b.build();
        put64(file, phdrAt(b.loadIndex(1)) + P_MEMSZ, (1L << 30) + 1);
        assertRefused(file, ElfError.ABSURD_SIZE, "PT_LOAD program header 1", "p_memsz 0x40000001",
                "0x40000000-byte limit for one segment");

        ElfResult.Refused total = refused(program().build(), new ElfLimits(0x2000, 0x2000));
        assertThat(total.error()).isEqualTo(ElfError.ABSURD_SIZE);
        assertThat(total.detail()).contains("the 2 PT_LOAD segments total 0x2408 bytes", "0x2000-byte limit");
    }

    @Test
    void noLoadableSegment() {
        byte[] file = valid();
        put16(file, E_PHNUM, 0);
        assertRefused(file, ElfError.NO_LOADABLE_SEGMENT, "none of the 0 program headers");

        ElfBuilder b = program();
        file = b.build();
        put32(file, phdrAt(b.loadIndex(0)) + P_TYPE, ElfBuilder.PT_NOTE);
        put64(file, phdrAt(b.loadIndex(1)) + P_FILESZ, 0);
        put64(file, phdrAt(b.loadIndex(1)) + P_MEMSZ, 0);
        assertRefused(file, ElfError.NO_LOADABLE_SEGMENT, "none of the 2 program headers", "nonzero p_memsz");
    }

    @Test
    void overlappingSegments() {
        ElfBuilder oneByte = ElfBuilder.exec()
                .headerSegment(0x400000, "rx", code(B_SELF))
                .load(0x400403, 0x10, "rw", pattern(0x10, 3));
        assertRefused(oneByte.build(), ElfError.OVERLAPPING_SEGMENTS,
                "PT_LOAD program header 1 starts at 0x400403, inside PT_LOAD program header 0 at [0x400000, 0x400404)");

        ElfBuilder sameStart = ElfBuilder.exec()
                .headerSegment(0x400000, "rx", code(B_SELF))
                .load(0x400000, 0x10, "rw", pattern(0x10, 3));
        assertRefused(sameStart.build(), ElfError.OVERLAPPING_SEGMENTS, "program header 1 starts at 0x400000");
    }

    @Test
    void ptPhdrNotWhereTheTableIsLoaded() {
        ElfBuilder b = program().withPtPhdr();
        byte[] file = b.build();
        put64(file, phdrAt(0) + P_VADDR, 0x400048);
        assertRefused(file, ElfError.BAD_PHDR, "PT_PHDR program header 0", "at 0x400048", "0xa8-byte table",
                "e_phoff 0x40");

        // Claiming an address in the bss, which no file byte backs.
        put64(file, phdrAt(0) + P_VADDR, 0x402000);
        assertRefused(file, ElfError.BAD_PHDR, "at 0x402000");

        // A PT_PHDR but no PT_LOAD containing the table at all.
        byte[] unloaded = ElfBuilder.exec().withPtPhdr().load(0x400000, 0x10, "rx", code(B_SELF)).build();
        assertRefused(unloaded, ElfError.BAD_PHDR, "at 0x40");
    }

    @Test
    void badTls() {
        assertRefused(program().tls(0x401800, 0x20, 0x10, 8).build(), ElfError.BAD_TLS,
                "PT_TLS program header 2", "p_filesz 0x20 larger than its p_memsz 0x10");
        assertRefused(program().tls(0x401800, 0x10, 0x20, 24).build(), ElfError.BAD_TLS, "p_align 0x18");
        assertRefused(program().tls(0xffff_ffff_ffff_0000L, 0, 0x20000, 8).build(), ElfError.BAD_TLS,
                "p_vaddr 0xffffffffffff0000", "p_memsz 0x20000");
        assertRefused(program().tls(0x401800, 0x10, 0x40000010, 8).build(), ElfError.BAD_TLS,
                "p_memsz 0x40000010", "limit for one segment");
        assertRefused(program().tls(0x401830, 0x20, 0x20, 8).build(), ElfError.BAD_TLS,
                "0x20-byte initialisation image at 0x401830", "file-backed bytes of one PT_LOAD");
        assertRefused(program().tls(0x300000, 0x10, 0x10, 8).build(), ElfError.BAD_TLS, "at 0x300000");
    }

    @Test
    void entryNotExecutable() {
        byte[] file = valid();
        put64(file, E_ENTRY, 0x401800);
        assertRefused(file, ElfError.ENTRY_NOT_EXECUTABLE, "e_entry 0x401800 is in PT_LOAD program header 1",
                "lacks PF_X");

        put64(file, E_ENTRY, 0x400402);
        assertRefused(file, ElfError.ENTRY_NOT_EXECUTABLE, "e_entry 0x400402 is not 4-byte aligned");

        put64(file, E_ENTRY, 0x800000);
        assertRefused(file, ElfError.ENTRY_NOT_EXECUTABLE, "e_entry 0x800000 is not in any PT_LOAD");

        put64(file, E_ENTRY, -4);
        assertRefused(file, ElfError.ENTRY_NOT_EXECUTABLE, "e_entry 0xfffffffffffffffc is not in any PT_LOAD");

        // The last instruction slot of the file bytes is fine; the first one past them is in the bss.
        byte[] bss = ElfBuilder.exec()
                .headerSegment(0x400000, "rx", code(B_SELF, B_SELF), 0x1000).entry(0x400404).build();
        assertThat(ElfParser.parse(bss).isOk()).isTrue();
        put64(bss, E_ENTRY, 0x400408);
        assertRefused(bss, ElfError.ENTRY_NOT_EXECUTABLE,
                "e_entry 0x400408 is in the zero-filled tail of PT_LOAD program header 0");
    }

    /** The first failing check in the documented order wins, whatever else is wrong. */
    @Test
    void theFirstFailingCheckIsReported() {
        byte[] file = valid();
        put16(file, ElfBuilder.E_MACHINE, 62);
        put16(file, ElfBuilder.E_TYPE, 1);
        assertRefused(file, ElfError.WRONG_MACHINE);
        file[ElfBuilder.EI_DATA] = 2;
        assertRefused(file, ElfError.NOT_LITTLE_ENDIAN);

        // A dynamically linked program hears about PT_INTERP even if its segments are also wrong.
        ElfBuilder dynamic = program().interp()
                .extra(new ElfBuilder.Phdr(ElfParser.PT_LOAD, 6, 0, 0x100000, 0x10, 0x10, 0x1000));
        assertRefused(dynamic.build(), ElfError.DYNAMIC);

        // Within one PT_LOAD: out of file before filesz > memsz before address overflow.
        ElfBuilder b = program();
        file = b.build();
        int data = phdrAt(b.loadIndex(1));
        put64(file, data + P_VADDR, -0x800);
        assertRefused(file, ElfError.ADDRESS_OVERFLOW);
        put64(file, data + P_MEMSZ, 1);
        assertRefused(file, ElfError.FILE_SIZE_OVER_MEM_SIZE);
        put64(file, data + P_FILESZ, 0x10_0000);
        assertRefused(file, ElfError.SEGMENT_OUT_OF_FILE);

        // An earlier header's fault is reported before a later one's.
        file = b.build();
        put64(file, phdrAt(b.loadIndex(0)) + P_ALIGN, 3);
        put64(file, phdrAt(b.loadIndex(1)) + P_FILESZ, 0x10_0000);
        assertRefused(file, ElfError.MISALIGNED, "PT_LOAD program header 0");

        // Overlap is judged after every segment's own checks and the total size.
        ElfBuilder overlapping = ElfBuilder.exec().headerSegment(0x400000, "rx", code(B_SELF))
                .load(0x400400, 0x10, "rw", pattern(0x10, 4));
        ElfResult.Refused r = refused(overlapping.build(), new ElfLimits(1L << 30, 0x10));
        assertThat(r.error()).isEqualTo(ElfError.ABSURD_SIZE);
    }

    @Test
    void everyCodeHasATestAbove() {
        // A reminder, not a proof: a new code should come with a test in this class.
        assertThat(ElfError.values()).hasSize(19);
    }

    private static String hex(long v) {
        return "0x" + Long.toHexString(v);
    }
}
