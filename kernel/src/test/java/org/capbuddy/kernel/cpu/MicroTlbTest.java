package org.capbuddy.kernel.cpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.capbuddy.kernel.cpu.CpuFx.DEF;
import static org.capbuddy.kernel.cpu.CpuFx.FREE_VA;
import static org.capbuddy.kernel.cpu.CpuFx.PAGE;
import static org.capbuddy.kernel.cpu.CpuFx.ok;

import org.capbuddy.kernel.api.CapRights;
import org.capbuddy.kernel.api.ObjectType;
import org.capbuddy.kernel.memory.PhysicalMemory;
import org.junit.jupiter.api.Test;

/**
 * The micro-TLB in front of a CPU: each test makes a page its copy by loading and storing it a few
 * times, changes something the copy depends on, and checks that the next access through it does
 * exactly what the CPU alone would do: the same value, fault and TLB counts. Each would see a
 * stale copy (or count a hit where the TLB misses) if the corresponding check were missing.
 */
class MicroTlbTest {
    private final CpuFx fx = new CpuFx();
    private final PhysicalMemory mem = fx.kernel.physicalMemory();

    private static void makeCopies(MicroTlb micro, long va) {
        for (int i = 0; i < 3; i++) {
            assertThat(micro.write(va, 8, 0x1111)).isTrue();
            assertThat(micro.read(va, 8)).isEqualTo(0x1111);
        }
    }

    @Test
    void hitsThroughTheCopiesCountAsTlbHitsWithNoWalk() {
        CpuFx.UserThread t = fx.new UserThread();
        MicroTlb micro = new MicroTlb(t.cpu);
        fx.mapRw(fx.object(ObjectType.SMALL_PAGE), t.vspace, FREE_VA);
        makeCopies(micro, FREE_VA);
        long walks = fx.mmuWalks();
        long hits = t.cpu.tlbHits();
        for (int i = 0; i < 10; i++) {
            assertThat(micro.write(FREE_VA + 8 * i, 4, 0xAB00 + i)).isTrue();
            assertThat(micro.read(FREE_VA + 8 * i, 2)).isEqualTo(0xAB00 + i);
            assertThat(t.cpu.failed()).isFalse();
        }
        assertThat(t.cpu.tlbHits()).isEqualTo(hits + 20);
        assertThat(t.cpu.tlbMisses()).isEqualTo(1);
        assertThat(fx.mmuWalks()).isEqualTo(walks);
    }

    @Test
    void anEvictionOfThePagesTlbEntryThroughTheCpuMakesTheCopyMissToo() {
        CpuFx.UserThread t = fx.new UserThread();
        MicroTlb micro = new MicroTlb(t.cpu);
        long sameSlot = FREE_VA + UserCpu.TLB_ENTRIES * PAGE;
        fx.mapRw(fx.object(ObjectType.SMALL_PAGE), t.vspace, FREE_VA);
        fx.mapRw(fx.object(ObjectType.SMALL_PAGE), t.vspace, sameSlot);
        makeCopies(micro, FREE_VA);
        assertThat(t.cpu.write(sameSlot, 8, 0x2222)).isTrue(); // evicts FREE_VA's entry, not through the micro-TLB
        long misses = t.cpu.tlbMisses();
        long walks = fx.mmuWalks();
        assertThat(micro.read(FREE_VA, 8)).isEqualTo(0x1111);
        assertThat(micro.write(FREE_VA, 8, 0x3333)).isTrue();
        assertThat(t.cpu.tlbMisses()).as("the evicted entry misses once, as the CPU alone would").isEqualTo(misses + 1);
        assertThat(fx.mmuWalks()).isEqualTo(walks + 1);
    }

    @Test
    void aFlushMakesTheCopyMiss() {
        CpuFx.UserThread t = fx.new UserThread();
        MicroTlb micro = new MicroTlb(t.cpu);
        fx.mapRw(fx.object(ObjectType.SMALL_PAGE), t.vspace, FREE_VA);
        makeCopies(micro, FREE_VA);
        t.cpu.flushTlb();
        long misses = t.cpu.tlbMisses();
        assertThat(micro.read(FREE_VA, 8)).isEqualTo(0x1111);
        assertThat(t.cpu.tlbMisses()).isEqualTo(misses + 1);
    }

