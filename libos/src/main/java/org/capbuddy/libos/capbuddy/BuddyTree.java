package org.capbuddy.libos.capbuddy;

import java.util.Arrays;

/**
 * Buddy allocator over the 1024 frames (offsets {@code 0..1023}) of one CapBuddy tree: serves
 * naturally aligned blocks of {@code 2^0 .. 2^10} frames. It replaces the original's two-level
 * bitmap "VBT" ({@code arch64.c}) with a "largest free order" segment tree. Pure bookkeeping: no
 * kernel, no allocation after construction, no exceptions for bad arguments, every operation
 * O({@value #MAX_ORDER}) except the statistics method {@link #freeBlocks(int)}.
 *
 * <h2>Layout</h2>
 *
 * <pre>
 * A complete binary tree of 2047 nodes, heap-indexed (index 0 unused):
 *
 * depth d   order o = 10 - d   node indices i          block size
 *    0            10           1                       1024 frames (4 MiB)
 *    1             9           2 .. 3                   512 frames (2 MiB)
 *    2             8           4 .. 7                   256 frames (1 MiB)
 *   ...
 *    9             1           512 .. 1023                2 frames (8 KiB)
 *   10             0           1024 .. 2047               1 frame  (4 KiB)
 *
 *   children of i : 2i (lower half), 2i+1 (upper half);  parent : i >>> 1;  buddy : i ^ 1
 *   order(i)      = 10 - (31 - numberOfLeadingZeros(i))
 *   node(off, o)  = (1024 + off) >>> o          (off must be a multiple of 2^o)
 *   offset(i, o)  = (i << o) - 1024             (first frame of node i of order o)
 * </pre>
 *
 * <p><b>{@code tree[i]}</b> (a byte, for the inner nodes {@code 1..1023}, orders 1..10) is the
 * largest order {@code k} such that some node of order {@code k} in the subtree of {@code i} is
 * entirely free, or {@link #NONE} (-1) if no frame in the subtree is free. Thus {@code tree[i] <=
 * order(i)}, and:
 *
 * <ul>
 *   <li><b>Eager coalescing:</b> {@code tree[i] == order(i)} exactly when the whole subtree of
 *       {@code i} is free. For an inner node that is the case iff both children hold {@code
 *       order(i) - 1}; otherwise {@code tree[i] = max(tree[2i], tree[2i+1])}.
 *   <li>Hence "an aligned run of {@code 2^k} free frames exists" ⟺ some node of order {@code k}
 *       is fully free ⟺ {@code tree[1] >= k}, and {@code tree[1]} is the exact largest free
 *       order (no over- or under-estimate, unlike the VBT's {@code largest_avail}).
 *   <li>A node allocated as a block holds {@link #NONE}. Its descendants are <em>not</em>
 *       rewritten: they keep the "fully free" values they had when the block was taken, which is
 *       exactly what they must hold again when it is freed. Values strictly below an allocated
 *       block are therefore stale and never trusted: the descent in {@link #allocate} cannot enter
 *       such a subtree (it only follows nodes with {@code tree[i] >= order >= 0}), and {@link
 *       #allocateAt} checks that no ancestor holds less than the requested order.
 * </ul>
 *
 * <p><b>The leaves (order 0) have no byte:</b> their value is the frame's bit in {@code
 * freeFrameBits} (set: 0, clear: {@link #NONE}). That bit is never stale (a block's frames are
 * cleared when it is taken), and a leaf is only ever read where it is valid anyway: as the buddy of
 * a frame being taken or freed (no ancestor of either is then allocated as a block). So an order-0
 * take or free updates the frame's parent from the bitmap word it already holds, with no leaf
 * byte to load or store, and the descent for orders 1..10 never reaches a leaf.
 *
 * <p><b>{@code allocated}</b> is a 2048-bit set (bit {@code i} of word {@code i >>> 6}) marking
 * the nodes currently allocated <em>as a block</em>. A frame is in use iff it or one of its
 * ancestors has its bit set; {@link #free} accepts exactly the (offset, order) pairs whose node bit
 * is set, which rejects double frees, wrong orders, parts of a larger block and never-allocated
 * blocks. All the fields change only together, and an operation that fails changes nothing.
 *
 * <p>Allocation picks the lowest address: the descent goes left whenever the left child can
 * serve the order. Updates walk towards the root and stop as soon as a node's value is unchanged
 * (its ancestors are then unchanged too).
 *
 * <p>Not thread-safe.
 */
