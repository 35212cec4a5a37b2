package org.capbuddy.sos.user;

import java.util.HashSet;
import java.util.Set;

/**
 * A C-style {@code malloc} for an SOS user process: a boundary-tag allocator whose heap grows and
 * shrinks with {@code brk}, as the AOS M3 milestone asks of {@code sys_morecore}. Every piece of
 * allocator state (free lists, their bitmap, the heap end) lives in simulated user memory and is
 * reached only through {@link UserMemory#load}/{@link UserMemory#store}; the only Java field is
 * the heap base, so a copy of the process's memory (a fork) carries a working heap with it
 * ({@link #attach}).
 *
 * <pre>
 * Heap layout (addresses grow to the right; base is brk(0) at first use, rounded up to 16):
 *
 *   base                     base+352 (first block)                         end-16       end = break
 *   | control block           | block | block | ...                   | block | epilogue |
 *   | magic end binmap bins[40] prologue-tag |                                   (16 B)  |
 *
 * Control block (352 bytes, all 8-byte little-endian words):
 *   +0    MAGIC "SOSHEAP1"       marks an initialised heap; attach() checks it
 *   +8    end                    the break as the allocator last set it (page aligned)
 *   +16   binmap                 bit i set iff bin i is non-empty, so a fit is found in O(1)
 *   +24   bins[0..39]            head of each free list (0 = empty)
 *   +344  prologue tag           INUSE, size 0: the "footer" before the first block, so
 *                                coalescing backwards stops without a bounds test
 *
 * Block at address A (A and every size are multiples of 16, so payloads are 16-aligned):
 *
 *   in use:  A+0 header = size|INUSE   A+8 canary(A,size)   A+16 payload ...   A+size-8 footer = header
 *   free:    A+0 header = size         A+8 next free        A+16 prev free  ...  A+size-8 footer = header
 *
 *   minimum block 32 bytes (a free block needs header, next, prev, footer); usable payload of an
 *   in-use block is size-24. The epilogue is a 16-byte pseudo-block with header INUSE|0 at end-16
 *   so coalescing forwards also stops without a bounds test.
 *
 * Free lists: bin i holds free blocks with size in [2^(i+5), 2^(i+6)) (bin 39 takes the rest),
 * doubly linked through the blocks themselves, newest first. malloc scans its own bin first-fit,
 * then takes the head of the next non-empty bin (every block there fits).
 * Invariant: no two free blocks are adjacent (free coalesces with both neighbours).
 * </pre>
 *
 * <p>Growth and trimming: when nothing fits, the break moves up by whole pages (at least
 * {@link #GROW_MIN}) and the new space is merged with a free last block. When a free leaves a
 * free last block of at least {@link #TRIM_THRESHOLD} (glibc's {@code M_TRIM_THRESHOLD}) the break
 * moves down, so a process that frees everything hands its pages back. {@code GROW_MIN <
 * TRIM_THRESHOLD} keeps a grow followed by a free from thrashing the break.
 *
 * <p>Invalid pointers: {@link #free} and {@link #realloc} accept only a pointer whose header has
 * the in-use bit and a canary that mixes the block's address and size with a per-heap key; any
 * other pointer (outside the heap, misaligned, interior, already freed) makes them return
 * false/0 and change nothing. A header stops being valid the moment its block is freed or merged
 * (the canary word is overwritten), so a double free is caught even after the memory was reused.
 * The check is probabilistic only against a program that forges headers in its own data. A live
 * header whose footer was overwritten, or a free list whose links disagree, means the program
 * corrupted the heap; the allocator then throws {@link MemoryFault} (glibc aborts), and
 * {@link #checkHeap} reports it. The checks run before any store of the operation that finds
 * them, except when a free has already merged one neighbour and then finds the other corrupted;
 * either way the process is about to be killed, so the heap is not used again.
 *
 * <p>Not thread-safe: an SOS user process here has one thread.
 */
