package org.capbuddy.kernel.testing;

import java.util.stream.LongStream;

/**
 * The seeds of a differential test that holds a packed or fast kernel structure to a plain
 * reference: seeds 1..{@code fixedSeeds} and one fresh every run, or only the seed given in the
 * test's system property, which is how a failure (its message names its seed) is re-run.
 */
public final class DifferentialSeeds {
    private DifferentialSeeds() {
    }

    public static LongStream seeds(String property, int fixedSeeds) {
        String fixed = System.getProperty(property);
        if (fixed != null) {
            return LongStream.of(Long.parseLong(fixed));
        }
        return LongStream.concat(LongStream.rangeClosed(1, fixedSeeds), LongStream.of(System.nanoTime()));
    }
}
