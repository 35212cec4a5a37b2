package org.capbuddy.sos.addrspace;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.LongFunction;
import org.capbuddy.aarch64.elf.ElfImage;
import org.capbuddy.libos.vka.AllocErrorKind;
import org.capbuddy.libos.vka.Result;

/**
 * A process's regions, kept by base address. Regions never overlap; a request that would is
 * refused. The heap starts empty at the page after the data region (a program's highest segment)
 * and moves with brk; the stack is a fixed-size region with a guard page below it; anonymous mmap
 * regions are placed upward from {@link Layout#MMAP_BASE}.
 */
public final class AddressSpace {
    /** The longest anonymous mapping, 64 GiB. */
    public static final long MAX_MMAP = 1L << 36;

    private final TreeMap<Long, Region> regions = new TreeMap<>();
    /**
     * The region {@link #find} found last, or null; forgotten whenever the regions change. Faults
     * come in runs in one region (a heap being filled), and the map's lookup boxes the address.
     */
    private Region lastFound;
    private final long heapBase;
    private long brk;
    private long mmapNext = Layout.MMAP_BASE;

    /** Code and data of the given sizes at {@link Layout#CODE_BASE}, an empty heap, the stack and the IPC buffer. */
    public static Result<AddressSpace> standard(long codeBytes, long dataBytes) {
        if (codeBytes < 0 || dataBytes < 0 || codeBytes > (1L << 30) || dataBytes > (1L << 30)) {
            return Result.fail(AllocErrorKind.BAD_ARGUMENT, "code and data must be 0..1 GiB");
        }
        long codeEnd = Layout.CODE_BASE + Layout.pageUp(Math.max(codeBytes, Layout.PAGE));
        long dataEnd = codeEnd + Layout.pageUp(Math.max(dataBytes, Layout.PAGE));
        AddressSpace as = new AddressSpace(dataEnd);
        as.add(new Region(RegionKind.CODE, Layout.CODE_BASE, codeEnd, true, false, true));
        as.add(new Region(RegionKind.DATA, codeEnd, dataEnd, true, true, false));
        as.addStackAndIpcBuffer();
        return Result.ok(as);
    }

    /**
     * The address space of a program: one region per {@code PT_LOAD} of {@code image}, moved up by
     * {@code bias}, page-rounded, with the segment's rights (kind {@link RegionKind#CODE} when
     * executable, else {@link RegionKind#DATA}) and filled from the segment as its pages are first
     * touched; an empty heap from the page after the highest segment; the stack and the IPC buffer
     * as {@link #standard} places them. A program that does not fit is refused with the segment
     * and addresses named, and nothing is made: see {@link ImagePlacement} for the rules.
     *
     * @param image a program {@code ElfParser} accepted
     * @param bias what to add to every address of the image: 0 for {@code ET_EXEC}, the load base of a static-PIE
     */
    public static Result<AddressSpace> forImage(ElfImage image, long bias) {
        if (image == null) {
            return Result.fail(AllocErrorKind.BAD_ARGUMENT, "no program image");
        }
        Result<List<Region>> placed = ImagePlacement.regions(image, bias);
        if (!placed.isOk()) {
            return placed.asFailure();
        }
        List<Region> segments = placed.value();
        AddressSpace as = new AddressSpace(segments.get(segments.size() - 1).end());
        for (Region r : segments) {
            Result<Void> added = as.add(r);
            if (!added.isOk()) {
                return added.asFailure();
            }
        }
        as.addStackAndIpcBuffer();
        return Result.ok(as);
    }

    /** The stack, with its guard page below it in no region, and the IPC buffer: every process has them. */
    private void addStackAndIpcBuffer() {
        add(new Region(RegionKind.STACK, Layout.STACK_BASE, Layout.STACK_TOP, true, true, false));
        add(new Region(RegionKind.IPC_BUFFER, Layout.IPC_BUFFER, Layout.IPC_BUFFER + Layout.PAGE, true, true, false));
    }

    private AddressSpace(long heapBase) {
        this.heapBase = heapBase;
        this.brk = heapBase;
    }

