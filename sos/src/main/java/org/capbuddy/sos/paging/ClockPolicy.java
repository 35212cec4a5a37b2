package org.capbuddy.sos.paging;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What the clock policies share, the circle their hand turns over: resident pages in the order
 * they joined, each with a reference bit. It is kept as a queue whose head is under the hand:
 * passing a page moves it to the tail, and a new page joins at the tail, just behind the hand, where a clock
 * inserts it. Each page holds its place as a number, so mremap can rename a page in place, and
 * the places and bits a search changed are remembered so that a failed eviction can put them back.
 *
 * <p>What a search looks for is each policy's {@link #victim}; the circle only answers what is
 * under the hand and moves it on.
 */
public abstract class ClockPolicy<K> implements ReplacementPolicy<K> {
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
    /** The pages the search under way has passed, so each is remembered once, as it was first. */
    private final Map<K, Boolean> passed = new HashMap<>();
    private long next;

    /** Only this package's policies are clocks. */
    ClockPolicy() {
    }

    /** {@code page} joins at the tail, referenced (if it was in the circle, it leaves first). */
    @Override
    public final void resident(K page) {
        gone(page);
        put(page, new Slot(next++, true));
    }

    /** Sets {@code page}'s reference bit, if it is in the circle. */
    @Override
    public final void referenced(K page) {
        Slot s = slots.get(page);
        if (s != null) {
            slots.put(page, new Slot(s.place(), true));
        }
    }

    /** {@code page} leaves the circle, if it is in it. */
    @Override
    public final void gone(K page) {
        Slot s = slots.remove(page);
        if (s != null) {
            clock.remove(s.place());
        }
    }

    /** {@code from} becomes {@code to} in its place with its bit; nothing when either name makes that impossible. */
    @Override
    public final void rename(K from, K to) {
        if (from.equals(to) || !slots.containsKey(from) || slots.containsKey(to)) {
            return;
        }
        Slot s = slots.remove(from);
        slots.put(to, s);
        clock.put(s.place(), to);
    }

    /** Starts a search: what the previous one changed can no longer be undone. */
    final void beginSearch() {
        lastSearch.clear();
        passed.clear();
    }

    /** The page under the hand, or null when the circle is empty. */
    final K underHand() {
        return clock.isEmpty() ? null : clock.firstEntry().getValue();
    }

    /** Whether {@code page} (in the circle) has its reference bit set. */
    final boolean referencedBit(K page) {
        return slots.get(page).referenced();
    }

    /**
     * The hand passes {@code page}, the one under it: it goes to the tail with reference bit
     * {@code bit}, and the search remembers how it was, the first time it passes it.
     */
    final void pass(K page, boolean bit) {
        Slot s = slots.get(page);
        if (passed.putIfAbsent(page, Boolean.TRUE) == null) {
            lastSearch.add(new Passed(page, s));
        }
        clock.remove(s.place());
        put(page, new Slot(next++, bit));
    }

    /** The first page from the hand that {@code scan} calls clean and not pinned, changing nothing; or null. */
    @Override
    public final K cleanVictim(Scan<K> scan) {
        for (K page : clock.values()) {
            if (scan.clean(page) && !scan.pinned(page)) {
                return page;
            }
        }
        return null;
    }

    /** Puts back the places and bits the last search changed. */
    @Override
    @SuppressWarnings("unchecked")
    public final void undoSearch() {
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
    public final boolean isReferenced(K page) {
        Slot s = slots.get(page);
        return s != null && s.referenced();
    }

    @Override
    public final int size() {
        return clock.size();
    }
}
