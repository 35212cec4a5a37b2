package org.capbuddy.kernel.memory;

/** A range of physical addresses [base, base + size): RAM, or device memory (MMIO). */
public record MemoryRegion(long base, long size, boolean device) {

    public MemoryRegion {
        if (size <= 0 || base < 0 || base + size < base) {
            throw new IllegalArgumentException("bad region base=0x" + Long.toHexString(base) + " size=" + size);
        }
    }

    public long end() {
        return base + size;
    }

    public boolean contains(long paddr) {
        return paddr >= base && paddr < end();
    }

    public boolean overlaps(MemoryRegion other) {
        return base < other.end() && other.base < end();
    }
}
