package org.capbuddy.sos.paging;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Second chance (the clock): pages sit in a circle in the order they became resident, each
 * with a reference bit, set when it is mapped. The hand looks at the page under it: referenced,
 * its bit is cleared and the hand moves on; unreferenced, it is the victim. seL4 keeps no
 * accessed bits, so clearing one is done as AOS does it: SOS unmaps the page and keeps its
 * frame, and a later touch is a soft fault that maps it again and sets the bit.
 *
 * <p>The circle is kept as a queue whose head is under the hand: passing a page moves it to the
 * tail, and a new page joins at the tail, just behind the hand, where a clock inserts it. Each
 * page holds its place as a number, so mremap can rename a page in place and a failed eviction
 * can put back the places and bits its search changed.
 */
public final class SecondChancePolicy<K> implements ReplacementPolicy<K> {
    public static final String NAME = "second-chance";

    /** A page's place in the queue and its reference bit. */
    private record Slot(long place, boolean referenced) {
    }

    /** What the last search changed: a page's place and bit before the search first passed it. */
    private record Passed(Object page, Slot before) {
    }

    /** Place to page, from the hand. */
    private final TreeMap<Long, K> clock = new TreeMap<>();
    private final Map<K, Slot> slots = new HashMap<>();
    private final List<Passed> lastSearch = new ArrayList<>();
    private long next;

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public void resident(K page) {
        gone(page);
        put(page, new Slot(next++, true));
    }

    @Override
    public void referenced(K page) {
        Slot s = slots.get(page);
        if (s != null) {
            slots.put(page, new Slot(s.place(), true));
        }
    }

    @Override
    public void gone(K page) {
        Slot s = slots.remove(page);
        if (s != null) {
            clock.remove(s.place());
        }
    }

    @Override
    public void rename(K from, K to) {
        if (from.equals(to) || !slots.containsKey(from) || slots.containsKey(to)) {
            return;
        }
        Slot s = slots.remove(from);
        slots.put(to, s);
        clock.put(s.place(), to);
    }

    @Override
    public K victim(Scan<K> scan) {
        lastSearch.clear();
        Map<K, Boolean> seen = new HashMap<>();
        // Two full turns at most: the first may clear every bit, the second then finds a victim.
        int steps = 2 * clock.size() + 1;
        for (int i = 0; i < steps && !clock.isEmpty(); i++) {
            K page = clock.firstEntry().getValue();
            Slot s = slots.get(page);
            boolean pinned = scan.pinned(page);
            if (!pinned && !s.referenced()) {
                return page;
            }
            boolean bit = s.referenced() && (pinned || !scan.unreference(page));
            if (seen.putIfAbsent(page, Boolean.TRUE) == null) {
                lastSearch.add(new Passed(page, s));
            }
            clock.remove(s.place());
            put(page, new Slot(next++, bit));
        }
        return null;
    }

    @Override
    public K cleanVictim(Scan<K> scan) {
        for (K page : clock.values()) {
            if (scan.clean(page) && !scan.pinned(page)) {
                return page;
            }
        }
        return null;
    }

    @Override
    @SuppressWarnings("unchecked")
    public void undoSearch() {
        for (Passed p : lastSearch) {
            K page = (K) p.page();
            gone(page);
            put(page, p.before());
        }
        lastSearch.clear();
    }

    private void put(K page, Slot s) {
        slots.put(page, s);
        clock.put(s.place(), page);
    }

    /** Whether {@code page} is resident with its reference bit set (for tests and dumps). */
    public boolean isReferenced(K page) {
        Slot s = slots.get(page);
        return s != null && s.referenced();
    }

    @Override
    public int size() {
        return clock.size();
    }
}
