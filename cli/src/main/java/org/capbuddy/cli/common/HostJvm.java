package org.capbuddy.cli.common;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.Locale;

/**
 * The Java runtime a report's wall times were measured on: its version, the garbage collector it
 * ran with, the processors it could use and its heap limit. Counts do not depend on any of these;
 * host times do (the collector alone moved {@code bench mcmc} by a quarter on one machine), so a
 * report that gives a time says where it came from.
 *
 * @param collector the collector's family (Serial, Parallel, G1, ...) or, for one this build does
 *                  not know, its memory managers' names
 */
public record HostJvm(String javaVersion, String vm, String collector, int processors, long maxHeapBytes) {

    /** The runtime this process runs on. */
    public static HostJvm current() {
        Runtime rt = Runtime.getRuntime();
        List<String> managers = ManagementFactory.getGarbageCollectorMXBeans().stream()
                .map(GarbageCollectorMXBean::getName).toList();
        return new HostJvm(System.getProperty("java.version", "unknown"), System.getProperty("java.vm.name", "unknown"),
                collectorFamily(managers), rt.availableProcessors(), rt.maxMemory());
    }

    /** The family a JVM's collector belongs to, from the names of its memory managers. */
    static String collectorFamily(List<String> managers) {
        String names = String.join(", ", managers);
        if (names.contains("G1")) {
            return "G1";
        }
        if (names.contains("PS Scavenge") || names.contains("PS MarkSweep")) {
            return "Parallel";
        }
        if (names.contains("Copy") || names.contains("MarkSweepCompact")) {
            return "Serial";
        }
        if (names.contains("ZGC")) {
            return "ZGC";
        }
        if (names.contains("Shenandoah")) {
            return "Shenandoah";
        }
        return managers.isEmpty() ? "none reported" : names;
    }

    /** One line for a report's heading. */
    public String describe() {
        return String.format(Locale.ROOT, "Java %s (%s), %s collector, %d CPU%s, heap limit %s", javaVersion, vm,
                collector, processors, processors == 1 ? "" : "s", ByteSize.format(maxHeapBytes));
    }
}
