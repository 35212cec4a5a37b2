package org.capbuddy.kernel.object;

import org.capbuddy.kernel.memory.HostViewClock;
import org.capbuddy.kernel.testing.DifferentialSeeds;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import java.util.stream.LongStream;
import org.capbuddy.kernel.api.VmRights;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A seeded differential test of {@link TranslationTable}'s packed entries (targets plus one
 * attribute byte each) against the simplest model: an array of {@link Pte} values and a count.
 * Random page mappings with every combination of rights and attributes, table entries, clears,
 * {@link TranslationTable#setEntry} and whole-table clears; after each step every accessor of the
 * touched entry, the count and, now and then, every entry must agree with the model.
 *
 * <p>Seeds 1..4 plus one time-based seed run by default, each printed; re-run one with
 * {@code -Dkernel.tt.seed=N}.
 */
class TranslationTableDifferentialTest {
    private static final int STEPS = 20_000;

    static LongStream seeds() {
        return DifferentialSeeds.seeds("kernel.tt.seed", 4);
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void packedEntriesAgreeWithPteValues(long seed) {
        System.out.println("TranslationTableDifferentialTest seed " + seed + " (re-run with -Dkernel.tt.seed="
                + seed + ")");
        int step = 0;
        try {
            SplittableRandom rnd = new SplittableRandom(seed);
            TranslationTable table = rnd.nextBoolean() ? new PageTable(0x1000) : new VSpace(0x2000, new HostViewClock());
            Pte[] model = new Pte[TranslationTable.ENTRIES];
            // A few objects reused, so that identity (not just equality) is what is checked.
            Frame[] frames = {new Frame(0x10_0000, 12, false), new Frame(0x20_0000, 21, false),
                new Frame(0x4000_0000, 30, true), new Frame(0x30_0000, 12, false)};
            PageTable[] tables = {new PageTable(0x5000), new PageTable(0x6000)};
            for (step = 0; step < STEPS; step++) {
                // A small index range most of the time, so entries are overwritten and cleared often.
                int i = rnd.nextInt(8) == 0 ? rnd.nextInt(TranslationTable.ENTRIES) : rnd.nextInt(16);
                switch (rnd.nextInt(10)) {
                    case 0, 1, 2, 3 -> {
                        Pte.Page p = new Pte.Page(frames[rnd.nextInt(frames.length)],
                                VmRights.values()[rnd.nextInt(3)], rnd.nextBoolean(), rnd.nextBoolean());
                        table.mapPage(i, p.frame(), p.rights(), p.executeNever(), p.cacheable());
                        model[i] = p;
                    }
                    case 4, 5 -> {
                        PageTable t = tables[rnd.nextInt(tables.length)];
                        table.mapTable(i, t);
                        model[i] = new Pte.Table(t);
                    }
                    case 6, 7 -> {
                        table.clearEntry(i);
                        model[i] = null;
                    }
                    case 8 -> {
                        Pte p = switch (rnd.nextInt(3)) {
                            case 0 -> null;
                            case 1 -> new Pte.Table(tables[rnd.nextInt(tables.length)]);
                            default -> new Pte.Page(frames[rnd.nextInt(frames.length)],
                                    VmRights.values()[rnd.nextInt(3)], rnd.nextBoolean(), rnd.nextBoolean());
                        };
                        table.setEntry(i, p);
                        model[i] = p;
                    }
                    default -> {
                        if (rnd.nextInt(50) == 0) {
                            table.clear();
                            java.util.Arrays.fill(model, null);
                        }
                    }
                }
                agrees(table, model, i);
                if (rnd.nextInt(100) == 0) {
                    for (int j = 0; j < TranslationTable.ENTRIES; j++) {
                        agrees(table, model, j);
                    }
                }
                int valid = 0;
                for (Pte p : model) {
                    valid += p == null ? 0 : 1;
                }
                assertThat(table.validEntries()).as("valid entries").isEqualTo(valid);
            }
        } catch (Throwable t) {
            throw new AssertionError("seed " + seed + " failed at step " + step
                    + " (re-run with -Dkernel.tt.seed=" + seed + ")", t);
        }
    }

    private static void agrees(TranslationTable table, Pte[] model, int i) {
        Pte expected = model[i];
        assertThat(table.entry(i)).as("entry %d", i).isEqualTo(expected);
        assertThat(table.isValid(i)).as("valid %d", i).isEqualTo(expected != null);
        if (expected instanceof Pte.Page p) {
            assertThat(table.target(i)).isSameAs(p.frame());
            assertThat(table.frameAt(i)).isSameAs(p.frame());
            assertThat(table.nextTable(i)).isNull();
            assertThat(table.rightsAt(i)).isEqualTo(p.rights());
            int attrs = table.attributes(i);
            assertThat(TranslationTable.rights(attrs)).isEqualTo(p.rights());
            assertThat(TranslationTable.executeNever(attrs)).isEqualTo(p.executeNever());
            assertThat(TranslationTable.cacheable(attrs)).isEqualTo(p.cacheable());
        } else if (expected instanceof Pte.Table t) {
            assertThat(table.target(i)).isSameAs(t.table());
            assertThat(table.nextTable(i)).isSameAs(t.table());
            assertThat(table.frameAt(i)).isNull();
        } else {
            assertThat(table.target(i)).isNull();
            assertThat(table.nextTable(i)).isNull();
            assertThat(table.frameAt(i)).isNull();
        }
    }

    @Test
    void theAttributeByteIsLaidOutAsDrawn() {
        assertThat(TranslationTable.pack(VmRights.KERNEL_ONLY, false, false)).isEqualTo((byte) 0);
        assertThat(TranslationTable.pack(VmRights.READ_ONLY, false, false)).isEqualTo((byte) 1);
        assertThat(TranslationTable.pack(VmRights.READ_WRITE, false, false)).isEqualTo((byte) 2);
        assertThat(TranslationTable.pack(VmRights.KERNEL_ONLY, true, false)).isEqualTo((byte) 4);
        assertThat(TranslationTable.pack(VmRights.KERNEL_ONLY, false, true)).isEqualTo((byte) 8);
        assertThat(TranslationTable.pack(VmRights.READ_WRITE, true, true)).isEqualTo((byte) 14);
    }
}
