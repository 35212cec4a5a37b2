package org.capbuddy.kernel.invocation;

import org.capbuddy.kernel.api.InvocationResult;
import org.capbuddy.kernel.cap.Slot;

/** A slot found by a CNode-operation lookup, or the error that lookup returns. */
record Target(Slot slot, InvocationResult error) {

    static Target of(Slot slot) {
        return new Target(slot, null);
    }

    static Target fail(InvocationResult error) {
        return new Target(null, error);
    }

    boolean failed() {
        return error != null;
    }
}