    @Test
    void unmapMakesTheNextAccessFaultAndOverMappingIsSeenAtOnce() {
        CpuFx.UserThread t = fx.new UserThread();
        MicroTlb micro = new MicroTlb(t.cpu);
        long a = fx.object(ObjectType.SMALL_PAGE);
        long b = fx.object(ObjectType.SMALL_PAGE);
        fx.mapRw(a, t.vspace, FREE_VA);
        makeCopies(micro, FREE_VA);
        ok(fx.sel4.pageUnmap(a));
        assertThat(micro.read(FREE_VA, 8)).isZero();
        assertThat(Access.lastFault(t.cpu)).isNotNull();
        assertThat(t.faults).hasSize(1);
        t.restart();
        fx.mapRw(b, t.vspace, FREE_VA);
        assertThat(micro.read(FREE_VA, 8)).isZero();
        assertThat(micro.write(FREE_VA, 8, 0x4444)).isTrue();
        assertThat(mem.readLittleEndian(fx.paddr(a), 8)).isEqualTo(0x1111);
        assertThat(mem.readLittleEndian(fx.paddr(b), 8)).isEqualTo(0x4444);
    }

    @Test
    void remapReadOnlyRefusesTheNextStoreAndLoadsStillHit() {
        CpuFx.UserThread t = fx.new UserThread();
        MicroTlb micro = new MicroTlb(t.cpu);
        long frame = fx.object(ObjectType.SMALL_PAGE);
        fx.mapRw(frame, t.vspace, FREE_VA);
        makeCopies(micro, FREE_VA);
        ok(fx.sel4.pageMap(frame, t.vspace, FREE_VA, CapRights.READ_ONLY, DEF));
        assertThat(micro.read(FREE_VA, 8)).isEqualTo(0x1111);
        assertThat(micro.write(FREE_VA, 8, 0x2222)).isFalse();
        assertThat(t.lastFault().isPermissionFault()).isTrue();
        assertThat(mem.readLittleEndian(fx.paddr(frame), 8)).isEqualTo(0x1111);
    }

    @Test
    void aSuspendedThreadIsRefusedAndCountsNoHit() {
        CpuFx.UserThread t = fx.new UserThread();
        MicroTlb micro = new MicroTlb(t.cpu);
        fx.mapRw(fx.object(ObjectType.SMALL_PAGE), t.vspace, FREE_VA);
        makeCopies(micro, FREE_VA);
        long hits = t.cpu.tlbHits();
        ok(fx.sel4.tcbSuspend(t.tcb));
        assertThat(micro.read(FREE_VA, 8)).isZero();
        assertThat(t.cpu.failure().kind()).isEqualTo(AccessFailure.Kind.NOT_RUNNING);
        assertThat(micro.write(FREE_VA, 8, 0x6666)).isFalse();
        assertThat(t.cpu.tlbHits()).isEqualTo(hits);
        ok(fx.sel4.tcbResume(t.tcb));
        assertThat(micro.read(FREE_VA, 8)).isEqualTo(0x1111);
        assertThat(t.cpu.failed()).isFalse();
    }

    @Test
    void aPageThatBecomesCodeTakesTheNextStoreThroughMemory() {
        CpuFx.UserThread t = fx.new UserThread();
        MicroTlb micro = new MicroTlb(t.cpu);
        fx.mapRw(fx.object(ObjectType.SMALL_PAGE), t.vspace, FREE_VA);
        makeCopies(micro, FREE_VA);
        assertThat(t.cpu.fetch(FREE_VA)).isEqualTo(0x1111);
        long codeEpoch = mem.codeEpoch();
        assertThat(micro.write(FREE_VA, 8, 0x2222)).isTrue();
        assertThat(mem.codeEpoch()).as("a store to code must be seen by memory").isGreaterThan(codeEpoch);
    }

