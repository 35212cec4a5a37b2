package org.capbuddy.libos.vka;

import java.util.Arrays;
import org.capbuddy.kernel.host.MachineGuard;

/**
 * {@link Undo}'s guarantee for hot paths, with nothing built per operation: a component keeps one
 * log and reuses it, each kind of step is an {@link Action} the component makes once, and a step
 * records only its action and its arguments, in arrays. Unless the operation reaches
 * {@link #commit()}, closing the log undoes the operation's steps, newest first, whether it failed
 * with an error value or was cut short by any {@link Throwable}:
 *
 * <pre>{@code
 * private final UndoLog undo = new UndoLog(guard);
 * private final UndoLog.Action freeSlot = (slot, unused, none) -> vka.cspaceFree(slot);   // made once
 *
 * try (UndoLog log = undo.begin("mapping a page at", vaddr, 3)) {  // at most 3 steps
 *     long slot = ...;
 *     log.push(freeSlot, slot, 0);
 *     ...                                         // a failure or a throwable here frees the slot
 *     log.commit();
 * }
 * }</pre>
 *
 * <p>Operations nest: a log may be begun again inside an operation that holds it open (a nested
 * begin opens a scope above the current one, and its close undoes or forgets only that scope's
 * steps), so a component may re-enter itself. {@link #begin} reserves room for the scope's steps,
 * so that {@link #push} never allocates: a step that has happened is always recorded. An operation
 * that pushes more steps than it reserved is a bug; the log marks the machine broken and throws.
 *
 * <p>As with {@link Undo}, an undo step that fails (an error value or a throwable) marks the
 * machine broken, naming the operation, and the remaining steps still run; closing never throws,
 * so the original failure is the one that propagates. The log belongs to one machine and is
 * driven by its one thread.
 */
public final class UndoLog implements AutoCloseable {
    /**
     * How to give back what one kind of step took, given what the step recorded: two longs (a
     * cptr, a reference, a cookie) and, where a step needs one, an object it already had.
     */
    @FunctionalInterface
    public interface Action {
        Result<?> undo(long a, long b, Object attachment);
    }

    private static final long NO_SUBJECT = Long.MIN_VALUE;
    private static final int INITIAL_STEPS = 8;
    private static final int INITIAL_SCOPES = 4;

    private final MachineGuard guard;
    // Steps, oldest first; those of the innermost open scope are on top.
    private Action[] actions = new Action[INITIAL_STEPS];
    private long[] firstArgs = new long[INITIAL_STEPS];
    private long[] secondArgs = new long[INITIAL_STEPS];
    private Object[] attachments = new Object[INITIAL_STEPS];
    private int steps;
    // Open scopes, outermost first: where each one's steps start, how many it may push, what it is.
    private int[] scopeStart = new int[INITIAL_SCOPES];
    private int[] scopeEnd = new int[INITIAL_SCOPES];
    private boolean[] scopeCommitted = new boolean[INITIAL_SCOPES];
    private String[] scopeOperation = new String[INITIAL_SCOPES];
    private long[] scopeSubject = new long[INITIAL_SCOPES];
    private int scopes;

    /** An empty log whose failed undos mark {@code guard}'s machine broken. */
    public UndoLog(MachineGuard guard) {
        this.guard = guard;
    }

    /**
     * Opens the scope of {@code operation}, which will push at most {@code maxSteps} steps, and
     * returns this log to close it with. The operation is named (with no subject) only if an
     * undo fails.
     */
    public UndoLog begin(String operation, int maxSteps) {
        return begin(operation, NO_SUBJECT, maxSteps);
    }

    /**
     * Opens the scope of {@code operation} on {@code subject} (an address, a cptr, a number),
     * which will push at most {@code maxSteps} steps; the two are put into words only if an undo
     * fails. Returns this log to close it with.
     */
    public UndoLog begin(String operation, long subject, int maxSteps) {
        if (maxSteps < 0) {
            throw new IllegalArgumentException("negative step count " + maxSteps);
        }
        // Room first, the scope last: a throwable in here (an OutOfMemoryError while growing)
        // leaves no scope open that no close would match.
        reserveSteps(steps + maxSteps);
        if (scopes == scopeStart.length) {
            growScopes();
        }
        int s = scopes;
        scopeStart[s] = steps;
        scopeEnd[s] = steps + maxSteps;
        scopeCommitted[s] = false;
        scopeOperation[s] = operation;
        scopeSubject[s] = subject;
        scopes = s + 1;
        return this;
    }

