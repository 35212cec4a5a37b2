package org.capbuddy.fuzz.sos;

import java.util.ArrayList;
import java.util.List;
import org.capbuddy.kernel.cpu.AccessKind;
import org.capbuddy.sos.Errno;
import org.capbuddy.sos.addrspace.Layout;
import org.capbuddy.sos.addrspace.Region;
import org.capbuddy.sos.addrspace.RegionKind;

/**
 * The fuzzer's own account of a process's regions, written from SOS's documented semantics
 * rather than from its code: the standard layout, a heap [heap base, pageUp(brk)) moved by brk,
 * less the holes munmap cut in it (the heap's regions are the runs between holes; shrinking the
 * break drops the holes above it), anonymous mmap regions placed upward from
 * {@link Layout#MMAP_BASE} (the next one starts where the last successful one ended, or past the
 * regions in the way), cut by munmap and given new rights by mprotect (which keeps their pages'
 * bytes). Everything lives in 48-bit user space,
 * [0, 2^47), and nothing ever covers the stack's guard page (documented as never mapped). A handful of regions, so plain lists and linear scans: obviously right beats fast.
 *
 * <p>Which ranges are MAP_SHARED is kept apart from the regions ({@link SharedRange}): a shared
 * range is cut only where memory goes away (munmap, a shrinking break, a range mremap replaces),
 * never by mprotect, whose rights are the process's own; a fork's child has the same ranges,
 * naming the same objects.
 */
final class ModelAddressSpace {
    static final long USER_TOP = 1L << 47;
    static final long MAX_MMAP = 1L << 36;
    static final long MAX_IMAGE = 1L << 30;
    private static final long PAGE = Layout.PAGE;

    private final List<Region> fixed = new ArrayList<>();
    private final List<Region> mmaps = new ArrayList<>();
    /** The MAP_SHARED ranges, each naming its object and the object's page at its base. */
    private final List<SharedRange> shared = new ArrayList<>();
    /** Ranges munmap cut out of the heap, as {base, end}. */
    private final List<long[]> heapHoles = new ArrayList<>();
    private final long heapBase;
    private long brk;
    private long mmapNext = Layout.MMAP_BASE;

    /** Whether SOS must accept a process with these code and data sizes (0..1 GiB each). */
    static boolean validImage(long codeBytes, long dataBytes) {
        return codeBytes >= 0 && dataBytes >= 0 && codeBytes <= MAX_IMAGE && dataBytes <= MAX_IMAGE;
    }

    ModelAddressSpace(long codeBytes, long dataBytes) {
        long codeEnd = Layout.CODE_BASE + pageUp(Math.max(codeBytes, PAGE));
        long dataEnd = codeEnd + pageUp(Math.max(dataBytes, PAGE));
        fixed.add(new Region(RegionKind.CODE, Layout.CODE_BASE, codeEnd, true, false, true));
        fixed.add(new Region(RegionKind.DATA, codeEnd, dataEnd, true, true, false));
        fixed.add(new Region(RegionKind.STACK, Layout.STACK_TOP - Layout.STACK_SIZE, Layout.STACK_TOP, true, true, false));
        fixed.add(new Region(RegionKind.IPC_BUFFER, Layout.IPC_BUFFER, Layout.IPC_BUFFER + PAGE, true, true, false));
        this.heapBase = dataEnd;
        this.brk = dataEnd;
    }

    private ModelAddressSpace(ModelAddressSpace parent) {
        fixed.addAll(parent.fixed);
        mmaps.addAll(parent.mmaps);
        shared.addAll(parent.shared);
        for (long[] hole : parent.heapHoles) {
            heapHoles.add(hole.clone());
        }
        this.heapBase = parent.heapBase;
        this.brk = parent.brk;
        this.mmapNext = parent.mmapNext;
    }

    /** A copy for a forked child, as fork documents it: the same regions, break and next mmap place. */
    ModelAddressSpace copy() {
        return new ModelAddressSpace(this);
    }

