package org.capbuddy.libos.allocman.utspace;

import org.capbuddy.kernel.api.ObjectType;
import org.capbuddy.libos.vka.CSpacePath;

/**
 * One buddy of the split allocator ({@code struct utspace_split_node}): a real untyped cap of
 * 2^sizeBits bytes at {@code paddr}. A node is FREE (on a free list), SPLIT (its two halves exist
 * as child untyped caps) or ALLOCATED (retyped into one object that a caller holds).
 *
 * <p>A root comes from {@code addUntyped}; its slot belongs to the caller, so the manager never
 * deletes it. Every other node was retyped out of its parent into a slot from the cspace and is
 * destroyed again when it coalesces with its sibling.
 */
final class SplitNode {
    /** LOST: its cap vanished while coalescing (someone else deleted it); its memory is unusable. */
    enum State { FREE, SPLIT, ALLOCATED, LOST }

    static final long NO_SLOT = -1;

    /**
     * A root's path as the caller gave it (to refuse the same slot handed over twice); null for a
     * half. Halves keep no path object: it would live as long as the node, and the three numbers
     * below are all the node's invocations need.
     */
    final CSpacePath rootPath;
    /** The CNode the node's cap is looked up in, its cptr there and the lookup depth (for Delete). */
    final long cnodeRoot;
    final long cptr;
    final int depth;
    /** The slot's cptr from {@code cspaceAlloc}, to give back; {@link #NO_SLOT} for a root. */
    final long slot;
    final int sizeBits;
    final long paddr;
    final UntypedKind kind;
    final SplitNode parent;
    /** Where the node's record sits in the mspace (charged {@link SplitUtspace#NODE_RECORD_BYTES}). */
    final long recordAddress;
    SplitNode sibling;
    SplitNode lower;
    SplitNode upper;
    State state = State.FREE;
    /** While ALLOCATED: the cookie handed out and the object's type. */
    long cookie;
    ObjectType allocatedType;
    /** True while the node is on its free list ({@link FreeList}). */
    boolean onFreeList;
    /** Counts the node's additions to its free list, to tell its current entry from stale ones. */
    int freeListStamp;

    SplitNode(CSpacePath path, long slot, int sizeBits, long paddr, UntypedKind kind, SplitNode parent,
              long recordAddress) {
        this.rootPath = parent == null ? path : null;
        this.cnodeRoot = path.root();
        this.cptr = path.capPtr();
        this.depth = path.capDepth();
        this.slot = slot;
        this.sizeBits = sizeBits;
        this.paddr = paddr;
        this.kind = kind;
        this.parent = parent;
        this.recordAddress = recordAddress;
    }

    boolean isRoot() {
        return parent == null;
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
        return kind + "[0x" + Long.toHexString(paddr) + ", 2^" + sizeBits + ", " + state + " @" + cptr + "]";
    }
}
