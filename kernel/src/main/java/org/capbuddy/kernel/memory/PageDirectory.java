package org.capbuddy.kernel.memory;

import java.util.Arrays;

/**
 * The radix directory from a physical page number to the host array backing that 4 KiB page. It
 * splits a physical address where an AArch64 4 KiB-granule translation does (1 GiB, 2 MiB, 4 KiB):
 * the root, one slot per GiB of the span, is made with the directory; a block table and a page
 * table are made when the first page below them gets backing, and dropped when a zeroing covers
 * their whole range. A lookup is three array loads: no hashing, no boxing.
 *
 * <pre>
 *  47                      30 29              21 20              12 11              0
 *  +-------------------------+------------------+------------------+----------------+
 *  |  gib: root slot         |  block: 9 bits   |  page: 9 bits    |  offset        |
 *  +-------------------------+------------------+------------------+----------------+
 *    root: one slot per GiB    block table:       page table:        byte of the
 *    of the span (1024 slots   512 slots, one     512 slots, each    page's host
 *    for a 2^40 span), made    per 2 MiB; made    the page's array   byte[4096]
 *    with the directory        on first backing   or null (no
 *                              under it           backing: reads 0)
 * </pre>
 *
 * A never-written machine costs only the root (4 KiB of references for a 2^40 span); a page
 * written far from any other costs its array plus one block table and one page table (2 KiB each
 * with compressed references).
 */
final class PageDirectory {
    private static final int PAGE_BITS = PhysicalMemory.PAGE_BITS;
    private static final int PAGE_SIZE = PhysicalMemory.PAGE_SIZE;
    private static final int TABLE_BITS = 9;
    private static final int TABLE_MASK = (1 << TABLE_BITS) - 1;
    /** Bytes covered by a page table: 2 MiB. */
    private static final int PAGE_TABLE_SPAN_BITS = PAGE_BITS + TABLE_BITS;
    /** Bytes covered by a block table (one root slot): 1 GiB. */
    static final int GIB_BITS = PAGE_BITS + 2 * TABLE_BITS;

    private final byte[][][][] root;
    private long backedPages;
    private long tables;

    /** A directory for physical addresses [0, spanBytes rounded up to a GiB). */
    PageDirectory(long spanBytes) {
        root = new byte[(int) ((spanBytes + (1L << GIB_BITS) - 1) >>> GIB_BITS)][][][];
    }

    /** The end of the addresses the directory can back (a multiple of 1 GiB). */
    long spanBytes() {
        return (long) root.length << GIB_BITS;
    }

    /** The array backing page {@code pageNumber} (paddr >>> 12), or null when it has none or lies beyond the span. */
    byte[] page(long pageNumber) {
        long gib = pageNumber >>> (2 * TABLE_BITS);
        if (gib >= root.length) {
            return null;
        }
        byte[][][] blocks = root[(int) gib];
        if (blocks == null) {
            return null;
        }
        byte[][] pages = blocks[(int) (pageNumber >>> TABLE_BITS) & TABLE_MASK];
        return pages == null ? null : pages[(int) pageNumber & TABLE_MASK];
    }

    /**
     * The array backing page {@code pageNumber}, giving it a zeroed one from {@code spares} (and
     * the tables above it) when it has none; null when the page lies beyond the span.
     */
    byte[] back(long pageNumber, SparePages spares) {
        long gib = pageNumber >>> (2 * TABLE_BITS);
        if (gib >= root.length) {
            return null;
        }
        byte[][][] blocks = root[(int) gib];
        if (blocks == null) {
            blocks = new byte[1 << TABLE_BITS][][];
            root[(int) gib] = blocks;
            tables++;
        }
        int block = (int) (pageNumber >>> TABLE_BITS) & TABLE_MASK;
        byte[][] pages = blocks[block];
        if (pages == null) {
            pages = new byte[1 << TABLE_BITS][];
            blocks[block] = pages;
            tables++;
        }
        int slot = (int) pageNumber & TABLE_MASK;
        byte[] page = pages[slot];
        if (page == null) {
            page = spares.take();
            pages[slot] = page;
            backedPages++;
        }
        return page;
    }