public final class UserMalloc {
    /** The page size brk moves in. */
    public static final long PAGE_SIZE = 4096;
    /** Payload alignment, as AArch64 malloc guarantees ({@code alignof(max_align_t)}). */
    public static final long ALIGNMENT = 16;
    /** A free last block at least this big is given back with brk (glibc's default M_TRIM_THRESHOLD). */
    public static final long TRIM_THRESHOLD = 128 * 1024;
    /** The least the break moves up at a time, so small mallocs do not cost a syscall per page. */
    public static final long GROW_MIN = 64 * 1024;
    /** Larger requests return 0 without asking brk; keeps all size arithmetic far from overflow. */
    public static final long MAX_REQUEST = 1L << 46;
    /** Bytes a block adds to its payload: 16-byte header (size, canary) and 8-byte footer. */
    public static final long OVERHEAD = 24;
    /** The smallest block; malloc(0) gets one, with 8 usable bytes. */
    public static final long MIN_BLOCK = 32;

    static final long MAGIC = 0x3150414548534F53L; // "SOSHEAP1" read as little-endian bytes
    static final int NBINS = 40;
    static final long CB_MAGIC = 0;
    static final long CB_END = 8;
    static final long CB_BINMAP = 16;
    static final long CB_BINS = 24;
    static final long CONTROL_SIZE = CB_BINS + NBINS * 8L + 8; // 352, bins then the prologue tag
    static final long HEADER = 16;
    static final long EPILOGUE = 16;
    static final long INUSE = 1;
    static final long FLAG_MASK = 15;
    static final long NEXT = 8;
    static final long PREV = 16;
    private static final long CANARY_SALT = 0x5DEECE66DA3B9F1L;

    private final UserMemory mem;
    /** The control block's address, or 0 until the first call creates the heap (as musl does lazily). */
    private long base;

    /** An allocator that creates its heap at the current break on first use. */
    public UserMalloc(UserMemory mem) {
        this.mem = mem;
    }

    private UserMalloc(UserMemory mem, long base) {
        this.mem = mem;
        this.base = base;
    }

    /**
     * An allocator for a heap that already exists in {@code mem} at {@code heapBase}, e.g. in a
     * forked copy of a process: everything it needs is read from user memory.
     *
     * @throws MemoryFault if no heap control block is there
     */
    public static UserMalloc attach(UserMemory mem, long heapBase) throws MemoryFault {
        if (heapBase == 0 || (heapBase & (ALIGNMENT - 1)) != 0 || mem.load(heapBase + CB_MAGIC, 8) != MAGIC) {
            throw new MemoryFault(heapBase, "no malloc heap at this address");
        }
        return new UserMalloc(mem, heapBase);
    }

    /** The heap's control block address (its start), or 0 if no call has created the heap yet. */
    public long heapBase() {
        return base;
    }

    /** The heap end as the allocator last set the break, or 0 before the heap exists. */
    public long heapEnd() throws MemoryFault {
        return base == 0 ? 0 : load(base + CB_END);
    }

    // ------------------------------------------------------------------------------------------
    // Public C API
    // ------------------------------------------------------------------------------------------

    /**
     * Allocates {@code size} bytes, 16-aligned. {@code malloc(0)} returns a unique minimal block
     * (8 usable bytes), as glibc and musl do.
     *
     * @return the payload address, or 0 when {@code size} is negative or too big or brk refuses
     * @throws MemoryFault if heap memory faults or the heap is found corrupted
     */
    public long malloc(long size) throws MemoryFault {
        if (size < 0 || size > MAX_REQUEST || !ensureHeap()) {
            return 0;
        }
        long need = blockSizeFor(size);
        long a = findFit(need);
        if (a == 0) {
            a = growHeap(need);
            if (a == 0) {
                return 0;
            }
        }
        return allocateFrom(a, need);
    }

    /**
     * Allocates {@code n * size} zeroed bytes; returns 0 if the product overflows or malloc fails.
     * Always zeroes: a reused block holds old data, and only fresh pages are known to be zero.
     */
    public long calloc(long n, long size) throws MemoryFault {
        if (n < 0 || size < 0 || (size != 0 && n > MAX_REQUEST / size)) {
            return 0;
        }
        long total = n * size;
        long p = malloc(total);
        if (p != 0) {
            long words = roundUp(total, 8);
            for (long off = 0; off < words; off += 8) {
                store(p + off, 0);
            }
        }
        return p;
    }

