package org.capbuddy.sos;

import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * Test support for the tests that measure Java stack in probe frames: work run on a new thread
 * whose stack size is chosen, so that how deep it can recurse does not depend on the caller's.
 */
public final class FreshThread {
    private FreshThread() {
    }

    /** What {@code work} returns, run on a new thread with a {@code stackBytes} stack; null when it threw. */
    public static <T> T result(String name, int stackBytes, Supplier<T> work) throws InterruptedException {
        AtomicReference<T> result = new AtomicReference<>();
        Thread t = new Thread(null, () -> {
            try {
                result.set(work.get());
            } catch (Throwable e) {
                result.set(null);
            }
        }, name, stackBytes);
        t.start();
        t.join();
        return result.get();
    }
}
