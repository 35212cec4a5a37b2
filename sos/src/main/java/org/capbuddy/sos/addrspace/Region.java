package org.capbuddy.sos.addrspace;

/**
 * A range [base, end) of a process's address space with its permissions, and where its pages'
 * first contents come from: zeros, or, for a region loaded from a program, one ELF segment
 * ({@code source}), copied into each page when the process first touches it.
 *
 * @param source the segment that fills the region's pages, or null for a region whose pages start zeroed
 */
public record Region(RegionKind kind, long base, long end, boolean read, boolean write, boolean execute,
        ImageSource source) {

    /** A region whose pages start zeroed. */
    public Region(RegionKind kind, long base, long end, boolean read, boolean write, boolean execute) {
        this(kind, base, end, read, write, execute, null);
    }

    public boolean contains(long vaddr) {
        return vaddr >= base && vaddr < end;
    }

    public boolean overlaps(long otherBase, long otherEnd) {
        return base < otherEnd && otherBase < end;
    }

    public long size() {
        return end - base;
    }

    /** Whether the region's pages are filled from a program image rather than starting zeroed. */
    public boolean isImageBacked() {
        return source != null;
    }

    Region withEnd(long newEnd) {
        return new Region(kind, base, newEnd, read, write, execute, source);
    }

    Region withBase(long newBase) {
        return new Region(kind, newBase, end, read, write, execute, source);
    }
}
