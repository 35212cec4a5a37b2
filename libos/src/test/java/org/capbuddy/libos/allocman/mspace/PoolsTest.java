package org.capbuddy.libos.allocman.mspace;

import static org.assertj.core.api.Assertions.assertThat;

import org.capbuddy.libos.vka.AllocErrorKind;
import org.junit.jupiter.api.Test;

class PoolsTest {

    @Test
    void staticPoolRefusesWhenFullAndChecksFrees() {
        StaticPool pool = new StaticPool(0x10000, 256);
        assertThat(pool.alloc(null, 200).isOk()).isTrue();
        var full = pool.alloc(null, 64);
        assertThat(full.error().kind()).isEqualTo(AllocErrorKind.OUT_OF_BOOKKEEPING);
        assertThat(pool.alloc(null, 0).error().kind()).isEqualTo(AllocErrorKind.BAD_ARGUMENT);
        assertThat(pool.free(null, 0x10000 + 208, 16).error().kind()).isEqualTo(AllocErrorKind.NOT_ALLOCATED);
        assertThat(pool.free(null, 0x10000, 200).isOk()).isTrue();
        assertThat(pool.free(null, 0x10000, 200).error().kind()).isEqualTo(AllocErrorKind.NOT_ALLOCATED);
        assertThat(pool.bytesInUse()).isZero();
    }

    @Test
    void aRequestNearTwoToThe63IsRefusedAndLeavesThePoolAsItWas() {
        StaticPool pool = new StaticPool(0x10000, 256);
        for (long huge : new long[] {Long.MAX_VALUE, Long.MAX_VALUE - 15, 1L << 62}) {
            assertThat(pool.alloc(null, huge).error().kind()).as("%d bytes", huge)
                    .isEqualTo(AllocErrorKind.OUT_OF_BOOKKEEPING);
        }
        assertThat(pool.bytesInUse()).isZero();
        assertThat(pool.alloc(null, 256).isOk()).as("the whole pool is still there").isTrue();
    }

    @Test
    void dualPoolUsesTheStaticPoolUntilAVirtualOneIsAttached() {
        DualPool dual = new DualPool(new StaticPool(0x10000, 1024));
        long a = dual.alloc(null, 100).value();
        assertThat(a).isBetween(0x10000L, 0x10400L);
        assertThat(dual.free(null, 0x9999_0000L, 16).error().kind()).isEqualTo(AllocErrorKind.NOT_ALLOCATED);
        assertThat(dual.free(null, a, 100).isOk()).isTrue();
        assertThat(dual.bytesInUse()).isZero();
    }
}
