package org.capbuddy.kernel.memory;

import java.lang.management.ManagementFactory;
import java.util.Arrays;

/**
 * The host memory behind physical pages: large host {@code byte[]} arrays ("slabs") cut into
 * 4 KiB chunks, one chunk per backed page, named by an int chunk id. A page's contents are then
 * no object of their own: a young collection does not copy them (under G1 a slab is allocated as
 * a humongous object, straight into the old generation, see {@link #hostPagesPerSlab()}), and
 * no page carries an object header.
 *
 * <p><b>Chunk ids.</b> Like a Netty {@code PoolChunk} handle, an id packs where the bytes are:
 *
 * <pre>
 *  31                                 13 12                    0
 *  +-------------------------------------+----------------------+
 *  |  slab number + 1          (19 bits) |  chunk      (13 bits) |
 *  +-------------------------------------+----------------------+
 *    index into the slab table, plus one   the page within the slab: its bytes are
 *    so that no id is 0 (0 means "no       slab[chunk << 12, (chunk + 1) << 12)
 *    backing" in the page directory)
 * </pre>
 *
 * Decoding is a shift and a mask; an id never changes while its chunk is in use.
 *
 * <p><b>Reuse.</b> Chunks given back (a zeroing took a page's backing away) are kept on their
 * slab's free stack with whatever the old page left in them, and zeroed when handed out again,
 * so no page ever sees another page's data. A slab's never-used chunks are still zero as the
 * host made them and are handed out without zeroing. New chunks come from the lowest-numbered
 * slab with room, so that later slabs drain when pages are freed; a slab none of whose chunks is
 * in use is given back to the host (dropped, for the collector to reclaim), except for
 * {@link #KEPT_EMPTY_SLABS} kept for the next pages, so that zeroing and re-backing one page at
 * the edge of a slab does not allocate and drop a slab each time.
 *
 * <p><b>Host cost and compaction.</b> {@link #hostBytes()}: every live slab costs its whole
 * array, so the backing of {@code n} pages costs at least {@code ceil(n / pagesPerSlab)} slabs.
 * Pages freed in the middle of slabs leave holes, which the next backed pages fill first; when the
 * holes outgrow the chunks in use by more than a slab ({@link #fragmented()}), {@link #compact}
 * moves the chunks of the emptiest slabs into the holes of the others and gives the emptied slabs
 * back, so that a few pages left scattered over many slabs do not pin them all. Bookkeeping: a
 * {@code short} and a {@code long} (the owning page, for moves) per chunk and a few words per slab.
 *
 * <p>Not thread-safe, like the rest of the machine model.
 */
final class PageSlabs {
    static final int PAGE_BITS = PhysicalMemory.PAGE_BITS;
    static final int CHUNK_BITS = 13;
    private static final int CHUNK_MASK = (1 << CHUNK_BITS) - 1;
    /** The most chunks a slab can have: the chunk field's range. */
    static final int MAX_PAGES_PER_SLAB = 1 << CHUNK_BITS;
    /** The most slabs at once: slab number + 1 must fit in the id's 19 high bits. */
    static final int MAX_SLABS = (1 << (Integer.SIZE - CHUNK_BITS)) - 1;
    /**
     * Empty slabs kept rather than given back: one, so a page zeroed and backed again over and
     * over (demand paging of a freed frame) never allocates a slab, while a large zeroing returns
     * all the rest of its memory.
     */
    static final int KEPT_EMPTY_SLABS = 1;

    private final int pagesPerSlab;
    private final int slabBytes;

    // Per slab number; a released number has null arrays until it is used again.
    private byte[][] bytes = new byte[0][];
    /** Each slab's free stack: chunks given back, contents not yet zeroed. */
    private short[][] free = new short[0][];
    private int[] freeCount = new int[0];
    /** Chunks [fresh, pagesPerSlab) of a slab were never handed out: still zero from the host. */
    private int[] fresh = new int[0];
    /** The page each chunk in use backs, so that compaction can tell the directory where it went. */
    private long[][] owners = new long[0][];
    /** Bit s: slab s is live and has a free or fresh chunk. */
    private long[] withRoom = new long[0];
    /** No slab numbered below this has room: where the search for one starts. */
    private int searchFrom;
    /** Numbers [0, numbersUsed) have been given to a slab at some time. */
    private int numbersUsed;
    /** Numbers of released slabs, to reuse before new ones (keeps the tables short). */
    private int[] releasedNumbers = new int[0];
    private int releasedCount;

    private int liveSlabs;
    private int emptySlabs;
    private long chunksInUse;
    private long slabsAllocated;
    private long compactions;

    /** Slabs of {@code pagesPerSlab} (1..{@link #MAX_PAGES_PER_SLAB}) 4 KiB chunks. */
    PageSlabs(int pagesPerSlab) {
        if (pagesPerSlab < 1 || pagesPerSlab > MAX_PAGES_PER_SLAB) {
            throw new IllegalArgumentException("pages per slab must be 1.." + MAX_PAGES_PER_SLAB + ": " + pagesPerSlab);
        }
        this.pagesPerSlab = pagesPerSlab;
        this.slabBytes = pagesPerSlab << PAGE_BITS;
    }

