package org.capbuddy.libos.allocman.mspace;

import java.util.Arrays;

/**
 * The free runs of a {@link FreeListHeap}: (start, length) pairs keyed by start, ordered as a
 * {@code TreeMap<Long, Long>} orders them (signed), answering what the heap asks: the run at a
 * start, the last run starting at or below an address, the last run, and the lowest-starting run
 * of at least a given length (first fit). The runs are not interpreted: keeping them disjoint and
 * coalesced is the heap's job.
 *
 * <p>The runs sit in blocks of up to {@value #BLOCK}, each a sorted stretch of two flat arrays, so
 * a search reads a few neighbouring words instead of chasing a node per level. A directory lists
 * the blocks in order with each one's first start, run count and longest run: a start is found by
 * two binary searches (directory, then block), and first fit skips whole blocks without a long
 * enough run. Insertion shifts at most a block; a full block splits in two, and a block that runs
 * low merges with a neighbour, so blocks stay at least a quarter full on average and the
 * directory stays short.
 *
 * <p>A run is named by its position, {@code block << 6 | index}, valid until the next change;
 * {@link #NONE} is no run.
 */
final class FreeRuns {
    static final int NONE = -1;

    private static final int BLOCK_BITS = 6;
    private static final int BLOCK = 1 << BLOCK_BITS;
    /** A block with fewer runs than this after a removal merges with a neighbour if the two fit in {@link #MERGED}. */
    private static final int LOW = BLOCK / 4;
    private static final int MERGED = BLOCK * 3 / 4;

    /** Block storage: storage slot s holds its runs at [s * BLOCK, s * BLOCK + count). */
    private long[] starts = new long[BLOCK * 2];
    private long[] lengths = new long[BLOCK * 2];
    private int slotsMade;
    private int[] spareSlots = new int[2];
    private int spareCount;

    /** The directory, in start order: block d lives in storage slot {@code home[d]}. */
    private int blocks;
    private int[] home = new int[2];
    private int[] count = new int[2];
    private long[] first = new long[2];
    private long[] longest = new long[2];

    private int runs;
    private long totalLength;

    /** The number of runs. */
    int size() {
        return runs;
    }

    /** The sum of all runs' lengths (wrapping as long arithmetic does). */
    long totalLength() {
        return totalLength;
    }

    long start(int position) {
        return starts[at(position)];
    }

    long length(int position) {
        return lengths[at(position)];
    }

    /** The run starting exactly at {@code key}, or {@link #NONE}. */
    int find(long key) {
        int position = floor(key);
        return position != NONE && starts[at(position)] == key ? position : NONE;
    }

    /** The run with the greatest start at or below {@code key} ({@code TreeMap.floorEntry}), or {@link #NONE}. */
    int floor(long key) {
        int d = blockAtOrBelow(key);
        return d < 0 ? NONE : position(d, indexAtOrBelow(d, key));
    }

    /** The run with the greatest start ({@code TreeMap.lastEntry}), or {@link #NONE}. */
    int last() {
        return blocks == 0 ? NONE : position(blocks - 1, count[blocks - 1] - 1);
    }

    /**
     * The run with the lowest start among those at least {@code minLength} long, or {@link #NONE}:
     * the first entry a walk of a {@code TreeMap} in key order would accept.
     */
    int firstAtLeast(long minLength) {
        for (int d = 0; d < blocks; d++) {
            if (longest[d] >= minLength) {
                int base = home[d] << BLOCK_BITS;
                int i = 0;
                while (lengths[base + i] < minLength) {
                    i++;
                }
                return position(d, i);
            }
        }
        return NONE;
    }

    /** The run with the least start ({@code TreeMap.firstEntry}), or {@link #NONE}. */
    int first() {
        return blocks == 0 ? NONE : position(0, 0);
    }

    /** The run after {@code position} in start order ({@code TreeMap.higherEntry} of its start), or {@link #NONE}. */
    int next(int position) {
        int d = position >>> BLOCK_BITS;
        int i = (position & (BLOCK - 1)) + 1;
        if (i < count[d]) {
            return position(d, i);
        }
        return d + 1 < blocks ? position(d + 1, 0) : NONE;
    }