    /**
     * Zeroes [from, to), a non-empty range inside the span: a page partly in the range is cleared
     * in place, a page wholly in it loses its array to {@code spares}, and a table whose whole
     * range is covered is dropped. Returns how many pages lost their array.
     */
    long zero(long from, long to, SparePages spares) {
        long released = 0;
        long lastTable = (to - 1) >>> PAGE_TABLE_SPAN_BITS;
        for (long table = from >>> PAGE_TABLE_SPAN_BITS; table <= lastTable; table++) {
            int gib = (int) (table >>> TABLE_BITS);
            byte[][][] blocks = root[gib];
            if (blocks == null) {
                table |= TABLE_MASK; // nothing is backed in this GiB: on to the next one
                continue;
            }
            int block = (int) table & TABLE_MASK;
            byte[][] pages = blocks[block];
            if (pages != null) {
                released += zeroPages(pages, table << TABLE_BITS, from, to, spares);
                if (covers(from, to, table << PAGE_TABLE_SPAN_BITS, PAGE_TABLE_SPAN_BITS)) {
                    blocks[block] = null;
                    tables--;
                }
            }
            if (block == TABLE_MASK && covers(from, to, (long) gib << GIB_BITS, GIB_BITS)) {
                root[gib] = null;
                tables--;
            }
        }
        return released;
    }

    private long zeroPages(byte[][] pages, long firstPageOfTable, long from, long to, SparePages spares) {
        long released = 0;
        int first = firstSlot(firstPageOfTable, from);
        int last = lastSlot(firstPageOfTable, to);
        for (int slot = first; slot <= last; slot++) {
            byte[] page = pages[slot];
            if (page == null) {
                continue;
            }
            long base = (firstPageOfTable + slot) << PAGE_BITS;
            int start = (int) Math.max(0, from - base);
            int stop = (int) Math.min(PAGE_SIZE, to - base);
            if (start == 0 && stop == PAGE_SIZE) {
                pages[slot] = null;
                backedPages--;
                spares.give(page);
                released++;
            } else {
                Arrays.fill(page, start, stop, (byte) 0);
            }
        }
        return released;
    }

    /** True when every byte of [from, to), a non-empty range inside the span, is zero. */
    boolean isZero(long from, long to) {
        long lastTable = (to - 1) >>> PAGE_TABLE_SPAN_BITS;
        for (long table = from >>> PAGE_TABLE_SPAN_BITS; table <= lastTable; table++) {
            byte[][][] blocks = root[(int) (table >>> TABLE_BITS)];
            if (blocks == null) {
                table |= TABLE_MASK;
                continue;
            }
            byte[][] pages = blocks[(int) table & TABLE_MASK];
            if (pages != null && !pagesZero(pages, table << TABLE_BITS, from, to)) {
                return false;
            }
        }
        return true;
    }

    private static boolean pagesZero(byte[][] pages, long firstPageOfTable, long from, long to) {
        int last = lastSlot(firstPageOfTable, to);
        for (int slot = firstSlot(firstPageOfTable, from); slot <= last; slot++) {
            byte[] page = pages[slot];
            if (page == null) {
                continue;
            }
            long base = (firstPageOfTable + slot) << PAGE_BITS;
            int stop = (int) Math.min(PAGE_SIZE, to - base);
            for (int i = (int) Math.max(0, from - base); i < stop; i++) {
                if (page[i] != 0) {
                    return false;
                }
            }
        }
        return true;
    }

    /** The first slot of the page table starting at page {@code firstPageOfTable} that [from, ...) touches. */
    private static int firstSlot(long firstPageOfTable, long from) {
        return (int) (Math.max(from >>> PAGE_BITS, firstPageOfTable) - firstPageOfTable);
    }

    /** The last slot of the page table starting at page {@code firstPageOfTable} that [..., to) touches. */
    private static int lastSlot(long firstPageOfTable, long to) {
        return (int) (Math.min((to - 1) >>> PAGE_BITS, firstPageOfTable + TABLE_MASK) - firstPageOfTable);
    }

    private static boolean covers(long from, long to, long base, int sizeBits) {
        return from <= base && to >= base + (1L << sizeBits);
    }

    /** Pages that have an array now. */
    long backedPages() {
        return backedPages;
    }

    /** Block and page tables made and not dropped (the root not counted). */
    long tables() {
        return tables;
    }

    /** Slots of the root: one per GiB of the span. */
    int rootSlots() {
        return root.length;
    }
}