    // ---- ids

    /** The slab number of chunk id {@code id} (non-zero). */
    static int slabNumber(int id) {
        return (id >>> CHUNK_BITS) - 1;
    }

    /** Where chunk {@code id}'s page starts in its slab array. */
    static int offset(int id) {
        return (id & CHUNK_MASK) << PAGE_BITS;
    }

    private static int id(int slab, int chunk) {
        return ((slab + 1) << CHUNK_BITS) | chunk;
    }

    /** The slab array holding chunk {@code id}, which must be in use. */
    byte[] array(int id) {
        return bytes[slabNumber(id)];
    }

    // ---- handing out and taking back

    /** A chunk for page {@code pageNumber}, which needs backing: all zero. */
    int take(long pageNumber) {
        int s = slabWithRoom();
        if (s < 0) {
            s = newSlab();
        }
        if (fresh[s] == freeCount[s]) {
            emptySlabs--; // it had no chunk in use until now
        }
        int chunk;
        if (freeCount[s] > 0) {
            chunk = free[s][--freeCount[s]];
            // The chunk still holds what the page it last backed left there.
            Arrays.fill(bytes[s], chunk << PAGE_BITS, (chunk + 1) << PAGE_BITS, (byte) 0);
        } else {
            chunk = fresh[s]++;
        }
        if (freeCount[s] == 0 && fresh[s] == pagesPerSlab) {
            withRoom[s >>> 6] &= ~(1L << s);
        }
        owners[s][chunk] = pageNumber;
        chunksInUse++;
        return id(s, chunk);
    }

    /**
     * Takes back chunk {@code id}, which backs no page any more; its contents do not matter. The
     * caller must make sure nobody keeps the slab array for this chunk (the release epoch).
     */
    void give(int id) {
        int s = slabNumber(id);
        free[s][freeCount[s]++] = (short) (id & CHUNK_MASK);
        chunksInUse--;
        markRoom(s);
        if (fresh[s] == freeCount[s]) {
            if (emptySlabs >= KEPT_EMPTY_SLABS) {
                release(s);
            } else {
                emptySlabs++;
            }
        }
    }

    private int slabWithRoom() {
        int words = (numbersUsed + 63) >>> 6;
        for (int w = searchFrom >>> 6; w < words; w++) {
            long room = withRoom[w];
            if (room != 0) {
                int s = (w << 6) + Long.numberOfTrailingZeros(room);
                searchFrom = s;
                return s;
            }
        }
        searchFrom = numbersUsed;
        return -1;
    }

    private void markRoom(int s) {
        withRoom[s >>> 6] |= 1L << s;
        if (s < searchFrom) {
            searchFrom = s;
        }
    }

    private int newSlab() {
        int s;
        if (releasedCount > 0) {
            s = releasedNumbers[--releasedCount];
        } else {
            if (numbersUsed == MAX_SLABS) {
                throw new OutOfMemoryError("physical memory backing: more than " + MAX_SLABS + " slabs");
            }
            s = numbersUsed++;
            if (s == bytes.length) {
                grow();
            }
        }
        bytes[s] = new byte[slabBytes];
        free[s] = new short[pagesPerSlab];
        owners[s] = new long[pagesPerSlab];
        freeCount[s] = 0;
        fresh[s] = 0;
        markRoom(s);
        liveSlabs++;
        emptySlabs++;
        slabsAllocated++;
        return s;
    }

    private void grow() {
        int capacity = Math.max(64, bytes.length * 2);
        bytes = Arrays.copyOf(bytes, capacity);
        free = Arrays.copyOf(free, capacity);
        freeCount = Arrays.copyOf(freeCount, capacity);
        fresh = Arrays.copyOf(fresh, capacity);
        owners = Arrays.copyOf(owners, capacity);
        withRoom = Arrays.copyOf(withRoom, capacity >>> 6);
        releasedNumbers = Arrays.copyOf(releasedNumbers, capacity);
    }

    /** Gives slab {@code s}, none of whose chunks is in use, back to the host. */
    private void release(int s) {
        bytes[s] = null;
        free[s] = null;
        owners[s] = null;
        freeCount[s] = 0;
        fresh[s] = 0;
        withRoom[s >>> 6] &= ~(1L << s);
        releasedNumbers[releasedCount++] = s;
        liveSlabs--;
    }

    // ---- compaction

    /** Told where compaction moved a page's chunk; the page's bytes are already there. */
    @FunctionalInterface
    interface Repoint {
        void moved(long pageNumber, int to);
    }

    /** Chunks of live slabs not in use: free, fresh, and those of a kept empty slab. */
    long holes() {
        return (long) liveSlabs * pagesPerSlab - chunksInUse;
    }

    /**
     * True when the holes exceed the chunks in use by more than a slab: the host holds more than
     * twice what backs pages, plus a slab. Only giving chunks back makes this true.
     */
    boolean fragmented() {
        return holes() > chunksInUse + pagesPerSlab;
    }

