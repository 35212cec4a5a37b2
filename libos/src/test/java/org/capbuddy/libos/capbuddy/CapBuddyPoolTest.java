package org.capbuddy.libos.capbuddy;

import org.capbuddy.libos.vka.CapOps;

import org.capbuddy.libos.machine.LibosMachine;
import org.capbuddy.libos.machine.MachineConfig;
import org.capbuddy.libos.vka.AllocErrorKind;
import org.capbuddy.libos.vka.VkaObject;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.capbuddy.kernel.api.CapRights;
import org.capbuddy.kernel.api.InvocationLabel;
import org.capbuddy.kernel.api.VmAttributes;
import org.capbuddy.kernel.cost.CostSnapshot;
import org.capbuddy.libos.bootstrap.CSpaceLayout;
import org.capbuddy.libos.vka.AllocErrorKind;
import org.capbuddy.libos.vka.CSpacePath;
import org.capbuddy.libos.vka.Result;
import org.capbuddy.libos.vka.VkaObject;
import org.capbuddy.libos.vka.VkaObjects;
import org.capbuddy.libos.vspace.PageMapper;
import org.capbuddy.libos.allocman.ContextObjects;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class CapBuddyPoolTest {

    @ParameterizedTest
    @EnumSource(CSpaceLayout.class)
    void aTreeIsOneRetypeOf1024FramesAndThenServesWithoutTheKernel(CSpaceLayout layout) {
        PoolFixture fx = new PoolFixture(layout, 256L << 20, 0, false);
        CostSnapshot before = fx.kernel.costs();
        VkaObject first = VkaObjects.allocFrame(fx.vka, 12).value();
        CostSnapshot afterFirst = fx.kernel.costs();
        assertThat(first.isPoolFrame()).isTrue();
        assertThat(afterFirst.minus(before).objectsCreated().get(org.capbuddy.kernel.api.ObjectType.SMALL_PAGE))
                .isEqualTo(1024);
        Set<Long> paddrs = new HashSet<>();
        paddrs.add(fx.pool.paddrOf(first.cptr()).value());
        List<VkaObject> frames = new ArrayList<>(List.of(first));
        for (int i = 1; i < 1024; i++) {
            VkaObject f = VkaObjects.allocFrame(fx.vka, 12).value();
            frames.add(f);
            paddrs.add(fx.pool.paddrOf(f.cptr()).value());
        }
        assertThat(fx.kernel.costs().minus(afterFirst).totalInvocations()).as("no kernel call after the miss").isZero();
        assertThat(paddrs).hasSize(1024);
        assertThat(fx.pool.stats().trees()).isEqualTo(1);
        assertThat(fx.pool.stats().largestFreeOrder()).isEqualTo(-1);
        for (VkaObject f : frames) {
            assertThat(VkaObjects.free(fx.vka, f).isOk()).isTrue();
        }
        assertThat(fx.pool.stats().trees()).as("the fully free tree went back").isZero();
        fx.assertInvariants();
    }

    @Test
    void theVkasFrameFastPathServesOnlyFromATreeWithAFreeFrameAndOtherwiseChangesNothing() {
        PoolFixture fx = new PoolFixture(CSpaceLayout.SINGLE_LEVEL, 256L << 20, 0, false);
        assertThat(fx.booted.vka().utspaceTryAllocFrameFromPool()).as("allocman has no pool").isEqualTo(-1);
        var idle = fx.settledBalance();
        CostSnapshot before = fx.kernel.costs();
        assertThat(fx.vka.utspaceTryAllocFrameFromPool()).as("no tree yet").isEqualTo(-1);
        assertThat(fx.pool.treeCount()).isZero();
        assertThat(fx.kernel.costs().minus(before).totalInvocations()).isZero();
        assertThat(fx.settledBalance()).isEqualTo(idle);

        VkaObject first = VkaObjects.allocFrame(fx.vka, 12).value();
        long fast = fx.vka.utspaceTryAllocFrameFromPool();
        assertThat(fast).isEqualTo(first.cptr() + 1);
        assertThat(fx.pool.isFromPool(fast, 0)).isTrue();
        assertThat(VkaObjects.free(fx.vka, new VkaObject(fast, VkaObject.POOL_COOKIE,
                org.capbuddy.kernel.api.ObjectType.SMALL_PAGE, 12)).isOk()).isTrue();
        assertThat(VkaObjects.free(fx.vka, first).isOk()).isTrue();
        assertThat(fx.settledBalance()).isEqualTo(idle);
        fx.assertInvariants();
    }

    @ParameterizedTest
    @EnumSource(CSpaceLayout.class)
    void everythingFreedGivesTreesSlotsUntypedsAndBookkeepingBack(CSpaceLayout layout) {
        PoolFixture fx = new PoolFixture(layout, 256L << 20, 0, true);
        var baseline = fx.settledBalance();
        List<CSpacePath> blocks = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            int bits = 12 + (i * 7) % 11;
            Result<CSpacePath> b = VkaObjects.allocFrameContiguous(fx.vka, bits);
            assertThat(b.isOk()).as("block %d of 2^%d: %s", i, bits, b).isTrue();
            assertThat(b.value().window()).isEqualTo(1 << (bits - 12));
            blocks.add(b.value());
        }
        assertThat(fx.pool.stats().trees()).isGreaterThan(5);
        fx.assertInvariants();
        for (CSpacePath b : blocks) {
            assertThat(VkaObjects.freeFrameContiguous(fx.vka, b).isOk()).isTrue();
        }
        assertThat(fx.pool.stats().trees()).isZero();
        assertThat(fx.pool.stats().treesReturned()).isEqualTo(fx.pool.stats().treesCreated());
        assertThat(fx.settledBalance()).isEqualTo(baseline);
        fx.assertInvariants();
    }

    @Test
    void spareTreesAreKeptUpToTheLimitAndReleasedOnRequest() {
        PoolFixture fx = new PoolFixture(CSpaceLayout.SINGLE_LEVEL, 256L << 20, 2, false);
        List<CSpacePath> blocks = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            blocks.add(VkaObjects.allocFrameContiguous(fx.vka, 22).value());
        }
        for (CSpacePath b : blocks) {
            VkaObjects.freeFrameContiguous(fx.vka, b);
        }
        assertThat(fx.pool.stats().trees()).isEqualTo(2);
        assertThat(fx.pool.stats().spareTrees()).isEqualTo(2);
        long created = fx.pool.stats().treesCreated();
        VkaObjects.allocFrameContiguous(fx.vka, 20);
        assertThat(fx.pool.stats().treesCreated()).as("a spare serves the next request").isEqualTo(created);
        assertThat(fx.pool.releaseSpares().isOk()).isTrue();
        assertThat(fx.pool.stats().trees()).isEqualTo(1);
    }

    @Test
    void keepingEveryTreeAsTheOriginalDoesNeverGivesOneBackUntilAsked() {
        PoolFixture fx = new PoolFixture(CSpaceLayout.SINGLE_LEVEL, 256L << 20,
                new PoolConfig(0, PoolConfig.FreeCheck.TRUSTED, PoolConfig.TreePolicy.KEEP_ALL));
        List<CSpacePath> blocks = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            blocks.add(VkaObjects.allocFrameContiguous(fx.vka, 22).value());
        }
        long invocations = fx.kernel.costs().totalInvocations();
        for (CSpacePath b : blocks) {
            VkaObjects.freeFrameContiguous(fx.vka, b);
        }
        assertThat(fx.kernel.costs().totalInvocations()).as("nothing given back, so no kernel call")
                .isEqualTo(invocations);
        assertThat(fx.pool.stats().trees()).isEqualTo(4);
        assertThat(fx.pool.stats().spareTrees()).isEqualTo(4);
        assertThat(fx.pool.stats().treesReturned()).isZero();
        for (int i = 0; i < 4; i++) {
            blocks.set(i, VkaObjects.allocFrameContiguous(fx.vka, 22).value());
        }
        assertThat(fx.pool.stats().treesCreated()).as("the kept trees serve again").isEqualTo(4);
        blocks.forEach(b -> VkaObjects.freeFrameContiguous(fx.vka, b));
        // the balance still settles: releasing spares gives every kept tree back
        assertThat(fx.pool.releaseSpares().isOk()).isTrue();
        assertThat(fx.pool.stats().trees()).isZero();
        fx.assertInvariants();
    }

    @Test
    void aFreeRevokesEveryCopyOfTheFramesCapsSoNoMappingSurvivesItForTwoInvocationsAFrame() {
        PoolFixture fx = new PoolFixture(CSpaceLayout.SINGLE_LEVEL, 256L << 20, 0, true);
        VkaObject bystander = VkaObjects.allocFrame(fx.vka, 12).value(); // keeps the tree alive
        VkaObject frame = VkaObjects.allocFrame(fx.vka, 12).value();
        long copySlot = fx.vka.cspaceAlloc().value();
        CSpacePath copy = fx.vka.cspaceMakePath(copySlot);
        assertThat(CapOps.copy(fx.vka.sel4(), copy, fx.vka.cspaceMakePath(frame.cptr()), CapRights.READ_WRITE).isOk())
                .isTrue();
        long copyOfCopySlot = fx.vka.cspaceAlloc().value();
        CSpacePath copyOfCopy = fx.vka.cspaceMakePath(copyOfCopySlot);
        assertThat(CapOps.copy(fx.vka.sel4(), copyOfCopy, copy, CapRights.READ_WRITE).isOk()).isTrue();
        long va = 0x200_0000_0000L;
        var mapped = PageMapper.map(fx.vka.sel4(), new ContextObjects(fx.booted.allocman()), copyOfCopySlot,
                fx.booted.vspace(), va, CapRights.READ_WRITE, VmAttributes.DEFAULT);
        assertThat(mapped.isOk()).isTrue();
        CostSnapshot before = fx.kernel.costs();

        assertThat(VkaObjects.free(fx.vka, frame).isOk()).isTrue();

        CostSnapshot cost = fx.kernel.costs().minus(before);
        assertThat(cost.totalInvocations()).as("%s", cost).isEqualTo(2);
        assertThat(cost.invocations(InvocationLabel.CNODE_REVOKE)).isEqualTo(1);
        assertThat(fx.kernel.rootTaskCap(copySlot)).as("the copy").isNull();
        assertThat(fx.kernel.rootTaskCap(copyOfCopySlot)).as("the copy of the copy, which mapped it").isNull();
        var cpu = fx.vka.sel4().cpu(fx.booted.tcb()).orElseThrow();
        cpu.read(va, 8);
        assertThat(cpu.failure()).as("the mapping went with the copy").isNotNull();
        assertThat(VkaObjects.free(fx.vka, bystander).isOk()).isTrue();
        fx.assertInvariants();
    }

    @Test
    void badFreesAreErrorsThatChangeNothing() {
        PoolFixture fx = new PoolFixture(CSpaceLayout.SINGLE_LEVEL, 256L << 20, 0, true);
        CSpacePath block = VkaObjects.allocFrameContiguous(fx.vka, 16).value();
        VkaObject single = VkaObjects.allocFrame(fx.vka, 12).value();
        PoolStats before = fx.pool.stats();

        assertThat(fx.vka.utspaceTryFreeFromPool(3, 0).error().kind()).as("not from the pool")
                .isEqualTo(AllocErrorKind.NOT_ALLOCATED);
        assertThat(fx.vka.utspaceTryFreeFromPool(block.capPtr() + 1, 4).error().kind()).as("misaligned")
                .isEqualTo(AllocErrorKind.BAD_ARGUMENT);
        assertThat(fx.vka.utspaceTryFreeFromPool(block.capPtr(), 3).error().kind()).as("part of a block")
                .isEqualTo(AllocErrorKind.NOT_ALLOCATED);
        assertThat(fx.vka.utspaceTryFreeFromPool(block.capPtr(), 5).error().kind()).as("larger than the block")
                .isEqualTo(AllocErrorKind.NOT_ALLOCATED);
        assertThat(fx.vka.utspaceTryFreeFromPool(block.capPtr() + 16, 4).error().kind()).as("never allocated")
                .isEqualTo(AllocErrorKind.NOT_ALLOCATED);
        assertThat(fx.vka.utspaceTryFreeFromPool(block.capPtr(), 11).error().kind()).isEqualTo(AllocErrorKind.BAD_ARGUMENT);
        assertThat(fx.vka.utspaceTryAllocFromPool(23, -1, false).error().kind()).isEqualTo(AllocErrorKind.BAD_ARGUMENT);
        assertThat(fx.vka.utspaceTryAllocFromPool(13, 0x4000_1000L, false).error().kind()).isEqualTo(AllocErrorKind.BAD_ARGUMENT);

        // Still mapped: refused, and the frame stays allocated.
        var mapped = PageMapper.map(fx.vka.sel4(), new ContextObjects(fx.booted.allocman()), single.cptr(),
                fx.booted.vspace(), 0x200_0000_0000L, CapRights.READ_WRITE, VmAttributes.DEFAULT);
        assertThat(mapped.isOk()).isTrue();
        Result<Void> refused = VkaObjects.free(fx.vka, single);
        assertThat(refused.isOk()).isFalse();
        assertThat(refused.error().detail()).contains("still mapped");
        assertThat(fx.pool.stats()).isEqualTo(before);

        fx.vka.sel4().pageUnmap(single.cptr());
        assertThat(VkaObjects.free(fx.vka, single).isOk()).isTrue();
        assertThat(VkaObjects.free(fx.vka, single).isOk()).as("double free").isFalse();
        assertThat(VkaObjects.freeFrameContiguous(fx.vka, block).isOk()).isTrue();
        assertThat(VkaObjects.freeFrameContiguous(fx.vka, block).isOk()).as("double free").isFalse();
        fx.assertInvariants();
    }

    /**
     * Single-frame frees without the mapped check take a one-step path; every refusal must still
     * be the checked path's error (the same kind and text as with the check on, where the frame
     * path is not taken) and change nothing.
     */
    @Test
    void badSingleFrameFreesAreRefusedAsOnTheCheckedPath() {
        List<String> unchecked = badSingleFrameFrees(new PoolFixture(CSpaceLayout.SINGLE_LEVEL, 256L << 20, 0, false));
        List<String> checked = badSingleFrameFrees(new PoolFixture(CSpaceLayout.SINGLE_LEVEL, 256L << 20, 0, true));
        assertThat(unchecked).isEqualTo(checked);
        assertThat(unchecked).allSatisfy(e -> assertThat(e).startsWith("NOT_ALLOCATED"));
    }

    /** The errors of six bad frees of one frame; each must leave the pool as it was. */
    private static List<String> badSingleFrameFrees(PoolFixture fx) {
        CapBuddyPool pool = fx.pool;
        long block = pool.alloc(4, CapBuddyPool.NO_PADDR, false).value();
        long frame = pool.alloc(0, CapBuddyPool.NO_PADDR, false).value();
        long spare = pool.alloc(0, CapBuddyPool.NO_PADDR, false).value();
        assertThat(pool.free(spare, 0).isOk()).isTrue();
        long[] bad = {3, -1, block + 1, block, spare, frame + 100};
        List<String> errors = new ArrayList<>();
        for (long cptr : bad) {
            PoolStats before = pool.stats();
            Result<Void> r = pool.free(cptr, 0);
            assertThat(r.isOk()).as("free(%d, 0)", cptr).isFalse();
            assertThat(pool.stats()).as("after free(%d, 0)", cptr).isEqualTo(before);
            errors.add(r.error().kind() + ": " + r.error().detail());
        }
        assertThat(pool.free(frame, 0).isOk()).isTrue();
        assertThat(pool.free(frame, 0).isOk()).as("double free").isFalse();
        assertThat(pool.free(block, 4).isOk()).isTrue();
        fx.assertInvariants();
        return errors;
    }

    @Test
    void physicallyTargetedBlocksOfEverySizeLandExactlyThere() {
        PoolFixture fx = new PoolFixture(CSpaceLayout.SINGLE_LEVEL, 256L << 20, 0, false);
        long base = 0x4800_0000L;
        for (int order = 0; order <= 10; order++) {
            long paddr = base + ((long) order << 22) + (order == 10 ? 0 : 4096L << order);
            Result<CSpacePath> b = fx.vka.utspaceTryAllocFromPool(12 + order, paddr, false);
            assertThat(b.isOk()).as("order %d at 0x%x: %s", order, paddr, b).isTrue();
            assertThat(fx.vka.sel4().pageGetAddress(b.value().capPtr()).mr(0)).isEqualTo(paddr);
            assertThat(fx.vka.sel4().pageGetAddress(b.value().capPtr() + b.value().window() - 1).mr(0))
                    .isEqualTo(paddr + 4096L * (b.value().window() - 1));
        }
        assertThat(fx.vka.utspaceTryAllocFromPool(12, base + (1L << 22) + 8192, false).error().kind())
                .as("inside an allocated block").isEqualTo(AllocErrorKind.OUT_OF_MEMORY);
        fx.assertInvariants();
    }

    @Test
    void deviceMemoryOnlyLandsInDeviceTreesThatNormalRequestsNeverUse() {
        PoolFixture fx = new PoolFixture(CSpaceLayout.SINGLE_LEVEL, 256L << 20, 0, false);
        long mmio = 0x0A00_0000L;
        assertThat(fx.vka.utspaceTryAllocFromPool(12, mmio, false).isOk()).as("device address, device not allowed").isFalse();
        CSpacePath dev = fx.vka.utspaceTryAllocFromPool(12, mmio, true).value();
        assertThat(fx.vka.sel4().pageGetAddress(dev.capPtr()).mr(0)).isEqualTo(mmio);
        assertThat(fx.pool.stats().deviceTrees()).isEqualTo(1);
        for (int i = 0; i < 3000; i++) {
            CSpacePath f = fx.vka.utspaceTryAllocFromPool(12, -1, false).value();
            long paddr = fx.vka.sel4().pageGetAddress(f.capPtr()).mr(0);
            assertThat(paddr).as("frame %d", i).isGreaterThanOrEqualTo(0x4000_0000L);
        }
        assertThat(fx.pool.stats().deviceTrees()).isEqualTo(1);
        fx.assertInvariants();
    }

    @Test
    void aMachineWhosePoolCouldNeverMakeATreeIsRefusedWhenItIsBuilt() {
        var lowFanOut = LibosMachine.boot(MachineConfig.capBuddy(256L << 20).withFanOut(256));
        assertThat(lowFanOut.isOk()).isFalse();
        assertThat(lowFanOut.error().kind()).isEqualTo(AllocErrorKind.BAD_ARGUMENT);
        assertThat(lowFanOut.error().detail()).contains("fan-out limit of at least 1024, got 256");

        var smallL2 = LibosMachine.boot(MachineConfig.capBuddy(256L << 20).twoLevel(12, 8));
        assertThat(smallL2.isOk()).isFalse();
        assertThat(smallL2.error().detail()).contains("L2 CNodes of 2^8 slots cannot hold them");

        var tinyRoot = LibosMachine.boot(MachineConfig.capBuddy(64L << 20).singleLevel(10));
        assertThat(tinyRoot.isOk()).isFalse();
        assertThat(tinyRoot.error().detail()).contains("1024 consecutive free slots");

        assertThat(LibosMachine.boot(MachineConfig.capBuddy(256L << 20).withFanOut(256).withoutPool()).isOk()).isTrue();
    }

    @Test
    void aPoolBuiltByHandWithoutFanOut1024GivesAClearErrorLeavesNothingBehindAndIsNotReplacedSilently() {
        var machine = LibosMachine.boot(MachineConfig.original(256L << 20).withFanOut(256).withoutPool()).value();
        var booted = machine.booted();
        CapBuddyVka vka = new CapBuddyVka(booted.vka(), PoolConfig.defaults(), booted.vspace());
        var before = machine.balance();

        Result<CSpacePath> r = vka.utspaceTryAllocFromPool(12, -1, false);
        assertThat(r.isOk()).isFalse();
        assertThat(r.error().detail()).contains("FAN_OUT_LIMIT of 1024");
        Result<VkaObject> frame = VkaObjects.allocFrame(vka, 12);
        assertThat(frame.isOk()).as("a frame from a pool that cannot work: %s", frame).isFalse();
        assertThat(frame.error().detail()).contains("FAN_OUT_LIMIT of 1024");

        assertThat(machine.balance()).isEqualTo(before);
        assertThat(machine.kernel().checkInvariants().ok()).isTrue();
    }

    @Test
    void kernelCostPerFrameThroughThePoolAndThroughAllocman() {
        PoolFixture fx = new PoolFixture(CSpaceLayout.SINGLE_LEVEL, 512L << 20, 0, false);
        int n = 4096;
        CostSnapshot start = fx.kernel.costs();
        List<VkaObject> pooled = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            pooled.add(VkaObjects.allocFrame(fx.vka, 12).value());
        }
        for (VkaObject f : pooled) {
            VkaObjects.free(fx.vka, f);
        }
        CostSnapshot pool = fx.kernel.costs().minus(start);
        start = fx.kernel.costs();
        List<VkaObject> plain = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            plain.add(VkaObjects.allocFrame(fx.booted.vka(), 12).value());
        }
        for (VkaObject f : plain) {
            VkaObjects.free(fx.booted.vka(), f);
        }
        CostSnapshot stock = fx.kernel.costs().minus(start);
        System.out.printf("kernel invocations per 4 KiB frame (alloc+free), %d frames: pool %.3f (%s), allocman %.3f (%s)%n",
                n, pool.totalInvocations() / (double) n, pool.invocations(), stock.totalInvocations() / (double) n,
                stock.invocations());
        assertThat(pool.invocations(InvocationLabel.UNTYPED_RETYPE)).isLessThan(n / 100);
        assertThat(stock.invocations(InvocationLabel.UNTYPED_RETYPE)).isGreaterThanOrEqualTo(n);
        assertThat(pool.totalInvocations()).isLessThan(stock.totalInvocations() / 100);
    }
}