    /** Sets the length of the run at {@code position}; its start and place stay. */
    void setLengthAt(int position, long runLength) {
        setLength(position >>> BLOCK_BITS, position & (BLOCK - 1), runLength);
    }

    /** Sets the run at {@code key} to {@code runLength}, adding it if none starts there ({@code TreeMap.put}). */
    void put(long key, long runLength) {
        int d = blockAtOrBelow(key);
        if (d < 0) {
            if (blocks == 0) {
                openBlock(0);
            }
            insertAt(0, 0, key, runLength);
            return;
        }
        int i = indexAtOrBelow(d, key);
        if (starts[(home[d] << BLOCK_BITS) + i] == key) {
            setLength(d, i, runLength);
        } else {
            insertAt(d, i + 1, key, runLength);
        }
    }

    /** Removes the run starting at {@code key}, if there is one. */
    void remove(long key) {
        int position = find(key);
        if (position != NONE) {
            removeAt(position);
        }
    }

    /** Removes the run at {@code position}. */
    void removeAt(int position) {
        removeFromBlock(position >>> BLOCK_BITS, position & (BLOCK - 1));
    }

    /**
     * Replaces the run at {@code position} by one at {@code key} of {@code runLength}: the same
     * as removing it and putting the new one, done in place when the new start keeps the run's
     * place in the order (as it does when a run gives up its front).
     */
    void replace(int position, long key, long runLength) {
        int d = position >>> BLOCK_BITS;
        int i = position & (BLOCK - 1);
        int base = home[d] << BLOCK_BITS;
        boolean aboveLower = i > 0 ? starts[base + i - 1] < key
                : d == 0 || starts[(home[d - 1] << BLOCK_BITS) + count[d - 1] - 1] < key;
        boolean belowUpper = i < count[d] - 1 ? key < starts[base + i + 1] : d == blocks - 1 || key < first[d + 1];
        if (aboveLower && belowUpper) {
            starts[base + i] = key;
            if (i == 0) {
                first[d] = key;
            }
            setLength(d, i, runLength);
        } else {
            removeFromBlock(d, i);
            put(key, runLength);
        }
    }

    // ---- inside a block

    private void insertAt(int d, int i, long key, long runLength) {
        if (count[d] == BLOCK) {
            split(d);
            if (i > count[d]) {
                i -= count[d];
                d++;
            }
        }
        int base = home[d] << BLOCK_BITS;
        int n = count[d];
        System.arraycopy(starts, base + i, starts, base + i + 1, n - i);
        System.arraycopy(lengths, base + i, lengths, base + i + 1, n - i);
        starts[base + i] = key;
        lengths[base + i] = runLength;
        count[d] = n + 1;
        if (i == 0) {
            first[d] = key;
        }
        if (n == 0 || runLength > longest[d]) {
            longest[d] = runLength;
        }
        runs++;
        totalLength += runLength;
    }

    private void removeFromBlock(int d, int i) {
        int base = home[d] << BLOCK_BITS;
        long removed = lengths[base + i];
        int n = count[d] - 1;
        System.arraycopy(starts, base + i + 1, starts, base + i, n - i);
        System.arraycopy(lengths, base + i + 1, lengths, base + i, n - i);
        count[d] = n;
        runs--;
        totalLength -= removed;
        if (n == 0) {
            closeBlock(d);
            return;
        }
        if (i == 0) {
            first[d] = starts[base];
        }
        if (removed == longest[d]) {
            longest[d] = longestIn(d);
        }
        if (n < LOW) {
            mergeWithANeighbour(d);
        }
    }

    private void setLength(int d, int i, long runLength) {
        int at = (home[d] << BLOCK_BITS) + i;
        long old = lengths[at];
        lengths[at] = runLength;
        totalLength += runLength - old;
        if (runLength >= longest[d]) {
            longest[d] = runLength;
        } else if (old == longest[d]) {
            longest[d] = longestIn(d);
        }
    }

    private long longestIn(int d) {
        int base = home[d] << BLOCK_BITS;
        long most = lengths[base];
        for (int i = 1; i < count[d]; i++) {
            most = Math.max(most, lengths[base + i]);
        }
        return most;
    }