    /**
     * Frees a block from malloc/calloc/realloc. {@code free(0)} does nothing and returns true.
     *
     * @return false, changing nothing, if {@code ptr} is not a live block (random, interior,
     *     already freed, or from before a heap existed)
     * @throws MemoryFault if the block's footer or a neighbour's tags were overwritten
     */
    public boolean free(long ptr) throws MemoryFault {
        if (ptr == 0) {
            return true;
        }
        long a = liveBlockAt(ptr);
        if (a == 0) {
            return false;
        }
        release(a, sizeOf(load(a)));
        return true;
    }

    /**
     * Resizes a block, keeping the first {@code min(old, new)} bytes. In place when shrinking,
     * when the next block is free and big enough, or when the block is last in the heap (the heap
     * grows under it); otherwise malloc, copy 8 bytes at a time, free. {@code realloc(0, n)} is
     * {@code malloc(n)}; {@code realloc(p, 0)} shrinks to a minimal block and returns it (musl
     * style, no free-and-return-NULL).
     *
     * @return the new payload address; 0 if {@code ptr} is not a live block or memory ran out,
     *     and in both cases the old block is untouched
     */
    public long realloc(long ptr, long size) throws MemoryFault {
        if (ptr == 0) {
            return malloc(size);
        }
        if (size < 0 || size > MAX_REQUEST) {
            return 0;
        }
        long a = liveBlockAt(ptr);
        if (a == 0) {
            return 0;
        }
        long cur = sizeOf(load(a));
        long need = blockSizeFor(size);
        if (need <= cur) {
            if (cur - need >= MIN_BLOCK) {
                writeInUse(a, need);
                release(a + need, cur - need);
            }
            return ptr;
        }
        long end = heapEnd();
        long next = a + cur;
        long nextTag = load(next);
        long nextFree = (nextTag & INUSE) == 0 ? sizeOf(nextTag) : 0;
        boolean last = next == end - EPILOGUE || (nextFree > 0 && next + nextFree == end - EPILOGUE);
        if (cur + nextFree >= need || (last && growHeap(need - cur) != 0)) {
            absorbNext(a, cur, need);
            return ptr;
        }
        long q = malloc(size);
        if (q == 0) {
            return 0;
        }
        // cur < need means the old payload is shorter than the request: copy all of it.
        for (long off = 0, len = cur - OVERHEAD; off < len; off += 8) {
            store(q + off, load(ptr + off));
        }
        release(a, cur);
        return q;
    }

    /** {@code malloc_usable_size}: bytes usable at {@code ptr}, or 0 if it is not a live block. */
    public long usableSize(long ptr) throws MemoryFault {
        long a = ptr == 0 ? 0 : liveBlockAt(ptr);
        return a == 0 ? 0 : sizeOf(load(a)) - OVERHEAD;
    }

    /**
     * {@code malloc_trim(0)}: gives back every whole page of a free last block, whatever its size.
     *
     * @return true if the break moved down
     */
    public boolean trim() throws MemoryFault {
        if (base == 0) {
            return false;
        }
        long end = heapEnd();
        long tag = load(end - EPILOGUE - 8);
        if ((tag & INUSE) != 0) {
            return false;
        }
        return trimTop(end - EPILOGUE - sizeOf(tag), sizeOf(tag), end);
    }

    // ------------------------------------------------------------------------------------------
    // Heap creation and brk
    // ------------------------------------------------------------------------------------------

    /** Creates the heap at the current break on first use; false if brk cannot give the first page. */
    private boolean ensureHeap() throws MemoryFault {
        if (base != 0) {
            return true;
        }
        long start = mem.brk(0);
        if (start <= 0) {
            return false; // 0 is the "no heap yet" marker, and a C heap at NULL makes no sense
        }
        long cb = roundUp(start, ALIGNMENT);
        long first = cb + CONTROL_SIZE;
        long end = roundUp(first + EPILOGUE, PAGE_SIZE);
        if (sliver(end - EPILOGUE - first)) {
            end += PAGE_SIZE;
        }
        if (mem.brk(end) != end) {
            mem.brk(start); // undo a partial move, should a brk ever grant something else
            return false;
        }
        base = cb;
        try {
            store(cb + CB_MAGIC, MAGIC);
            store(cb + CB_END, end);
            store(cb + CB_BINMAP, 0);
            for (int i = 0; i < NBINS; i++) {
                store(binHead(i), 0);
            }
            store(first - 8, INUSE); // prologue tag
            writeEpilogue(end);
            if (end - EPILOGUE > first) {
                writeFree(first, end - EPILOGUE - first);
                link(first, end - EPILOGUE - first);
            }
        } catch (MemoryFault f) {
            base = 0; // a half-written control block must not be taken for a heap
            throw f;
        }
        return true;
    }

