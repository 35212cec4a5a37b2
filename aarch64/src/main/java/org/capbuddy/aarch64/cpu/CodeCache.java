package org.capbuddy.aarch64.cpu;

import java.util.Arrays;
import org.capbuddy.aarch64.decode.Insn;

/**
 * Decoded instructions by virtual page: a direct-mapped set of {@link #PAGES} pages of 1,024
 * slots, each filled when its instruction is first fetched, with the page's translated blocks and
 * the entry counts that decide which blocks are worth translating. It is valid while the memory's
 * {@link GuestMemory#codeVersion()} stays what it was when the cache was last cleared; the
 * interpreter clears it when that changes, which drops the translations with the instructions.
 */
final class CodeCache {
    static final int PAGES = 32;
    private static final long NO_PAGE = 1; // never a page base: not 4 KiB aligned

    /** One page's slots: instruction i is at page base + 4i. */
    static final class Page {
        final Insn[] insns = new Insn[1024];
        /** The block that starts at each slot, once translated. */
        final TranslatedBlock[] blocks = new TranslatedBlock[1024];
        /** How often the interpreter entered a block at each slot before it was translated. */
        final int[] entries = new int[1024];

        void empty() {
            Arrays.fill(insns, null);
            Arrays.fill(blocks, null);
            Arrays.fill(entries, 0);
        }
    }

    private final long[] bases = new long[PAGES];
    private final Page[] pages = new Page[PAGES];

    CodeCache() {
        clear();
    }

    /** The slots of the page at {@code base}, emptied if another page used them. */
    Page page(long base) {
        int set = (int) (base >>> 12) & (PAGES - 1);
        Page page = pages[set];
        if (bases[set] == base) {
            return page;
        }
        if (page == null) {
            page = new Page();
            pages[set] = page;
        } else {
            page.empty();
        }
        bases[set] = base;
        return page;
    }

    void clear() {
        Arrays.fill(bases, NO_PAGE);
    }
}
