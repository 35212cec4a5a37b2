package org.capbuddy.kernel.memory;

import java.util.Arrays;

/**
 * Host page arrays that zeroing took away from physical pages, kept for the next page that needs
 * backing, the way an allocator keeps a short per-CPU free list in front of its page allocator.
 * The model zeroes a frame and then stores to it on every demand-paging fault, so without the list
 * each fault would drop one 4 KiB array and allocate another.
 *
 * <p>The list holds at most its capacity: pages given back beyond it are dropped, so zeroing a
 * large, much-written range returns its memory to the host instead of hoarding it here.
 */
final class SparePages {
    private final byte[][] pages;
    private int count;

    SparePages(int capacity) {
        pages = new byte[capacity][];
    }

    /** Keeps {@code page} for reuse when there is room; its contents do not matter. */
    void give(byte[] page) {
        if (count < pages.length) {
            pages[count++] = page;
        }
    }

    /** A zeroed page array: a kept one when there is one, else a new one. */
    byte[] take() {
        if (count == 0) {
            return new byte[PhysicalMemory.PAGE_SIZE];
        }
        byte[] page = pages[--count];
        pages[count] = null;
        Arrays.fill(page, (byte) 0);
        return page;
    }

    /** Arrays kept now. */
    int count() {
        return count;
    }

    int capacity() {
        return pages.length;
    }
}