    /**
     * Empties the slabs with the fewest chunks in use into the holes of the others, one slab at a
     * time, giving each emptied slab back, until the holes are at most half the chunks in use plus
     * a slab; returns how many chunks moved. Every moved page is told to {@code repoint} (its old
     * chunk is gone with its slab), so the caller must also make everyone drop kept chunks.
     *
     * <p>Each slab emptied lowers the holes by a whole slab, and there is always room for its
     * chunks: its chunks in use are at most the average, so at most the holes elsewhere while the
     * holes exceed a slab.
     */
    long compact(Repoint repoint) {
        compactions++;
        long moved = 0;
        boolean[] isFree = new boolean[pagesPerSlab];
        while (holes() > chunksInUse / 2 + pagesPerSlab) {
            int victim = emptiestSlab();
            withRoom[victim >>> 6] &= ~(1L << victim); // nothing may move into it
            int inUse = fresh[victim] - freeCount[victim];
            if (inUse == 0) {
                emptySlabs--;
            }
            Arrays.fill(isFree, false);
            for (int i = 0; i < freeCount[victim]; i++) {
                isFree[free[victim][i]] = true;
            }
            byte[] from = bytes[victim];
            for (int chunk = 0; chunk < fresh[victim]; chunk++) {
                if (isFree[chunk]) {
                    continue;
                }
                long page = owners[victim][chunk];
                int to = take(page);
                if (slabNumber(to) == victim) {
                    throw new IllegalStateException("compaction moved a chunk into the slab it empties");
                }
                System.arraycopy(from, chunk << PAGE_BITS, array(to), offset(to), 1 << PAGE_BITS);
                chunksInUse--; // take counted the copy; the original goes with the slab
                repoint.moved(page, to);
                moved++;
            }
            release(victim);
        }
        return moved;
    }

    private int emptiestSlab() {
        int best = -1;
        int fewest = Integer.MAX_VALUE;
        for (int s = 0; s < numbersUsed; s++) {
            if (bytes[s] != null && fresh[s] - freeCount[s] < fewest) {
                best = s;
                fewest = fresh[s] - freeCount[s];
            }
        }
        return best;
    }

    // ---- figures

    int pagesPerSlab() {
        return pagesPerSlab;
    }

    /** Chunks backing a page now. */
    long chunksInUse() {
        return chunksInUse;
    }

    /** Slabs held now, empty kept ones included. */
    int liveSlabs() {
        return liveSlabs;
    }

    /** Live slabs none of whose chunks is in use (at most {@link #KEPT_EMPTY_SLABS}). */
    int emptySlabs() {
        return emptySlabs;
    }

    /** Slabs allocated from the host since this store was made. */
    long slabsAllocated() {
        return slabsAllocated;
    }

    /** Times {@link #compact} ran. */
    long compactions() {
        return compactions;
    }

    /** Host bytes held in slab arrays now (their headers and the bookkeeping not counted). */
    long hostBytes() {
        return (long) liveSlabs * slabBytes;
    }

    // ---- sizing

    /** The default slab size in pages for this JVM; see {@link #hostPagesPerSlab()}. */
    static int defaultPagesPerSlab() {
        return HostHeap.PAGES_PER_SLAB;
    }

    /**
     * Pages per slab so that a slab costs no more host memory than it holds, and is not copied
     * by young collections: under G1, one heap region less a page (the array header must fit in
     * the region too). G1 allocates an array of at least half a region as a humongous object in
     * the old generation, a whole region each, so a slab of exactly one region would take two
     * and a slab of half a region would waste the other half. With another collector, or when
     * the region size cannot be read, 1023 pages (4 MiB less a page, which fits the regions G1
     * picks for heaps up to 16 GiB without waste).
     */
    static int hostPagesPerSlab() {
        final int fallback = (4 << 20 >>> PAGE_BITS) - 1;
        try {
            long region = G1Region.bytes();
            if (region <= 0) {
                return fallback;
            }
            long pages = (region >>> PAGE_BITS) - 1;
            return (int) Math.max(1, Math.min(MAX_PAGES_PER_SLAB - 1, pages));
        } catch (LinkageError | RuntimeException e) {
            return fallback; // no jdk.management in this runtime: keep the default
        }
    }

    /** Read once per JVM: the heap's region size cannot change while it runs. */
    private static final class HostHeap {
        static final int PAGES_PER_SLAB = hostPagesPerSlab();
    }

    /** Kept apart so that a runtime without {@code jdk.management} fails only here. */
    private static final class G1Region {
        /** G1's region size in bytes, or 0 when another collector runs. */
        static long bytes() {
            com.sun.management.HotSpotDiagnosticMXBean vm =
                    ManagementFactory.getPlatformMXBean(com.sun.management.HotSpotDiagnosticMXBean.class);
            if (vm == null || !"true".equals(vm.getVMOption("UseG1GC").getValue())) {
                return 0;
            }
            return Long.parseLong(vm.getVMOption("G1HeapRegionSize").getValue());
        }
    }
}
