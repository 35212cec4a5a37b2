package org.capbuddy.libos.capbuddy;

/**
 * Trees grouped by their largest free block: one intrusive doubly linked list per order 0..10
 * and a bitmask of the non-empty lists, so finding a tree for a block of order k is one mask and
 * one count of trailing zeros, whatever the number of trees. Best fit: the smallest class that
 * fits, newest tree first. Full trees are on no list.
 */
final class SizeClasses {
    private final Tree[] heads = new Tree[BuddyTree.MAX_ORDER + 1];
    private int nonEmpty;

    /** A tree whose largest free block is at least 2^order frames, or null. */
    Tree find(int order) {
        int fits = nonEmpty & -(1 << order);
        return fits == 0 ? null : heads[Integer.numberOfTrailingZeros(fits)];
    }

    /** Puts the tree on the list for its current largest free block (or on none when full). */
    void update(Tree tree) {
        int order = tree.buddy.largestFreeOrder();
        if (order != tree.listedOrder) {
            move(tree, order);
        }
    }

    /** Takes the tree off its list and puts it at the head of the list for {@code order} (on none if -1). */
    private void move(Tree tree, int order) {
        unlink(tree);
        tree.listedOrder = order;
        if (order < 0) {
            tree.prev = null;
            tree.next = null;
        } else {
            Tree head = heads[order];
            tree.next = head;
            tree.prev = null;
            if (head != null) {
                head.prev = tree;
            }
            heads[order] = tree;
            nonEmpty |= 1 << order;
        }
    }

    /**
     * Unlinks the tree from its list, leaving its own links and listedOrder for the caller to
     * overwrite: a move then stores as few references as it can (a reference store costs a GC
     * barrier, with G1 a fence when it points across regions into an old object, and this runs
     * on the allocation and free paths whenever a tree changes class).
     */
    private void unlink(Tree tree) {
        int order = tree.listedOrder;
        if (order < 0) {
            return;
        }
        Tree prev = tree.prev;
        Tree next = tree.next;
        if (prev != null) {
            prev.next = next;
        } else {
            heads[order] = next;
            if (next == null) {
                nonEmpty &= ~(1 << order);
            }
        }
        if (next != null) {
            next.prev = prev;
        }
    }

    void remove(Tree tree) {
        move(tree, -1);
    }

    /** The largest free order over all listed trees, or -1. */
    int largest() {
        return nonEmpty == 0 ? -1 : 31 - Integer.numberOfLeadingZeros(nonEmpty);
    }
}
