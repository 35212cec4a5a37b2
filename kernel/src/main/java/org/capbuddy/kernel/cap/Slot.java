package org.capbuddy.kernel.cap;

import org.capbuddy.kernel.object.KernelObject;

/**
 * A capability slot ({@code cte_t}): the cap it holds, if any, and its node in the capability
 * derivation tree. Like seL4's MDB, the CDT is one doubly linked list in depth-first order; a
 * slot's children are the entries that follow it while it is their parent (see
 * {@code CapRelations#isParentOf}). {@code revocable} marks an "original" cap; {@code firstBadged}
 * marks the first cap of a badge.
 *
 * <p>A slot is 32 host bytes, as a {@code cte_t} is 32 bytes: besides the cap and the two links it
 * keeps its {@link SlotGroup} (owner and the index of its run's first slot, shared with the
 * other slots of its CNode chunk) and one word with its offset in that run, the two MDB flags
 * and whether its group has a watcher (so that a cap write asks the group only when it has):
 *
 * <pre>
 * word:
 *    31            30           29          28                          0
 *  +--------------+-----------+-----------+----------------------------+
 *  | first badged | revocable |  watched  | offset from group's first  |
 *  +--------------+-----------+-----------+----------------------------+
 * </pre>
 */
public final class Slot {
    private static final int OFFSET_MASK = (1 << 29) - 1;
    private static final int WATCHED = 1 << 29;
    /** The bits the CDT's flag writes keep. */
    private static final int FIXED = OFFSET_MASK | WATCHED;
    private static final int REVOCABLE = 1 << 30;
    private static final int FIRST_BADGED = 1 << 31;

    private final SlotGroup group;
    private int word;

    /** Written only by {@link #put}. */
    Cap cap;
    Slot prev;
    Slot next;

    /** The slot at {@code offset} (0 &le; offset &lt; 2^29) in {@code group}'s run. */
    public Slot(SlotGroup group, int offset) {
        if (offset < 0 || offset > OFFSET_MASK) {
            throw new IllegalArgumentException("slot offset in its group must be 0.." + OFFSET_MASK + ": " + offset);
        }
        this.group = group;
        this.word = group.watcher() != null ? offset | WATCHED : offset;
    }

    /** A slot alone in its group (the CDT's sentinels; tests). */
    public Slot(KernelObject owner, long index) {
        this(new SlotGroup(owner, index), 0);
    }

    /** The CNode or TCB this slot belongs to (null for the list's sentinel). */
    public KernelObject owner() {
        return group.owner();
    }

    public long index() {
        return group.firstIndex() + (word & OFFSET_MASK);
    }

    public Cap cap() {
        return cap;
    }

    public boolean isEmpty() {
        return cap == null;
    }

    public Slot prev() {
        return prev;
    }

    public Slot next() {
        return next;
    }

    public boolean isRevocable() {
        return (word & REVOCABLE) != 0;
    }

    public boolean isFirstBadged() {
        return (word & FIRST_BADGED) != 0;
    }

    /** Sets both MDB flags (the CDT's writes). */
    void setFlags(boolean revocable, boolean firstBadged) {
        word = (word & FIXED) | (revocable ? REVOCABLE : 0) | (firstBadged ? FIRST_BADGED : 0);
    }

    void setFirstBadged(boolean firstBadged) {
        word = firstBadged ? word | FIRST_BADGED : word & ~FIRST_BADGED;
    }

    /**
     * Rewrites the cap in place without moving it in the CDT (a changed watermark or mapping).
     * The new cap must refer to the same object or region as the old.
     */
    public void updateCap(Cap updated) {
        if (cap == null || updated == null) {
            throw new IllegalStateException("updateCap on an empty slot or with a null cap");
        }
        put(updated);
    }

    /** Every write of the cap goes through here, so that a watched group hears of each one. */
    void put(Cap c) {
        cap = c;
        if ((word & WATCHED) != 0) {
            group.watcher().tick();
        }
    }

    @Override
    public String toString() {
        KernelObject owner = owner();
        return (owner == null ? "sentinel" : owner + "[" + index() + "]") + "=" + (cap == null ? null : Cap.text(cap));
    }
}
