package org.capbuddy.aarch64.elf;

/**
 * One {@code PT_LOAD} program header: {@code memSize} bytes of the program's memory image at
 * {@code vaddr}, of which the first {@code fileSize} come from the file at {@code fileOffset} and
 * the rest (the {@code .bss} tail) are zero. For an {@code ET_DYN} image every address is relative
 * to the load base.
 *
 * <p>{@link ElfParser} only hands out segments with {@code memSize > 0},
 * {@code fileSize <= memSize}, {@code fileOffset + fileSize} inside the file and
 * {@code vaddr + memSize <= 2^48}, so the arithmetic in the methods below cannot overflow for them.
 *
 * @param vaddr {@code p_vaddr}
 * @param memSize {@code p_memsz}
 * @param fileOffset {@code p_offset}
 * @param fileSize {@code p_filesz}
 * @param read {@code PF_R}
 * @param write {@code PF_W}
 * @param execute {@code PF_X}
 * @param align {@code p_align} (0 or 1: none; otherwise a power of two)
 */
public record Segment(long vaddr, long memSize, long fileOffset, long fileSize, boolean read, boolean write,
        boolean execute, long align) {

    /** The translation granule segments are placed in: 4 KiB, the granule SOS maps with. */
    public static final long PAGE_SIZE = 4096;

    /** The first address past the segment. */
    public long end() {
        return vaddr + memSize;
    }

    /** The first address of the zero-filled part; equal to {@link #end()} if there is none. */
    public long fileEnd() {
        return vaddr + fileSize;
    }

    /** Whether {@code address} is one of the segment's bytes (compared unsigned). */
    public boolean contains(long address) {
        return Long.compareUnsigned(address - vaddr, memSize) < 0;
    }

    /** The address of the page holding the segment's first byte. */
    public long firstPage() {
        return vaddr & -PAGE_SIZE;
    }

    /** The address of the page holding the segment's last byte. */
    public long lastPage() {
        return (end() - 1) & -PAGE_SIZE;
    }

    /** How many pages the segment touches. */
    public long pageCount() {
        return ((lastPage() - firstPage()) / PAGE_SIZE) + 1;
    }

    /**
     * Whether the two segments touch a common 4 KiB page, with or without sharing bytes. A loader
     * that maps one frame per page must then give that frame the bytes (and a permission) of both.
     */
    public boolean sharesPageWith(Segment other) {
        return firstPage() <= other.lastPage() && other.firstPage() <= lastPage();
    }
}