    /**
     * A copy for a forked process: the same regions (values, so shared safely), the same heap
     * base and break, and the same next mmap place, so that the child places its next mapping
     * where the parent would have.
     */
    public AddressSpace copy() {
        AddressSpace c = new AddressSpace(heapBase);
        c.brk = brk;
        c.mmapNext = mmapNext;
        c.regions.putAll(regions);
        return c;
    }

    /**
     * Adds a region; refused when it is empty, unaligned, outside user space, covers the stack's
     * guard page or (unless it is the signal page) the signal page's place, or overlaps another.
     */
    public Result<Void> add(Region r) {
        Result<Void> bad = check(r);
        if (!bad.isOk()) {
            return bad;
        }
        put(r.base(), r);
        return Result.done();
    }

    /** Why {@link #add} would refuse {@code r}, or done when it would add it. */
    private Result<Void> check(Region r) {
        if (r.base() < 0 || r.end() <= r.base() || (r.base() & (Layout.PAGE - 1)) != 0
                || (r.end() & (Layout.PAGE - 1)) != 0 || r.end() > Layout.USER_TOP) {
            return Result.fail(AllocErrorKind.BAD_ARGUMENT, "region " + r + " is empty, unaligned or outside user space");
        }
        if (coversGuardPage(r.base(), r.end())) {
            return Result.fail(AllocErrorKind.BAD_ARGUMENT, "region " + r.kind() + " [0x" + Long.toHexString(r.base())
                    + ", 0x" + Long.toHexString(r.end()) + ") covers the stack's guard page");
        }
        if (r.kind() != RegionKind.SIGPAGE && coversSignalPage(r.base(), r.end())) {
            return Result.fail(AllocErrorKind.BAD_ARGUMENT, "region " + r.kind() + " [0x" + Long.toHexString(r.base())
                    + ", 0x" + Long.toHexString(r.end()) + ") covers the signal page's place");
        }
        Region clash = overlapping(r.base(), r.end());
        if (clash != null) {
            return Result.fail(AllocErrorKind.BAD_ARGUMENT, "region " + r.kind() + " [0x" + Long.toHexString(r.base())
                    + ", 0x" + Long.toHexString(r.end()) + ") overlaps " + clash.kind() + " [0x"
                    + Long.toHexString(clash.base()) + ", 0x" + Long.toHexString(clash.end()) + ")");
        }
        return Result.done();
    }

    /** The region holding {@code vaddr}, or null. */
    public Region find(long vaddr) {
        Region last = lastFound;
        if (last != null && last.contains(vaddr)) {
            return last;
        }
        Map.Entry<Long, Region> e = regions.floorEntry(vaddr);
        Region found = e != null && e.getValue().contains(vaddr) ? e.getValue() : null;
        if (found != null) {
            lastFound = found;
        }
        return found;
    }

    /** Every change to the regions goes through here and {@link #remove}, which forget {@link #lastFound}. */
    private void put(long base, Region r) {
        lastFound = null;
        regions.put(base, r);
    }

    private void remove(long base) {
        lastFound = null;
        regions.remove(base);
    }

    /**
     * The guard page is in no region, so region overlap checks alone would let a region (the
     * heap, grown up to the stack) take it over, and a stack overflow would then run silently
     * into that region's memory instead of killing.
     */
    private static boolean coversGuardPage(long base, long end) {
        return base < Layout.GUARD_PAGE + Layout.PAGE && Layout.GUARD_PAGE < end;
    }

    /**
     * The signal page's place is in no region until a handler is first delivered: without this a
     * mapping could take it first, and the program would be killed at its first signal.
     */
    private static boolean coversSignalPage(long base, long end) {
        return base < Layout.SIGNAL_PAGE + Layout.PAGE && Layout.SIGNAL_PAGE < end;
    }

    /** Whether [base, end) covers a page kept out of every region: the stack's guard page or the signal page's place. */
    private static boolean coversKeptPage(long base, long end) {
        return coversGuardPage(base, end) || coversSignalPage(base, end);
    }

    /** A region overlapping [base, end), or null: what MAP_FIXED_NOREPLACE must not replace. */
    public Region firstOverlapping(long base, long end) {
        List<Region> touched = touched(base, end);
        return touched.isEmpty() ? null : touched.get(0);
    }

