package org.capbuddy.kernel.memory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.capbuddy.kernel.boot.Board;
import org.junit.jupiter.api.Test;

class PhysicalMemoryTest {
    private static final int PAGE = PhysicalMemory.PAGE_SIZE;

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
    void aTebibyteMachineCostsOnlyTheRootOfItsDirectoryUntilWritten() {
        Board board = Board.virt(Board.maxVirtRam());
        PhysicalMemory big = new PhysicalMemory(board.allRegions());
        assertThat(big.spanBytes()).isEqualTo(Board.DEFAULT_PHYSICAL_TOP);
        assertThat(big.directory().rootSlots()).isEqualTo(1024);
        assertThat(big.directory().tables()).isZero();

        long lastRamWord = Board.DEFAULT_RAM_BASE + Board.maxVirtRam() - 8;
        long deviceWord = 0x0800_0000L - 8; // just below the interrupt controller
        assertThat(big.regionOf(lastRamWord).device()).isFalse();
        assertThat(big.regionOf(deviceWord).device()).isTrue();
        big.writeLittleEndian(lastRamWord, 8, 0x1111_2222_3333_4444L);
        big.writeLittleEndian(deviceWord, 8, -1L);
        big.writeLittleEndian(0x10_0000L, 4, 0xDEAD_BEEFL);
        assertThat(big.readLittleEndian(lastRamWord, 8)).isEqualTo(0x1111_2222_3333_4444L);
        assertThat(big.readLittleEndian(deviceWord, 8)).isEqualTo(-1L);
        assertThat(big.readLittleEndian(0x10_0000L, 4)).isEqualTo(0xDEAD_BEEFL);
        assertThat(big.readLittleEndian(lastRamWord - PAGE, 8)).isZero();
        assertThat(big.backedBytes()).isEqualTo(3L * PAGE);
        assertThat(big.directory().tables()).as("two block tables (GiBs 0 and 1023), three page tables").isEqualTo(5);

        assertThat(big.isZero(0, Board.DEFAULT_PHYSICAL_TOP)).isFalse();
        assertThat(big.isZero(0, lastRamWord + 1)).isFalse();
        assertThat(big.isZero(deviceWord + 8, lastRamWord - deviceWord - 8)).isTrue();
        assertThat(big.isZero(0x10_0000L + 4, lastRamWord - 0x10_0000L - 4)).isFalse();
        big.zero(0, Board.DEFAULT_PHYSICAL_TOP);
        assertThat(big.backedBytes()).isZero();
        assertThat(big.directory().tables()).as("a zeroing covering a table's whole range drops it").isZero();
        assertThat(big.isZero(0, Board.DEFAULT_PHYSICAL_TOP)).isTrue();
    }

    @Test
    void onlyAZeroingCoveringATablesWholeRangeDropsTheTable() {
        long block = 0x4000_0000L + (2L << 20) * 5; // a 2 MiB aligned block
        memory.write(block + 10, (byte) 1);
        memory.write(block + (2L << 20) + 10, (byte) 1); // the next block: its own page table
        assertThat(memory.directory().tables()).isEqualTo(3);

        memory.zero(block, (2L << 20) - 1);
        assertThat(memory.directory().tables()).as("one byte short of the block").isEqualTo(3);
        assertThat(memory.backedBytes()).as("the page itself was covered").isEqualTo(PAGE);
        memory.write(block + 10, (byte) 1);
        memory.zero(block, 2L << 20);
        assertThat(memory.directory().tables()).isEqualTo(2);
        assertThat(memory.read(block + (2L << 20) + 10)).isEqualTo((byte) 1);

        memory.write(block + 10, (byte) 2);
        assertThat(memory.directory().tables()).as("made again on the next backing").isEqualTo(3);
        assertThat(memory.read(block + 10)).isEqualTo((byte) 2);
        memory.zero(0x4000_0000L, 1L << 30);
        assertThat(memory.directory().tables()).as("the whole GiB: its block table goes too").isZero();
        assertThat(memory.backedBytes()).isZero();
    }

