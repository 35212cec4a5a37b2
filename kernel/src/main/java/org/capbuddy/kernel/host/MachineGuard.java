package org.capbuddy.kernel.host;

import java.util.Arrays;

/**
 * The host-side rules of one simulated machine, which every layer checks at its public entries:
 * <ul>
 *   <li><b>One machine, one thread.</b> seL4 here runs on one core, and the model's state has no
 *       locks: the thread that booted the machine owns it, and a call from any other thread
 *       fails at once with a {@link WrongThreadException}, before it changes anything. Separate
 *       machines may run on separate threads. A machine can be handed to another thread with
 *       {@link #adoptCurrentThread()} once its old thread has stopped using it (the hand-over
 *       itself must be safely published, e.g. through an executor).</li>
 *   <li><b>Broken is final.</b> When an operation is interrupted (a Java {@code Error}, an
 *       exception from a bug or an injected failure) somewhere its state cannot be restored,
 *       the layer that sees it calls {@link #markBroken}; from then on every checked call fails
 *       with a {@link MachineBrokenException} naming that first failure, so state that nobody can
 *       vouch for is never used silently.</li>
 * </ul>
 * It also holds how much Java stack a fault handler or system call is guaranteed
 * ({@link #requireStackHeadroom()}). {@link #check()} is one field read and a compare with the current
 * thread, cheap enough for every memory access.
 */
public final class MachineGuard {
    private Thread owner = Thread.currentThread();
    /** The owner while the machine is sound, null once it is broken: {@link #check()} reads one field. */
    private Thread admitted = owner;
    private String brokenBecause;
    private Throwable brokenCause;
    private int stackHeadroomFrames = StackHeadroom.DEFAULT_FRAMES;
    /**
     * Scopes of {@link #assureHeadroom} open now and in force. Invariant: while it is positive,
     * the code running is the driver's own bounded loop or the machine's work below it, and the
     * stack was probed on entry to each scope for all of it, so {@link #requireStackHeadroom()}
     * need not probe again. Code the machine does not control (a fault receiver, a trace sink)
     * runs with it suspended to 0 ({@link #suspendAssuredHeadroom}): nothing bounds its own
     * recursion, so whatever it makes the machine do is probed again.
     */
    private int assuredScopes;
    /** The scope counts suspended, innermost last: what each {@link #resumeAssuredHeadroom} restores. */
    private int[] suspended = new int[4];
    private int suspensions;
    /** Moves at each hand-over: a scope from before one can never close a scope after it. */
    private int ownerEpoch;
    private long headroomProbes;
    /** Made now, while there is stack: thrown where there may be none left. */
    private final StackOverflowError tooDeep = StackHeadroom.refusal();

    /** Fails when the calling thread does not own the machine or the machine is broken. */
    public void check() {
        if (Thread.currentThread() != admitted) {
            refuse();
        }
    }

    private void refuse() {
        Thread caller = Thread.currentThread();
        if (caller != owner) {
            throw new WrongThreadException(owner, caller);
        }
        throw new MachineBrokenException(brokenBecause, brokenCause);
    }

    /**
     * Records that {@code where} was interrupted by {@code cause} at a point it could not undo.
     * Only the first failure is kept: later ones are consequences.
     */
    public void markBroken(String where, Throwable cause) {
        if (brokenBecause == null) {
            brokenBecause = where + " was interrupted by " + cause;
            brokenCause = cause;
            admitted = null;
        }
    }

    public boolean isBroken() {
        return brokenBecause != null;
    }

    /** What broke the machine first, or null while it is sound. */
    public String brokenBecause() {
        return brokenBecause;
    }

    /** The thread that drives this machine. */
    public Thread owner() {
        return owner;
    }

    /**
     * Throws a {@link StackOverflowError} now, before anything changes, unless the Java stack has
     * room for a fault handler's or a system call's work (see {@link StackHeadroom}).
     */
    public void requireStackHeadroom() {
        if (assuredScopes > 0 || stackHeadroomFrames == 0) {
            return; // answered for the whole scope when it opened, or the check is off
        }
        headroomProbes++;
        StackHeadroom.require(stackHeadroomFrames, tooDeep);
    }