    /** Pages [base, end) of a process are the pages of {@code object} from index {@code first} on. */
    record SharedRange(long base, long end, ModelShared object, long first) {
        /** The object's page index of {@code va}, which the range holds. */
        long index(long va) {
            return first + (va - base) / PAGE;
        }
    }

    /** The shared range holding {@code va}, or null for private memory (or none). */
    SharedRange sharedAt(long va) {
        for (SharedRange s : shared) {
            if (va >= s.base() && va < s.end()) {
                return s;
            }
        }
        return null;
    }

    /** The shared ranges, in no particular order. */
    List<SharedRange> sharedRanges() {
        return shared;
    }

    /** [base, end) is private or gone now: the shared ranges lose it, pieces outside it kept. */
    private void unshare(long base, long end) {
        for (SharedRange s : new ArrayList<>(shared)) {
            if (s.base() < end && base < s.end()) {
                shared.remove(s);
                if (s.base() < base) {
                    shared.add(new SharedRange(s.base(), base, s.object(), s.first()));
                }
                if (end < s.end()) {
                    shared.add(new SharedRange(end, s.end(), s.object(), s.index(end)));
                }
            }
        }
    }

    static long pageUp(long v) {
        return (v + PAGE - 1) & -PAGE;
    }

    long heapBase() {
        return heapBase;
    }

    long brk() {
        return brk;
    }

    /** The heap's regions: [heap base, pageUp(brk)) less its holes, as maximal runs. */
    List<Region> heap() {
        List<Region> pieces = new ArrayList<>();
        long end = pageUp(brk);
        long at = heapBase;
        List<long[]> holes = new ArrayList<>(heapHoles);
        holes.sort((a, b) -> Long.compare(a[0], b[0]));
        for (long[] hole : holes) {
            if (hole[0] > at) {
                pieces.add(new Region(RegionKind.HEAP, at, Math.min(hole[0], end), true, true, false));
            }
            at = Math.max(at, hole[1]);
        }
        if (at < end) {
            pieces.add(new Region(RegionKind.HEAP, at, end, true, true, false));
        }
        return pieces;
    }

    /** Every region, ascending by base. */
    List<Region> regions() {
        List<Region> all = new ArrayList<>(fixed);
        all.addAll(mmaps);
        all.addAll(heap());
        all.sort((a, b) -> Long.compare(a.base(), b.base()));
        return all;
    }

    List<Region> mmapRegions() {
        return mmaps;
    }

    /** The region holding {@code va}, or null. */
    Region find(long va) {
        for (Region r : fixed) {
            if (r.contains(va)) {
                return r;
            }
        }
        for (Region r : mmaps) {
            if (r.contains(va)) {
                return r;
            }
        }
        for (Region r : heap()) {
            if (r.contains(va)) {
                return r;
            }
        }
        return null;
    }

    /** Whether the region at {@code va} allows an access of {@code kind}. */
    boolean allows(long va, AccessKind kind) {
        Region r = find(va);
        if (r == null) {
            return false;
        }
        return switch (kind) {
            case READ -> r.read();
            case WRITE -> r.write();
            case EXECUTE -> r.execute();
        };
    }

    private static boolean coversSignalPage(long base, long end) {
        return base < Layout.SIGNAL_PAGE + PAGE && Layout.SIGNAL_PAGE < end;
    }

    /**
     * Whether [base, end) overlaps a region (the heap aside, if asked), the stack's guard page,
     * which is never mapped, or the signal page's place, kept for it from the start.
     */
    private boolean clashes(long base, long end, boolean ignoreHeap) {
        if (base < Layout.GUARD_PAGE + PAGE && Layout.GUARD_PAGE < end || coversSignalPage(base, end)) {
            return true;
        }
        for (Region r : regions()) {
            if (r.overlaps(base, end) && !(ignoreHeap && r.kind() == RegionKind.HEAP)) {
                return true;
            }
        }
        return false;
    }

