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
 * <p>Plain allocman keeps two nodes per 4 KiB frame it hands out, so a node costs 32 host bytes:
 * a pair is eight longs in pages of {@value #PAGE} nodes, two words that the halves share (their
 * parent, size, kind, CNode and base address are one) and three of each half's own. What can be
 * derived is not stored: a half's slot is its cptr, its address is the pair's base plus its size
 * if it is the upper one, its sibling is the other id of its pair, and where its cap is looked up
 * (the CNode and the depth) is one of a few {@link NodeCNode}s that every node in the same CSpace
 * shares, kept once here and named by index. The path a root was handed over with is kept by
 * {@link SplitRoots}, and an allocation's cookie by the allocator's table.
 *
 * <pre>
 * a pair, id 2p (lower) and 2p + 1 (upper):
 * word 0: the lower node's paddr (the upper's is 2^sizeBits on)
 * word 1:
 *   63                 32 31       16 15 14   13    12  11   10    9   8  7    6 5        0
 *  +---------------------+-----------+-----+-------+-------+-------+-------+------+----------+
 *  | parent (-1: a root) | NodeCNode |  0  | upper | upper | lower | lower | kind | sizeBits |
 *  |                     |           |     | frame | state | frame | state |      |          |
 *  +---------------------+-----------+-----+-------+-------+-------+-------+------+----------+
 * words 2, 3, 4: the lower node's; words 5, 6, 7: the upper node's:
 *   cptr: the cap's cptr (for a half also the slot cspaceAlloc gave, to give back)
 *   record: where the node's record sits in the mspace (charged SplitUtspace.NODE_RECORD_BYTES)
 *   links:
 *   63                         32 31                          0
 *  +-----------------------------+-----------------------------+
 *  |      free-list stamp        | lower half's id (-1: none)  |
 *  +-----------------------------+-----------------------------+
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

    private static final int PAIR_WORDS = 8;
    private static final int PADDR = 0;
    private static final int SHARED = 1;
    /** A node's own words start here, and the upper node's {@link #NODE_WORDS} later. */
    private static final int OWN = 2;
    private static final int NODE_WORDS = 3;
    private static final int CPTR = 0;
    private static final int RECORD = 1;
    private static final int LINKS = 2;

    private static final int PAGE_BITS = 10;
    private static final int PAGE = 1 << PAGE_BITS;
    /** Pairs in a page, less one. */
    private static final int PAIR_MASK = (PAGE >> 1) - 1;

    private static final long SIZE_MASK = 0x3F;
    private static final int KIND_SHIFT = 6;
    /** A node's state (two bits) and frame bit, the lower node's here and the upper's three bits on. */
    private static final int FLAGS_SHIFT = 8;
    private static final int FLAG_BITS = 3;
    private static final long STATE_MASK = 3;
    private static final long FRAME = 4;
    private static final int CNODE_SHIFT = 16;
    private static final int MAX_CNODES = 1 << 16;
    private static final int PARENT_SHIFT = 32;
    private static final long LOW_32 = 0xFFFF_FFFFL;

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
        setPair(id, paddr, NONE, cnode, kind, sizeBits);
        setNode(id, cptr, record);
        return id;
    }

    /**
     * The two halves of {@code parent}, FREE, lower address first, in slots {@code cptrLo} and
     * {@code cptrHi} looked up in CNode {@code cnode}; returns the lower half's id (the upper's is
     * one more), which the parent now keeps. The parent's own state is the caller's to change.
     */
    int halves(int parent, int cnode, long cptrLo, long recordLo, long cptrHi, long recordHi) {
        int lo = takePair();
        setPair(lo, paddr(parent), parent, cnode, kind(parent), sizeBits(parent) - 1);
        setNode(lo, cptrLo, recordLo);
        setNode(lo + 1, cptrHi, recordHi);
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
        return own(id, CPTR);
    }

    long paddr(int id) {
        return pages[id >>> PAGE_BITS][pairBase(id) + PADDR] + ((long) (id & 1) << sizeBits(id));
    }

    long record(int id) {
        return own(id, RECORD);
    }

    /** {@link #NONE} for a root. */
    int parent(int id) {
        return (int) (shared(id) >> PARENT_SHIFT);
    }

    /** While SPLIT: the lower half; else {@link #NONE}. */
    int lower(int id) {
        return (int) own(id, LINKS);
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
        return (int) (shared(id) & SIZE_MASK);
    }

    long bytes(int id) {
        return 1L << sizeBits(id);
    }

    /** {@code kind(id).ordinal()}, without the table read. */
    int kindIndex(int id) {
        return (int) (shared(id) >>> KIND_SHIFT) & 3;
    }

    UntypedKind kind(int id) {
        return KINDS[kindIndex(id)];
    }

    /** The CNode the node's cap is looked up in and the lookup depth (for Retype and Delete). */
    NodeCNode cnode(int id) {
        return cnodes[cnodeIndexOf(id)];
    }

    int cnodeIndexOf(int id) {
        return (int) (shared(id) >>> CNODE_SHIFT) & (MAX_CNODES - 1);
    }

    State state(int id) {
        return STATES[(int) (flags(id) & STATE_MASK)];
    }

    void setState(int id, State s) {
        setFlags(id, (flags(id) & ~STATE_MASK) | s.ordinal());
    }

    boolean isFree(int id) {
        return (flags(id) & STATE_MASK) == State.FREE.ordinal();
    }

    boolean isSplit(int id) {
        return (flags(id) & STATE_MASK) == State.SPLIT.ordinal();
    }

    /** While ALLOCATED: whether the object is a frame. */
    boolean allocatedFrame(int id) {
        return (flags(id) & FRAME) != 0;
    }

    void setAllocatedFrame(int id, boolean frame) {
        setFlags(id, frame ? flags(id) | FRAME : flags(id) & ~FRAME);
    }

    int freeListStamp(int id) {
        return (int) (own(id, LINKS) >>> 32);
    }

    /** Moves the stamp on by one: onto a free list (odd) or off it (even). */
    void bumpFreeListStamp(int id) {
        setOwn(id, LINKS, own(id, LINKS) + (1L << 32));
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

    /** The pair's shared words, its halves FREE (their stamps are left as they were). */
    private void setPair(int id, long paddr, int parent, int cnode, UntypedKind kind, int sizeBits) {
        long[] page = pages[id >>> PAGE_BITS];
        int base = pairBase(id);
        page[base + PADDR] = paddr;
        long free = State.FREE.ordinal();
        page[base + SHARED] = (long) parent << PARENT_SHIFT | (long) cnode << CNODE_SHIFT
                | (free << FLAG_BITS | free) << FLAGS_SHIFT | (long) kind.ordinal() << KIND_SHIFT | sizeBits;
    }

    /** A node's own words: its cptr and record, no lower half, and the stamp it had. */
    private void setNode(int id, long cptr, long record) {
        setOwn(id, CPTR, cptr);
        setOwn(id, RECORD, record);
        setOwn(id, LINKS, (own(id, LINKS) & ~LOW_32) | (NONE & LOW_32));
    }

    private void setLower(int id, int lower) {
        setOwn(id, LINKS, (own(id, LINKS) & ~LOW_32) | (lower & LOW_32));
    }

    /** The node's state and frame bit. */
    private long flags(int id) {
        return (shared(id) >>> flagsShift(id)) & (STATE_MASK | FRAME);
    }

    private void setFlags(int id, long flags) {
        int shift = flagsShift(id);
        long[] page = pages[id >>> PAGE_BITS];
        int at = pairBase(id) + SHARED;
        page[at] = (page[at] & ~((STATE_MASK | FRAME) << shift)) | flags << shift;
    }

    private static int flagsShift(int id) {
        return FLAGS_SHIFT + (id & 1) * FLAG_BITS;
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
            pages[page] = new long[(PAGE >> 1) * PAIR_WORDS];
        }
        end += 2;
        return id;
    }

    private static int pairBase(int id) {
        return ((id >>> 1) & PAIR_MASK) * PAIR_WORDS;
    }

    private long shared(int id) {
        return pages[id >>> PAGE_BITS][pairBase(id) + SHARED];
    }

    private long own(int id, int w) {
        return pages[id >>> PAGE_BITS][pairBase(id) + OWN + (id & 1) * NODE_WORDS + w];
    }

    private void setOwn(int id, int w, long value) {
        pages[id >>> PAGE_BITS][pairBase(id) + OWN + (id & 1) * NODE_WORDS + w] = value;
    }
}
