package org.capbuddy.kernel.host;

/**
 * An open promise that the Java stack has room for every fault handler and system call below the
 * point where it was made ({@link MachineGuard#assureHeadroom}): while it is open,
 * {@link MachineGuard#requireStackHeadroom()} has already been answered, once, for all of them.
 * Closing it ends the promise. A guard has one instance, handed to every scope: scopes nest by
 * count, so a closed scope is never reopened by its object.
 */
public final class AssuredHeadroom implements AutoCloseable {
    private final MachineGuard guard;

    AssuredHeadroom(MachineGuard guard) {
        this.guard = guard;
    }

    @Override
    public void close() {
        guard.endAssuredHeadroom();
    }
}
