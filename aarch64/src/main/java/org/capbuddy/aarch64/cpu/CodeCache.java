package org.capbuddy.aarch64.cpu;

import java.util.Arrays;
import org.capbuddy.aarch64.decode.Insn;

/**
 * Decoded instructions by virtual page: a direct-mapped set of {@link #PAGES} pages of 1,024
 * slots, each filled when its instruction is first fetched. It is valid while the memory's
 * {@link GuestMemory#codeVersion()} stays what it was when the cache was last cleared; the
 * interpreter clears it when that changes.
 */
final class CodeCache {
    static final int PAGES = 32;
    private static final long NO_PAGE = 1; // never a page base: not 4 KiB aligned

    private final long[] bases = new long[PAGES];
    private final Insn[][] pages = new Insn[PAGES][];

    CodeCache() {
        clear();
    }

    /** The slots of the page at {@code base}, emptied if another page used them. */
    Insn[] page(long base) {
        int set = (int) (base >>> 12) & (PAGES - 1);
        Insn[] page = pages[set];
        if (bases[set] == base) {
            return page;
        }
        if (page == null) {
            page = new Insn[1024];
            pages[set] = page;
        } else {
            Arrays.fill(page, null);
        }
        bases[set] = base;
        return page;
    }

    void clear() {
        Arrays.fill(bases, NO_PAGE);
    }
}
