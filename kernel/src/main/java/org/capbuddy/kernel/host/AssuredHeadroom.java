package org.capbuddy.kernel.host;

/**
 * An open promise that the Java stack has room for every fault handler and system call below the
 * point where it was made ({@link MachineGuard#assureHeadroom}): while it is open,
 * {@link MachineGuard#requireStackHeadroom()} has already been answered, once, for all of them.
 * Closing it ends the promise; closing it again does nothing.
 */
public final class AssuredHeadroom implements AutoCloseable {
    /** A scope with nothing to assure: for a driver with no machine to run on (its every access is refused anyway). */
    public static final AssuredHeadroom NOTHING = new AssuredHeadroom(null);

    private final MachineGuard guard;
    private boolean open;

    AssuredHeadroom(MachineGuard guard) {
        this.guard = guard;
        this.open = guard != null;
    }

    @Override
    public void close() {
        if (open) {
            open = false;
            guard.endAssuredHeadroom();
        }
    }
}
