package org.capbuddy.libos.allocman.utspace;

import java.util.Arrays;

/**
 * One of the split allocator's free lists (one kind, one size): its free nodes, lowest physical
 * address first. Only the lowest is ever asked for, so this is a binary min-heap on the address,
 * and each node remembers its own place in it ({@link SplitNode#freeListIndex}): adding and
 * removing any node are O(log n), with nothing allocated per node.
 */
final class FreeList {
    private SplitNode[] heap = new SplitNode[8];
    private int size;

    boolean isEmpty() {
        return size == 0;
    }

    /** The node with the lowest address, or null if the list is empty. */
    SplitNode lowest() {
        return size == 0 ? null : heap[0];
    }

    /** True if {@code node} is on this list. */
    boolean contains(SplitNode node) {
        int i = node.freeListIndex;
        return i >= 0 && i < size && heap[i] == node;
    }

    /** Adds a node that is on no list. */
    void add(SplitNode node) {
        if (size == heap.length) {
            heap = Arrays.copyOf(heap, size * 2);
        }
        siftUp(size++, node);
    }

    /** Removes a node that {@link #contains} says is here. */
    void remove(SplitNode node) {
        int i = node.freeListIndex;
        node.freeListIndex = -1;
        SplitNode last = heap[--size];
        heap[size] = null;
        if (i == size) {
            return;
        }
        // The last node fills the hole, then moves whichever way the order needs.
        if (i > 0 && last.paddr < heap[(i - 1) / 2].paddr) {
            siftUp(i, last);
        } else {
            siftDown(i, last);
        }
    }

    /** Puts {@code node} at {@code i} or above, moving larger parents down. */
    private void siftUp(int i, SplitNode node) {
        while (i > 0) {
            int parent = (i - 1) / 2;
            SplitNode above = heap[parent];
            if (above.paddr <= node.paddr) {
                break;
            }
            place(i, above);
            i = parent;
        }
        place(i, node);
    }

    /** Puts {@code node} at {@code i} or below, moving smaller children up. */
    private void siftDown(int i, SplitNode node) {
        while (true) {
            int child = 2 * i + 1;
            if (child >= size) {
                break;
            }
            if (child + 1 < size && heap[child + 1].paddr < heap[child].paddr) {
                child++;
            }
            if (node.paddr <= heap[child].paddr) {
                break;
            }
            place(i, heap[child]);
            i = child;
        }
        place(i, node);
    }

    private void place(int i, SplitNode node) {
        heap[i] = node;
        node.freeListIndex = i;
    }
}
