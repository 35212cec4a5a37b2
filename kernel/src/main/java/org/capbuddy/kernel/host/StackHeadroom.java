package org.capbuddy.kernel.host;

/**
 * Makes sure there is Java stack to spare before code that must not be cut short by a
 * {@link StackOverflowError}.
 *
 * <p>The model runs a fault handler (SOS) on the Java stack of the thread that faulted, and a Java
 * user program may have recursed deep into that stack. An overflow in the middle of SOS's work
 * (half a page mapped, a slot taken but not yet recorded) would leave the allocators in a state
 * nobody can restore. So before such work starts, {@link #require(int)} recurses through a number
 * of frames of a method whose locals all stay live across its call, so that every frame really
 * takes stack. If that overflows, the overflow is raised here, before anything has changed, as a
 * {@link StackOverflowError} that says why. If it does not, the probe's frames are given back,
 * and the work below has at least that much stack to run in, beyond the shadow zone that the
 * JVM checks at every method entry.
 *
 * <p>How many frames: {@link #DEFAULT_FRAMES}, about 14 KiB compiled (130 bytes a frame) and 37
 * KiB interpreted. The deepest page fault measured, a first touch that makes a pool tree, an L2
 * CNode and page tables, needs 42 to 62 compiled probe frames, depending on the machine and on
 * what the JIT has compiled, and once 68; {@code StackHeadroomTest} measures it again on every
 * build and requires a margin of 1.5 (96 frames were the default until the 68).
 * Each frame costs about 3.4 ns, so the probe adds about 0.4 µs to every fault and system call of
 * a thread driven from Java. A driver that does not recurse as its program does, the A64
 * interpreter's run loop, probes once per run for all its faults instead
 * ({@link MachineGuard#assureHeadroom}).
 */
public final class StackHeadroom {
    /** Frames of the probe a machine requires by default. */
    public static final int DEFAULT_FRAMES = 112;

    private StackHeadroom() {
    }

    /**
     * Throws {@code refusal} now, before anything changes, unless {@code frames} probe frames fit
     * on the stack. The refusal is made beforehand ({@link #refusal()}): where the stack has just
     * overflowed even an exception's constructor may not fit, and throwing a ready one needs no
     * stack at all.
     */
    public static void require(int frames, StackOverflowError refusal) {
        if (frames <= 0) {
            return;
        }
        try {
            if (probe(frames, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, null) == 42) {
                // Unreachable in practice; keeps the JIT from proving the probe's result unused.
                Thread.onSpinWait();
            }
        } catch (StackOverflowError e) {
            throw refusal;
        }
    }

    /** A refusal for {@link #require}, to be made once, while there is stack to make it. */
    public static StackOverflowError refusal() {
        return new TooDeep();
    }

    /**
     * The refusal {@link #require} raises: thrown where the stack has just overflowed, so it
     * carries no stack trace (a native stack walk needs more stack than is left) and no state that
     * changes, and one instance serves every refusal of a machine.
     */
    static final class TooDeep extends StackOverflowError {
        private static final long serialVersionUID = 1L;

        TooDeep() {
            super("the Java stack is too deep to run a fault handler or system call safely; "
                    + "the user program's own recursion used it up");
        }

        @Override
        public synchronized Throwable fillInStackTrace() {
            return this;
        }
    }

    /**
     * Runs {@code work} below {@code frames} probe frames: how a test measures, in probe frames,
     * how much stack some work needs (the deepest {@code frames} at which it still completes,
     * against the deepest at which nothing runs).
     */
    public static void below(int frames, Runnable work) {
        probe(Math.max(0, frames), 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, work);
    }

    /** Each frame keeps twelve longs live across the recursive call, so none can live only in registers. */
    private static long probe(int depth, long a, long b, long c, long d, long e, long f, long g, long h, long i,
                              long j, long k, long l, Runnable atTheBottom) {
        if (depth == 0) {
            if (atTheBottom != null) {
                atTheBottom.run();
            }
            return a ^ b ^ c ^ d ^ e ^ f ^ g ^ h ^ i ^ j ^ k ^ l;
        }
        long below = probe(depth - 1, b, c, d, e, f, g, h, i, j, k, l, a + depth, atTheBottom);
        return below + (a * 3) - (b << 1) + (c ^ d) - (e | f) + (g & h) + (i * j) - (k ^ l);
    }
}
