package org.capbuddy.kernel.cpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.capbuddy.kernel.cpu.CpuFx.D;
import static org.capbuddy.kernel.cpu.CpuFx.DEF;
import static org.capbuddy.kernel.cpu.CpuFx.FREE_VA;
import static org.capbuddy.kernel.cpu.CpuFx.LARGE;
import static org.capbuddy.kernel.cpu.CpuFx.PAGE;
import static org.capbuddy.kernel.cpu.CpuFx.ROOT;
import static org.capbuddy.kernel.cpu.CpuFx.RO;
import static org.capbuddy.kernel.cpu.CpuFx.RW;
import static org.capbuddy.kernel.cpu.CpuFx.ok;

import org.capbuddy.kernel.cpu.UserCpu;
import org.capbuddy.kernel.api.ObjectType;
import org.capbuddy.kernel.api.VmAttributes;
import org.capbuddy.kernel.cap.Cap;
import org.capbuddy.kernel.memory.PhysicalMemory;
import org.capbuddy.kernel.object.ThreadState;
import org.capbuddy.kernel.cpu.AccessKind;
import org.capbuddy.kernel.cpu.FaultReply;
import org.capbuddy.kernel.cpu.VmFault;
import org.junit.jupiter.api.Test;

/** The software TLB of {@link UserCpu}: hits, misses, exact invalidation, cross-page accesses. */
class UserCpuTlbTest {
    private final CpuFx fx = new CpuFx();
    private final PhysicalMemory mem = fx.kernel.physicalMemory();

    // ---------------------------------------------------------------- hits and misses

    @Test
    void firstAccessToAPageMissesAndWalksLaterOnesHitWithoutWalking() {
        CpuFx.UserThread t = fx.new UserThread();
        long frame = fx.object(ObjectType.SMALL_PAGE);
        fx.mapRw(frame, t.vspace, FREE_VA);
        UserCpu cpu = t.cpu;
        long walks = fx.mmuWalks();

        assertThat(Access.store(cpu, FREE_VA + 8, 8, 0x1122_3344_5566_7788L).isOk()).isTrue();
        assertThat(cpu.tlbMisses()).isEqualTo(1);
        assertThat(cpu.tlbHits()).isZero();
        assertThat(fx.mmuWalks() - walks).isEqualTo(1);

        for (int i = 0; i < 10; i++) {
            assertThat(cpu.read(FREE_VA + 8, 8)).isEqualTo(0x1122_3344_5566_7788L);
            assertThat(Access.lastFault(cpu)).isNull();
        }
        assertThat(Access.load(cpu, FREE_VA + 12, 4).value()).isEqualTo(0x1122_3344L);
        assertThat(cpu.write(FREE_VA + 4095, 1, 0xAB)).isTrue();
        assertThat(cpu.tlbHits()).isEqualTo(12);
        assertThat(cpu.tlbMisses()).isEqualTo(1);
        assertThat(fx.mmuWalks() - walks).as("hits cost no MMU walk").isEqualTo(1);
        assertThat(mem.readLittleEndian(fx.paddr(frame) + 4095, 1)).isEqualTo(0xAB);

        // another page is another entry
        long frame2 = fx.object(ObjectType.SMALL_PAGE);
        fx.mapRw(frame2, t.vspace, FREE_VA + PAGE);
        assertThat(cpu.read(FREE_VA + PAGE, 8)).isZero();
        assertThat(cpu.tlbMisses()).isEqualTo(2);
        assertThat(cpu.read(FREE_VA + PAGE + 100, 2)).isZero();
        assertThat(cpu.tlbHits()).isEqualTo(13);
        assertThat(fx.mmuWalks() - walks).isEqualTo(2);
        assertThat(t.faults).isEmpty();
    }

    @Test
    void addingAMappingNeedsNoFlushAndKeepsEarlierEntries() {
        CpuFx.UserThread t = fx.new UserThread();
        fx.mapRw(fx.object(ObjectType.SMALL_PAGE), t.vspace, FREE_VA);
        t.cpu.read(FREE_VA, 8);
        long flushes = t.cpu.tlbFlushes();
        fx.mapRw(fx.object(ObjectType.SMALL_PAGE), t.vspace, FREE_VA + PAGE);
        t.cpu.read(FREE_VA + PAGE, 8);
        long hits = t.cpu.tlbHits();
        t.cpu.read(FREE_VA, 8);
        assertThat(t.cpu.tlbHits()).isEqualTo(hits + 1);
        assertThat(t.cpu.tlbFlushes()).isEqualTo(flushes);
    }

