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
        if (order == tree.listedOrder) {
            return;
        }
        remove(tree);
        if (order >= 0) {
            Tree head = heads[order];
            tree.next = head;
            tree.prev = null;
            if (head != null) {
                head.prev = tree;
            }
            heads[order] = tree;
            nonEmpty |= 1 << order;
            tree.listedOrder = order;
        }
    }

    void remove(Tree tree) {
        int order = tree.listedOrder;
        if (order < 0) {
            return;
        }
        if (tree.prev != null) {
            tree.prev.next = tree.next;
        } else {
            heads[order] = tree.next;
            if (tree.next == null) {
                nonEmpty &= ~(1 << order);
            }
        }
        if (tree.next != null) {
            tree.next.prev = tree.prev;
        }
        tree.prev = null;
        tree.next = null;
        tree.listedOrder = -1;
    }

    /** The largest free order over all listed trees, or -1. */
    int largest() {
        return nonEmpty == 0 ? -1 : 31 - Integer.numberOfLeadingZeros(nonEmpty);
    }
}
