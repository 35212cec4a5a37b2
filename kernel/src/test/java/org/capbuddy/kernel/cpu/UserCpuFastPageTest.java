package org.capbuddy.kernel.cpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.capbuddy.kernel.cpu.CpuFx.D;
import static org.capbuddy.kernel.cpu.CpuFx.DEF;
import static org.capbuddy.kernel.cpu.CpuFx.FREE_VA;
import static org.capbuddy.kernel.cpu.CpuFx.PAGE;
import static org.capbuddy.kernel.cpu.CpuFx.ROOT;
import static org.capbuddy.kernel.cpu.CpuFx.ok;

import org.capbuddy.kernel.api.CapRights;
import org.capbuddy.kernel.api.ObjectType;
import org.capbuddy.kernel.memory.PhysicalMemory;
import org.capbuddy.kernel.object.ThreadState;
import org.junit.jupiter.api.Test;

/**
 * The CPU's fast page (the last page a load or store hit, kept outside the TLB so that the next
 * hit on it checks a page number and a few stamps): every test first makes a page the fast page by
 * hitting it repeatedly, then changes something the fast page copies, and checks that the next
 * access does what it would do without the fast page. Each would see the stale page if the
 * corresponding check or drop were missing.
 */
class UserCpuFastPageTest {
    private final CpuFx fx = new CpuFx();
    private final PhysicalMemory mem = fx.kernel.physicalMemory();

    /** Loads and stores {@code va}'s page until it is certainly the fast page; leaves 0x1111 at va. */
    private static void makeFast(CpuFx.UserThread t, long va) {
        for (int i = 0; i < 3; i++) {
            assertThat(t.cpu.write(va, 8, 0x1111)).isTrue();
            assertThat(t.cpu.read(va, 8)).isEqualTo(0x1111);
        }
    }

    @Test
    void repeatedHitsOnOnePageCountAsHitsAndWalkOnce() {
        CpuFx.UserThread t = fx.new UserThread();
        fx.mapRw(fx.object(ObjectType.SMALL_PAGE), t.vspace, FREE_VA);
        makeFast(t, FREE_VA);
        long walks = fx.mmuWalks();
        for (int i = 0; i < 10; i++) {
            assertThat(t.cpu.write(FREE_VA + 8 * i, 8, i)).isTrue();
            assertThat(t.cpu.read(FREE_VA + 8 * i, 8)).isEqualTo(i);
        }
        assertThat(t.cpu.tlbMisses()).isEqualTo(1);
        assertThat(t.cpu.tlbHits()).isEqualTo(5 + 20);
        assertThat(fx.mmuWalks()).isEqualTo(walks);
    }

    @Test
    void unmapMakesTheNextAccessFault() {
        CpuFx.UserThread t = fx.new UserThread();
        long frame = fx.object(ObjectType.SMALL_PAGE);
        fx.mapRw(frame, t.vspace, FREE_VA);
        makeFast(t, FREE_VA);
        ok(fx.sel4.pageUnmap(frame));
        assertThat(t.cpu.read(FREE_VA, 8)).isZero();
        assertThat(Access.lastFault(t.cpu)).isNotNull();
        assertThat(t.faults).hasSize(1);
    }

    @Test
    void remapReadOnlyMakesTheNextStoreFaultAndLoadsStillWork() {
        CpuFx.UserThread t = fx.new UserThread();
        long frame = fx.object(ObjectType.SMALL_PAGE);
        fx.mapRw(frame, t.vspace, FREE_VA);
        makeFast(t, FREE_VA);
        ok(fx.sel4.pageMap(frame, t.vspace, FREE_VA, CapRights.READ_ONLY, DEF));
        assertThat(t.cpu.read(FREE_VA, 8)).isEqualTo(0x1111);
        assertThat(t.cpu.read(FREE_VA, 8)).isEqualTo(0x1111);
        assertThat(t.cpu.write(FREE_VA, 8, 0x2222)).isFalse();
        assertThat(t.lastFault().isPermissionFault()).isTrue();
        assertThat(mem.readLittleEndian(fx.paddr(frame), 8)).isEqualTo(0x1111);
    }

