package org.capbuddy.libos.allocman.utspace;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.management.HotSpotDiagnosticMXBean;
import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.Test;
import org.openjdk.jol.info.ClassLayout;

/**
 * A split node is 64 host bytes (plain allocman keeps two per frame it hands out; the README's
 * 366 bytes a frame count on it), under the layout of heaps below 32 GiB (compressed references
 * and class pointers); under another layout the test is skipped.
 */
class SplitNodeBytesTest {
    @Test
    void aSplitNodeIs64Bytes() {
        HotSpotDiagnosticMXBean vm = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
        assumeTrue(Boolean.parseBoolean(vm.getVMOption("UseCompressedOops").getValue())
                && Boolean.parseBoolean(vm.getVMOption("UseCompressedClassPointers").getValue()),
                "the figure is for compressed references and class pointers");
        assertThat(ClassLayout.parseClass(SplitNode.class).instanceSize()).isEqualTo(64);
    }
}