    /**
     * brk as documented: 0 queries; a break below the heap base, outside user space, or whose
     * growth would run into the guard page, or into another region or to within a page of one, is
     * refused (the old break is returned); otherwise the break moves. Returns the pages given up, [pageUp(new),
     * pageUp(old)), or null when none.
     */
    long[] brk(long newBreak) {
        if (newBreak == 0 || newBreak < heapBase || newBreak > USER_TOP) {
            return null;
        }
        long oldEnd = pageUp(brk);
        long newEnd = pageUp(newBreak);
        if (newEnd > oldEnd && (clashes(oldEnd, newEnd, true) || regions().stream()
                .anyMatch(r -> r.kind() != RegionKind.HEAP && r.overlaps(newEnd, newEnd + PAGE)))) {
            return null;
        }
        brk = newBreak;
        if (newEnd < oldEnd) {
            List<long[]> kept = new ArrayList<>();
            for (long[] hole : heapHoles) {
                if (hole[0] < newEnd) {
                    kept.add(new long[] {hole[0], Math.min(hole[1], newEnd)});
                }
            }
            heapHoles.clear();
            heapHoles.addAll(kept);
            unshare(newEnd, oldEnd);
            // documented: shrinking gives up whatever the heap's range holds, mappings placed in it too
            for (Region r : new ArrayList<>(mmaps)) {
                if (r.overlaps(newEnd, oldEnd)) {
                    mmaps.remove(r);
                    if (r.base() < newEnd) {
                        mmaps.add(new Region(RegionKind.MMAP, r.base(), newEnd, r.read(), r.write(), r.execute()));
                    }
                    if (oldEnd < r.end()) {
                        mmaps.add(new Region(RegionKind.MMAP, oldEnd, r.end(), r.read(), r.write(), r.execute()));
                    }
                }
            }
        }
        return newEnd < oldEnd ? new long[] {newEnd, oldEnd} : null;
    }

    /**
     * mmap as documented: 1..64 GiB, placed at the next address upward, past any region in the
     * way; its base, or -1 when refused (it would leave user space or cover the guard page).
     */
    long mmap(long length) {
        if (length <= 0 || length > MAX_MMAP) {
            return -1;
        }
        long size = pageUp(length);
        long base = mmapNext;
        for (Region in = highestOverlapping(base, base + size); in != null || coversSignalPage(base, base + size);
                in = highestOverlapping(base, base + size)) {
            base = in != null ? in.end() : Layout.SIGNAL_PAGE + PAGE;
        }
        long end = base + size;
        if (end > USER_TOP || clashes(base, end, false)) {
            return -1;
        }
        mmaps.add(new Region(RegionKind.MMAP, base, end, true, true, false));
        mmapNext = end;
        return base;
    }

    /**
     * mmap(MAP_SHARED|MAP_ANONYMOUS) without a hint: placed as {@link #mmap(long)} places one, its
     * pages a new object's (named {@code id}) from its base; its base, or -1 when refused.
     */
    long mmapShared(long length, long id) {
        long base = mmap(length);
        if (base >= 0) {
            long size = pageUp(length);
            shared.add(new SharedRange(base, base + size, new ModelShared(id, size / PAGE), 0));
        }
        return base;
    }

    /**
     * mmap with a hint, as documented: at {@code hint} when it is page-aligned, not below
     * {@link Layout#NULL_GUARD_END}, and the range is in user space and free (the guard page
     * included), without moving where the next mapping goes; else as {@link #mmap(long)}.
     */
    long mmap(long hint, long length) {
        if (length <= 0 || length > MAX_MMAP) {
            return -1;
        }
        long size = pageUp(length);
        if (hint >= Layout.NULL_GUARD_END && (hint & (PAGE - 1)) == 0 && hint <= USER_TOP - size
                && !clashes(hint, hint + size, false)) {
            mmaps.add(new Region(RegionKind.MMAP, hint, hint + size, true, true, false));
            return hint;
        }
        return mmap(length);
    }

    private Region highestOverlapping(long base, long end) {
        Region found = null;
        for (Region r : regions()) {
            if (r.overlaps(base, end) && (found == null || r.base() > found.base())) {
                found = r;
            }
        }
        return found;
    }

