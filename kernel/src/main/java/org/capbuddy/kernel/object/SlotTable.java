package org.capbuddy.kernel.object;

import java.util.Objects;
import java.util.function.Consumer;
import org.capbuddy.kernel.api.ObjectType;
import org.capbuddy.kernel.cap.Slot;
import org.capbuddy.kernel.cap.SlotGroup;

/**
 * The host storage behind a CNode's 2^radix slots, found by array indexing alone (no hashing, no
 * boxed keys). A slot is created on first touch, in chunks of 2^12; a chunk, and the directory
 * page above it, exists only once one of its slots was touched, so a huge CNode costs host memory
 * only where it is used.
 *
 * <pre>
 * slot index (radix bits, radix at most 42):
 *
 *   radix-1       26 25            12 11             0
 *  +----------------+----------------+----------------+
 *  |  page          |  chunk in page |  slot in chunk |
 *  +----------------+----------------+----------------+
 *    radix-26 bits     14 bits          12 bits
 * </pre>
 *
 * A CNode of up to 2^12 slots is one chunk of exactly its size; up to 2^26 (the largest root
 * CNode) one page of chunks; above that the top directory has 2^(radix-26) pages. The top
 * directory is made with the table: for the largest radix a Retype can ask for it has 2^16
 * entries.
 *
 * <p>Each chunk has one {@link SlotGroup} (the owner and the chunk's first index) that its slots
 * share, kept beside the chunk in an array of the page's shape, so that a slot stores only its
 * offset in the chunk; lookups never read it.
 */
final class SlotTable {
    static final int CHUNK_BITS = 12;
    static final int PAGE_BITS = 14;
    /** The largest radix whose CNode a Retype can create: {@code MAX_UNTYPED_BITS - SLOT_BITS}. */
    static final int MAX_RADIX = ObjectType.MAX_UNTYPED_BITS - ObjectType.SLOT_BITS;

    private static final int CHUNK_MASK = (1 << CHUNK_BITS) - 1;
    private static final int PAGE_MASK = (1 << PAGE_BITS) - 1;
    private static final int PAGE_SHIFT = CHUNK_BITS + PAGE_BITS;

    private final KernelObject owner;
    private final long slotCount;
    private final int chunkLength;
    private final int pageLength;
    private final Slot[][][] pages;
    /** The group of each chunk, at the chunk's position: groups[p][c] belongs to pages[p][c]. */
    private final SlotGroup[][] groups;
    private long chunkCount;
    /**
     * A CNode of at most one chunk (2^12 slots, the size of the L2 CNodes of a two-level CSpace
     * and of a scaled root) keeps its chunk here too, once made: a lookup is then one array read
     * rather than three dependent ones, each a likely cache miss among many CNodes.
     */
    private Slot[] soleChunk;

    SlotTable(KernelObject owner, int radix) {
        if (radix < 0 || radix > MAX_RADIX) {
            throw new IllegalArgumentException("CNode radix must be 0.." + MAX_RADIX + ", got " + radix);
        }
        this.owner = owner;
        this.slotCount = 1L << radix;
        this.chunkLength = 1 << Math.min(radix, CHUNK_BITS);
        this.pageLength = 1 << Math.min(Math.max(radix - CHUNK_BITS, 0), PAGE_BITS);
        this.pages = new Slot[1 << Math.max(radix - PAGE_SHIFT, 0)][][];
        this.groups = new SlotGroup[pages.length][];
    }

    /** The slot at {@code index}, created empty (with its chunk) on first touch. */
    Slot slot(long index) {
        Objects.checkIndex(index, slotCount);
        Slot[] chunk = soleChunk != null ? soleChunk : chunk(index);
        int offset = (int) index & CHUNK_MASK;
        Slot s = chunk[offset];
        if (s == null) {
            s = new Slot(groups[(int) (index >>> PAGE_SHIFT)][(int) (index >>> CHUNK_BITS) & PAGE_MASK], offset);
            chunk[offset] = s;
        }
        return s;
    }

    /** The slot at {@code index} if it was ever touched, else null; allocates nothing. */
    Slot existingSlot(long index) {
        Objects.checkIndex(index, slotCount);
        if (soleChunk != null) {
            return soleChunk[(int) index];
        }
        Slot[][] page = pages[(int) (index >>> PAGE_SHIFT)];
        if (page == null) {
            return null;
        }
        Slot[] chunk = page[(int) (index >>> CHUNK_BITS) & PAGE_MASK];
        return chunk == null ? null : chunk[(int) index & CHUNK_MASK];
    }

    /**
     * Visits every touched slot in ascending index order. A slot first touched by the visitor is
     * visited when its index is above the one being visited, and not otherwise.
     */
    void forEachTouchedSlot(Consumer<Slot> visitor) {
        for (Slot[][] page : pages) {
            if (page == null) {
                continue;
            }
            for (Slot[] chunk : page) {
                if (chunk == null) {
                    continue;
                }
                for (Slot s : chunk) {
                    if (s != null) {
                        visitor.accept(s);
                    }
                }
            }
        }
    }

    /** How many chunks of host storage exist: one for each chunk a touched slot lies in. */
    long chunkCount() {
        return chunkCount;
    }

    private Slot[] chunk(long index) {
        int p = (int) (index >>> PAGE_SHIFT);
        Slot[][] page = pages[p];
        if (page == null) {
            page = new Slot[pageLength][];
            pages[p] = page;
            groups[p] = new SlotGroup[pageLength];
        }
        int c = (int) (index >>> CHUNK_BITS) & PAGE_MASK;
        Slot[] chunk = page[c];
        if (chunk == null) {
            chunk = new Slot[chunkLength];
            groups[p][c] = new SlotGroup(owner, index & ~(long) CHUNK_MASK);
            page[c] = chunk;
            chunkCount++;
            if (slotCount <= CHUNK_MASK + 1) {
                soleChunk = chunk;
            }
        }
        return chunk;
    }
}