    /**
     * Moves the break up so that the last block is free and at least {@code need} bytes.
     *
     * @return that block (linked into its bin), or 0 if brk refused
     */
    private long growHeap(long need) throws MemoryFault {
        long end = heapEnd();
        long epilogue = end - EPILOGUE;
        long lastTag = load(epilogue - 8); // the last block's footer, or the prologue tag
        long lastFree = (lastTag & INUSE) == 0 ? sizeOf(lastTag) : 0;
        long newEnd = roundUp(end + Math.max(need - lastFree, GROW_MIN), PAGE_SIZE);
        if (!moveBreak(end, newEnd)) {
            return 0;
        }
        long a = epilogue; // the new space starts where the old epilogue was
        long size = newEnd - end;
        if (lastFree > 0) {
            a = epilogue - lastFree;
            checkFreeBlock(a, lastFree, end);
            unlink(a, lastFree);
            size += lastFree;
        }
        store(base + CB_END, newEnd);
        writeFree(a, size);
        writeEpilogue(newEnd);
        link(a, size);
        return a;
    }

    /**
     * Gives back the whole pages of the free last block at {@code a}; keeps a remainder only when
     * the new break cannot fall exactly at the block start.
     */
    private boolean trimTop(long a, long size, long end) throws MemoryFault {
        long newEnd = roundUp(a + EPILOGUE, PAGE_SIZE);
        if (sliver(newEnd - EPILOGUE - a)) {
            newEnd += PAGE_SIZE;
        }
        if (newEnd >= end) {
            return false;
        }
        // Unlink before the break moves: the block's links may lie above the new break.
        unlink(a, size);
        if (!moveBreak(end, newEnd)) {
            link(a, size);
            return false;
        }
        long rest = newEnd - EPILOGUE - a;
        store(base + CB_END, newEnd);
        writeEpilogue(newEnd);
        if (rest > 0) {
            writeFree(a, rest);
            link(a, rest);
        }
        return true;
    }

    /**
     * Sets the break from {@code expected} to {@code target}. Refuses if someone else moved the
     * break since we last set it: the heap must stay contiguous, and shrinking below a foreign
     * region would unmap it.
     */
    private boolean moveBreak(long expected, long target) {
        if (mem.brk(0) != expected) {
            return false;
        }
        long got = mem.brk(target);
        if (got == target) {
            return true;
        }
        if (got != expected) {
            mem.brk(expected); // a brk that granted something other than asked: put it back
        }
        return false;
    }

    /** A gap that can hold no block (1..31 bytes) must not be left between heap and epilogue. */
    private static boolean sliver(long gap) {
        return gap > 0 && gap < MIN_BLOCK;
    }

    // ------------------------------------------------------------------------------------------
    // Blocks
    // ------------------------------------------------------------------------------------------

    /** Splits free block {@code a} to {@code need} bytes, marks the front in use, returns its payload. */
    private long allocateFrom(long a, long need) throws MemoryFault {
        long size = sizeOf(load(a));
        unlink(a, size);
        long rest = size - need;
        if (rest >= MIN_BLOCK) {
            // The block after a free block is in use (no adjacent free blocks), so the remainder
            // needs no coalescing. No trim either: we are allocating, not freeing.
            writeFree(a + need, rest);
            link(a + need, rest);
            size = need;
        }
        writeInUse(a, size);
        return a + HEADER;
    }