    @Test
    void aZeroedPageBehindTheCpuReadsZeroAndItsOldChunkIsNotWritten() {
        CpuFx.UserThread t = fx.new UserThread();
        MicroTlb micro = new MicroTlb(t.cpu);
        long a = fx.object(ObjectType.SMALL_PAGE);
        long b = fx.object(ObjectType.SMALL_PAGE);
        fx.mapRw(a, t.vspace, FREE_VA);
        fx.mapRw(b, t.vspace, FREE_VA + PAGE);
        makeCopies(micro, FREE_VA);
        long paddrA = fx.paddr(a);
        long paddrB = fx.paddr(b);
        mem.zero(paddrA, PAGE); // A's chunk goes back, and B takes it below
        mem.writeLittleEndian(paddrB, 8, 0x4444);
        assertThat(micro.read(FREE_VA, 8)).as("A reads as zero, not B's data").isZero();
        assertThat(micro.write(FREE_VA + 8, 8, 0x5555)).isTrue();
        assertThat(mem.readLittleEndian(paddrB + 8, 8)).as("B untouched").isZero();
        assertThat(mem.readLittleEndian(paddrA + 8, 8)).isEqualTo(0x5555);
    }

    @Test
    void aPageNeverWrittenIsReadAsZeroAndItsFirstStoreLands() {
        CpuFx.UserThread t = fx.new UserThread();
        MicroTlb micro = new MicroTlb(t.cpu);
        long frame = fx.object(ObjectType.SMALL_PAGE);
        fx.mapRw(frame, t.vspace, FREE_VA);
        for (int i = 0; i < 3; i++) {
            assertThat(micro.read(FREE_VA, 8)).isZero();
        }
        assertThat(micro.write(FREE_VA, 8, 0x7777)).isTrue();
        assertThat(micro.read(FREE_VA, 8)).isEqualTo(0x7777);
        assertThat(mem.readLittleEndian(fx.paddr(frame), 8)).isEqualTo(0x7777);
    }

    @Test
    void anAccessThatFailsBehindTheCopiesIsClearedByTheNextHit() {
        CpuFx.UserThread t = fx.new UserThread();
        MicroTlb micro = new MicroTlb(t.cpu);
        fx.mapRw(fx.object(ObjectType.SMALL_PAGE), t.vspace, FREE_VA);
        makeCopies(micro, FREE_VA);
        long hits = t.cpu.tlbHits();
        // straight to the CPU, touching no fast page: only the failure says the copies are old
        assertThat(t.cpu.read(FREE_VA, 3)).isZero();
        assertThat(t.cpu.failure().kind()).isEqualTo(AccessFailure.Kind.REFUSED);
        assertThat(micro.write(FREE_VA, 8, 0x2222)).isTrue();
        assertThat(t.cpu.failed()).as("a hit leaves no failure behind").isFalse();
        assertThat(t.cpu.read(FREE_VA, 5)).isZero();
        assertThat(micro.read(FREE_VA, 8)).isEqualTo(0x2222);
        assertThat(t.cpu.failed()).isFalse();
        assertThat(t.cpu.tlbHits()).isEqualTo(hits + 2);
    }

    @Test
    void badSizesAndPageCrossingAccessesAreTheCpusOwn() {
        CpuFx.UserThread t = fx.new UserThread();
        MicroTlb micro = new MicroTlb(t.cpu);
        fx.mapRw(fx.object(ObjectType.SMALL_PAGE), t.vspace, FREE_VA);
        fx.mapRw(fx.object(ObjectType.SMALL_PAGE), t.vspace, FREE_VA + PAGE);
        makeCopies(micro, FREE_VA);
        assertThat(micro.read(FREE_VA, 3)).isZero();
        assertThat(t.cpu.failure().kind()).isEqualTo(AccessFailure.Kind.REFUSED);
        assertThat(micro.write(FREE_VA, 0, 1)).isFalse();
        assertThat(micro.write(FREE_VA + PAGE - 4, 8, 0x1122334455667788L)).isTrue();
        assertThat(micro.read(FREE_VA + PAGE - 4, 8)).isEqualTo(0x1122334455667788L);
        assertThat(micro.read(FREE_VA + PAGE, 4)).isEqualTo(0x11223344L);
        assertThat(micro.cpu()).isSameAs(t.cpu);
    }
}