    @Test
    void overMappingAnotherFrameIsSeenAtOnce() {
        CpuFx.UserThread t = fx.new UserThread();
        long a = fx.object(ObjectType.SMALL_PAGE);
        long b = fx.object(ObjectType.SMALL_PAGE);
        fx.mapRw(a, t.vspace, FREE_VA);
        makeFast(t, FREE_VA);
        ok(fx.sel4.pageUnmap(a));
        fx.mapRw(b, t.vspace, FREE_VA);
        assertThat(t.cpu.read(FREE_VA, 8)).isZero();
        assertThat(t.cpu.write(FREE_VA, 8, 0x3333)).isTrue();
        assertThat(mem.readLittleEndian(fx.paddr(a), 8)).isEqualTo(0x1111);
        assertThat(mem.readLittleEndian(fx.paddr(b), 8)).isEqualTo(0x3333);
    }

    @Test
    void aReleasedChunkGivenToAnotherPageIsNotUsedForTheOldOne() {
        CpuFx.UserThread t = fx.new UserThread();
        long a = fx.object(ObjectType.SMALL_PAGE);
        long b = fx.object(ObjectType.SMALL_PAGE);
        fx.mapRw(a, t.vspace, FREE_VA);
        fx.mapRw(b, t.vspace, FREE_VA + PAGE);
        long paddrA = fx.paddr(a);
        long paddrB = fx.paddr(b);
        makeFast(t, FREE_VA);
        int chunkOfA = mem.hostChunk(paddrA >>> PhysicalMemory.PAGE_BITS);

        // The kernel zeroes A behind the CPU's back (no translation changes) and B takes A's chunk
        // without going through this CPU, so nothing but the release epoch tells the CPU.
        mem.zero(paddrA, PAGE);
        mem.writeLittleEndian(paddrB, 8, 0x4444);
        assertThat(mem.hostChunk(paddrB >>> PhysicalMemory.PAGE_BITS)).isEqualTo(chunkOfA);

        assertThat(t.cpu.read(FREE_VA, 8)).as("A reads as zero, not B's data").isZero();
        assertThat(t.cpu.write(FREE_VA + 8, 8, 0x5555)).isTrue();
        assertThat(mem.readLittleEndian(paddrB + 8, 8)).as("B untouched").isZero();
        assertThat(mem.readLittleEndian(paddrA + 8, 8)).isEqualTo(0x5555);
        assertThat(t.cpu.tlbMisses()).isEqualTo(1);
    }

    @Test
    void aSuspendedThreadDoesNotHit() {
        CpuFx.UserThread t = fx.new UserThread();
        fx.mapRw(fx.object(ObjectType.SMALL_PAGE), t.vspace, FREE_VA);
        makeFast(t, FREE_VA);
        long hits = t.cpu.tlbHits();
        ok(fx.sel4.tcbSuspend(t.tcb));
        assertThat(t.cpu.state()).isNotEqualTo(ThreadState.RUNNING);
        Access load = Access.load(t.cpu, FREE_VA, 8);
        assertThat(load.failure().kind()).isEqualTo(AccessFailure.Kind.NOT_RUNNING);
        assertThat(t.cpu.write(FREE_VA, 8, 0x6666)).isFalse();
        assertThat(t.cpu.failure().kind()).isEqualTo(AccessFailure.Kind.NOT_RUNNING);
        assertThat(t.cpu.tlbHits()).isEqualTo(hits);
        ok(fx.sel4.tcbResume(t.tcb));
        assertThat(t.cpu.read(FREE_VA, 8)).isEqualTo(0x1111);
    }

