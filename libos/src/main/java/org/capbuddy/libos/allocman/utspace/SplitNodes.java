package org.capbuddy.libos.allocman.utspace;

import java.util.Arrays;

/**
 * The buddies of the split allocator ({@code struct utspace_split_node}), packed into arrays: a
 * node is an {@code int} id into this table, not an object. Each node is a real untyped cap of
 * 2^sizeBits bytes at {@code paddr}: FREE (on a free list), SPLIT (its two halves exist as child
 * untyped caps), ALLOCATED (retyped into one object that a caller holds) or LOST (its cap vanished
 * while coalescing: someone else deleted it, and its memory is unusable).
 *
 * <p>A root comes from {@code addUntyped}; its slot belongs to the caller, so the manager never
 * deletes it. Every other node is a half, retyped out of its parent into a slot from the cspace
 * and destroyed again when it coalesces with its sibling. The two halves of a node are made and
 * destroyed together, so they take a pair of ids, lower half even, upper half odd: a half's
 * sibling is {@code id ^ 1}, and a split node keeps only its lower half's id. A root takes a pair
 * of its own and leaves the odd id unused. The pairs of destroyed halves are used again; the
 * table keeps the most nodes it ever held.
 *
 * <p>Plain allocman keeps two nodes per 4 KiB frame it hands out, so a node is five longs, 40 host
 * bytes, in pages of {@value #PAGE} nodes. What can be derived is not stored: a half's slot is its
 * cptr, its sibling and its parent's other half follow from the id, and where its cap is looked up
 * (the CNode and the depth) is one of a few {@link NodeCNode}s that every node in the same CSpace
 * shares, kept once here and named by index. The path a root was handed over with is kept by
 * {@link SplitRoots}, and an allocation's cookie by the allocator's table.
 *
 * <pre>
 * word 0: the cap's cptr (for a half also the slot cspaceAlloc gave, to give back)
 * word 1: paddr
 * word 2: where the node's record sits in the mspace (charged SplitUtspace.NODE_RECORD_BYTES)
 * word 3:
 *   63                         32 31                          0
 *  +-----------------------------+-----------------------------+
 *  |  parent's id (-1: a root)   | lower half's id (-1: none)  |
 *  +-----------------------------+-----------------------------+
 * word 4:
 *   63               32 31        16 15   13   12   11  10 9   8 7          0
 *  +-------------------+------------+-------+-------+-----+-----+------------+
 *  |  free-list stamp  | NodeCNode  |   0   | frame |state| kind|  sizeBits  |
 *  +-------------------+------------+-------+-------+-----+-----+------------+
 * </pre>
 *
 * The free-list stamp counts the node's additions to and removals from its free list: odd while
 * it is on the list. A free-list entry keeps the stamp it was added with, so a stale entry (of a
 * node removed, or removed and added again since) is told from the live one ({@link FreeList}).
 * A pair's stamps survive its reuse, so that entries left by its earlier nodes stay stale. The
 * frame bit says, while ALLOCATED, whether the object is a frame (for the frames-in-use count).
 */
final class SplitNodes {
    /** No node: a root's parent, a node that is not split's lower half, a lookup that found nothing. */
    static final int NONE = -1;

    enum State { FREE, SPLIT, ALLOCATED, LOST }

    private static final State[] STATES = State.values();
    private static final UntypedKind[] KINDS = UntypedKind.values();

    private static final int WORDS = 5;
    private static final int CPTR = 0;
    private static final int PADDR = 1;
    private static final int RECORD = 2;
    private static final int LINKS = 3;
    private static final int META = 4;

    private static final int PAGE_BITS = 10;
    private static final int PAGE = 1 << PAGE_BITS;
    private static final int PAGE_MASK = PAGE - 1;

    private static final long SIZE_MASK = 0xFF;
    private static final int KIND_SHIFT = 8;
    private static final int STATE_SHIFT = 10;
    private static final long FRAME = 1L << 12;
    private static final int CNODE_SHIFT = 16;
    private static final int MAX_CNODES = 1 << 16;
    private static final int STAMP_SHIFT = 32;
    /** The bits of word 4 a node's reuse keeps: its stamp. */
    private static final long STAMP_BITS = -1L << STAMP_SHIFT;

