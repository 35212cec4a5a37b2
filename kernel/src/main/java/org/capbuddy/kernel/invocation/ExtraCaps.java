package org.capbuddy.kernel.invocation;

import java.util.Arrays;
import java.util.Objects;
import org.capbuddy.kernel.api.Message;
import org.capbuddy.kernel.cap.Slot;

/**
 * The slots the extra caps of the invocation being decoded resolved to: seL4's
 * {@code current_extra_caps}. The dispatcher owns one, fills it before decoding and empties it
 * afterwards, so an invocation builds no array of slots.
 */
final class ExtraCaps {
    private final Slot[] slots = new Slot[Message.MAX_EXTRA_CAPS];
    private int count;

    int count() {
        return count;
    }

    Slot slot(int i) {
        return slots[Objects.checkIndex(i, count)];
    }

    void add(Slot slot) {
        slots[count++] = slot;
    }

    /** Forgets the slots, so that a finished invocation keeps no object reachable. */
    void clear() {
        Arrays.fill(slots, 0, count, null);
        count = 0;
    }
}