    private Region overlapping(long base, long end) {
        Map.Entry<Long, Region> below = regions.lowerEntry(end);
        return below != null && below.getValue().overlaps(base, end) ? below.getValue() : null;
    }

    public long heapBase() {
        return heapBase;
    }

    public long brk() {
        return brk;
    }

    /**
     * Moves the break (the heap's end, byte granular), within user space. Growing must not run
     * into another region, the stack's guard page or the signal page's place; the heap region covers [heapBase, pageUp(brk)).
     * Returns the pages given up when shrinking, [pageUp(new brk), pageUp(old brk)), which the
     * caller unmaps and frees (an empty range when the heap grew or stayed).
     */
    public Result<VaRange> setBrk(long newBrk) {
        if (newBrk < heapBase) {
            return Result.fail(AllocErrorKind.BAD_ARGUMENT, "break 0x" + Long.toHexString(newBrk)
                    + " is below the heap base 0x" + Long.toHexString(heapBase));
        }
        // Before pageUp: near 2^63 it overflows to a negative end, which would read as a shrink
        // that gives up every page below the heap's end, code and data included.
        if (newBrk > Layout.USER_TOP) {
            return Result.fail(AllocErrorKind.BAD_ARGUMENT, "break 0x" + Long.toHexString(newBrk)
                    + " is outside user space");
        }
        long oldEnd = Layout.pageUp(brk);
        long newEnd = Layout.pageUp(newBrk);
        if (newEnd > oldEnd) {
            // as Linux's brk, the new end must leave a page free below the next mapping
            Region clash = overlapping(oldEnd, newEnd + Layout.PAGE);
            if (clash != null) {
                return Result.fail(AllocErrorKind.OUT_OF_MEMORY, "the heap cannot grow into " + clash.kind()
                        + " or to within a page of it");
            }
            if (coversKeptPage(oldEnd, newEnd)) {
                return Result.fail(AllocErrorKind.OUT_OF_MEMORY, "the heap cannot grow over the stack's guard page"
                        + " or the signal page's place");
            }
            // The heap may be in pieces (a mapping placed over part of it, mprotect): grow the piece
            // ending at the break when it still has the heap's rights. As Linux's brk, new heap is
            // read-write whatever mprotect made of the pages below the break.
            Map.Entry<Long, Region> below = regions.lowerEntry(oldEnd);
            Region last = below == null ? null : below.getValue();
            if (last != null && last.kind() == RegionKind.HEAP && last.end() == oldEnd && last.read() && last.write()
                    && !last.execute()) {
                put(last.base(), last.withEnd(newEnd));
            } else {
                put(oldEnd, new Region(RegionKind.HEAP, oldEnd, newEnd, true, true, false));
            }
        } else if (newEnd < oldEnd) {
            // As Linux's brk, shrinking gives up whatever the heap's range holds, mappings placed in it too.
            carve(newEnd, oldEnd);
        }
        brk = newBrk;
        return Result.ok(newEnd < oldEnd ? new VaRange(newEnd, oldEnd) : new VaRange(oldEnd, oldEnd));
    }

    /** Places an anonymous read-write region of {@code length} bytes (page rounded). */
    public Result<Region> mmap(long length) {
        return mmap(0, length, true, true, false);
    }

    /**
     * Places an anonymous region of {@code length} bytes (page rounded) with the given rights
     * (none for a PROT_NONE guard): at {@code hint} when that is page-aligned, not below
     * {@link Layout#NULL_GUARD_END} (as Linux's get_unmapped_area ignores a hint under
     * mmap_min_addr: mremap's is passed as given, mmap's raised first) and the range is free and
     * in user space, else at the next free place in the mmap area.
     */
    public Result<Region> mmap(long hint, long length, boolean read, boolean write, boolean execute) {
        return mmap(hint, length, read, write, execute, null);
    }

