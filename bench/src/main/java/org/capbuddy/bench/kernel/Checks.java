package org.capbuddy.bench.kernel;

import org.capbuddy.kernel.api.InvocationResult;

/** Fails a benchmark loudly when an invocation it times did not succeed, so no figure is fake. */
final class Checks {
    private Checks() {
    }

    static InvocationResult check(String what, InvocationResult r) {
        if (!r.isOk()) {
            throw new IllegalStateException(what + " failed: " + r);
        }
        return r;
    }

    /** Fails when a state the benchmark claims does not hold. */
    static void require(boolean condition, String what) {
        if (!condition) {
            throw new IllegalStateException("verification failed: " + what);
        }
    }
}
