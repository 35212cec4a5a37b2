package org.capbuddy.sos;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.capbuddy.aarch64.elf.ElfImage;
import org.capbuddy.aarch64.elf.ElfParser;
import org.capbuddy.aarch64.elf.ElfResult;

/**
 * Test support: small AArch64 ELF programs made in memory, and the compiled ones committed
 * beside the modules. The layout imitates GNU ld's: the first {@code PT_LOAD} loads the ELF header
 * and program headers (the first {@link #HEADER_AREA} bytes of the file) followed by the code, at
 * a page address; every other segment's bytes are at the next file offset congruent to its
 * address modulo 4 KiB. The entry point is the first byte of the code.
 */
public final class TestElf {
    /** Bytes of the file before the code: the headers, room for 17 program headers. */
    public static final int HEADER_AREA = 0x400;
    /** Where the committed programs are, from the module's directory (where tests run). */
    public static final Path PROGRAMS = Path.of("..", "programs", "bin");

    private record Load(long vaddr, long memSize, int flags, byte[] content) {
    }

    private final int type;
    private final List<Load> loads = new ArrayList<>();
    private boolean interp;

    private TestElf(int type, long codeAddress, byte[] code, long codeMemSize) {
        this.type = type;
        loads.add(new Load(codeAddress, codeMemSize, ElfParser.PF_R | ElfParser.PF_X, code));
    }

    /** An {@code ET_EXEC} whose first segment (R+X) at page address {@code at} loads the headers, then {@code code}. */
    public static TestElf exec(long at, byte[] code) {
        return new TestElf(2, at, code, HEADER_AREA + code.length);
    }

    /** As {@link #exec(long, byte[])}, the first segment {@code memSize} bytes long. */
    public static TestElf exec(long at, byte[] code, long memSize) {
        return new TestElf(2, at, code, memSize);
    }

    /** An {@code ET_DYN} (static-PIE) laid out as {@link #exec(long, byte[])}. */
    public static TestElf dyn(long at, byte[] code) {
        return new TestElf(3, at, code, HEADER_AREA + code.length);
    }

    /** Adds a {@code PT_LOAD} of {@code memSize} bytes whose file bytes are {@code content}; perms like "rw", "rx". */
    public TestElf load(long vaddr, long memSize, String perms, byte[] content) {
        int flags = (perms.contains("r") ? ElfParser.PF_R : 0) | (perms.contains("w") ? ElfParser.PF_W : 0)
                | (perms.contains("x") ? ElfParser.PF_X : 0);
        loads.add(new Load(vaddr, memSize, flags, content));
        return this;
    }

    /** Adds a {@code PT_INTERP}, making the program dynamically linked. */
    public TestElf interp() {
        interp = true;
        return this;
    }

    public byte[] build() {
        int count = loads.size() + (interp ? 1 : 0);
        if (ElfParser.EHDR_SIZE + count * ElfParser.PHDR_SIZE > HEADER_AREA) {
            throw new IllegalStateException("too many program headers: " + count);
        }
        long[] offsets = new long[loads.size()];
        long cursor = HEADER_AREA + loads.get(0).content().length;
        for (int k = 1; k < loads.size(); k++) {
            long vaddr = loads.get(k).vaddr();
            long offset = (cursor & ~0xfffL) | (vaddr & 0xfff);
            offsets[k] = offset < cursor ? offset + 0x1000 : offset;
            cursor = offsets[k] + loads.get(k).content().length;
        }
        byte[] path = "/lib/ld-musl-aarch64.so.1\0".getBytes();
        long interpAt = cursor;
        byte[] file = new byte[(int) (cursor + (interp ? path.length : 0))];
        Load first = loads.get(0);
        file[0] = 0x7f;
        file[1] = 'E';
        file[2] = 'L';
        file[3] = 'F';
        file[4] = 2;
        file[5] = 1;
        file[6] = 1;
        put(file, 16, 2, type);
        put(file, 18, 2, ElfParser.EM_AARCH64);
        put(file, 20, 4, 1);
        put(file, 24, 8, first.vaddr() + HEADER_AREA);
        put(file, 32, 8, ElfParser.EHDR_SIZE);
        put(file, 52, 2, ElfParser.EHDR_SIZE);
        put(file, 54, 2, ElfParser.PHDR_SIZE);
        put(file, 56, 2, count);
        int at = ElfParser.EHDR_SIZE;
        if (interp) {
            phdr(file, at, ElfParser.PT_INTERP, ElfParser.PF_R, interpAt, 0, path.length, path.length, 1);
            System.arraycopy(path, 0, file, (int) interpAt, path.length);
            at += ElfParser.PHDR_SIZE;
        }
        for (int k = 0; k < loads.size(); k++) {
            Load l = loads.get(k);
            long filesz = k == 0 ? HEADER_AREA + l.content().length : l.content().length;
            System.arraycopy(l.content(), 0, file, (int) offsets[k] + (k == 0 ? HEADER_AREA : 0), l.content().length);
            phdr(file, at, ElfParser.PT_LOAD, l.flags(), offsets[k], l.vaddr(), filesz, Math.max(filesz, l.memSize()),
                    0x1000);
            at += ElfParser.PHDR_SIZE;
        }
        return file;
    }

    /** The image of {@link #build()}, which the parser must accept. */
    public ElfImage image() {
        return parse(build());
    }

    /** Parses {@code file}, failing the test if it is refused. */
    public static ElfImage parse(byte[] file) {
        ElfResult r = ElfParser.parse(file);
        if (!(r instanceof ElfResult.Ok ok)) {
            throw new AssertionError("refused: " + r);
        }
        return ok.image();
    }

    /** A committed program, e.g. "hello.elf". */
    public static byte[] program(String name) {
        try {
            return Files.readAllBytes(PROGRAMS.resolve(name));
        } catch (IOException e) {
            String where = " (tests run in the module's directory)";
            throw new UncheckedIOException("the committed test program " + name + where, e);
        }
    }

    private static void phdr(byte[] file, int at, int type, int flags, long offset, long vaddr, long filesz, long memsz,
            long align) {
        put(file, at, 4, type);
        put(file, at + 4, 4, flags);
        put(file, at + 8, 8, offset);
        put(file, at + 16, 8, vaddr);
        put(file, at + 24, 8, vaddr);
        put(file, at + 32, 8, filesz);
        put(file, at + 40, 8, memsz);
        put(file, at + 48, 8, align);
    }

    /** Writes {@code value} little-endian in {@code size} bytes at {@code at}. */
    public static void put(byte[] file, int at, int size, long value) {
        for (int i = 0; i < size; i++) {
            file[at + i] = (byte) (value >>> (8 * i));
        }
    }
}
