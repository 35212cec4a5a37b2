package org.capbuddy.aarch64.elf;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Test support: assembles an ELF64 little-endian AArch64 program in memory, so tests can make good
 * files and, by poking fields of the result with {@link #put64} and friends, hostile ones, without
 * fixture files.
 *
 * <p>The layout imitates GNU ld's: the ELF header and program headers occupy the first
 * {@link #HEADER_AREA} bytes of the file, which {@link #headerSegment} loads together with the code
 * that follows them (so {@code AT_PHDR} can be found without {@code PT_PHDR}, as in real static
 * programs); every other segment gets the next file offset congruent to its address modulo 4 KiB.
 * The table lists {@code PT_PHDR}, {@code PT_INTERP}, the {@code PT_LOAD}s, {@code PT_TLS},
 * {@code PT_GNU_STACK}, then the extra headers, each only if asked for.
 */
public final class ElfBuilder {
    /** Bytes reserved at the start of the file for the headers: room for 17 program headers. */
    public static final int HEADER_AREA = 0x400;

    static final int EI_CLASS = 4;
    static final int EI_DATA = 5;
    static final int EI_VERSION = 6;
    static final int E_TYPE = 16;
    static final int E_MACHINE = 18;
    static final int E_VERSION = 20;
    static final int E_ENTRY = 24;
    static final int E_PHOFF = 32;
    static final int E_PHENTSIZE = 54;
    static final int E_PHNUM = 56;

    static final int P_TYPE = 0;
    static final int P_FLAGS = 4;
    static final int P_OFFSET = 8;
    static final int P_VADDR = 16;
    static final int P_FILESZ = 32;
    static final int P_MEMSZ = 40;
    static final int P_ALIGN = 48;

    static final int PT_NOTE = 4;
    static final int PT_GNU_RELRO = 0x6474e552;

    /** A64 {@code b .}: an instruction that is harmless to point the entry at. */
    static final int B_SELF = 0x14000000;

    /** A program header, written verbatim. */
    record Phdr(int type, int flags, long offset, long vaddr, long filesz, long memsz, long align) {
    }

    private record Load(long vaddr, long memSize, int flags, byte[] content, boolean holdsHeaders) {
    }

    private final int type;
    private Long entry;
    private final List<Load> loads = new ArrayList<>();
    private boolean ptPhdr;
    private boolean interp;
    private long[] tls;
    private Integer stackFlags;
    private final List<Phdr> extras = new ArrayList<>();

    private ElfBuilder(int type) {
        this.type = type;
    }

    /** An {@code ET_EXEC} program. */
    public static ElfBuilder exec() {
        return new ElfBuilder(2);
    }

    /** An {@code ET_DYN} (static-PIE) program. */
    static ElfBuilder dyn() {
        return new ElfBuilder(3);
    }

    /**
     * The first {@code PT_LOAD}: file offset 0 at page-aligned {@code vaddr}, holding the headers and
     * then {@code code} at {@code vaddr + HEADER_AREA}, which is the default entry point.
     */
    public ElfBuilder headerSegment(long vaddr, String perms, byte[] code) {
        return headerSegment(vaddr, perms, code, HEADER_AREA + code.length);
    }

    ElfBuilder headerSegment(long vaddr, String perms, byte[] code, long memSize) {
        if (!loads.isEmpty() || (vaddr & 0xfff) != 0) {
            throw new IllegalStateException("the header segment comes first, at a page address");
        }
        loads.add(new Load(vaddr, memSize, flags(perms), code, true));
        return this;
    }

    /** A {@code PT_LOAD} whose file bytes are {@code content} and whose size is {@code memSize}. */
    public ElfBuilder load(long vaddr, long memSize, String perms, byte[] content) {
        loads.add(new Load(vaddr, memSize, flags(perms), content, false));
        return this;
    }

    /** Adds a {@code PT_PHDR} saying where the header segment loads the table. */
    ElfBuilder withPtPhdr() {
        ptPhdr = true;
        return this;
    }

    /** Adds a {@code PT_INTERP} naming the glibc dynamic linker. */
    ElfBuilder interp() {
        interp = true;
        return this;
    }

    /** Adds a {@code PT_TLS}; its file offset is computed from the {@code PT_LOAD} holding {@code vaddr}, if any. */
    ElfBuilder tls(long vaddr, long fileSize, long memSize, long align) {
        tls = new long[] {vaddr, fileSize, memSize, align};
        return this;
    }

    /** Adds a {@code PT_GNU_STACK} with these permissions. */
    ElfBuilder gnuStack(String perms) {
        stackFlags = flags(perms);
        return this;
    }

    /** Appends a program header written as given. */
    ElfBuilder extra(Phdr phdr) {
        extras.add(phdr);
        return this;
    }

    /** Sets {@code e_entry} (default: the code of the header segment, else the first executable segment). */
    ElfBuilder entry(long address) {
        entry = address;
        return this;
    }

    /** The table index of the {@code k}-th {@code PT_LOAD}. */
    int loadIndex(int k) {
        return (ptPhdr ? 1 : 0) + (interp ? 1 : 0) + k;
    }

    /** The table index of {@code PT_TLS}. */
    int tlsIndex() {
        return loadIndex(loads.size());
    }

    /** The file offset of program header {@code index}. */
    static int phdrAt(int index) {
        return ElfParser.EHDR_SIZE + index * ElfParser.PHDR_SIZE;
    }

    public byte[] build() {
        List<Phdr> table = new ArrayList<>();
        int count = (ptPhdr ? 1 : 0) + (interp ? 1 : 0) + loads.size() + (tls != null ? 1 : 0)
                + (stackFlags != null ? 1 : 0) + extras.size();
        long tableSize = (long) count * ElfParser.PHDR_SIZE;
        if (ElfParser.EHDR_SIZE + tableSize > HEADER_AREA) {
            throw new IllegalStateException("too many program headers for the header area: " + count);
        }
        Load first = loads.isEmpty() ? null : loads.get(0);
        boolean headersLoaded = first != null && first.holdsHeaders();

        // Lay out the segments' file bytes.
        long[] offsets = new long[loads.size()];
        long cursor = HEADER_AREA;
        for (int k = 0; k < loads.size(); k++) {
            Load l = loads.get(k);
            if (l.holdsHeaders()) {
                offsets[k] = 0;
                cursor = HEADER_AREA + l.content().length;
            } else {
                long offset = (cursor & ~0xfffL) | (l.vaddr() & 0xfff);
                if (offset < cursor) {
                    offset += 0x1000;
                }
                offsets[k] = offset;
                cursor = offset + l.content().length;
            }
        }
        byte[] interpPath = "/lib/ld-linux-aarch64.so.1\0".getBytes(StandardCharsets.US_ASCII);
        long interpOffset = cursor;
        if (interp) {
            cursor += interpPath.length;
        }
        byte[] file = new byte[(int) Math.max(cursor, HEADER_AREA)];

        if (ptPhdr) {
            long base = headersLoaded ? first.vaddr() : 0;
            table.add(new Phdr(ElfParser.PT_PHDR, ElfParser.PF_R, ElfParser.EHDR_SIZE, base + ElfParser.EHDR_SIZE,
                    tableSize, tableSize, 8));
        }
        if (interp) {
            table.add(new Phdr(ElfParser.PT_INTERP, ElfParser.PF_R, interpOffset, 0, interpPath.length,
                    interpPath.length, 1));
            System.arraycopy(interpPath, 0, file, (int) interpOffset, interpPath.length);
        }
        for (int k = 0; k < loads.size(); k++) {
            Load l = loads.get(k);
            long filesz = l.holdsHeaders() ? HEADER_AREA + l.content().length : l.content().length;
            int at = (int) offsets[k] + (l.holdsHeaders() ? HEADER_AREA : 0);
            System.arraycopy(l.content(), 0, file, at, l.content().length);
            table.add(new Phdr(ElfParser.PT_LOAD, l.flags(), offsets[k], l.vaddr(), filesz, l.memSize(), 0x1000));
        }
        if (tls != null) {
            long offset = 0;
            for (int k = 0; k < loads.size(); k++) {
                Load l = loads.get(k);
                if (tls[0] >= l.vaddr() && tls[0] < l.vaddr() + l.memSize()) {
                    offset = offsets[k] + (tls[0] - l.vaddr());
                }
            }
            table.add(new Phdr(ElfParser.PT_TLS, ElfParser.PF_R, offset, tls[0], tls[1], tls[2], tls[3]));
        }
        if (stackFlags != null) {
            table.add(new Phdr(ElfParser.PT_GNU_STACK, stackFlags, 0, 0, 0, 0, 0x10));
        }
        table.addAll(extras);

        file[0] = 0x7f;
        file[1] = 'E';
        file[2] = 'L';
        file[3] = 'F';
        file[EI_CLASS] = 2;
        file[EI_DATA] = 1;
        file[EI_VERSION] = 1;
        put16(file, E_TYPE, type);
        put16(file, E_MACHINE, ElfParser.EM_AARCH64);
        put32(file, E_VERSION, 1);
        put64(file, E_ENTRY, entry != null ? entry : defaultEntry());
        put64(file, E_PHOFF, ElfParser.EHDR_SIZE);
        put16(file, 52, ElfParser.EHDR_SIZE);
        put16(file, E_PHENTSIZE, ElfParser.PHDR_SIZE);
        put16(file, E_PHNUM, table.size());
        put16(file, 58, 64);
        for (int i = 0; i < table.size(); i++) {
            Phdr p = table.get(i);
            int at = phdrAt(i);
            put32(file, at + P_TYPE, p.type());
            put32(file, at + P_FLAGS, p.flags());
            put64(file, at + P_OFFSET, p.offset());
            put64(file, at + P_VADDR, p.vaddr());
            put64(file, at + 24, p.vaddr());
            put64(file, at + P_FILESZ, p.filesz());
            put64(file, at + P_MEMSZ, p.memsz());
            put64(file, at + P_ALIGN, p.align());
        }
        return file;
    }

    private long defaultEntry() {
        for (Load l : loads) {
            if (l.holdsHeaders()) {
                return l.vaddr() + HEADER_AREA;
            }
        }
        for (Load l : loads) {
            if ((l.flags() & ElfParser.PF_X) != 0) {
                return l.vaddr();
            }
        }
        return 0;
    }

    private static int flags(String perms) {
        return (perms.contains("r") ? ElfParser.PF_R : 0) | (perms.contains("w") ? ElfParser.PF_W : 0)
                | (perms.contains("x") ? ElfParser.PF_X : 0);
    }

    /** Little-endian A64 instruction words. */
    static byte[] code(int... words) {
        byte[] b = new byte[words.length * 4];
        for (int i = 0; i < words.length; i++) {
            put32(b, i * 4, words[i] & 0xffff_ffffL);
        }
        return b;
    }

    /** {@code n} bytes that differ from their neighbours, so a misplaced copy shows. */
    static byte[] pattern(int n, int seed) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (i * 31 + seed * 7 + 1);
        }
        return b;
    }

    static void put16(byte[] b, int off, long v) {
        for (int i = 0; i < 2; i++) {
            b[off + i] = (byte) (v >>> (8 * i));
        }
    }

    static void put32(byte[] b, int off, long v) {
        for (int i = 0; i < 4; i++) {
            b[off + i] = (byte) (v >>> (8 * i));
        }
    }

    static void put64(byte[] b, int off, long v) {
        for (int i = 0; i < 8; i++) {
            b[off + i] = (byte) (v >>> (8 * i));
        }
    }

    static long get64(byte[] b, int off) {
        long v = 0;
        for (int i = 7; i >= 0; i--) {
            v = (v << 8) | (b[off + i] & 0xff);
        }
        return v;
    }
}
