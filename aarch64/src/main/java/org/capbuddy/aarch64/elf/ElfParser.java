package org.capbuddy.aarch64.elf;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * Decodes an ELF64 AArch64 executable into an {@link ElfImage}, or refuses it with an
 * {@link ElfError} and a sentence saying what is wrong. It checks the format only; whether the
 * segments fit the user address space the loader has in mind (below the kernel half, clear of the
 * stack and IPC buffer) is the loader's decision.
 *
 * <p>{@link #parse} never throws on any file: every field is read after the range holding it has
 * been checked against the file's length, and every sum of two 64-bit fields is done as an
 * unsigned comparison against a bound instead (no {@code p_offset + p_filesz} is ever computed
 * before it is known not to wrap). Section headers are not read at all: loading needs none, and
 * stripped programs may lack them.
 *
 * <p>The checks run in this fixed order; the first to fail is reported:
 * <ol>
 * <li>{@link ElfError#TRUNCATED}: the file is at least the 64-byte ELF64 header.
 * <li>{@link ElfError#BAD_MAGIC}: {@code e_ident} starts with {@code 0x7f 'E' 'L' 'F'}.
 * <li>{@link ElfError#NOT_64_BIT}: {@code EI_CLASS} is {@code ELFCLASS64}.
 * <li>{@link ElfError#NOT_LITTLE_ENDIAN}: {@code EI_DATA} is {@code ELFDATA2LSB}.
 * <li>{@link ElfError#BAD_VERSION}: {@code EI_VERSION} and {@code e_version} are 1.
 * <li>{@link ElfError#WRONG_MACHINE}: {@code e_machine} is {@code EM_AARCH64}.
 * <li>{@link ElfError#WRONG_TYPE}: {@code e_type} is {@code ET_EXEC} or {@code ET_DYN}.
 * <li>{@link ElfError#BAD_PROGRAM_HEADERS}: {@code e_phentsize} is 56, {@code e_phnum} is at most
 * {@value #MAX_PROGRAM_HEADERS}, and the table is inside the file.
 * <li>{@link ElfError#DYNAMIC}: no header is {@code PT_INTERP}. Checked before the remaining table
 * checks so that a dynamically linked program always gets the sentence telling its author what to do.
 * <li>{@link ElfError#BAD_PROGRAM_HEADERS}, in header order: at most one {@code PT_PHDR},
 * {@code PT_TLS} and {@code PT_GNU_STACK}; {@code PT_PHDR} before every {@code PT_LOAD}; the
 * {@code PT_LOAD}s in ascending {@code p_vaddr} order (the ELF specification requires both).
 * <li>For each {@code PT_LOAD} in header order, in this order: {@link ElfError#SEGMENT_OUT_OF_FILE}
 * (only a segment with file bytes: a bss-only one may name any offset),
 * {@link ElfError#FILE_SIZE_OVER_MEM_SIZE}, {@link ElfError#ADDRESS_OVERFLOW},
 * {@link ElfError#MISALIGNED} (alignment a power of two, then {@code p_vaddr} congruent to
 * {@code p_offset} modulo 4096), {@link ElfError#ABSURD_SIZE} ({@code p_memsz} over the
 * per-segment limit). A {@code PT_LOAD} with {@code p_memsz == 0} is checked and then dropped.
 * Congruence modulo a {@code p_align} above 4096 is not required (Linux does not require it
 * either): the loader copies pages rather than mapping the file, so only the page offset matters.
 * <li>{@link ElfError#NO_LOADABLE_SEGMENT}: at least one {@code PT_LOAD} is left.
 * <li>{@link ElfError#ABSURD_SIZE}: the sum of the {@code p_memsz} is within the total limit.
 * <li>{@link ElfError#OVERLAPPING_SEGMENTS}: each segment starts at or after the end of the one
 * before it. Sharing a page is not overlapping; see {@link ElfImage}.
 * <li>{@link ElfError#BAD_PHDR}: if there is a {@code PT_PHDR}, its {@code p_vaddr} is where a
 * {@code PT_LOAD} loads the whole table from {@code e_phoff}.
 * <li>{@link ElfError#BAD_TLS}: if there is a {@code PT_TLS}, {@code p_filesz <= p_memsz}, its
 * alignment is 0, 1 or a power of two, {@code p_vaddr + p_memsz} is within 2^48, {@code p_memsz}
 * is within the per-segment limit, and its initialisation image is file-backed bytes of one
 * {@code PT_LOAD}.
 * <li>{@link ElfError#ENTRY_NOT_EXECUTABLE}: {@code e_entry} is 4-byte aligned and its instruction
 * is file-backed bytes of a {@code PT_LOAD} with {@code PF_X}.
 * </ol>
 */
public final class ElfParser {
    /** {@code EM_AARCH64}. */
    public static final int EM_AARCH64 = 183;
    /** The size of the ELF64 file header. */
    public static final int EHDR_SIZE = 64;
    /** The size of an ELF64 program header, the only {@code e_phentsize} accepted. */
    public static final int PHDR_SIZE = 56;
    /**
     * The most program headers accepted. Real static programs have fewer than 16; the bound keeps
     * the work per file small and refuses {@code PN_XNUM} (0xffff), the escape to a count in the
     * first section header, which no loader needs.
     */
    public static final int MAX_PROGRAM_HEADERS = 64;
    /** The top of an AArch64 user address space with 48-bit virtual addresses. */
    public static final long USER_ADDRESS_LIMIT = 1L << 48;

    // p_type values the parser acts on; it ignores the others (PT_NOTE, PT_DYNAMIC, PT_GNU_RELRO, ...),
    // as the ELF specification asks of loaders.
    /** {@code p_type}: a segment to load. */
    public static final int PT_LOAD = 1;
    /** {@code p_type}: the path of a dynamic linker; its presence is {@link ElfError#DYNAMIC}. */
    public static final int PT_INTERP = 3;
    /** {@code p_type}: where the program header table itself is loaded. */
    public static final int PT_PHDR = 6;
    /** {@code p_type}: the thread-local storage template. */
    public static final int PT_TLS = 7;
    /** {@code p_type}: whether the stack should be executable ({@code PF_X} in its flags). */
    public static final int PT_GNU_STACK = 0x6474e551;

    /** {@code p_flags}: executable. */
    public static final int PF_X = 1;
    /** {@code p_flags}: writable. */
    public static final int PF_W = 2;
    /** {@code p_flags}: readable. */
    public static final int PF_R = 4;

    private static final int ET_EXEC = 2;
    private static final int ET_DYN = 3;
    private static final long PAGE_MASK = Segment.PAGE_SIZE - 1;

    private ElfParser() {
    }

    /** {@link #parse(byte[], ElfLimits)} with {@link ElfLimits#DEFAULT}. */
    public static ElfResult parse(byte[] file) {
        return parse(file, ElfLimits.DEFAULT);
    }

    /**
     * Parses {@code file}, which the returned image keeps (not copied). Never throws for any
     * content of {@code file}, including {@code null}.
     *
     * @param limits the size bounds; trusted configuration, not input, so {@code null} is a bug
     */
    public static ElfResult parse(byte[] file, ElfLimits limits) {
        Objects.requireNonNull(limits, "limits");
        // a file length is a count a person reads: in decimal, unlike the header's fields
        if (file == null || file.length < EHDR_SIZE) {
            return refuse(ElfError.TRUNCATED, "the file is " + (file == null ? "missing" : file.length == 0 ? "empty"
                    : file.length + " bytes long") + ", shorter than the " + EHDR_SIZE + "-byte ELF64 header");
        }
        if (file[0] != 0x7f || file[1] != 'E' || file[2] != 'L' || file[3] != 'F') {
            return refuse(ElfError.BAD_MAGIC, "not an ELF file: it starts with " + hex(u8(file, 0)) + " " + hex(u8(file, 1))
                    + " " + hex(u8(file, 2)) + " " + hex(u8(file, 3)) + ", not the ELF magic 0x7f 'E' 'L' 'F'"
                    + textHint(file));
        }
        if (u8(file, 4) != 2) {
            return refuse(ElfError.NOT_64_BIT, "EI_CLASS is " + hex(u8(file, 4))
                    + (u8(file, 4) == 1 ? " (ELFCLASS32)" : "") + ", not ELFCLASS64 (0x2): only 64-bit programs run on AArch64");
        }
        if (u8(file, 5) != 1) {
            return refuse(ElfError.NOT_LITTLE_ENDIAN, "EI_DATA is " + hex(u8(file, 5))
                    + (u8(file, 5) == 2 ? " (ELFDATA2MSB, big-endian)" : "") + ", not ELFDATA2LSB (0x1): the interpreter runs little-endian");
        }
        long version = u32(file, 20);
        if (u8(file, 6) != 1 || version != 1) {
            return refuse(ElfError.BAD_VERSION, "EI_VERSION is " + hex(u8(file, 6)) + " and e_version is " + hex(version)
                    + "; both must be EV_CURRENT (0x1)");
        }
        int machine = u16(file, 18);
        if (machine != EM_AARCH64) {
            return refuse(ElfError.WRONG_MACHINE, "e_machine is " + hex(machine) + machineName(machine) + ", not EM_AARCH64 ("
                    + hex(EM_AARCH64) + "): a program for another processor; build it for AArch64 (aarch64-linux-gnu-gcc)");
        }
        int typeCode = u16(file, 16);
        ElfType type;
        if (typeCode == ET_EXEC) {
            type = ElfType.EXEC;
        } else if (typeCode == ET_DYN) {
            type = ElfType.DYN;
        } else {
            return refuse(ElfError.WRONG_TYPE, "e_type is " + hex(typeCode) + switch (typeCode) {
                case 1 -> " (ET_REL, an object file, as gcc -c makes: link it into a program)";
                case 4 -> " (ET_CORE, a core dump)";
                default -> "";
            } + ", neither ET_EXEC (0x2) nor ET_DYN (0x3, static-PIE): not a program");
        }

        int phentsize = u16(file, 54);
        int phnum = u16(file, 56);
        long phoff = u64(file, 32);
        if (phentsize != PHDR_SIZE) {
            return refuse(ElfError.BAD_PROGRAM_HEADERS, "e_phentsize is " + hex(phentsize) + ", not " + hex(PHDR_SIZE)
                    + ", the size of an ELF64 program header");
        }
        if (phnum > MAX_PROGRAM_HEADERS) {
            return refuse(ElfError.BAD_PROGRAM_HEADERS, "e_phnum is " + hex(phnum) + (phnum == 0xffff ? " (PN_XNUM)" : "")
                    + ", more than the " + hex(MAX_PROGRAM_HEADERS) + " program headers accepted");
        }
        long tableSize = (long) phnum * PHDR_SIZE;
        if (!fits(phoff, tableSize, file.length)) {
            return refuse(ElfError.BAD_PROGRAM_HEADERS, "the program header table at e_phoff " + hex(phoff) + " of "
                    + hex(phnum) + " entries (" + hex(tableSize) + " bytes) does not fit in the " + hex(file.length) + "-byte file");
        }
        // From here every header's 56 bytes are inside the file.
        Headers h = new Headers(file, (int) phoff);

        for (int i = 0; i < phnum; i++) {
            if (h.type(i) == PT_INTERP) {
                return refuse(ElfError.DYNAMIC, "dynamically linked executables are not supported; link with -static"
                        + " (program header " + i + " is PT_INTERP)");
            }
        }

        int phdrIndex = -1;
        int tlsIndex = -1;
        int stackIndex = -1;
        int previousLoad = -1;
        for (int i = 0; i < phnum; i++) {
            int t = h.type(i);
            if (t == PT_PHDR) {
                if (phdrIndex >= 0) {
                    return duplicate("PT_PHDR", phdrIndex, i);
                }
                if (previousLoad >= 0) {
                    return refuse(ElfError.BAD_PROGRAM_HEADERS, "program header " + i + " is PT_PHDR but follows PT_LOAD "
                            + "program header " + previousLoad + "; PT_PHDR must precede every PT_LOAD");
                }
                phdrIndex = i;
            } else if (t == PT_TLS) {
                if (tlsIndex >= 0) {
                    return duplicate("PT_TLS", tlsIndex, i);
                }
                tlsIndex = i;
            } else if (t == PT_GNU_STACK) {
                if (stackIndex >= 0) {
                    return duplicate("PT_GNU_STACK", stackIndex, i);
                }
                stackIndex = i;
            } else if (t == PT_LOAD) {
                if (previousLoad >= 0 && Long.compareUnsigned(h.vaddr(i), h.vaddr(previousLoad)) < 0) {
                    return refuse(ElfError.BAD_PROGRAM_HEADERS, "PT_LOAD program header " + i + " has p_vaddr "
                            + hex(h.vaddr(i)) + ", below the " + hex(h.vaddr(previousLoad)) + " of PT_LOAD program header "
                            + previousLoad + "; PT_LOADs must be in ascending p_vaddr order");
                }
                previousLoad = i;
            }
        }

        List<Segment> segments = new ArrayList<>();
        List<Integer> indices = new ArrayList<>();
        for (int i = 0; i < phnum; i++) {
            if (h.type(i) != PT_LOAD) {
                continue;
            }
            long offset = h.offset(i);
            long vaddr = h.vaddr(i);
            long filesz = h.filesz(i);
            long memsz = h.memsz(i);
            long align = h.align(i);
            String name = "PT_LOAD program header " + i;
            // A segment with no file bytes (all bss) names no part of the file, whatever its p_offset:
            // GNU ld gives such segments an offset past the end of a short file.
            if (filesz != 0 && !fits(offset, filesz, file.length)) {
                return refuse(ElfError.SEGMENT_OUT_OF_FILE, name + " has p_offset " + hex(offset) + " and p_filesz "
                        + hex(filesz) + ", which run past the end of the " + hex(file.length) + "-byte file");
            }
            if (Long.compareUnsigned(filesz, memsz) > 0) {
                return refuse(ElfError.FILE_SIZE_OVER_MEM_SIZE, name + " has p_filesz " + hex(filesz)
                        + " larger than its p_memsz " + hex(memsz));
            }
            if (!fits(vaddr, memsz, USER_ADDRESS_LIMIT)) {
                return refuse(ElfError.ADDRESS_OVERFLOW, name + " has p_vaddr " + hex(vaddr) + " and p_memsz " + hex(memsz)
                        + ", which end beyond the " + hex(USER_ADDRESS_LIMIT) + " top of the user address space");
            }
            if (Long.compareUnsigned(align, 1) > 0 && (align & (align - 1)) != 0) {
                return refuse(ElfError.MISALIGNED, name + " has p_align " + hex(align) + ", which is not a power of two");
            }
            if ((vaddr & PAGE_MASK) != (offset & PAGE_MASK)) {
                return refuse(ElfError.MISALIGNED, name + " has p_vaddr " + hex(vaddr) + " and p_offset " + hex(offset)
                        + ", which differ modulo the " + hex(Segment.PAGE_SIZE) + "-byte page");
            }
            if (Long.compareUnsigned(memsz, limits.maxSegmentBytes()) > 0) {
                return refuse(ElfError.ABSURD_SIZE, name + " has p_memsz " + hex(memsz) + ", more than the "
                        + hex(limits.maxSegmentBytes()) + "-byte limit for one segment");
            }
            if (memsz != 0) {
                int flags = h.flags(i);
                segments.add(new Segment(vaddr, memsz, offset, filesz, (flags & PF_R) != 0, (flags & PF_W) != 0,
                        (flags & PF_X) != 0, align));
                indices.add(i);
            }
        }
        if (segments.isEmpty()) {
            return refuse(ElfError.NO_LOADABLE_SEGMENT, "none of the " + phnum
                    + " program headers is a PT_LOAD with a nonzero p_memsz; there is nothing to load");
        }
        // Each p_memsz is below 2^48 and there are at most 64, so the sum cannot overflow.
        long total = 0;
        for (Segment s : segments) {
            total += s.memSize();
        }
        if (total > limits.maxTotalBytes()) {
            return refuse(ElfError.ABSURD_SIZE, "the " + segments.size() + " PT_LOAD segments total " + hex(total)
                    + " bytes, more than the " + hex(limits.maxTotalBytes()) + "-byte limit");
        }
        for (int k = 1; k < segments.size(); k++) {
            Segment before = segments.get(k - 1);
            Segment after = segments.get(k);
            if (before.end() > after.vaddr()) {
                return refuse(ElfError.OVERLAPPING_SEGMENTS, "PT_LOAD program header " + indices.get(k) + " starts at "
                        + hex(after.vaddr()) + ", inside PT_LOAD program header " + indices.get(k - 1) + " at ["
                        + hex(before.vaddr()) + ", " + hex(before.end()) + ")");
            }
        }

        OptionalLong phdrVaddr;
        if (phdrIndex >= 0) {
            long claimed = h.vaddr(phdrIndex);
            if (loaderOf(segments, claimed, tableSize, phoff) == null) {
                return refuse(ElfError.BAD_PHDR, "PT_PHDR program header " + phdrIndex + " says the table is at "
                        + hex(claimed) + ", but no PT_LOAD loads the " + hex(tableSize) + "-byte table from e_phoff "
                        + hex(phoff) + " there");
            }
            phdrVaddr = OptionalLong.of(claimed);
        } else {
            phdrVaddr = OptionalLong.empty();
            for (Segment s : segments) {
                // Both sides stay below 2^31: offsets and sizes here are inside the file.
                if (s.fileOffset() <= phoff && phoff + tableSize <= s.fileOffset() + s.fileSize()) {
                    phdrVaddr = OptionalLong.of(s.vaddr() + (phoff - s.fileOffset()));
                    break;
                }
            }
        }

        Optional<TlsSegment> tls = Optional.empty();
        if (tlsIndex >= 0) {
            TlsSegment t = new TlsSegment(h.vaddr(tlsIndex), h.memsz(tlsIndex), h.filesz(tlsIndex), h.align(tlsIndex));
            String name = "PT_TLS program header " + tlsIndex;
            if (Long.compareUnsigned(t.fileSize(), t.memSize()) > 0) {
                return refuse(ElfError.BAD_TLS, name + " has p_filesz " + hex(t.fileSize()) + " larger than its p_memsz "
                        + hex(t.memSize()));
            }
            if (Long.compareUnsigned(t.align(), 1) > 0 && (t.align() & (t.align() - 1)) != 0) {
                return refuse(ElfError.BAD_TLS, name + " has p_align " + hex(t.align()) + ", which is not a power of two");
            }
            if (!fits(t.vaddr(), t.memSize(), USER_ADDRESS_LIMIT)) {
                return refuse(ElfError.BAD_TLS, name + " has p_vaddr " + hex(t.vaddr()) + " and p_memsz " + hex(t.memSize())
                        + ", which end beyond the " + hex(USER_ADDRESS_LIMIT) + " top of the user address space");
            }
            if (t.memSize() > limits.maxSegmentBytes()) {
                return refuse(ElfError.BAD_TLS, name + " has p_memsz " + hex(t.memSize()) + ", more than the "
                        + hex(limits.maxSegmentBytes()) + "-byte limit for one segment");
            }
            if (t.fileSize() != 0 && fileBacking(segments, t.vaddr(), t.fileSize(), false) == null) {
                return refuse(ElfError.BAD_TLS, name + " has its " + hex(t.fileSize()) + "-byte initialisation image at "
                        + hex(t.vaddr()) + ", which is not inside the file-backed bytes of one PT_LOAD");
            }
            tls = Optional.of(t);
        }

        long entry = u64(file, 24);
        if ((entry & 3) != 0) {
            return refuse(ElfError.ENTRY_NOT_EXECUTABLE, "e_entry " + hex(entry)
                    + " is not 4-byte aligned, as every A64 instruction is");
        }
        if (fileBacking(segments, entry, 4, true) == null) {
            Segment holder = null;
            for (Segment s : segments) {
                if (s.contains(entry)) {
                    holder = s;
                }
            }
            String where = holder == null ? "not in any PT_LOAD"
                    : !holder.execute() ? "in PT_LOAD program header " + indices.get(segments.indexOf(holder)) + ", which lacks PF_X"
                    : "in the zero-filled tail of PT_LOAD program header " + indices.get(segments.indexOf(holder))
                            + ", past its file-backed bytes";
            return refuse(ElfError.ENTRY_NOT_EXECUTABLE, "e_entry " + hex(entry) + " is " + where);
        }

        OptionalInt stackFlags = stackIndex >= 0 ? OptionalInt.of(h.flags(stackIndex)) : OptionalInt.empty();
        return new ElfResult.Ok(new ElfImage(file, type, entry, segments, phdrVaddr, phoff, phentsize, phnum, tls,
                stackFlags));
    }

    /** The segment (executable, if asked) whose file-backed bytes include {@code [vaddr, vaddr + size)}, or null. */
    private static Segment fileBacking(List<Segment> segments, long vaddr, long size, boolean executable) {
        for (Segment s : segments) {
            if ((!executable || s.execute()) && Long.compareUnsigned(vaddr, s.vaddr()) >= 0
                    && fits(vaddr - s.vaddr(), size, s.fileSize())) {
                return s;
            }
        }
        return null;
    }

    /** The segment that loads the {@code size} file bytes at {@code offset} to {@code vaddr}, or null. */
    private static Segment loaderOf(List<Segment> segments, long vaddr, long size, long offset) {
        Segment s = fileBacking(segments, vaddr, size, false);
        return s != null && s.fileOffset() + (vaddr - s.vaddr()) == offset ? s : null;
    }

    /** Whether {@code [start, start + size)} lies within {@code [0, limit)}, all three unsigned, without computing the sum first. */
    private static boolean fits(long start, long size, long limit) {
        return Long.compareUnsigned(start, limit) <= 0 && Long.compareUnsigned(size, limit - start) <= 0;
    }

    private static ElfResult duplicate(String what, int first, int second) {
        return refuse(ElfError.BAD_PROGRAM_HEADERS, "program headers " + first + " and " + second + " are both " + what
                + "; at most one is allowed");
    }

    private static ElfResult refuse(ElfError error, String detail) {
        return new ElfResult.Refused(error, detail);
    }

    /**
     * For a file that is not ELF: a hint when its first bytes (up to 64) are all printable ASCII
     * text, the likeliest mistake being a source file or a script given instead of the program
     * the compiler made; empty otherwise.
     */
    private static String textHint(byte[] file) {
        for (int i = 0; i < EHDR_SIZE; i++) {
            int c = u8(file, i);
            if ((c < 0x20 || c > 0x7e) && c != '\n' && c != '\r' && c != '\t') {
                return "";
            }
        }
        return file[0] == '#' && file[1] == '!' ? "; it is a script: give the compiled program"
                : "; it looks like text (a source file?): give the program the compiler made";
    }

    /** The name of a common {@code e_machine} value in parentheses, or empty. */
    private static String machineName(int machine) {
        return switch (machine) {
            case 3 -> " (x86, i386)";
            case 8 -> " (MIPS)";
            case 20 -> " (PowerPC)";
            case 21 -> " (PowerPC 64)";
            case 40 -> " (32-bit Arm)";
            case 62 -> " (x86-64)";
            case 243 -> " (RISC-V)";
            default -> "";
        };
    }

    private static String hex(long value) {
        return "0x" + Long.toHexString(value);
    }

    private static int u8(byte[] b, int off) {
        return b[off] & 0xff;
    }

    private static int u16(byte[] b, int off) {
        return u8(b, off) | u8(b, off + 1) << 8;
    }

    private static long u32(byte[] b, int off) {
        return (u16(b, off) | (long) u16(b, off + 2) << 16) & 0xffff_ffffL;
    }

    private static long u64(byte[] b, int off) {
        return u32(b, off) | u32(b, off + 4) << 32;
    }

    /** The fields of the program header table, whose bounds {@link #parse} has already checked. */
    private record Headers(byte[] file, int base) {
        int type(int i) {
            return (int) u32(file, at(i));
        }

        int flags(int i) {
            return (int) u32(file, at(i) + 4);
        }

        long offset(int i) {
            return u64(file, at(i) + 8);
        }

        long vaddr(int i) {
            return u64(file, at(i) + 16);
        }

        long filesz(int i) {
            return u64(file, at(i) + 32);
        }

        long memsz(int i) {
            return u64(file, at(i) + 40);
        }

        long align(int i) {
            return u64(file, at(i) + 48);
        }

        private int at(int i) {
            return base + i * PHDR_SIZE;
        }
    }
}
