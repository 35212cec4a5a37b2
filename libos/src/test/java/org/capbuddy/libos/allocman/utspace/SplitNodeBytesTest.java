package org.capbuddy.libos.allocman.utspace;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.junit.jupiter.api.Test;
import org.openjdk.jol.info.ClassLayout;
import org.openjdk.jol.vm.VM;

/**
 * A split node is 64 host bytes (plain allocman keeps two per frame it hands out; the README's
 * 366 bytes a frame count on it), under the layout of heaps below 32 GiB (compressed references
 * and class pointers); under another layout the test is skipped.
 */
class SplitNodeBytesTest {
    @Test
    void aSplitNodeIs64Bytes() {
        assumeTrue(VM.current().sizeOfField("java.lang.Object") == 4 && VM.current().classPointerSize() == 4,
                "the figure is for compressed references and class pointers");
        assertThat(ClassLayout.parseClass(SplitNode.class).instanceSize()).isEqualTo(64);
    }
}