    @Test
    void aPermissionTheEntryDoesNotRecordGoesThroughTheMmuEveryTime() {
        CpuFx.UserThread t = fx.new UserThread();
        long frame = fx.object(ObjectType.SMALL_PAGE);
        ok(fx.mapPage(frame, t.vspace, FREE_VA, RO, DEF));
        assertThat(Access.load(t.cpu, FREE_VA, 8).isOk()).isTrue();
        assertThat(Access.load(t.cpu, FREE_VA, 8).isOk()).isTrue();
        assertThat(t.cpu.tlbHits()).isEqualTo(1);
        for (int i = 0; i < 3; i++) {
            long walks = fx.mmuWalks();
            Access r = Access.store(t.cpu, FREE_VA + 16, 8, 5);
            assertThat(r.isOk()).isFalse();
            assertThat(fx.mmuWalks() - walks).isEqualTo(1);
            assertThat(t.faults).hasSize(i + 1);
            assertThat(r.fault()).isEqualTo(t.lastFault());
            assertThat(r.fault().isPermissionFault()).isTrue();
            assertThat(r.fault().accessKind()).isEqualTo(AccessKind.WRITE);
            assertThat(Access.lastFault(t.cpu)).isEqualTo(r.fault());
            t.restart();
        }
        assertThat(mem.isZero(fx.paddr(frame), PAGE)).isTrue();
    }

    @Test
    void executeIsOnlyCachedAfterAFetchAndExecuteNeverPagesAlwaysFault() {
        CpuFx.UserThread t = fx.new UserThread();
        fx.mapRw(fx.object(ObjectType.SMALL_PAGE), t.vspace, FREE_VA);
        ok(fx.mapPage(fx.object(ObjectType.SMALL_PAGE), t.vspace, FREE_VA + PAGE, RW,
                VmAttributes.DEFAULT | VmAttributes.EXECUTE_NEVER));
        t.cpu.read(FREE_VA, 8);
        long misses = t.cpu.tlbMisses();
        assertThat(Access.fetch(t.cpu, FREE_VA + 4).isOk()).isTrue();
        assertThat(t.cpu.tlbMisses()).as("a data walk does not prove execute permission").isEqualTo(misses + 1);
        long hits = t.cpu.tlbHits();
        assertThat(Access.fetch(t.cpu, FREE_VA + 8).isOk()).isTrue();
        assertThat(t.cpu.read(FREE_VA + 8, 4)).isZero();
        assertThat(t.cpu.tlbHits()).as("execute and read both kept").isEqualTo(hits + 2);

        assertThat(t.cpu.write(FREE_VA + PAGE, 8, 1)).isTrue();
        Access f = Access.fetch(t.cpu, FREE_VA + PAGE + 0x40);
        assertThat(f.isOk()).isFalse();
        assertThat(f.fault().prefetch()).isTrue();
        assertThat(f.fault().isPermissionFault()).isTrue();
        assertThat(t.faults).containsExactly(f.fault());
    }

    @Test
    void aThreadThatIsNotRunningNeverHitsAndGetsNoDelivery() {
        CpuFx.UserThread t = fx.new UserThread();
        fx.mapRw(fx.object(ObjectType.SMALL_PAGE), t.vspace, FREE_VA);
        assertThat(t.cpu.write(FREE_VA, 8, 42)).isTrue();
        t.cpu.read(FREE_VA + 2 * PAGE, 8); // unmapped: fault, no reply: the thread blocks
        assertThat(t.cpu.state()).isEqualTo(ThreadState.BLOCKED_ON_FAULT);
        long hits = t.cpu.tlbHits();
        Access r = Access.load(t.cpu, FREE_VA, 8);
        assertThat(r.isOk()).isFalse();
        assertThat(r.failure().kind()).isEqualTo(AccessFailure.Kind.NOT_RUNNING);
        assertThat(r.failure().detail()).isEqualTo("the thread is blocked on fault");
        assertThat(r.fault()).isNull();
        assertThat(t.faults).hasSize(1);
        assertThat(t.cpu.tlbHits()).isEqualTo(hits);
        assertThat(Access.fill(t.cpu, FREE_VA, 8, (byte) 1).isOk()).isFalse();
        t.restart();
        assertThat(t.cpu.read(FREE_VA, 8)).isEqualTo(42);
        assertThat(t.cpu.tlbHits()).isEqualTo(hits + 1);
    }

