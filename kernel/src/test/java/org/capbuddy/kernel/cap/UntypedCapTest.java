package org.capbuddy.kernel.cap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The untyped cap's value: its size kept in a byte, its bounds and watermark from it. */
class UntypedCapTest {
    @Test
    void theLargestSizeKeepsItsBoundsAndWatermark() {
        Cap.Untyped ut = new Cap.Untyped(0, 63, false, 0).withFreeIndex(1L << 40);
        assertThat(ut.sizeBits()).isEqualTo((byte) 63);
        assertThat(ut.size()).isEqualTo(1L << 63);
        assertThat(ut.watermark()).isEqualTo(1L << 44);
        assertThat(ut.freeBytes()).isEqualTo((1L << 63) - (1L << 44));
    }

    @Test
    void aValueIsEqualWhicheverConstructorMadeIt() {
        assertThat(new Cap.Untyped(0x4000, 12, true, 3)).isEqualTo(new Cap.Untyped(0x4000, (byte) 12, true, 3));
    }

    @ParameterizedTest
    @ValueSource(ints = {-1, 64, 256 + 12, Integer.MIN_VALUE})
    void aSizeOutsideZeroTo63IsRefusedNotWrapped(int bits) {
        assertThatThrownBy(() -> new Cap.Untyped(0, bits, false, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("0..63");
    }

    @Test
    void aNegativeByteIsRefused() {
        assertThatThrownBy(() -> new Cap.Untyped(0, (byte) -5, false, 0))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