    /** Grows in-use block {@code a} of {@code cur} bytes into the free block after it, to {@code need}. */
    private void absorbNext(long a, long cur, long need) throws MemoryFault {
        long next = a + cur;
        long nextSize = sizeOf(load(next));
        checkFreeBlock(next, nextSize, heapEnd());
        unlink(next, nextSize);
        long total = cur + nextSize;
        if (total - need >= MIN_BLOCK) {
            writeInUse(a, need);
            writeFree(a + need, total - need);
            link(a + need, total - need);
        } else {
            writeInUse(a, total);
        }
    }

    /**
     * Makes block {@code a} (not in any list) free: coalesces with free neighbours, links the
     * result, and trims the heap if it is a large last block.
     */
    private void release(long a, long size) throws MemoryFault {
        long end = heapEnd();
        long before = load(a - 8);
        if ((before & INUSE) == 0) {
            long prevSize = sizeOf(before);
            long prev = a - prevSize;
            checkFreeBlock(prev, prevSize, end);
            unlink(prev, prevSize);
            retireHeader(a);
            a = prev;
            size += prevSize;
        }
        long next = a + size;
        long after = load(next);
        if ((after & INUSE) == 0) {
            long nextSize = sizeOf(after);
            checkFreeBlock(next, nextSize, end);
            unlink(next, nextSize);
            retireHeader(next);
            size += nextSize;
        }
        writeFree(a, size); // also voids the canary: link overwrites A+8
        link(a, size);
        if (a + size == end - EPILOGUE && size >= TRIM_THRESHOLD) {
            trimTop(a, size, end);
        }
    }

    /**
     * The block header for payload {@code ptr} if it is a live block, else 0. Loads only inside
     * the heap, so a wild pointer cannot fault here.
     */
    private long liveBlockAt(long ptr) throws MemoryFault {
        if (base == 0 || (ptr & (ALIGNMENT - 1)) != 0) {
            return 0;
        }
        long end = heapEnd();
        long a = ptr - HEADER;
        if (a < base + CONTROL_SIZE || a > end - EPILOGUE - MIN_BLOCK) {
            return 0;
        }
        long tag = load(a);
        if ((tag & FLAG_MASK) != INUSE) {
            return 0;
        }
        long size = sizeOf(tag);
        if (size < MIN_BLOCK || size > end - EPILOGUE - a || load(a + 8) != canary(a, size)) {
            return 0;
        }
        if (load(a + size - 8) != tag) {
            throw corrupted(a + size - 8, "footer of live block overwritten (buffer overflow?)");
        }
        return a;
    }

    /** Tags read from a neighbour must describe a real free block, or the heap is corrupted. */
    private void checkFreeBlock(long a, long size, long end) throws MemoryFault {
        if (size < MIN_BLOCK || a < base + CONTROL_SIZE || a + size > end - EPILOGUE
                || load(a) != size || load(a + size - 8) != size) {
            throw corrupted(a, "free block tags inconsistent");
        }
    }

    private void writeInUse(long a, long size) throws MemoryFault {
        store(a, size | INUSE);
        store(a + 8, canary(a, size));
        store(a + size - 8, size | INUSE);
    }

    private void writeFree(long a, long size) throws MemoryFault {
        store(a, size);
        store(a + size - 8, size);
    }

    private void writeEpilogue(long end) throws MemoryFault {
        store(end - EPILOGUE, INUSE);
        store(end - EPILOGUE + 8, 0);
    }

    /** Erases a header that is now inside a bigger block, so a stale pointer to it is refused. */
    private void retireHeader(long a) throws MemoryFault {
        store(a, 0);
        store(a + 8, 0);
    }

    private long canary(long a, long size) {
        return mix(a * 0x9E3779B97F4A7C15L ^ size ^ base ^ CANARY_SALT);
    }

    /** SplitMix64's finaliser: every input bit affects every output bit. */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    static long blockSizeFor(long request) {
        return Math.max(MIN_BLOCK, roundUp(request + OVERHEAD, ALIGNMENT));
    }

    private static long sizeOf(long tag) {
        return tag & ~FLAG_MASK;
    }

    private static long roundUp(long x, long multiple) {
        return (x + multiple - 1) & -multiple;
    }

    // ------------------------------------------------------------------------------------------
    // Free lists (segregated by power of two, linked through the free blocks)
    // ------------------------------------------------------------------------------------------

