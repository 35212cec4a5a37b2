package org.capbuddy.kernel.host;

import java.util.function.Supplier;

/**
 * Fault injection of Java throwables: armed with N and what to throw, the N-th interruption point
 * reached from now throws it, then the switch disarms itself. A layer puts its interruption
 * points where nothing has been changed yet (the entry of a kernel invocation, of an allocman
 * request), so tests can interrupt an operation at every step in turn, with a
 * {@link StackOverflowError} or a {@link RuntimeException}, and check that each interruption leaves
 * the system exactly as before.
 *
 * <p><b>Holding.</b> Nothing has changed at an interruption point, but the code that called it
 * may be half-way through work of its own: a throwable would unwind through that work and leave it
 * half-done. A layer in such work {@link #hold() holds} the switch; while it is held, an
 * interruption at a {@link #pointOrKeep() soft point} is kept instead of thrown, the point's
 * caller fails with an error value (so the work undoes itself through its ordinary error paths),
 * and the layer rethrows the kept throwable, the same object, once it is back where nothing is
 * half-done ({@link #release()}).
 */
public final class InterruptionInjector {
    private long countdown;
    private Supplier<? extends Throwable> what;
    private long points;
    private long fired;
    private int holds;
    private Throwable kept;

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
            throw Rethrow.unchecked(fire());
        }
    }

    /**
     * A layer starts work that a throwable must not cut through; until the matching
     * {@link #release()}, interruptions at soft points are kept. Holds nest.
     */
    public void hold() {
        holds++;
    }

    /**
     * Ends one hold. When the last one ends, returns the interruption kept meanwhile (and forgets
     * it), for the layer to rethrow; otherwise, or if none was kept, null.
     */
    public Throwable release() {
        if (holds > 0 && --holds > 0) {
            return null;
        }
        Throwable t = kept;
        kept = null;
        return t;
    }

    /** The interruption kept while the switch is held, or null. */
    public Throwable kept() {
        return kept;
    }

    /**
     * An interruption point whose caller can fail with an error value instead. Unheld, it is
     * {@link #point()}. Held, the throwable of an interruption that fires here is kept (the first
     * one; later ones are added to it as suppressed) and the method returns true: the caller must
     * then fail without changing anything.
     */
    public boolean pointOrKeep() {
        points++;
        if (countdown > 0 && --countdown == 0) {
            Throwable t = fire();
            if (holds == 0) {
                throw Rethrow.unchecked(t);
            }
            keep(t);
            return true;
        }
        return false;
    }

    /** The armed interruption fires (kept off the points' fast path). */
    private Throwable fire() {
        fired++;
        return what.get();
    }

    private void keep(Throwable t) {
        if (kept == null) {
            kept = t;
        } else if (kept != t) {
            kept.addSuppressed(t);
        }
    }
}
