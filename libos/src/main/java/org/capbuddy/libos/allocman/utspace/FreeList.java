package org.capbuddy.libos.allocman.utspace;

import java.util.Arrays;

/**
 * One of the split allocator's free lists (one kind, one size): its free nodes, lowest physical
 * address first. Only the lowest is ever asked for, so this is a binary min-heap on the address,
 * and each node remembers its own place in it ({@link SplitNode#freeListIndex}): adding and
 * removing any node are O(log n), with nothing allocated per node. The addresses are kept beside
 * the nodes, so ordering the heap reads one array instead of a node per level.
 */
final class FreeList {
    private SplitNode[] nodes = new SplitNode[8];
    /** {@code addresses[i] == nodes[i].paddr}. */
    private long[] addresses = new long[8];
    private int size;

    boolean isEmpty() {
        return size == 0;
    }

    /** The node with the lowest address, or null if the list is empty. */
    SplitNode lowest() {
        return size == 0 ? null : nodes[0];
    }

    /** True if {@code node} is on this list. */
    boolean contains(SplitNode node) {
        int i = node.freeListIndex;
        return i >= 0 && i < size && nodes[i] == node;
    }

    /** Adds a node that is on no list. */
    void add(SplitNode node) {
        if (size == nodes.length) {
            nodes = Arrays.copyOf(nodes, size * 2);
            addresses = Arrays.copyOf(addresses, size * 2);
        }
        siftUp(size++, node, node.paddr);
    }

    /** Removes a node that {@link #contains} says is here. */
    void remove(SplitNode node) {
        int i = node.freeListIndex;
        node.freeListIndex = -1;
        size--;
        SplitNode last = nodes[size];
        long lastAddress = addresses[size];
        nodes[size] = null;
        if (i == size) {
            return;
        }
        // The last node fills the hole, then moves whichever way the order needs.
        if (i > 0 && lastAddress < addresses[(i - 1) / 2]) {
            siftUp(i, last, lastAddress);
        } else {
            siftDown(i, last, lastAddress);
        }
    }

    /** Puts {@code node} at {@code i} or above, moving parents with higher addresses down. */
    private void siftUp(int i, SplitNode node, long address) {
        while (i > 0) {
            int parent = (i - 1) / 2;
            if (addresses[parent] <= address) {
                break;
            }
            place(i, nodes[parent], addresses[parent]);
            i = parent;
        }
        place(i, node, address);
    }

    /** Puts {@code node} at {@code i} or below, moving children with lower addresses up. */
    private void siftDown(int i, SplitNode node, long address) {
        while (true) {
            int child = 2 * i + 1;
            if (child >= size) {
                break;
            }
            if (child + 1 < size && addresses[child + 1] < addresses[child]) {
                child++;
            }
            if (address <= addresses[child]) {
                break;
            }
            place(i, nodes[child], addresses[child]);
            i = child;
        }
        place(i, node, address);
    }

    private void place(int i, SplitNode node, long address) {
        nodes[i] = node;
        addresses[i] = address;
        node.freeListIndex = i;
    }
}
