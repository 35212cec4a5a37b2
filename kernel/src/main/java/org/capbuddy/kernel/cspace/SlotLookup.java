package org.capbuddy.kernel.cspace;

import org.capbuddy.kernel.api.LookupFailure;
import org.capbuddy.kernel.cap.Slot;

/**
 * The outcome of resolving a cptr: the slot reached and the bits left unresolved, or the lookup
 * failure.
 */
public record SlotLookup(Slot slot, int bitsRemaining, LookupFailure failure) {

    public static SlotLookup found(Slot slot, int bitsRemaining) {
        return new SlotLookup(slot, bitsRemaining, null);
    }

    public static SlotLookup failed(LookupFailure failure) {
        return new SlotLookup(null, 0, failure);
    }

    public boolean ok() {
        return failure == null;
    }
}