    @Test
    void aHandlerThatMapsAndResumesCompletesTheAccessAndLaterAccessesHit() {
        CpuFx.UserThread t = fx.new UserThread();
        long frame = fx.object(ObjectType.SMALL_PAGE);
        t.handler = (b, f) -> {
            ok(fx.mapPage(frame, t.vspace, f.address() & -PAGE, RW, DEF));
            return FaultReply.RESUME;
        };
        assertThat(t.cpu.write(FREE_VA + 0x30, 8, 0xCAFE)).isTrue();
        assertThat(t.faults).hasSize(1);
        long walks = fx.mmuWalks();
        assertThat(t.cpu.read(FREE_VA + 0x30, 8)).isEqualTo(0xCAFE);
        assertThat(fx.mmuWalks()).isEqualTo(walks);
    }

    // ---------------------------------------------------------------- invalidation

    @Test
    void pageUnmapInvalidates() {
        CpuFx.UserThread t = fx.new UserThread();
        long frame = fx.object(ObjectType.SMALL_PAGE);
        fx.mapRw(frame, t.vspace, FREE_VA);
        assertThat(t.cpu.write(FREE_VA, 8, 7)).isTrue();
        assertThat(t.cpu.read(FREE_VA, 8)).isEqualTo(7);
        ok(fx.sel4.pageUnmap(frame));
        assertThat(t.cpu.read(FREE_VA, 8)).isZero();
        VmFault f = Access.lastFault(t.cpu);
        assertThat(f).isNotNull().isEqualTo(t.lastFault());
        assertThat(f.isTranslationFault()).isTrue();
        assertThat(f.level()).isEqualTo(3);
    }

    @Test
    void pageTableUnmapInvalidates() {
        CpuFx.UserThread t = fx.new UserThread();
        fx.mapRw(fx.object(ObjectType.SMALL_PAGE), t.vspace, FREE_VA);
        assertThat(t.cpu.write(FREE_VA, 8, 7)).isTrue();
        long leaf = fx.pageTables.get(fx.pageTables.size() - 1);
        ok(fx.sel4.pageTableUnmap(leaf));
        assertThat(Access.store(t.cpu, FREE_VA, 8, 9).isOk()).isFalse();
        assertThat(t.lastFault().isTranslationFault()).isTrue();
        assertThat(t.lastFault().level()).isEqualTo(2);
    }

    @Test
    void deletingTheLastCapOfAnUpperPageTableInvalidates() {
        CpuFx.UserThread t = fx.new UserThread();
        fx.mapRw(fx.object(ObjectType.SMALL_PAGE), t.vspace, FREE_VA);
        assertThat(t.cpu.read(FREE_VA, 8)).isZero();
        ok(fx.sel4.cnodeDelete(ROOT, fx.pageTables.get(0), D));
        assertThat(Access.load(t.cpu, FREE_VA, 8).isOk()).isFalse();
        assertThat(t.lastFault().level()).isZero();
    }

    @Test
    void deletingTheFrameCapInvalidates() {
        CpuFx.UserThread t = fx.new UserThread();
        long frame = fx.object(ObjectType.SMALL_PAGE);
        fx.mapRw(frame, t.vspace, FREE_VA);
        assertThat(t.cpu.write(FREE_VA, 8, 7)).isTrue();
        ok(fx.sel4.cnodeDelete(ROOT, frame, D));
        assertThat(t.cpu.write(FREE_VA, 8, 8)).isFalse();
        assertThat(t.lastFault().isTranslationFault()).isTrue();
        assertThat(t.lastFault().level()).isEqualTo(3);
    }

