package org.capbuddy.sos.addrspace;

/** A range [base, end) of a process's address space with its permissions. */
public record Region(RegionKind kind, long base, long end, boolean read, boolean write, boolean execute) {

    public boolean contains(long vaddr) {
        return vaddr >= base && vaddr < end;
    }

    public boolean overlaps(long otherBase, long otherEnd) {
        return base < otherEnd && otherBase < end;
    }

    public long size() {
        return end - base;
    }

    Region withEnd(long newEnd) {
        return new Region(kind, base, newEnd, read, write, execute);
    }

    Region withBase(long newBase) {
        return new Region(kind, newBase, end, read, write, execute);
    }
}