    @Test
    void deviceMemoryIsBackedLikeRam() {
        PhysicalMemory board = new PhysicalMemory(Board.virt(1L << 30).allRegions());
        long uart = 0x0900_0000L;
        assertThat(board.regionOf(uart).device()).isTrue();
        assertThat(board.regionOf(Board.DEFAULT_RAM_BASE).device()).isFalse();
        assertThat(board.regionOf(Board.DEFAULT_PHYSICAL_TOP)).isNull();
        board.writeLittleEndian(uart + 0x18, 4, 0x90);
        board.writeLittleEndian(Board.DEFAULT_RAM_BASE + (1L << 30), 8, 5); // the first device byte after RAM
        assertThat(board.readLittleEndian(uart + 0x18, 4)).isEqualTo(0x90);
        assertThat(board.readLittleEndian(Board.DEFAULT_RAM_BASE + (1L << 30), 8)).isEqualTo(5);
        assertThat(board.backedBytes()).isEqualTo(2L * PAGE);
    }

    @Test
    void addressesBeyondTheSpanReadZeroAndIgnoreWrites() {
        PhysicalMemory small = new PhysicalMemory(List.of(new MemoryRegion(0x4000_0000L, 8192, false)));
        assertThat(small.spanBytes()).isEqualTo(2L << 30);
        long beyond = 2L << 30;
        for (long paddr : new long[] {beyond, beyond + 123, 1L << 47, Long.MAX_VALUE - 3, -8, Long.MIN_VALUE}) {
            small.writeLittleEndian(paddr, 8, -1L);
            small.write(paddr, (byte) 1);
            assertThat(small.readLittleEndian(paddr, 8)).isZero();
            assertThat(small.read(paddr)).isZero();
            assertThat(small.hostChunk(paddr >>> PhysicalMemory.PAGE_BITS)).isZero();
            assertThat(small.isZero(paddr, Long.MAX_VALUE)).isTrue();
            small.zero(paddr, Long.MAX_VALUE);
        }
        assertThat(small.backedBytes()).isZero();

        small.writeLittleEndian(beyond - 4, 8, -1L);
        assertThat(small.readLittleEndian(beyond - 4, 8)).as("the part beyond the span is dropped").isEqualTo(0xFFFF_FFFFL);
        assertThat(small.isZero(beyond - 4, Long.MAX_VALUE)).isFalse();
        small.zero(beyond - 4, Long.MAX_VALUE);
        assertThat(small.isZero(0, Long.MAX_VALUE)).isTrue();
    }

    @Test
    void regionsBeyondTheFortyEightBitAddressSpaceAreRefused() {
        assertThatThrownBy(() -> new PhysicalMemory(List.of(new MemoryRegion(PhysicalMemory.MAX_PHYSICAL_END - 4096, 8192,
                true)))).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("48-bit");
        PhysicalMemory top = new PhysicalMemory(List.of(new MemoryRegion(0, PhysicalMemory.MAX_PHYSICAL_END, true)));
        top.write(PhysicalMemory.MAX_PHYSICAL_END - 1, (byte) 9);
        assertThat(top.read(PhysicalMemory.MAX_PHYSICAL_END - 1)).isEqualTo((byte) 9);
    }

    @Test
    void accessesCrossingAPageBoundaryTouchBothPages() {
        long boundary = 0x4000_2000L;
        memory.writeLittleEndian(boundary - 3, 8, 0x0807_0605_0403_0201L);
        assertThat(memory.readLittleEndian(boundary - 3, 3)).isEqualTo(0x03_0201L);
        assertThat(memory.readLittleEndian(boundary, 5)).isEqualTo(0x08_0706_0504L);
        assertThat(memory.readLittleEndian(boundary - 3, 8)).isEqualTo(0x0807_0605_0403_0201L);
        assertThat(memory.readLittleEndian(boundary - 1, 2)).isEqualTo(0x0403);
        assertThat(memory.backedBytes()).isEqualTo(2L * PAGE);

        // a crossing store whose part on the second page is zero leaves that page unbacked
        memory.writeLittleEndian(0x4000_5000L - 2, 4, 0x0000_BBAAL);
        assertThat(memory.readLittleEndian(0x4000_5000L - 2, 4)).isEqualTo(0xBBAAL);
        assertThat(memory.hostChunk(0x4000_5000L >>> PhysicalMemory.PAGE_BITS)).isZero();
        assertThat(memory.backedBytes()).isEqualTo(3L * PAGE);
    }

