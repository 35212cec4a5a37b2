package org.capbuddy.libos.vka;

import java.util.Arrays;
import org.capbuddy.kernel.host.MachineGuard;

/**
 * The undo log of one multi-step operation: each step that succeeded registers how to give back
 * what it took; unless the operation reaches {@link #commit()}, closing the log undoes those steps,
 * newest first. So an operation leaves everything as it was whether it fails with an error value
 * or is cut short by any {@link Throwable}:
 *
 * <pre>{@code
 * try (Undo undo = Undo.begin(guard, "making a pool tree")) {
 *     Result<Long> slot = vka.cspaceAlloc();
 *     if (!slot.isOk()) return slot.asFailure();      // nothing to undo yet
 *     undo.push(() -> vka.cspaceFree(slot.value()));
 *     ...                                              // a failure or a throwable here frees the slot
 *     undo.commit();
 *     return Result.ok(...);
 * }
 * }</pre>
 *
 * <p>An undo step that fails (an error value or a throwable) leaves something that cannot be
 * given back: the log marks the machine broken, naming the operation, so the loss is never
 * silent, and goes on with the remaining steps. Closing never throws, so the original failure is
 * the one that propagates.
 */
public final class Undo implements AutoCloseable {
    /** How to give back what one step took. */
    @FunctionalInterface
    public interface Step {
        Result<?> undo();
    }

    /** Marks "no subject": the operation's name says it all. */
    private static final long NO_SUBJECT = Long.MIN_VALUE;

    private final MachineGuard guard;
    private final String operation;
    /** What the operation works on (an address, a cptr, a pid), named only if an undo fails. */
    private final long subject;
    /** The first step: most logs hold one, and need no array for it. */
    private Step first;
    /** The second and later steps, allocated when a second is pushed. */
    private Step[] more;
    private int count;
    private boolean committed;

    private Undo(MachineGuard guard, String operation, long subject) {
        this.guard = guard;
        this.operation = operation;
        this.subject = subject;
    }

    /** Starts the log of {@code operation} (named in the broken-machine message if an undo fails). */
    public static Undo begin(MachineGuard guard, String operation) {
        return new Undo(guard, operation, NO_SUBJECT);
    }

    /**
     * Starts the log of {@code operation} on {@code subject} (an address, a cptr, a number). The
     * two are put into words only if an undo fails, so that the logs of hot paths such as a page
     * fault build no string.
     */
    public static Undo begin(MachineGuard guard, String operation, long subject) {
        return new Undo(guard, operation, subject);
    }

    private String describe() {
        return subject == NO_SUBJECT ? operation : operation + " 0x" + Long.toHexString(subject);
    }

    /** Registers the undo of a step that has just succeeded. */
    public void push(Step step) {
        if (count == 0) {
            first = step;
        } else if (more == null) {
            more = new Step[4];
            more[0] = step;
        } else {
            if (count - 1 == more.length) {
                more = Arrays.copyOf(more, more.length * 2);
            }
            more[count - 1] = step;
        }
        count++;
    }

    /**
     * Undoes the newest step now and forgets it: for a step whose result turned out not to be
     * needed (a page table made for a level that another mapping filled meanwhile).
     */
    public Result<?> undoLast() {
        if (count == 0) {
            return Result.done();
        }
        count--;
        Step step;
        if (count == 0) {
            step = first;
            first = null;
        } else {
            step = more[count - 1];
            more[count - 1] = null;
        }
        return step.undo();
    }

    /** The operation is complete: closing the log undoes nothing. */
    public void commit() {
        committed = true;
    }

    /** Undoes every registered step, newest first, unless the operation committed. */
    @Override
    public void close() {
        if (committed) {
            return;
        }
        committed = true;
        for (int i = count - 1; i >= 0; i--) {
            Step step = i == 0 ? first : more[i - 1];
            try {
                Result<?> undone = step.undo();
                if (!undone.isOk()) {
                    guard.markBroken("undoing " + describe() + " (" + undone.error() + ")",
                            new IllegalStateException("undo step failed: " + undone.error()));
                }
            } catch (Throwable t) {
                guard.markBroken("undoing " + describe(), t);
            }
        }
    }
}
