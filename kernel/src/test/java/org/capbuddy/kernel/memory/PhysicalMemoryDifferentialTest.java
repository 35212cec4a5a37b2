package org.capbuddy.kernel.memory;

import org.capbuddy.kernel.testing.DifferentialSeeds;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.LongStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A seeded differential test of {@link PhysicalMemory} against a trivial model, a map from page
 * number to a 4 KiB array per page that is backed: random byte and little-endian writes (zero
 * values and page-crossing ones included), block copies in and out, reads, partial and whole-page zeroing and zeroing of
 * whole 2 MiB tables and more. Slabs are tiny (1 to 16 pages, drawn per seed) so that chunk reuse,
 * slab reuse, slab release and compaction happen all the time. Checked after every step: what was read, which
 * pages are backed, the slab store's counts; every few steps, every byte of every page in play.
 *
 * <p>A few pages' chunks are also kept the way a TLB keeps them (slab array, offset, release
 * epoch): while the epoch is unchanged, a kept chunk must still be the page's own. That is what
 * keeps one process's data out of another's page when a chunk is reused.
 *
 * <p>Seeds 1..8 plus one time-based seed run by default, each printed; a failure names its seed
 * and step. Re-run one with {@code -Dkernel.memory.seed=N} (steps: {@code -Dkernel.memory.steps=N}).
 */
class PhysicalMemoryDifferentialTest {
    private static final int STEPS = Integer.getInteger("kernel.memory.steps", 4000);
    private static final int PAGE = PhysicalMemory.PAGE_SIZE;
    private static final long RAM_BASE = 0x4000_0000L;
    private static final long RAM_SIZE = 3L << 30;
    private static final long TWO_MIB = 2L << 20;

