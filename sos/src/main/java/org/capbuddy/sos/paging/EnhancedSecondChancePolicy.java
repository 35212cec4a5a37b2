package org.capbuddy.sos.paging;

/**
 * The enhanced second chance (the clock over reference and dirty bits): a victim that is clean
 * costs no write, so the hand prefers, in turn, an unreferenced clean page, then an unreferenced
 * dirty one. One turn looks for the first without changing anything; the next looks for the
 * second, clearing the reference bits it passes; then the two again (all bits are clear by then).
 * Which pages are clean the {@link ReplacementPolicy.Scan} says (SOS: those its pager holds clean;
 * a scan that cannot tell calls every page dirty, and this is then the plain clock). Reference
 * bits are cleared as {@link SecondChancePolicy} clears them: SOS unmaps the page.
 *
 * <p>The circle, with its renames and the undo of a search, is {@link ClockPolicy}'s, shared with
 * {@link SecondChancePolicy}; this class is the hand's rule.
 */
public final class EnhancedSecondChancePolicy<K> extends ClockPolicy<K> {
    public static final String NAME = "enhanced-second-chance";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public K victim(Scan<K> scan) {
        beginSearch();
        int size = size();
        // turns 0 and 2 look for an unreferenced clean page; 1 and 3 for an unreferenced dirty one, clearing bits
        for (int turn = 0; turn < 4; turn++) {
            boolean wantClean = turn % 2 == 0;
            for (int i = 0; i < size; i++) {
                K page = underHand();
                boolean referenced = referencedBit(page);
                boolean pinned = scan.pinned(page);
                if (!pinned && !referenced && scan.clean(page) == wantClean) {
                    return page;
                }
                pass(page, referenced && (wantClean || pinned || !scan.unreference(page)));
            }
        }
        return null;
    }
}