    @Test
    void overMappingAnotherFrameAtTheSameAddressInvalidates() {
        CpuFx.UserThread t = fx.new UserThread();
        long a = fx.object(ObjectType.SMALL_PAGE);
        long b = fx.object(ObjectType.SMALL_PAGE);
        fx.mapRw(a, t.vspace, FREE_VA);
        assertThat(t.cpu.write(FREE_VA, 8, 0xAAAA)).isTrue();
        mem.writeLittleEndian(fx.paddr(b), 8, 0xBBBB);
        ok(fx.mapPage(b, t.vspace, FREE_VA, RW, DEF));
        assertThat(t.cpu.read(FREE_VA, 8)).isEqualTo(0xBBBB);
        assertThat(t.cpu.write(FREE_VA + 8, 8, 0xBB)).isTrue();
        assertThat(mem.readLittleEndian(fx.paddr(b) + 8, 8)).isEqualTo(0xBB);
        assertThat(mem.readLittleEndian(fx.paddr(a) + 8, 8)).isZero();
        assertThat(t.faults).isEmpty();
    }

    @Test
    void remapToReadOnlyMakesTheNextStoreFault() {
        CpuFx.UserThread t = fx.new UserThread();
        long frame = fx.object(ObjectType.SMALL_PAGE);
        fx.mapRw(frame, t.vspace, FREE_VA);
        assertThat(t.cpu.write(FREE_VA, 8, 1)).isTrue();
        assertThat(t.cpu.write(FREE_VA, 8, 2)).isTrue();
        ok(fx.sel4.pageMap(frame, t.vspace, FREE_VA, RO, DEF));
        assertThat(t.cpu.write(FREE_VA, 8, 3)).isFalse();
        assertThat(t.lastFault().isPermissionFault()).isTrue();
        assertThat(t.lastFault().level()).isEqualTo(3);
        assertThat(mem.readLittleEndian(fx.paddr(frame), 8)).isEqualTo(2);
        t.restart();
        assertThat(t.cpu.read(FREE_VA, 8)).isEqualTo(2);
        // and back to read-write: stores work again
        ok(fx.sel4.pageMap(frame, t.vspace, FREE_VA, RW, DEF));
        assertThat(t.cpu.write(FREE_VA, 8, 4)).isTrue();
    }

    @Test
    void losingTheAsidInvalidates() {
        CpuFx.UserThread t = fx.new UserThread();
        CpuFx.PooledVSpace pooled = fx.vspaceInOwnPool();
        long pool = pooled.pool();
        long v = pooled.vspace();
        t.setVSpace(v);
        fx.mapRw(fx.object(ObjectType.SMALL_PAGE), v, FREE_VA);
        assertThat(t.cpu.write(FREE_VA, 8, 1)).isTrue();
        assertThat(t.cpu.read(FREE_VA, 8)).isEqualTo(1);
        ok(fx.sel4.cnodeDelete(ROOT, pool, D));
        assertThat(t.cpu.read(FREE_VA, 8)).isZero();
        assertThat(Access.lastFault(t.cpu)).isNotNull();
        assertThat(t.lastFault().isTranslationFault()).isTrue();
        assertThat(t.lastFault().level()).isZero();
    }

    @Test
    void switchingVSpaceInvalidates() {
        CpuFx.UserThread t = fx.new UserThread();
        long v1 = t.vspace;
        long v2 = fx.assignedVSpace();
        fx.mapRw(fx.object(ObjectType.SMALL_PAGE), v1, FREE_VA);
        fx.mapRw(fx.object(ObjectType.SMALL_PAGE), v2, FREE_VA);
        assertThat(t.cpu.write(FREE_VA, 8, 1)).isTrue();
        t.setVSpace(v2);
        assertThat(t.cpu.read(FREE_VA, 8)).isZero();
        assertThat(t.cpu.write(FREE_VA, 8, 2)).isTrue();
        t.setVSpace(v1);
        assertThat(t.cpu.read(FREE_VA, 8)).isEqualTo(1);
        t.setVSpace(v2);
        assertThat(t.cpu.read(FREE_VA, 8)).isEqualTo(2);
        assertThat(t.faults).isEmpty();
    }

