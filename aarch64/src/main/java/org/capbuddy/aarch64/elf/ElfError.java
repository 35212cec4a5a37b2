package org.capbuddy.aarch64.elf;

/**
 * Why {@link ElfParser} refused a file: one code per kind of format error, in the order the parser
 * checks them (the first failing check wins, as in seL4's decode functions, so a file with several
 * defects always gets the same answer). {@link #BAD_PROGRAM_HEADERS} and {@link #ABSURD_SIZE} are
 * checked at two points each; see {@link ElfParser} for the full sequence.
 */
public enum ElfError {
    /** The file is missing or shorter than the 64-byte ELF64 header. */
    TRUNCATED,
    /** {@code e_ident[0..3]} is not {@code 0x7f 'E' 'L' 'F'}. */
    BAD_MAGIC,
    /** {@code EI_CLASS} is not {@code ELFCLASS64}. */
    NOT_64_BIT,
    /** {@code EI_DATA} is not {@code ELFDATA2LSB}. */
    NOT_LITTLE_ENDIAN,
    /** {@code EI_VERSION} or {@code e_version} is not {@code EV_CURRENT} (1). */
    BAD_VERSION,
    /** {@code e_machine} is not {@code EM_AARCH64} (183). */
    WRONG_MACHINE,
    /** {@code e_type} is neither {@code ET_EXEC} nor {@code ET_DYN} (static-PIE). */
    WRONG_TYPE,
    /**
     * The program header table is unusable: {@code e_phentsize} is not 56, there are more than
     * {@link ElfParser#MAX_PROGRAM_HEADERS}, it lies outside the file, a header that may appear
     * once appears twice, {@code PT_PHDR} follows a {@code PT_LOAD}, or the {@code PT_LOAD}s are
     * not in ascending {@code p_vaddr} order.
     */
    BAD_PROGRAM_HEADERS,
    /** There is a {@code PT_INTERP}: the program wants a dynamic linker, which SOS does not have. */
    DYNAMIC,
    /** A {@code PT_LOAD}'s {@code p_offset + p_filesz} passes the end of the file (or wraps). */
    SEGMENT_OUT_OF_FILE,
    /** A {@code PT_LOAD}'s {@code p_filesz} exceeds its {@code p_memsz}. */
    FILE_SIZE_OVER_MEM_SIZE,
    /** A {@code PT_LOAD}'s {@code p_vaddr + p_memsz} wraps or passes the 2^48-byte user address space. */
    ADDRESS_OVERFLOW,
    /**
     * A {@code PT_LOAD}'s {@code p_align} is above 1 and not a power of two, or its {@code p_vaddr}
     * and {@code p_offset} differ modulo the 4 KiB page.
     */
    MISALIGNED,
    /** A {@code PT_LOAD}, or all of them together, is larger than the caller's {@link ElfLimits}. */
    ABSURD_SIZE,
    /** No {@code PT_LOAD} with a nonzero {@code p_memsz}: nothing to load. */
    NO_LOADABLE_SEGMENT,
    /** Two {@code PT_LOAD}s claim the same byte of virtual memory (sharing a page is allowed). */
    OVERLAPPING_SEGMENTS,
    /** {@code PT_PHDR} does not point at the program header table as loaded by some {@code PT_LOAD}. */
    BAD_PHDR,
    /**
     * {@code PT_TLS} is inconsistent: {@code p_filesz > p_memsz}, bad alignment, an address that
     * wraps or is too large, or an initialisation image not loaded from the file by a {@code PT_LOAD}.
     */
    BAD_TLS,
    /**
     * {@code e_entry} is not 4-byte aligned or not inside the file-backed bytes of an executable
     * {@code PT_LOAD}.
     */
    ENTRY_NOT_EXECUTABLE
}