    @Test
    void lengthsOtherThanOneToEightReadZeroAndWriteNothing() {
        memory.writeLittleEndian(0x4000_0000L, 8, -1L);
        memory.writeLittleEndian(0x4000_0008L, 8, -1L);
        for (int length : new int[] {0, 9, -1, Integer.MIN_VALUE}) {
            assertThat(memory.readLittleEndian(0x4000_0000L, length)).isZero();
            memory.writeLittleEndian(0x4000_1000L, length, -1L);
        }
        assertThat(memory.backedBytes()).isEqualTo(PAGE);
        for (int length = 1; length <= 8; length++) {
            assertThat(memory.readLittleEndian(0x4000_0000L + 3, length)).isEqualTo(-1L >>> (64 - 8 * length));
        }
    }

    @Test
    void aHostChunkIsTheLiveBackingOfItsPage() {
        long page = 0x4000_7000L >>> PhysicalMemory.PAGE_BITS;
        assertThat(memory.hostChunk(page)).isZero();
        memory.write(0x4000_7010L, (byte) 3);
        int chunk = memory.hostChunk(page);
        assertThat(chunk).isNotZero();
        byte[] slab = memory.hostSlab(chunk);
        int at = PhysicalMemory.hostOffset(chunk);
        assertThat(slab.length).isGreaterThanOrEqualTo(at + PAGE);
        assertThat(slab[at + 0x10]).isEqualTo((byte) 3);
        PageBytes.store(slab, at + 0x20, 8, 0x1234_5678_9ABC_DEF0L);
        assertThat(memory.readLittleEndian(0x4000_7020L, 8)).isEqualTo(0x1234_5678_9ABC_DEF0L);
        assertThat(memory.hostChunk(page)).isEqualTo(chunk);
    }

    @Test
    void zeroedChunksAreRecycledForTheNextPageNeedingBacking() {
        memory.writeLittleEndian(0x4000_0000L + 100, 8, -1L);
        memory.writeLittleEndian(0x4000_1000L + 100, 8, -1L); // keeps the slab in use
        int first = memory.hostChunk(0x4000_0000L >>> PhysicalMemory.PAGE_BITS);
        long epoch = memory.releaseEpoch();

        memory.zero(0x4000_0000L, PAGE);
        assertThat(memory.releaseEpoch()).as("taking a chunk away advances the epoch").isGreaterThan(epoch);
        assertThat(memory.hostChunk(0x4000_0000L >>> PhysicalMemory.PAGE_BITS)).isZero();
        assertThat(memory.backedBytes()).isEqualTo(PAGE);

        memory.write(0x5000_0000L + 5, (byte) 1);
        int reused = memory.hostChunk(0x5000_0000L >>> PhysicalMemory.PAGE_BITS);
        assertThat(reused).isEqualTo(first);
        assertThat(memory.readLittleEndian(0x5000_0000L + 100, 8)).as("a recycled chunk comes back zeroed").isZero();
        assertThat(memory.readLittleEndian(0x4000_0000L + 100, 8)).isZero();
        assertThat(memory.slabs().liveSlabs()).isEqualTo(1);
    }

    @Test
    void onlyTakingAChunkAwayAdvancesTheReleaseEpoch() {
        memory.writeLittleEndian(0x4000_0000L, 8, -1L);
        long epoch = memory.releaseEpoch();
        memory.zero(0x4000_0000L, 16);
        memory.zero(0x4000_1000L, 1L << 30);
        memory.write(0x4000_0020L, (byte) 1);
        assertThat(memory.releaseEpoch()).as("partial zeroing and unbacked pages keep every chunk").isEqualTo(epoch);
        assertThat(memory.readLittleEndian(0x4000_0000L, 8)).isZero();
    }

