package org.capbuddy.libos.capbuddy;

import org.capbuddy.libos.vka.VkaObject;

/**
 * One CapBuddy tree: a 4 MiB untyped retyped at once into 1024 frames whose caps sit in 1024
 * consecutive slots, and the buddy structure that hands them out. Frame i is cptr
 * {@code baseCptr + i} and physical address {@code basePaddr + i * 4 KiB}.
 */
final class Tree {
    final BuddyTree buddy = new BuddyTree();
    final long baseCptr;
    final long basePaddr;
    final boolean device;
    final VkaObject untyped;
    final long recordAddress;

    /** Links in the size-class list the tree is on (by its largest free block). */
    Tree prev;
    Tree next;
    int listedOrder = -1;

    Tree(long baseCptr, long basePaddr, boolean device, VkaObject untyped, long recordAddress) {
        this.baseCptr = baseCptr;
        this.basePaddr = basePaddr;
        this.device = device;
        this.untyped = untyped;
        this.recordAddress = recordAddress;
    }
}
