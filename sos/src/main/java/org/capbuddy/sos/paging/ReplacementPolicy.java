package org.capbuddy.sos.paging;

/**
 * Chooses which resident page goes to the page file when a frame is needed and none is free.
 * SOS tells the policy when a page becomes resident, when a soft fault shows a page was used,
 * and when a page stops being resident for any reason; the policy answers {@link #victim} with
 * one of the pages it holds. A policy knows pages only by key ({@code K}: a process's page for
 * SOS, a number for a simulator) and owns no memory itself.
 *
 * @param <K> how a page is named; equal keys name the same page
 */
public interface ReplacementPolicy<K> {

    /** What SOS offers a policy while it looks for a victim. */
    interface Scan<K> {
        /** Whether {@code page} may not be evicted now (SOS's own, or in use by a call SOS is serving). */
        boolean pinned(K page);

        /**
         * Clears {@code page}'s reference bit the only way seL4 allows: SOS unmaps it from its
         * process and keeps its frame, so its next touch is a soft fault. False when SOS could not.
         */
        boolean unreference(K page);

        /**
         * Whether {@code page} is clean: its eviction writes nothing (SOS: its pager holds it
         * clean). A scan that cannot tell says dirty, the safe answer.
         */
        default boolean clean(K page) {
            return false;
        }
    }

    /** The policy's registered name, as {@code --paging-policy} takes it. */
    String name();

    /** {@code page} is resident now, just mapped (and so referenced). */
    void resident(K page);

    /** {@code page}, resident but unreferenced, was touched again (a soft fault): it is referenced. */
    void referenced(K page);

    /** {@code page} is no longer resident (paged out, unmapped, its process gone); unknown pages are ignored. */
    void gone(K page);

    /**
     * {@code from}, resident, is now named {@code to} (mremap moved its frame): it keeps its place
     * and its reference bit, as the page itself did not change. Unknown pages are ignored.
     */
    void rename(K from, K to);

    /**
     * The page to evict, chosen among the resident pages that are not pinned, or null when there
     * is none. The policy keeps the page until SOS says it is {@link #gone}: an eviction that
     * fails leaves it resident.
     */
    K victim(Scan<K> scan);

    /**
     * The first page in the policy's order (the order {@link #victim} looks at pages in: oldest
     * first for FIFO, from under the hand for the clocks) that the scan says is clean and not
     * pinned, or null when there is none; it clears no reference bit and changes nothing. SOS
     * asks for it when the victim {@link #victim} chose is dirty and the page file has no slot
     * for it: a clean page can go without one.
     */
    K cleanVictim(Scan<K> scan);

    /**
     * Puts the policy back as it was before the last {@link #victim} search (its order and
     * reference bits), for an eviction that failed after the search; SOS maps again the pages
     * the search unreferenced. Only valid before any other call changes the policy.
     */
    void undoSearch();

    /** Resident pages the policy holds. */
    int size();
}
