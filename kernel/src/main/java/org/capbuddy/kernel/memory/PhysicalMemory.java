package org.capbuddy.kernel.memory;

import java.util.ArrayList;
import java.util.List;

/**
 * The machine's physical memory, backed lazily: a 4 KiB page costs host memory only once a
 * non-zero byte has been written to it, and zeroing a page gives its backing back. A machine of
 * a TiB therefore boots at once, and the kernel's zeroing of a large untyped is cheap when little
 * of it was ever written.
 *
 * <p><b>Backing.</b> A {@link PageDirectory} maps each page number to the host {@code byte[4096]}
 * backing the page (three array loads; its layout is drawn there). Zeroing a whole page takes its
 * array away; up to {@link #SPARE_PAGES} such arrays are kept and reused, zeroed, for the next
 * pages that need backing (demand paging zeroes a frame and then stores to it), the rest are left
 * to the host's collector. The directory spans every region, rounded up to a GiB; an address
 * beyond it reads as zero and ignores writes.
 *
 * <p><b>Host pages.</b> {@link #hostPage} hands out the live array of a backed page, so a TLB can
 * keep it and make a hit one array access, as QEMU's software TLB keeps the host address of a
 * guest page. An array stays the page's for as long as {@link #releaseEpoch()} is unchanged: every
 * zeroing that takes an array away (which may then back another page) advances it.
 *
 * <p>Only the kernel model touches this directly; user code reaches memory through the MMU.
 */
public final class PhysicalMemory {
    public static final int PAGE_BITS = 12;
    public static final int PAGE_SIZE = 1 << PAGE_BITS;
    /**
     * The end of the largest physical address space: 48 bits, the most the AArch64 4 KiB granule
     * reaches without FEAT_LPA2. Regions must end at or below it.
     */
    public static final long MAX_PHYSICAL_END = 1L << 48;
    /**
     * Arrays kept for reuse after zeroing: at most 4 MiB, every page of a 4 MiB untyped that is
     * reset and retyped again (a CapBuddy tree rebuilt), while a larger zeroing gives the rest of
     * its arrays back to the host. Frames zeroed one at a time need only one.
     */
    public static final int SPARE_PAGES = 1024;
    private static final int PAGE_MASK = PAGE_SIZE - 1;

    private final List<MemoryRegion> regions;
    private final PageDirectory directory;
    private final SparePages spares = new SparePages(SPARE_PAGES);
    private final long span;
    private long releaseEpoch;

    public PhysicalMemory(List<MemoryRegion> regions) {
        List<MemoryRegion> sorted = new ArrayList<>(regions);
        sorted.sort((a, b) -> Long.compareUnsigned(a.base(), b.base()));
        for (int i = 1; i < sorted.size(); i++) {
            if (sorted.get(i - 1).overlaps(sorted.get(i))) {
                throw new IllegalArgumentException("overlapping memory regions " + sorted.get(i - 1)
                        + " and " + sorted.get(i));
            }
        }
        long end = 0;
        for (MemoryRegion r : sorted) {
            if (r.end() > MAX_PHYSICAL_END) {
                throw new IllegalArgumentException("memory region " + r + " ends beyond the 48-bit physical address space");
            }
            end = Math.max(end, r.end());
        }
        this.regions = List.copyOf(sorted);
        this.directory = new PageDirectory(end);
        this.span = directory.spanBytes();
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
        byte[] page = directory.page(paddr >>> PAGE_BITS);
        return page == null ? 0 : page[(int) paddr & PAGE_MASK];
    }

    public void write(long paddr, byte value) {
        byte[] page = directory.page(paddr >>> PAGE_BITS);
        if (page == null) {
            if (value == 0) {
                return;
            }
            page = directory.back(paddr >>> PAGE_BITS, spares);
            if (page == null) {
                return;
            }
        }
        page[(int) paddr & PAGE_MASK] = value;
    }

    /**
     * Reads {@code length} bytes (1..8) little-endian; an access crossing a page boundary reads
     * each page's part. Any other length reads 0.
     */
    public long readLittleEndian(long paddr, int length) {
        if (length < 1 || length > Long.BYTES) {
            return 0;
        }
        int offset = (int) paddr & PAGE_MASK;
        int first = Math.min(length, PAGE_SIZE - offset);
        long value = loadInPage(paddr, offset, first);
        if (first < length) {
            value |= loadInPage(paddr + first, 0, length - first) << (8 * first);
        }
        return value;
    }

    /**
     * Writes the low {@code length} bytes (1..8) of {@code value} little-endian; a write crossing a
     * page boundary writes each page's part. Any other length writes nothing.
     */
    public void writeLittleEndian(long paddr, int length, long value) {
        if (length < 1 || length > Long.BYTES) {
            return;
        }
        int offset = (int) paddr & PAGE_MASK;
        int first = Math.min(length, PAGE_SIZE - offset);
        storeInPage(paddr, offset, first, value);
        if (first < length) {
            storeInPage(paddr + first, 0, length - first, value >>> (8 * first));
        }
    }

    private long loadInPage(long paddr, int offset, int length) {
        byte[] page = directory.page(paddr >>> PAGE_BITS);
        return page == null ? 0 : PageBytes.load(page, offset, length);
    }

    private void storeInPage(long paddr, int offset, int length, long value) {
        byte[] page = directory.page(paddr >>> PAGE_BITS);
        if (page == null) {
            if (PageBytes.isZeroStore(length, value)) {
                return; // a zero store to an unbacked page changes nothing: stay unbacked
            }
            page = directory.back(paddr >>> PAGE_BITS, spares);
            if (page == null) {
                return;
            }
        }
        PageBytes.store(page, offset, length, value);
    }

    /** Sets [paddr, paddr + length) to zero, releasing the backing of whole pages. */
    public void zero(long paddr, long length) {
        if (length <= 0 || paddr < 0 || paddr >= span) {
            return;
        }
        long end = length > span - paddr ? span : paddr + length;
        if (directory.zero(paddr, end, spares) > 0) {
            releaseEpoch++;
        }
    }

    /** True when every byte of [paddr, paddr + length) is zero. */
    public boolean isZero(long paddr, long length) {
        if (length <= 0 || paddr < 0 || paddr >= span) {
            return true;
        }
        long end = length > span - paddr ? span : paddr + length;
        return directory.isZero(paddr, end);
    }

    /**
     * The host array backing physical page {@code pageNumber} (paddr >>> {@link #PAGE_BITS}), or
     * null while the page has none (it reads as zero). Reads and writes of the array are reads and
     * writes of the page for as long as {@link #releaseEpoch()} is unchanged; after that the array
     * may back another page. Only the kernel's CPU model uses this.
     */
    public byte[] hostPage(long pageNumber) {
        return directory.page(pageNumber);
    }

    /**
     * Advances whenever zeroing takes a page's host array away, so that whoever keeps arrays from
     * {@link #hostPage} knows to drop them.
     */
    public long releaseEpoch() {
        return releaseEpoch;
    }

    /**
     * Host bytes currently spent on backing pages (a measure of laziness, not of the machine). The
     * directory's tables and the few arrays kept for reuse are not counted.
     */
    public long backedBytes() {
        return directory.backedPages() * PAGE_SIZE;
    }

    /** The end of the addresses this memory can back: the regions' end rounded up to a GiB. */
    long spanBytes() {
        return span;
    }

    PageDirectory directory() {
        return directory;
    }

    SparePages spares() {
        return spares;
    }
}
