package org.capbuddy.kernel.host;

import java.lang.reflect.UndeclaredThrowableException;
import java.util.function.Supplier;

/**
 * Fault injection of Java throwables: armed with N and what to throw, the N-th interruption point
 * reached from now throws it, then the switch disarms itself. A layer puts its interruption
 * points where nothing has been changed yet (the entry of a kernel invocation, of an allocman
 * request), so tests can interrupt an operation at every step in turn, with a
 * {@link StackOverflowError} or a {@link RuntimeException}, and check that each interruption leaves
 * the system exactly as before.
 */
public final class InterruptionInjector {
    private long countdown;
    private Supplier<? extends Throwable> what;
    private long points;
    private long fired;

    /** Makes the {@code n}-th interruption point from now (n &ge; 1) throw what {@code what} makes; 0 disarms. */
    public void interruptNth(long n, Supplier<? extends Throwable> what) {
        this.countdown = Math.max(0, n);
        this.what = what;
    }

    public void disarm() {
        countdown = 0;
    }

    public boolean armed() {
        return countdown > 0;
    }

    /** How many interruption points were reached so far. */
    public long points() {
        return points;
    }

    /** How many throwables were injected so far. */
    public long fired() {
        return fired;
    }

    /** An interruption point: throws when this is the armed one. */
    public void point() {
        points++;
        if (countdown > 0 && --countdown == 0) {
            fired++;
            Throwable t = what.get();
            if (t instanceof RuntimeException r) {
                throw r;
            }
            if (t instanceof Error e) {
                throw e;
            }
            throw new UndeclaredThrowableException(t);
        }
    }
}
