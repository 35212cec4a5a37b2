package org.capbuddy.kernel.memory;

import java.util.Arrays;
import java.util.function.LongPredicate;

/**
 * A set of page numbers without boxing: open addressing, linear probing, -1 for an empty cell,
 * at most half full. Small by use (the pages instructions were fetched from), so a removal simply
 * re-inserts the rest of its probe run.
 */
final class PageNumberSet {
    private static final long EMPTY = -1;
    private long[] cells = new long[16];
    private int size;

    PageNumberSet() {
        Arrays.fill(cells, EMPTY);
    }

    int size() {
        return size;
    }

    boolean contains(long page) {
        long[] c = cells;
        int mask = c.length - 1;
        for (int i = index(page, mask); ; i = (i + 1) & mask) {
            long v = c[i];
            if (v == page) {
                return true;
            }
            if (v == EMPTY) {
                return false;
            }
        }
    }

    /** Adds {@code page}; true when it was not there. */
    boolean add(long page) {
        if (contains(page)) {
            return false;
        }
        if (2 * (size + 1) > cells.length) {
            grow();
        }
        insert(cells, page);
        size++;
        return true;
    }

    /** Removes every page {@code test} accepts; returns how many. */
    int removeIf(LongPredicate test) {
        int removed = 0;
        long[] old = cells;
        long[] fresh = new long[old.length];
        Arrays.fill(fresh, EMPTY);
        for (long v : old) {
            if (v == EMPTY) {
                continue;
            }
            if (test.test(v)) {
                removed++;
            } else {
                insert(fresh, v);
            }
        }
        if (removed > 0) {
            cells = fresh;
            size -= removed;
        }
        return removed;
    }

    private void grow() {
        long[] old = cells;
        cells = new long[old.length * 2];
        Arrays.fill(cells, EMPTY);
        for (long v : old) {
            if (v != EMPTY) {
                insert(cells, v);
            }
        }
    }

    private static void insert(long[] c, long page) {
        int mask = c.length - 1;
        int i = index(page, mask);
        while (c[i] != EMPTY) {
            i = (i + 1) & mask;
        }
        c[i] = page;
    }

    private static int index(long page, int mask) {
        long h = page * 0x9E37_79B9_7F4A_7C15L;
        return (int) (h >>> 40) & mask;
    }
}
