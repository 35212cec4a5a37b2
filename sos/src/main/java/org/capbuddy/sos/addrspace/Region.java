package org.capbuddy.sos.addrspace;

/**
 * A range [base, end) of a process's address space with its permissions, and where its pages'
 * first contents come from: zeros, or, for a region loaded from a program, one ELF segment
 * ({@code source}), copied into each page when the process first touches it.
 *
 * @param source the segment that fills the region's pages, or null for a region whose pages start zeroed
 * @param shared the shared object whose pages the region's are (a MAP_SHARED anonymous mapping), or
 *               null for private memory
 */
public record Region(RegionKind kind, long base, long end, boolean read, boolean write, boolean execute,
        ImageSource source, SharedMemory shared) {

    /** A region whose pages start zeroed. */
    public Region(RegionKind kind, long base, long end, boolean read, boolean write, boolean execute) {
        this(kind, base, end, read, write, execute, null, null);
    }

    /** A private region, filled from {@code source} or zeroed. */
    public Region(RegionKind kind, long base, long end, boolean read, boolean write, boolean execute,
                  ImageSource source) {
        this(kind, base, end, read, write, execute, source, null);
    }

    /** Whether the region's pages are a shared object's, shared with every process whose region names it. */
    public boolean isShared() {
        return shared != null;
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

    /** The same region with other rights (mprotect), its contents' source and shared object kept. */
    Region withRights(long newBase, long newEnd, boolean r, boolean w, boolean x) {
        return new Region(kind, newBase, newEnd, r, w, x, source, shared);
    }

    Region withEnd(long newEnd) {
        return new Region(kind, base, newEnd, read, write, execute, source, shared);
    }

    Region withBase(long newBase) {
        return new Region(kind, newBase, end, read, write, execute, source, shared);
    }
}