    @Test
    void aHandlerThatChangesTheMappingMidAccessIsSeen() {
        // the second page of a cross-page store faults; the handler unmaps the first page and maps
        // the second: the re-executed piece uses the new mapping, a later access the first page faults
        CpuFx.UserThread t = fx.new UserThread();
        long a = fx.object(ObjectType.SMALL_PAGE);
        long b = fx.object(ObjectType.SMALL_PAGE);
        fx.mapRw(a, t.vspace, FREE_VA);
        assertThat(t.cpu.write(FREE_VA, 8, 0)).isTrue();
        t.handler = (badge, f) -> {
            ok(fx.sel4.pageUnmap(a));
            ok(fx.mapPage(b, t.vspace, FREE_VA + PAGE, RW, DEF));
            return FaultReply.RESUME;
        };
        assertThat(t.cpu.write(FREE_VA + PAGE - 4, 8, 0x1122_3344_5566_7788L)).isTrue();
        assertThat(mem.readLittleEndian(fx.paddr(a) + PAGE - 4, 4)).isEqualTo(0x5566_7788L);
        assertThat(mem.readLittleEndian(fx.paddr(b), 4)).isEqualTo(0x1122_3344L);
        t.handler = (badge, f) -> FaultReply.noReply("test handler");
        assertThat(t.cpu.read(FREE_VA, 1)).isZero();
        assertThat(Access.lastFault(t.cpu)).isNotNull();
    }

    // ---------------------------------------------------------------- cross-page and blocks

    @Test
    void crossPageEightByteAccessSplitsAcrossTwoFrames() {
        CpuFx.UserThread t = fx.new UserThread();
        long a = fx.object(ObjectType.SMALL_PAGE);
        long b = fx.object(ObjectType.SMALL_PAGE);
        fx.mapRw(a, t.vspace, FREE_VA);
        fx.mapRw(b, t.vspace, FREE_VA + PAGE);
        long va = FREE_VA + PAGE - 3;
        assertThat(t.cpu.write(va, 8, 0x0807_0605_0403_0201L)).isTrue();
        assertThat(mem.readLittleEndian(fx.paddr(a) + PAGE - 3, 3)).isEqualTo(0x03_0201L);
        assertThat(mem.readLittleEndian(fx.paddr(b), 5)).isEqualTo(0x08_0706_0504L);
        assertThat(t.cpu.read(va, 8)).isEqualTo(0x0807_0605_0403_0201L);
        assertThat(Access.load(t.cpu, va, 8).value()).isEqualTo(0x0807_0605_0403_0201L);
        assertThat(t.cpu.tlbMisses()).isEqualTo(2);
        assertThat(t.cpu.tlbHits()).isEqualTo(4);
    }

    @Test
    void crossPageStoreWhoseSecondPageFaultsHasWrittenTheFirstPart() {
        CpuFx.UserThread t = fx.new UserThread();
        long a = fx.object(ObjectType.SMALL_PAGE);
        fx.mapRw(a, t.vspace, FREE_VA);
        long va = FREE_VA + PAGE - 2;
        t.cpu.setPc(0x40_1234);
        Access r = Access.store(t.cpu, va, 8, -1L);
        assertThat(r.isOk()).isFalse();
        assertThat(r.fault().address()).isEqualTo(FREE_VA + PAGE);
        assertThat(r.fault().ip()).as("the fault IP is the PC of the instruction").isEqualTo(0x40_1234);
        assertThat(mem.readLittleEndian(fx.paddr(a) + PAGE - 2, 2)).isEqualTo(0xFFFF);
        t.restart();
        Access l = Access.load(t.cpu, va, 4);
        assertThat(l.isOk()).isFalse();
        assertThat(l.fault().address()).isEqualTo(FREE_VA + PAGE);
        assertThat(l.fault().accessKind()).isEqualTo(AccessKind.READ);
    }

