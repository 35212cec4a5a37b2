package org.capbuddy.kernel.memory;

import java.util.Arrays;

/**
 * The radix directory from a physical page number to the {@link PageSlabs} chunk backing that
 * 4 KiB page. It
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
 *    root: one slot per GiB    block table:       page table: an     byte of the
 *    of the span (1024 slots   512 slots, one     int[512], each     page's chunk
 *    for a 2^40 span), made    per 2 MiB; made    slot the page's    (4 KiB in a
 *    with the directory        on first backing   chunk id, or 0     slab array)
 *                              under it           (no backing:
 *                                                 reads 0)
 * </pre>
 *
 * A never-written machine costs only the root (4 KiB of references for a 2^40 span); a page
 * written far from any other costs its chunk plus one block table and one page table (2 KiB
 * each). Page tables hold ints, not arrays, so a backed page is no object of its own.
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

    private final int[][][] root;
    private final PageSlabs slabs;
    private long backedPages;
    private long tables;

    /** A directory for physical addresses [0, spanBytes rounded up to a GiB), backed from {@code slabs}. */
    PageDirectory(long spanBytes, PageSlabs slabs) {
        root = new int[(int) ((spanBytes + (1L << GIB_BITS) - 1) >>> GIB_BITS)][][];
        this.slabs = slabs;
    }

    /** The end of the addresses the directory can back (a multiple of 1 GiB). */
    long spanBytes() {
        return (long) root.length << GIB_BITS;
    }

    /** The chunk id backing page {@code pageNumber} (paddr >>> 12), or 0 when it has none or lies beyond the span. */
    int chunk(long pageNumber) {
        long gib = pageNumber >>> (2 * TABLE_BITS);
        if (gib >= root.length) {
            return 0; // also a negative page number: beyond the 48-bit space
        }
        int[][] blocks = root[(int) gib];
        if (blocks == null) {
            return 0;
        }
        int[] pages = blocks[(int) (pageNumber >>> TABLE_BITS) & TABLE_MASK];
        return pages == null ? 0 : pages[(int) pageNumber & TABLE_MASK];
    }

    /**
     * The chunk id backing page {@code pageNumber}, giving it a zeroed chunk (and the tables above
     * it) when it has none; 0 when the page lies beyond the span.
     */
    int back(long pageNumber) {
        long gib = pageNumber >>> (2 * TABLE_BITS);
        if (gib >= root.length) {
            return 0;
        }
        int[][] blocks = root[(int) gib];
        if (blocks == null) {
            blocks = new int[1 << TABLE_BITS][];
            root[(int) gib] = blocks;
            tables++;
        }
        int block = (int) (pageNumber >>> TABLE_BITS) & TABLE_MASK;
        int[] pages = blocks[block];
        if (pages == null) {
            pages = new int[1 << TABLE_BITS];
            blocks[block] = pages;
            tables++;
        }
        int slot = (int) pageNumber & TABLE_MASK;
        int chunk = pages[slot];
        if (chunk == 0) {
            chunk = slabs.take(pageNumber);
            pages[slot] = chunk;
            backedPages++;
        }
        return chunk;
    }

    /** Points backed page {@code pageNumber} at chunk {@code chunk}, where compaction moved its bytes. */
    void repoint(long pageNumber, int chunk) {
        root[(int) (pageNumber >>> (2 * TABLE_BITS))][(int) (pageNumber >>> TABLE_BITS) & TABLE_MASK]
                [(int) pageNumber & TABLE_MASK] = chunk;
    }

    /**
     * Zeroes [from, to), a non-empty range inside the span: a page partly in the range is cleared
     * in place, a page wholly in it gives its chunk back to the slabs, and a table whose whole
     * range is covered is dropped. Returns how many pages lost their chunk.
     */
    long zero(long from, long to) {
        long released = 0;
        long lastTable = (to - 1) >>> PAGE_TABLE_SPAN_BITS;
        for (long table = from >>> PAGE_TABLE_SPAN_BITS; table <= lastTable; table++) {
            int gib = (int) (table >>> TABLE_BITS);
            int[][] blocks = root[gib];
            if (blocks == null) {
                table |= TABLE_MASK; // nothing is backed in this GiB: on to the next one
                continue;
            }
            int block = (int) table & TABLE_MASK;
            int[] pages = blocks[block];
            if (pages != null) {
                released += zeroPages(pages, table << TABLE_BITS, from, to);
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

    private long zeroPages(int[] pages, long firstPageOfTable, long from, long to) {
        long released = 0;
        int first = firstSlot(firstPageOfTable, from);
        int last = lastSlot(firstPageOfTable, to);
        for (int slot = first; slot <= last; slot++) {
            int chunk = pages[slot];
            if (chunk == 0) {
                continue;
            }
            long base = (firstPageOfTable + slot) << PAGE_BITS;
            int start = (int) Math.max(0, from - base);
            int stop = (int) Math.min(PAGE_SIZE, to - base);
            if (start == 0 && stop == PAGE_SIZE) {
                pages[slot] = 0;
                backedPages--;
                slabs.give(chunk);
                released++;
            } else {
                int at = PageSlabs.offset(chunk);
                Arrays.fill(slabs.array(chunk), at + start, at + stop, (byte) 0);
            }
        }
        return released;
    }

    /** True when every byte of [from, to), a non-empty range inside the span, is zero. */
    boolean isZero(long from, long to) {
        long lastTable = (to - 1) >>> PAGE_TABLE_SPAN_BITS;
        for (long table = from >>> PAGE_TABLE_SPAN_BITS; table <= lastTable; table++) {
            int[][] blocks = root[(int) (table >>> TABLE_BITS)];
            if (blocks == null) {
                table |= TABLE_MASK;
                continue;
            }
            int[] pages = blocks[(int) table & TABLE_MASK];
            if (pages != null && !pagesZero(pages, table << TABLE_BITS, from, to)) {
                return false;
            }
        }
        return true;
    }

    private boolean pagesZero(int[] pages, long firstPageOfTable, long from, long to) {
        int last = lastSlot(firstPageOfTable, to);
        for (int slot = firstSlot(firstPageOfTable, from); slot <= last; slot++) {
            int chunk = pages[slot];
            if (chunk == 0) {
                continue;
            }
            byte[] slab = slabs.array(chunk);
            int at = PageSlabs.offset(chunk);
            long base = (firstPageOfTable + slot) << PAGE_BITS;
            int stop = at + (int) Math.min(PAGE_SIZE, to - base);
            for (int i = at + (int) Math.max(0, from - base); i < stop; i++) {
                if (slab[i] != 0) {
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

    /** Pages that have a chunk now. */
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