public final class BuddyTree {
    /** Frames managed by one tree (4 MiB of 4 KiB frames). */
    public static final int FRAMES = 1024;
    /** Order of the whole tree: {@code FRAMES == 1 << MAX_ORDER}. */
    public static final int MAX_ORDER = 10;
    /*
     * Values, kept apart so that no result can be read as another:
     *
     *   orders         0 .. 10      a block size, and tree[i] for a subtree with a free block
     *   NONE           -1           tree[i] with nothing free below; a failed allocation
     *   offsets        0 .. 1023    a successful allocation
     *   free() codes   OK 0, BAD_ORDER -2, OUT_OF_RANGE -3, NOT_ALIGNED -4, NOT_ALLOCATED -5
     */

    /** {@code tree[i]} value meaning "nothing free below". Also returned by failed allocations. */
    public static final int NONE = -1;

    /** {@link #free} succeeded. */
    public static final int OK = 0;
    /** {@link #free}: order outside {@code 0..MAX_ORDER}. */
    public static final int BAD_ORDER = -2;
    /** {@link #free}: offset outside {@code 0..FRAMES-1}. */
    public static final int OUT_OF_RANGE = -3;
    /** {@link #free}: offset not a multiple of {@code 2^order}. */
    public static final int NOT_ALIGNED = -4;
    /**
     * {@link #free}: the block is not currently allocated as exactly this block (double free,
     * wrong order, part of a larger block, never allocated).
     */
    public static final int NOT_ALLOCATED = -5;

    private static final int NODES = 2 * FRAMES; // node indices 1..2047; leaves are 1024..2047

    /** Inner nodes 1..1023 (index 0 unused); the leaves' values are the bits of {@link #freeFrameBits}. */
    private final byte[] tree = new byte[FRAMES];
    private final long[] allocated = new long[NODES / 64];
    /**
     * Bit f of word f >>> 6 is set iff frame f is free: the leaves of the tree, and the order-0
     * fast path. {@code summary} has bit w set iff word w is non-zero. Finding the lowest free
     * frame is then two trailing-zero counts instead of a ten-level descent, and it is the same
     * frame the descent would choose (the left-first descent for order 0 ends at the lowest free
     * frame).
     */
    private final long[] freeFrameBits = new long[FRAMES / 64];
    private int summary;

    /** A tree with every frame free. */
    public BuddyTree() {
        for (int d = 0; d < MAX_ORDER; d++) {
            Arrays.fill(tree, 1 << d, 2 << d, (byte) (MAX_ORDER - d));
        }
        tree[0] = NONE;
        Arrays.fill(freeFrameBits, -1L);
        summary = 0xFFFF;
    }

    /**
     * Allocates the lowest-addressed free, aligned block of {@code 2^order} frames.
     *
     * @return its first frame offset, or -1 if no such block is free or {@code order} is outside
     *     {@code 0..MAX_ORDER}
     */
    public int allocate(int order) {
        if (order == 0) {
            return allocateFrame();
        }
        if (order < 0 || order > MAX_ORDER || tree[1] < order) {
            return NONE;
        }
        int i = 1;
        for (int o = MAX_ORDER; o > order; o--) {
            // go right iff the left child cannot serve it (branch-free: sign bit of left - order)
            i = (i << 1) | ((tree[i << 1] - order) >>> 31);
        }
        takeBlock(i, order);
        return (i << order) - FRAMES;
    }

    /**
     * {@code allocate(0)}: the lowest free frame, or -1 when every frame is in use. The pool's hot
     * path, kept apart so that it stays small: only the bitmap, the frame's block bit, and the
     * ancestors from its parent up.
     */
    public int allocateFrame() {
        int s = summary;
        if (s == 0) {
            return NONE;
        }
        int w = Integer.numberOfTrailingZeros(s);
        long word = freeFrameBits[w];
        long rest = word & (word - 1); // the lowest set bit, our frame, cleared
        freeFrameBits[w] = rest;
        if (rest == 0) {
            summary = s & ~(1 << w);
        }
        int offset = (w << 6) | Long.numberOfTrailingZeros(word);
        markBlock(FRAMES + offset);
        // The parent can no longer be fully free: it keeps 0 if the buddy frame is free, else NONE.
        propagate((FRAMES + offset) >>> 1, 1, buddyBit(rest, offset) - 1);
        return offset;
    }

