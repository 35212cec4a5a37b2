package org.capbuddy.sos.paging;

/**
 * Second chance (the clock): pages sit in a circle in the order they became resident, each
 * with a reference bit, set when it is mapped. The hand looks at the page under it: referenced,
 * its bit is cleared and the hand moves on; unreferenced, it is the victim. seL4 keeps no
 * accessed bits, so clearing one is done as AOS does it: SOS unmaps the page and keeps its
 * frame, and a later touch is a soft fault that maps it again and sets the bit.
 *
 * <p>The circle, with its renames and the undo of a search, is {@link ClockPolicy}'s, shared with
 * {@link EnhancedSecondChancePolicy}; this class is the hand's rule.
 */
public final class SecondChancePolicy<K> extends ClockPolicy<K> {
    public static final String NAME = "second-chance";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public K victim(Scan<K> scan) {
        beginSearch();
        // Two full turns at most: the first may clear every bit, the second then finds a victim.
        int steps = 2 * size() + 1;
        for (int i = 0; i < steps && size() > 0; i++) {
            K page = underHand();
            boolean referenced = referencedBit(page);
            boolean pinned = scan.pinned(page);
            if (!pinned && !referenced) {
                return page;
            }
            pass(page, referenced && (pinned || !scan.unreference(page)));
        }
        return null;
    }
}
