package org.capbuddy.fuzz.sos;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The fuzzer's expectation of one process's memory: which pages SOS has mapped for it (every page
 * an access was allowed to touch) and what each holds. Sparse: a page that was mapped but never
 * written holds zeros and costs no array, and a private page given back (brk shrink, munmap) is
 * forgotten, so it reads as zero when it is mapped again. A page of a MAP_SHARED mapping holds its
 * object's {@link Cell} ({@link ModelShared}): every process mapping it stores to and loads from
 * the same bytes, which outlive this process's mapping of them.
 */
final class ModelMemory {
    static final int PAGE = 4096;
    private static final int PAGE_BITS = 12;

    /** A page's bytes (null while all zero), and who last stored to them (-1: nobody yet). */
    static final class Cell {
        final boolean shared;
        byte[] bytes;
        int writer = -1;

        Cell(boolean shared) {
            this.shared = shared;
        }
    }

    /** A mapped page: its address, where it sits in {@link #order}, and its bytes. */
    private static final class Page {
        final long address;
        int index;
        Cell cell;

        Page(long address, int index, Cell cell) {
            this.address = address;
            this.index = index;
            this.cell = cell;
        }
    }

    /** The pid whose memory this is, recorded as the writer of what it stores. */
    private final int owner;
    private final SharingCounts counts;

    /**
     * Keyed by page number, not address: page addresses all end in twelve zero bits, which
     * HashMap's hash spreading does not recover, so they pile up in a few buckets.
     */
    private final HashMap<Long, Page> pages = new HashMap<>();
    /** The mapped pages in no particular order, so that one can be picked at random in O(1). */
    private final ArrayList<Page> order = new ArrayList<>();

    ModelMemory(int owner, SharingCounts counts) {
        this.owner = owner;
        this.counts = counts;
    }

    /**
     * A copy of this memory for a forked child {@code child}: the same private pages, each with
     * bytes of its own; none of the shared pages, which the child maps from their objects at its
     * own first touch (Linux's fork leaves a shared mapping's entries to be faulted in).
     */
    ModelMemory copy(int child) {
        ModelMemory c = new ModelMemory(child, counts);
        for (Page page : order) {
            if (page.cell.shared) {
                continue;
            }
            c.map(page.address);
            Cell copied = c.find(page.address).cell;
            copied.bytes = page.cell.bytes == null ? null : page.cell.bytes.clone();
            copied.writer = page.cell.writer;
        }
        return c;
    }

    /** Mapped pages that are shared objects' pages. */
    int sharedCount() {
        int n = 0;
        for (Page page : order) {
            n += page.cell.shared ? 1 : 0;
        }
        return n;
    }

    private Page find(long va) {
        return pages.get(va >>> PAGE_BITS);
    }

    boolean isMapped(long page) {
        return find(page) != null;
    }

    /** Records that SOS mapped the (zero-filled) private page at {@code page}; no effect if it is mapped. */
    void map(long page) {
        mapCell(page, null);
    }

    /** Records that SOS mapped the shared page at {@code page}, whose bytes are {@code cell}; no effect if it is mapped. */
    void mapShared(long page, Cell cell) {
        mapCell(page, cell);
    }

    private void mapCell(long page, Cell cell) {
        if (find(page) == null) {
            Page added = new Page(page & -PAGE, order.size(), cell == null ? new Cell(false) : cell);
            pages.put(page >>> PAGE_BITS, added);
            order.add(added);
        }
    }

    int mappedCount() {
        return order.size();
    }

    /** A mapped page chosen at random; there must be one. */
    long randomMapped(SplittableRandom random) {
        return order.get(random.nextInt(order.size())).address;
    }

    /** The mapped pages, ascending. */
    List<Long> mappedPages() {
        List<Long> sorted = new ArrayList<>(order.size());
        for (Page page : order) {
            sorted.add(page.address);
        }
        sorted.sort(null);
        return sorted;
    }

    /** Forgets every mapped page in [base, end): SOS unmapped them and freed their frames. */
    void release(long base, long end) {
        // Walk the mapped pages rather than the range: a range can span gigabytes.
        for (int i = order.size() - 1; i >= 0; i--) {
            Page page = order.get(i);
            if (page.address >= base && page.address < end) {
                remove(page);
            }
        }
    }

    /** Moves the mapped pages of [from, from + length) to the same offsets from {@code to}, bytes and all. */
    void move(long from, long to, long length) {
        List<Page> moving = new ArrayList<>();
        for (Page page : order) {
            if (page.address >= from && page.address < from + length) {
                moving.add(page);
            }
        }
        for (Page page : moving) {
            remove(page);
        }
        for (Page page : moving) {
            long address = to + (page.address - from);
            mapCell(address, page.cell);
        }
    }

    private void remove(Page gone) {
        pages.remove(gone.address >>> PAGE_BITS);
        Page last = order.remove(order.size() - 1);
        if (last != gone) {
            order.set(gone.index, last);
            last.index = gone.index;
        }
    }

    /** {@code size} bytes (at most 8) little-endian at {@code va}, every page of them mapped. */
    long load(long va, int size) {
        long value = 0;
        Page page = find(va);
        boolean others = writtenByOther(page);
        for (int i = 0; i < size; i++) {
            long at = va + i;
            if (i > 0 && (at & (PAGE - 1)) == 0) {
                page = find(at);
                others |= writtenByOther(page);
            }
            byte[] bytes = page.cell.bytes;
            int b = bytes == null ? 0 : bytes[(int) (at & (PAGE - 1))] & 0xFF;
            value |= (long) b << (8 * i);
        }
        if (others) {
            counts.crossRead();
        }
        return value;
    }

    /** Stores the low {@code size} bytes of {@code value} little-endian at {@code va}, every page mapped. */
    void store(long va, int size, long value) {
        Page page = find(va);
        for (int i = 0; i < size; i++) {
            long at = va + i;
            if (i > 0 && (at & (PAGE - 1)) == 0) {
                page = find(at);
            }
            byte b = (byte) (value >>> (8 * i));
            Cell cell = page.cell;
            cell.writer = owner;
            if (cell.bytes == null) {
                if (b == 0) {
                    continue;
                }
                cell.bytes = new byte[PAGE];
            }
            cell.bytes[(int) (at & (PAGE - 1))] = b;
        }
    }

    /** {@code length} bytes from {@code va}, every page mapped. */
    byte[] copy(long va, int length) {
        byte[] out = new byte[length];
        boolean others = false;
        for (int done = 0; done < length; ) {
            long at = va + done;
            int offset = (int) (at & (PAGE - 1));
            int run = Math.min(length - done, PAGE - offset);
            Page page = find(at);
            others |= writtenByOther(page);
            byte[] bytes = page.cell.bytes;
            if (bytes != null) {
                System.arraycopy(bytes, offset, out, done, run);
            }
            done += run;
        }
        if (others) {
            counts.crossRead();
        }
        return out;
    }

    /** The whole page at {@code page} as the model expects it. */
    byte[] page(long page) {
        byte[] bytes = find(page).cell.bytes;
        return bytes == null ? new byte[PAGE] : bytes.clone();
    }

    /** Whether {@code page} is a shared one whose last store was another process's. */
    private boolean writtenByOther(Page page) {
        return page.cell.shared && page.cell.writer >= 0 && page.cell.writer != owner;
    }
}
