package org.capbuddy.libos.allocman.mspace;

import org.capbuddy.libos.vka.AllocErrorKind;
import org.capbuddy.libos.vka.Result;

/**
 * First-fit heap over a growable range of addresses, in 16-byte units, with coalescing: the role
 * of allocman's {@code k_r_malloc}. It only accounts addresses (the records live as Java
 * objects); what it decides is how many bytes the bookkeeping occupies and when its pool must
 * grow.
 *
 * <p>Free space is a set of runs (start address, length), kept coalesced, in {@link FreeRuns},
 * which finds the first fit without walking the runs below it; the heap covers [base, top), and
 * {@link #extend} moves the top up when the owner has made more memory.
 */
final class FreeListHeap {
    static final long UNIT = 16;
    /** What {@link #runBelowIfAllocated} returns for a range that is not allocated. */
    private static final int NOT_ALLOCATED = -2;

    private final long base;
    private long top;
    private final FreeRuns free = new FreeRuns();
    private long bytesInUse;

    FreeListHeap(long base, long initialSize) {
        this.base = base;
        this.top = base;
        extend(initialSize);
    }

    /** Whether {@code bytes} can be a run of this heap: positive and no larger than it (near 2^63 rounding would wrap). */
    private boolean isRequestSize(long bytes) {
        return bytes > 0 && bytes <= top - base;
    }

    static long round(long bytes) {
        return (bytes + UNIT - 1) / UNIT * UNIT;
    }

    /** The address of the lowest free run of {@code bytes} (rounded to units) or more, or -1 if none fits. */
    long alloc(long bytes) {
        if (!isRequestSize(bytes)) {
            return -1;
        }
        long size = round(bytes);
        int run = free.firstAtLeast(size);
        if (run == FreeRuns.NONE) {
            return -1;
        }
        long addr = free.start(run);
        long length = free.length(run);
        if (length > size) {
            free.replace(run, addr + size, length - size);
        } else {
            free.removeAt(run);
        }
        bytesInUse += bytes;
        return addr;
    }

    /** True if [address, address + bytes) is inside the heap and overlaps no free run. */
    boolean isAllocated(long address, long bytes) {
        return runBelowIfAllocated(address, bytes) != NOT_ALLOCATED;
    }

    /**
     * For an allocated range, the free run below it ({@code free.floor(address)}, perhaps
     * {@link FreeRuns#NONE}); else {@link #NOT_ALLOCATED}. One search answers both: no run starts
     * inside an allocated range, so the last run starting at or below its end is the one below its start.
     */
    private int runBelowIfAllocated(long address, long bytes) {
        if (!isRequestSize(bytes)) {
            return NOT_ALLOCATED;
        }
        long size = round(bytes);
        if (address < base || address > top - size || (address - base) % UNIT != 0) {
            return NOT_ALLOCATED;
        }
        int below = free.floor(address + size - 1);
        return below == FreeRuns.NONE || free.start(below) + free.length(below) <= address ? below : NOT_ALLOCATED;
    }

    /** Returns a run if it is allocated here, else says why not (naming the pool). */
    Result<Void> freeChecked(long address, long bytes, String pool) {
        int below = runBelowIfAllocated(address, bytes);
        if (below == NOT_ALLOCATED) {
            return Result.fail(AllocErrorKind.NOT_ALLOCATED,
                    "0x" + Long.toHexString(address) + " (" + bytes + " bytes) is not allocated in the " + pool);
        }
        insertFree(address, round(bytes), below);
        bytesInUse -= bytes;
        return Result.done();
    }

    /** Returns a run; the caller has checked {@link #isAllocated}. */
    void free(long address, long bytes) {
        long size = round(bytes);
        insertFree(address, size, free.floor(address));
        bytesInUse -= bytes;
    }

    /** Adds [top, top + bytes) to the heap; {@code bytes} is a multiple of the unit. */
    void extend(long bytes) {
        if (bytes <= 0) {
            return;
        }
        long oldTop = top;
        top += bytes;
        insertFree(oldTop, bytes, free.floor(oldTop));
    }

    /**
     * Puts [start, start + length) on the free runs, merged with free neighbours. {@code before}
     * is {@code free.floor(start)}; no run starts inside the range, so the run after {@code before}
     * is the only one the range can run into, and every step below is at a known position: no
     * further search (a free took five before, and these are allocman's every record).
     */
    private void insertFree(long start, long length, int before) {
        if (length <= 0 || start + length < start || (before != FreeRuns.NONE && free.start(before) == start)) {
            // Not a range the heap hands out (empty, wrapping, or already free at its start):
            // merged as a search would merge it, whatever comes of that.
            insertFreeBySearch(start, length);
            return;
        }
        boolean joinsBefore = before != FreeRuns.NONE && free.start(before) + free.length(before) == start;
        int after = before == FreeRuns.NONE ? free.first() : free.next(before);
        boolean joinsAfter = after != FreeRuns.NONE && free.start(after) == start + length;
        if (joinsBefore && joinsAfter) {
            // Lengthen the run below first: removing the one above may move runs between blocks.
            free.setLengthAt(before, free.length(before) + length + free.length(after));
            free.removeAt(after);
        } else if (joinsBefore) {
            free.setLengthAt(before, free.length(before) + length);
        } else if (joinsAfter) {
            // The run above gives up nothing and gains a front: its place in the order stays.
            free.replace(after, start, length + free.length(after));
        } else {
            free.put(start, length);
        }
    }

    /** {@link #insertFree}'s meaning by searches alone, for a range outside what the heap hands out. */
    private void insertFreeBySearch(long start, long length) {
        int before = free.floor(start);
        boolean joinsBefore = before != FreeRuns.NONE && free.start(before) + free.length(before) == start;
        if (joinsBefore) {
            // The run below grows: the put at the end replaces it, so it is not removed here.
            start = free.start(before);
            length += free.length(before);
        }
        int after = free.find(start + length);
        // (Only a wrapped length could bring the lookup back to the run below, already taken in.)
        if (after != FreeRuns.NONE && !(joinsBefore && after == before)) {
            length += free.length(after);
            free.removeAt(after);
        }
        free.put(start, length);
    }

    /**
     * Removes whole {@code granule}-sized blocks from the top while they are free and above
     * {@code floor}; returns how many bytes were removed.
     */
    long shrinkTop(long granule, long floor) {
        int last = free.last();
        if (last == FreeRuns.NONE || free.start(last) + free.length(last) != top) {
            return 0;
        }
        long lastStart = free.start(last);
        long newTop = Math.max(floor, (lastStart + granule - 1) / granule * granule);
        if (newTop >= top) {
            return 0;
        }
        long removed = top - newTop;
        if (newTop > lastStart) {
            free.replace(last, lastStart, newTop - lastStart);
        } else {
            free.removeAt(last);
        }
        top = newTop;
        return removed;
    }

    long base() {
        return base;
    }

    long top() {
        return top;
    }

    boolean contains(long address) {
        return address >= base && address < top;
    }

    long bytesInUse() {
        return bytesInUse;
    }

    long bytesFree() {
        return free.totalLength();
    }
}