    @Test
    void aLargeZeroingGivesItsSlabsBackKeepingOneEmptySlab() {
        PhysicalMemory small = new PhysicalMemory(List.of(new MemoryRegion(0x4000_0000L, 1L << 30, false)), 16);
        int pages = 3 * 16 + 5;
        for (int i = 0; i < pages; i++) {
            small.write(0x4000_0000L + (long) i * PAGE, (byte) 1);
        }
        assertThat(small.slabBytes()).isEqualTo(4L * 16 * PAGE);
        small.zero(0x4000_0000L, (long) pages * PAGE);
        assertThat(small.backedBytes()).isZero();
        assertThat(small.slabs().liveSlabs()).as("one empty slab kept, the rest given back").isEqualTo(1);
        assertThat(small.slabs().emptySlabs()).isEqualTo(1);
        assertThat(small.slabBytes()).isEqualTo(16L * PAGE);
        long made = small.slabs().slabsAllocated();
        for (int i = 0; i < pages; i++) {
            small.write(0x6000_0000L + (long) i * PAGE + i, (byte) 2);
        }
        assertThat(small.slabs().slabsAllocated() - made).as("the kept slab serves first").isEqualTo(3);
        assertThat(small.backedBytes()).isEqualTo((long) pages * PAGE);
        for (int i = 0; i < pages; i++) {
            assertThat(small.isZero(0x6000_0000L + (long) i * PAGE, i)).isTrue();
            assertThat(small.read(0x6000_0000L + (long) i * PAGE + i)).isEqualTo((byte) 2);
            assertThat(small.isZero(0x6000_0000L + (long) i * PAGE + i + 1, PAGE - i - 1)).isTrue();
        }
    }

    @Test
    void aPageZeroedAndBackedAgainAtASlabsEdgeDoesNotChurnSlabs() {
        PhysicalMemory small = new PhysicalMemory(List.of(new MemoryRegion(0x4000_0000L, 1L << 30, false)), 4);
        for (int round = 0; round < 100; round++) {
            small.write(0x4000_0000L + 8, (byte) round);
            small.zero(0x4000_0000L, PAGE);
        }
        assertThat(small.slabs().slabsAllocated()).isEqualTo(1);
        assertThat(small.slabBytes()).as("the kept empty slab").isEqualTo(4L * PAGE);
    }

    @Test
    void pagesLeftScatteredOverManySlabsAreCompactedIntoFew() {
        PhysicalMemory small = new PhysicalMemory(List.of(new MemoryRegion(0x4000_0000L, 1L << 30, false)), 4);
        int pages = 64;
        for (int i = 0; i < pages; i++) {
            small.writeLittleEndian(0x4000_0000L + (long) i * PAGE + 8, 8, 0x1000L + i);
        }
        assertThat(small.slabBytes()).isEqualTo(16L * 4 * PAGE);
        long epoch = small.releaseEpoch();
        for (int i = 0; i < pages; i++) {
            if (i % 8 != 0) {
                small.zero(0x4000_0000L + (long) i * PAGE, PAGE);
            }
        }
        assertThat(small.releaseEpoch()).isGreaterThan(epoch);
        assertThat(small.backedBytes()).isEqualTo(8L * PAGE);
        assertThat(small.slabBytes()).as("at most twice what is backed, plus a slab")
                .isLessThanOrEqualTo(2 * small.backedBytes() + 4L * PAGE);
        for (int i = 0; i < pages; i++) {
            long expected = i % 8 == 0 ? 0x1000L + i : 0;
            assertThat(small.readLittleEndian(0x4000_0000L + (long) i * PAGE + 8, 8)).isEqualTo(expected);
            assertThat(small.isZero(0x4000_0000L + (long) i * PAGE + 16, PAGE - 16)).isTrue();
        }
    }

    @Test
    void neverWrittenPagesCostNoSlab() {
        memory.writeLittleEndian(0x4000_0000L, 8, 0);
        memory.zero(0x4000_0000L, 1L << 32);
        assertThat(memory.isZero(0x4000_0000L, 1L << 33)).isTrue();
        assertThat(memory.slabBytes()).isZero();
        memory.write(0x4000_0000L, (byte) 1);
        assertThat(memory.slabBytes()).isEqualTo((long) memory.pagesPerSlab() * PAGE);
    }

    @Test
    void overlappingRegionsAreRefused() {
        assertThatThrownBy(() -> new PhysicalMemory(List.of(new MemoryRegion(0, 8192, false),
                new MemoryRegion(4096, 8192, true)))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("overlapping");
    }
}
