package org.capbuddy.kernel.memory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class PhysicalMemoryTest {
    private final PhysicalMemory memory = new PhysicalMemory(List.of(new MemoryRegion(0x4000_0000L, 1L << 36, false)));

    @Test
    void neverWrittenMemoryReadsZeroAndCostsNothing() {
        assertThat(memory.read(0x4000_1234L)).isZero();
        assertThat(memory.readLittleEndian(0x5000_0000L, 8)).isZero();
        memory.write(0x4000_0000L, (byte) 0);
        memory.writeLittleEndian(0x4000_0008L, 8, 0);
        assertThat(memory.backedBytes()).isZero();
    }

    @Test
    void littleEndianRoundTrip() {
        memory.writeLittleEndian(0x4000_0ff8L, 8, 0x0102_0304_0506_0708L);
        assertThat(memory.read(0x4000_0ff8L)).isEqualTo((byte) 0x08);
        assertThat(memory.readLittleEndian(0x4000_0ff8L, 8)).isEqualTo(0x0102_0304_0506_0708L);
        assertThat(memory.readLittleEndian(0x4000_0ffcL, 2)).isEqualTo(0x0304);
        assertThat(memory.backedBytes()).isEqualTo(PhysicalMemory.PAGE_SIZE);
    }

    @Test
    void zeroingWholePagesReleasesTheirBackingAndPartialPagesAreCleared() {
        for (long p = 0; p < 8; p++) {
            memory.write(0x4000_0000L + p * 4096 + 100, (byte) 7);
        }
        memory.zero(0x4000_0000L + 200, 6 * 4096);
        assertThat(memory.read(0x4000_0000L + 100)).isEqualTo((byte) 7);
        assertThat(memory.read(0x4000_6000L + 100)).isZero();
        assertThat(memory.read(0x4000_7000L + 100)).isEqualTo((byte) 7);
        assertThat(memory.isZero(0x4000_1000L, 5 * 4096)).isTrue();
        assertThat(memory.isZero(0x4000_0000L, 8 * 4096)).isFalse();
        assertThat(memory.backedBytes()).isEqualTo(3L * PhysicalMemory.PAGE_SIZE);
    }

    @Test
    void zeroingAPartialPageFromAPageBoundaryClearsIt() {
        // Regression: a range starting on a page boundary and ending inside that page was skipped.
        memory.writeLittleEndian(0x4000_2000L, 8, -1L);
        memory.writeLittleEndian(0x4000_3000L + 100, 8, -1L);
        memory.zero(0x4000_2000L, 100);
        assertThat(memory.readLittleEndian(0x4000_2000L, 8)).isZero();
        memory.zero(0x4000_2000L + 10, 4096 + 200);
        assertThat(memory.readLittleEndian(0x4000_3000L + 100, 8)).isZero();
    }

    @Test
    void zeroingAHugeRangeIsCheapWhenLittleWasWritten() {
        memory.write(0x4_0000_0000L, (byte) 1);
        memory.zero(0x4000_0000L, 1L << 35);
        assertThat(memory.read(0x4_0000_0000L)).isZero();
        assertThat(memory.isZero(0x4000_0000L, 1L << 35)).isTrue();
        assertThat(memory.backedBytes()).isZero();
    }

    @Test
    void overlappingRegionsAreRefused() {
        assertThatThrownBy(() -> new PhysicalMemory(List.of(new MemoryRegion(0, 8192, false),
                new MemoryRegion(4096, 8192, true)))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("overlapping");
    }
}