    @Test
    void switchingTheVSpaceRootIsSeenAtOnce() {
        CpuFx.UserThread t = fx.new UserThread();
        long v1 = t.vspace;
        long v2 = fx.assignedVSpace();
        fx.mapRw(fx.object(ObjectType.SMALL_PAGE), v1, FREE_VA);
        fx.mapRw(fx.object(ObjectType.SMALL_PAGE), v2, FREE_VA);
        makeFast(t, FREE_VA);
        t.setVSpace(v2);
        assertThat(t.cpu.read(FREE_VA, 8)).isZero();
        makeFast(t, FREE_VA);
        assertThat(t.cpu.write(FREE_VA, 8, 0x7777)).isTrue();
        t.setVSpace(v1);
        assertThat(t.cpu.read(FREE_VA, 8)).isEqualTo(0x1111);
    }

    @Test
    void losingTheAsidMakesTheNextAccessFault() {
        CpuFx.UserThread t = fx.new UserThread();
        CpuFx.PooledVSpace pooled = fx.vspaceInOwnPool();
        long pool = pooled.pool();
        long v = pooled.vspace();
        t.setVSpace(v);
        fx.mapRw(fx.object(ObjectType.SMALL_PAGE), v, FREE_VA);
        makeFast(t, FREE_VA);
        ok(fx.sel4.cnodeDelete(ROOT, pool, D));
        assertThat(t.cpu.write(FREE_VA, 8, 1)).isFalse();
        assertThat(t.lastFault().isTranslationFault()).isTrue();
    }

    @Test
    void aFlushMakesTheNextAccessMissAndAnEvictionToo() {
        CpuFx.UserThread t = fx.new UserThread();
        fx.mapRw(fx.object(ObjectType.SMALL_PAGE), t.vspace, FREE_VA);
        fx.mapRw(fx.object(ObjectType.SMALL_PAGE), t.vspace, FREE_VA + UserCpu.TLB_ENTRIES * PAGE);
        makeFast(t, FREE_VA);
        t.cpu.flushTlb();
        long misses = t.cpu.tlbMisses();
        assertThat(t.cpu.read(FREE_VA, 8)).isEqualTo(0x1111);
        assertThat(t.cpu.tlbMisses()).as("a flushed entry misses").isEqualTo(misses + 1);

        makeFast(t, FREE_VA);
        // the same TLB slot, another page: evicts FREE_VA's entry
        assertThat(t.cpu.read(FREE_VA + UserCpu.TLB_ENTRIES * PAGE, 8)).isZero();
        misses = t.cpu.tlbMisses();
        assertThat(t.cpu.read(FREE_VA, 8)).isEqualTo(0x1111);
        assertThat(t.cpu.tlbMisses()).as("an evicted entry misses").isEqualTo(misses + 1);
    }

    @Test
    void changesToAnotherThreadAndVSpaceCostARefillButNoMissAndNoWrongData() {
        CpuFx.UserThread t = fx.new UserThread();
        CpuFx.UserThread other = fx.new UserThread();
        long frame = fx.object(ObjectType.SMALL_PAGE);
        long elsewhere = fx.object(ObjectType.SMALL_PAGE);
        fx.mapRw(frame, t.vspace, FREE_VA);
        fx.mapRw(elsewhere, other.vspace, FREE_VA);
        makeFast(t, FREE_VA);
        makeFast(other, FREE_VA);
        long stamp = mem.viewClock().now();
        long hits = t.cpu.tlbHits();
        long misses = t.cpu.tlbMisses();
        long walks = fx.mmuWalks();

        other.restart(); // the other thread's state changes twice
        assertThat(other.cpu.read(FREE_VA, 8)).as("the other thread runs again").isEqualTo(0x1111);
        ok(fx.sel4.pageUnmap(elsewhere)); // the other VSpace's translations change
        assertThat(mem.viewClock().now()).as("each change ticks the machine's clock").isGreaterThanOrEqualTo(stamp + 3);

        assertThat(t.cpu.read(FREE_VA, 8)).isEqualTo(0x1111);
        assertThat(t.cpu.write(FREE_VA + 8, 8, 0x3333)).isTrue();
        assertThat(t.cpu.read(FREE_VA + 8, 8)).isEqualTo(0x3333);
        assertThat(t.cpu.tlbHits()).as("the TLB entry still hits").isEqualTo(hits + 3);
        assertThat(t.cpu.tlbMisses()).isEqualTo(misses);
        assertThat(fx.mmuWalks()).as("no walk: the fast page came back from the TLB").isEqualTo(walks);
        assertThat(other.cpu.read(FREE_VA, 8)).as("the other thread's page is gone").isZero();
        assertThat(other.faults).hasSize(1);
    }

