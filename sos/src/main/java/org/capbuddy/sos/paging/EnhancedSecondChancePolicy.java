package org.capbuddy.sos.paging;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The enhanced second chance (the clock over reference and dirty bits): a victim that is clean
 * costs no write, so the hand prefers, in turn, an unreferenced clean page, then an unreferenced
 * dirty one. One turn looks for the first without changing anything; the next looks for the
 * second, clearing the reference bits it passes; then the two again (all bits are clear by then).
 * Which pages are clean the {@link ReplacementPolicy.Scan} says (SOS: those its pager holds clean;
 * a scan that cannot tell calls every page dirty, and this is then the plain clock). Reference
 * bits are cleared as {@link SecondChancePolicy} clears them: SOS unmaps the page.
 *
 * <p>The circle is a queue whose head is under the hand, each page holding its place as a
 * number, as in {@link SecondChancePolicy}, so renames and the undo of a search are the same.
 */
public final class EnhancedSecondChancePolicy<K> implements ReplacementPolicy<K> {
    public static final String NAME = "enhanced-second-chance";

    private record Slot(long place, boolean referenced) {
    }

    private record Passed(Object page, Slot before) {
    }

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
        int size = clock.size();
        // turns 0 and 2 look for an unreferenced clean page; 1 and 3 for an unreferenced dirty one, clearing bits
        for (int turn = 0; turn < 4; turn++) {
            boolean wantClean = turn % 2 == 0;
            for (int i = 0; i < size; i++) {
                K page = clock.firstEntry().getValue();
                Slot s = slots.get(page);
                boolean pinned = scan.pinned(page);
                if (!pinned && !s.referenced() && scan.clean(page) == wantClean) {
                    return page;
                }
                boolean bit = s.referenced() && (wantClean || pinned || !scan.unreference(page));
                if (seen.putIfAbsent(page, Boolean.TRUE) == null) {
                    lastSearch.add(new Passed(page, s));
                }
                clock.remove(s.place());
                put(page, new Slot(next++, bit));
            }
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
