package org.capbuddy.sos.paging;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Second chance (the clock): pages sit in a circle in the order they became resident, each
 * with a reference bit, set when it is mapped. The hand looks at the page under it: referenced,
 * its bit is cleared and the hand moves on; unreferenced, it is the victim. seL4 keeps no
 * accessed bits, so clearing one is done as AOS does it: SOS unmaps the page and keeps its
 * frame, and a later touch is a soft fault that maps it again and sets the bit.
 *
 * <p>The circle is kept as a queue whose head is under the hand: passing a page moves it to the
 * tail, and a new page joins at the tail, just behind the hand, where a clock inserts it.
 */
public final class SecondChancePolicy<K> implements ReplacementPolicy<K> {
    public static final String NAME = "second-chance";

    /** Page to its reference bit, in clock order from the hand. */
    private final LinkedHashMap<K, Boolean> clock = new LinkedHashMap<>();

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public void resident(K page) {
        clock.remove(page);
        clock.put(page, Boolean.TRUE);
    }

    @Override
    public void referenced(K page) {
        clock.replace(page, Boolean.TRUE);
    }

    @Override
    public void gone(K page) {
        clock.remove(page);
    }

    @Override
    public K victim(Scan<K> scan) {
        // Two full turns at most: the first may clear every bit, the second then finds a victim.
        int steps = 2 * clock.size() + 1;
        for (int i = 0; i < steps && !clock.isEmpty(); i++) {
            Map.Entry<K, Boolean> head = clock.entrySet().iterator().next();
            K page = head.getKey();
            if (scan.pinned(page)) {
                pass(page, head.getValue());
            } else if (!head.getValue()) {
                return page;
            } else if (scan.unreference(page)) {
                pass(page, Boolean.FALSE);
            } else {
                pass(page, Boolean.TRUE);
            }
        }
        return null;
    }

    /** Moves the hand past {@code page}, leaving its bit {@code bit}. */
    private void pass(K page, Boolean bit) {
        clock.remove(page);
        clock.put(page, bit);
    }

    /** Whether {@code page} is resident with its reference bit set (for tests and dumps). */
    public boolean isReferenced(K page) {
        return Boolean.TRUE.equals(clock.get(page));
    }

    @Override
    public int size() {
        return clock.size();
    }
}