    /**
     * munmap as documented: a page-aligned address and a positive length whose page-rounded range
     * lies in user space and touches mmap regions or the heap and nothing else; they are cut,
     * splitting them where needed. Returns the ranges removed, or null when refused.
     */
    List<long[]> munmap(long addr, long length) {
        if (length <= 0 || (addr & (PAGE - 1)) != 0 || addr < 0 || addr >= USER_TOP
                || length > USER_TOP - addr) {
            return null;
        }
        long end = addr + pageUp(length);
        if (end > USER_TOP) {
            return null;
        }
        List<Region> touched = new ArrayList<>();
        for (Region r : regions()) {
            if (r.overlaps(addr, end)) {
                if (r.kind() != RegionKind.MMAP && r.kind() != RegionKind.HEAP) {
                    return null;
                }
                touched.add(r);
            }
        }
        if (touched.isEmpty()) {
            return null;
        }
        List<long[]> removed = new ArrayList<>();
        for (Region r : touched) {
            long cutBase = Math.max(addr, r.base());
            long cutEnd = Math.min(end, r.end());
            removed.add(new long[] {cutBase, cutEnd});
            if (r.kind() == RegionKind.HEAP) {
                heapHoles.add(new long[] {cutBase, cutEnd});
                continue;
            }
            mmaps.remove(r);
            if (r.base() < cutBase) {
                mmaps.add(new Region(RegionKind.MMAP, r.base(), cutBase, r.read(), r.write(), r.execute()));
            }
            if (cutEnd < r.end()) {
                mmaps.add(new Region(RegionKind.MMAP, cutEnd, r.end(), r.read(), r.write(), r.execute()));
            }
        }
        unshare(addr, end);
        return removed;
    }

    /** What the model says of a madvise(MADV_DONTNEED): its errno (null for success) and the ranges whose pages go. */
    record Discarded(Errno errno, List<long[]> released) {
    }

    /**
     * madvise(MADV_DONTNEED) as documented: EINVAL for an unaligned address, a length that rounds
     * past 2^64 or a range that wraps; nothing for an empty range; else, region by region in
     * address order, the pages in each are given back (they read zero next), the IPC buffer
     * refusing with EINVAL (the regions before it done); a page in no region makes it ENOMEM at the
     * end. The regions do not change.
     */
    Discarded dontneed(long addr, long length) {
        long rounded = (length + PAGE - 1) & -PAGE;
        long end = addr + rounded;
        if ((addr & (PAGE - 1)) != 0 || length != 0 && rounded == 0 || Long.compareUnsigned(end, addr) < 0) {
            return new Discarded(Errno.EINVAL, List.of());
        }
        List<long[]> released = new ArrayList<>();
        if (end == addr) {
            return new Discarded(null, released);
        }
        long at = addr;
        boolean hole = false;
        for (Region r : regions()) {
            if (Long.compareUnsigned(r.end(), at) <= 0) {
                continue;
            }
            if (Long.compareUnsigned(r.base(), end) >= 0) {
                break;
            }
            hole |= Long.compareUnsigned(r.base(), at) > 0;
            if (r.kind() == RegionKind.IPC_BUFFER) {
                return new Discarded(Errno.EINVAL, released);
            }
            long from = Long.compareUnsigned(r.base(), at) > 0 ? r.base() : at;
            long to = Long.compareUnsigned(r.end(), end) < 0 ? r.end() : end;
            released.add(new long[] {from, to});
            at = to;
        }
        return new Discarded(hole || at != end ? Errno.ENOMEM : null, released);
    }

    /**
     * What the model says of an mremap: its errno (null for success) and address, the ranges whose
     * pages are freed, and the range whose pages move ({@code moveLength} bytes from
     * {@code moveFrom} to the address, the old range keeping none; 0 when nothing moves).
     */
    record Remapped(Errno errno, long address, List<long[]> released, long moveFrom, long moveLength) {
        static Remapped refused(Errno errno) {
            return new Remapped(errno, 0, List.of(), 0, 0);
        }
    }

