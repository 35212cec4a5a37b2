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
 * <p>The circle, with its renames and the undo of a search, is the {@link ClockCircle}
 * {@link SecondChancePolicy} turns too; this class is the hand's rule.
 */
public final class EnhancedSecondChancePolicy<K> implements ReplacementPolicy<K> {
    public static final String NAME = "enhanced-second-chance";

    private final ClockCircle<K> circle = new ClockCircle<>();

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public void resident(K page) {
        circle.resident(page);
    }

    @Override
    public void referenced(K page) {
        circle.referenced(page);
    }

    @Override
    public void gone(K page) {
        circle.gone(page);
    }

    @Override
    public void rename(K from, K to) {
        circle.rename(from, to);
    }

    @Override
    public K victim(Scan<K> scan) {
        circle.beginSearch();
        int size = circle.size();
        // turns 0 and 2 look for an unreferenced clean page; 1 and 3 for an unreferenced dirty one, clearing bits
        for (int turn = 0; turn < 4; turn++) {
            boolean wantClean = turn % 2 == 0;
            for (int i = 0; i < size; i++) {
                K page = circle.underHand();
                boolean referenced = circle.referencedBit(page);
                boolean pinned = scan.pinned(page);
                if (!pinned && !referenced && scan.clean(page) == wantClean) {
                    return page;
                }
                circle.pass(page, referenced && (wantClean || pinned || !scan.unreference(page)));
            }
        }
        return null;
    }

    @Override
    public K cleanVictim(Scan<K> scan) {
        return circle.firstClean(scan);
    }

    @Override
    public void undoSearch() {
        circle.undoSearch();
    }

    /** Whether {@code page} is resident with its reference bit set (for tests and dumps). */
    public boolean isReferenced(K page) {
        return circle.isReferenced(page);
    }

    @Override
    public int size() {
        return circle.size();
    }
}
