package org.capbuddy.sos.paging;

import java.util.Arrays;
import java.util.BitSet;
import java.util.HashMap;
import java.util.Map;
import org.capbuddy.libos.vka.AllocErrorKind;
import org.capbuddy.libos.vka.Result;

/**
 * SOS's page file: a modelled swap device of 4 KiB slots (seL4 has no disks; the page file is
 * SOS's, as the AOS page file lives on SOS's NFS mount). Slots are handed out lowest first; a
 * slot's contents are held on the host only while it is in use and has been written, so a large
 * page file costs nothing until pages go to it. Counts are exact: pages written and read, slots
 * in use and the most ever in use at once.
 */
public final class PageFile {
    /** Bytes in one slot: one page. */
    public static final int SLOT_BYTES = 4096;
    /** The most slots a page file may have (2^26 slots: 256 GiB of pages). */
    public static final int MAX_SLOTS = 1 << 26;

    private final int capacity;
    private final BitSet used = new BitSet();
    private final Map<Integer, byte[]> contents = new HashMap<>();
    private int inUse;
    private int peak;
    /** The slot whose take last raised the peak, so that undoing that take lowers it again; -1 for none. */
    private int peakSlot = -1;
    private long written;
    private long read;

    /** Done when {@code pages} is a page file's size in SOS's settings (0: no paging, else 1 .. {@link #MAX_SLOTS}), else why not. */
    public static Result<Void> check(int pages) {
        if (pages < 0 || pages > MAX_SLOTS) {
            return Result.fail(AllocErrorKind.BAD_ARGUMENT, "the page file must have 0 (no paging).." + MAX_SLOTS
                    + " pages, got " + pages);
        }
        return Result.done();
    }

    /** A page file of {@code capacity} slots, or why not: a page file has 1 .. {@link #MAX_SLOTS}. */
    public static Result<PageFile> of(int capacity) {
        if (capacity < 1 || capacity > MAX_SLOTS) {
            return Result.fail(AllocErrorKind.BAD_ARGUMENT, "a page file has 1.." + MAX_SLOTS + " slots, got "
                    + capacity);
        }
        return Result.ok(new PageFile(capacity));
    }

    private PageFile(int capacity) {
        this.capacity = capacity;
    }

    /** A free slot, now in use (its contents all zero until written), or -1 when every slot is in use. */
    public int alloc() {
        int slot = used.nextClearBit(0);
        if (slot >= capacity) {
            return -1;
        }
        take(slot);
        return slot;
    }

    /**
     * Takes the free slot {@code slot} into use again with {@code page} as its contents (a page's
     * worth): how an undone page-in gives the page back the slot it had. False, changing nothing,
     * when the slot is out of range, in use, or the page is not a page.
     */
    public boolean retake(int slot, byte[] page) {
        if (slot < 0 || slot >= capacity || used.get(slot) || page == null || page.length != SLOT_BYTES) {
            return false;
        }
        take(slot);
        contents.put(slot, page.clone());
        return true;
    }

    private void take(int slot) {
        used.set(slot);
        inUse++;
        if (inUse > peak) {
            peak = inUse;
            peakSlot = slot;
        }
    }

    /**
     * Undoes {@link #alloc} of slot {@code slot} (a page-out that failed before or at its write):
     * frees it and, when its take raised the peak, puts the peak back, so that an undone page-out
     * leaves no trace. Undos come last-first, so the take being undone is the latest. False,
     * changing nothing, when the slot is not in use.
     */
    public boolean unalloc(int slot) {
        boolean raisedPeak = slot == peakSlot && inUse == peak;
        if (!free(slot)) {
            return false;
        }
        if (raisedPeak) {
            peak--;
            peakSlot = -1;
        }
        return true;
    }

    /** Writes a page ({@code src[off .. off + 4096)}) to slot {@code slot}, which must be in use; false if not. */
    public boolean write(int slot, byte[] src, int off) {
        if (!inUse(slot) || src == null || off < 0 || off > src.length - SLOT_BYTES) {
            return false;
        }
        contents.put(slot, Arrays.copyOfRange(src, off, off + SLOT_BYTES));
        written++;
        return true;
    }

    /** Reads slot {@code slot}, which must be in use, into {@code dst[off .. off + 4096)}; false if it is not. */
    public boolean read(int slot, byte[] dst, int off) {
        if (!inUse(slot) || dst == null || off < 0 || off > dst.length - SLOT_BYTES) {
            return false;
        }
        byte[] page = contents.get(slot);
        if (page == null) {
            Arrays.fill(dst, off, off + SLOT_BYTES, (byte) 0);
        } else {
            System.arraycopy(page, 0, dst, off, SLOT_BYTES);
        }
        read++;
        return true;
    }

    /**
     * {@code length} bytes of slot {@code slot} from {@code offset}, copied into {@code dst} at
     * {@code off} without counting a page read: SOS looking at a paged-out page (a report, a
     * watch), not bringing it back. False when the slot is not in use or a range is bad.
     */
    public boolean peek(int slot, int offset, byte[] dst, int off, int length) {
        if (!inUse(slot) || dst == null || offset < 0 || length < 0 || offset > SLOT_BYTES - length || off < 0
                || off > dst.length - length) {
            return false;
        }
        byte[] page = contents.get(slot);
        if (page == null) {
            Arrays.fill(dst, off, off + length, (byte) 0);
        } else {
            System.arraycopy(page, offset, dst, off, length);
        }
        return true;
    }

    /** Frees slot {@code slot} and drops its contents; false, changing nothing, when it is not in use. */
    public boolean free(int slot) {
        if (!inUse(slot)) {
            return false;
        }
        used.clear(slot);
        contents.remove(slot);
        inUse--;
        return true;
    }

    /**
     * Frees slot {@code slot} and hands over its contents, which the page file no longer holds
     * (a new page of zeros for a slot never written): what an undo needs to {@link #retake} the
     * slot exactly, without a copy. Null, changing nothing, when the slot is not in use.
     */
    public byte[] release(int slot) {
        if (!inUse(slot)) {
            return null;
        }
        byte[] page = contents.get(slot);
        free(slot);
        return page != null ? page : new byte[SLOT_BYTES];
    }

    /**
     * Undoes a page-out that failed after its {@link #write}: slot {@code slot} is freed and the
     * write no longer counted. False, changing nothing, when the slot is not in use or was never written.
     */
    public boolean unwrite(int slot) {
        if (!inUse(slot) || !contents.containsKey(slot) || written == 0) {
            return false;
        }
        written--;
        return unalloc(slot);
    }

    /** Undoes the count of a page-in that failed after its {@link #read}; false when no read is counted. */
    public boolean unread() {
        if (read == 0) {
            return false;
        }
        read--;
        return true;
    }

    public boolean inUse(int slot) {
        return slot >= 0 && slot < capacity && used.get(slot);
    }

    public int capacity() {
        return capacity;
    }

    public int slotsInUse() {
        return inUse;
    }

    /** The most slots in use at once so far. */
    public int peakSlotsInUse() {
        return peak;
    }

    /** Pages written to slots. */
    public long pagesWritten() {
        return written;
    }

    /** Pages read back from slots. */
    public long pagesRead() {
        return read;
    }

    /** Slots whose contents the host holds now (written and still in use). */
    public int slotsHeld() {
        return contents.size();
    }
}