    /** Records the undo of a step of the innermost open scope that has just succeeded. */
    public void push(Action action, long a, long b) {
        push(action, a, b, null);
    }

    /** As {@link #push(Action, long, long)}, with an object the undo needs (one the step already had). */
    public void push(Action action, long a, long b, Object attachment) {
        if (scopes == 0 || steps == scopeEnd[scopes - 1]) {
            IllegalStateException bug = new IllegalStateException(scopes == 0 ? "a step pushed with no scope open"
                    : "more steps than " + describe(scopes - 1) + " reserved");
            // The step happened and cannot be recorded: what it took may be lost.
            guard.markBroken("recording an undo step", bug);
            throw bug;
        }
        int i = steps;
        actions[i] = action;
        firstArgs[i] = a;
        secondArgs[i] = b;
        attachments[i] = attachment;
        steps = i + 1;
    }

    /** The innermost open operation is complete: closing its scope undoes nothing. */
    public void commit() {
        if (scopes > 0) {
            scopeCommitted[scopes - 1] = true;
        }
    }

    /** Steps recorded in every open scope (for tests). */
    public int size() {
        return steps;
    }

    /** Scopes open now (for tests). */
    public int depth() {
        return scopes;
    }

    /** Closes the innermost scope: undoes its steps, newest first, unless it committed. */
    @Override
    public void close() {
        if (scopes == 0) {
            guard.markBroken("closing an undo log", new IllegalStateException("no scope is open"));
            return;
        }
        int s = --scopes;
        int start = scopeStart[s];
        if (scopeCommitted[s]) {
            forget(start);
            return;
        }
        for (int i = steps - 1; i >= start; i--) {
            Action action = actions[i];
            long a = firstArgs[i];
            long b = secondArgs[i];
            Object attachment = attachments[i];
            // Forgotten before it runs: whatever the undo does, it is not run twice.
            forget(i);
            try {
                Result<?> undone = action.undo(a, b, attachment);
                if (!undone.isOk()) {
                    guard.markBroken("undoing " + describe(s) + " (" + undone.error() + ")",
                            new IllegalStateException("undo step failed: " + undone.error()));
                }
            } catch (Throwable t) {
                guard.markBroken("undoing " + describe(s), t);
            }
        }
    }

    /** Drops the steps from {@code from} up, letting go of their attachments. */
    private void forget(int from) {
        for (int i = from; i < steps; i++) {
            if (attachments[i] != null) {
                attachments[i] = null;
            }
        }
        steps = from;
    }

    private String describe(int scope) {
        long subject = scopeSubject[scope];
        String operation = scopeOperation[scope];
        return subject == NO_SUBJECT ? operation : operation + " 0x" + Long.toHexString(subject);
    }

    private void reserveSteps(int needed) {
        if (needed <= actions.length) {
            return;
        }
        int length = Math.max(needed, 2 * actions.length);
        Action[] newActions = Arrays.copyOf(actions, length);
        long[] newFirst = Arrays.copyOf(firstArgs, length);
        long[] newSecond = Arrays.copyOf(secondArgs, length);
        Object[] newAttachments = Arrays.copyOf(attachments, length);
        actions = newActions;
        firstArgs = newFirst;
        secondArgs = newSecond;
        attachments = newAttachments;
    }

    private void growScopes() {
        int length = 2 * scopeStart.length;
        int[] newStart = Arrays.copyOf(scopeStart, length);
        int[] newEnd = Arrays.copyOf(scopeEnd, length);
        boolean[] newCommitted = Arrays.copyOf(scopeCommitted, length);
        String[] newOperation = Arrays.copyOf(scopeOperation, length);
        long[] newSubject = Arrays.copyOf(scopeSubject, length);
        scopeStart = newStart;
        scopeEnd = newEnd;
        scopeCommitted = newCommitted;
        scopeOperation = newOperation;
        scopeSubject = newSubject;
    }
}
