package org.capbuddy.libos.allocman.mspace;

import java.util.Arrays;

/**
 * The free runs of a {@link FreeListHeap}: (start, length) pairs keyed by start, ordered as a
 * {@code TreeMap<Long, Long>} orders them (signed), answering what the heap asks in O(log n):
 * the exact run at a start, the last run starting at or below an address, the last run, and the
 * lowest-starting run of at least a given length (first fit). The runs are not interpreted:
 * keeping them disjoint and coalesced is the heap's job.
 *
 * <p>A treap in parallel arrays (no object per run, no boxing). Each node also holds the longest
 * length in its subtree, which is what lets first fit skip every subtree without a long enough
 * run instead of visiting runs in address order. Priorities come from a generator of the
 * instance's own, so the shape, like the answers, is the same on every run.
 *
 * <p>A node is named by a handle, an index into the arrays; {@link #NONE} is no node. A handle is
 * valid until its run is removed.
 */
final class FreeRunTree {
    /** No node; also the arrays' unused slot 0, so that a missing child needs no special case. */
    static final int NONE = 0;

    private long[] start = new long[16];
    private long[] length = new long[16];
    /** The longest length in the node's subtree. */
    private long[] longest = new long[16];
    private int[] left = new int[16];
    private int[] right = new int[16];
    private int[] priority = new int[16];
    private int root = NONE;
    /** Next never-used slot; freed slots are chained through {@code left}, from {@link #freeSlots}. */
    private int used = 1;
    private int freeSlots = NONE;
    private int runs;
    private long totalLength;
    private long randomState = 0x9E37_79B9_7F4A_7C15L;

    /** The number of runs. */
    int size() {
        return runs;
    }

    /** The sum of all runs' lengths (wrapping as long arithmetic does). */
    long totalLength() {
        return totalLength;
    }

    long start(int handle) {
        return start[handle];
    }

    long length(int handle) {
        return length[handle];
    }

    /** The run starting exactly at {@code key}, or {@link #NONE}. */
    int get(long key) {
        int node = root;
        while (node != NONE) {
            long s = start[node];
            if (key == s) {
                return node;
            }
            node = key < s ? left[node] : right[node];
        }
        return NONE;
    }

    /** The run with the greatest start at or below {@code key} ({@code TreeMap.floorEntry}), or {@link #NONE}. */
    int floor(long key) {
        int best = NONE;
        int node = root;
        while (node != NONE) {
            if (start[node] <= key) {
                best = node;
                node = right[node];
            } else {
                node = left[node];
            }
        }
        return best;
    }

    /** The run with the greatest start ({@code TreeMap.lastEntry}), or {@link #NONE}. */
    int last() {
        int node = root;
        if (node == NONE) {
            return NONE;
        }
        while (right[node] != NONE) {
            node = right[node];
        }
        return node;
    }

    /**
     * The run with the lowest start among those at least {@code minLength} long, or {@link #NONE}:
     * the first entry a walk of a {@code TreeMap} in key order would accept.
     */
    int firstAtLeast(long minLength) {
        int node = root;
        if (node == NONE || longest[node] < minLength) {
            return NONE;
        }
        while (node != NONE) {
            int l = left[node];
            if (l != NONE && longest[l] >= minLength) {
                node = l;
            } else if (length[node] >= minLength) {
                return node;
            } else {
                // The subtree's long enough run is neither on the left nor here, so it is on the right.
                node = right[node];
            }
        }
        return NONE;
    }

    /** Sets the run at {@code key} to {@code runLength}, adding it if none starts there ({@code TreeMap.put}). */
    void put(long key, long runLength) {
        root = put(root, key, runLength);
    }

    /** Removes the run starting at {@code key}, if there is one. */
    void remove(long key) {
        root = remove(root, key);
    }

    private int put(int node, long key, long runLength) {
        if (node == NONE) {
            runs++;
            totalLength += runLength;
            return newNode(key, runLength);
        }
        long s = start[node];
        if (key == s) {
            totalLength += runLength - length[node];
            length[node] = runLength;
        } else if (key < s) {
            int child = put(left[node], key, runLength);
            left[node] = child;
            if (priority[child] > priority[node]) {
                return rotateRight(node);
            }
        } else {
            int child = put(right[node], key, runLength);
            right[node] = child;
            if (priority[child] > priority[node]) {
                return rotateLeft(node);
            }
        }
        update(node);
        return node;
    }

    private int remove(int node, long key) {
        if (node == NONE) {
            return NONE;
        }
        long s = start[node];
        if (key < s) {
            left[node] = remove(left[node], key);
        } else if (key > s) {
            right[node] = remove(right[node], key);
        } else {
            int joined = join(left[node], right[node]);
            runs--;
            totalLength -= length[node];
            release(node);
            return joined;
        }
        update(node);
        return node;
    }

    /** One treap of two, every start of {@code lower} below every start of {@code upper}. */
    private int join(int lower, int upper) {
        if (lower == NONE) {
            return upper;
        }
        if (upper == NONE) {
            return lower;
        }
        if (priority[lower] > priority[upper]) {
            right[lower] = join(right[lower], upper);
            update(lower);
            return lower;
        }
        left[upper] = join(lower, left[upper]);
        update(upper);
        return upper;
    }

    /** The left child becomes the subtree's root; returns it. */
    private int rotateRight(int node) {
        int child = left[node];
        left[node] = right[child];
        right[child] = node;
        update(node);
        update(child);
        return child;
    }

    /** The right child becomes the subtree's root; returns it. */
    private int rotateLeft(int node) {
        int child = right[node];
        right[node] = left[child];
        left[child] = node;
        update(node);
        update(child);
        return child;
    }

    private void update(int node) {
        long most = length[node];
        int l = left[node];
        if (l != NONE && longest[l] > most) {
            most = longest[l];
        }
        int r = right[node];
        if (r != NONE && longest[r] > most) {
            most = longest[r];
        }
        longest[node] = most;
    }

    private int newNode(long key, long runLength) {
        int node;
        if (freeSlots != NONE) {
            node = freeSlots;
            freeSlots = left[node];
        } else {
            if (used == start.length) {
                grow();
            }
            node = used++;
        }
        start[node] = key;
        length[node] = runLength;
        longest[node] = runLength;
        left[node] = NONE;
        right[node] = NONE;
        priority[node] = nextPriority();
        return node;
    }

    private void release(int node) {
        left[node] = freeSlots;
        right[node] = NONE;
        freeSlots = node;
    }

    private void grow() {
        int capacity = start.length * 2;
        start = Arrays.copyOf(start, capacity);
        length = Arrays.copyOf(length, capacity);
        longest = Arrays.copyOf(longest, capacity);
        left = Arrays.copyOf(left, capacity);
        right = Arrays.copyOf(right, capacity);
        priority = Arrays.copyOf(priority, capacity);
    }

    /** SplitMix64's output function over a Weyl sequence: well spread, cheap, reproducible. */
    private int nextPriority() {
        randomState += 0x9E37_79B9_7F4A_7C15L;
        long z = randomState;
        z = (z ^ (z >>> 30)) * 0xBF58_476D_1CE4_E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D0_49BB_1331_11EBL;
        return (int) (z ^ (z >>> 31));
    }
}
