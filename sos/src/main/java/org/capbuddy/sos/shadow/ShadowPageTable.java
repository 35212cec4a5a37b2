package org.capbuddy.sos.shadow;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.capbuddy.libos.vspace.PagingStructure;

/**
 * SOS's record of a process's page tables: a 4-level radix mirror of the AArch64 tables (9 bits
 * per level, 4 KiB pages) holding, for every paging structure SOS created, its cap and cookie
 * ({@link PagingStructure}), and for every mapped page its frame and the cap copy that maps it.
 * With it a process can be torn down with nothing leaked, which the AOS skeleton's mapping code
 * could not do (it throws the intermediate structures away).
 *
 * <pre>
 *   root (the VSpace, level 0) -- slots[VA 47..39] --> level-1 node (its PageTable)
 *   level-1 node -- slots[VA 38..30] --> level-2 node --slots[VA 29..21]--> level-3 node
 *   level-3 node -- slots[VA 20..12] --> PageEntry
 * </pre>
 */
public final class ShadowPageTable {
    private static final int ENTRIES = 512;

    /** One table of the mirror: the structure it mirrors (null for the root) and its 512 slots. */
    private static final class Node {
        final PagingStructure table;
        final Object[] slots = new Object[ENTRIES];
        int used;

        Node(PagingStructure table) {
            this.table = table;
        }
    }

    private final Node root = new Node(null);
    private int pages;
    private int structures;

    private static int index(long vaddr, int level) {
        return (int) ((vaddr >>> (39 - 9 * level)) & (ENTRIES - 1));
    }

    /** Records tables the mapping helper just created (coverBits 39, 30 or 21), in creation order. */
    public void recordStructures(List<PagingStructure> created) {
        // By index: almost every list is empty, and an iterator would be built for it all the same.
        for (int k = 0; k < created.size(); k++) {
            PagingStructure s = created.get(k);
            int level = (39 - s.coverBits()) / 9 + 1;
            Node parent = root;
            for (int l = 0; l < level - 1; l++) {
                parent = (Node) parent.slots[index(s.vaddr(), l)];
            }
            int i = index(s.vaddr(), level - 1);
            if (parent.slots[i] == null) {
                parent.used++;
            }
            parent.slots[i] = new Node(s);
            structures++;
        }
    }

    /** Records a mapped page; its level-3 table must be recorded already. Returns false if it is not. */
    public boolean recordPage(long vaddr, PageEntry entry) {
        Node node = leafNode(vaddr);
        if (node == null) {
            return false;
        }
        int i = index(vaddr, 3);
        if (node.slots[i] == null) {
            node.used++;
            pages++;
        }
        node.slots[i] = entry;
        return true;
    }

    /** The page mapped at {@code vaddr}, or null. */
    public PageEntry page(long vaddr) {
        Node node = leafNode(vaddr);
        return node == null ? null : (PageEntry) node.slots[index(vaddr, 3)];
    }

    /** Forgets the page at {@code vaddr} and returns it (null if none); its tables stay. */
    public PageEntry removePage(long vaddr) {
        Node node = leafNode(vaddr);
        if (node == null || node.slots[index(vaddr, 3)] == null) {
            return null;
        }
        PageEntry e = (PageEntry) node.slots[index(vaddr, 3)];
        node.slots[index(vaddr, 3)] = null;
        node.used--;
        pages--;
        return e;
    }

    private Node leafNode(long vaddr) {
        Node n = root;
        for (int level = 0; level < 3 && n != null; level++) {
            n = (Node) n.slots[index(vaddr, level)];
        }
        return n;
    }

    /** Every mapped page's virtual address, ascending. */
    public List<Long> pageAddresses() {
        List<Long> out = new ArrayList<>();
        collectPages(root, 0, 0, out);
        return out;
    }

    private void collectPages(Node n, int level, long base, List<Long> out) {
        for (int i = 0; i < ENTRIES; i++) {
            Object child = n.slots[i];
            if (child == null) {
                continue;
            }
            long va = base | ((long) i << (39 - 9 * level));
            if (level == 3) {
                out.add(va);
            } else {
                collectPages((Node) child, level + 1, va, out);
            }
        }
    }

    /** Visits every recorded structure, deepest first (the order to free them in), and forgets them all. */
    public void drainStructures(Consumer<PagingStructure> free) {
        drain(root, free);
        structures = 0;
    }

    private void drain(Node n, Consumer<PagingStructure> free) {
        for (int i = 0; i < ENTRIES; i++) {
            if (n.slots[i] instanceof Node child) {
                drain(child, free);
                free.accept(child.table);
                n.slots[i] = null;
            }
        }
        n.used = 0;
    }

    public int pageCount() {
        return pages;
    }

    public int structureCount() {
        return structures;
    }
}
