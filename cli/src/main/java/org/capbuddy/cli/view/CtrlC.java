package org.capbuddy.cli.view;

import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * Ctrl-C while the view is open: the first one asks the session to end (the report follows, as
 * after the page's quit); the handler that was there before is back for a second one, so that a
 * machine that does not come back to its commands can still be stopped.
 */
final class CtrlC implements AutoCloseable {
    private static final Signal INT = new Signal("INT");
    private final Runnable onInterrupt;
    private final SignalHandler ours = this::interrupted;
    /** The handler ours replaced; guarded by this, as is {@link #installed}. */
    private SignalHandler before;
    private boolean installed;

    private CtrlC(Runnable onInterrupt) {
        this.onInterrupt = onInterrupt;
    }

    /** Installs {@code onInterrupt} for SIGINT; where the JVM does not let it, Ctrl-C stops the JVM as usual. */
    static CtrlC install(Runnable onInterrupt) {
        CtrlC c = new CtrlC(onInterrupt);
        // held while installing, so that a SIGINT at once waits until the handler before is known
        synchronized (c) {
            try {
                c.before = Signal.handle(INT, c.ours);
                c.installed = true;
            } catch (IllegalArgumentException e) {
                // -Xrs, or a JVM that keeps SIGINT: nothing installed, nothing to undo
            }
        }
        return c;
    }

    private void interrupted(Signal signal) {
        restore();
        onInterrupt.run();
    }

    /**
     * Puts the handler before back, once, and only over ours: if another handler replaced ours
     * since (an overlapping session's, say), that one stays. The JDK can only swap handlers, so
     * the check swaps and, when it finds another, swaps that one straight back.
     */
    private synchronized void restore() {
        if (!installed) {
            return;
        }
        installed = false;
        SignalHandler found = Signal.handle(INT, before);
        if (found != ours) {
            Signal.handle(INT, found);
        }
    }

    @Override
    public void close() {
        restore();
    }
}
