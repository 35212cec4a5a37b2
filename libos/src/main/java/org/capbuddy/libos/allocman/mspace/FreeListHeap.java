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

    private final long base;
    private long top;
    private final FreeRuns free = new FreeRuns();
    private long bytesInUse;

    FreeListHeap(long base, long initialSize) {
        this.base = base;
        this.top = base;
        extend(initialSize);
    }

    static long round(long bytes) {
        return (bytes + UNIT - 1) / UNIT * UNIT;
    }

    /** The address of the lowest free run of {@code bytes} (rounded to units) or more, or -1 if none fits. */
    long alloc(long bytes) {
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
        long size = round(bytes);
        if (address < base || address + size > top || (address - base) % UNIT != 0 || bytes <= 0) {
            return false;
        }
        int below = free.floor(address + size - 1);
        return below == FreeRuns.NONE || free.start(below) + free.length(below) <= address;
    }

    /** Returns a run if it is allocated here, else says why not (naming the pool). */
    Result<Void> freeChecked(long address, long bytes, String pool) {
        if (!isAllocated(address, bytes)) {
            return Result.fail(AllocErrorKind.NOT_ALLOCATED,
                    "0x" + Long.toHexString(address) + " (" + bytes + " bytes) is not allocated in the " + pool);
        }
        free(address, bytes);
        return Result.done();
    }

    /** Returns a run; the caller has checked {@link #isAllocated}. */
    void free(long address, long bytes) {
        long size = round(bytes);
        insertFree(address, size);
        bytesInUse -= bytes;
    }

    /** Adds [top, top + bytes) to the heap; {@code bytes} is a multiple of the unit. */
    void extend(long bytes) {
        if (bytes <= 0) {
            return;
        }
        long oldTop = top;
        top += bytes;
        insertFree(oldTop, bytes);
    }

    /** Puts [start, start + length) on the free runs, merged with free neighbours. */
    private void insertFree(long start, long length) {
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
