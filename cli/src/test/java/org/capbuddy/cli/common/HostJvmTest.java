package org.capbuddy.cli.common;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class HostJvmTest {

    @Test
    void namesTheCollectorFamilyFromItsMemoryManagers() {
        assertThat(HostJvm.collectorFamily(List.of("G1 Young Generation", "G1 Old Generation"))).isEqualTo("G1");
        assertThat(HostJvm.collectorFamily(List.of("Copy", "MarkSweepCompact"))).isEqualTo("Serial");
        assertThat(HostJvm.collectorFamily(List.of("PS Scavenge", "PS MarkSweep"))).isEqualTo("Parallel");
        assertThat(HostJvm.collectorFamily(List.of("ZGC Cycles", "ZGC Pauses"))).isEqualTo("ZGC");
        assertThat(HostJvm.collectorFamily(List.of("Shenandoah Pauses"))).isEqualTo("Shenandoah");
        assertThat(HostJvm.collectorFamily(List.of("Epsilon Heap"))).isEqualTo("Epsilon Heap");
        assertThat(HostJvm.collectorFamily(List.of())).isEqualTo("none reported");
    }

    @Test
    void describesTheRuntimeThisTestRunsOn() {
        HostJvm host = HostJvm.current();
        assertThat(host.javaVersion()).isEqualTo(System.getProperty("java.version"));
        assertThat(host.processors()).isEqualTo(Runtime.getRuntime().availableProcessors());
        assertThat(host.maxHeapBytes()).isEqualTo(Runtime.getRuntime().maxMemory());
        assertThat(host.collector()).isNotBlank();
        assertThat(host.describe()).startsWith("Java " + host.javaVersion() + " (")
                .contains(host.collector() + " collector").contains(host.processors() + " CPU");
    }

    @Test
    void oneProcessorIsSingular() {
        assertThat(new HostJvm("17", "VM", "Serial", 1, 1L << 30).describe())
                .isEqualTo("Java 17 (VM), Serial collector, 1 CPU, heap limit 1 GiB");
    }
}
