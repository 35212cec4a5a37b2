package org.capbuddy.libos.allocman;

import java.util.stream.LongStream;

/**
 * The seeds of the differential tests that hold a fast structure to the old one's answers: fixed
 * ones and one fresh every run, or only {@code -Dcapbuddy.seed=N} when it is given, which is how
 * a failure (its message names its seed) is re-run.
 */
public final class DifferentialSeeds {
    private DifferentialSeeds() {
    }

    public static LongStream seeds() {
        String fixed = System.getProperty("capbuddy.seed");
        return fixed != null ? LongStream.of(Long.parseLong(fixed)) : LongStream.of(1, 2, 3, System.nanoTime());
    }

    /** What a failure says so that it can be re-run. */
    public static String rerun(long seed) {
        return "seed " + seed + " (re-run with -Dcapbuddy.seed=" + seed + ")";
    }
}
