package org.capbuddy.kernel.cap;

import org.capbuddy.kernel.testing.DifferentialSeeds;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.SplittableRandom;
import java.util.stream.LongStream;
import org.capbuddy.kernel.api.VmRights;
import org.capbuddy.kernel.object.Frame;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A seeded differential test of {@link Cap.FrameCap}'s two forms (the frame itself for its
 * original cap, a packed word for every other) against the record a frame cap used to be
 * ({@link FrameCap} below): the same accessors, the same caps after mapping, unmapping and a
 * change of rights, equality and hash codes that agree, the same printed form, and the frame
 * itself exactly when the cap is read-write and unmapped.
 *
 * <p>Seeds 1..4 plus one time-based seed run by default, each printed; re-run one with
 * {@code -Dkernel.framecap.seed=N}.
 */
class FrameCapDifferentialTest {
    private static final int STEPS = 50_000;

    /** The reference: the record a frame cap used to be. */
    private record FrameCap(Frame frame, VmRights rights, int mappedAsid, long mappedVaddr) {
        FrameCap mappedAt(int asid, long vaddr) {
            return new FrameCap(frame, rights, asid, vaddr);
        }

        FrameCap unmapped() {
            return mappedAsid != 0 || mappedVaddr != 0 ? new FrameCap(frame, rights, 0, 0) : this;
        }
    }

    static LongStream seeds() {
        return DifferentialSeeds.seeds("kernel.framecap.seed", 4);
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void thePackedCapAgreesWithTheRecord(long seed) {
        System.out.println("FrameCapDifferentialTest seed " + seed + " (re-run with -Dkernel.framecap.seed="
                + seed + ")");
        int step = 0;
        try {
            SplittableRandom rnd = new SplittableRandom(seed);
            Frame[] frames = {new Frame(0x1000, 12, false), new Frame(0x20_0000, 21, true),
                new Frame(0x4000_0000, 30, false)};
            Frame frame = frames[0];
            Cap.FrameCap packed = Cap.FrameCap.of(frame, VmRights.READ_WRITE, 0, 0);
            FrameCap model = new FrameCap(frame, VmRights.READ_WRITE, 0, 0);
            Cap.FrameCap previous = packed;
            FrameCap previousModel = model;
            for (step = 0; step < STEPS; step++) {
                switch (rnd.nextInt(5)) {
                    case 0 -> {
                        int asid = rnd.nextInt(4) == 0 ? 0xFFFF : rnd.nextInt(1, 0x10000);
                        long vaddr = rnd.nextInt(4) == 0 ? 0x7FFF_FFFF_F000L : rnd.nextLong(1L << 35) << 12;
                        packed = packed.mappedAt(asid, vaddr);
                        model = model.mappedAt(asid, vaddr);
                    }
                    case 1 -> {
                        packed = packed.unmapped();
                        model = model.unmapped();
                    }
                    case 2 -> {
                        VmRights r = VmRights.values()[rnd.nextInt(3)];
                        packed = packed.withRights(r);
                        model = new FrameCap(model.frame(), r, model.mappedAsid(), model.mappedVaddr());
                    }
                    case 3 -> {
                        frame = frames[rnd.nextInt(frames.length)];
                        VmRights r = VmRights.values()[rnd.nextInt(3)];
                        int asid = rnd.nextBoolean() ? 0 : rnd.nextInt(0x10000);
                        long vaddr = rnd.nextBoolean() ? 0 : rnd.nextLong(1L << 36) << 12;
                        packed = Cap.FrameCap.of(frame, r, asid, vaddr);
                        model = new FrameCap(frame, r, asid, vaddr);
                    }
                    default -> {
                        Cap.FrameCap unmapped = packed.unmapped();
                        assertThat(unmapped == packed).as("unmapped() gives the cap itself")
                                .isEqualTo(model.unmapped() == model);
                    }
                }
                assertThat(packed.frame()).isSameAs(model.frame());
                assertThat(packed.object()).isSameAs(model.frame());
                assertThat(packed.rights()).isEqualTo(model.rights());
                assertThat(packed.mappedAsid()).isEqualTo(model.mappedAsid());
                assertThat(packed.mappedVaddr()).isEqualTo(model.mappedVaddr());
                assertThat(packed.isMapped()).isEqualTo(model.mappedAsid() != 0);
                assertThat(Cap.text(packed)).isEqualTo(model.toString());
                boolean original = model.rights() == VmRights.READ_WRITE && model.mappedAsid() == 0
                        && model.mappedVaddr() == 0;
                assertThat(packed == model.frame()).as("a read-write unmapped cap is its frame").isEqualTo(original);
                boolean same = model.equals(previousModel);
                assertThat(packed.equals(previous)).as("equals").isEqualTo(same);
                if (same) {
                    assertThat(packed.hashCode()).isEqualTo(previous.hashCode());
                }
                previous = packed;
                previousModel = model;
            }
        } catch (Throwable t) {
            throw new AssertionError("seed " + seed + " failed at step " + step
                    + " (re-run with -Dkernel.framecap.seed=" + seed + ")", t);
        }
    }

    @Test
    void aCapHoldsOnlyWhatSeL4sCapCanHold() {
        Frame f = new Frame(0x1000, 12, false);
        assertThatThrownBy(() -> Cap.FrameCap.of(f, VmRights.READ_WRITE, 0x10000, 0))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Cap.FrameCap.of(f, VmRights.READ_WRITE, -1, 0))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Cap.FrameCap.of(f, VmRights.READ_WRITE, 1, 0x1_0000_0000_0000L))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Cap.FrameCap.of(f, VmRights.READ_WRITE, 1, 0x1800))
                .isInstanceOf(IllegalArgumentException.class);
        Cap.FrameCap top = Cap.FrameCap.of(f, VmRights.READ_ONLY, 0xFFFF, 0xFFFF_FFFF_F000L);
        assertThat(top.mappedAsid()).isEqualTo(0xFFFF);
        assertThat(top.mappedVaddr()).isEqualTo(0xFFFF_FFFF_F000L);
        assertThat(top.rights()).isEqualTo(VmRights.READ_ONLY);
    }
}
