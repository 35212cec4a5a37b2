package org.capbuddy.sos.shadow;

import java.util.Arrays;
import org.capbuddy.libos.vspace.PagingStructure;

/**
 * A level-3 table of SOS's shadow: the page table it mirrors and, for each of its 512 pages, the
 * frame reference (0 where no page is mapped; no frame has reference 0) and the slot of the cap
 * copy that maps it.
 *
 * <p>A leaf is sparse while it holds few pages and dense once it holds many, so that it never
 * costs more than a table of 512 references with a 24-byte record a page (the layout it replaced)
 * and costs about 12 host bytes a page when full:
 *
 * <pre>
 *   sparse (up to {@value #DENSE_AT} pages):  indexes: short[cap], sorted page indexes (VA 20..12)
 *                                      refs:    int[cap]    \ the page at indexes[k]
 *                                      copies:  long[cap]   /
 *                                      cap doubles from 4 as pages come
 *   dense:                             indexes: null
 *                                      refs:    int[512]    \ page i at position i
 *                                      copies:  long[512]   /
 * </pre>
 *
 * It turns dense when a page beyond {@value #DENSE_AT} comes: past the 171 pages at which the two
 * dense arrays (6 KiB) cost what the old layout did, and never back.
 */
final class ShadowLeaf {
    static final int PAGES = 512;
    static final int DENSE_AT = 256;
    private static final int FIRST_CAPACITY = 4;

    final PagingStructure table;
    /** Sorted page indexes while sparse; null once dense. */
    private short[] indexes = new short[FIRST_CAPACITY];
    private int[] refs = new int[FIRST_CAPACITY];
    private long[] copies = new long[FIRST_CAPACITY];
    /** Pages held while sparse. */
    private int count;

    ShadowLeaf(PagingStructure table) {
        this.table = table;
    }

    /** The frame reference of page {@code i} (0..511), or 0 if none is mapped. */
    int frameRef(int i) {
        int at = position(i);
        return at < 0 ? 0 : refs[at];
    }

    /** Page {@code i} (0..511), or null if none is mapped. */
    PageEntry entry(int i) {
        int at = position(i);
        return at < 0 || refs[at] == 0 ? null : new PageEntry(refs[at], copies[at]);
    }

    /**
     * Records page {@code i}: frame {@code frameRef} (not 0) mapped by the copy in
     * {@code capCopy}. Returns true if no page was there before.
     */
    boolean put(int i, int frameRef, long capCopy) {
        if (indexes == null) {
            boolean added = refs[i] == 0;
            refs[i] = frameRef;
            copies[i] = capCopy;
            return added;
        }
        int at = find(i);
        if (at >= 0) {
            refs[at] = frameRef;
            copies[at] = capCopy;
            return false;
        }
        if (count == DENSE_AT) {
            turnDense();
            return put(i, frameRef, capCopy);
        }
        at = -at - 1;
        if (count == indexes.length) {
            int capacity = Math.min(DENSE_AT, 2 * count);
            indexes = Arrays.copyOf(indexes, capacity);
            refs = Arrays.copyOf(refs, capacity);
            copies = Arrays.copyOf(copies, capacity);
        }
        System.arraycopy(indexes, at, indexes, at + 1, count - at);
        System.arraycopy(refs, at, refs, at + 1, count - at);
        System.arraycopy(copies, at, copies, at + 1, count - at);
        indexes[at] = (short) i;
        refs[at] = frameRef;
        copies[at] = capCopy;
        count++;
        return true;
    }

    /** Forgets page {@code i} and returns it, or null if none is mapped. */
    PageEntry remove(int i) {
        int at = position(i);
        if (at < 0 || refs[at] == 0) {
            return null;
        }
        PageEntry page = new PageEntry(refs[at], copies[at]);
        if (indexes == null) {
            refs[at] = 0;
            copies[at] = 0;
            return page;
        }
        count--;
        System.arraycopy(indexes, at + 1, indexes, at, count - at);
        System.arraycopy(refs, at + 1, refs, at, count - at);
        System.arraycopy(copies, at + 1, copies, at, count - at);
        return page;
    }

    /** Whether no page is mapped here. */
    boolean isEmpty() {
        if (indexes != null) {
            return count == 0;
        }
        for (int r : refs) {
            if (r != 0) {
                return false;
            }
        }
        return true;
    }

    boolean isDense() {
        return indexes == null;
    }

    /** Where page {@code i} sits in the arrays: {@code i} itself once dense, else {@link #find}. */
    private int position(int i) {
        return indexes == null ? i : find(i);
    }

    /** Where page {@code i} sits among the sparse pages, or {@code -(insertion point) - 1}. */
    private int find(int i) {
        return Arrays.binarySearch(indexes, 0, count, (short) i);
    }

    private void turnDense() {
        int[] denseRefs = new int[PAGES];
        long[] denseCopies = new long[PAGES];
        for (int k = 0; k < count; k++) {
            denseRefs[indexes[k]] = refs[k];
            denseCopies[indexes[k]] = copies[k];
        }
        refs = denseRefs;
        copies = denseCopies;
        indexes = null;
        count = 0;
    }
}
