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
    private final SignalHandler before;

    private CtrlC(SignalHandler before) {
        this.before = before;
    }

    /** Installs {@code onInterrupt} for SIGINT; where the JVM does not let it, Ctrl-C stops the JVM as usual. */
    static CtrlC install(Runnable onInterrupt) {
        try {
            SignalHandler[] previous = new SignalHandler[1];
            previous[0] = Signal.handle(INT, signal -> {
                Signal.handle(INT, previous[0]);
                onInterrupt.run();
            });
            return new CtrlC(previous[0]);
        } catch (IllegalArgumentException e) {
            return new CtrlC(null); // -Xrs, or a JVM that keeps SIGINT: nothing to undo
        }
    }

    @Override
    public void close() {
        if (before != null) {
            Signal.handle(INT, before);
        }
    }
}