    static LongStream seeds() {
        return DifferentialSeeds.seeds("kernel.memory.seed", 8);
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void slabBackedMemoryAgreesWithAMapOfPages(long seed) {
        System.out.println("PhysicalMemoryDifferentialTest seed " + seed
                + " (re-run with -Dkernel.memory.seed=" + seed + ")");
        Run run = new Run(seed);
        int step = 0;
        try {
            for (; step < STEPS; step++) {
                run.step();
                run.checkCounts();
                if (step % 97 == 0) {
                    run.checkEveryByte();
                }
            }
            run.checkEveryByte();
        } catch (AssertionError e) {
            throw new AssertionError("seed " + seed + " step " + step + " (re-run with -Dkernel.memory.seed=" + seed
                    + "): " + e.getMessage(), e);
        }
        System.out.println("  pages per slab " + run.memory.pagesPerSlab() + ", compactions " + run.memory.slabs().compactions()
                + ", slabs allocated "
                + run.memory.slabs().slabsAllocated() + ", releases seen " + run.releases
                + ", kept chunks checked " + run.keptChecks);
    }

    /** One seeded run: the memory under test, the model, and the chunks kept as a TLB keeps them. */
    private static final class Run {
        final SplittableRandom rnd;
        final PhysicalMemory memory;
        /** The model: a page is here exactly while it has backing; absent pages read as zero. */
        final Map<Long, byte[]> model = new HashMap<>();
        /** Page numbers the run plays with: clusters at a table edge, a GiB edge and spread out. */
        final long[] pool;
        final List<Kept> kept = new ArrayList<>();
        long releases;
        long keptChecks;
        long lastEpoch;

        Run(long seed) {
            rnd = new SplittableRandom(seed);
            int[] sizes = {1, 2, 3, 4, 16};
            memory = new PhysicalMemory(List.of(new MemoryRegion(RAM_BASE, RAM_SIZE, false)),
                    sizes[rnd.nextInt(sizes.length)]);
            List<Long> pages = new ArrayList<>();
            long[] clusterStarts = {RAM_BASE, RAM_BASE + 7 * TWO_MIB - 12L * PAGE, 0x8000_0000L - 12L * PAGE};
            for (long start : clusterStarts) {
                for (int i = 0; i < 24; i++) {
                    pages.add((start >>> PhysicalMemory.PAGE_BITS) + i);
                }
            }
            for (int i = 0; i < 8; i++) {
                pages.add((RAM_BASE + rnd.nextLong(RAM_SIZE - 2L * PAGE)) >>> PhysicalMemory.PAGE_BITS);
            }
            pool = pages.stream().mapToLong(Long::longValue).toArray();
            lastEpoch = memory.releaseEpoch();
        }

        long anyPage() {
            return pool[rnd.nextInt(pool.length)];
        }

        long anyAddress() {
            return (anyPage() << PhysicalMemory.PAGE_BITS) + rnd.nextInt(PAGE);
        }

        void step() {
            int op = rnd.nextInt(100);
            if (op < 30) {
                long paddr = anyAddress();
                int length = 1 + rnd.nextInt(8);
                long value = rnd.nextInt(4) == 0 ? 0 : rnd.nextLong();
                memory.writeLittleEndian(paddr, length, value);
                for (int i = 0; i < length; i++) {
                    modelWrite(paddr + i, (byte) (value >>> (8 * i)));
                }
            } else if (op < 40) {
                long paddr = anyAddress();
                byte value = rnd.nextInt(3) == 0 ? 0 : (byte) rnd.nextInt(256);
                memory.write(paddr, value);
                modelWrite(paddr, value);
            } else if (op < 60) {
                long paddr = anyAddress();
                int length = 1 + rnd.nextInt(8);
                long expected = 0;
                for (int i = length - 1; i >= 0; i--) {
                    expected = (expected << 8) | (modelRead(paddr + i) & 0xFF);
                }
                assertThat(memory.readLittleEndian(paddr, length)).as("read %d at 0x%x", length, paddr)
                        .isEqualTo(expected);
                assertThat(memory.read(paddr)).isEqualTo(modelRead(paddr));
            } else if (op < 70) {
                long paddr = anyAddress(); // a partial zeroing, perhaps into the next page
                zero(paddr, 1 + rnd.nextInt(PAGE + PAGE / 2));
            } else if (op < 82) {
                long first = anyPage(); // whole pages
                zero(first << PhysicalMemory.PAGE_BITS, (long) (1 + rnd.nextInt(6)) * PAGE);
            } else if (op < 85) {
                long from = (anyAddress() & -TWO_MIB) - (rnd.nextBoolean() ? 0 : TWO_MIB); // whole tables
                zero(from, (1 + rnd.nextInt(3)) * TWO_MIB + (rnd.nextBoolean() ? 0 : rnd.nextInt(PAGE)));
            } else if (op < 90) {
                long paddr = anyAddress();
                long length = rnd.nextBoolean() ? 1 + rnd.nextInt(3 * PAGE) : TWO_MIB + rnd.nextInt(PAGE);
                assertThat(memory.isZero(paddr, length)).as("isZero 0x%x +%d", paddr, length)
                        .isEqualTo(modelIsZero(paddr, length));
            } else if (op < 95) {
                blockCopy();
            } else {
                keepChunk(anyPage());
            }
            checkKept();
        }

        /**
         * A block copy into or out of memory (copyTo, copyFrom), perhaps across a page boundary,
         * its bytes sometimes all zero, at an offset into a larger buffer; now and then a buffer
         * range that does not fit, which must copy nothing.
         */
        void blockCopy() {
            long paddr = anyAddress();
            int length = 1 + rnd.nextInt(PAGE + PAGE / 2);
            int at = rnd.nextInt(16);
            byte[] buffer = new byte[at + length + rnd.nextInt(16)];
            if (rnd.nextInt(3) != 0) {
                for (int i = at; i < at + length; i++) {
                    buffer[i] = rnd.nextInt(4) == 0 ? 0 : (byte) rnd.nextInt(256);
                }
            }
            boolean misfit = rnd.nextInt(20) == 0;
            int asked = misfit ? buffer.length - at + 1 : length;
            if (rnd.nextBoolean()) {
                boolean copied = memory.copyTo(paddr, buffer, at, asked);
                assertThat(copied).as("copyTo 0x%x +%d", paddr, asked).isEqualTo(!misfit);
                if (copied) {
                    for (int i = 0; i < length; i++) {
                        modelWrite(paddr + i, buffer[at + i]);
                    }
                }
            } else {
                byte[] before = buffer.clone();
                boolean copied = memory.copyFrom(paddr, buffer, at, asked);
                assertThat(copied).as("copyFrom 0x%x +%d", paddr, asked).isEqualTo(!misfit);
                if (!copied) {
                    assertThat(buffer).as("a refused copyFrom leaves the buffer").isEqualTo(before);
                    return;
                }
                for (int i = 0; i < length; i++) {
                    assertThat(buffer[at + i]).as("copyFrom 0x%x byte %d", paddr, i).isEqualTo(modelRead(paddr + i));
                }
                for (int i = 0; i < buffer.length; i++) {
                    if (i < at || i >= at + length) {
                        assertThat(buffer[i]).as("copyFrom 0x%x: buffer byte %d, outside the range", paddr, i)
                                .isEqualTo(before[i]);
                    }
                }
            }
        }

        void zero(long paddr, long length) {
            long before = memory.releaseEpoch();
            boolean wholePageBacked = false;
            for (long a = paddr; a < paddr + length; a++) {
                long page = a >>> PhysicalMemory.PAGE_BITS;
                long pageBase = page << PhysicalMemory.PAGE_BITS;
                byte[] bytes = model.get(page);
                if (bytes == null) {
                    a = pageBase + PAGE - 1; // nothing backed here: on to the next page
                    continue;
                }
                if (a == pageBase && paddr + length >= pageBase + PAGE) {
                    model.remove(page);
                    wholePageBacked = true;
                    a = pageBase + PAGE - 1;
                } else {
                    bytes[(int) (a - pageBase)] = 0;
                }
            }
            memory.zero(paddr, length);
            if (wholePageBacked) {
                releases++;
                assertThat(memory.releaseEpoch()).as("a chunk was taken away").isNotEqualTo(before);
            } else {
                assertThat(memory.releaseEpoch()).as("no chunk was taken away").isEqualTo(before);
            }
        }

        void modelWrite(long paddr, byte value) {
            long page = paddr >>> PhysicalMemory.PAGE_BITS;
            byte[] bytes = model.get(page);
            if (bytes == null) {
                if (value == 0) {
                    return;
                }
                bytes = new byte[PAGE];
                model.put(page, bytes);
            }
            bytes[(int) paddr & (PAGE - 1)] = value;
        }

        byte modelRead(long paddr) {
            byte[] bytes = model.get(paddr >>> PhysicalMemory.PAGE_BITS);
            return bytes == null ? 0 : bytes[(int) paddr & (PAGE - 1)];
        }

        boolean modelIsZero(long paddr, long length) {
            for (Map.Entry<Long, byte[]> e : model.entrySet()) {
                long base = e.getKey() << PhysicalMemory.PAGE_BITS;
                long from = Math.max(base, paddr);
                long to = Math.min(base + PAGE, paddr + length);
                for (long a = from; a < to; a++) {
                    if (e.getValue()[(int) (a - base)] != 0) {
                        return false;
                    }
                }
            }
            return true;
        }

        /** Keeps a page's chunk the way a TLB entry does, if it has one. */
        void keepChunk(long page) {
            int chunk = memory.hostChunk(page);
            if (chunk == 0) {
                assertThat(model).as("page 0x%x has no chunk", page).doesNotContainKey(page);
                return;
            }
            if (kept.size() == 8) {
                kept.remove(rnd.nextInt(kept.size()));
            }
            kept.add(new Kept(page, memory.hostSlab(chunk), PhysicalMemory.hostOffset(chunk), memory.releaseEpoch()));
        }

        /** A kept chunk whose epoch is still current must still hold its page's bytes, and be written through. */
        void checkKept() {
            kept.removeIf(k -> k.epoch != memory.releaseEpoch());
            for (Kept k : kept) {
                int chunk = memory.hostChunk(k.page);
                assertThat(chunk).as("page 0x%x lost its chunk without an epoch change", k.page).isNotZero();
                assertThat(memory.hostSlab(chunk)).isSameAs(k.slab);
                assertThat(PhysicalMemory.hostOffset(chunk)).isEqualTo(k.offset);
                int at = rnd.nextInt(PAGE);
                assertThat(k.slab[k.offset + at]).isEqualTo(model.get(k.page)[at]);
                keptChecks++;
            }
            if (!kept.isEmpty() && rnd.nextInt(4) == 0) {
                // a store through the kept chunk, as a TLB hit makes it
                Kept k = kept.get(rnd.nextInt(kept.size()));
                int at = rnd.nextInt(PAGE - 8);
                long value = rnd.nextLong();
                PageBytes.store(k.slab, k.offset + at, 8, value);
                for (int i = 0; i < 8; i++) {
                    model.get(k.page)[at + i] = (byte) (value >>> (8 * i));
                }
            }
        }

        void checkCounts() {
            long pages = model.size();
            assertThat(memory.backedBytes()).as("backed pages").isEqualTo(pages * PAGE);
            PageSlabs slabs = memory.slabs();
            assertThat(slabs.chunksInUse()).isEqualTo(pages);
            int perSlab = slabs.pagesPerSlab();
            long fewest = (pages + perSlab - 1) / perSlab;
            assertThat(slabs.liveSlabs()).as("slabs held for %d pages", pages)
                    .isBetween((int) fewest, (int) (pages + PageSlabs.KEPT_EMPTY_SLABS));
            assertThat(slabs.emptySlabs()).isBetween(0, PageSlabs.KEPT_EMPTY_SLABS);
            assertThat(memory.slabBytes()).isEqualTo((long) slabs.liveSlabs() * perSlab * PAGE);
            assertThat(memory.slabBytes()).as("the bound the class comment promises")
                    .isLessThanOrEqualTo(2 * memory.backedBytes() + (long) perSlab * PAGE);
        }

        void checkEveryByte() {
            for (long page : pool) {
                long base = page << PhysicalMemory.PAGE_BITS;
                byte[] bytes = model.get(page);
                assertThat(memory.hostChunk(page) != 0).as("page 0x%x backed", page).isEqualTo(bytes != null);
                for (int i = 0; i < PAGE; i += 8) {
                    long expected = 0;
                    for (int b = 7; b >= 0; b--) {
                        expected = (expected << 8) | (bytes == null ? 0 : bytes[i + b] & 0xFF);
                    }
                    assertThat(memory.readLittleEndian(base + i, 8)).as("page 0x%x offset %d", page, i)
                            .isEqualTo(expected);
                }
            }
        }
    }

    private record Kept(long page, byte[] slab, int offset, long epoch) {
    }
}