    /**
     * {@link #mmap(long, long, boolean, boolean, boolean)} of a region whose pages are those of
     * the shared object {@code shared} makes for the base chosen (a MAP_SHARED anonymous mapping,
     * whose pages count from where it is placed; null for private memory), called only once the
     * region is sure to be added.
     */
    public Result<Region> mmap(long hint, long length, boolean read, boolean write, boolean execute,
                               LongFunction<SharedMemory> shared) {
        if (length <= 0 || length > MAX_MMAP) {
            return Result.fail(AllocErrorKind.BAD_ARGUMENT, "mmap length must be 1..64 GiB, got " + length);
        }
        long size = Layout.pageUp(length);
        if (hint >= Layout.NULL_GUARD_END && (hint & (Layout.PAGE - 1)) == 0 && hint <= Layout.USER_TOP - size
                && overlapping(hint, hint + size) == null && !coversKeptPage(hint, hint + size)) {
            Region r = new Region(RegionKind.MMAP, hint, hint + size, read, write, execute, null,
                    shared == null ? null : shared.apply(hint));
            put(hint, r);
            return Result.ok(r);
        }
        long base = mmapNext;
        for (Region clash = overlapping(base, base + size); clash != null || coversSignalPage(base, base + size);
                clash = overlapping(base, base + size)) {
            base = clash != null ? clash.end() : Layout.SIGNAL_PAGE + Layout.PAGE;
        }
        Region probe = new Region(RegionKind.MMAP, base, base + size, read, write, execute);
        Result<Void> fits = check(probe);
        if (!fits.isOk()) {
            return fits.asFailure();
        }
        Region r = new Region(RegionKind.MMAP, base, base + size, read, write, execute, null,
                shared == null ? null : shared.apply(base));
        Result<Void> added = add(r);
        if (!added.isOk()) {
            return added.asFailure();
        }
        mmapNext = r.end();
        return Result.ok(r);
    }

    /**
     * Grows the anonymous mmap region at {@code base} to end at {@code newEnd} (mremap growing in
     * place), keeping it one region as Linux keeps one mapping. Refused, changing nothing, when no
     * private mmap region starts there (a shared object does not grow), the new end is not a
     * page's above the old one, leaves user space, or the pages added are not free (another
     * region, the stack's guard page or the signal page's place).
     */
    public Result<Region> grow(long base, long newEnd) {
        Region r = regions.get(base);
        if (r == null || r.kind() != RegionKind.MMAP || r.isShared()) {
            return Result.fail(AllocErrorKind.BAD_ARGUMENT, "no mmap region starts at 0x" + Long.toHexString(base));
        }
        if ((newEnd & (Layout.PAGE - 1)) != 0 || newEnd <= r.end() || newEnd > Layout.USER_TOP
                || newEnd - r.base() > MAX_MMAP) {
            return Result.fail(AllocErrorKind.BAD_ARGUMENT, "cannot grow the region to 0x" + Long.toHexString(newEnd));
        }
        if (overlapping(r.end(), newEnd) != null || coversKeptPage(r.end(), newEnd)) {
            return Result.fail(AllocErrorKind.NOT_ALLOCATED, "the pages after the region are not free");
        }
        Region grown = r.withEnd(newEnd);
        put(base, grown);
        return Result.ok(grown);
    }

    /**
     * MAP_FIXED: an anonymous region exactly at [base, base + length), replacing the heap and
     * anonymous mappings it covers (their pieces outside the range stay). Refused when the range is
     * unaligned, leaves user space, covers the stack's guard page or the signal page's place, or
     * touches code, data, the stack or the IPC buffer. Returns the ranges whose old pages the caller must unmap.
     */
    public Result<List<VaRange>> mmapFixed(long base, long length, boolean read, boolean write, boolean execute) {
        return mmapFixed(base, length, read, write, execute, null);
    }

