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
}
