package org.capbuddy.sos.addrspace;

import java.util.Objects;
import org.capbuddy.aarch64.elf.ElfImage;
import org.capbuddy.aarch64.elf.Segment;

/**
 * The ELF segment whose bytes fill an image-backed region, and the load bias that took the
 * segment's addresses to the process's ({@code process address = segment address + bias}).
 *
 * @param image the parsed program, which keeps the file's bytes
 * @param segment one of {@code image}'s segments
 * @param bias what was added to the segment's addresses (0 for {@code ET_EXEC})
 */
public record ImageSource(ElfImage image, Segment segment, long bias) {
    public ImageSource {
        Objects.requireNonNull(image, "image");
        Objects.requireNonNull(segment, "segment");
    }

    /**
     * The process addresses in the page at {@code page} that hold file bytes of the segment: empty
     * when the page holds only {@code .bss} or lies outside the segment, whose bytes a zeroed frame
     * already has.
     */
    public VaRange fileBytesIn(long page) {
        long from = Math.max(page, segment.vaddr() + bias);
        long to = Math.min(page + Layout.PAGE, segment.fileEnd() + bias);
        return from < to ? new VaRange(from, to) : new VaRange(page, page);
    }

    /**
     * Copies the file bytes for {@code range} (a result of {@link #fileBytesIn}) into
     * {@code dst[0 .. range size)} and returns how many.
     */
    public int copyFileBytes(VaRange range, byte[] dst) {
        int length = (int) (range.end() - range.base());
        return image.copyFileBytes(segment, range.base() - bias, dst, 0, length);
    }
}