    /**
     * mremap as documented: EINVAL for flags other than MREMAP_MAYMOVE, MREMAP_FIXED and
     * MREMAP_DONTUNMAP, FIXED or DONTUNMAP without MAYMOVE, DONTUNMAP with a new length, an
     * unaligned address or a new length that rounds to 0; with FIXED or DONTUNMAP, see
     * {@link #moveTo}; otherwise EFAULT for an address in no region; shrinking unmaps the tail
     * as munmap does (a tail with nothing in it is no error, one munmap refuses is EINVAL); to
     * grow, the old range must be a non-empty part of one private mmap region (EINVAL for an old
     * length of 0, EFAULT otherwise: a MAP_SHARED one cannot grow or move in SOS, its pages
     * counting from where it was made; it may shrink); a region ending at it grows in place when the pages after it are free,
     * else, allowed to move, a region of the new length with the same rights is placed as mmap
     * places one and the pages move there, the old range unmapped; else ENOMEM.
     */
    Remapped mremap(long addr, long oldLength, long newLength, long flags, long newAddr) {
        boolean mayMove = (flags & MREMAP_MAYMOVE) != 0;
        boolean fixed = (flags & MREMAP_FIXED) != 0;
        boolean dontUnmap = (flags & MREMAP_DONTUNMAP) != 0;
        if ((flags & ~(MREMAP_MAYMOVE | MREMAP_FIXED | MREMAP_DONTUNMAP)) != 0 || fixed && !mayMove
                || dontUnmap && (!mayMove || oldLength != newLength)) {
            return Remapped.refused(Errno.EINVAL);
        }
        long oldLen = (oldLength + PAGE - 1) & -PAGE;
        long newLen = (newLength + PAGE - 1) & -PAGE;
        if ((addr & (PAGE - 1)) != 0 || newLen == 0) {
            return Remapped.refused(Errno.EINVAL);
        }
        Region r = find(addr);
        if (r == null) {
            return Remapped.refused(Errno.EFAULT);
        }
        if (fixed || dontUnmap) {
            return moveTo(r, addr, oldLen, newLen, fixed, dontUnmap, newAddr);
        }
        if (Long.compareUnsigned(oldLen, newLen) >= 0) {
            if (oldLen == newLen) {
                return new Remapped(null, addr, List.of(), 0, 0);
            }
            long tail = addr + newLen;
            long tailLength = oldLen - newLen;
            boolean inUserSpace = Long.compareUnsigned(tailLength, USER_TOP) <= 0
                    && Long.compareUnsigned(tail, USER_TOP - tailLength) <= 0;
            if (inUserSpace && regions().stream().noneMatch(x -> x.overlaps(tail, tail + tailLength))) {
                return new Remapped(null, addr, List.of(), 0, 0);
            }
            List<long[]> removed = inUserSpace ? munmap(tail, tailLength) : null;
            return removed == null ? Remapped.refused(Errno.EINVAL) : new Remapped(null, addr, removed, 0, 0);
        }
        if (oldLen == 0) {
            return Remapped.refused(Errno.EINVAL);
        }
        if (Long.compareUnsigned(oldLen, r.end() - addr) > 0 || r.kind() != RegionKind.MMAP
                || sharedAt(addr) != null) {
            return Remapped.refused(Errno.EFAULT);
        }
        long growBy = newLen - oldLen;
        if (addr + oldLen == r.end() && Long.compareUnsigned(growBy, USER_TOP - r.end()) <= 0
                && r.end() + growBy - r.base() <= MAX_MMAP && !clashes(r.end(), r.end() + growBy, false)) {
            mmaps.remove(r);
            mmaps.add(new Region(RegionKind.MMAP, r.base(), r.end() + growBy, r.read(), r.write(), r.execute()));
            return new Remapped(null, addr, List.of(), 0, 0);
        }
        if (!mayMove) {
            return Remapped.refused(Errno.ENOMEM);
        }
        long placed = Long.compareUnsigned(newLen, MAX_MMAP) > 0 ? -1 : mmap(newLen);
        if (placed < 0) {
            return Remapped.refused(Errno.ENOMEM);
        }
        Region added = mmaps.remove(mmaps.size() - 1);
        mmaps.add(new Region(RegionKind.MMAP, added.base(), added.end(), r.read(), r.write(), r.execute()));
        munmap(addr, oldLen);
        return new Remapped(null, placed, List.of(), addr, oldLen);
    }