    /**
     * {@link #mmapFixed(long, long, boolean, boolean, boolean)} of a region whose pages are
     * {@code shared}'s (null: private).
     */
    public Result<List<VaRange>> mmapFixed(long base, long length, boolean read, boolean write, boolean execute,
                                           LongFunction<SharedMemory> shared) {
        Result<Long> end = checkedRange("mmap", base, length);
        if (!end.isOk()) {
            return end.asFailure();
        }
        if (length > MAX_MMAP) {
            return Result.fail(AllocErrorKind.BAD_ARGUMENT, "mmap length must be 1..64 GiB, got " + length);
        }
        if (coversGuardPage(base, end.value())) {
            return Result.fail(AllocErrorKind.BAD_ARGUMENT, "a fixed mapping cannot cover the stack's guard page");
        }
        if (coversSignalPage(base, end.value())) {
            return Result.fail(AllocErrorKind.BAD_ARGUMENT, "a fixed mapping cannot cover the signal page's place");
        }
        Region fixed = firstNotReplaceable(base, end.value());
        if (fixed != null) {
            return Result.fail(AllocErrorKind.BAD_ARGUMENT, "a fixed mapping cannot replace the " + fixed.kind() + " region");
        }
        List<VaRange> removed = carve(base, end.value());
        put(base, new Region(RegionKind.MMAP, base, end.value(), read, write, execute, null,
                shared == null ? null : shared.apply(base)));
        return Result.ok(removed);
    }

    /**
     * Removes [base, base + length) from anonymous mmap regions and heap pieces, splitting them as
     * needed (a partial munmap). Refused if the range leaves user space, or touches any other kind
     * of region, or nothing at all. Returns the ranges removed, for the caller to unmap.
     */
    public Result<List<VaRange>> munmap(long base, long length) {
        Result<Long> end = unmappable(base, length);
        if (!end.isOk()) {
            return end.asFailure();
        }
        return Result.ok(carve(base, end.value()));
    }

    /**
     * Whether {@link #munmap} would take [base, base + length) away, asked without changing
     * anything: the range's page-rounded end, or munmap's refusal (NOT_ALLOCATED when nothing is
     * mapped there, BAD_ARGUMENT for a bad range or one touching a region munmap may not remove).
     */
    public Result<Long> unmappable(long base, long length) {
        Result<Long> end = checkedRange("munmap", base, length);
        if (!end.isOk()) {
            return end;
        }
        if (touched(base, end.value()).isEmpty()) {
            return Result.fail(AllocErrorKind.NOT_ALLOCATED, "nothing is mapped in [0x" + Long.toHexString(base)
                    + ", 0x" + Long.toHexString(end.value()) + ")");
        }
        Region fixed = firstNotReplaceable(base, end.value());
        if (fixed != null) {
            return Result.fail(AllocErrorKind.BAD_ARGUMENT, "munmap range touches the " + fixed.kind() + " region");
        }
        return end;
    }

    /**
     * mprotect, as Linux walks it: gives the pages of [base, base + length) the rights asked, from
     * {@code base} up to the end of the range or the first page in no region, whichever comes
     * first, splitting regions at the ends of what changes. Refused, changing nothing, when the
     * address or length is bad (BAD_ARGUMENT), {@code base} is in no region or outside user space
     * (NOT_ALLOCATED: ENOMEM for the caller, as Linux says) or the part that would change holds the
     * IPC buffer, whose rights are SOS's (BAD_ARGUMENT). A range that runs into a hole or past the
     * top of user space changes up to there and says where ({@link Reprotected#holeAt}), for the
     * caller to report ENOMEM as Linux does after changing the regions before the hole.
     */
    public Result<Reprotected> protect(long base, long length, boolean read, boolean write, boolean execute) {
        if (length <= 0 || (base & (Layout.PAGE - 1)) != 0) {
            return Result.fail(AllocErrorKind.BAD_ARGUMENT, "mprotect needs a page-aligned address and a positive length");
        }
        if (base < 0 || base >= Layout.USER_TOP) {
            return Result.fail(AllocErrorKind.NOT_ALLOCATED, "0x" + Long.toHexString(base) + " is not inside user space");
        }
        // Checked before any arithmetic: base + pageUp(length) can overflow.
        boolean pastTop = length > Layout.USER_TOP - base;
        long limit = pastTop ? Layout.USER_TOP : base + Layout.pageUp(length);
        List<Region> touched = touched(base, limit);
        long covered = base;
        for (Region r : touched) {
            if (r.base() > covered) {
                break;
            }
            covered = Math.min(r.end(), limit);
        }
        if (covered == base) {
            return Result.fail(AllocErrorKind.NOT_ALLOCATED, "0x" + Long.toHexString(base) + " is in no region of the process");
        }
        for (Region r : touched) {
            if (r.base() < covered && r.kind() == RegionKind.IPC_BUFFER) {
                return Result.fail(AllocErrorKind.BAD_ARGUMENT, "the IPC buffer's rights cannot change");
            }
            if (r.base() < covered && r.kind() == RegionKind.SIGPAGE) {
                return Result.fail(AllocErrorKind.BAD_ARGUMENT, "the signal page's rights cannot change");
            }
        }
        List<VaRange> changed = new ArrayList<>();
        for (Region r : touched) {
            if (r.base() >= covered) {
                break;
            }
            long cutBase = Math.max(base, r.base());
            long cutEnd = Math.min(covered, r.end());
            remove(r.base());
            if (r.base() < cutBase) {
                put(r.base(), r.withEnd(cutBase));
            }
            if (cutEnd < r.end()) {
                put(cutEnd, r.withBase(cutEnd));
            }
            // The source stays: a page of .data or code not yet touched must still fill from the file;
            // and so does a shared object, whose pages the piece still is.
            put(cutBase, r.withRights(cutBase, cutEnd, read, write, execute));
            changed.add(new VaRange(cutBase, cutEnd));
        }
        return Result.ok(new Reprotected(changed, covered < limit || pastTop ? covered : -1));
    }

