package org.capbuddy.sos.paging;

/**
 * Second chance (the clock): pages sit in a circle in the order they became resident, each
 * with a reference bit, set when it is mapped. The hand looks at the page under it: referenced,
 * its bit is cleared and the hand moves on; unreferenced, it is the victim. seL4 keeps no
 * accessed bits, so clearing one is done as AOS does it: SOS unmaps the page and keeps its
 * frame, and a later touch is a soft fault that maps it again and sets the bit.
 *
 * <p>The circle, with its renames and the undo of a search, is a {@link ClockCircle}, shared with
 * {@link EnhancedSecondChancePolicy}; this class is the hand's rule.
 */
public final class SecondChancePolicy<K> implements ReplacementPolicy<K> {
    public static final String NAME = "second-chance";

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
        // Two full turns at most: the first may clear every bit, the second then finds a victim.
        int steps = 2 * circle.size() + 1;
        for (int i = 0; i < steps && circle.size() > 0; i++) {
            K page = circle.underHand();
            boolean referenced = circle.referencedBit(page);
            boolean pinned = scan.pinned(page);
            if (!pinned && !referenced) {
                return page;
            }
            circle.pass(page, referenced && (pinned || !scan.unreference(page)));
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
