package org.capbuddy.kernel.cap;

import org.capbuddy.kernel.object.KernelObject;

/**
 * A capability slot ({@code cte_t}): the cap it holds, if any, and its node in the capability
 * derivation tree. Like seL4's MDB, the CDT is one doubly linked list in depth-first order; a
 * slot's children are the entries that follow it while it is their parent (see
 * {@code CapRelations#isParentOf}). {@code revocable} marks an "original" cap; {@code firstBadged}
 * marks the first cap of a badge.
 */
public final class Slot {
    private final KernelObject owner;
    private final long index;

    Cap cap;
    Slot prev;
    Slot next;
    boolean revocable;
    boolean firstBadged;

    public Slot(KernelObject owner, long index) {
        this.owner = owner;
        this.index = index;
    }

    /** The CNode or TCB this slot belongs to (null for the list's sentinel). */
    public KernelObject owner() {
        return owner;
    }

    public long index() {
        return index;
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
        return revocable;
    }

    public boolean isFirstBadged() {
        return firstBadged;
    }

    /**
     * Rewrites the cap in place without moving it in the CDT (a changed watermark or mapping).
     * The new cap must refer to the same object or region as the old.
     */
    public void updateCap(Cap updated) {
        if (cap == null || updated == null) {
            throw new IllegalStateException("updateCap on an empty slot or with a null cap");
        }
        this.cap = updated;
    }

    @Override
    public String toString() {
        return (owner == null ? "sentinel" : owner + "[" + index + "]") + "=" + cap;
    }
}
