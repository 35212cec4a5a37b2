package org.capbuddy.kernel.cpu;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** {@link Walk}: every field of a packed walk comes back as it went in, and faults are exactly the negative values. */
class WalkTest {
    private static final long SEED = Long.getLong("capbuddy.seed", 20261206);
    private static final int[] PAGE_BITS = {12, 21, 30};

    private static String at(long seed, int i) {
        return "seed " + seed + " case " + i + " (re-run with -Dcapbuddy.seed=" + seed + ")";
    }

    @Test
    void aTranslationKeepsItsAddressSizeAndWritability() {
        SplittableRandom random = new SplittableRandom(SEED);
        for (int i = 0; i < 100_000; i++) {
            int pageBits = PAGE_BITS[random.nextInt(PAGE_BITS.length)];
            long paddr = i < 4 ? new long[] {0, 1, (1L << 48) - 1, 1L << 47}[i] : random.nextLong(1L << 48);
            boolean writable = random.nextBoolean();
            long walk = Walk.translated(paddr, pageBits, writable);
            String at = at(SEED, i);
            assertThat(Walk.isFault(walk)).as(at).isFalse();
            assertThat(Walk.paddr(walk)).as(at).isEqualTo(paddr);
            assertThat(Walk.pageBits(walk)).as(at).isEqualTo(pageBits);
            assertThat(Walk.writable(walk)).as(at).isEqualTo(writable);
        }
    }

    @Test
    void aFaultKeepsItsStatusCodeAsTheSyndromeSpellsIt() {
        for (boolean permission : new boolean[] {false, true}) {
            for (int level = 0; level <= 3; level++) {
                long walk = Walk.fault(permission, level);
                assertThat(Walk.isFault(walk)).isTrue();
                int status = Walk.faultStatus(walk);
                VmFault fault = VmFault.of(0x400000, 0x1234, AccessKind.WRITE, status);
                assertThat(fault).isEqualTo(VmFault.of(0x400000, 0x1234, AccessKind.WRITE, permission, level));
                assertThat(fault.isPermissionFault()).isEqualTo(permission);
                assertThat(fault.isTranslationFault()).isEqualTo(!permission);
                assertThat(fault.level()).isEqualTo(level);
            }
        }
    }

    @Test
    void theSyndromeOfEachAccessKindIsTheOneTheFaultRecordCarries() {
        for (AccessKind kind : AccessKind.values()) {
            VmFault fault = VmFault.of(0x400008, 0x9000, kind, true, 3);
            assertThat(fault.fsr()).isEqualTo(VmFault.syndrome(kind, VmFault.PERMISSION_FAULT | 3));
            assertThat(fault.accessKind()).isEqualTo(kind);
            assertThat(fault.address()).isEqualTo(kind == AccessKind.EXECUTE ? 0x400008 : 0x9000);
        }
    }
}
