package org.capbuddy.libos.bootstrap;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.capbuddy.libos.allocman.Allocman;
import org.capbuddy.libos.allocman.ReserveConfig;
import org.capbuddy.libos.allocman.mspace.DualPool;
import org.capbuddy.libos.allocman.mspace.StaticPool;
import org.capbuddy.libos.vka.AllocErrorKind;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@code Allocman.mspaceAllocChunk}, the bookkeeping request without a Result, against
 * {@code mspaceAlloc}: the same chunks, the virtual pool grown through the slow path when the
 * quick one finds no room, the same refusals, and a refusal changes nothing.
 */
class MspaceAllocChunkTest {
    private static final long RECORD = 64;

    @ParameterizedTest
    @EnumSource(CSpaceLayout.class)
    void grantsDistinctChunksAndGrowsThePoolWhenItRunsOut(CSpaceLayout layout) {
        LibosFixture fx = LibosFixture.boot(layout, 64L << 20);
        var before = fx.settledBalance();
        long pagesBefore = fx.allocman.mspace().virtualPool().pagesHeld();
        Set<Long> seen = new HashSet<>();
        List<Long> chunks = new ArrayList<>();
        // Enough records to fill the static pool and the virtual pool's pages, and then some.
        long room = fx.allocman.mspace().bytesAvailable();
        int count = (int) (room / RECORD) + 3 * 4096 / (int) RECORD;
        for (int i = 0; i < count; i++) {
            long address = i % 2 == 0 ? fx.allocman.mspaceAllocChunk(RECORD)
                    : fx.allocman.mspaceAlloc(RECORD).longValue();
            assertThat(address).as("chunk %d: %s", i, fx.allocman.chunkRefusal()).isNotNegative();
            assertThat(seen.add(address)).as("chunk 0x%x handed out twice", address).isTrue();
            chunks.add(address);
        }
        assertThat(fx.allocman.mspace().virtualPool().pagesHeld()).isGreaterThan(pagesBefore);
        for (long address : chunks) {
            assertThat(fx.allocman.mspaceFree(address, RECORD).isOk()).isTrue();
        }
        assertThat(fx.settledBalance()).isEqualTo(before);
        fx.assertInvariants();
    }

    @ParameterizedTest
    @EnumSource(CSpaceLayout.class)
    void anInjectedRefusalIsReportedAndChangesNothing(CSpaceLayout layout) {
        LibosFixture fx = LibosFixture.boot(layout, 64L << 20);
        var before = fx.settledBalance();
        fx.allocman.failures().failNth(1);
        assertThat(fx.allocman.mspaceAllocChunk(RECORD)).isEqualTo(Allocman.NO_CHUNK);
        assertThat(fx.allocman.failures().armed()).as("the injected failure was used").isFalse();
        assertThat(fx.allocman.chunkRefusal().kind()).isEqualTo(AllocErrorKind.OUT_OF_BOOKKEEPING);
        assertThat(fx.allocman.chunkRefusal().detail()).contains("injected failure (bookkeeping)");
        assertThat(fx.settledBalance()).isEqualTo(before);
        long address = fx.allocman.mspaceAllocChunk(RECORD);
        assertThat(address).isNotNegative();
        assertThat(fx.allocman.mspaceFree(address, RECORD).isOk()).isTrue();
        assertThat(fx.settledBalance()).isEqualTo(before);
        fx.assertInvariants();
    }

    /**
     * Leaving an outermost request refills the reserves; when the refill's own chunk requests are
     * refused too, the request still reports its own refusal, not the refill's.
     */
    @Test
    void aRefusalIsTheRequestsOwnWhenTheRefillAfterItIsRefusedToo() {
        LibosFixture fx = LibosFixture.boot(CSpaceLayout.SINGLE_LEVEL, 64L << 20);
        // Room for four 64-byte chunks and a reserve that wants ten: every refill stays short.
        Allocman small = new Allocman(fx.vka.sel4(), new DualPool(new StaticPool(0x7000_0000L, 256)));
        small.configureReserves(new ReserveConfig(0, List.of(), List.of(new ReserveConfig.ChunkReserve(64, 10))));

        var zero = small.mspaceAlloc(0);
        assertThat(zero.error().kind()).isEqualTo(AllocErrorKind.BAD_ARGUMENT);
        assertThat(zero.error().detail()).contains("bookkeeping request of 0 bytes");
        assertThat(small.mspaceAllocChunk(0)).isEqualTo(Allocman.NO_CHUNK);
        assertThat(small.chunkRefusal().kind()).isEqualTo(AllocErrorKind.BAD_ARGUMENT);

        assertThat(small.mspaceAlloc(32).error().detail()).contains("32 asked");
        small.failures().failNth(1);
        assertThat(small.mspaceAllocChunk(32)).isEqualTo(Allocman.NO_CHUNK);
        assertThat(small.chunkRefusal().detail()).contains("injected failure (bookkeeping)");
    }

    @ParameterizedTest
    @EnumSource(CSpaceLayout.class)
    void aBadSizeIsRefusedAsMspaceAllocRefusesIt(CSpaceLayout layout) {
        LibosFixture fx = LibosFixture.boot(layout, 64L << 20);
        var before = fx.settledBalance();
        for (long bytes : new long[] {0, -8, 16 * 4096 + 1}) {
            var expected = fx.allocman.mspaceAlloc(bytes);
            assertThat(expected.isOk()).isFalse();
            assertThat(fx.allocman.mspaceAllocChunk(bytes)).isEqualTo(Allocman.NO_CHUNK);
            assertThat(fx.allocman.chunkRefusal()).isEqualTo(expected.error());
        }
        assertThat(fx.settledBalance()).isEqualTo(before);
    }
}
