package org.capbuddy.libos.allocman.utspace;

import java.util.Arrays;

/**
 * One of the split allocator's free lists (one kind, one size): its free nodes, lowest physical
 * address first. Only the lowest is ever asked for, so this is a binary min-heap on the address,
 * with the addresses in an array beside the node ids so that ordering reads one array.
 *
 * <p>Removal is lazy: a removed node only has its {@link SplitNodes#freeListStamp} moved on (odd
 * while on the list, even once off it), and its entry is dropped when it reaches the top (or when
 * stale entries outnumber the live ones and the heap is rebuilt). Each entry carries the stamp
 * the node had when it was added, so the entry of a node removed, or removed and added again, is
 * told from the live one. So adding and removing touch no node but the one added or removed, and
 * the heap order never has to be repaired around a hole.
 *
 * <p>Node ids are used again ({@link SplitNodes#dropHalves}), and an id may come back as a node
 * of another size or kind, on another list, whose stamps count on from the old node's. A stale
 * entry left here could then meet its stamp again after 2^31 additions elsewhere, so an entry is
 * live only for a node of this list's size and kind too. (On the same list a stale entry cannot
 * last that long: each removal adds a stale entry, and the heap is rebuilt well before.)
 */
final class FreeList {
    /** Stale entries beyond the live ones that are tolerated before the heap is rebuilt. */
    private static final int STALE_SLACK = 32;

    private final SplitNodes table;
    private int[] nodes = new int[8];
    /** {@code addresses[i] == table.paddr(nodes[i])}. */
    private long[] addresses = new long[8];
    /** The node's stamp when entry i was added; the entry is live while they agree and the node is on the list. */
    private int[] stamps = new int[8];
    private int entries;
    private int live;

    private final int kind;
    private final int sizeBits;

    /** The list of free nodes of {@code table} of kind {@code kind} and size 2^sizeBits. */
    FreeList(SplitNodes table, UntypedKind kind, int sizeBits) {
        this.table = table;
        this.kind = kind.ordinal();
        this.sizeBits = sizeBits;
    }

    boolean isEmpty() {
        return live == 0;
    }

    /** The node with the lowest address, or {@link SplitNodes#NONE} if the list is empty. */
    int lowest() {
        while (entries > 0 && !isLive(0)) {
            dropTop();
        }
        return entries == 0 ? SplitNodes.NONE : nodes[0];
    }

    /** Adds a node that is on no list. */
    void add(int node) {
        table.bumpFreeListStamp(node); // odd: on the list
        if (entries == nodes.length) {
            nodes = Arrays.copyOf(nodes, entries * 2);
            addresses = Arrays.copyOf(addresses, entries * 2);
            stamps = Arrays.copyOf(stamps, entries * 2);
        }
        siftUp(entries++, node, table.paddr(node), table.freeListStamp(node));
        live++;
    }

    /** Removes a node that is on this list. */
    void remove(int node) {
        table.bumpFreeListStamp(node); // even: off the list, and every entry made for it is stale
        live--;
        if (entries - live > live + STALE_SLACK) {
            rebuild();
        }
    }

    private boolean isLive(int i) {
        int node = nodes[i];
        // Entries are made with odd stamps only.
        return table.freeListStamp(node) == stamps[i] && table.sizeBits(node) == sizeBits
                && table.kindIndex(node) == kind;
    }

    private void dropTop() {
        entries--;
        int last = nodes[entries];
        long lastAddress = addresses[entries];
        int lastStamp = stamps[entries];
        if (entries > 0) {
            siftDown(0, last, lastAddress, lastStamp);
        }
    }

    /** Keeps the live entries only, in heap order again (Floyd's bottom-up heap construction). */
    private void rebuild() {
        int kept = 0;
        for (int i = 0; i < entries; i++) {
            if (isLive(i)) {
                nodes[kept] = nodes[i];
                addresses[kept] = addresses[i];
                stamps[kept] = stamps[i];
                kept++;
            }
        }
        entries = kept;
        for (int i = entries / 2 - 1; i >= 0; i--) {
            siftDown(i, nodes[i], addresses[i], stamps[i]);
        }
    }

    /** Puts the entry at {@code i} or above, moving parents with higher addresses down. */
    private void siftUp(int i, int node, long address, int stamp) {
        while (i > 0) {
            int parent = (i - 1) / 2;
            if (addresses[parent] <= address) {
                break;
            }
            place(i, nodes[parent], addresses[parent], stamps[parent]);
            i = parent;
        }
        place(i, node, address, stamp);
    }

    /** Puts the entry at {@code i} or below, moving children with lower addresses up. */
    private void siftDown(int i, int node, long address, int stamp) {
        while (true) {
            int child = 2 * i + 1;
            if (child >= entries) {
                break;
            }
            if (child + 1 < entries && addresses[child + 1] < addresses[child]) {
                child++;
            }
            if (address <= addresses[child]) {
                break;
            }
            place(i, nodes[child], addresses[child], stamps[child]);
            i = child;
        }
        place(i, node, address, stamp);
    }

    private void place(int i, int node, long address, int stamp) {
        nodes[i] = node;
        addresses[i] = address;
        stamps[i] = stamp;
    }
}
