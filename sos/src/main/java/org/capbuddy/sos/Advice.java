package org.capbuddy.sos;

/**
 * The madvise advice SOS takes, by Linux's numbers, and what each does to a range. SOS models a
 * kernel built without transparent huge pages, KSM page merging and memory-failure injection (it
 * has none of them), so MADV_HUGEPAGE, MADV_NOHUGEPAGE, MADV_COLLAPSE, MADV_MERGEABLE,
 * MADV_UNMERGEABLE, MADV_HWPOISON and MADV_SOFT_OFFLINE are unknown advice there, as in such a
 * Linux: EINVAL.
 */
public enum Advice {
    NORMAL(0, Effect.HINT),
    RANDOM(1, Effect.HINT),
    SEQUENTIAL(2, Effect.HINT),
    /** Read-ahead: a page of anonymous memory is never anywhere else to be read from. */
    WILLNEED(3, Effect.HINT),
    DONTNEED(4, Effect.DISCARD),
    FREE(8, Effect.FREE),
    REMOVE(9, Effect.REMOVE),
    DONTFORK(10, Effect.HINT),
    DOFORK(11, Effect.HINT),
    DONTDUMP(16, Effect.HINT),
    DODUMP(17, Effect.HINT),
    WIPEONFORK(18, Effect.WIPE_ON_FORK),
    KEEPONFORK(19, Effect.HINT),
    /** Deactivate and reclaim: with no swap and no page cache, there is nothing to move. */
    COLD(20, Effect.LRU_HINT),
    PAGEOUT(21, Effect.LRU_HINT),
    POPULATE_READ(22, Effect.POPULATE_READ),
    POPULATE_WRITE(23, Effect.POPULATE_WRITE),
    /** MADV_DONTNEED for locked pages too: SOS's mlock locks nothing, so it is DONTNEED. */
    DONTNEED_LOCKED(24, Effect.DISCARD);

    /** What an advice does to the pages of its range. */
    public enum Effect {
        /** Nothing to do: SOS's memory is always resident and never shared with a child. */
        HINT,
        /** Like HINT, but refused (EINVAL) on memory the page reclaim cannot take (the IPC buffer). */
        LRU_HINT,
        /** The pages are unmapped and their frames freed: the next touch reads zeros (or the program image). */
        DISCARD,
        /** DISCARD, for anonymous memory only (EINVAL for pages a program image fills). */
        FREE,
        /** Punching a hole in a shared file mapping's file: SOS has none (EINVAL, or EACCES for a private image page). */
        REMOVE,
        /** Accepted for anonymous private memory only: there is no fork to wipe it in. */
        WIPE_ON_FORK,
        /** The pages are mapped now, as a read would (EINVAL where a read is not allowed). */
        POPULATE_READ,
        /** The pages are mapped now, as a write would (EINVAL where a write is not allowed). */
        POPULATE_WRITE
    }

    private final int number;
    private final Effect effect;

    Advice(int number, Effect effect) {
        this.number = number;
        this.effect = effect;
    }

    public int number() {
        return number;
    }

    public Effect effect() {
        return effect;
    }

    /** The advice with this number, or null for one SOS does not know (madvise's EINVAL). */
    public static Advice of(int number) {
        for (Advice a : values()) {
            if (a.number == number) {
                return a;
            }
        }
        return null;
    }
}
