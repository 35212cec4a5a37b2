package org.capbuddy.aarch64.elf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.capbuddy.aarch64.elf.ElfBuilder.B_SELF;
import static org.capbuddy.aarch64.elf.ElfBuilder.HEADER_AREA;
import static org.capbuddy.aarch64.elf.ElfBuilder.code;
import static org.capbuddy.aarch64.elf.ElfBuilder.pattern;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** {@link ElfImage#copyFileBytes}: file bytes, zeroed bss, and the parts of a page a segment does not cover. */
class ElfImageCopyTest {
    private static final int PAGE = 4096;
    private static final byte UNTOUCHED = 0x5a;

    private final byte[] text = pattern(0x1400, 1);
    private final byte[] data = pattern(0x530, 2);
    // RX [0x400000, 0x401800) all from the file; RW [0x402810, 0x405810) of which 0x530 bytes from the file.
    private final byte[] file = ElfBuilder.exec()
            .headerSegment(0x400000, "rx", text)
            .load(0x402810, 0x3000, "rw", data)
            .build();
    private final ElfImage image = ElfParserGoodFileTest.accept(file);
    private final Segment rx = image.segments().get(0);
    private final Segment rw = image.segments().get(1);

    private static byte[] page() {
        byte[] page = new byte[PAGE];
        Arrays.fill(page, UNTOUCHED);
        return page;
    }

    @Test
    void aWholePageOfFileBytes() {
        byte[] page = page();
        assertThat(image.copyFileBytes(rx, 0x400000, page, 0, PAGE)).isEqualTo(PAGE);
        assertThat(page).isEqualTo(Arrays.copyOfRange(file, 0, PAGE));
        assertThat(Arrays.copyOfRange(page, HEADER_AREA, PAGE)).isEqualTo(Arrays.copyOfRange(text, 0, PAGE - HEADER_AREA));
    }

    @Test
    void theLastPageOfASegmentLeavesTheRestOfThePageAlone() {
        byte[] page = page();
        assertThat(image.copyFileBytes(rx, 0x401000, page, 0, PAGE)).isEqualTo(0x800);
        assertThat(Arrays.copyOfRange(page, 0, 0x800)).isEqualTo(Arrays.copyOfRange(file, 0x1000, 0x1800));
        assertThat(Arrays.copyOfRange(page, 0x800, PAGE)).containsOnly(UNTOUCHED);
    }

    @Test
    void aPageStraddlingTheSegmentStartAndItsBssTail() {
        // Page 0x402000: untouched below 0x402810, then 0x530 file bytes, then zeros to the page end.
        byte[] page = page();
        assertThat(image.copyFileBytes(rw, 0x402000, page, 0, PAGE)).isEqualTo(PAGE - 0x810);
        assertThat(Arrays.copyOfRange(page, 0, 0x810)).containsOnly(UNTOUCHED);
        assertThat(Arrays.copyOfRange(page, 0x810, 0x810 + 0x530)).isEqualTo(data);
        assertThat(Arrays.copyOfRange(page, 0x810 + 0x530, PAGE)).containsOnly(0);
    }

    @Test
    void pagesEntirelyInTheBssAreZeros() {
        for (long va = 0x403000; va < 0x405000; va += PAGE) {
            byte[] page = page();
            assertThat(image.copyFileBytes(rw, va, page, 0, PAGE)).isEqualTo(PAGE);
            assertThat(page).containsOnly(0);
        }
        byte[] last = page();
        assertThat(image.copyFileBytes(rw, 0x405000, last, 0, PAGE)).isEqualTo(0x810);
        assertThat(Arrays.copyOfRange(last, 0, 0x810)).containsOnly(0);
        assertThat(Arrays.copyOfRange(last, 0x810, PAGE)).containsOnly(UNTOUCHED);
    }

    @Test
    void anArbitraryRangeIntoAnOffsetOfTheDestination() {
        byte[] dst = new byte[100];
        Arrays.fill(dst, UNTOUCHED);
        // 0x20 bytes ending 0x10 past the file bytes of rw, written at dst[50..82).
        long from = rw.fileEnd() - 0x10;
        assertThat(image.copyFileBytes(rw, from, dst, 50, 0x20)).isEqualTo(0x20);
        assertThat(Arrays.copyOfRange(dst, 50, 66)).isEqualTo(Arrays.copyOfRange(data, 0x520, 0x530));
        assertThat(Arrays.copyOfRange(dst, 66, 82)).containsOnly(0);
        assertThat(Arrays.copyOfRange(dst, 0, 50)).containsOnly(UNTOUCHED);
        assertThat(Arrays.copyOfRange(dst, 82, 100)).containsOnly(UNTOUCHED);
    }

    @Test
    void rangesOutsideTheSegmentCopyNothing() {
        byte[] page = page();
        assertThat(image.copyFileBytes(rw, 0x401000, page, 0, PAGE)).isZero();
        assertThat(image.copyFileBytes(rw, 0x406000, page, 0, PAGE)).isZero();
        assertThat(image.copyFileBytes(rw, rw.end(), page, 0, PAGE)).isZero();
        assertThat(image.copyFileBytes(rw, rw.vaddr() - PAGE, page, 0, PAGE)).as("ends exactly at the start").isZero();
        assertThat(image.copyFileBytes(rw, -PAGE, page, 0, PAGE)).as("would wrap past 2^64").isZero();
        assertThat(image.copyFileBytes(rw, Long.MIN_VALUE, page, 0, PAGE)).isZero();
        assertThat(image.copyFileBytes(rw, rw.vaddr(), page, 0, 0)).isZero();
        assertThat(page).containsOnly(UNTOUCHED);
    }

    @Test
    void twoSegmentsFillTheirSharedPageTogether() {
        byte[] shared = ElfBuilder.exec()
                .headerSegment(0x400000, "rx", code(B_SELF, B_SELF))
                .load(0x400408, 0x100, "rw", pattern(0x10, 3))
                .build();
        ElfImage img = ElfParserGoodFileTest.accept(shared);
        assertThat(img.sharedPages()).containsExactly(0x400000L);

        byte[] page = page();
        int written = 0;
        for (Segment s : img.segments()) {
            written += img.copyFileBytes(s, 0x400000, page, 0, PAGE);
        }
        assertThat(written).isEqualTo(0x508);
        assertThat(Arrays.copyOfRange(page, 0, 0x418)).isEqualTo(Arrays.copyOfRange(shared, 0, 0x418));
        assertThat(Arrays.copyOfRange(page, 0x418, 0x508)).containsOnly(0);
        assertThat(Arrays.copyOfRange(page, 0x508, PAGE)).containsOnly(UNTOUCHED);
    }

    @Test
    void theCallersMistakesAreRefusedLoudly() {
        byte[] page = new byte[PAGE];
        Segment foreign = new Segment(0x400000, 0x10, 0, 0x10, true, false, true, 0x1000);
        assertThatThrownBy(() -> image.copyFileBytes(foreign, 0x400000, page, 0, 0x10))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> image.copyFileBytes(rx, 0x400000, page, 1, PAGE))
                .isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> image.copyFileBytes(rx, 0x400000, page, 0, -1))
                .isInstanceOf(IndexOutOfBoundsException.class);
        // A record equal to one of the image's is one of the image's.
        Segment copy = new Segment(rx.vaddr(), rx.memSize(), rx.fileOffset(), rx.fileSize(), rx.read(), rx.write(),
                rx.execute(), rx.align());
        assertThat(image.copyFileBytes(copy, 0x400000, page, 0, 0x10)).isEqualTo(0x10);
    }
}
