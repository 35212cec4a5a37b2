package org.capbuddy.kernel.host;

/**
 * A machine refuses every call because an earlier operation was interrupted (by a Java error, an
 * injected failure or a bug) at a point where its state could not be restored. The cause is that
 * first interruption; nothing was done by the refused call.
 */
public final class MachineBrokenException extends MachineStateException {
    private static final long serialVersionUID = 1L;

    MachineBrokenException(String firstFailure, Throwable cause) {
        super("this machine is broken and refuses every call: " + firstFailure
                + "; its state may be inconsistent, so boot a new machine", cause);
    }
}
