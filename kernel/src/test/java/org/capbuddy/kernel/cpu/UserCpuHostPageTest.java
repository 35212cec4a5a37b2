package org.capbuddy.kernel.cpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.capbuddy.kernel.cpu.CpuFx.D;
import static org.capbuddy.kernel.cpu.CpuFx.FREE_VA;
import static org.capbuddy.kernel.cpu.CpuFx.PAGE;
import static org.capbuddy.kernel.cpu.CpuFx.ROOT;
import static org.capbuddy.kernel.cpu.CpuFx.ok;

import org.capbuddy.kernel.api.CapRights;
import org.capbuddy.kernel.api.ObjectType;
import org.capbuddy.kernel.memory.PhysicalMemory;
import org.junit.jupiter.api.Test;

/**
 * The host chunks (slab array and offset) the TLB keeps so that a hit is one array access: a hit
 * sees every change to the page's memory made behind it, and a chunk that zeroing took away (and
 * may have given to another page) is never used for its old page again. None of this shows in
 * hits, misses or walks.
 */
class UserCpuHostPageTest {
    private final CpuFx fx = new CpuFx();
    private final PhysicalMemory mem = fx.kernel.physicalMemory();

    private static long pageNumber(long paddr) {
        return paddr >>> PhysicalMemory.PAGE_BITS;
    }

    @Test
    void hitsReadAndWriteThePagesHostArrayAndSeeTheKernelsWrites() {
        CpuFx.UserThread t = fx.new UserThread();
        long frame = fx.object(ObjectType.SMALL_PAGE);
        fx.mapRw(frame, t.vspace, FREE_VA);
        long paddr = fx.paddr(frame);

        assertThat(t.cpu.write(FREE_VA + 8, 8, 0x0102_0304_0506_0708L)).isTrue();
        long walks = fx.mmuWalks();
        assertThat(t.cpu.read(FREE_VA + 8, 8)).isEqualTo(0x0102_0304_0506_0708L);
        assertThat(t.cpu.write(FREE_VA + 4094, 2, 0xBEEF)).isTrue();
        assertThat(mem.readLittleEndian(paddr + 4094, 2)).isEqualTo(0xBEEF);

        mem.writeLittleEndian(paddr + 8, 4, 0xCAFE_F00DL);
        assertThat(t.cpu.read(FREE_VA + 8, 8)).isEqualTo(0x0102_0304_CAFE_F00DL);
        assertThat(t.cpu.read(FREE_VA + 9, 2)).as("an unaligned hit").isEqualTo(0xFEF0);
        assertThat(fx.mmuWalks()).as("every access after the first hit").isEqualTo(walks);
        assertThat(t.cpu.tlbMisses()).isEqualTo(1);
    }

    @Test
    void aHitOnAPageWithoutBackingSeesBackingGivenToItMeanwhile() {
        CpuFx.UserThread t = fx.new UserThread();
        long frame = fx.object(ObjectType.SMALL_PAGE);
        fx.mapRw(frame, t.vspace, FREE_VA);
        long paddr = fx.paddr(frame);

        assertThat(t.cpu.read(FREE_VA, 8)).isZero();
        assertThat(t.cpu.read(FREE_VA, 8)).isZero();
        mem.writeLittleEndian(paddr + 16, 8, 42);
        assertThat(t.cpu.read(FREE_VA + 16, 8)).isEqualTo(42);
        assertThat(t.cpu.tlbMisses()).isEqualTo(1);
        assertThat(t.cpu.tlbHits()).isEqualTo(2);
    }

    @Test
    void aZeroStoreHitLeavesAPageUnbackedAndTheFirstNonZeroOneBacksIt() {
        CpuFx.UserThread t = fx.new UserThread();
        long frame = fx.object(ObjectType.SMALL_PAGE);
        fx.mapRw(frame, t.vspace, FREE_VA);
        long paddr = fx.paddr(frame);
        assertThat(t.cpu.read(FREE_VA, 8)).isZero();
        long backed = mem.backedBytes();

        assertThat(t.cpu.write(FREE_VA, 8, 0)).isTrue();
        assertThat(mem.backedBytes()).isEqualTo(backed);
        assertThat(mem.hostChunk(pageNumber(paddr))).isZero();

        assertThat(t.cpu.write(FREE_VA + 1, 1, 7)).isTrue();
        assertThat(mem.backedBytes()).isEqualTo(backed + PAGE);
        assertThat(t.cpu.write(FREE_VA + 2, 1, 9)).isTrue();
        assertThat(t.cpu.read(FREE_VA, 4)).isEqualTo(0x09_0700L);
        assertThat(t.cpu.tlbMisses()).isEqualTo(1);
    }

