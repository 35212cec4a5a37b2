package org.capbuddy.kernel.memory;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The machine's physical memory, backed lazily: a 4 KiB page costs host memory only once a
 * non-zero byte has been written to it, and zeroing a page gives its backing back. A machine of
 * a TiB therefore boots at once, and the kernel's zeroing of a large untyped is cheap when little
 * of it was ever written.
 *
 * <p><b>Backing.</b> A {@link PageDirectory} maps each page number to the id of the 4 KiB chunk
 * backing the page (three array loads; its layout is drawn there), and {@link PageSlabs} carves
 * the chunks out of large host arrays, slabs, so that page contents carry no object header of
 * their own and are not copied by the host's young collections. Zeroing a whole page gives its
 * chunk back; the next page needing backing takes a free chunk (zeroed first) before a new one.
 * The directory spans every region, rounded up to a GiB; an address beyond it reads as zero and
 * ignores writes.
 *
 * <p><b>Host cost.</b> A page never written costs nothing of its own: the host pays for whole
 * slabs of {@link #pagesPerSlab()} pages ({@link #slabBytes()}), and after every operation
 * <pre>
 *   backedBytes rounded up to whole slabs  &lt;=  slabBytes  &lt;=  2 * backedBytes + one slab
 * </pre>
 * So a machine with nothing written holds no slab, one with a few pages written holds one slab
 * (about 4 MiB with G1's usual regions), and zeroing gives slabs back. The upper bound holds
 * because the next pages needing backing fill the holes zeroing left before a new slab is made,
 * and because a zeroing that leaves the holes larger than the pages in use plus a slab compacts:
 * it moves the pages of the emptiest slabs into the holes of the others and gives the emptied
 * slabs back (amortised, a page moves about once for each page freed). At most one slab with no
 * page in use is kept for the next pages. The directory's tables come on top: {@link PageDirectory}.
 *
 * <p><b>Host chunks.</b> {@link #hostChunk}, {@link #hostSlab} and {@link #hostOffset} name the
 * live bytes of a backed page, so a TLB can keep them and make a hit one array access, as QEMU's
 * software TLB keeps the host address of a guest page. A chunk stays the page's for as long as
 * {@link #releaseEpoch()} is unchanged: every zeroing that takes a chunk away (which may then back
 * another page, or whose slab may go back to the host) or moves one advances it.
 *
 * <p>Only the kernel model touches this directly; user code reaches memory through the MMU.
 */
public final class PhysicalMemory {
    public static final int PAGE_BITS = 12;
    public static final int PAGE_SIZE = 1 << PAGE_BITS;
    /**
     * The end of the largest physical address space: 48 bits, the most the AArch64 4 KiB granule
     * reaches without FEAT_LPA2. Regions must end at or below it.
     */
    public static final long MAX_PHYSICAL_END = 1L << 48;
    private static final int PAGE_MASK = PAGE_SIZE - 1;

    private final List<MemoryRegion> regions;
    private final PageSlabs slabs;
    private final PageDirectory directory;
    private final long span;
    private long releaseEpoch;
    private final HostViewClock viewClock = new HostViewClock();
    /**
     * Pages instructions have been fetched from, and a count that moves whenever one of them is
     * written or zeroed: interpreters keep decoded instructions while it stands still. A page joins
     * when it is fetched from (markCode) and leaves when it is zeroed.
     */
    private final PageNumberSet codePages = new PageNumberSet();
    private long codeEpoch;

    /** Memory over {@code regions}, in slabs sized for this JVM's heap ({@link PageSlabs#hostPagesPerSlab()}). */
    public PhysicalMemory(List<MemoryRegion> regions) {
        this(regions, PageSlabs.defaultPagesPerSlab());
    }

    /** Memory over {@code regions} in slabs of {@code pagesPerSlab} pages (tests use small ones). */
    PhysicalMemory(List<MemoryRegion> regions, int pagesPerSlab) {
        List<MemoryRegion> sorted = new ArrayList<>(regions);
        sorted.sort((a, b) -> Long.compareUnsigned(a.base(), b.base()));
        for (int i = 1; i < sorted.size(); i++) {
            if (sorted.get(i - 1).overlaps(sorted.get(i))) {
                throw new IllegalArgumentException("overlapping memory regions " + sorted.get(i - 1)
                        + " and " + sorted.get(i));
            }
        }
        long end = 0;
        for (MemoryRegion r : sorted) {
            if (r.end() > MAX_PHYSICAL_END) {
                throw new IllegalArgumentException("memory region " + r + " ends beyond the 48-bit physical address space");
            }
            end = Math.max(end, r.end());
        }
        this.regions = List.copyOf(sorted);
        this.slabs = new PageSlabs(pagesPerSlab);
        this.directory = new PageDirectory(end, slabs);
        this.span = directory.spanBytes();
    }

    public List<MemoryRegion> regions() {
        return regions;
    }

    /** The region holding {@code paddr}, or null when nothing is there. */
    public MemoryRegion regionOf(long paddr) {
        for (MemoryRegion r : regions) {
            if (r.contains(paddr)) {
                return r;
            }
        }
        return null;
    }

    public byte read(long paddr) {
        int chunk = directory.chunk(paddr >>> PAGE_BITS);
        return chunk == 0 ? 0 : slabs.array(chunk)[PageSlabs.offset(chunk) + ((int) paddr & PAGE_MASK)];
    }

    public void write(long paddr, byte value) {
        noteWrite(paddr >>> PAGE_BITS);
        int chunk = directory.chunk(paddr >>> PAGE_BITS);
        if (chunk == 0) {
            if (value == 0) {
                return;
            }
            chunk = directory.back(paddr >>> PAGE_BITS);
            if (chunk == 0) {
                return;
            }
        }
        slabs.array(chunk)[PageSlabs.offset(chunk) + ((int) paddr & PAGE_MASK)] = value;
    }

    /**
     * Reads {@code length} bytes (1..8) little-endian; an access crossing a page boundary reads
     * each page's part. Any other length reads 0.
     */
    public long readLittleEndian(long paddr, int length) {
        if (length < 1 || length > Long.BYTES) {
            return 0;
        }
        int offset = (int) paddr & PAGE_MASK;
        int first = Math.min(length, PAGE_SIZE - offset);
        long value = loadInPage(paddr, offset, first);
        if (first < length) {
            value |= loadInPage(paddr + first, 0, length - first) << (8 * first);
        }
        return value;
    }

    /**
     * Writes the low {@code length} bytes (1..8) of {@code value} little-endian; a write crossing a
     * page boundary writes each page's part. Any other length writes nothing.
     */
    public void writeLittleEndian(long paddr, int length, long value) {
        if (length < 1 || length > Long.BYTES) {
            return;
        }
        int offset = (int) paddr & PAGE_MASK;
        int first = Math.min(length, PAGE_SIZE - offset);
        storeInPage(paddr, offset, first, value);
        if (first < length) {
            storeInPage(paddr + first, 0, length - first, value >>> (8 * first));
        }
    }

    /**
     * Copies the {@code length} bytes from {@code paddr} into {@code dst[at..at+length)}: what
     * {@link #readLittleEndian} would give word by word, with one lookup a page. A page with no
     * backing reads as zeros. Returns false, copying nothing, when the range is not in {@code dst}.
     */
    public boolean copyFrom(long paddr, byte[] dst, int at, int length) {
        if (!inBuffer(dst, at, length)) {
            return false;
        }
        for (int done = 0; done < length;) {
            long from = paddr + done;
            int offset = (int) from & PAGE_MASK;
            int run = Math.min(length - done, PAGE_SIZE - offset);
            int chunk = directory.chunk(from >>> PAGE_BITS);
            if (chunk == 0) {
                Arrays.fill(dst, at + done, at + done + run, (byte) 0);
            } else {
                System.arraycopy(slabs.array(chunk), PageSlabs.offset(chunk) + offset, dst, at + done, run);
            }
            done += run;
        }
        return true;
    }

    /**
     * Copies {@code src[at..at+length)} to {@code paddr}: what {@link #writeLittleEndian} would
     * leave word by word, with one lookup a page. As there, a page with no backing gets it only
     * for bytes that are not all zero, and a write to a page instructions were fetched from moves
     * the code epoch. Returns false, copying nothing, when the range is not in {@code src}.
     */
    public boolean copyTo(long paddr, byte[] src, int at, int length) {
        if (!inBuffer(src, at, length)) {
            return false;
        }
        for (int done = 0; done < length;) {
            long to = paddr + done;
            int offset = (int) to & PAGE_MASK;
            int run = Math.min(length - done, PAGE_SIZE - offset);
            copyToPage(to >>> PAGE_BITS, offset, src, at + done, run);
            done += run;
        }
        return true;
    }

    private void copyToPage(long page, int offset, byte[] src, int at, int run) {
        noteWrite(page);
        int chunk = directory.chunk(page);
        if (chunk == 0) {
            if (allZero(src, at, run)) {
                return; // zeros to an unbacked page change nothing: stay unbacked
            }
            chunk = directory.back(page);
            if (chunk == 0) {
                return;
            }
        }
        System.arraycopy(src, at, slabs.array(chunk), PageSlabs.offset(chunk) + offset, run);
    }

    private static boolean inBuffer(byte[] buffer, int at, int length) {
        return buffer != null && at >= 0 && length >= 0 && at <= buffer.length - length;
    }

    private static boolean allZero(byte[] bytes, int from, int length) {
        for (int i = from, end = from + length; i < end; i++) {
            if (bytes[i] != 0) {
                return false;
            }
        }
        return true;
    }

    private long loadInPage(long paddr, int offset, int length) {
        int chunk = directory.chunk(paddr >>> PAGE_BITS);
        return chunk == 0 ? 0 : PageBytes.load(slabs.array(chunk), PageSlabs.offset(chunk) + offset, length);
    }

    private void storeInPage(long paddr, int offset, int length, long value) {
        noteWrite(paddr >>> PAGE_BITS);
        int chunk = directory.chunk(paddr >>> PAGE_BITS);
        if (chunk == 0) {
            if (PageBytes.isZeroStore(length, value)) {
                return; // a zero store to an unbacked page changes nothing: stay unbacked
            }
            chunk = directory.back(paddr >>> PAGE_BITS);
            if (chunk == 0) {
                return;
            }
        }
        PageBytes.store(slabs.array(chunk), PageSlabs.offset(chunk) + offset, length, value);
    }

    /**
     * Sets [paddr, paddr + length) to zero, releasing the backing of whole pages, and compacting
     * the slabs when that left them more than half empty (see the class comment).
     */
    public void zero(long paddr, long length) {
        if (length <= 0 || paddr < 0 || paddr >= span) {
            return;
        }
        long end = length > span - paddr ? span : paddr + length;
        if (codePages.size() > 0) {
            long first = paddr >>> PAGE_BITS;
            long last = (end - 1) >>> PAGE_BITS;
            if (codePages.removeIf(page -> page >= first && page <= last) > 0) {
                codeChanged();
            }
        }
        long released = directory.zero(paddr, end);
        if (released > 0) {
            if (slabs.fragmented()) {
                slabs.compact(directory::repoint);
            }
            // Chunks were freed, perhaps moved: whoever keeps one must look it up again.
            released();
        }
    }

    /**
     * Records that an instruction was fetched from physical page {@code pageNumber}: from now on a
     * write to it moves {@link #codeEpoch()}. Marking a new page moves {@link #releaseEpoch()} too,
     * so that every cached host view of it (TLB entries, a CPU's fast page), which writes without
     * asking, is looked up again and learns that the page is code.
     */
    public void markCode(long pageNumber) {
        if (codePages.add(pageNumber)) {
            released();
        }
    }

    /**
     * A page instructions were fetched from was written or zeroed. The clock ticks too: a CPU's
     * code version is one of the views it stands for.
     */
    private void codeChanged() {
        codeEpoch++;
        viewClock.tick();
    }

    private void released() {
        releaseEpoch++;
        viewClock.tick();
    }

    /** Whether {@code pageNumber} has been fetched from since it was last zeroed. */
    public boolean isCode(long pageNumber) {
        return codePages.size() > 0 && codePages.contains(pageNumber);
    }

    /** Moves whenever a page instructions were fetched from is written or zeroed. */
    public long codeEpoch() {
        return codeEpoch;
    }

    private void noteWrite(long pageNumber) {
        if (codePages.size() > 0 && codePages.contains(pageNumber)) {
            codeChanged();
        }
    }

    /** True when every byte of [paddr, paddr + length) is zero. */
    public boolean isZero(long paddr, long length) {
        if (length <= 0 || paddr < 0 || paddr >= span) {
            return true;
        }
        long end = length > span - paddr ? span : paddr + length;
        return directory.isZero(paddr, end);
    }

    /**
     * The id of the chunk backing physical page {@code pageNumber} (paddr >>> {@link #PAGE_BITS}),
     * or 0 while the page has none (it reads as zero). The id names the page's bytes,
     * {@link #hostSlab}{@code (id)} from {@link #hostOffset}{@code (id)} on, for as long as
     * {@link #releaseEpoch()} is unchanged; after that the chunk may back another page. Only the
     * kernel's CPU model uses this.
     */
    public int hostChunk(long pageNumber) {
        return directory.chunk(pageNumber);
    }

    /** The slab array holding chunk {@code chunk}, a non-zero id {@link #hostChunk} just returned. */
    public byte[] hostSlab(int chunk) {
        return slabs.array(chunk);
    }

    /** Where chunk {@code chunk}'s page starts in its {@link #hostSlab}: its 4 KiB run from there. */
    public static int hostOffset(int chunk) {
        return PageSlabs.offset(chunk);
    }

    /**
     * Advances whenever zeroing takes a page's chunk away, so that whoever keeps slabs and offsets
     * from {@link #hostChunk} knows to drop them.
     */
    public long releaseEpoch() {
        return releaseEpoch;
    }

    /**
     * The machine's clock of host views: it ticks with every {@link #releaseEpoch()} and
     * {@link #codeEpoch()} move, and the
     * kernel objects whose changes a CPU's cached views depend on (threads, VSpaces) are made with
     * it so that they tick it too.
     */
    public HostViewClock viewClock() {
        return viewClock;
    }

    /**
     * Bytes of pages that have backing now (a measure of laziness, not of the machine): 4 KiB a
     * backed page. What the host holds for them is {@link #slabBytes()}.
     */
    public long backedBytes() {
        return directory.backedPages() * PAGE_SIZE;
    }

    /**
     * Host bytes held in slabs now: at least {@link #backedBytes()} rounded up to whole slabs, see
     * the class comment. The directory's tables and the slabs' bookkeeping are not counted.
     */
    public long slabBytes() {
        return slabs.hostBytes();
    }

    /** Pages each slab holds, chosen for the host heap when this memory was made. */
    public int pagesPerSlab() {
        return slabs.pagesPerSlab();
    }

    /** The end of the addresses this memory can back: the regions' end rounded up to a GiB. */
    long spanBytes() {
        return span;
    }

    PageDirectory directory() {
        return directory;
    }

    PageSlabs slabs() {
        return slabs;
    }
}
