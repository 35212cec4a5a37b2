package org.capbuddy.kernel.host;

/**
 * An open promise that the Java stack has room for every fault handler and system call below the
 * point where it was made ({@link MachineGuard#assureHeadroom}): while it is open,
 * {@link MachineGuard#requireStackHeadroom()} has already been answered, once, for all of them.
 * Closing it ends the promise, innermost scope first and on the machine's owner thread; once
 * closed, closing it again does nothing.
 */
public final class AssuredHeadroom implements AutoCloseable {
    private final MachineGuard guard;
    /** Where it was opened: the guard's hand-over epoch, suspension level and scope count then. */
    private final int epoch;
    private final int level;
    private final int depth;
    private boolean open = true;

    AssuredHeadroom(MachineGuard guard, int epoch, int level, int depth) {
        this.guard = guard;
        this.epoch = epoch;
        this.level = level;
        this.depth = depth;
    }

    /**
     * Whether this scope is open and the innermost in force: not closed, not suspended by code the
     * machine does not control, no scope opened inside it.
     */
    public boolean inForce() {
        return open && guard.isInnermostScope(epoch, level, depth);
    }

    @Override
    public void close() {
        if (open) {
            guard.endAssuredHeadroom(epoch, level, depth); // refused: stays open, nothing changed
            open = false;
        }
    }
}