    /**
     * What {@link #protect} changed: the ranges whose rights it set, for the caller to remap the
     * pages present there, and the first address past them it could not reach (in no region, or
     * the top of user space), or -1 when it changed the whole range.
     */
    public record Reprotected(List<VaRange> changed, long holeAt) {
        public Reprotected {
            changed = List.copyOf(changed);
        }
    }

    /** The page-rounded end of a range a call may name, or why it may not. */
    private static Result<Long> checkedRange(String call, long base, long length) {
        if (length <= 0 || (base & (Layout.PAGE - 1)) != 0) {
            return Result.fail(AllocErrorKind.BAD_ARGUMENT, call + " needs a page-aligned address and a positive length");
        }
        // Checked before any arithmetic: base + pageUp(length) can overflow.
        if (base < 0 || base >= Layout.USER_TOP || length > Layout.USER_TOP - base) {
            return Result.fail(AllocErrorKind.BAD_ARGUMENT, call + " range [0x" + Long.toHexString(base) + ", +0x"
                    + Long.toHexString(length) + ") is not inside user space");
        }
        // Both base and USER_TOP are page-aligned, so the rounded end stays within user space.
        return Result.ok(base + Layout.pageUp(length));
    }

    private List<Region> touched(long base, long end) {
        List<Region> touched = new ArrayList<>();
        Long from = regions.floorKey(base);
        for (Region r : regions.subMap(from == null ? base : from, true, end, false).values()) {
            if (r.overlaps(base, end)) {
                touched.add(r);
            }
        }
        return touched;
    }

    /** The first region in [base, end) that only whole-process teardown may remove, or null. */
    private Region firstNotReplaceable(long base, long end) {
        for (Region r : touched(base, end)) {
            if (r.kind() != RegionKind.MMAP && r.kind() != RegionKind.HEAP) {
                return r;
            }
        }
        return null;
    }

    /** Cuts [base, end) out of every region it touches, keeping their outer pieces; returns the ranges cut. */
    private List<VaRange> carve(long base, long end) {
        List<VaRange> removed = new ArrayList<>();
        for (Region r : touched(base, end)) {
            remove(r.base());
            long cutBase = Math.max(base, r.base());
            long cutEnd = Math.min(end, r.end());
            removed.add(new VaRange(cutBase, cutEnd));
            if (r.base() < cutBase) {
                put(r.base(), r.withEnd(cutBase));
            }
            if (cutEnd < r.end()) {
                put(cutEnd, r.withBase(cutEnd));
            }
        }
        return removed;
    }

    public List<Region> regions() {
        return List.copyOf(regions.values());
    }
}