    static int binIndex(long size) {
        int log2 = 63 - Long.numberOfLeadingZeros(size);
        return Math.min(log2 - 5, NBINS - 1);
    }

    private long binHead(int bin) {
        return base + CB_BINS + 8L * bin;
    }

    /** First fit in the request's own bin, else the head of the next non-empty bin. */
    private long findFit(long need) throws MemoryFault {
        long end = heapEnd();
        int bin = binIndex(need);
        long maxSteps = (end - base) / MIN_BLOCK; // more nodes than that means a cycle
        for (long b = load(binHead(bin)), steps = 0; b != 0; b = load(b + NEXT)) {
            checkNode(b, end);
            if (++steps > maxSteps) {
                throw corrupted(b, "free list cycle");
            }
            if (sizeOf(load(b)) >= need) {
                return b;
            }
        }
        long higher = load(base + CB_BINMAP) & (-1L << (bin + 1)); // bin + 1 <= NBINS < 64
        if (higher == 0) {
            return 0;
        }
        int j = Long.numberOfTrailingZeros(higher);
        long b = load(binHead(j));
        checkNode(b, end);
        if (sizeOf(load(b)) < need) {
            throw corrupted(b, "free block smaller than its bin");
        }
        return b;
    }

    private void link(long a, long size) throws MemoryFault {
        int bin = binIndex(size);
        long head = load(binHead(bin));
        store(a + NEXT, head);
        store(a + PREV, 0);
        if (head != 0) {
            store(head + PREV, a);
        }
        store(binHead(bin), a);
        store(base + CB_BINMAP, load(base + CB_BINMAP) | (1L << bin));
    }

    /** Safe unlinking (glibc's check): both neighbours must point back at us before we touch them. */
    private void unlink(long a, long size) throws MemoryFault {
        int bin = binIndex(size);
        long end = heapEnd();
        long next = load(a + NEXT);
        long prev = load(a + PREV);
        if (next != 0) {
            checkNode(next, end);
            if (load(next + PREV) != a) {
                throw corrupted(a, "free list: next->prev does not point back");
            }
        }
        if (prev == 0) {
            if (load(binHead(bin)) != a) {
                throw corrupted(a, "free list: block without prev is not its bin's head");
            }
            store(binHead(bin), next);
            if (next == 0) {
                store(base + CB_BINMAP, load(base + CB_BINMAP) & ~(1L << bin));
            }
        } else {
            checkNode(prev, end);
            if (load(prev + NEXT) != a) {
                throw corrupted(a, "free list: prev->next does not point back");
            }
            store(prev + NEXT, next);
        }
        if (next != 0) {
            store(next + PREV, prev);
        }
    }

    /** A free-list link must point at a 16-aligned place inside the heap before we load through it. */
    private void checkNode(long node, long end) throws MemoryFault {
        if ((node & (ALIGNMENT - 1)) != 0 || node < base + CONTROL_SIZE || node > end - EPILOGUE - MIN_BLOCK) {
            throw corrupted(node, "free list link points outside the heap");
        }
    }

    private static MemoryFault corrupted(long address, String what) {
        return new MemoryFault(address, "heap corrupted: " + what);
    }

    private long load(long vaddr) throws MemoryFault {
        return mem.load(vaddr, 8);
    }

    private void store(long vaddr, long value) throws MemoryFault {
        mem.store(vaddr, 8, value);
    }

    // ------------------------------------------------------------------------------------------
    // Checking and statistics
    // ------------------------------------------------------------------------------------------

    /** Counts from one walk of the heap. */
    public record HeapStats(long inUseBlocks, long inUseBytes, long freeBlocks, long freeBytes, long heapEnd) {
    }

    /** Walks every block from the heap start; sizes include tags. */
    public HeapStats stats() throws MemoryFault {
        if (base == 0) {
            return new HeapStats(0, 0, 0, 0, 0);
        }
        long end = heapEnd();
        long used = 0, usedBytes = 0, free = 0, freeBytes = 0;
        for (long a = base + CONTROL_SIZE; a < end - EPILOGUE; ) {
            long tag = load(a);
            long size = sizeOf(tag);
            if (size < MIN_BLOCK) {
                throw corrupted(a, "block size " + size);
            }
            if ((tag & INUSE) != 0) {
                used++;
                usedBytes += size;
            } else {
                free++;
                freeBytes += size;
            }
            a += size;
        }
        return new HeapStats(used, usedBytes, free, freeBytes, end);
    }