    @Test
    void aChunkZeroingTookAndAnotherPageGotIsNeverUsedForItsOldPage() {
        CpuFx.UserThread t = fx.new UserThread();
        long a = fx.object(ObjectType.SMALL_PAGE);
        long b = fx.object(ObjectType.SMALL_PAGE);
        fx.mapRw(a, t.vspace, FREE_VA);
        fx.mapRw(b, t.vspace, FREE_VA + PAGE);
        long paddrA = fx.paddr(a);
        long paddrB = fx.paddr(b);

        assertThat(t.cpu.write(FREE_VA, 8, 0x1111)).isTrue();
        assertThat(t.cpu.read(FREE_VA, 8)).isEqualTo(0x1111);
        assertThat(t.cpu.read(FREE_VA + PAGE, 8)).isZero();
        int chunkOfA = mem.hostChunk(pageNumber(paddrA));
        long walks = fx.mmuWalks();
        long hits = t.cpu.tlbHits();

        mem.zero(paddrA, PAGE); // the kernel zeroing the frame: no translation changes
        assertThat(t.cpu.write(FREE_VA + PAGE + 8, 8, 0x2222)).isTrue();
        assertThat(mem.hostChunk(pageNumber(paddrB))).as("B got A's old chunk").isEqualTo(chunkOfA);

        assertThat(t.cpu.read(FREE_VA, 8)).isZero();
        assertThat(t.cpu.read(FREE_VA + 8, 8)).isZero();
        assertThat(t.cpu.write(FREE_VA + 16, 8, 0x3333)).isTrue();
        assertThat(mem.readLittleEndian(paddrA + 16, 8)).isEqualTo(0x3333);
        assertThat(mem.readLittleEndian(paddrB + 16, 8)).isZero();
        assertThat(t.cpu.read(FREE_VA + PAGE + 8, 8)).isEqualTo(0x2222);
        assertThat(t.cpu.tlbHits() - hits).as("all hits, as without kept chunks").isEqualTo(5);
        assertThat(fx.mmuWalks()).isEqualTo(walks);
    }

    @Test
    void anotherCpuZeroingASharedFrameMakesThisCpuDropItsArrays() {
        CpuFx.UserThread one = fx.new UserThread();
        CpuFx.UserThread two = fx.new UserThread();
        long shared = fx.object(ObjectType.SMALL_PAGE);
        long copy = fx.copyOf(shared, CapRights.READ_WRITE);
        long other = fx.object(ObjectType.SMALL_PAGE);
        fx.mapRw(shared, one.vspace, FREE_VA);
        fx.mapRw(copy, two.vspace, FREE_VA);
        fx.mapRw(other, two.vspace, FREE_VA + PAGE);
        long paddrOther = fx.paddr(other);

        assertThat(one.cpu.write(FREE_VA, 8, -1L)).isTrue();
        assertThat(one.cpu.read(FREE_VA, 8)).isEqualTo(-1L);
        assertThat(two.cpu.read(FREE_VA, 8)).isEqualTo(-1L);

        assertThat(two.cpu.fill(FREE_VA, PAGE, (byte) 0)).isEqualTo(PAGE);
        assertThat(two.cpu.write(FREE_VA + PAGE, 8, 0x77)).isTrue();

        assertThat(one.cpu.read(FREE_VA, 8)).isZero();
        assertThat(one.cpu.write(FREE_VA + 8, 8, 0x55)).isTrue();
        assertThat(two.cpu.read(FREE_VA + 8, 8)).isEqualTo(0x55);
        assertThat(two.cpu.read(FREE_VA + PAGE + 8, 8)).isZero();
        assertThat(mem.readLittleEndian(paddrOther, 8)).isEqualTo(0x77);
        assertThat(one.cpu.tlbMisses()).isEqualTo(1);
    }

    @Test
    void aFetchHitReadsTheHostArrayToo() {
        CpuFx.UserThread t = fx.new UserThread();
        long frame = fx.object(ObjectType.SMALL_PAGE);
        ok(fx.mapPage(frame, t.vspace, FREE_VA, CapRights.READ_WRITE, CpuFx.DEF));
        long paddr = fx.paddr(frame);
        assertThat(t.cpu.fetch(FREE_VA)).isZero();
        assertThat(t.cpu.failure()).isNull();
        mem.writeLittleEndian(paddr + 4, 4, 0xD503_201FL); // NOP
        long walks = fx.mmuWalks();
        assertThat(t.cpu.fetch(FREE_VA + 4)).isEqualTo(0xD503_201F);
        assertThat(fx.mmuWalks()).isEqualTo(walks);
    }
}
