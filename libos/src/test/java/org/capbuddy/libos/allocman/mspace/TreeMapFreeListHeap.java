package org.capbuddy.libos.allocman.mspace;

import java.util.Map;
import java.util.TreeMap;
import org.capbuddy.libos.vka.AllocErrorKind;
import org.capbuddy.libos.vka.Result;

/**
 * The reference for {@link FreeListHeap}: the heap as it was before its free runs moved to
 * {@link FreeRuns}, with a {@code TreeMap} walked in address order for the first fit. Kept word
 * for word (but for this comment and the name) so the differential test compares the new heap
 * with the old one's every answer.
 */
final class TreeMapFreeListHeap {
    static final long UNIT = 16;

    private final long base;
    private long top;
    private final TreeMap<Long, Long> free = new TreeMap<>();
    private long bytesInUse;

    TreeMapFreeListHeap(long base, long initialSize) {
        this.base = base;
        this.top = base;
        extend(initialSize);
    }

    static long round(long bytes) {
        return (bytes + UNIT - 1) / UNIT * UNIT;
    }

    /** The address of a free run of {@code bytes} (rounded to units), or -1 if none fits. */
    long alloc(long bytes) {
        long size = round(bytes);
        for (Map.Entry<Long, Long> e : free.entrySet()) {
            // Read both before removing: TreeMap reuses a removed node for its successor.
            long addr = e.getKey();
            long length = e.getValue();
            if (length >= size) {
                free.remove(addr);
                if (length > size) {
                    free.put(addr + size, length - size);
                }
                bytesInUse += bytes;
                return addr;
            }
        }
        return -1;
    }

    /** True if [address, address + bytes) is inside the heap and overlaps no free run. */
    boolean isAllocated(long address, long bytes) {
        long size = round(bytes);
        if (address < base || address + size > top || (address - base) % UNIT != 0 || bytes <= 0) {
            return false;
        }
        Map.Entry<Long, Long> below = free.floorEntry(address + size - 1);
        return below == null || below.getKey() + below.getValue() <= address;
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

    /** Puts [start, start + length) on the free map, merged with free neighbours. */
    private void insertFree(long start, long length) {
        Map.Entry<Long, Long> before = free.floorEntry(start);
        if (before != null && before.getKey() + before.getValue() == start) {
            start = before.getKey();
            length += before.getValue();
            free.remove(before.getKey());
        }
        Long afterLength = free.get(start + length);
        if (afterLength != null) {
            free.remove(start + length);
            length += afterLength;
        }
        free.put(start, length);
    }

    /**
     * Removes whole {@code granule}-sized blocks from the top while they are free and above
     * {@code floor}; returns how many bytes were removed.
     */
    long shrinkTop(long granule, long floor) {
        Map.Entry<Long, Long> last = free.lastEntry();
        if (last == null || last.getKey() + last.getValue() != top) {
            return 0;
        }
        long lastStart = last.getKey();
        long newTop = Math.max(floor, (lastStart + granule - 1) / granule * granule);
        if (newTop >= top) {
            return 0;
        }
        long removed = top - newTop;
        free.remove(lastStart);
        if (newTop > lastStart) {
            free.put(lastStart, newTop - lastStart);
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
        return free.values().stream().mapToLong(Long::longValue).sum();
    }
}
