package org.capbuddy.sos;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.capbuddy.libos.vka.AllocErrorKind;
import org.capbuddy.libos.vka.Result;
import org.capbuddy.sos.addrspace.Layout;
import org.capbuddy.sos.addrspace.Region;
import org.capbuddy.sos.process.Process;
import org.junit.jupiter.api.Test;

/**
 * {@link Sos#spawn} fed mutations of a real program (hello.elf): bits flipped in its headers,
 * program header fields set to the addresses and sizes SOS's checks turn on, truncations. For
 * every mutant spawn must return, never throw; a refusal must be a {@code BAD_ARGUMENT} with a
 * reason and take nothing; a mutant that runs must have its image pages readable as far as their
 * rights allow (or be killed for touching them) and tear down to the balance SOS had before.
 *
 * <p>Seeded: {@code -Dcapbuddy.spawnFuzz.seed=N} repeats a run, {@code -Dcapbuddy.spawnFuzz.mutants=N}
 * sets its length. A failure names the seed and the mutant.
 */
class SpawnFuzzTest {
    private static final long DEFAULT_SEED = 0x5EED_E1F0L;
    private static final int DEFAULT_MUTANTS = 500;
    /** The ELF header and hello.elf's four program headers. */
    private static final int HEADERS = 64 + 4 * 56;
    private static final long[] INTERESTING = {0, 1, 8, 0x38, 0xfff, 0x1000, 0x1f48, 0x1_0000, 0x40_0000, 0x40_0180,
        0x40_2f48, 0x7fff_ffffL, Layout.MMAP_BASE - Layout.PAGE, Layout.GUARD_PAGE, Layout.STACK_BASE,
        Layout.STACK_TOP - Layout.PAGE, Layout.IPC_BUFFER, Layout.USER_TOP - Layout.PAGE, Layout.USER_TOP, 1L << 48,
        (1L << 30) - 1, 1L << 30, (1L << 30) + 1, -1, Long.MIN_VALUE, Long.MAX_VALUE, 0xffff_0000_0000_0000L};

    @Test
    void mutantsOfARealProgramNeverThrowAndNeverLeak() {
        long seed = Long.getLong("capbuddy.spawnFuzz.seed", DEFAULT_SEED);
        int mutants = Integer.getInteger("capbuddy.spawnFuzz.mutants", DEFAULT_MUTANTS);
        SplittableRandom random = new SplittableRandom(seed);
        byte[] hello = TestElf.program("hello.elf");
        SosFixture fx = new SosFixture(true);
        var idle = fx.balance();
        int ran = 0;
        int killed = 0;
        int misplaced = 0;
        for (int i = 0; i < mutants; i++) {
            String at = "spawn fuzz seed " + seed + " (-Dcapbuddy.spawnFuzz.seed=" + seed + "), mutant " + i;
            byte[] file = mutate(hello, random);
            Result<Process> r;
            try {
                r = fx.sos.spawn(file, List.of("mutant"), List.of("I=" + i), seed + i);
            } catch (Throwable t) {
                throw new AssertionError(at + ": spawn threw", t);
            }
            if (!r.isOk()) {
                assertThat(r.error().kind()).as(at).isEqualTo(AllocErrorKind.BAD_ARGUMENT);
                assertThat(r.error().detail()).as(at).isNotBlank();
                if (r.error().detail().startsWith("the program does not fit")) {
                    misplaced++;
                }
            } else {
                ran++;
                Process p = r.value();
                if (!touchImage(p)) {
                    killed++;
                }
                assertThat(fx.sos.destroy(p).isOk()).as(at).isTrue();
            }
            assertThat(fx.sos.liveProcesses()).as(at).isZero();
            assertThat(fx.balance()).as(at).isEqualTo(idle);
            if (i % 100 == 99) {
                fx.assertInvariants();
            }
        }
        fx.assertInvariants();
        assertThat(ran).as("seed %d: some mutants must still run", seed).isPositive();
        assertThat(misplaced).as("seed %d: some mutants must parse and then not fit", seed).isPositive();
        assertThat(mutants - ran - misplaced).as("seed %d: some mutants must be refused by the parser", seed)
                .isPositive();
        System.out.printf("spawn fuzz seed %d: %d mutants, %d refused by the parser, %d placed outside the address"
                + " space, %d ran (%d killed touching their image)%n", seed, mutants, mutants - ran - misplaced,
                misplaced, ran, killed);
    }

    /** Reads the first byte of every image-backed region; false if the process was killed for it. */
    private static boolean touchImage(Process p) {
        byte[] one = new byte[1];
        for (Region r : p.addressSpace().regions()) {
            if (r.isImageBacked() && p.cpu().copyIn(r.base(), one, 0, 1) != 1) {
                return false;
            }
        }
        return true;
    }

    private static byte[] mutate(byte[] original, SplittableRandom random) {
        byte[] f = original.clone();
        int mutations = 1 + random.nextInt(4);
        for (int m = 0; m < mutations; m++) {
            switch (random.nextInt(5)) {
                case 0 -> f[random.nextInt(HEADERS)] ^= (byte) (1 << random.nextInt(8));
                case 1 -> f[random.nextInt(f.length)] = (byte) random.nextInt(256);
                case 2 -> {
                    // A program header field: p_flags, p_offset, p_vaddr, p_filesz, p_memsz or p_align.
                    int header = 64 + 56 * random.nextInt(4);
                    int[] fields = {4, 8, 16, 32, 40, 48};
                    int field = fields[random.nextInt(fields.length)];
                    TestElf.put(f, header + field, field == 4 ? 4 : 8, value(random));
                }
                case 3 -> {
                    // e_type, e_entry, e_phoff, e_phnum.
                    int[][] fields = {{16, 2}, {24, 8}, {32, 8}, {56, 2}};
                    int[] field = fields[random.nextInt(fields.length)];
                    TestElf.put(f, field[0], field[1], value(random));
                }
                default -> {
                    // Move the data segment, keeping its page offset, so that it lands somewhere SOS checks.
                    long to = INTERESTING[random.nextInt(INTERESTING.length)] & -Layout.PAGE;
                    TestElf.put(f, 64 + 56 + 16, 8, to | 0xf48);
                }
            }
        }
        // Last, as the other mutations write inside the headers.
        return random.nextInt(6) == 0 ? Arrays.copyOf(f, random.nextInt(f.length + 1)) : f;
    }

    private static long value(SplittableRandom random) {
        long v = INTERESTING[random.nextInt(INTERESTING.length)];
        return switch (random.nextInt(3)) {
            case 0 -> v;
            case 1 -> v + random.nextInt(-8, 9);
            default -> random.nextLong();
        };
    }
}
