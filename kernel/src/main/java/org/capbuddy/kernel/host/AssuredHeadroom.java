package org.capbuddy.kernel.host;

/**
 * An open promise that the Java stack has room for every fault handler and system call below the
 * point where it was made ({@link MachineGuard#assureHeadroom}): while it is open,
 * {@link MachineGuard#requireStackHeadroom()} has already been answered, once, for all of them.
 * Closing it ends the promise, on the machine's owner thread; closing it again does nothing.
 */
public final class AssuredHeadroom implements AutoCloseable {
    private final MachineGuard guard;
    private boolean open;

    AssuredHeadroom(MachineGuard guard) {
        this.guard = guard;
        this.open = true;
    }

    @Override
    public void close() {
        if (open) {
            open = false;
            guard.endAssuredHeadroom();
        }
    }
}
