package org.capbuddy.kernel.memory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * The machine's physical memory, backed lazily: a 4 KiB page costs host memory only once a
 * non-zero byte has been written to it, and zeroing a page gives its backing back. A machine of
 * tens of GiB therefore boots at once, and the kernel's zeroing of a large untyped is cheap when
 * little of it was ever written.
 *
 * <p>Only the kernel model touches this directly; user code reaches memory through the MMU.
 */
public final class PhysicalMemory {
    public static final int PAGE_BITS = 12;
    public static final int PAGE_SIZE = 1 << PAGE_BITS;

    private final List<MemoryRegion> regions;
    private final Map<Long, byte[]> pages = new HashMap<>();

    public PhysicalMemory(List<MemoryRegion> regions) {
        List<MemoryRegion> sorted = new ArrayList<>(regions);
        sorted.sort((a, b) -> Long.compareUnsigned(a.base(), b.base()));
        for (int i = 1; i < sorted.size(); i++) {
            if (sorted.get(i - 1).overlaps(sorted.get(i))) {
                throw new IllegalArgumentException("overlapping memory regions " + sorted.get(i - 1)
                        + " and " + sorted.get(i));
            }
        }
        this.regions = List.copyOf(sorted);
    }

    public List<MemoryRegion> regions() {
        return regions;
    }

    /** The region holding {@code paddr}, or null when nothing is there. */
    public MemoryRegion regionOf(long paddr) {
        for (MemoryRegion r : regions) {
            if (r.contains(paddr)) {
                return r;
            }
        }
        return null;
    }

    public byte read(long paddr) {
        byte[] page = pages.get(paddr >>> PAGE_BITS);
        return page == null ? 0 : page[(int) (paddr & (PAGE_SIZE - 1))];
    }

    public void write(long paddr, byte value) {
        long pageNumber = paddr >>> PAGE_BITS;
        byte[] page = pages.get(pageNumber);
        if (page == null) {
            if (value == 0) {
                return;
            }
            page = new byte[PAGE_SIZE];
            pages.put(pageNumber, page);
        }
        page[(int) (paddr & (PAGE_SIZE - 1))] = value;
    }

    /** Reads {@code length} bytes little-endian (1..8) that lie within one page. */
    public long readLittleEndian(long paddr, int length) {
        byte[] page = pages.get(paddr >>> PAGE_BITS);
        if (page == null) {
            return 0;
        }
        int offset = (int) (paddr & (PAGE_SIZE - 1));
        long value = 0;
        for (int i = length - 1; i >= 0; i--) {
            value = (value << 8) | (page[offset + i] & 0xFF);
        }
        return value;
    }

    /** Writes the low {@code length} bytes (1..8) of {@code value} little-endian within one page. */
    public void writeLittleEndian(long paddr, int length, long value) {
        long pageNumber = paddr >>> PAGE_BITS;
        byte[] page = pages.get(pageNumber);
        if (page == null) {
            if (length == 8 ? value == 0 : (value & ((1L << (8 * length)) - 1)) == 0) {
                return;
            }
            page = new byte[PAGE_SIZE];
            pages.put(pageNumber, page);
        }
        int offset = (int) (paddr & (PAGE_SIZE - 1));
        for (int i = 0; i < length; i++) {
            page[offset + i] = (byte) (value >>> (8 * i));
        }
    }

    /** Sets [paddr, paddr + length) to zero, releasing the backing of whole pages. */
    public void zero(long paddr, long length) {
        if (length <= 0) {
            return;
        }
        long end = paddr + length;
        long firstWhole = (paddr + PAGE_SIZE - 1) >>> PAGE_BITS;
        long endWhole = end >>> PAGE_BITS;
        zeroPartial(paddr, Math.min(end, firstWhole << PAGE_BITS));
        if (endWhole > firstWhole) {
            releasePages(firstWhole, endWhole);
        }
        // The tail after the last whole page, also when the range holds no whole page at all.
        zeroPartial(Math.max(paddr, endWhole << PAGE_BITS), end);
    }

    private void zeroPartial(long from, long to) {
        if (to <= from) {
            return;
        }
        byte[] page = pages.get(from >>> PAGE_BITS);
        if (page != null) {
            int start = (int) (from & (PAGE_SIZE - 1));
            java.util.Arrays.fill(page, start, start + (int) (to - from), (byte) 0);
        }
    }

    private void releasePages(long firstPage, long endPage) {
        long count = endPage - firstPage;
        if (count < pages.size()) {
            for (long p = firstPage; p < endPage; p++) {
                pages.remove(p);
            }
        } else {
            Iterator<Long> it = pages.keySet().iterator();
            while (it.hasNext()) {
                long p = it.next();
                if (p >= firstPage && p < endPage) {
                    it.remove();
                }
            }
        }
    }

    /** True when every byte of [paddr, paddr + length) is zero. */
    public boolean isZero(long paddr, long length) {
        long end = paddr + length;
        long firstPage = paddr >>> PAGE_BITS;
        long endPage = (end + PAGE_SIZE - 1) >>> PAGE_BITS;
        if (endPage - firstPage < pages.size()) {
            for (long p = firstPage; p < endPage; p++) {
                if (!pageRangeZero(p, paddr, end)) {
                    return false;
                }
            }
            return true;
        }
        for (long p : pages.keySet()) {
            if (p >= firstPage && p < endPage && !pageRangeZero(p, paddr, end)) {
                return false;
            }
        }
        return true;
    }

    private boolean pageRangeZero(long pageNumber, long from, long to) {
        byte[] page = pages.get(pageNumber);
        if (page == null) {
            return true;
        }
        long pageBase = pageNumber << PAGE_BITS;
        int start = (int) Math.max(0, from - pageBase);
        int stop = (int) Math.min(PAGE_SIZE, to - pageBase);
        for (int i = start; i < stop; i++) {
            if (page[i] != 0) {
                return false;
            }
        }
        return true;
    }

    /** Host bytes currently spent on backing (a measure of laziness, not of the machine). */
    public long backedBytes() {
        return (long) pages.size() * PAGE_SIZE;
    }
}