    /** The last index of block d whose start is at or below {@code key} (the block's first start is). */
    private int indexAtOrBelow(int d, long key) {
        int base = home[d] << BLOCK_BITS;
        int lo = 0;
        int hi = count[d] - 1;
        while (lo < hi) {
            int mid = (lo + hi + 1) >>> 1;
            if (starts[base + mid] <= key) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        return lo;
    }

    // ---- the directory

    /** The last block whose first start is at or below {@code key}, or -1. */
    private int blockAtOrBelow(long key) {
        int lo = -1;
        int hi = blocks - 1;
        while (lo < hi) {
            int mid = (lo + hi + 1) >>> 1;
            if (first[mid] <= key) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        return lo;
    }

    /** Moves the upper half of full block d into a new block right after it. */
    private void split(int d) {
        openBlock(d + 1);
        int from = (home[d] << BLOCK_BITS) + BLOCK / 2;
        int to = home[d + 1] << BLOCK_BITS;
        System.arraycopy(starts, from, starts, to, BLOCK / 2);
        System.arraycopy(lengths, from, lengths, to, BLOCK / 2);
        count[d] = BLOCK / 2;
        count[d + 1] = BLOCK / 2;
        first[d + 1] = starts[to];
        longest[d] = longestIn(d);
        longest[d + 1] = longestIn(d + 1);
    }

    /** Merges block d, just made small, into its next (else previous) neighbour if the two fit in one. */
    private void mergeWithANeighbour(int d) {
        int lower = d + 1 < blocks ? d : d - 1;
        if (lower < 0 || count[lower] + count[lower + 1] > MERGED) {
            return;
        }
        int upper = lower + 1;
        System.arraycopy(starts, home[upper] << BLOCK_BITS, starts, (home[lower] << BLOCK_BITS) + count[lower],
                count[upper]);
        System.arraycopy(lengths, home[upper] << BLOCK_BITS, lengths, (home[lower] << BLOCK_BITS) + count[lower],
                count[upper]);
        count[lower] += count[upper];
        longest[lower] = Math.max(longest[lower], longest[upper]);
        count[upper] = 0;
        closeBlock(upper);
    }

    /** Inserts an empty block at directory index d, with storage of its own. */
    private void openBlock(int d) {
        if (blocks == home.length) {
            int capacity = blocks * 2;
            home = Arrays.copyOf(home, capacity);
            count = Arrays.copyOf(count, capacity);
            first = Arrays.copyOf(first, capacity);
            longest = Arrays.copyOf(longest, capacity);
        }
        int tail = blocks - d;
        System.arraycopy(home, d, home, d + 1, tail);
        System.arraycopy(count, d, count, d + 1, tail);
        System.arraycopy(first, d, first, d + 1, tail);
        System.arraycopy(longest, d, longest, d + 1, tail);
        home[d] = takeSlot();
        count[d] = 0;
        blocks++;
    }

    /** Removes empty block d from the directory and keeps its storage for reuse. */
    private void closeBlock(int d) {
        if (spareCount == spareSlots.length) {
            spareSlots = Arrays.copyOf(spareSlots, spareCount * 2);
        }
        spareSlots[spareCount++] = home[d];
        int tail = blocks - d - 1;
        System.arraycopy(home, d + 1, home, d, tail);
        System.arraycopy(count, d + 1, count, d, tail);
        System.arraycopy(first, d + 1, first, d, tail);
        System.arraycopy(longest, d + 1, longest, d, tail);
        blocks--;
    }

    private int takeSlot() {
        if (spareCount > 0) {
            return spareSlots[--spareCount];
        }
        if ((slotsMade + 1) * BLOCK > starts.length) {
            starts = Arrays.copyOf(starts, starts.length * 2);
            lengths = Arrays.copyOf(lengths, lengths.length * 2);
        }
        return slotsMade++;
    }

    private int at(int position) {
        return (home[position >>> BLOCK_BITS] << BLOCK_BITS) + (position & (BLOCK - 1));
    }

    private static int position(int d, int i) {
        return d << BLOCK_BITS | i;
    }
}
