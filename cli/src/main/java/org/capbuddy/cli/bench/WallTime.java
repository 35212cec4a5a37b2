package org.capbuddy.cli.bench;

import java.util.Arrays;
import java.util.List;

/**
 * One allocator's host wall time over a run's repeats, in milliseconds: how many, the smallest,
 * the median, the largest and the standard deviation (of the sample, 0 for one run). Exact counts
 * need no such statistics: the repeats must agree on them to the digit.
 */
public record WallTime(int repeats, double min, double median, double max, double stdDev) {

    /** The statistics of {@code millis} (at least one). */
    static WallTime of(List<Double> millis) {
        double[] sorted = millis.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        int n = sorted.length;
        double median = n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
        double mean = Arrays.stream(sorted).average().orElse(0);
        double squares = Arrays.stream(sorted).map(x -> (x - mean) * (x - mean)).sum();
        return new WallTime(n, sorted[0], median, sorted[n - 1], n < 2 ? 0 : Math.sqrt(squares / (n - 1)));
    }
}