    @Test
    void losingTheThreadsVSpaceCapThroughARevokeIsSeenAtOnce() {
        CpuFx.UserThread t = fx.new UserThread();
        fx.mapRw(fx.object(ObjectType.SMALL_PAGE), t.vspace, FREE_VA);
        makeFast(t, FREE_VA);
        long epoch = t.currentVSpace().translationEpoch();
        // The TCB's VSpace root is a copy, a CDT child of the original in the root CNode: revoking
        // the original empties the TCB's slot and leaves the VSpace and its translations as they were.
        ok(fx.sel4.cnodeRevoke(ROOT, t.vspace, D));
        assertThat(t.currentVSpace()).isNull();
        assertThat(t.cpu.read(FREE_VA, 8)).as("no VSpace: nothing to read through").isZero();
        assertThat(t.cpu.failed()).isTrue();
        assertThat(t.cpu.write(FREE_VA, 8, 0x4444)).isFalse();
        t.setVSpace(t.vspace);
        assertThat(t.currentVSpace().translationEpoch()).as("the VSpace itself never changed").isEqualTo(epoch);
        t.restart();
        assertThat(t.cpu.read(FREE_VA, 8)).as("the page kept its data").isEqualTo(0x1111);
    }

    @Test
    void aPageBecomingCodeThroughATlbHitMakesTheNextStoreToItGoThroughMemory() {
        CpuFx.UserThread t = fx.new UserThread();
        long frame = fx.object(ObjectType.SMALL_PAGE);
        fx.mapRw(frame, t.vspace, FREE_VA);
        assertThat(t.cpu.fetch(FREE_VA)).isZero(); // the entry learns Execute
        mem.zero(fx.paddr(frame), PAGE); // no longer code
        makeFast(t, FREE_VA);
        long misses = t.cpu.tlbMisses();
        assertThat(t.cpu.fetch(FREE_VA)).as("a TLB hit, no refill, makes the page code again").isEqualTo(0x1111);
        assertThat(t.cpu.tlbMisses()).isEqualTo(misses);
        long codeEpoch = mem.codeEpoch();
        long version = t.cpu.codeVersion();
        assertThat(t.cpu.write(FREE_VA, 8, 0x2222)).isTrue();
        assertThat(mem.codeEpoch()).as("a store to code must be seen by memory").isGreaterThan(codeEpoch);
        assertThat(t.cpu.codeVersion()).isNotEqualTo(version);
    }

    @Test
    void anotherCpuFetchingFromASharedFrameMakesThisCpusNextStoreGoThroughMemory() {
        CpuFx.UserThread t = fx.new UserThread();
        CpuFx.UserThread other = fx.new UserThread();
        long frame = fx.object(ObjectType.SMALL_PAGE);
        long copy = fx.copyOf(frame, CapRights.ALL);
        fx.mapRw(frame, t.vspace, FREE_VA);
        fx.mapRw(copy, other.vspace, FREE_VA);
        makeFast(t, FREE_VA);
        assertThat(other.cpu.fetch(FREE_VA)).isEqualTo(0x1111);
        long codeEpoch = mem.codeEpoch();
        assertThat(t.cpu.write(FREE_VA, 8, 0x2222)).isTrue();
        assertThat(mem.codeEpoch()).as("a store to code must be seen by memory").isGreaterThan(codeEpoch);
    }

    @Test
    void aCpuIsRefusedAThreadOfAnotherMachine() {
        CpuFx.UserThread t = fx.new UserThread();
        CpuFx elsewhere = new CpuFx();
        assertThat(UserCpu.of(elsewhere.kernel.state(), t.tcbObject())).isEmpty();
        assertThat(UserCpu.of(fx.kernel.state(), t.tcbObject())).isPresent();
    }
}