    /**
     * Allocates exactly the block {@code [offset, offset + 2^order)}.
     *
     * @return true on success; false (and nothing changed) if the order or offset is out of range,
     *     the offset is not a multiple of {@code 2^order}, or any frame of the block is in use
     */
    public boolean allocateAt(int offset, int order) {
        if (order < 0 || order > MAX_ORDER || offset < 0 || offset >= FRAMES
                || (offset & ((1 << order) - 1)) != 0) {
            return false;
        }
        if (order == 0) {
            // The frame's bit is exact (never stale), so no ancestor needs looking at.
            int w = offset >>> 6;
            long word = freeFrameBits[w];
            long bit = 1L << offset;
            if ((word & bit) == 0) {
                return false;
            }
            long rest = word & ~bit;
            freeFrameBits[w] = rest;
            if (rest == 0) {
                summary &= ~(1 << w);
            }
            markBlock(FRAMES + offset);
            propagate((FRAMES + offset) >>> 1, 1, buddyBit(rest, offset) - 1);
            return true;
        }
        int i = (FRAMES + offset) >>> order;
        if (tree[i] != order) {
            return false;
        }
        // tree[i] may be stale if an ancestor is allocated as a block (it then holds NONE).
        for (int p = i >>> 1; p != 0; p >>>= 1) {
            if (tree[p] < order) {
                return false;
            }
        }
        takeBlock(i, order);
        return true;
    }

    /** Marks the fully free inner node {@code i} of order {@code order >= 1} allocated. */
    private void takeBlock(int i, int order) {
        markBlock(i);
        setFrames((i << order) - FRAMES, order, false);
        propagate(i, order, NONE);
    }

    /**
     * Frees a block allocated with exactly this offset and order, coalescing with free buddies.
     *
     * @return {@link #OK}, or {@link #BAD_ORDER}, {@link #OUT_OF_RANGE}, {@link #NOT_ALIGNED},
     *     {@link #NOT_ALLOCATED} (checked in that order); on any error nothing changes
     */
    public int free(int offset, int order) {
        if (order == 0) {
            return freeFrame(offset);
        }
        if (order < 0 || order > MAX_ORDER) {
            return BAD_ORDER;
        }
        if (offset < 0 || offset >= FRAMES) {
            return OUT_OF_RANGE;
        }
        if ((offset & ((1 << order) - 1)) != 0) {
            return NOT_ALIGNED;
        }
        int i = (FRAMES + offset) >>> order;
        long bit = 1L << i;
        int w = i >>> 6;
        if ((allocated[w] & bit) == 0) {
            return NOT_ALLOCATED;
        }
        allocated[w] &= ~bit;
        setFrames(offset, order, true);
        propagate(i, order, order); // descendants still hold their fully-free values
        return OK;
    }

    /**
     * {@code free(offset, 0)}: the pool's hot path, kept apart so that it stays small.
     *
     * @return {@link #OK}, {@link #OUT_OF_RANGE} or {@link #NOT_ALLOCATED}; on error nothing changes
     */
    public int freeFrame(int offset) {
        if (offset < 0 || offset >= FRAMES) {
            return OUT_OF_RANGE;
        }
        int leaf = FRAMES + offset;
        int aw = leaf >>> 6;
        long blocks = allocated[aw];
        long bit = 1L << offset; // == 1L << leaf: shifts use the low 6 bits, and FRAMES % 64 == 0
        if ((blocks & bit) == 0) {
            return NOT_ALLOCATED;
        }
        allocated[aw] = blocks & ~bit;
        int w = offset >>> 6;
        long before = freeFrameBits[w];
        long word = before | bit;
        freeFrameBits[w] = word;
        if (before == 0) {
            // Only then: an unconditional store would make the next allocateFrame's read of
            // summary wait for this one.
            summary |= 1 << w;
        }
        // The parent becomes fully free (order 1) if the buddy frame is free too, else holds 0.
        propagate(leaf >>> 1, 1, buddyBit(word, offset));
        return OK;
    }

