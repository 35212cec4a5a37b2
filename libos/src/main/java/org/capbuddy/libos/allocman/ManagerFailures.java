package org.capbuddy.libos.allocman;

/**
 * Fault injection for allocman: when armed with N, the N-th allocation entering allocman from now
 * (a slot, an object or bookkeeping bytes, nested calls included) is refused as if its manager
 * were exhausted; then the switch disarms itself. With the kernel's own switch this lets tests
 * fail an operation at every step in turn.
 */
public final class ManagerFailures {
    private long countdown;
    private long entries;
    private long injected;

    public void failNth(long n) {
        countdown = Math.max(0, n);
    }

    public void disarm() {
        countdown = 0;
    }

    public boolean armed() {
        return countdown > 0;
    }

    public long injected() {
        return injected;
    }

    /** Allocation entries seen so far (how many steps an operation had). */
    public long entries() {
        return entries;
    }

    boolean shouldFail() {
        entries++;
        if (countdown > 0 && --countdown == 0) {
            injected++;
            return true;
        }
        return false;
    }
}
