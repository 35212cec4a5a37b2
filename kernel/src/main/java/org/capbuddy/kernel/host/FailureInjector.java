package org.capbuddy.kernel.host;

/**
 * A fault-injection switch: armed with N, it makes the N-th attempt from now fail, then disarms
 * itself. Tests use it to fail an operation at every step in turn and prove that each failure
 * leaves the system exactly as before.
 *
 * <p>The kernel's switch counts allocating invocations that passed all their checks
 * (Untyped_Retype, ASIDControl_MakePool; a failed one returns NotEnoughMemory with MR0 = 0 and
 * changes nothing). Allocman keeps its own switch, counting requests for slots, objects and
 * bookkeeping bytes.
 */
public final class FailureInjector {
    private long countdown;
    private long injected;
    private long attempts;

    /** Fails the {@code n}-th attempt from now (n &ge; 1); 0 disarms. */
    public void failNth(long n) {
        countdown = Math.max(0, n);
    }

    public void disarm() {
        countdown = 0;
    }

    public boolean armed() {
        return countdown > 0;
    }

    /** How many failures were injected so far. */
    public long injected() {
        return injected;
    }

    /** How many attempts reached the point where one could be failed. */
    public long attempts() {
        return attempts;
    }

    /** Called at the point where an attempt could fail; true means: fail now. */
    public boolean shouldFail() {
        attempts++;
        if (countdown > 0 && --countdown == 0) {
            injected++;
            return true;
        }
        return false;
    }
}