    @Test
    void largePagesAreCachedPer4KiBPage() {
        CpuFx.UserThread t = fx.new UserThread();
        long large = fx.object(ObjectType.LARGE_PAGE);
        ok(fx.mapPage(large, t.vspace, FREE_VA, RW, DEF));
        long base = fx.paddr(large);
        for (int i = 0; i < 4; i++) {
            assertThat(t.cpu.write(FREE_VA + i * PAGE + 0x10, 8, i + 1)).isTrue();
        }
        assertThat(t.cpu.tlbMisses()).isEqualTo(4);
        for (int i = 0; i < 4; i++) {
            assertThat(t.cpu.read(FREE_VA + i * PAGE + 0x10, 8)).isEqualTo(i + 1);
            assertThat(mem.readLittleEndian(base + i * PAGE + 0x10, 8)).isEqualTo(i + 1);
        }
        assertThat(t.cpu.write(FREE_VA + LARGE - 8, 8, 99)).isTrue();
        assertThat(mem.readLittleEndian(base + LARGE - 8, 8)).isEqualTo(99);
        assertThat(t.cpu.tlbHits()).isEqualTo(4);
        assertThat(t.cpu.tlbMisses()).isEqualTo(5);
    }

    @Test
    void fillCopyOutCopyInRoundTripAcrossPages() {
        CpuFx.UserThread t = fx.new UserThread();
        long[] frames = new long[3];
        for (int i = 0; i < 3; i++) {
            frames[i] = fx.object(ObjectType.SMALL_PAGE);
            fx.mapRw(frames[i], t.vspace, FREE_VA + i * PAGE);
        }
        Access f = Access.fill(t.cpu, FREE_VA + 100, 3 * PAGE - 200, (byte) 0x5A);
        assertThat(f.isOk()).isTrue();
        assertThat(f.value()).isEqualTo(3 * PAGE - 200);
        assertThat(t.cpu.read(FREE_VA + 99, 1)).isZero();
        assertThat(t.cpu.read(FREE_VA + 100, 8)).isEqualTo(0x5A5A_5A5A_5A5A_5A5AL);
        assertThat(t.cpu.read(FREE_VA + 3 * PAGE - 101, 1)).isEqualTo(0x5A);
        assertThat(t.cpu.read(FREE_VA + 3 * PAGE - 100, 1)).isZero();

        byte[] src = new byte[2 * (int) PAGE + 17];
        new java.util.Random(3).nextBytes(src);
        assertThat(Access.copyOut(t.cpu, FREE_VA + 4000, src, 5, src.length - 5).isOk()).isTrue();
        byte[] dst = new byte[src.length + 3];
        Access in = Access.copyIn(t.cpu, FREE_VA + 4000, dst, 3, src.length - 5);
        assertThat(in.isOk()).isTrue();
        assertThat(in.value()).isEqualTo(src.length - 5);
        assertThat(java.util.Arrays.copyOfRange(dst, 3, 3 + src.length - 5))
                .isEqualTo(java.util.Arrays.copyOfRange(src, 5, src.length));
        for (int i = 0; i < src.length - 5; i++) {
            assertThat((byte) t.cpu.read(FREE_VA + 4000 + i, 1)).isEqualTo(src[5 + i]);
        }
        assertThat(t.faults).isEmpty();
        assertThat(Access.copyIn(t.cpu, FREE_VA, dst, 0, 0).value()).isZero();
    }

    @Test
    void zeroFillReleasesTheBackingOfWholePages() {
        CpuFx.UserThread t = fx.new UserThread();
        long large = fx.object(ObjectType.LARGE_PAGE);
        ok(fx.mapPage(large, t.vspace, FREE_VA, RW, DEF));
        assertThat(Access.fill(t.cpu, FREE_VA, LARGE, (byte) 1).isOk()).isTrue();
        long backed = mem.backedBytes();
        assertThat(Access.fill(t.cpu, FREE_VA + 10, LARGE - 20, (byte) 0).isOk()).isTrue();
        assertThat(backed - mem.backedBytes()).isEqualTo(LARGE - 2 * PAGE);
        assertThat(t.cpu.read(FREE_VA + 9, 1)).isEqualTo(1);
        assertThat(t.cpu.read(FREE_VA + 10, 8)).isZero();
        assertThat(t.cpu.read(FREE_VA + LARGE - 10, 1)).isEqualTo(1);
        assertThat(t.cpu.read(FREE_VA + LARGE - 11, 1)).isZero();
    }

