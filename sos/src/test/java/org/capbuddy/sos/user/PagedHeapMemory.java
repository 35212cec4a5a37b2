package org.capbuddy.sos.user;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * A test-only user address space that holds nothing but a heap: 4 KiB pages in a map, present
 * only in {@code [base, break)}. Any access outside that range faults, which is how the tests
 * check that the allocator never touches memory beyond the break.
 *
 * <p>Stricter than SOS in two ways, to flush out allocator bugs: accesses must be naturally
 * aligned, and fresh pages are filled with a poison byte instead of zeros (the allocator must
 * not rely on fresh memory being zero). Shrinking the break drops every page wholly above it;
 * growing again gives poisoned pages.
 */
final class PagedHeapMemory implements UserMemory {
    static final int PAGE = 4096;
    static final byte POISON = (byte) 0xA5;
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    private final Map<Long, byte[]> pages;
    private final long base;
    private long brk;
    private long limit = Long.MAX_VALUE;

    // The allocator streams through one page at a time; remembering it keeps the map out of most accesses.
    private long cachedPageNumber = -1;
    private byte[] cachedPage;

    private int brkCalls;
    private int grows;
    private int shrinks;
    private int refusals;
    private long peakBreak;
    private long pagesReleased;

    PagedHeapMemory(long base) {
        this(base, base, new HashMap<>());
    }

    private PagedHeapMemory(long base, long brk, Map<Long, byte[]> pages) {
        this.base = base;
        this.brk = brk;
        this.peakBreak = brk;
        this.pages = pages;
    }

    /** A deep copy, as fork would make: same break, same bytes, independent afterwards. */
    PagedHeapMemory fork() {
        Map<Long, byte[]> copy = new HashMap<>();
        pages.forEach((n, p) -> copy.put(n, p.clone()));
        return new PagedHeapMemory(base, brk, copy);
    }

    /** brk refuses any break above this (the process's heap region limit). */
    void setLimit(long limit) {
        this.limit = limit;
    }

    /** Moves the break without the allocator knowing: another brk user in the process. */
    void foreignBrk(long newBreak) {
        setBreak(newBreak);
    }

    @Override
    public long load(long vaddr, int size) throws MemoryFault {
        byte[] page = page(vaddr, size);
        int off = (int) (vaddr & (PAGE - 1));
        switch (size) {
            case 8:
                return (long) LONGS.get(page, off);
            case 1:
                return page[off] & 0xFFL;
            default:
                long v = 0;
                for (int i = size - 1; i >= 0; i--) {
                    v = v << 8 | (page[off + i] & 0xFFL);
                }
                return v;
        }
    }

    @Override
    public void store(long vaddr, int size, long value) throws MemoryFault {
        byte[] page = page(vaddr, size);
        int off = (int) (vaddr & (PAGE - 1));
        if (size == 8) {
            LONGS.set(page, off, value);
            return;
        }
        for (int i = 0; i < size; i++) {
            page[off + i] = (byte) (value >>> (8 * i));
        }
    }

    @Override
    public long brk(long newBreak) {
        brkCalls++;
        if (newBreak == 0) {
            return brk;
        }
        if (newBreak < base || newBreak > limit) {
            refusals++;
            return brk;
        }
        if (newBreak > brk) {
            grows++;
        } else if (newBreak < brk) {
            shrinks++;
        }
        setBreak(newBreak);
        return brk;
    }

    private void setBreak(long newBreak) {
        long firstGone = (newBreak + PAGE - 1) / PAGE;
        long before = pages.size();
        pages.keySet().removeIf(n -> n >= firstGone);
        pagesReleased += before - pages.size();
        cachedPageNumber = -1;
        brk = newBreak;
        peakBreak = Math.max(peakBreak, brk);
    }

    private byte[] page(long vaddr, int size) throws MemoryFault {
        if (size != 1 && size != 2 && size != 4 && size != 8) {
            throw new IllegalArgumentException("access size " + size);
        }
        if ((vaddr & (size - 1)) != 0) {
            throw new MemoryFault(vaddr, "unaligned " + size + "-byte access");
        }
        if (vaddr < base || vaddr > brk - size) {
            throw new MemoryFault(vaddr, String.format("outside heap [0x%x, 0x%x)", base, brk));
        }
        long number = vaddr / PAGE;
        if (number != cachedPageNumber) {
            cachedPage = pages.computeIfAbsent(number, n -> {
                byte[] fresh = new byte[PAGE];
                Arrays.fill(fresh, POISON);
                return fresh;
            });
            cachedPageNumber = number;
        }
        return cachedPage;
    }

    long base() {
        return base;
    }

    long currentBreak() {
        return brk;
    }

    int brkCalls() {
        return brkCalls;
    }

    int grows() {
        return grows;
    }

    int shrinks() {
        return shrinks;
    }

    int refusals() {
        return refusals;
    }

    long peakBreak() {
        return peakBreak;
    }

    /** Pages touched and still below the break (a real VM would hold a frame for each). */
    int residentPages() {
        return pages.size();
    }

    long pagesReleased() {
        return pagesReleased;
    }
}
