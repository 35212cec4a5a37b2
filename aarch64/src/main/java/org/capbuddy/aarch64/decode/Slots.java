package org.capbuddy.aarch64.decode;

/**
 * Where register number 31 goes once decoded: the register file has one slot for SP, one that
 * always reads 0 and one that swallows writes (see {@code CpuState}'s layout), so the decoder picks
 * the slot an operand position means and execution never tests for 31.
 */
public final class Slots {
    private Slots() {
    }

    public static final int SP = 31;
    /** XZR read as a source: never written. */
    public static final int ZERO = 32;
    /** XZR as a destination: written, never read. */
    public static final int SINK = 33;

    /** A source where 31 is XZR. */
    static int src(int n) {
        return n == 31 ? ZERO : n;
    }

    /** A destination where 31 is XZR. */
    static int dst(int n) {
        return n == 31 ? SINK : n;
    }

    /** A source or destination where 31 is SP. */
    static int sp(int n) {
        return n;
    }
}
