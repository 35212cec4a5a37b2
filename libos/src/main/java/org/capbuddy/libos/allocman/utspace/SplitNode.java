package org.capbuddy.libos.allocman.utspace;

/**
 * One buddy of the split allocator ({@code struct utspace_split_node}): a real untyped cap of
 * 2^sizeBits bytes at {@code paddr}. A node is FREE (on a free list), SPLIT (its two halves exist
 * as child untyped caps) or ALLOCATED (retyped into one object that a caller holds).
 *
 * <p>A root comes from {@code addUntyped}; its slot belongs to the caller, so the manager never
 * deletes it. Every other node was retyped out of its parent into a slot from the cspace and is
 * destroyed again when it coalesces with its sibling.
 *
 * <p>Plain allocman keeps two nodes per 4 KiB frame it hands out, so a node is kept to 64 host
 * bytes: three longs, four references, the free-list stamp and four one-byte fields. What can be
 * derived is not stored: a half's slot is its cptr (a path made for a cptr names that cptr), its
 * sibling is the parent's other half, and where its cap is looked up (the CNode and the depth) is
 * shared by all nodes in the same CSpace ({@link NodeCNode}). The path a root was handed over with
 * is kept by {@link SplitRoots}, and an allocation's cookie by the allocator's table.
 */
final class SplitNode {
    /** LOST: its cap vanished while coalescing (someone else deleted it); its memory is unusable. */
    enum State { FREE, SPLIT, ALLOCATED, LOST }

    private static final State[] STATES = State.values();
    private static final UntypedKind[] KINDS = UntypedKind.values();

    /** The CNode the node's cap is looked up in and the lookup depth (for Retype and Delete). */
    final NodeCNode cnode;
    /** The cap's cptr in {@link #cnode}; for a half also the slot {@code cspaceAlloc} gave, to give back. */
    final long cptr;
    final long paddr;
    /** Where the node's record sits in the mspace (charged {@link SplitUtspace#NODE_RECORD_BYTES}). */
    final long recordAddress;
    /** Null for a root. */
    final SplitNode parent;
    /** While SPLIT: the two halves, lower address first. */
    SplitNode lower;
    SplitNode upper;
    /**
     * Counts the node's additions to and removals from its free list: odd while it is on the list.
     * A free list entry keeps the stamp it was added with, so a stale entry (of a node removed, or
     * removed and added again since) is told from the live one ({@link FreeList}).
     */
    int freeListStamp;
    final byte sizeBits;
    private final byte kind;
    private byte state;
    /** While ALLOCATED: whether the object is a frame (for the frames-in-use count). */
    boolean allocatedFrame;

    SplitNode(NodeCNode cnode, long cptr, int sizeBits, long paddr, UntypedKind kind, SplitNode parent,
              long recordAddress) {
        this.cnode = cnode;
        this.cptr = cptr;
        this.sizeBits = (byte) sizeBits;
        this.paddr = paddr;
        this.kind = (byte) kind.ordinal();
        this.parent = parent;
        this.recordAddress = recordAddress;
        this.state = (byte) State.FREE.ordinal();
    }

    UntypedKind kind() {
        return KINDS[kind];
    }

    /** {@code kind().ordinal()}, without the table read. */
    int kindIndex() {
        return kind;
    }

    State state() {
        return STATES[state];
    }

    void setState(State s) {
        state = (byte) s.ordinal();
    }

    boolean isFree() {
        return state == State.FREE.ordinal();
    }

    boolean isSplit() {
        return state == State.SPLIT.ordinal();
    }

    boolean onFreeList() {
        return (freeListStamp & 1) != 0;
    }

    boolean isRoot() {
        return parent == null;
    }

    /** The other half of this node's parent; null for a root. */
    SplitNode sibling() {
        if (parent == null) {
            return null;
        }
        return parent.lower == this ? parent.upper : parent.lower;
    }

    long bytes() {
        return 1L << sizeBits;
    }

    /** True when [from, from + 2^bits) lies inside this node. */
    boolean covers(long from, int bits) {
        return bits <= sizeBits && from >= paddr && from - paddr <= bytes() - (1L << bits);
    }

    @Override
    public String toString() {
        return kind() + "[0x" + Long.toHexString(paddr) + ", 2^" + sizeBits + ", " + state() + " @" + cptr + "]";
    }
}
