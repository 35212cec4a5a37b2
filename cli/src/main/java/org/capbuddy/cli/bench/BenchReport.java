package org.capbuddy.cli.bench;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import org.capbuddy.cli.common.HostJvm;
import org.capbuddy.cli.common.ToolVersion;
import org.capbuddy.kernel.cost.CycleCostModel;
import org.capbuddy.libos.machine.MachineConfig;
import java.util.Map;

/**
 * A {@code capbuddy bench} run: the workload and its parameters, each allocator's figures, and
 * the ratios CapBuddy/stock of the figures that have both (measured in the same run). {@code cspace}
 * says which CSpace allocman had, in words. {@code spec} is the whole run as {@code bench --spec}
 * takes it back; {@code machines} (each allocator's machine configuration, pool settings
 * included), {@code costModel} and {@code tool} (version and commit) say what it ran on.
 * {@code wallTime} gives each allocator's wall time over the spec's repeats (each run's
 * {@code wallMillis} is their median; the counts are the same in every repeat), and {@code host}
 * the Java runtime they were measured on (null when not recorded).
 */
public record BenchReport(String workload, long seed, long iterations, long ramBytes, String cspace, String distribution,
                          List<AllocatorRun> runs, Map<String, Double> ratios, BenchSpec spec,
                          Map<String, MachineConfig> machines, CycleCostModel costModel, ToolVersion tool,
                          Map<String, WallTime> wallTime, HostJvm host) {

    public BenchReport {
        runs = List.copyOf(runs);
        ratios = AllocatorRun.sorted(ratios);
        // in the allocators' order, as the runs are
        machines = Collections.unmodifiableMap(new LinkedHashMap<>(machines));
        wallTime = Collections.unmodifiableMap(new LinkedHashMap<>(wallTime));
    }

    /** A report whose host was not recorded (one made by hand, or by a build from before it was). */
    public BenchReport(String workload, long seed, long iterations, long ramBytes, String cspace, String distribution,
                       List<AllocatorRun> runs, Map<String, Double> ratios, BenchSpec spec,
                       Map<String, MachineConfig> machines, CycleCostModel costModel, ToolVersion tool,
                       Map<String, WallTime> wallTime) {
        this(workload, seed, iterations, ramBytes, cspace, distribution, runs, ratios, spec, machines, costModel, tool,
                wallTime, null);
    }

    /** What the run is called in files, charts and tables: the original's experiment it reproduces, or the workload. */
    public String name() {
        return spec != null && spec.experiment() != null ? spec.experiment() : workload;
    }
}
