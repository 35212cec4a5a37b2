package org.capbuddy.sos.addrspace;

import java.util.ArrayList;
import java.util.List;
import org.capbuddy.aarch64.elf.ElfImage;
import org.capbuddy.aarch64.elf.Segment;
import org.capbuddy.libos.vka.AllocErrorKind;
import org.capbuddy.libos.vka.Result;

/**
 * SOS's policy for where a program's segments may go: one page-rounded region per
 * {@code PT_LOAD}, with the segment's rights, between the null guard and the mmap area, each page
 * belonging to one segment. The parser has checked the file's format; this checks that the
 * program fits the address space {@link AddressSpace} builds around it.
 *
 * <p>The checks run in this order, and the first to fail is reported:
 * <ol>
 * <li>the load bias is a page-aligned address in user space;
 * <li>at most {@value #MAX_SEGMENTS} segments;
 * <li>for each segment in address order: not in the first 64 KiB, not past the top of user space,
 * not over the stack's guard page, the stack or the IPC buffer, not in the mmap area;
 * <li>no two segments share a page;
 * <li>the regions total at most {@value #MAX_IMAGE_BYTES} bytes.
 * </ol>
 */
final class ImagePlacement {
    /** The most segments a program may have: real static programs have two or three. */
    static final int MAX_SEGMENTS = 16;
    /** The most bytes of pages a program image may cover, 1 GiB (as {@code standard}'s code and data). */
    static final long MAX_IMAGE_BYTES = 1L << 30;

    private ImagePlacement() {
    }

    /** The regions for {@code image}'s segments moved up by {@code bias}, in address order, or why not. */
    static Result<List<Region>> regions(ElfImage image, long bias) {
        if (bias < 0 || bias >= Layout.USER_TOP || (bias & (Layout.PAGE - 1)) != 0) {
            return refuse("load bias " + hex(bias) + " is not a page-aligned address in user space");
        }
        List<Segment> segments = image.segments();
        if (segments.size() > MAX_SEGMENTS) {
            return refuse("the program has " + segments.size() + " PT_LOAD segments; SOS loads at most "
                    + MAX_SEGMENTS);
        }
        List<Region> regions = new ArrayList<>(segments.size());
        long total = 0;
        for (int i = 0; i < segments.size(); i++) {
            Segment s = segments.get(i);
            // The parser keeps every segment below 2^48, so adding a bias below 2^47 cannot overflow.
            long start = s.vaddr() + bias;
            long end = s.end() + bias;
            String name = "PT_LOAD segment " + i + " at [" + hex(start) + ", " + hex(end) + ")";
            String misplaced = misplaced(start, end);
            if (misplaced != null) {
                return refuse(name + " " + misplaced);
            }
            Region r = new Region(s.execute() ? RegionKind.CODE : RegionKind.DATA, Layout.pageDown(start),
                    Layout.pageUp(end), s.read(), s.write(), s.execute(), new ImageSource(image, s, bias));
            if (!regions.isEmpty()) {
                Region before = regions.get(regions.size() - 1);
                if (before.end() > r.base()) {
                    Segment b = segments.get(i - 1);
                    return refuse("PT_LOAD segments " + (i - 1) + " at [" + hex(b.vaddr() + bias) + ", "
                            + hex(b.end() + bias) + ") and " + i + " at [" + hex(start) + ", " + hex(end)
                            + ") share the page " + hex(r.base()) + "; SOS maps each page"
                            + " with one frame and one set of rights, so each segment must start on a page of its own:"
                            + " link with a script that page-aligns the segments, as GNU ld's default one does with"
                            + " -z max-page-size=4096");
                }
            }
            total += r.size();
            regions.add(r);
        }
        if (total > MAX_IMAGE_BYTES) {
            return refuse("the program's segments cover " + hex(total) + " bytes of pages, more than the "
                    + hex(MAX_IMAGE_BYTES) + " (1 GiB) SOS loads");
        }
        return Result.ok(regions);
    }

    /** Why a segment at [start, end) may not go there, or null. */
    private static String misplaced(long start, long end) {
        if (start < Layout.NULL_GUARD_END) {
            return "lies in the first 64 KiB (below " + hex(Layout.NULL_GUARD_END)
                    + "), which SOS leaves unmapped so that null pointers fault";
        }
        if (end > Layout.USER_TOP) {
            return "reaches past " + hex(Layout.USER_TOP) + ", the top of user space";
        }
        // The stack, its guard page and the IPC buffer are all in the mmap area; they are named
        // first so that the message says what the program would have overwritten.
        if (overlaps(start, end, Layout.GUARD_PAGE, Layout.STACK_BASE)) {
            return "covers the stack's guard page at " + hex(Layout.GUARD_PAGE);
        }
        if (overlaps(start, end, Layout.STACK_BASE, Layout.STACK_TOP)) {
            return "overlaps the stack at [" + hex(Layout.STACK_BASE) + ", " + hex(Layout.STACK_TOP) + ")";
        }
        if (overlaps(start, end, Layout.IPC_BUFFER, Layout.IPC_BUFFER + Layout.PAGE)) {
            return "overlaps the IPC buffer at " + hex(Layout.IPC_BUFFER);
        }
        if (end > Layout.MMAP_BASE) {
            return "reaches into the mmap area, which starts at " + hex(Layout.MMAP_BASE);
        }
        return null;
    }

    /** Whether [start, end) touches a page of [base, limit) (all page-aligned but start and end). */
    private static boolean overlaps(long start, long end, long base, long limit) {
        return Layout.pageDown(start) < limit && base < Layout.pageUp(end);
    }

    private static Result<List<Region>> refuse(String why) {
        return Result.fail(AllocErrorKind.BAD_ARGUMENT, why);
    }

    private static String hex(long value) {
        return "0x" + Long.toHexString(value);
    }
}