    static final int MREMAP_MAYMOVE = 1;
    static final int MREMAP_FIXED = 2;
    static final int MREMAP_DONTUNMAP = 4;

    /**
     * mremap with MREMAP_FIXED or MREMAP_DONTUNMAP, as documented: EINVAL for a new address (or
     * DONTUNMAP's hint) that is unaligned or whose range leaves user space, or a new range
     * overlapping the old one; then the kept part of the old range
     * (the new length's worth when it shrinks) must be a non-empty part of one mmap region (EINVAL
     * for an empty one, then for DONTUNMAP of the IPC buffer, then EFAULT past its region, for
     * another kind or for a MAP_SHARED one); more than 64 GiB is
     * ENOMEM; a shrunk tail munmap would refuse is EINVAL; with FIXED, EPERM below
     * {@link Layout#NULL_GUARD_END}, then a target covering the guard
     * page or a region munmap may not remove is EINVAL, else what is there is replaced, the tail
     * unmapped and the pages move to the new address; without it, the new address is mmap's hint.
     * DONTUNMAP keeps the old range (its pages go), else it is unmapped. A refusal changes nothing.
     */
    private Remapped moveTo(Region r, long addr, long oldLen, long newLen, boolean fixed, boolean dontUnmap,
            long newAddr) {
        if ((newAddr & (PAGE - 1)) != 0 || Long.compareUnsigned(newLen, USER_TOP) > 0
                || Long.compareUnsigned(newAddr, USER_TOP - newLen) > 0) {
            return Remapped.refused(Errno.EINVAL);
        }
        if (Long.compareUnsigned(addr + oldLen, newAddr) > 0 && Long.compareUnsigned(newAddr + newLen, addr) > 0) {
            return Remapped.refused(Errno.EINVAL);
        }
        long keep = Long.compareUnsigned(oldLen, newLen) > 0 ? newLen : oldLen;
        if (keep == 0) {
            return Remapped.refused(Errno.EINVAL);
        }
        if (dontUnmap && r.kind() == RegionKind.IPC_BUFFER) {
            return Remapped.refused(Errno.EINVAL);
        }
        if (Long.compareUnsigned(keep, r.end() - addr) > 0) {
            return Remapped.refused(Errno.EFAULT);
        }
        if (r.kind() != RegionKind.MMAP || sharedAt(addr) != null) {
            return Remapped.refused(Errno.EFAULT);
        }
        if (Long.compareUnsigned(newLen, MAX_MMAP) > 0) {
            return Remapped.refused(Errno.ENOMEM);
        }
        long tail = addr + keep;
        long tailLength = oldLen - keep;
        boolean tailTouched = false;
        if (tailLength != 0) {
            boolean inUserSpace = Long.compareUnsigned(tailLength, USER_TOP) <= 0
                    && Long.compareUnsigned(tail, USER_TOP - tailLength) <= 0;
            if (!inUserSpace || regions().stream().anyMatch(x -> x.overlaps(tail, tail + tailLength)
                    && x.kind() != RegionKind.MMAP && x.kind() != RegionKind.HEAP)) {
                return Remapped.refused(Errno.EINVAL);
            }
            tailTouched = regions().stream().anyMatch(x -> x.overlaps(tail, tail + tailLength));
        }
        if (fixed && Long.compareUnsigned(newAddr, Layout.NULL_GUARD_END) < 0) {
            return Remapped.refused(Errno.EPERM);
        }
        List<long[]> released = new ArrayList<>();
        long placed;
        if (fixed) {
            long newEnd = newAddr + newLen;
            boolean guard = newAddr < Layout.GUARD_PAGE + PAGE && Layout.GUARD_PAGE < newEnd
                    || coversSignalPage(newAddr, newEnd);
            if (guard || regions().stream().anyMatch(x -> x.overlaps(newAddr, newEnd)
                    && x.kind() != RegionKind.MMAP && x.kind() != RegionKind.HEAP)) {
                return Remapped.refused(Errno.EINVAL);
            }
            if (regions().stream().anyMatch(x -> x.overlaps(newAddr, newEnd))) {
                released.addAll(munmap(newAddr, newLen));
            }
            mmaps.add(new Region(RegionKind.MMAP, newAddr, newEnd, r.read(), r.write(), r.execute()));
            placed = newAddr;
        } else {
            placed = mmap(newAddr, newLen);
            if (placed < 0) {
                return Remapped.refused(Errno.ENOMEM);
            }
            Region added = mmaps.remove(mmaps.size() - 1);
            mmaps.add(new Region(RegionKind.MMAP, added.base(), added.end(), r.read(), r.write(), r.execute()));
        }
        if (tailTouched) {
            released.addAll(munmap(tail, tailLength));
        }
        if (!dontUnmap) {
            munmap(addr, keep);
        }
        return new Remapped(null, placed, released, addr, keep);
    }

