package org.capbuddy.fuzz.sos;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The fuzzer's expectation of one process's memory: which pages SOS has mapped for it (every page
 * an access was allowed to touch) and what each holds. Sparse: a page that was mapped but never
 * written holds zeros and costs no array, and a page given back (brk shrink, munmap) is forgotten,
 * so it reads as zero when it is mapped again.
 */
final class ModelMemory {
    static final int PAGE = 4096;
    private static final int PAGE_BITS = 12;

    /** A mapped page: its address, where it sits in {@link #order}, and its bytes (null while all zero). */
    private static final class Page {
        final long address;
        int index;
        byte[] bytes;

        Page(long address, int index) {
            this.address = address;
            this.index = index;
        }
    }

    /**
     * Keyed by page number, not address: page addresses all end in twelve zero bits, which
     * HashMap's hash spreading does not recover, so they pile up in a few buckets.
     */
    private final HashMap<Long, Page> pages = new HashMap<>();
    /** The mapped pages in no particular order, so that one can be picked at random in O(1). */
    private final ArrayList<Page> order = new ArrayList<>();

    /** A copy of this memory for a forked child: the same pages, each with bytes of its own. */
    ModelMemory copy() {
        ModelMemory c = new ModelMemory();
        for (Page page : order) {
            c.map(page.address);
            c.find(page.address).bytes = page.bytes == null ? null : page.bytes.clone();
        }
        return c;
    }

    private Page find(long va) {
        return pages.get(va >>> PAGE_BITS);
    }

    boolean isMapped(long page) {
        return find(page) != null;
    }

    /** Records that SOS mapped the (zero-filled) page at {@code page}; no effect if it is mapped. */
    void map(long page) {
        if (find(page) == null) {
            Page added = new Page(page & -PAGE, order.size());
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
            map(address);
            find(address).bytes = page.bytes;
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
        for (int i = 0; i < size; i++) {
            long at = va + i;
            if (i > 0 && (at & (PAGE - 1)) == 0) {
                page = find(at);
            }
            int b = page.bytes == null ? 0 : page.bytes[(int) (at & (PAGE - 1))] & 0xFF;
            value |= (long) b << (8 * i);
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
            if (page.bytes == null) {
                if (b == 0) {
                    continue;
                }
                page.bytes = new byte[PAGE];
            }
            page.bytes[(int) (at & (PAGE - 1))] = b;
        }
    }

    /** {@code length} bytes from {@code va}, every page mapped. */
    byte[] copy(long va, int length) {
        byte[] out = new byte[length];
        for (int done = 0; done < length; ) {
            long at = va + done;
            int offset = (int) (at & (PAGE - 1));
            int run = Math.min(length - done, PAGE - offset);
            byte[] bytes = find(at).bytes;
            if (bytes != null) {
                System.arraycopy(bytes, offset, out, done, run);
            }
            done += run;
        }
        return out;
    }

    /** The whole page at {@code page} as the model expects it. */
    byte[] page(long page) {
        byte[] bytes = find(page).bytes;
        return bytes == null ? new byte[PAGE] : bytes.clone();
    }
}
