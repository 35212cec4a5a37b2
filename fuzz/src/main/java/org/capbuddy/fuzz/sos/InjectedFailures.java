package org.capbuddy.fuzz.sos;

import java.util.SplittableRandom;
import org.capbuddy.kernel.host.FailureInjector;

/**
 * Failures the fuzzer injects into SOS's faults when it pages: before one access or block
 * copy in {@link #ONE_IN}, the kernel's or allocman's switch is armed to fail its N-th allocation (N from
 * 1 to {@link #MAX_STEP}), so that a page-in, an eviction or a page table for the page fails
 * part-way. The access must then kill its process for want of memory, and the fault leave
 * everything as before: the victim resident again with its bytes, the page still in its slot,
 * the balance the same. The choices come from a stream of their own, so that a seed's
 * operations are the same with them.
 */
final class InjectedFailures {
    static final int ONE_IN = 40;
    static final int MAX_STEP = 6;
    /** Mixed into the seed for this stream (another odd constant than the paging setup's). */
    private static final long STREAM = 0xD1B5_4A32_D192_ED03L;

    private final SplittableRandom random;
    private final FuzzMachine machine;
    private final boolean enabled;
    private FailureInjector armed;
    private long fired;

    InjectedFailures(long seed, FuzzMachine machine, boolean enabled) {
        this.random = new SplittableRandom(seed ^ STREAM);
        this.machine = machine;
        this.enabled = enabled;
    }

    /** Whether to fail an allocation in the coming access (then {@link #arm} it, once its balance is taken). */
    boolean draw() {
        return enabled && random.nextInt(ONE_IN) == 0;
    }

    /** Arms the kernel's or allocman's switch to fail its N-th allocation from now. */
    void arm() {
        armed = random.nextBoolean() ? machine.kernelFailures() : machine.allocmanFailures();
        armed.failNth(1 + random.nextInt(MAX_STEP));
    }

    /** Whether the switch armed for this access has failed an allocation (the one excuse for an early kill). */
    boolean fired() {
        return armed != null && !armed.armed();
    }

    /** Disarms the switch after the access; whether it had fired. */
    boolean disarm() {
        if (armed == null) {
            return false;
        }
        boolean didFire = fired();
        armed.disarm();
        armed = null;
        if (didFire) {
            fired++;
        }
        return didFire;
    }

    /** Allocations failed on purpose so far. */
    long count() {
        return fired;
    }
}