    @Test
    void partialFillStopsAtTheFirstFaultingPageAndReturnsTheFault() {
        CpuFx.UserThread t = fx.new UserThread();
        long a = fx.object(ObjectType.SMALL_PAGE);
        long b = fx.object(ObjectType.SMALL_PAGE);
        long c = fx.object(ObjectType.SMALL_PAGE);
        fx.mapRw(a, t.vspace, FREE_VA);
        ok(fx.mapPage(b, t.vspace, FREE_VA + PAGE, RO, DEF));
        fx.mapRw(c, t.vspace, FREE_VA + 2 * PAGE);
        t.cpu.setPc(FREE_VA + 16);
        Access r = Access.fill(t.cpu, FREE_VA + 16, 3 * PAGE - 32, (byte) 0x11);
        assertThat(r.isOk()).isFalse();
        assertThat(r.value()).isEqualTo(PAGE - 16);
        assertThat(r.fault()).isEqualTo(t.lastFault()).isEqualTo(Access.lastFault(t.cpu));
        assertThat(r.fault().address()).isEqualTo(FREE_VA + PAGE);
        assertThat(r.fault().ip()).isEqualTo(FREE_VA + 16);
        assertThat(r.fault().isPermissionFault()).isTrue();
        assertThat(r.fault().accessKind()).isEqualTo(AccessKind.WRITE);
        assertThat(t.faults).hasSize(1);
        assertThat(mem.readLittleEndian(fx.paddr(a) + PAGE - 1, 1)).isEqualTo(0x11);
        assertThat(mem.isZero(fx.paddr(b), PAGE)).isTrue();
        assertThat(mem.isZero(fx.paddr(c), PAGE)).isTrue();

        // copyOut stops there too; copyIn reads through the read-only page and stops at the hole
        t.restart();
        byte[] buf = new byte[(int) (3 * PAGE)];
        java.util.Arrays.fill(buf, (byte) 0x22);
        Access o = Access.copyOut(t.cpu, FREE_VA, buf, 0, buf.length);
        assertThat(o.value()).isEqualTo(PAGE);
        assertThat(o.fault().address()).isEqualTo(FREE_VA + PAGE);
        t.restart();
        ok(fx.sel4.pageUnmap(c));
        byte[] in = new byte[(int) (3 * PAGE)];
        Access i = Access.copyIn(t.cpu, FREE_VA + 8, in, 0, in.length - 8);
        assertThat(i.isOk()).isFalse();
        assertThat(i.value()).isEqualTo(2 * PAGE - 8);
        assertThat(i.fault().address()).isEqualTo(FREE_VA + 2 * PAGE);
        assertThat(i.fault().accessKind()).isEqualTo(AccessKind.READ);
        assertThat(in[0]).isEqualTo((byte) 0x22);
        assertThat(in[(int) PAGE]).isZero();
    }

    @Test
    void aFillWhoseHandlerMapsTheMissingPagesCompletes() {
        CpuFx.UserThread t = fx.new UserThread();
        t.handler = (badge, f) -> {
            ok(fx.mapPage(fx.object(ObjectType.SMALL_PAGE), t.vspace, f.address() & -PAGE, RW, DEF));
            return FaultReply.RESUME;
        };
        Access r = Access.fill(t.cpu, FREE_VA + 1, 4 * PAGE, (byte) 7);
        assertThat(r.isOk()).isTrue();
        assertThat(t.faults).hasSize(5);
        assertThat(t.cpu.read(FREE_VA + 4 * PAGE, 1)).isEqualTo(7);
        assertThat(t.cpu.read(FREE_VA + 4 * PAGE + 1, 1)).isZero();
    }

    @Test
    void blockOperationsCheckTheirArguments() {
        CpuFx.UserThread t = fx.new UserThread();
        // Bad arguments are refused results, never exceptions, and touch nothing.
        assertThat(Access.fill(t.cpu, FREE_VA, -1, (byte) 0).wasRefused()).isTrue();
        assertThat(Access.copyIn(t.cpu, FREE_VA, new byte[4], 2, 3).wasRefused()).isTrue();
        assertThat(Access.copyOut(t.cpu, FREE_VA, new byte[4], -1, 1).wasRefused()).isTrue();
        assertThat(Access.copyIn(t.cpu, FREE_VA, null, 0, 1).isOk()).isFalse();
        assertThat(t.faults).isEmpty();
        assertThat(((Cap.TcbCap) fx.capAt(t.tcb)).tcb().state()).isEqualTo(ThreadState.RUNNING);
    }
}
