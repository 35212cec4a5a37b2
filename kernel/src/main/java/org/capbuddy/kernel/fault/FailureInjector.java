package org.capbuddy.kernel.fault;

/**
 * A switch that makes an allocating kernel invocation fail on purpose, so that tests can prove
 * every caller copes with a failure at every step. When armed with N, the N-th allocating
 * invocation from now (Untyped_Retype or ASIDControl_MakePool) that passed all its checks
 * returns NotEnoughMemory (MR0 = 0) and changes nothing; then the switch disarms itself.
 */
public final class FailureInjector {
    private long countdown;
    private long injected;
    private long allocatingInvocations;

    /** Fails the {@code n}-th allocating invocation from now (n &ge; 1); 0 disarms. */
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

    /** How many allocating invocations reached the point where one could be failed. */
    public long allocatingInvocations() {
        return allocatingInvocations;
    }

    /** Called by an allocating invocation after its checks pass; true means: fail now. */
    public boolean shouldFail() {
        allocatingInvocations++;
        if (countdown > 0 && --countdown == 0) {
            injected++;
            return true;
        }
        return false;
    }
}
