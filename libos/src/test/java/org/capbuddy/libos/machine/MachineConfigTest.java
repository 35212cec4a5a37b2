package org.capbuddy.libos.machine;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.capbuddy.kernel.KernelConfig;
import org.capbuddy.libos.bootstrap.CSpaceLayout;
import org.capbuddy.libos.vka.AllocErrorKind;
import org.capbuddy.libos.vka.Result;
import org.capbuddy.libos.vka.VkaObject;
import org.capbuddy.libos.vka.VkaObjects;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class MachineConfigTest {

    private static final long MIB = 1L << 20;
    private static final long GIB = 1L << 30;

    /** Root slots left for L2 CNodes once boot has taken its share and allocman one slot for itself. */
    private static long l2Slots(int rootBits, int l2Bits) {
        return ((1L << rootBits) - 1024 - 1) << l2Bits;
    }

    @ParameterizedTest
    @ValueSource(longs = {64 * MIB, 256 * MIB, GIB, 3 * GIB, 4 * GIB, 16 * GIB, 64 * GIB, 256 * GIB, 1000 * GIB})
    void theScaledRootHoldsFourSlotsPerFrameAndIsTheSmallestThatDoes(long ram) {
        MachineConfig config = MachineConfig.capBuddy(ram);
        int bits = config.rootCNodeBits();
        long needed = MachineConfig.SLOTS_PER_FRAME * (ram >>> 12);

        assertThat(config.layout()).isEqualTo(CSpaceLayout.TWO_LEVEL);
        assertThat(config.l2Bits()).isEqualTo(MachineConfig.SCALED_L2_BITS);
        assertThat(config.check().isOk()).isTrue();
        assertThat(l2Slots(bits, config.l2Bits())).as("slots at %d bits", bits).isGreaterThanOrEqualTo(needed);
        if (bits > 12) {
            assertThat(l2Slots(bits - 1, config.l2Bits())).as("slots at %d bits", bits - 1).isLessThan(needed);
        }
    }

    @Test
    void theRootSizesTheReadmeQuotes() {
        assertThat(MachineConfig.capBuddy(4 * GIB).rootCNodeBits()).isEqualTo(12);
        assertThat(MachineConfig.capBuddy(16 * GIB).rootCNodeBits()).isEqualTo(13);
        assertThat(MachineConfig.capBuddy(64 * GIB).rootCNodeBits()).isEqualTo(15);
    }

    @Test
    void theRootIsClampedToWhatTheKernelAllows() {
        assertThat(MachineConfig.rootBitsFor(1L << 50, 12)).isEqualTo(KernelConfig.MAX_ROOT_CNODE_BITS);
        assertThat(MachineConfig.rootBitsFor(4096, 12)).isEqualTo(12);
        assertThat(MachineConfig.rootBitsFor(0, 12)).isEqualTo(12);
    }

    @Test
    void theStaticPoolGrowsWithTheRootAndIsWholePages() {
        long small = MachineConfig.staticPoolFor(12);
        long large = MachineConfig.staticPoolFor(20);
        assertThat(small).isGreaterThanOrEqualTo(MachineConfig.DEFAULT_STATIC_POOL_BYTES);
        assertThat(large).isGreaterThan(small);
        assertThat(small % 4096).isZero();
        assertThat(large % 4096).isZero();
    }

    @Test
    void allocmansBookkeepingHeapMayGrowToASixteenthOfRamAndNeverBelowOneGiB() {
        assertThat(MachineConfig.virtualPoolFor(256 * MIB)).isEqualTo(GIB);
        assertThat(MachineConfig.virtualPoolFor(64 * GIB)).isEqualTo(4 * GIB);
        assertThat(MachineConfig.capBuddy(1000 * GIB).bootstrapConfig().virtualPoolBytes()).isEqualTo(62_5L * GIB / 10);
        // Two 64-byte split records for every 4 KiB frame fit with room to spare.
        long ram = 1000 * GIB;
        assertThat(MachineConfig.virtualPoolFor(ram)).isGreaterThanOrEqualTo(2 * 64 * (ram >>> 12));
    }

    @Test
    void theOriginalIsTheDocumentedEighteenBitSingleLevelRoot() {
        MachineConfig config = MachineConfig.original(GIB);
        assertThat(config.layout()).isEqualTo(CSpaceLayout.SINGLE_LEVEL);
        assertThat(config.rootCNodeBits()).isEqualTo(18);
        assertThat(config.hasPool()).isTrue();
    }

    @Test
    void aScaledMachineHasNoShortfallAndTheOriginalSaysHowFarItsSlotsReach() {
        LibosMachine scaled = LibosMachine.boot(MachineConfig.capBuddy(GIB)).value();
        assertThat(scaled.cspaceShortfall()).isEmpty();
        assertThat(scaled.slotCapacity()).isGreaterThanOrEqualTo(3 * (GIB >>> 12));

        LibosMachine original = LibosMachine.boot(MachineConfig.original(GIB)).value();
        assertThat(original.slotCapacity()).isLessThan(1L << 18);
        assertThat(original.cspaceShortfall()).hasValueSatisfying(text -> assertThat(text)
                .contains("plain allocman can hand out about 87,", "frames (33% of RAM)"));
    }

    @Test
    void plainAllocmanOnTheScaledCSpaceRunsOutOfMemoryNotSlots() {
        assertThat(fillWithFrames(MachineConfig.capBuddy(64 * MIB).withoutPool())).isEqualTo(AllocErrorKind.OUT_OF_MEMORY);
    }

    @Test
    void plainAllocmanOnTheOriginalCSpaceRunsOutOfSlotsFirst() {
        assertThat(fillWithFrames(MachineConfig.original(512 * MIB).withoutPool())).isEqualTo(AllocErrorKind.OUT_OF_SLOTS);
    }

    @Test
    void thePoolOnTheScaledCSpaceRunsOutOfMemoryNotSlots() {
        assertThat(fillWithFrames(MachineConfig.capBuddy(64 * MIB))).isEqualTo(AllocErrorKind.OUT_OF_MEMORY);
    }

    @Test
    void aRootCNodeFullAfterBootIsRefusedWithTheSizeThatWouldDo() {
        for (MachineConfig tiny : new MachineConfig[] {MachineConfig.capBuddy(GIB).twoLevel(7, 12),
            MachineConfig.original(GIB).withoutPool().singleLevel(7)}) {
            Result<LibosMachine> booted = LibosMachine.boot(tiny);
            assertThat(booted.isOk()).isFalse();
            assertThat(booted.error().kind()).isEqualTo(AllocErrorKind.BAD_ARGUMENT);
            assertThat(booted.error().detail()).contains("the root CNode of 2^7 slots is full after boot",
                    "use a root CNode of 2^8 slots or more");
        }
        assertThat(LibosMachine.boot(MachineConfig.capBuddy(GIB).withoutPool().twoLevel(8, 12)).isOk())
                .as("2^8 slots leave allocman room").isTrue();
    }

    @Test
    void largeScaledMachinesBootAndServeFrames() {
        for (long ram : new long[] {16 * GIB, 64 * GIB}) {
            LibosMachine m = LibosMachine.boot(MachineConfig.capBuddy(ram)).value();
            assertThat(m.cspaceShortfall()).as("%d GiB", ram / GIB).isEmpty();
            Result<VkaObject> frame = VkaObjects.allocFrame(m.vka(), 12);
            assertThat(frame.isOk()).as("%d GiB: %s", ram / GIB, frame).isTrue();
            assertThat(m.kernel().checkInvariants().ok()).isTrue();
        }
    }

    /** Allocates 4 KiB frames until one is refused; returns why, with the machine still consistent. */
    private static AllocErrorKind fillWithFrames(MachineConfig config) {
        LibosMachine m = LibosMachine.boot(config).value();
        List<VkaObject> held = new ArrayList<>();
        while (true) {
            Result<VkaObject> frame = VkaObjects.allocFrame(m.vka(), 12);
            if (!frame.isOk()) {
                assertThat(m.kernel().checkInvariants().ok()).isTrue();
                assertThat(held.size()).isPositive();
                return frame.error().kind();
            }
            held.add(frame.value());
        }
    }
}