    /**
     * For a driver whose own Java stack, from this call down to every fault delivery and system
     * call it makes, is bounded by {@code driverFrames} probe frames (the A64 interpreter's run
     * loop: it does not recurse however the program does): probes once, now, for the headroom a
     * handler needs plus those frames, and until the returned scope is closed answers
     * {@link #requireStackHeadroom()} without probing again, except inside code the machine does
     * not control ({@link #suspendAssuredHeadroom}). When they do not fit, throws the same
     * {@link StackOverflowError} {@link #requireStackHeadroom()} would, before anything changes
     * and with no scope open. With the check off ({@link #setStackHeadroomFrames} 0) nothing is
     * probed. Only the machine's owner may open one ({@link #check()} first), and scopes close
     * innermost first, as try-with-resources closes them.
     */
    public AssuredHeadroom assureHeadroom(int driverFrames) {
        check();
        if (stackHeadroomFrames > 0) {
            headroomProbes++;
            long frames = (long) stackHeadroomFrames + Math.max(0, driverFrames);
            StackHeadroom.require((int) Math.min(Integer.MAX_VALUE, frames), tooDeep);
        }
        assuredScopes++;
        return new AssuredHeadroom(this, ownerEpoch, suspensions, assuredScopes);
    }

    /**
     * Suspends every open {@link #assureHeadroom} scope while code the machine does not control
     * runs (a fault receiver, a trace sink): its own recursion is bounded by nobody, so the faults
     * and system calls it causes must be probed again. Returns the token the matching
     * {@link #resumeAssuredHeadroom} takes, in a {@code finally}; suspensions nest.
     */
    public int suspendAssuredHeadroom() {
        if (suspensions == suspended.length) {
            suspended = Arrays.copyOf(suspended, suspensions * 2);
        }
        suspended[suspensions++] = assuredScopes;
        assuredScopes = 0;
        return suspensions;
    }

    /**
     * Ends the innermost suspension, whose {@code token} {@link #suspendAssuredHeadroom} returned:
     * the scopes open before it are in force again. It restores only what that suspension saved,
     * so no call makes the headroom assured without a probe. Refuses a token that is not the
     * innermost suspension's, changing nothing; restores and then refuses when a scope opened
     * during the suspension is still open (that scope can then never close).
     */
    public void resumeAssuredHeadroom(int token) {
        if (suspensions == 0 || token != suspensions) {
            throw new IllegalStateException("resuming suspension " + token + " of the assured headroom, but the "
                    + "innermost is " + suspensions);
        }
        int leftOpen = assuredScopes;
        assuredScopes = suspended[--suspensions];
        if (leftOpen != 0) {
            throw new IllegalStateException("a scope opened while the assured headroom was suspended is still open");
        }
    }

    /** Stack headroom probes made so far (by {@link #requireStackHeadroom()} and {@link #assureHeadroom}). */
    public long headroomProbes() {
        return headroomProbes;
    }

    /** Whether an {@link #assureHeadroom} scope is open and in force. */
    public boolean headroomAssured() {
        return assuredScopes > 0;
    }

    /**
     * Closes the scope opened at hand-over {@code epoch}, suspension level {@code level}, as the
     * {@code depth}-th scope then open: only the innermost scope of the current level closes, on
     * the owner's thread; anything else is refused, changing nothing.
     */
    void endAssuredHeadroom(int epoch, int level, int depth) {
        Thread caller = Thread.currentThread();
        if (caller != owner) {
            throw new WrongThreadException(owner, caller);
        }
        if (epoch != ownerEpoch || level != suspensions || depth != assuredScopes) {
            throw new IllegalStateException("an assured-headroom scope must close innermost first, at the "
                    + "suspension level and with the owner it was opened under");
        }
        assuredScopes--;
    }

    /** Whether the scope opened at {@code epoch}, {@code level}, {@code depth} is the innermost one in force now. */
    boolean isInnermostScope(int epoch, int level, int depth) {
        return epoch == ownerEpoch && level == suspensions && depth == assuredScopes;
    }

    /** The probe frames {@link #requireStackHeadroom()} requires. */
    public int stackHeadroomFrames() {
        return stackHeadroomFrames;
    }

    /**
     * Sets the probe frames {@link #requireStackHeadroom()} requires (0: no check). For tests that
     * measure how much stack the work needs; a machine running Java user programs needs the
     * default.
     */
    public void setStackHeadroomFrames(int frames) {
        if (assuredScopes > 0 || suspensions > 0) {
            // An open scope probed for the old value: a new one would not be what it promised.
            throw new IllegalStateException("the stack headroom cannot change while an assured-headroom scope is open");
        }
        stackHeadroomFrames = Math.max(0, frames);
    }

    /**
     * Makes the calling thread the machine's owner: a hand-over, for a machine built on one thread
     * and run on another. Only call it when the old owner has stopped using the machine.
     */
    public void adoptCurrentThread() {
        owner = Thread.currentThread();
        // The old owner's scopes were probed on its stack, not this one's.
        assuredScopes = 0;
        suspensions = 0;
        ownerEpoch++;
        if (brokenBecause == null) {
            admitted = owner;
        }
    }
}