    private long[][] pages = new long[1][];
    /** Ids handed out so far (always even): the next new pair starts here. */
    private int end;
    /** Lower ids of pairs given back, to be used again (a stack). */
    private int[] freePairs = new int[16];
    private int freePairCount;
    private NodeCNode[] cnodes = new NodeCNode[4];
    private int cnodeCount;

    /**
     * A new root, FREE, of the untyped cap at {@code cptr} looked up in CNode {@code cnode} (an
     * index from {@link #cnodeIndex}).
     */
    int root(int cnode, long cptr, int sizeBits, long paddr, UntypedKind kind, long record) {
        int id = takePair();
        set(id, cnode, cptr, sizeBits, paddr, kind, record, NONE);
        return id;
    }

    /**
     * The two halves of {@code parent}, FREE, lower address first, in slots {@code cptrLo} and
     * {@code cptrHi} looked up in CNode {@code cnode}; returns the lower half's id (the upper's is
     * one more), which the parent now keeps. The parent's own state is the caller's to change.
     */
    int halves(int parent, int cnode, long cptrLo, long recordLo, long cptrHi, long recordHi) {
        int lo = takePair();
        int half = sizeBits(parent) - 1;
        long paddr = paddr(parent);
        UntypedKind kind = kind(parent);
        set(lo, cnode, cptrLo, half, paddr, kind, recordLo, parent);
        set(lo + 1, cnode, cptrHi, half, paddr + (1L << half), kind, recordHi, parent);
        setLower(parent, lo);
        return lo;
    }

    /** Forgets the two halves of {@code parent} (their caps, slots and records are gone); their ids are used again. */
    void dropHalves(int parent) {
        int lo = lower(parent);
        setLower(parent, NONE);
        if (freePairCount == freePairs.length) {
            freePairs = Arrays.copyOf(freePairs, freePairCount * 2);
        }
        freePairs[freePairCount++] = lo;
    }

    /**
     * The index of CNode {@code root} at {@code depth} among those the nodes are looked up in,
     * added if new; {@code hint}, an index (or {@link #NONE}), is tried first. {@link #NONE} if
     * the table already holds as many as it can name.
     */
    int cnodeIndex(long root, int depth, int hint) {
        if (hint != NONE && cnodes[hint].root() == root && cnodes[hint].depth() == depth) {
            return hint;
        }
        for (int i = 0; i < cnodeCount; i++) {
            if (cnodes[i].root() == root && cnodes[i].depth() == depth) {
                return i;
            }
        }
        if (cnodeCount == MAX_CNODES) {
            return NONE;
        }
        if (cnodeCount == cnodes.length) {
            cnodes = Arrays.copyOf(cnodes, cnodeCount * 2);
        }
        cnodes[cnodeCount] = new NodeCNode(root, depth);
        return cnodeCount++;
    }

    // ---- the fields

    long cptr(int id) {
        return word(id, CPTR);
    }

    long paddr(int id) {
        return word(id, PADDR);
    }

    long record(int id) {
        return word(id, RECORD);
    }

    /** {@link #NONE} for a root. */
    int parent(int id) {
        return (int) (word(id, LINKS) >> 32);
    }

    /** While SPLIT: the lower half; else {@link #NONE}. */
    int lower(int id) {
        return (int) word(id, LINKS);
    }

    /** While SPLIT: the upper half. */
    int upper(int id) {
        return lower(id) + 1;
    }

    /** The other half of this node's parent; {@link #NONE} for a root. */
    int sibling(int id) {
        return isRoot(id) ? NONE : id ^ 1;
    }

    boolean isRoot(int id) {
        return parent(id) == NONE;
    }

    int sizeBits(int id) {
        return (int) (word(id, META) & SIZE_MASK);
    }

    long bytes(int id) {
        return 1L << sizeBits(id);
    }

    /** {@code kind(id).ordinal()}, without the table read. */
    int kindIndex(int id) {
        return (int) (word(id, META) >>> KIND_SHIFT) & 3;
    }

