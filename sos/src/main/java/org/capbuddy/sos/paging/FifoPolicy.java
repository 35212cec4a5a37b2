package org.capbuddy.sos.paging;

import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * First in, first out: the victim is the page resident longest, whatever its use. It needs no
 * reference bits and shows Belady's anomaly (more frames can mean more faults).
 *
 * <p>Each page holds the number it arrived with, so that a page renamed by mremap keeps its age.
 */
public final class FifoPolicy<K> implements ReplacementPolicy<K> {
    public static final String NAME = "fifo";

    /** Arrival number to page, oldest first. */
    private final TreeMap<Long, K> order = new TreeMap<>();
    private final Map<K, Long> arrival = new HashMap<>();
    private long next;

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public void resident(K page) {
        if (!arrival.containsKey(page)) {
            arrival.put(page, next);
            order.put(next++, page);
        }
    }

    @Override
    public void referenced(K page) {
        // FIFO ignores use; it never unreferences, so SOS never reports a soft fault to it
    }

    @Override
    public void gone(K page) {
        Long at = arrival.remove(page);
        if (at != null) {
            order.remove(at);
        }
    }

    @Override
    public void rename(K from, K to) {
        if (from.equals(to) || !arrival.containsKey(from) || arrival.containsKey(to)) {
            return;
        }
        Long at = arrival.remove(from);
        arrival.put(to, at);
        order.put(at, to);
    }

    @Override
    public K victim(Scan<K> scan) {
        for (K page : order.values()) {
            if (!scan.pinned(page)) {
                return page;
            }
        }
        return null;
    }

    @Override
    public K cleanVictim(Scan<K> scan) {
        for (K page : order.values()) {
            if (scan.clean(page) && !scan.pinned(page)) {
                return page;
            }
        }
        return null;
    }

    @Override
    public void undoSearch() {
        // a FIFO search only reads the order
    }

    @Override
    public int size() {
        return order.size();
    }
}
