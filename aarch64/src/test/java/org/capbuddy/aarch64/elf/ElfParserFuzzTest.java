package org.capbuddy.aarch64.elf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.capbuddy.aarch64.elf.ElfBuilder.B_SELF;
import static org.capbuddy.aarch64.elf.ElfBuilder.code;
import static org.capbuddy.aarch64.elf.ElfBuilder.pattern;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * Mutates valid programs (bit flips, truncation, header fields set to edge values, shuffled
 * program headers) and checks that {@link ElfParser#parse} never throws and that every image it
 * accepts keeps the promises a loader relies on. Seeded: {@code -Dfuzz.seed=<n>} (decimal or
 * {@code 0x} hex) replaces the default, and a failure names the seed and iteration to re-run.
 */
class ElfParserFuzzTest {
    private static final long DEFAULT_SEED = 0x5eed_0e1f_a64L;
    /** Seeds run after the base one, each drawn from the base seed so a run is still reproducible. */
    private static final int DERIVED_SEEDS = 3;
    private static final int ITERATIONS_PER_SEED = 3000;
    private static final ElfLimits SMALL_LIMITS = new ElfLimits(0x3000, 0x4000);

    private static final List<byte[]> CORPUS = List.of(
            ElfBuilder.exec().headerSegment(0x400000, "rx", code(B_SELF)).build(),
            ElfBuilder.exec()
                    .headerSegment(0x400000, "rx", pattern(0x900, 1))
                    .load(0x401d08, 0x2400, "rw", pattern(0x180, 2))
                    .tls(0x401d08, 0x20, 0x68, 8)
                    .gnuStack("rw")
                    .extra(new ElfBuilder.Phdr(ElfBuilder.PT_NOTE, 4, 0x190, 0x400190, 0x44, 0x44, 4))
                    .extra(new ElfBuilder.Phdr(ElfBuilder.PT_GNU_RELRO, 4, 0xd08, 0x401d08, 0x100, 0x100, 1))
                    .entry(0x4005c0)
                    .build(),
            ElfBuilder.exec()
                    .withPtPhdr()
                    .headerSegment(0x400000, "rx", code(B_SELF, B_SELF, B_SELF))
                    .load(0x40040c, 0x194, "rw", pattern(4, 3))
                    .build(),
            ElfBuilder.dyn()
                    .headerSegment(0, "r", pattern(0x100, 4))
                    .load(0x1000, 0x200, "rx", code(B_SELF, B_SELF))
                    .load(0x2500, 0x1800, "rw", pattern(0x300, 5))
                    .tls(0x2500, 0x10, 0x40, 16)
                    .gnuStack("rw")
                    .entry(0x1004)
                    .build());

    private static final long[] EDGES = {0, 1, 2, 3, 4, 7, 8, 55, 56, 57, 63, 64, 65, 0xfff, 0x1000, 0x1001, 0xffff,
        0x10000, 0x7fff_ffffL, 0x8000_0000L, 0xffff_ffffL, 1L << 32, 1L << 47, (1L << 48) - 1, 1L << 48, (1L << 48) + 1,
        1L << 62, Long.MAX_VALUE, Long.MIN_VALUE, -1, -2, -4096, 1L << 30, (1L << 30) + 1};

    /** (offset, width) of every ELF header field worth corrupting; program header fields are added per file. */
    private static final int[][] EHDR_FIELDS = {{4, 1}, {5, 1}, {6, 1}, {16, 2}, {18, 2}, {20, 4}, {24, 8}, {32, 8},
        {54, 2}, {56, 2}};
    private static final int[][] PHDR_FIELDS = {{0, 4}, {4, 4}, {8, 8}, {16, 8}, {32, 8}, {40, 8}, {48, 8}};

    @Test
    void mutatedProgramsNeverThrowAndAcceptedOnesKeepTheInvariants() {
        String property = System.getProperty("fuzz.seed");
        long base = property == null || property.isBlank() ? DEFAULT_SEED : Long.decode(property.trim());
        long[] seeds = new long[1 + DERIVED_SEEDS];
        seeds[0] = base;
        SplittableRandom derive = new SplittableRandom(base);
        for (int k = 1; k < seeds.length; k++) {
            seeds[k] = derive.nextLong();
        }

        Set<ElfError> seen = EnumSet.noneOf(ElfError.class);
        int accepted = 0;
        for (long seed : seeds) {
            SplittableRandom random = new SplittableRandom(seed);
            for (int iteration = 0; iteration < ITERATIONS_PER_SEED; iteration++) {
                List<String> log = new ArrayList<>();
                try {
                    byte[] file = mutate(random, log);
                    ElfLimits limits = random.nextInt(8) == 0 ? SMALL_LIMITS : ElfLimits.DEFAULT;
                    byte[] before = file.clone();
                    ElfResult result = ElfParser.parse(file, limits);
                    assertThat(file).as("parse does not write to the file").isEqualTo(before);
                    if (result instanceof ElfResult.Ok ok) {
                        accepted++;
                        checkInvariants(ok.image(), file, limits);
                    } else {
                        ElfResult.Refused refused = (ElfResult.Refused) result;
                        seen.add(refused.error());
                        assertThat(refused.detail()).isNotBlank();
                    }
                } catch (Throwable t) {
                    String where = "ELF fuzz failure at fuzz.seed=0x" + Long.toHexString(seed) + " iteration " + iteration
                            + " (base seed 0x" + Long.toHexString(base) + "; re-run with -Dfuzz.seed=0x"
                            + Long.toHexString(seed) + "); mutations " + log;
                    System.err.println(where);
                    throw new AssertionError(where, t);
                }
            }
        }
        // Guards against mutations so tame, or so wild, that the parser's paths go unexercised. Every
        // seed tried reached all 19 codes, about a third of the mutants being accepted; the margin
        // keeps an unlucky -Dfuzz.seed from failing for want of a rare code.
        assertThat(accepted).as("accepted mutants").isGreaterThan(ITERATIONS_PER_SEED / 4);
        assertThat(seen).as("refusal codes reached").hasSizeGreaterThanOrEqualTo(ElfError.values().length - 2);
    }

    private static byte[] mutate(SplittableRandom random, List<String> log) {
        int which = random.nextInt(CORPUS.size());
        byte[] file = CORPUS.get(which).clone();
        log.add("corpus " + which);
        int count = 1 + random.nextInt(3);
        for (int m = 0; m < count; m++) {
            switch (random.nextInt(7)) {
                case 0 -> {
                    int flips = 1 + random.nextInt(8);
                    for (int f = 0; f < flips && file.length > 0; f++) {
                        int at = random.nextInt(4) > 0 ? random.nextInt(Math.min(file.length, ElfBuilder.HEADER_AREA))
                                : random.nextInt(file.length);
                        int bit = random.nextInt(8);
                        file[at] ^= (byte) (1 << bit);
                        log.add("flip " + at + "." + bit);
                    }
                }
                case 1 -> {
                    int length = random.nextInt(file.length + 1);
                    file = Arrays.copyOf(file, length);
                    log.add("truncate " + length);
                }
                case 2, 3 -> {
                    int[] field = pickField(random, file);
                    if (field != null && field[0] + field[1] <= file.length) {
                        long value = interesting(random, file, field);
                        put(file, field[0], field[1], value);
                        log.add("field @" + field[0] + "/" + field[1] + " = 0x" + Long.toHexString(value));
                    }
                }
                case 4 -> {
                    int extra = random.nextInt(512);
                    int old = file.length;
                    file = Arrays.copyOf(file, old + extra);
                    for (int i = old; i < file.length; i++) {
                        file[i] = (byte) random.nextInt(256);
                    }
                    log.add("extend " + extra);
                }
                case 5 -> {
                    int phnum = Math.min(phnum(file), (file.length - ElfParser.EHDR_SIZE) / ElfParser.PHDR_SIZE);
                    if (phnum >= 2) {
                        int a = random.nextInt(phnum);
                        int b = random.nextInt(phnum);
                        byte[] tmp = Arrays.copyOfRange(file, ElfBuilder.phdrAt(a), ElfBuilder.phdrAt(a + 1));
                        boolean swap = random.nextBoolean();
                        if (swap) {
                            System.arraycopy(file, ElfBuilder.phdrAt(b), file, ElfBuilder.phdrAt(a), ElfParser.PHDR_SIZE);
                        }
                        System.arraycopy(tmp, 0, file, ElfBuilder.phdrAt(b), ElfParser.PHDR_SIZE);
                        log.add((swap ? "swap phdrs " : "copy phdr ") + a + " " + b);
                    }
                }
                default -> {
                    if (file.length > 0) {
                        int at = random.nextInt(file.length);
                        int len = Math.min(file.length - at, 1 + random.nextInt(16));
                        for (int i = at; i < at + len; i++) {
                            file[i] = (byte) random.nextInt(256);
                        }
                        log.add("scribble " + at + "+" + len);
                    }
                }
            }
        }
        return file;
    }

    private static int phnum(byte[] file) {
        return file.length < 58 ? 0 : (file[56] & 0xff) | (file[57] & 0xff) << 8;
    }

    /** An ELF header field, or a field of one of the first phnum + 1 program headers. */
    private static int[] pickField(SplittableRandom random, byte[] file) {
        if (random.nextInt(3) == 0) {
            return EHDR_FIELDS[random.nextInt(EHDR_FIELDS.length)];
        }
        int header = random.nextInt(Math.max(1, phnum(file) + 1));
        int[] f = PHDR_FIELDS[random.nextInt(PHDR_FIELDS.length)];
        return new int[] {ElfBuilder.phdrAt(header) + f[0], f[1]};
    }

    private static long interesting(SplittableRandom random, byte[] file, int[] field) {
        long old = get(file, field[0], field[1]);
        return switch (random.nextInt(6)) {
            case 0, 1 -> EDGES[random.nextInt(EDGES.length)];
            case 2 -> old + random.nextInt(-8, 9);
            case 3 -> old + (random.nextBoolean() ? 0x1000 : -0x1000) * (1 + random.nextInt(4));
            case 4 -> file.length + random.nextInt(-64, 65);
            default -> random.nextLong();
        };
    }

    private static long get(byte[] b, int off, int width) {
        long v = 0;
        for (int i = width - 1; i >= 0; i--) {
            v = (v << 8) | (b[off + i] & 0xff);
        }
        return v;
    }

    private static void put(byte[] b, int off, int width, long v) {
        for (int i = 0; i < width; i++) {
            b[off + i] = (byte) (v >>> (8 * i));
        }
    }

    /** What a loader may take for granted of any accepted image. */
    private static void checkInvariants(ElfImage image, byte[] file, ElfLimits limits) {
        List<Segment> segments = image.segments();
        assertThat(segments).isNotEmpty();
        assertThat(image.phentsize()).isEqualTo(ElfParser.PHDR_SIZE);
        assertThat(image.phnum()).isBetween(1, ElfParser.MAX_PROGRAM_HEADERS);
        assertThat(image.fileLength()).isEqualTo(file.length);
        long total = 0;
        Set<Long> shared = new TreeSet<>();
        for (int k = 0; k < segments.size(); k++) {
            Segment s = segments.get(k);
            assertThat(s.memSize()).as("%s", s).isPositive().isLessThanOrEqualTo(limits.maxSegmentBytes());
            assertThat(s.fileSize()).as("%s", s).isBetween(0L, s.memSize());
            assertThat(s.fileOffset()).as("%s", s).isBetween(0L, (long) file.length);
            assertThat(s.fileOffset() + s.fileSize()).as("segment inside the file: %s", s).isLessThanOrEqualTo(file.length);
            assertThat(s.vaddr()).as("%s", s).isNotNegative();
            assertThat(s.end()).as("%s", s).isLessThanOrEqualTo(ElfParser.USER_ADDRESS_LIMIT);
            assertThat((s.vaddr() - s.fileOffset()) & 0xfff).as("%s", s).isZero();
            assertThat(s.align() <= 1 && s.align() >= 0 || Long.bitCount(s.align()) == 1).as("%s", s).isTrue();
            if (k > 0) {
                assertThat(segments.get(k - 1).end()).as("no byte overlap, ascending").isLessThanOrEqualTo(s.vaddr());
            }
            for (int j = 0; j < k; j++) {
                if (segments.get(j).sharesPageWith(s)) {
                    shared.add(s.firstPage());
                }
            }
            total += s.memSize();
            checkCopies(image, s, file);
        }
        assertThat(total).isLessThanOrEqualTo(limits.maxTotalBytes());
        assertThat(image.sharedPages()).as("pages shared by any two segments").containsExactlyElementsOf(shared);

        long entry = image.entry();
        assertThat(entry & 3).isZero();
        assertThat(segments).as("entry 0x%x in an executable segment's file bytes", entry)
                .anyMatch(s -> s.execute() && entry >= s.vaddr() && entry + 4 <= s.fileEnd());

        if (image.phdrVaddr().isPresent()) {
            // The table the program will read at AT_PHDR is the one in the file.
            long at = image.phdrVaddr().getAsLong();
            int size = image.phnum() * ElfParser.PHDR_SIZE;
            byte[] loaded = new byte[size];
            int copied = 0;
            for (Segment s : segments) {
                if (at >= s.vaddr() && at + size <= s.fileEnd()) {
                    copied = image.copyFileBytes(s, at, loaded, 0, size);
                }
            }
            assertThat(copied).isEqualTo(size);
            int phoff = (int) image.phoff();
            assertThat(loaded).isEqualTo(Arrays.copyOfRange(file, phoff, phoff + size));
        }
        image.tls().ifPresent(t -> {
            assertThat(Long.compareUnsigned(t.fileSize(), t.memSize())).isLessThanOrEqualTo(0);
            assertThat(t.memSize()).isLessThanOrEqualTo(limits.maxSegmentBytes());
        });
    }

    /** Copies the first and last page of the segment and compares them with the file. */
    private static void checkCopies(ElfImage image, Segment s, byte[] file) {
        for (long page : new long[] {s.firstPage(), s.lastPage()}) {
            byte[] dst = new byte[(int) Segment.PAGE_SIZE];
            Arrays.fill(dst, (byte) 0x5a);
            int n = image.copyFileBytes(s, page, dst, 0, dst.length);
            long from = Math.max(page, s.vaddr());
            long to = Math.min(page + Segment.PAGE_SIZE, s.end());
            assertThat(n).isEqualTo((int) (to - from));
            int lo = (int) (from - page);
            int hi = (int) (to - page);
            int fileHi = (int) (Math.max(from, Math.min(to, s.fileEnd())) - page);
            int at = (int) (s.fileOffset() + (from - s.vaddr()));
            boolean ok = allEqual(dst, 0, lo, (byte) 0x5a) && allEqual(dst, hi, dst.length, (byte) 0x5a)
                    && (fileHi == lo || Arrays.equals(dst, lo, fileHi, file, at, at + (fileHi - lo)))
                    && allEqual(dst, fileHi, hi, (byte) 0);
            if (!ok) {
                throw new AssertionError("copy of page 0x" + Long.toHexString(page) + " of " + s + " is wrong");
            }
        }
    }

    private static boolean allEqual(byte[] b, int from, int to, byte value) {
        for (int i = from; i < to; i++) {
            if (b[i] != value) {
                return false;
            }
        }
        return true;
    }
}
