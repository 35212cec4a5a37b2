package org.capbuddy.libos.bootstrap;

import org.capbuddy.libos.machine.MachineConfig;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.capbuddy.kernel.api.ObjectType;
import org.capbuddy.libos.allocman.mspace.VirtualPool;
import org.capbuddy.libos.vka.AllocErrorKind;
import org.capbuddy.libos.vka.Result;
import org.capbuddy.libos.vka.VkaObject;
import org.capbuddy.libos.vka.VkaObjects;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** allocman as a whole: exhaustion and recovery, random mixes, and the virtual pool's growth. */
class AllocmanIntegrationTest {

    @ParameterizedTest
    @EnumSource(CSpaceLayout.class)
    void framesUntilTheMachineIsFullThenAllFreedReturnsToTheBootstrapState(CSpaceLayout layout) {
        LibosFixture fx = LibosFixture.boot(layout, 64L << 20);
        var baseline = fx.settledBalance();
        long ramFree = fx.allocman.accounting().untypedBytesFree();
        long ramUntypeds = fx.kernel.bootInfo().ramUntypedBytes();

        List<VkaObject> frames = new ArrayList<>();
        Result<VkaObject> frame;
        while ((frame = VkaObjects.allocFrame(fx.vka, 12)).isOk()) {
            frames.add(frame.value());
            if (frames.size() % 2048 == 0) {
                fx.assertInvariants();
            }
        }
        assertThat(frame.error().kind()).isIn(AllocErrorKind.OUT_OF_MEMORY, AllocErrorKind.OUT_OF_SLOTS,
                AllocErrorKind.OUT_OF_BOOKKEEPING);
        // Nearly all RAM the root task got became frames; the rest is bookkeeping (split records,
        // virtual pool pages, their page tables) and the reserves.
        assertThat(frames.size() * 4096L).isGreaterThan((long) (0.93 * ramUntypeds));
        fx.assertInvariants();

        for (VkaObject f : frames) {
            assertThat(VkaObjects.free(fx.vka, f).isOk()).isTrue();
        }
        assertThat(fx.settledBalance()).isEqualTo(baseline);
        assertThat(fx.allocman.accounting().untypedBytesFree()).isEqualTo(ramFree);
        fx.assertInvariants();
    }

    @ParameterizedTest
    @EnumSource(CSpaceLayout.class)
    void aRandomMixOfObjectsComesBackWhole(CSpaceLayout layout) {
        long seed = Long.getLong("libos.seed", 20261122L);
        SplittableRandom random = new SplittableRandom(seed);
        LibosFixture fx = LibosFixture.boot(layout, 256L << 20);
        var baseline = fx.settledBalance();
        List<VkaObject> live = new ArrayList<>();
        for (int i = 0; i < 3000; i++) {
            if (live.isEmpty() || random.nextInt(5) < 3) {
                Result<VkaObject> r = randomObject(fx, random);
                if (r.isOk()) {
                    live.add(r.value());
                } else {
                    assertThat(r.error().kind()).as("seed %d op %d: %s", seed, i, r)
                            .isIn(AllocErrorKind.OUT_OF_MEMORY, AllocErrorKind.OUT_OF_SLOTS);
                }
            } else {
                VkaObject victim = live.remove(random.nextInt(live.size()));
                assertThat(VkaObjects.free(fx.vka, victim).isOk()).as("seed %d op %d", seed, i).isTrue();
            }
            if (i % 500 == 0) {
                var report = fx.kernel.checkInvariants();
                assertThat(report.ok()).as("seed %d op %d: %s", seed, i, report).isTrue();
            }
        }
        for (VkaObject o : live) {
            assertThat(VkaObjects.free(fx.vka, o).isOk()).as("seed %d", seed).isTrue();
        }
        assertThat(fx.settledBalance()).as("seed %d", seed).isEqualTo(baseline);
        fx.assertInvariants();
    }

    private static Result<VkaObject> randomObject(LibosFixture fx, SplittableRandom random) {
        return switch (random.nextInt(9)) {
            case 0, 1 -> VkaObjects.allocFrame(fx.vka, 12);
            case 2 -> VkaObjects.allocFrame(fx.vka, 21);
            case 3 -> VkaObjects.allocPageTable(fx.vka);
            case 4 -> VkaObjects.allocCNode(fx.vka, 1 + random.nextInt(10));
            case 5 -> VkaObjects.allocUntyped(fx.vka, 4 + random.nextInt(18));
            case 6 -> VkaObjects.allocTcb(fx.vka);
            case 7 -> VkaObjects.allocEndpoint(fx.vka);
            default -> VkaObjects.allocVSpace(fx.vka);
        };
    }

    @ParameterizedTest
    @EnumSource(CSpaceLayout.class)
    void aTinyStaticPoolIsEnoughBecauseTheVirtualPoolGrowsOnDemand(CSpaceLayout layout) {
        // 12 KiB holds the 4096-slot bitmap (or the two-level L1 records), the untyped records and
        // the reserves' bookkeeping; everything after that lives in pages the virtual pool maps.
        MachineConfig small = MachineConfig.capBuddy(128L << 20).withoutPool();
        LibosFixture fx = LibosFixture.boot(layout == CSpaceLayout.SINGLE_LEVEL
                ? small.singleLevel(12).withStaticPoolBytes(12 << 10)
                : small.twoLevel(12, 6).withStaticPoolBytes(48 << 10));
        List<VkaObject> frames = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            Result<VkaObject> f = VkaObjects.allocFrame(fx.vka, 12);
            assertThat(f.isOk()).as("frame %d: %s", i, f).isTrue();
            frames.add(f.value());
        }
        VirtualPool pool = fx.allocman.mspace().virtualPool();
        assertThat(pool.pagesEverMapped()).as("pages the pool mapped itself").isGreaterThan(4);
        assertThat(pool.tablesEverCreated()).as("page tables the pool created").isGreaterThanOrEqualTo(2);
        assertThat(pool.bytesInUse()).isGreaterThan(fx.allocman.mspace().staticPool().bytesInUse());
        
        fx.assertInvariants();
        for (VkaObject f : frames) {
            VkaObjects.free(fx.vka, f);
        }
        // With the reserves handed back, the static pool holds all that is left (the cspace's
        // bitmap and the untyped records), so the virtual pool gives back every page and table.
        assertThat(fx.allocman.releaseReserves().isOk()).isTrue();
        assertThat(pool.pagesHeld()).isZero();
        assertThat(pool.tablesHeld()).isZero();
        assertThat(fx.allocman.fillReserves().isOk()).isTrue();
        fx.assertInvariants();
    }
}
