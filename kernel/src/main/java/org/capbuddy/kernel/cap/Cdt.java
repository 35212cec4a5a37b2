package org.capbuddy.kernel.cap;

import java.util.ArrayList;
import java.util.List;

/**
 * The capability derivation tree, kept as seL4 keeps its MDB: one doubly linked list of slots in
 * depth-first pre-order. A derived cap is inserted right after its source; caps to the same
 * object are therefore adjacent, which makes finality a look at two neighbours. Deleting a slot
 * simply unlinks it, which re-parents its children to its parent (or to the nearest ancestor
 * that covers them).
 *
 * <p>Invariants (checked by the kernel's invariant checker): the list is well linked; a slot is
 * in the list if and only if it holds a cap; a sentinel heads the list.
 */
public final class Cdt {
    /** The group of the slot that {@link #swap} parks a cap in (immutable, so shared). */
    private static final SlotGroup PARKING = new SlotGroup(null, -2);

    private final Slot sentinel = new Slot(new SlotGroup(null, -1), 0);
    private Slot tail = sentinel;
    private long size;

    /** Places {@code cap} in empty {@code slot} with no parent, at the end of the list (boot caps). */
    public void insertRoot(Slot slot, Cap cap) {
        requireEmpty(slot);
        slot.put(cap);
        slot.setFlags(true, true);
        linkAfter(tail, slot);
    }

    /**
     * seL4's {@code insertNewCap}: a cap to a freshly created object, placed after its untyped
     * parent as an original.
     */
    public void insertNew(Slot parent, Slot slot, Cap cap) {
        requireEmpty(slot);
        slot.put(cap);
        slot.setFlags(true, true);
        linkAfter(parent, slot);
    }

    /**
     * seL4's {@code cteInsert}: {@code cap}, derived from the cap in {@code source}, goes into
     * empty {@code dest} right after the source. An untyped copy covering exactly the source's
     * region marks the source full, so the two can never retype the same memory.
     */
    public void insertDerived(Slot source, Slot dest, Cap cap) {
        requireEmpty(dest);
        boolean revocable = CapRelations.isRevocable(cap, source.cap);
        if (cap instanceof Cap.Untyped n && source.cap instanceof Cap.Untyped s
                && n.paddr() == s.paddr() && n.sizeBits() == s.sizeBits()) {
            source.put(s.withFreeIndex(s.maxFreeIndex()));
        }
        dest.put(cap);
        dest.setFlags(revocable, revocable);
        linkAfter(source, dest);
    }

    /** seL4's {@code cteMove}: the cap and its place in the tree move to empty {@code dest}. */
    public void move(Slot from, Slot dest, Cap newCap) {
        requireEmpty(dest);
        dest.put(newCap);
        dest.setFlags(from.isRevocable(), from.isFirstBadged());
        dest.prev = from.prev;
        dest.next = from.next;
        if (dest.prev != null) {
            dest.prev.next = dest;
        }
        if (dest.next != null) {
            dest.next.prev = dest;
        }
        if (tail == from) {
            tail = dest;
        }
        from.put(null);
        from.prev = null;
        from.next = null;
        from.setFlags(false, false);
    }

    /**
     * seL4's {@code cteSwap}: the caps in {@code a} and {@code b} exchange slots, each keeping its
     * place in the tree; {@code a} receives {@code capForA} (b's cap, possibly rewritten) and
     * {@code b} receives {@code capForB}.
     */
    public void swap(Slot a, Cap capForA, Slot b, Cap capForB) {
        if (a.cap == null || b.cap == null) {
            throw new IllegalStateException("swap needs two caps");
        }
        Slot parking = new Slot(PARKING, 0);
        move(a, parking, capForB);
        move(b, a, capForA);
        move(parking, b, capForB);
    }

    /** Empties {@code slot} and unlinks it; its successor inherits its first-badged mark. */
    public void unlink(Slot slot) {
        if (slot.cap == null) {
            return;
        }
        Slot prev = slot.prev;
        Slot next = slot.next;
        if (next != null) {
            if (slot.isFirstBadged()) {
                next.setFirstBadged(true);
            }
            next.prev = prev;
        } else {
            tail = prev;
        }
        prev.next = next;
        slot.put(null);
        slot.prev = null;
        slot.next = null;
        slot.setFlags(false, false);
        size--;
    }

    /** True when the cap in {@code slot} has at least one CDT child. */
    public boolean hasChildren(Slot slot) {
        return slot.next != null && CapRelations.isParentOf(slot, slot.next);
    }

    /** The first child of {@code slot}, or null. */
    public Slot firstChild(Slot slot) {
        return hasChildren(slot) ? slot.next : null;
    }

    /** seL4's {@code isFinalCapability}: no other cap refers to the same object. */
    public boolean isFinal(Slot slot) {
        Cap cap = slot.cap;
        if (!CapRelations.mayShareObject(cap)) {
            // Nothing is ever the same object as an untyped: no need to fetch the neighbours' caps.
            return true;
        }
        boolean prevSame = slot.prev != null && slot.prev != sentinel && slot.prev.cap != null
                && CapRelations.sameObjectAs(cap, slot.prev.cap);
        boolean nextSame = slot.next != null && slot.next.cap != null
                && CapRelations.sameObjectAs(cap, slot.next.cap);
        return !prevSame && !nextSame;
    }

    public long size() {
        return size;
    }

    /** Every slot in the tree, in list order (for the invariant checker and reports). */
    public List<Slot> slots() {
        List<Slot> out = new ArrayList<>((int) Math.min(size, Integer.MAX_VALUE - 8));
        for (Slot s = sentinel.next; s != null; s = s.next) {
            out.add(s);
        }
        return out;
    }

    /** Checks the list's links; returns a description of the first defect, or null. */
    public String checkLinks() {
        long count = 0;
        Slot prev = sentinel;
        for (Slot s = sentinel.next; s != null; s = s.next) {
            if (s.prev != prev) {
                return "slot " + s + " has prev " + s.prev + " but follows " + prev;
            }
            if (s.cap == null) {
                return "empty slot linked in the CDT: " + s;
            }
            prev = s;
            if (++count > size) {
                return "CDT list longer than its recorded size " + size;
            }
        }
        if (prev != tail) {
            return "CDT tail is " + tail + " but the list ends at " + prev;
        }
        if (count != size) {
            return "CDT list has " + count + " slots but its recorded size is " + size;
        }
        return null;
    }

    private void linkAfter(Slot after, Slot slot) {
        slot.prev = after;
        slot.next = after.next;
        if (after.next != null) {
            after.next.prev = slot;
        } else {
            tail = slot;
        }
        after.next = slot;
        size++;
    }

    private static void requireEmpty(Slot slot) {
        if (slot.cap != null) {
            throw new IllegalStateException("slot is not empty: " + slot);
        }
    }
}