    /** What the model says of an mprotect: its errno (null for success), or that it cannot say. */
    record Protection(Errno errno, boolean modelled) {
        static final Protection UNMODELLED = new Protection(null, false);

        static Protection of(Errno errno) {
            return new Protection(errno, true);
        }
    }

    /**
     * mprotect as Linux documents it (do_mprotect_pkey): an unaligned address is EINVAL; a length
     * of 0 succeeds; a rounded range that wraps is ENOMEM; bits beyond PROT_READ, PROT_WRITE,
     * PROT_EXEC and PROT_SEM are EINVAL; a start in no region (or outside user space) is ENOMEM;
     * otherwise the rights change from the start up to the end of the range or the first hole
     * (ENOMEM then), splitting regions at the ends of what changed, and the pages keep their
     * bytes, PROT_NONE too. Any right makes a page readable, as on arm64 Linux. The model only
     * follows rights in mmap regions: a call whose changes would reach another kind of region is
     * {@link Protection#UNMODELLED} and changes nothing here (the fuzzer then does not make it).
     */
    Protection protect(long addr, long length, int prot) {
        if ((addr & (PAGE - 1)) != 0) {
            return Protection.of(Errno.EINVAL);
        }
        if (length == 0) {
            return Protection.of(null);
        }
        long rounded = (length + PAGE - 1) & -PAGE;
        if (rounded == 0 || Long.compareUnsigned(addr + rounded, addr) <= 0) {
            return Protection.of(Errno.ENOMEM);
        }
        if ((prot & ~0xF) != 0) {
            return Protection.of(Errno.EINVAL);
        }
        if (addr < 0 || addr >= USER_TOP) {
            return Protection.of(Errno.ENOMEM);
        }
        boolean pastTop = Long.compareUnsigned(rounded, USER_TOP - addr) > 0;
        long limit = pastTop ? USER_TOP : addr + rounded;
        long covered = addr;
        for (Region r : regions()) {
            if (r.contains(covered) && covered < limit) {
                if (r.kind() != RegionKind.MMAP) {
                    return Protection.UNMODELLED;
                }
                covered = Math.min(r.end(), limit);
            }
        }
        if (covered == addr) {
            return Protection.of(Errno.ENOMEM);
        }
        boolean read = (prot & 7) != 0;
        boolean write = (prot & 2) != 0;
        boolean execute = (prot & 4) != 0;
        for (Region r : new ArrayList<>(mmaps)) {
            if (!r.overlaps(addr, covered)) {
                continue;
            }
            long cutBase = Math.max(addr, r.base());
            long cutEnd = Math.min(covered, r.end());
            mmaps.remove(r);
            if (r.base() < cutBase) {
                mmaps.add(new Region(RegionKind.MMAP, r.base(), cutBase, r.read(), r.write(), r.execute()));
            }
            mmaps.add(new Region(RegionKind.MMAP, cutBase, cutEnd, read, write, execute));
            if (cutEnd < r.end()) {
                mmaps.add(new Region(RegionKind.MMAP, cutEnd, r.end(), r.read(), r.write(), r.execute()));
            }
        }
        return Protection.of(covered < limit || pastTop ? Errno.ENOMEM : null);
    }
}