    /** 1 if the buddy of frame {@code offset} is free in {@code word} (the frame's bitmap word), else 0. */
    private static int buddyBit(long word, int offset) {
        return (int) (word >>> (offset ^ 1)) & 1; // shift by the low 6 bits: the buddy's bit in its word
    }

    private void markBlock(int i) {
        allocated[i >>> 6] |= 1L << i;
    }

    /**
     * Node {@code i} (inner, of order {@code o}) now holds {@code v}: stores it and brings the
     * ancestors up to date, stopping at the first one whose value does not change (its own
     * ancestors are then unchanged too). The same rule serves takes and frees: a parent is fully
     * free iff both children are, else it holds the larger child.
     */
    private void propagate(int i, int o, int v) {
        tree[i] = (byte) v;
        for (; o < MAX_ORDER; o++) {
            int b = tree[i ^ 1];
            v = (v == o && b == o) ? o + 1 : Math.max(v, b);
            i >>>= 1;
            if (tree[i] == v) {
                return;
            }
            tree[i] = (byte) v;
        }
    }

    /** Marks the frames of the block [offset, offset + 2^order) free or in use in the fast-path bitmap. */
    private void setFrames(int offset, int order, boolean free) {
        if (order >= 6) {
            long fill = free ? -1L : 0L;
            int first = offset >>> 6;
            for (int w = first; w < first + (1 << (order - 6)); w++) {
                freeFrameBits[w] = fill;
            }
            int words = ((1 << (1 << (order - 6))) - 1) << first;
            summary = free ? summary | words : summary & ~words;
            return;
        }
        int w = offset >>> 6;
        long bits = ((1L << (1 << order)) - 1) << (offset & 63);
        long word = free ? freeFrameBits[w] | bits : freeFrameBits[w] & ~bits;
        freeFrameBits[w] = word;
        summary = word != 0 ? summary | (1 << w) : summary & ~(1 << w);
    }

    /** The value of node {@code i}, leaves included (a leaf's is its frame's bit). */
    private int value(int i) {
        if (i < FRAMES) {
            return tree[i];
        }
        int f = i - FRAMES;
        return (freeFrameBits[f >>> 6] & (1L << f)) != 0 ? 0 : NONE;
    }

    /**
     * The order of the largest aligned block that holds the block {@code [offset, offset +
     * 2^order)} and is free apart from it: {@code order} itself when its buddy is in use. Read
     * just after the block is taken, it is the order of the free block that was split to serve it
     * (that many minus {@code order} halvings); just after it is freed, the order of the free block
     * it merged into. Trace-only (off the hot paths); -1 for a block outside the tree. Sound here:
     * with the block itself taken or just freed, no ancestor of it is allocated as a block, so no
     * sibling read on the way up is stale.
     */
    public int freeAround(int offset, int order) {
        if (order < 0 || order > MAX_ORDER || offset < 0 || offset >= FRAMES
                || (offset & ((1 << order) - 1)) != 0) {
            return NONE;
        }
        int i = (FRAMES + offset) >>> order;
        int o = order;
        while (o < MAX_ORDER && value(i ^ 1) == o) {
            i >>>= 1;
            o++;
        }
        return o;
    }

    /** The exact largest order of a free aligned block, or -1 when every frame is in use. */
    public int largestFreeOrder() {
        return tree[1];
    }

    /** True when nothing is allocated. */
    public boolean isEmpty() {
        return tree[1] == MAX_ORDER;
    }

    /** True when every frame is in use. */
    public boolean isFull() {
        return tree[1] == NONE;
    }

    /** Number of free frames: a count of the bitmap (a counter would cost every operation a store). */
    public int freeFrames() {
        int n = 0;
        for (long word : freeFrameBits) {
            n += Long.bitCount(word);
        }
        return n;
    }

    /**
     * Number of maximal free blocks of exactly this order (fully free nodes of that order whose
     * parent is not fully free). A walk of the tree, meant for statistics only.
     *
     * @return the count, or 0 for an order outside {@code 0..MAX_ORDER}
     */
    public int freeBlocks(int order) {
        if (order < 0 || order > MAX_ORDER) {
            return 0;
        }
        return countMaximal(1, MAX_ORDER, order);
    }

