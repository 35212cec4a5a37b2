package org.capbuddy.kernel.host;

/**
 * Makes sure there is Java stack to spare before code that must not be cut short by a
 * {@link StackOverflowError}.
 *
 * <p>The model runs a fault handler (SOS) on the Java stack of the thread that faulted, and a Java
 * user program may have recursed deep into that stack. An overflow in the middle of SOS's work
 * (half a page mapped, a slot taken but not yet recorded) would leave the allocators in a state
 * nobody can restore. So before such work starts, {@link #require()} recurses through
 * {@link #PROBE_FRAMES} frames of a method whose locals all stay live across its call, so that
 * every frame really takes stack: if that overflows, the overflow is raised here, before anything
 * has changed, as a {@link StackOverflowError} that says why; if it does not, the probe's frames
 * are given back and the work below has at least that much stack (plus the JVM's own shadow
 * zone) to run in. {@code StackHeadroomTest} checks that the deepest page fault SOS handles
 * needs less than the probe takes.
 */
public final class StackHeadroom {
    /** Frames of the probe: about 48 KiB of stack when compiled, more when interpreted. */
    public static final int PROBE_FRAMES = 192;

    private StackHeadroom() {
    }

    /** Throws a {@link StackOverflowError} now, before anything changes, if the stack is nearly used up. */
    public static void require() {
        try {
            if (probe(PROBE_FRAMES, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12) == 42) {
                // Unreachable in practice; keeps the JIT from proving the probe's result unused.
                Thread.onSpinWait();
            }
        } catch (StackOverflowError e) {
            StackOverflowError refused = new StackOverflowError(
                    "the Java stack is too deep to run a fault handler or system call safely; "
                            + "the user program's own recursion used it up");
            refused.initCause(e);
            throw refused;
        }
    }

    /** Each frame keeps twelve longs live across the recursive call, so none can live only in registers. */
    private static long probe(int depth, long a, long b, long c, long d, long e, long f, long g, long h, long i,
                              long j, long k, long l) {
        if (depth == 0) {
            return a ^ b ^ c ^ d ^ e ^ f ^ g ^ h ^ i ^ j ^ k ^ l;
        }
        long below = probe(depth - 1, b, c, d, e, f, g, h, i, j, k, l, a + depth);
        return below + (a * 3) - (b << 1) + (c ^ d) - (e | f) + (g & h) + (i * j) - (k ^ l);
    }
}
