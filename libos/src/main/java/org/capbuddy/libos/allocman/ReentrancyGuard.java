package org.capbuddy.libos.allocman;

import org.capbuddy.kernel.host.InterruptionInjector;
import org.capbuddy.kernel.host.MachineGuard;
import org.capbuddy.kernel.host.Rethrow;
import org.capbuddy.libos.vka.Undo;

/**
 * allocman's re-entrancy guard ({@code _start_operation}, {@code _end_operation} and the
 * per-allocator depth counters of allocman.c): how deeply the current operation is nested, which
 * managers are busy further up the stack (a busy manager is never re-entered), and the
 * end-of-operation work, run when the outermost operation ends. It also applies the machine's
 * host rules at allocman's entries.
 *
 * <p>Every entry follows one shape:
 * <pre>{@code
 * if (!guard.enterRequest()) return <INTERRUPTED, or defer the free>;
 * Result<T> r;
 * try { r = <the work>; } catch (Throwable t) { throw guard.abandon("allocman ...", t); }
 * if (guard.exitInterrupted()) throw guard.deliver(<how to give back r, or null>);
 * return r;
 * }</pre>
 *
 * <p><b>Throwables.</b>
 * <ul>
 *   <li>The machine guard is checked first: a call from a thread that does not own the machine,
 *       or after the machine broke, fails before anything changes.</li>
 *   <li>Each request has an interruption point (allocman's own switch) at its entry, where
 *       nothing has changed. At the outermost request the throwable simply propagates. At a
 *       nested one it must not unwind through the manager that made the request, which may be
 *       half-way through its work: it is kept and the request fails with INTERRUPTED (a free is
 *       deferred instead, so nothing is lost), and the manager undoes its work through its error
 *       paths. The kernel's switch is held for the whole operation, so an interruption at a
 *       kernel invocation made inside it is kept the same way.</li>
 *   <li>When the outermost request ends with an interruption kept, the end-of-operation work is
 *       skipped (the next operation does it), what the request acquired is given back, and the
 *       kept throwable itself is rethrown instead of returning.</li>
 *   <li>Any other throwable escaping the work (a bug, an OutOfMemoryError, a genuine overflow
 *       inside a manager) may have left state half-changed: the machine is marked broken and the
 *       throwable rethrown. Depth and holds are restored on every path; busy flags by the
 *       {@code try/finally} around each manager call.</li>
 * </ul>
 */
final class ReentrancyGuard {
    /** The managers whose re-entry the guard refuses. */
    enum Manager { CSPACE, UTSPACE, MSPACE }

    private final MachineGuard machine;
    private final InterruptionInjector requestInterruptions;
    private final InterruptionInjector kernelInterruptions;
    private final Runnable endOfOperation;
    private final int[] busy = new int[Manager.values().length];
    private int depth;

    /**
     * @param machine the machine's owner thread and broken state
     * @param requestInterruptions allocman's switch, with a point at the entry of every request
     * @param kernelInterruptions the kernel's switch, held while an operation is in progress
     * @param endOfOperation what to do when the outermost operation ends (allocman's refill)
     */
    ReentrancyGuard(MachineGuard machine, InterruptionInjector requestInterruptions,
                    InterruptionInjector kernelInterruptions, Runnable endOfOperation) {
        this.machine = machine;
        this.requestInterruptions = requestInterruptions;
        this.kernelInterruptions = kernelInterruptions;
        this.endOfOperation = endOfOperation;
    }

    /** Fails at once (changing nothing) if the calling thread does not own the machine or it is broken. */
    void checkMachine() {
        machine.check();
    }

    /**
     * A request (for a slot, a run of slots, an object or bookkeeping bytes, or their frees)
     * starts: checks the machine and passes the request's interruption point. Returns false when
     * the request is nested and was interrupted there; it must then do nothing but fail with
     * INTERRUPTED (a free: be deferred) and must not call {@link #exitInterrupted()}.
     */
    boolean enterRequest() {
        machine.check();
        if (requestInterruptions.pointOrKeep()) {
            return false;
        }
        if (depth++ == 0) {
            holdInterruptions();
        }
        return true;
    }

    /** An operation that is not a request (adding an untyped, filling or releasing the reserves) starts. */
    void enterOperation() {
        machine.check();
        if (depth++ == 0) {
            holdInterruptions();
        }
    }

    private void holdInterruptions() {
        requestInterruptions.hold();
        kernelInterruptions.hold();
    }

    /** True when an interruption was kept during the current operation: work still to do should stop. */
    boolean interruptionPending() {
        return requestInterruptions.kept() != null || kernelInterruptions.kept() != null;
    }

    /**
     * The work of the current request or operation is done. A nested one simply leaves. The
     * outermost one runs the end-of-operation work unless an interruption is pending, and leaves
     * unless one is pending now: then this returns true, the guard stays entered (so that giving
     * back what the request acquired is nested and runs no refill), and the caller must end with
     * {@code throw guard.deliver(...)}.
     */
    boolean exitInterrupted() {
        if (depth > 1) {
            depth--;
            return false;
        }
        return exitOutermost();
    }

    /** {@link #exitInterrupted()} of the outermost request, kept off the nested requests' path. */
    private boolean exitOutermost() {
        if (!interruptionPending()) {
            try {
                endOfOperation.run();
            } catch (Throwable t) {
                throw abandon("allocman's end-of-operation work (deferred frees, refill)", t);
            }
            if (!interruptionPending()) {
                leaveOutermost();
                return false;
            }
        }
        return true;
    }

    /**
     * Ends an outermost request that {@link #exitInterrupted()} found interrupted: gives back what
     * it acquired (if the give-back fails the machine is marked broken, as for any undo that
     * fails), leaves, and returns the kept throwable for the caller to throw.
     */
    RuntimeException deliver(Undo.Step giveBack) {
        if (giveBack != null) {
            try (Undo undo = Undo.begin(machine, "giving back what an interrupted allocman request took")) {
                undo.push(giveBack);
            }
        }
        return Rethrow.unchecked(leaveOutermost());
    }

    /**
     * A throwable escaped the work of the current request or operation (a manager's own code or
     * allocman's): the state it was changing may be half-changed, so the machine is marked broken,
     * naming {@code where}; the request leaves and the throwable is returned for the caller to
     * rethrow.
     */
    RuntimeException abandon(String where, Throwable t) {
        machine.markBroken(where, t);
        if (depth == 1) {
            Throwable kept = leaveOutermost();
            if (kept != null && kept != t) {
                t.addSuppressed(kept);
            }
        } else {
            depth--;
        }
        return Rethrow.unchecked(t);
    }

    /** Leaves the outermost operation; returns the interruption kept during it (allocman's first), or null. */
    private Throwable leaveOutermost() {
        depth = 0;
        Throwable own = requestInterruptions.release();
        Throwable fromKernel = kernelInterruptions.release();
        if (own == null) {
            return fromKernel;
        }
        if (fromKernel != null && fromKernel != own) {
            own.addSuppressed(fromKernel);
        }
        return own;
    }

    boolean isBusy(Manager manager) {
        return busy[manager.ordinal()] > 0;
    }

    /** The manager starts working for the current request. */
    void busy(Manager manager) {
        busy[manager.ordinal()]++;
    }

    /** The manager has returned (normally or not). */
    void idle(Manager manager) {
        busy[manager.ordinal()]--;
    }
}