    private int countMaximal(int i, int o, int order) {
        int v = value(i);
        if (v < order) {
            return 0; // nothing that large below (also: NONE, or allocated as a block)
        }
        if (v == o) {
            return o == order ? 1 : 0; // fully free, hence maximal (the parent was not)
        }
        return countMaximal(2 * i, o - 1, order) + countMaximal(2 * i + 1, o - 1, order);
    }

    /** True if {@code [offset, offset + 2^order)} is currently allocated as exactly one block. */
    public boolean isAllocatedBlock(int offset, int order) {
        if (order < 0 || order > MAX_ORDER || offset < 0 || offset >= FRAMES
                || (offset & ((1 << order) - 1)) != 0) {
            return false;
        }
        int i = (FRAMES + offset) >>> order;
        return (allocated[i >>> 6] & (1L << i)) != 0;
    }

    /** True if frame {@code offset} is free; false if it is in use or out of range. */
    public boolean isFrameFree(int offset) {
        if (offset < 0 || offset >= FRAMES) {
            return false;
        }
        for (int i = FRAMES + offset; i != 0; i >>>= 1) {
            if ((allocated[i >>> 6] & (1L << i)) != 0) {
                return false;
            }
        }
        return true;
    }

    /**
     * Recomputes every reachable node from the block bitset and checks the stored values, the
     * bitmap and its summary, and that no allocated block lies inside another. For tests.
     *
     * @return null if consistent, else a description of the first inconsistency
     */
    String checkInvariants() {
        String err = null;
        for (int f = 0; f < FRAMES && err == null; f++) {
            boolean bit = (freeFrameBits[f >>> 6] & (1L << f)) != 0;
            if (bit != isFrameFree(f)) {
                err = "bitmap says frame " + f + (bit ? " free" : " used");
            }
        }
        for (int w = 0; w < FRAMES / 64 && err == null; w++) {
            if (((summary >>> w) & 1) != (freeFrameBits[w] != 0 ? 1 : 0)) {
                err = "summary bit " + w + " disagrees with its word";
            }
        }
        return err != null ? err : check(1, MAX_ORDER, false);
    }

    /** Checks node {@code i} of order {@code o} and its subtree (leaves: only nesting; the bitmap is checked above). */
    private String check(int i, int o, boolean underBlock) {
        boolean isBlock = (allocated[i >>> 6] & (1L << i)) != 0;
        if (isBlock && underBlock) {
            return "block node " + i + " nested in another block";
        }
        if (o == 0) {
            return null;
        }
        String err = check(2 * i, o - 1, underBlock || isBlock);
        if (err == null) {
            err = check(2 * i + 1, o - 1, underBlock || isBlock);
        }
        if (err != null || underBlock) {
            return err; // stale values below an allocated block are allowed
        }
        int expect;
        if (isBlock) {
            expect = NONE;
        } else {
            int a = value(2 * i);
            int b = value(2 * i + 1);
            expect = (a == o - 1 && b == o - 1) ? o : Math.max(a, b);
        }
        if (isBlock && !fullyFreeBelow(i, o)) {
            return "allocated node " + i + " has descendants not in their fully-free state";
        }
        return tree[i] == expect ? null : "node " + i + " holds " + tree[i] + ", expected " + expect;
    }

    /** True if the inner descendants of block node {@code i} hold their fully-free values and none is a block. */
    private boolean fullyFreeBelow(int i, int o) {
        for (int d = 1; d <= o; d++) {
            for (int j = i << d, end = (i + 1) << d; j < end; j++) {
                if ((j < FRAMES && tree[j] != o - d) || (allocated[j >>> 6] & (1L << j)) != 0) {
                    return false;
                }
            }
        }
        return true;
    }

    /** A hash of the whole internal state (every array and the summary). For tests. */
    long fingerprint() {
        long h = summary;
        for (long w : allocated) {
            h = h * 0x9E3779B97F4A7C15L + w;
        }
        for (long w : freeFrameBits) {
            h = h * 0x9E3779B97F4A7C15L + w;
        }
        for (byte b : tree) {
            h = h * 31 + b;
        }
        return h;
    }

    @Override
    public String toString() {
        return "BuddyTree[free=" + freeFrames() + ", largest=" + tree[1] + "]";
    }
}
