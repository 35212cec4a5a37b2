package org.capbuddy.sos.addrspace;

/** A range [base, end) of virtual addresses; empty when {@code base == end}. */
public record VaRange(long base, long end) {

    public boolean isEmpty() {
        return end <= base;
    }

    public boolean contains(long vaddr) {
        return vaddr >= base && vaddr < end;
    }
}
