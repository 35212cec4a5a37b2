package org.capbuddy.kernel.host;

import java.lang.reflect.UndeclaredThrowableException;

/**
 * Rethrows a throwable kept across a boundary (an interruption held until a layer is safe): the
 * same object when it is unchecked, as interruptions always are; anything else wrapped.
 */
public final class Rethrow {
    private Rethrow() {
    }

    /** Throws {@code t}; declared to return so that callers can write {@code throw Rethrow.unchecked(t)}. */
    public static RuntimeException unchecked(Throwable t) {
        if (t instanceof RuntimeException r) {
            throw r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        throw new UndeclaredThrowableException(t);
    }
}
