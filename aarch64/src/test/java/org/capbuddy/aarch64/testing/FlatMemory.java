package org.capbuddy.aarch64.testing;

import java.util.HashMap;
import java.util.Map;
import org.capbuddy.aarch64.cpu.GuestMemory;

/**
 * A test memory for the interpreter: sparse 4 KiB pages with read, write and execute rights,
 * nothing else (no MMU, no faults delivered anywhere). An access to a page that is missing or lacks
 * the right fails. A store to a page that was fetched from, and every change of mapping, changes
 * the code version, as the kernel's memory does.
 */
public final class FlatMemory implements GuestMemory {
    public static final int R = 1;
    public static final int W = 2;
    public static final int X = 4;

    private final Map<Long, byte[]> pages = new HashMap<>();
    private final Map<Long, Integer> rights = new HashMap<>();
    private final Map<Long, Boolean> fetched = new HashMap<>();
    private boolean failed;
    private boolean demandZero;
    private Runnable handler = () -> { };
    private Runnable accessObserver = () -> { };
    private long handlerRuns;
    private long codeVersion;
    private long fetches;
    private long loads;
    private long stores;

    /**
     * From now on a load or store to an unmapped page maps it, zero-filled, read and write (as a
     * process whose every system call succeeded would see its anonymous memory); fetches still fail.
     */
    public FlatMemory demandZero() {
        demandZero = true;
        return this;
    }

    /**
     * Treats each demand-zero mapping as a fault answered by a handler: {@code handler} runs inside
     * the access (it may change registers, as a real handler may) and {@link #handlerRuns()} counts it.
     */
    public FlatMemory onDemandZero(Runnable handler) {
        this.handler = handler;
        return this;
    }

    /** Runs {@code observer} at the start of every load and store (to see the CPU state an access sees). */
    public FlatMemory observeAccesses(Runnable observer) {
        this.accessObserver = observer;
        return this;
    }

    @Override
    public long handlerRuns() {
        return handlerRuns;
    }

    /** Maps [start, start + length) rounded out to pages, zero-filled, with the given rights. */
    public FlatMemory map(long start, long length, int pageRights) {
        for (long page = start & ~0xFFFL; page < start + length; page += 4096) {
            pages.computeIfAbsent(page, p -> new byte[4096]);
            rights.put(page, pageRights);
        }
        codeVersion++;
        return this;
    }

    public FlatMemory protect(long start, long length, int pageRights) {
        for (long page = start & ~0xFFFL; page < start + length; page += 4096) {
            rights.put(page, pageRights);
        }
        codeVersion++;
        return this;
    }

    public void unmap(long start, long length) {
        for (long page = start & ~0xFFFL; page < start + length; page += 4096) {
            pages.remove(page);
            rights.remove(page);
        }
        codeVersion++;
    }

    public boolean mapped(long address) {
        return pages.containsKey(address & ~0xFFFL);
    }

    /** Writes bytes whatever the rights (a loader's view). */
    public void put(long address, byte[] bytes) {
        for (int i = 0; i < bytes.length; i++) {
            byte[] page = pages.get((address + i) & ~0xFFFL);
            if (page == null) {
                throw new IllegalArgumentException("not mapped: " + Long.toHexString(address + i));
            }
            page[(int) ((address + i) & 0xFFF)] = bytes[i];
        }
        codeVersion++;
    }

    public void putWord(long address, int word) {
        put(address, new byte[] {(byte) word, (byte) (word >>> 8), (byte) (word >>> 16), (byte) (word >>> 24)});
    }

    public long peek(long address, int size) {
        long value = 0;
        for (int i = size - 1; i >= 0; i--) {
            byte[] page = pages.get((address + i) & ~0xFFFL);
            value = (value << 8) | (page == null ? 0 : page[(int) ((address + i) & 0xFFF)] & 0xFF);
        }
        return value;
    }

    /** Whether {@code other} maps the same pages with the same rights and bytes. */
    public boolean sameContents(FlatMemory other) {
        if (!rights.equals(other.rights) || !pages.keySet().equals(other.pages.keySet())) {
            return false;
        }
        for (Map.Entry<Long, byte[]> page : pages.entrySet()) {
            if (!java.util.Arrays.equals(page.getValue(), other.pages.get(page.getKey()))) {
                return false;
            }
        }
        return true;
    }

    public long fetches() {
        return fetches;
    }

    public long loads() {
        return loads;
    }

    public long stores() {
        return stores;
    }

    private byte[] page(long address, int right) {
        long base = address & ~0xFFFL;
        Integer r = rights.get(base);
        if (r == null && demandZero && right != X) {
            map(base, 4096, R | W);
            r = R | W;
            handlerRuns++;
            handler.run();
        }
        if (r == null || (r & right) == 0) {
            return null;
        }
        return pages.get(base);
    }

    @Override
    public int fetch(long address) {
        fetches++;
        byte[] page = page(address, X);
        failed = page == null;
        if (failed) {
            return 0;
        }
        fetched.put(address & ~0xFFFL, true);
        int at = (int) (address & 0xFFF);
        return (page[at] & 0xFF) | (page[at + 1] & 0xFF) << 8 | (page[at + 2] & 0xFF) << 16 | (page[at + 3] & 0xFF) << 24;
    }

    @Override
    public long load(long address, int size) {
        loads++;
        accessObserver.run();
        long value = 0;
        for (int i = size - 1; i >= 0; i--) {
            byte[] page = page(address + i, R);
            if (page == null) {
                failed = true;
                return 0;
            }
            value = (value << 8) | (page[(int) ((address + i) & 0xFFF)] & 0xFF);
        }
        failed = false;
        return value;
    }

    @Override
    public void store(long address, int size, long value) {
        stores++;
        accessObserver.run();
        for (int i = 0; i < size; i++) {
            if (page(address + i, W) == null) {
                failed = true;
                return;
            }
        }
        for (int i = 0; i < size; i++) {
            long at = address + i;
            page(at, W)[(int) (at & 0xFFF)] = (byte) (value >>> (8 * i));
            if (fetched.containsKey(at & ~0xFFFL)) {
                codeVersion++;
            }
        }
        failed = false;
    }

    @Override
    public boolean failed() {
        return failed;
    }

    @Override
    public long codeVersion() {
        return codeVersion;
    }
}