    /**
     * Validates the whole heap: control block, every block's tags and canary, the epilogue, no
     * adjacent free blocks, and every free list (links both ways, right bin, binmap bit, each free
     * block listed exactly once). Never throws.
     *
     * @return null if the heap is consistent, else a description of the first problem
     */
    public String checkHeap() {
        if (base == 0) {
            return null;
        }
        try {
            return new Checker().run();
        } catch (MemoryFault f) {
            return "memory fault while checking: " + f.getMessage();
        }
    }

    /** One heap check; a class so the walk and the list check can share what the walk found. */
    private final class Checker {
        private final Set<Long> freeBlocks = new HashSet<>();
        private long end;

        String run() throws MemoryFault {
            if (load(base + CB_MAGIC) != MAGIC) {
                return "control block magic overwritten";
            }
            end = load(base + CB_END);
            if ((end & (PAGE_SIZE - 1)) != 0 || end < base + CONTROL_SIZE + EPILOGUE) {
                return String.format("heap end 0x%x invalid", end);
            }
            long brk = mem.brk(0);
            if (brk < end) {
                return String.format("break 0x%x below heap end 0x%x", brk, end);
            }
            if (load(base + CONTROL_SIZE - 8) != INUSE) {
                return "prologue tag overwritten";
            }
            String problem = walkBlocks();
            return problem != null ? problem : checkBins();
        }

        private String walkBlocks() throws MemoryFault {
            boolean previousFree = false;
            long a = base + CONTROL_SIZE;
            while (a < end - EPILOGUE) {
                long tag = load(a);
                long size = sizeOf(tag);
                if ((tag & FLAG_MASK & ~INUSE) != 0 || size < MIN_BLOCK || size > end - EPILOGUE - a) {
                    return String.format("block 0x%x: bad header 0x%x", a, tag);
                }
                if (load(a + size - 8) != tag) {
                    return String.format("block 0x%x: footer 0x%x != header 0x%x", a, load(a + size - 8), tag);
                }
                boolean free = (tag & INUSE) == 0;
                if (!free && load(a + 8) != canary(a, size)) {
                    return String.format("block 0x%x: canary overwritten", a);
                }
                if (free && previousFree) {
                    return String.format("block 0x%x: free and its predecessor is free (not coalesced)", a);
                }
                if (free) {
                    freeBlocks.add(a);
                }
                previousFree = free;
                a += size;
            }
            if (a != end - EPILOGUE || load(a) != INUSE) {
                return String.format("epilogue missing at 0x%x (walk ended at 0x%x)", end - EPILOGUE, a);
            }
            return null;
        }

        private String checkBins() throws MemoryFault {
            long binmap = load(base + CB_BINMAP);
            long listed = 0;
            for (int bin = 0; bin < NBINS; bin++) {
                long head = load(binHead(bin));
                if ((head != 0) != ((binmap >>> bin & 1) != 0)) {
                    return "bin " + bin + ": binmap bit disagrees with list";
                }
                long prev = 0;
                for (long b = head; b != 0; prev = b, b = load(b + NEXT)) {
                    if (!freeBlocks.remove(b)) {
                        return String.format("bin %d: 0x%x is not a free block, or is listed twice", bin, b);
                    }
                    if (load(b + PREV) != prev) {
                        return String.format("bin %d: 0x%x prev link 0x%x, expected 0x%x", bin, b, load(b + PREV), prev);
                    }
                    if (binIndex(sizeOf(load(b))) != bin) {
                        return String.format("block 0x%x of size %d in bin %d", b, sizeOf(load(b)), bin);
                    }
                    listed++;
                }
            }
            if (!freeBlocks.isEmpty()) {
                return String.format("%d free blocks in no list, e.g. 0x%x (%d listed)",
                        freeBlocks.size(), freeBlocks.iterator().next(), listed);
            }
            return null;
        }
    }
}
