package org.capbuddy.aarch64.elf;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * A program {@link ElfParser} accepted: its {@code PT_LOAD} segments, entry point and the facts
 * the initial auxiliary vector needs ({@code AT_PHDR}, {@code AT_PHENT}, {@code AT_PHNUM},
 * {@code AT_ENTRY}). It keeps the caller's file array rather than a copy, so the caller must not
 * change that array afterwards; segment bytes are copied out page by page with
 * {@link #copyFileBytes}. Addresses of an {@link ElfType#DYN} image are relative to the base the
 * loader chooses.
 *
 * <h2>Segments sharing a page</h2>
 * The segments are in ascending address order and never share a byte, but two neighbours may share
 * a 4 KiB page ({@link #sharedPages()}). What real linkers do (GNU binutils 2.40, AArch64, static
 * glibc, {@code -z max-page-size=4096}):
 * <ul>
 * <li>ld.bfd and gold with their default scripts start the RW segment on the virtual page after the
 * end of the RX one, keeping its in-page offset, e.g. RX {@code [0x400000, 0x47e160)} and RW
 * {@code [0x47f808, 0x48b4e8)} at file offset {@code 0x7e808}: the two share a <em>file</em> page
 * but no virtual page. The default 64 KiB max-page-size only widens the gap.
 * <li>A custom linker script that puts {@code .data} right after {@code .text} (common for
 * freestanding programs) yields e.g. RX {@code [0x400000, 0x40010c)} and RW
 * {@code [0x40010c, 0x4002a0)}: one virtual page holds code and data. That is valid ELF, so it is
 * accepted here and reported, and the loader decides: give the page both segments' bytes and the
 * union of their permissions, or refuse. (A loader that maps segment by segment at page
 * granularity, as Linux's does, lets the later segment's permissions win: the same program, made
 * to exit through {@code svc}, dies with SIGSEGV under qemu-aarch64 because its code page became
 * RW.)
 * <li>Static glibc executables and static-PIEs have no {@code PT_PHDR}; the program headers are
 * loaded only because the first {@code PT_LOAD} starts at file offset 0, which is how
 * {@link #phdrVaddr()} finds them.
 * </ul>
 */
public final class ElfImage {
    private final byte[] file;
    private final ElfType type;
    private final long entry;
    private final List<Segment> segments;
    private final OptionalLong phdrVaddr;
    private final long phoff;
    private final int phentsize;
    private final int phnum;
    private final Optional<TlsSegment> tls;
    private final OptionalInt gnuStackFlags;

    ElfImage(byte[] file, ElfType type, long entry, List<Segment> segments, OptionalLong phdrVaddr, long phoff,
            int phentsize, int phnum, Optional<TlsSegment> tls, OptionalInt gnuStackFlags) {
        this.file = file;
        this.type = type;
        this.entry = entry;
        this.segments = List.copyOf(segments);
        this.phdrVaddr = phdrVaddr;
        this.phoff = phoff;
        this.phentsize = phentsize;
        this.phnum = phnum;
        this.tls = tls;
        this.gnuStackFlags = gnuStackFlags;
    }

    /** {@code ET_EXEC} or {@code ET_DYN} (static-PIE). */
    public ElfType type() {
        return type;
    }

    /** {@code e_entry}, for the initial PC and {@code AT_ENTRY}. */
    public long entry() {
        return entry;
    }

    /** The {@code PT_LOAD}s with a nonzero {@code p_memsz}, in ascending address order. */
    public List<Segment> segments() {
        return segments;
    }

    /** The lowest address any segment occupies (for a static-PIE, the offset of the image's start from its base). */
    public long lowestAddress() {
        return segments.get(0).vaddr();
    }

    /** The first address past the highest segment. */
    public long endAddress() {
        return segments.get(segments.size() - 1).end();
    }

    /**
     * {@code AT_PHDR}: where the program header table is in the loaded image. It is {@code PT_PHDR}'s
     * {@code p_vaddr} if there is one (the parser has checked that a {@code PT_LOAD} loads the table
     * there), else computed from the {@code PT_LOAD} whose file bytes contain the whole table, as
     * Linux does. Empty if no segment loads the table: the loader must then either pass no
     * {@code AT_PHDR} or refuse the program (musl's static start-up reads it to find
     * {@code PT_TLS}).
     */
    public OptionalLong phdrVaddr() {
        return phdrVaddr;
    }

    /** {@code e_phoff}: where the program header table is in the file. */
    public long phoff() {
        return phoff;
    }

    /** {@code AT_PHENT}: {@code e_phentsize}, always 56 here. */
    public int phentsize() {
        return phentsize;
    }

    /** {@code AT_PHNUM}: {@code e_phnum}. */
    public int phnum() {
        return phnum;
    }

    /** {@code PT_TLS}, if the program has thread-local variables. */
    public Optional<TlsSegment> tls() {
        return tls;
    }

    /** {@code PT_GNU_STACK}'s {@code p_flags}, if the program has one. */
    public OptionalInt gnuStackFlags() {
        return gnuStackFlags;
    }

    /**
     * Whether the program asks for an executable stack: only if {@code PT_GNU_STACK} is present
     * with {@code PF_X}. Without {@code PT_GNU_STACK} the answer is no, as on Linux for 64-bit
     * AArch64 tasks since 5.8 (it no longer implies {@code READ_IMPLIES_EXEC} for them).
     */
    public boolean executableStack() {
        return gnuStackFlags.isPresent() && (gnuStackFlags.getAsInt() & ElfParser.PF_X) != 0;
    }

    /** The length of the file the image was parsed from. */
    public int fileLength() {
        return file.length;
    }

    /**
     * The pages (4 KiB-aligned addresses, ascending) that hold bytes of more than one segment.
     * Empty for the layouts GNU ld produces with its default scripts; see the class comment.
     */
    public List<Long> sharedPages() {
        List<Long> pages = new ArrayList<>();
        for (int i = 1; i < segments.size(); i++) {
            Segment before = segments.get(i - 1);
            Segment after = segments.get(i);
            // Ascending and disjoint, so only a neighbour can share a page, and only this one.
            if (before.lastPage() == after.firstPage()
                    && (pages.isEmpty() || pages.get(pages.size() - 1) != after.firstPage())) {
                pages.add(after.firstPage());
            }
        }
        return List.copyOf(pages);
    }

    /** Whether any two segments share a page ({@link #sharedPages()} is not empty). */
    public boolean segmentsSharePages() {
        return !sharedPages().isEmpty();
    }

    /**
     * Copies the bytes of {@code segment} that back the virtual addresses
     * {@code [vaddr, vaddr + len)} into {@code dst} at {@code dstOff + (address - vaddr)}: file
     * bytes for the part below {@link Segment#fileEnd()}, zeros for the {@code .bss} tail. Bytes of
     * {@code dst} for addresses outside the segment are left alone, so a loader filling a page two
     * segments share calls this once for each.
     *
     * @param segment one of {@link #segments()}
     * @param vaddr the first address wanted (typically a page address)
     * @param dst where to copy to (typically a page-sized buffer)
     * @param dstOff where in {@code dst} the byte for {@code vaddr} goes
     * @param len how many addresses, from {@code vaddr}
     * @return how many bytes of {@code dst} were written (the size of the intersection of the range with the segment)
     * @throws IllegalArgumentException if {@code segment} is not one of this image's
     * @throws IndexOutOfBoundsException if {@code [dstOff, dstOff + len)} is not inside {@code dst}
     */
    public int copyFileBytes(Segment segment, long vaddr, byte[] dst, int dstOff, int len) {
        Objects.requireNonNull(segment, "segment");
        Objects.requireNonNull(dst, "dst");
        Objects.checkFromIndexSize(dstOff, len, dst.length);
        if (!segments.contains(segment)) {
            throw new IllegalArgumentException("not a segment of this image: " + segment);
        }
        // A validated segment ends at or below 2^48, so once vaddr is below its end, vaddr + len cannot wrap.
        if (len == 0 || Long.compareUnsigned(vaddr, segment.end()) >= 0) {
            return 0;
        }
        long from = Math.max(vaddr, segment.vaddr());
        long to = Math.min(vaddr + len, segment.end());
        if (from >= to) {
            return 0;
        }
        long fileTo = Math.min(to, segment.fileEnd());
        if (from < fileTo) {
            System.arraycopy(file, (int) (segment.fileOffset() + (from - segment.vaddr())), dst,
                    dstOff + (int) (from - vaddr), (int) (fileTo - from));
        }
        long zeroFrom = Math.max(from, segment.fileEnd());
        if (zeroFrom < to) {
            Arrays.fill(dst, dstOff + (int) (zeroFrom - vaddr), dstOff + (int) (to - vaddr), (byte) 0);
        }
        return (int) (to - from);
    }

    @Override
    public String toString() {
        return "ElfImage[" + type + ", entry=0x" + Long.toHexString(entry) + ", segments=" + segments + "]";
    }
}
