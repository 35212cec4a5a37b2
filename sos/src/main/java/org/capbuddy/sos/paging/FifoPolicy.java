package org.capbuddy.sos.paging;

import java.util.Iterator;
import java.util.LinkedHashSet;

/**
 * First in, first out: the victim is the page resident longest, whatever its use. It needs no
 * reference bits and shows Belady's anomaly (more frames can mean more faults).
 */
public final class FifoPolicy<K> implements ReplacementPolicy<K> {
    public static final String NAME = "fifo";

    private final LinkedHashSet<K> order = new LinkedHashSet<>();

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public void resident(K page) {
        order.add(page);
    }

    @Override
    public void referenced(K page) {
        // FIFO ignores use; it never unreferences, so SOS never reports a soft fault to it
    }

    @Override
    public void gone(K page) {
        order.remove(page);
    }

    @Override
    public K victim(Scan<K> scan) {
        for (Iterator<K> it = order.iterator(); it.hasNext();) {
            K page = it.next();
            if (!scan.pinned(page)) {
                return page;
            }
        }
        return null;
    }

    @Override
    public int size() {
        return order.size();
    }
}
