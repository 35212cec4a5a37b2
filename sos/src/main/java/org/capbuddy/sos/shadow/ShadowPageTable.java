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
 *   level-1 node -- slots[VA 38..30] --> level-2 node --slots[VA 29..21]--> leaf (level 3)
 *   leaf: frameRefs[VA 20..12] (0: no page), capCopies[VA 20..12]
 * </pre>
 *
 * A leaf keeps its pages in two arrays rather than an object a page: 12 host bytes a mapped page
 * instead of 28 (a {@link PageEntry} and the reference to it), which a process mapping millions of
 * pages feels; a {@code PageEntry} is made only when one is asked for.
 */
public final class ShadowPageTable {
    private static final int ENTRIES = 512;

    /** One table of the mirror above the leaves: the structure it mirrors (null for the root) and its 512 slots. */
    private static final class Node {
        final PagingStructure table;
        final Object[] slots = new Object[ENTRIES];

        Node(PagingStructure table) {
            this.table = table;
        }
    }

    /** A level-3 table of the mirror: its structure and, per page, the frame reference and the cap copy. */
    private static final class Leaf {
        final PagingStructure table;
        /** 0 where no page is mapped (no frame has reference 0). */
        final int[] frameRefs = new int[ENTRIES];
        final long[] capCopies = new long[ENTRIES];

        Leaf(PagingStructure table) {
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
            parent.slots[index(s.vaddr(), level - 1)] = level == 3 ? new Leaf(s) : new Node(s);
            structures++;
        }
    }

    /**
     * Records a mapped page: frame {@code frameRef} (not 0), mapped by the cap copy in slot
     * {@code capCopy}. Its level-3 table must be recorded already. Returns false, recording
     * nothing, if it is not or the reference is 0.
     */
    public boolean recordPage(long vaddr, int frameRef, long capCopy) {
        Leaf leaf = leaf(vaddr);
        if (leaf == null || frameRef == 0) {
            return false;
        }
        int i = index(vaddr, 3);
        if (leaf.frameRefs[i] == 0) {
            pages++;
        }
        leaf.frameRefs[i] = frameRef;
        leaf.capCopies[i] = capCopy;
        return true;
    }

    /** {@link #recordPage(long, int, long)} of an entry. */
    public boolean recordPage(long vaddr, PageEntry entry) {
        return recordPage(vaddr, entry.frameRef(), entry.capCopy());
    }

    /** The page mapped at {@code vaddr}, or null. */
    public PageEntry page(long vaddr) {
        Leaf leaf = leaf(vaddr);
        if (leaf == null) {
            return null;
        }
        int i = index(vaddr, 3);
        return leaf.frameRefs[i] == 0 ? null : new PageEntry(leaf.frameRefs[i], leaf.capCopies[i]);
    }

    /** Forgets the page at {@code vaddr} and returns it (null if none); its tables stay. */
    public PageEntry removePage(long vaddr) {
        Leaf leaf = leaf(vaddr);
        if (leaf == null) {
            return null;
        }
        int i = index(vaddr, 3);
        if (leaf.frameRefs[i] == 0) {
            return null;
        }
        PageEntry e = new PageEntry(leaf.frameRefs[i], leaf.capCopies[i]);
        leaf.frameRefs[i] = 0;
        leaf.capCopies[i] = 0;
        pages--;
        return e;
    }

    private Leaf leaf(long vaddr) {
        Object n = root;
        for (int level = 0; level < 3 && n != null; level++) {
            n = ((Node) n).slots[index(vaddr, level)];
        }
        return (Leaf) n;
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
            if (child instanceof Leaf leaf) {
                for (int j = 0; j < ENTRIES; j++) {
                    if (leaf.frameRefs[j] != 0) {
                        out.add(va | ((long) j << 12));
                    }
                }
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
            Object child = n.slots[i];
            if (child instanceof Node node) {
                drain(node, free);
                free.accept(node.table);
                n.slots[i] = null;
            } else if (child instanceof Leaf leaf) {
                free.accept(leaf.table);
                n.slots[i] = null;
            }
        }
    }

    public int pageCount() {
        return pages;
    }

    public int structureCount() {
        return structures;
    }
}
