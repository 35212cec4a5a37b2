package org.capbuddy.bench.capbuddy;

import org.capbuddy.libos.vka.Result;

/**
 * Fails a benchmark loudly when a libos call it times or sets up did not succeed, so no figure is
 * fake (the libos counterpart of the kernel benchmarks' {@code Checks}: libos returns
 * {@link Result}s, never throws).
 */
final class Checks {
    private Checks() {
    }

    /** The value of a successful result; throws with the error otherwise. */
    static <T> T ok(String what, Result<T> r) {
        if (!r.isOk()) {
            throw new IllegalStateException(what + " failed: " + r);
        }
        return r.value();
    }

    /** Throws unless {@code condition} holds. */
    static void require(boolean condition, String what) {
        if (!condition) {
            throw new IllegalStateException("setup/verification failed: " + what);
        }
    }
}
