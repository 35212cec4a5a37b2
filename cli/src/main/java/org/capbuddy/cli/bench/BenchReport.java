package org.capbuddy.cli.bench;

import java.util.List;
import java.util.Map;

/**
 * A {@code capbuddy bench} run: the workload and its parameters, each allocator's figures, and
 * the ratios CapBuddy/stock of the figures that have both (measured in the same run). {@code cspace}
 * says which CSpace allocman had, in words.
 */
public record BenchReport(String workload, long seed, long iterations, long ramBytes, String cspace, String distribution,
                          List<AllocatorRun> runs, Map<String, Double> ratios) {

    public BenchReport {
        runs = List.copyOf(runs);
        ratios = Map.copyOf(ratios);
    }
}
