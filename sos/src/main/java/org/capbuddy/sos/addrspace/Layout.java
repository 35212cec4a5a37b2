package org.capbuddy.sos.addrspace;

/**
 * Where things go in a process's address space (AArch64, 4 KiB pages, 48-bit user space):
 *
 * <pre>
 *   0x0000_0000_0000  never mapped: the first 64 KiB, so that a null pointer faults
 *   0x0000_0040_0000  code (read + execute), then data (read + write); a program's
 *                     segments go where it was linked, anywhere from 64 KiB to the mmap area
 *   end of data       heap, from the page after data, moved by brk
 *   0x0020_0000_0000  anonymous mmap area, growing up
 *   0x008F_FF7F_F000  guard page (never mapped)
 *   0x008F_FF80_0000  stack, 8 MiB, growing down to the guard page
 *   0x0090_0000_0000  stack top (above 0x80_0000_0000, as pt_test asks)
 *   0x00A0_0000_0000  IPC buffer (one page)
 *   0x00A0_0000_1000  the signal page (kept free from the start, mapped at the first handler)
 * </pre>
 */
public final class Layout {
    public static final long PAGE = 4096;
    /** The end of user space: user addresses are [0, 2^47); no region, break or mapping reaches past it. */
    public static final long USER_TOP = 1L << 47;
    /**
     * The end of the area no region may cover: a null pointer, or a null pointer plus an offset
     * into a structure or array, faults instead of reading memory (Linux's {@code mmap_min_addr}).
     */
    public static final long NULL_GUARD_END = 0x1_0000L;
    public static final long CODE_BASE = 0x40_0000L;
    public static final long MMAP_BASE = 0x20_0000_0000L;
    public static final long STACK_TOP = 0x90_0000_0000L;
    public static final long STACK_SIZE = 8L << 20;
    public static final long STACK_BASE = STACK_TOP - STACK_SIZE;
    public static final long GUARD_PAGE = STACK_BASE - PAGE;
    public static final long IPC_BUFFER = 0xA0_0000_0000L;
    /**
     * The signal page's place, the page above the IPC buffer: kept from process creation, so that
     * no mapping takes it before the first handler is delivered, though no frame is mapped there
     * until then.
     */
    public static final long SIGNAL_PAGE = IPC_BUFFER + PAGE;

    private Layout() {
    }

    public static long pageUp(long v) {
        return (v + PAGE - 1) & -PAGE;
    }

    public static long pageDown(long v) {
        return v & -PAGE;
    }
}