    UntypedKind kind(int id) {
        return KINDS[kindIndex(id)];
    }

    /** The CNode the node's cap is looked up in and the lookup depth (for Retype and Delete). */
    NodeCNode cnode(int id) {
        return cnodes[cnodeIndexOf(id)];
    }

    int cnodeIndexOf(int id) {
        return (int) (word(id, META) >>> CNODE_SHIFT) & (MAX_CNODES - 1);
    }

    State state(int id) {
        return STATES[stateIndex(id)];
    }

    void setState(int id, State s) {
        long meta = word(id, META) & ~(3L << STATE_SHIFT);
        setWord(id, META, meta | (long) s.ordinal() << STATE_SHIFT);
    }

    boolean isFree(int id) {
        return stateIndex(id) == State.FREE.ordinal();
    }

    boolean isSplit(int id) {
        return stateIndex(id) == State.SPLIT.ordinal();
    }

    /** While ALLOCATED: whether the object is a frame. */
    boolean allocatedFrame(int id) {
        return (word(id, META) & FRAME) != 0;
    }

    void setAllocatedFrame(int id, boolean frame) {
        long meta = word(id, META);
        setWord(id, META, frame ? meta | FRAME : meta & ~FRAME);
    }

    int freeListStamp(int id) {
        return (int) (word(id, META) >>> STAMP_SHIFT);
    }

    /** Moves the stamp on by one: onto a free list (odd) or off it (even). */
    void bumpFreeListStamp(int id) {
        setWord(id, META, word(id, META) + (1L << STAMP_SHIFT));
    }

    boolean onFreeList(int id) {
        return (freeListStamp(id) & 1) != 0;
    }

    /** True when [from, from + 2^bits) lies inside the node. */
    boolean covers(int id, long from, int bits) {
        long paddr = paddr(id);
        return bits <= sizeBits(id) && from >= paddr && from - paddr <= bytes(id) - (1L << bits);
    }

    /** For messages: kind, range, state and cptr. */
    String describe(int id) {
        return kind(id) + "[0x" + Long.toHexString(paddr(id)) + ", 2^" + sizeBits(id) + ", " + state(id) + " @"
                + cptr(id) + "]";
    }

    // ---- storage

    private int stateIndex(int id) {
        return (int) (word(id, META) >>> STATE_SHIFT) & 3;
    }

    private void set(int id, int cnode, long cptr, int sizeBits, long paddr, UntypedKind kind, long record,
                     int parent) {
        setWord(id, CPTR, cptr);
        setWord(id, PADDR, paddr);
        setWord(id, RECORD, record);
        setWord(id, LINKS, (long) parent << 32 | (NONE & 0xFFFF_FFFFL));
        long stamp = word(id, META) & STAMP_BITS;
        setWord(id, META, stamp | (long) cnode << CNODE_SHIFT | (long) State.FREE.ordinal() << STATE_SHIFT
                | (long) kind.ordinal() << KIND_SHIFT | sizeBits);
    }

    private void setLower(int id, int lower) {
        setWord(id, LINKS, (word(id, LINKS) & 0xFFFF_FFFF_0000_0000L) | (lower & 0xFFFF_FFFFL));
    }

    private int takePair() {
        if (freePairCount > 0) {
            return freePairs[--freePairCount];
        }
        if (end > Integer.MAX_VALUE - 2) {
            throw new IllegalStateException("split node table full");
        }
        int id = end;
        int page = id >>> PAGE_BITS;
        if (page == pages.length) {
            pages = Arrays.copyOf(pages, page * 2);
        }
        if (pages[page] == null) {
            pages[page] = new long[PAGE * WORDS];
        }
        end += 2;
        return id;
    }

    private long word(int id, int w) {
        return pages[id >>> PAGE_BITS][(id & PAGE_MASK) * WORDS + w];
    }

    private void setWord(int id, int w, long value) {
        pages[id >>> PAGE_BITS][(id & PAGE_MASK) * WORDS + w] = value;
    }
}
