package org.capbuddy.sos.shadow;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
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
 *   leaf -- [VA 20..12] --> frame reference and cap copy ({@code ShadowLeaf})
 * </pre>
 *
 * A leaf keeps its pages in arrays rather than an object a page: about 12 host bytes a mapped
 * page when full instead of 28 (a {@link PageEntry} and the reference to it), which a process
 * mapping millions of pages feels, and never more than before for a leaf holding a few. A
 * {@code PageEntry} is made only when one is asked for; {@link #frameRef} answers without one.
 *
 * <p>With paging on, a page SOS has sent to its page file is recorded apart, by address, with
 * its page-file slot: it has no frame and no mapping, but its tables stay, and its next fault
 * reads it back. A page is either mapped here or paged out, never both.
 */
public final class ShadowPageTable {
    private static final int SLOTS = 512;

    /** One table of the mirror above the leaves: the structure it mirrors (null for the root) and its 512 slots. */
    private static final class Node {
        final PagingStructure table;
        final Object[] slots = new Object[SLOTS];

        Node(PagingStructure table) {
            this.table = table;
        }
    }

    private final Node root = new Node(null);
    /** Paged-out pages: address to page-file slot (empty unless SOS pages). */
    private final TreeMap<Long, Integer> pagedOut = new TreeMap<>();
    private int pages;
    private int structures;

    private static int index(long vaddr, int level) {
        return (int) ((vaddr >>> (39 - 9 * level)) & (SLOTS - 1));
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
            parent.slots[index(s.vaddr(), level - 1)] = level == 3 ? new ShadowLeaf(s) : new Node(s);
            structures++;
        }
    }

    /**
     * Records a mapped page: frame {@code frameRef} (not 0), mapped by the cap copy in slot
     * {@code capCopy}. Its level-3 table must be recorded already. Returns false, recording
     * nothing, if it is not or the reference is 0.
     */
    public boolean recordPage(long vaddr, int frameRef, long capCopy) {
        ShadowLeaf leaf = leaf(vaddr);
        if (leaf == null || frameRef == 0) {
            return false;
        }
        if (leaf.put(index(vaddr, 3), frameRef, capCopy)) {
            pages++;
        }
        return true;
    }

    /** The page mapped at {@code vaddr}, or null. */
    public PageEntry page(long vaddr) {
        ShadowLeaf leaf = leaf(vaddr);
        return leaf == null ? null : leaf.entry(index(vaddr, 3));
    }

    /** The frame reference of the page mapped at {@code vaddr}, or 0 (no frame has it) if none is. */
    public int frameRef(long vaddr) {
        ShadowLeaf leaf = leaf(vaddr);
        return leaf == null ? 0 : leaf.frameRef(index(vaddr, 3));
    }

    /** Forgets the page at {@code vaddr} and returns it (null if none); its tables stay. */
    public PageEntry removePage(long vaddr) {
        ShadowLeaf leaf = leaf(vaddr);
        PageEntry e = leaf == null ? null : leaf.remove(index(vaddr, 3));
        if (e != null) {
            pages--;
        }
        return e;
    }

    private ShadowLeaf leaf(long vaddr) {
        Object n = root;
        for (int level = 0; level < 3 && n != null; level++) {
            n = ((Node) n).slots[index(vaddr, level)];
        }
        return (ShadowLeaf) n;
    }

    /** Every mapped page's virtual address, ascending. */
    public List<Long> pageAddresses() {
        List<Long> out = new ArrayList<>();
        collectPages(root, 0, 0, out);
        return out;
    }

    private void collectPages(Node n, int level, long base, List<Long> out) {
        for (int i = 0; i < SLOTS; i++) {
            Object child = n.slots[i];
            if (child == null) {
                continue;
            }
            long va = base | ((long) i << (39 - 9 * level));
            if (child instanceof ShadowLeaf leaf) {
                for (int j = 0; j < ShadowLeaf.PAGES; j++) {
                    if (leaf.frameRef(j) != 0) {
                        out.add(va | ((long) j << 12));
                    }
                }
            } else {
                collectPages((Node) child, level + 1, va, out);
            }
        }
    }

    /**
     * Forgets the structure {@code s}, recorded before and holding no page or table now: for an
     * operation that made it and is being undone, which then frees it. False, changing nothing,
     * if it is not recorded or not empty.
     */
    public boolean forgetStructure(PagingStructure s) {
        int level = (39 - s.coverBits()) / 9 + 1;
        Node parent = root;
        for (int l = 0; l < level - 1 && parent != null; l++) {
            parent = parent.slots[index(s.vaddr(), l)] instanceof Node n ? n : null;
        }
        if (parent == null) {
            return false;
        }
        int at = index(s.vaddr(), level - 1);
        Object child = parent.slots[at];
        boolean empty = child instanceof ShadowLeaf leaf ? leaf.table == s && leaf.isEmpty()
                : child instanceof Node node && node.table == s && isEmpty(node);
        if (!empty) {
            return false;
        }
        parent.slots[at] = null;
        structures--;
        return true;
    }

    private static boolean isEmpty(Node n) {
        for (Object child : n.slots) {
            if (child != null) {
                return false;
            }
        }
        return true;
    }

    /** Visits every recorded structure, deepest first (the order to free them in), and forgets them all. */
    public void drainStructures(Consumer<PagingStructure> free) {
        drain(root, free);
        structures = 0;
    }

    private void drain(Node n, Consumer<PagingStructure> free) {
        for (int i = 0; i < SLOTS; i++) {
            Object child = n.slots[i];
            if (child instanceof Node node) {
                drain(node, free);
                free.accept(node.table);
                n.slots[i] = null;
            } else if (child instanceof ShadowLeaf leaf) {
                free.accept(leaf.table);
                n.slots[i] = null;
            }
        }
    }

    /** Records that the page at {@code vaddr}, not mapped now, lives in page-file slot {@code slot}. */
    public void recordPagedOut(long vaddr, int slot) {
        pagedOut.put(vaddr, slot);
    }

    /** The page-file slot of the paged-out page at {@code vaddr}, or -1 if it is not paged out. */
    public int pagedOutSlot(long vaddr) {
        Integer slot = pagedOut.isEmpty() ? null : pagedOut.get(vaddr);
        return slot == null ? -1 : slot;
    }

    /** Forgets the paged-out page at {@code vaddr} and returns its slot, or -1 if it was not paged out. */
    public int removePagedOut(long vaddr) {
        Integer slot = pagedOut.isEmpty() ? null : pagedOut.remove(vaddr);
        return slot == null ? -1 : slot;
    }

    /** The addresses of the paged-out pages in [base, end), ascending. */
    public List<Long> pagedOutAddresses(long base, long end) {
        // user addresses are below 2^48: an end past 2^63 (unsigned) means "to the top"
        long hi = end < 0 ? Long.MAX_VALUE : end;
        if (pagedOut.isEmpty() || base < 0 || base >= hi) {
            return List.of();
        }
        return new ArrayList<>(pagedOut.subMap(base, true, hi, false).keySet());
    }

    /** Every paged-out page's address, ascending. */
    public List<Long> pagedOutAddresses() {
        return new ArrayList<>(pagedOut.keySet());
    }

    public int pagedOutCount() {
        return pagedOut.size();
    }

    public int pageCount() {
        return pages;
    }

    public int structureCount() {
        return structures;
    }
}
