package org.capbuddy.sos;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.capbuddy.kernel.cpu.AccessKind;
import org.capbuddy.libos.vka.Result;
import org.capbuddy.sos.addrspace.AddressSpace;
import org.capbuddy.sos.addrspace.Layout;
import org.capbuddy.sos.addrspace.Region;
import org.capbuddy.sos.addrspace.SharedMemory;
import org.capbuddy.sos.addrspace.VaRange;
import org.capbuddy.sos.frametable.FrameTable;
import org.capbuddy.sos.process.KillReport;
import org.capbuddy.sos.process.Process;
import org.capbuddy.sos.process.ProcessPages;

/**
 * The memory system calls SOS serves for one process, answering in SOS's own error vocabulary
 * ({@link Errno}, as a C program sees it). A call from a process that is not running fails with
 * {@link Errno#ESRCH}. Memory given up (brk shrinking, munmap) is unmapped and its frames freed at
 * once, so a later access faults and is judged against the regions as they are now.
 *
 * <p>Each call first makes sure the Java stack has room for SOS's work
 * ({@link org.capbuddy.kernel.host.MachineGuard#requireStackHeadroom()}): a Java user program may
 * call from deep recursion, and SOS must not be cut short half-way through unmapping.
 */
public final class Syscalls {
    /** Largest write the console takes in one call. */
    public static final int MAX_WRITE = 1 << 16;

    private final Sos sos;
    private final Process process;
    private final ProcessPages pages;

    Syscalls(Sos sos, Process process, ProcessPages pages) {
        this.sos = sos;
        this.process = process;
        this.pages = pages;
    }

    /** Null when the caller may make a call; otherwise the call's ESRCH. */
    private SysResult refusedCaller() {
        sos.guard().check();
        sos.guard().requireStackHeadroom();
        return stateRefusal();
    }

    /** Null when the caller is a running process; otherwise ESRCH (the helpers a call uses, which it has probed for). */
    private SysResult notRunning() {
        sos.guard().check();
        return stateRefusal();
    }

    /** Null when the caller is a running process; otherwise ESRCH. */
    private SysResult stateRefusal() {
        if (!sos.isRunning(process)) {
            return SysResult.fail(Errno.ESRCH, process == null ? "no process"
                    : "process " + process.pid() + " is " + process.state().name().toLowerCase());
        }
        return null;
    }

    /**
     * brk: 0 queries; otherwise moves the break and returns it, or returns the old break when the
     * move is refused (as Linux's brk does). A caller that is not running gets its break unchanged
     * (0 for no process).
     */
    public long brk(long newBreak) {
        if (refusedCaller() != null) {
            return process == null ? 0 : process.addressSpace().brk();
        }
        if (newBreak == 0) {
            return process.addressSpace().brk();
        }
        Result<VaRange> moved = process.addressSpace().setBrk(newBreak);
        if (moved.isOk() && !moved.value().isEmpty()) {
            unmap(List.of(moved.value()));
        }
        return process.addressSpace().brk();
    }

    /** Anonymous read-write memory of {@code length} bytes: its address, or EINVAL (a bad length) or ENOMEM. */
    public SysResult mmap(long length) {
        SysResult refused = refusedCaller();
        if (refused != null) {
            return refused;
        }
        if (length <= 0 || length > AddressSpace.MAX_MMAP) {
            return SysResult.fail(Errno.EINVAL, "mmap length must be 1.." + AddressSpace.MAX_MMAP + ", got " + length);
        }
        Result<Region> placed = process.addressSpace().mmap(length);
        return placed.isOk() ? SysResult.ok(placed.value().base())
                : SysResult.fail(Errno.ENOMEM, placed.error().detail());
    }

    /**
     * Removes [addr, addr + length) from mmap regions (partial ranges allowed); 0, or EINVAL for a
     * range that is unaligned, outside user space, touches another kind of region or nothing.
     */
    public SysResult munmap(long addr, long length) {
        SysResult refused = refusedCaller();
        if (refused != null) {
            return refused;
        }
        Result<List<VaRange>> removed = process.addressSpace().munmap(addr, length);
        if (!removed.isOk()) {
            return SysResult.fail(Errno.EINVAL, removed.error().detail());
        }
        unmap(removed.value());
        return SysResult.ok(0);
    }

    private void unmap(List<VaRange> ranges) {
        pages.unmapRanges(process, ranges);
    }

    /**
     * write to the console: copies {@code length} bytes from the process's memory (through its
     * own view of memory) and returns the count written. A buffer that is not wholly readable
     * memory of the process is EFAULT, without killing it; a length outside 0..{@link #MAX_WRITE}
     * is EINVAL; a write of no bytes succeeds whatever the buffer.
     */
    public SysResult write(long buffer, int length) {
        SysResult refused = refusedCaller();
        if (refused != null) {
            return refused;
        }
        if (length < 0 || length > MAX_WRITE) {
            return SysResult.fail(Errno.EINVAL, "write length must be 0.." + MAX_WRITE + ", got " + length);
        }
        if (length == 0) {
            // Nothing to copy, so nothing to check: as on Linux, whatever the buffer.
            return SysResult.ok(0);
        }
        // EFAULT: a bad buffer is the caller's error, not a reason to kill it.
        SysResult bad = checkUserBuffer(buffer, length, false);
        if (bad != null) {
            return bad;
        }
        byte[] bytes = new byte[length];
        if (process.cpu().copyIn(buffer, bytes, 0, length) != length) {
            return SysResult.fail(Errno.EFAULT, "bad buffer: " + process.cpu().failure());
        }
        sos.consoleWrite(new String(bytes, StandardCharsets.UTF_8));
        return SysResult.ok(length);
    }

    // ---- the Linux forms, as musl calls them (see org.capbuddy.sos.linux)

    /** Linux's PROT_ bits and the MAP_ flags SOS reads. */
    public static final int PROT_READ = 1;
    public static final int PROT_WRITE = 2;
    public static final int PROT_EXEC = 4;
    /** Linux's PROT_SEM (atomic operations work on the pages): accepted and ignored by mmap and mprotect, as arm64 Linux does. */
    public static final int PROT_SEM = 8;
    public static final int MAP_SHARED = 0x01;
    public static final int MAP_PRIVATE = 0x02;
    public static final int MAP_SHARED_VALIDATE = 0x03;
    public static final int MAP_FIXED = 0x10;
    public static final int MAP_ANONYMOUS = 0x20;
    public static final int MAP_FIXED_NOREPLACE = 0x100000;

    /**
     * mmap as Linux takes it: anonymous memory only (fd -1 with MAP_ANONYMOUS; without it, a
     * descriptor that is not open is EBADF, as Linux says, and the standard streams are ENODEV,
     * like a terminal or a pipe), with the protection asked (PROT_NONE makes a guard: any access kills), at
     * {@code addr} with MAP_FIXED (replacing the heap or mappings there) or MAP_FIXED_NOREPLACE
     * (EEXIST when anything is mapped there), else at {@code addr} as a hint when it is free (rounded
     * down to its page, and one in the first 64 KiB raised to 64 KiB, as Linux's round_hint_to_min
     * does), else in the mmap area. An offset that is not page-aligned is EINVAL, a length of 0 EINVAL and one
     * over {@link AddressSpace#MAX_MMAP} ENOMEM, as Linux answers them.
     */
    public SysResult mmap(long addr, long length, int prot, int flags, long fd, long offset) {
        SysResult refused = refusedCaller();
        if (refused != null) {
            return refused;
        }
        // arm64 Linux's mmap looks at the offset first, before the descriptor, anonymous or not
        if ((offset & (Layout.PAGE - 1)) != 0) {
            return SysResult.fail(Errno.EINVAL, "mmap's offset must be page-aligned, got 0x" + Long.toHexString(offset));
        }
        if ((flags & MAP_FIXED_NOREPLACE) != 0) {
            flags |= MAP_FIXED;
        }
        if ((flags & MAP_ANONYMOUS) == 0) {
            return SysResult.fail((int) fd >= 0 && (int) fd <= 2 ? Errno.ENODEV : Errno.EBADF,
                    "SOS maps no files: only MAP_ANONYMOUS");
        }
        // the mapping type is the low four bits, as Linux reads them: shared, private or
        // MAP_SHARED_VALIDATE (shared, with the flags checked, which SOS always does)
        int type = flags & 0x0f;
        // other protection bits are ignored, as Linux's do_mmap ignores them (mprotect checks them)
        if (type < MAP_SHARED || type > MAP_SHARED_VALIDATE) {
            return SysResult.fail(Errno.EINVAL, "mmap needs MAP_PRIVATE or MAP_SHARED");
        }
        // unsigned, as Linux reads an address: a range past the top of user space is ENOMEM (its
        // get_unmapped_area), asked before the low 64 KiB's EPERM
        if ((flags & MAP_FIXED) != 0 && length > 0 && Long.compareUnsigned(addr, Layout.USER_TOP - Math.min(length,
                Layout.USER_TOP)) > 0) {
            return SysResult.fail(Errno.ENOMEM, "MAP_FIXED past the top of user space: 0x" + Long.toHexString(addr));
        }
        if ((flags & MAP_FIXED) != 0 && Long.compareUnsigned(addr, Layout.NULL_GUARD_END) < 0) {
            return SysResult.fail(Errno.EPERM, "MAP_FIXED below 0x" + Long.toHexString(Layout.NULL_GUARD_END)
                    + ": the first 64 KiB are never mapped, as Linux's mmap_min_addr keeps them");
        }
        if (length == 0) {
            return SysResult.fail(Errno.EINVAL, "mmap length must not be 0");
        }
        // unsigned: more than SOS maps at once, up to a length that rounds past 2^64, is no room (Linux's ENOMEM)
        if (length < 0 || length > AddressSpace.MAX_MMAP) {
            return SysResult.fail(Errno.ENOMEM, "mmap length must be 1.." + AddressSpace.MAX_MMAP + ", got "
                    + Long.toUnsignedString(length));
        }
        if ((flags & MAP_FIXED_NOREPLACE) != 0 && (addr & (Layout.PAGE - 1)) == 0) {
            long end = addr + Layout.pageUp(length);
            Region there = process.addressSpace().firstOverlapping(addr, end);
            if (there != null) {
                return SysResult.fail(Errno.EEXIST, "MAP_FIXED_NOREPLACE: the " + there.kind().label()
                        + " region is mapped there");
            }
            // the signal page's place is taken from process creation, as Linux's vdso is mapped at exec
            if (Long.compareUnsigned(addr, Layout.SIGNAL_PAGE + Layout.PAGE) < 0
                    && Long.compareUnsigned(end, Layout.SIGNAL_PAGE) > 0) {
                return SysResult.fail(Errno.EEXIST, "MAP_FIXED_NOREPLACE: the signal page's place is there");
            }
        }
        boolean sharedMapping = type != MAP_PRIVATE;
        if (sharedMapping && pages.paging()) {
            return SysResult.fail(Errno.ENODEV, "mmap: MAP_SHARED needs SOS without paging (the pager evicts a"
                    + " page by taking its frame, which every sharer maps)");
        }
        boolean read = (prot & (PROT_READ | PROT_WRITE | PROT_EXEC)) != 0;
        boolean write = (prot & PROT_WRITE) != 0;
        boolean execute = (prot & PROT_EXEC) != 0;
        // a shared mapping's object is made for the place chosen, only once the region is sure to be added
        long pageCount = Layout.pageUp(length) / Layout.PAGE;
        java.util.function.LongFunction<SharedMemory> object = sharedMapping
                ? base -> pages.newSharedObject(process, base, pageCount) : null;
        if ((flags & MAP_FIXED) != 0) {
            Result<List<VaRange>> placed = process.addressSpace().mmapFixed(addr, length, read, write, execute, object);
            if (!placed.isOk()) {
                return SysResult.fail(Errno.EINVAL, placed.error().detail());
            }
            unmap(placed.value());
            return sharedMade(sharedMapping, addr);
        }
        Result<Region> placed = process.addressSpace().mmap(roundHint(addr), length, read, write, execute, object);
        return placed.isOk() ? sharedMade(sharedMapping, placed.value().base())
                : SysResult.fail(Errno.ENOMEM, placed.error().detail());
    }

    /**
     * The mapping just placed at {@code base}, checked to be shared when it was asked to be: a
     * shared object that could not be made is ENOMEM, the region taken away again, never private
     * memory in its place.
     */
    private SysResult sharedMade(boolean sharedMapping, long base) {
        Region r = process.addressSpace().find(base);
        if (sharedMapping && (r == null || !r.isShared())) {
            unmapIfMapped(base, r == null ? Layout.PAGE : r.size());
            return SysResult.fail(Errno.ENOMEM, "mmap: no shared object could be made for a MAP_SHARED mapping");
        }
        return SysResult.ok(base);
    }

    /**
     * mmap's hint as Linux's round_hint_to_min leaves it: down to its page, and a nonzero one in
     * the first 64 KiB raised to {@link Layout#NULL_GUARD_END}, which the hint then asks for.
     */
    private static long roundHint(long addr) {
        long hint = addr & -Layout.PAGE;
        return hint != 0 && Long.compareUnsigned(hint, Layout.NULL_GUARD_END) < 0 ? Layout.NULL_GUARD_END : hint;
    }

    /**
     * mprotect: new rights for the pages of a range, checked in Linux's order: an unaligned
     * address is EINVAL; a length of 0 changes nothing and succeeds; a range that wraps around is
     * ENOMEM; protection bits other than PROT_READ, PROT_WRITE, PROT_EXEC and PROT_SEM (which
     * Linux accepts and ignores) are EINVAL; an address in no region is ENOMEM. Pages present are
     * remapped with the new rights, keeping their frames and contents; a page made PROT_NONE stays
     * mapped for the kernel only, so any access by the process kills it (SIGSEGV) and rights given
     * back later show the bytes it held. A range that runs into a hole changes its pages up to the
     * hole and is ENOMEM, as Linux leaves it. The IPC buffer's rights are SOS's: EINVAL.
     */
    public SysResult mprotect(long addr, long length, int prot) {
        SysResult refused = refusedCaller();
        if (refused != null) {
            return refused;
        }
        if ((addr & (Layout.PAGE - 1)) != 0) {
            return SysResult.fail(Errno.EINVAL, "mprotect needs a page-aligned address, got 0x" + Long.toHexString(addr));
        }
        if (length == 0) {
            return SysResult.ok(0);
        }
        // unsigned, as Linux reads a length: one that rounds up past 2^64, or an end that wraps, is ENOMEM
        long rounded = (length + Layout.PAGE - 1) & -Layout.PAGE;
        if (rounded == 0 || Long.compareUnsigned(addr + rounded, addr) <= 0) {
            return SysResult.fail(Errno.ENOMEM, "mprotect range [0x" + Long.toHexString(addr) + ", +0x"
                    + Long.toHexString(length) + ") wraps around");
        }
        if ((prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC | PROT_SEM)) != 0) {
            return SysResult.fail(Errno.EINVAL, "mprotect takes PROT_ bits only, got 0x" + Integer.toHexString(prot));
        }
        boolean read = (prot & (PROT_READ | PROT_WRITE | PROT_EXEC)) != 0;
        long span = Long.compareUnsigned(rounded, Layout.USER_TOP) > 0 ? Layout.USER_TOP : rounded;
        Result<AddressSpace.Reprotected> changed = process.addressSpace().protect(addr, span, read,
                (prot & PROT_WRITE) != 0, (prot & PROT_EXEC) != 0);
        if (!changed.isOk()) {
            Errno errno = changed.error().kind() == org.capbuddy.libos.vka.AllocErrorKind.NOT_ALLOCATED ? Errno.ENOMEM
                    : Errno.EINVAL;
            return SysResult.fail(errno, changed.error().detail());
        }
        for (VaRange range : changed.value().changed()) {
            for (long va : process.shadow().pageAddresses()) {
                if (va >= range.base() && va < range.end()) {
                    Result<Void> remapped = pages.remap(process, va, process.addressSpace().find(va));
                    if (!remapped.isOk()) {
                        return SysResult.fail(Errno.ENOMEM, remapped.error().detail());
                    }
                }
            }
        }
        long hole = changed.value().holeAt();
        return hole < 0 ? SysResult.ok(0) : SysResult.fail(Errno.ENOMEM, "0x" + Long.toHexString(hole)
                + " is in no region of the process: the pages below it changed, as Linux changes them");
    }

    /** The most residency bytes mincore works out before it writes them: 64 KiB of vector, 256 MiB of memory. */
    private static final int MINCORE_CHUNK = 1 << 16;

    /**
     * mincore: one byte for each page of [addr, addr + length) in {@code vec}, 1 when the page is
     * resident (mapped: SOS's shadow page table has a frame for it), 0 when not, read from SOS's
     * own records, so asking maps nothing and faults nothing in (only the vector's own page, if
     * the process never touched it, as Linux's copy to it would). Checked in Linux's order: an
     * unaligned address is EINVAL; a range outside user space ENOMEM; a vector outside user space
     * EFAULT; a page in no region ends the answer with ENOMEM, the bytes of the pages before it
     * written; a vector the process cannot write is EFAULT. A page of a program image not yet
     * touched reads 0, where Linux would answer from the file's page cache.
     */
    public SysResult mincore(long addr, long length, long vec) {
        SysResult refused = refusedCaller();
        if (refused != null) {
            return refused;
        }
        if ((addr & (Layout.PAGE - 1)) != 0) {
            return SysResult.fail(Errno.EINVAL, "mincore needs a page-aligned address, got 0x" + Long.toHexString(addr));
        }
        if (!inUserSpace(addr, length)) {
            return SysResult.fail(Errno.ENOMEM, "mincore range [0x" + Long.toHexString(addr) + ", +0x"
                    + Long.toHexString(length) + ") is not inside user space");
        }
        // length is at most USER_TOP here, so rounding it up cannot overflow
        long pages = Layout.pageUp(length) / Layout.PAGE;
        if (!inUserSpace(vec, pages)) {
            return SysResult.fail(Errno.EFAULT, "mincore's vector [0x" + Long.toHexString(vec) + ", +" + pages
                    + ") is not inside user space");
        }
        long done = 0;
        byte[] chunk = new byte[(int) Math.min(pages, MINCORE_CHUNK)];
        while (done < pages) {
            int n = (int) Math.min(pages - done, MINCORE_CHUNK);
            int known = 0;
            while (known < n) {
                long va = addr + (done + known) * Layout.PAGE;
                Region region = process.addressSpace().find(va);
                if (region == null) {
                    break;
                }
                // the rest of this region, as far as the chunk goes, in one run
                int run = (int) Math.min(n - known, (region.end() - va + Layout.PAGE - 1) / Layout.PAGE);
                for (int i = 0; i < run; i++) {
                    long page = va + i * Layout.PAGE;
                    // a shared page is resident while its object holds it, mapped here or not, as
                    // Linux answers a shared mapping from its object's page cache
                    boolean resident = process.shadow().frameRef(page) != FrameTable.NULL_FRAME
                            || region.isShared() && region.shared().frame(page) != FrameTable.NULL_FRAME;
                    chunk[known + i] = (byte) (resident ? 1 : 0);
                }
                known += run;
            }
            if (known > 0 && !copyToUser(vec + done, chunk, known)) {
                return SysResult.fail(Errno.EFAULT, "mincore's vector at 0x" + Long.toHexString(vec + done)
                        + " is not writable memory of the process");
            }
            if (known < n) {
                return SysResult.fail(Errno.ENOMEM, "0x" + Long.toHexString(addr + (done + known) * Layout.PAGE)
                        + " is in no region of the process");
            }
            done += n;
        }
        return SysResult.ok(0);
    }

    /**
     * madvise, in Linux's order: unknown advice (see {@link Advice}) is EINVAL, then an unaligned
     * address, a length that rounds past 2^64 or a range that wraps; an empty range succeeds. The
     * advice is then taken region by region: MADV_DONTNEED (and MADV_DONTNEED_LOCKED) unmaps the
     * range's pages and frees their frames, so the next touch gets a fresh zeroed frame (or, in a
     * region a program image fills, the image's bytes again, as Linux re-reads a private file
     * mapping); MADV_FREE does the same at once for anonymous memory only (EINVAL where an image
     * fills the pages), as Linux does under memory pressure (SOS keeps no list of pages to reclaim
     * later); MADV_POPULATE_READ and MADV_POPULATE_WRITE map the pages now (EINVAL where the
     * access is not allowed, ENOMEM at the first page in no region); the hints return 0. A region's
     * error ends the call, the regions before it advised; pages in no region are skipped and the
     * call is ENOMEM at the end, as Linux's. The IPC buffer is SOS's, as a device mapping is
     * Linux's: advice that would discard or reclaim it is EINVAL. The signal page is SOS's code, as
     * the vdso is Linux's: MADV_DONTNEED is accepted and unmaps nothing (a refault of the vdso gives
     * the same bytes), MADV_FREE is EINVAL (not anonymous memory) and MADV_WIPEONFORK returns 0
     * (Linux refuses it only for a file's or a shared mapping).
     */
    public SysResult madvise(long addr, long length, int advice) {
        SysResult refused = refusedCaller();
        if (refused != null) {
            return refused;
        }
        Advice a = Advice.of(advice);
        if (a == null) {
            return SysResult.fail(Errno.EINVAL, "madvise: unknown advice " + advice);
        }
        if ((addr & (Layout.PAGE - 1)) != 0) {
            return SysResult.fail(Errno.EINVAL, "madvise needs a page-aligned address, got 0x" + Long.toHexString(addr));
        }
        long rounded = (length + Layout.PAGE - 1) & -Layout.PAGE;
        long end = addr + rounded;
        if (length != 0 && rounded == 0 || Long.compareUnsigned(end, addr) < 0) {
            return SysResult.fail(Errno.EINVAL, "madvise range [0x" + Long.toHexString(addr) + ", +0x"
                    + Long.toHexString(length) + ") wraps around");
        }
        if (end == addr) {
            return SysResult.ok(0);
        }
        if (a.effect() == Advice.Effect.POPULATE_READ || a.effect() == Advice.Effect.POPULATE_WRITE) {
            return populate(addr, end, a.effect() == Advice.Effect.POPULATE_WRITE);
        }
        long at = addr;
        boolean hole = false;
        for (Region r : process.addressSpace().regions()) {
            if (Long.compareUnsigned(r.end(), at) <= 0) {
                continue;
            }
            if (Long.compareUnsigned(r.base(), end) >= 0) {
                break;
            }
            hole |= Long.compareUnsigned(r.base(), at) > 0;
            long from = Long.compareUnsigned(r.base(), at) > 0 ? r.base() : at;
            long to = Long.compareUnsigned(r.end(), end) < 0 ? r.end() : end;
            SysResult bad = advise(r, from, to, a);
            if (bad != null) {
                return bad;
            }
            at = to;
        }
        if (hole || at != end) {
            return SysResult.fail(Errno.ENOMEM, "madvise range [0x" + Long.toHexString(addr) + ", 0x"
                    + Long.toHexString(end) + ") has pages in no region of the process: the others were advised");
        }
        return SysResult.ok(0);
    }

    /** One region's part [from, to) of a madvise range: null when done, or the call's error. */
    private SysResult advise(Region r, long from, long to, Advice a) {
        boolean special = r.kind() == org.capbuddy.sos.addrspace.RegionKind.IPC_BUFFER;
        boolean sigPage = r.kind() == org.capbuddy.sos.addrspace.RegionKind.SIGPAGE;
        String where = " of the " + r.kind().label() + " region at 0x" + Long.toHexString(from);
        switch (a.effect()) {
            case HINT:
                return null;
            case LRU_HINT:
                return special ? SysResult.fail(Errno.EINVAL, "madvise " + a + where + ": SOS's own mapping") : null;
            case DISCARD:
            case FREE:
                if (special) {
                    return SysResult.fail(Errno.EINVAL, "madvise " + a + where + ": SOS's own mapping");
                }
                if (a.effect() == Advice.Effect.FREE && imageBytesIn(r, from, to)) {
                    return SysResult.fail(Errno.EINVAL, "madvise FREE" + where + ": a program image fills it");
                }
                if (a.effect() == Advice.Effect.FREE && r.isShared()) {
                    // Linux frees lazily only private anonymous pages; a shared page's bytes are its object's
                    return SysResult.fail(Errno.EINVAL, "madvise FREE" + where + ": a MAP_SHARED mapping");
                }
                if (a.effect() == Advice.Effect.FREE && sigPage) {
                    return SysResult.fail(Errno.EINVAL, "madvise FREE" + where + ": SOS's code, not anonymous memory");
                }
                if (sigPage) {
                    // SOS writes the page once, when it maps it, and a fault could not refill it; a
                    // refault of Linux's vdso gives the same bytes back, so keeping the page is the same
                    return null;
                }
                pages.unmapRange(process, from, to);
                return null;
            case REMOVE:
                return imageBytesIn(r, from, to)
                        ? SysResult.fail(Errno.EACCES, "madvise REMOVE" + where + ": a private mapping of the program")
                        : SysResult.fail(Errno.EINVAL, "madvise REMOVE" + where + ": no file to punch a hole in");
            case WIPE_ON_FORK:
                // Linux refuses only a file's or a shared mapping: the vdso, private and with no file, takes it
                return special || imageBytesIn(r, from, to) || r.isShared()
                        ? SysResult.fail(Errno.EINVAL, "madvise WIPEONFORK" + where + ": not private anonymous memory")
                        : null;
            default:
                throw new IllegalStateException("populate is served before the regions are walked");
        }
    }

    /** Whether a program image fills any page of [from, to) of {@code r} (Linux: a file-backed mapping). */
    private static boolean imageBytesIn(Region r, long from, long to) {
        if (r.source() == null) {
            return false;
        }
        for (long page = from; page < to; page += Layout.PAGE) {
            if (!r.source().fileBytesIn(page).isEmpty()) {
                return true;
            }
        }
        return false;
    }

    /** MADV_POPULATE_READ and _WRITE: each page of [addr, end) mapped in turn, as the access would map it. */
    private SysResult populate(long addr, long end, boolean write) {
        for (long va = addr; va != end; va += Layout.PAGE) {
            Region r = process.addressSpace().find(va);
            if (r == null) {
                return SysResult.fail(Errno.ENOMEM, "madvise POPULATE: 0x" + Long.toHexString(va)
                        + " is in no region of the process");
            }
            if (r.kind() == org.capbuddy.sos.addrspace.RegionKind.IPC_BUFFER) {
                // Linux's populate refuses a device mapping (VM_PFNMAP) before it looks at the rights
                return SysResult.fail(Errno.EINVAL, "madvise POPULATE: the IPC buffer at 0x" + Long.toHexString(va)
                        + " is SOS's own mapping");
            }
            if (write ? !r.write() : !r.read()) {
                return SysResult.fail(Errno.EINVAL, "madvise POPULATE: the " + r.kind().label() + " region at 0x"
                        + Long.toHexString(va) + " is not " + (write ? "writable" : "readable"));
            }
            Result<Void> mapped = pages.mapForCall(process, va, r, write);
            if (!mapped.isOk()) {
                return SysResult.fail(Errno.ENOMEM, "madvise POPULATE: " + mapped.error().detail());
            }
        }
        return SysResult.ok(0);
    }

    /** mremap's flags. */
    public static final int MREMAP_MAYMOVE = 1;
    public static final int MREMAP_FIXED = 2;
    public static final int MREMAP_DONTUNMAP = 4;

    /**
     * mremap, in Linux's order: flags other than MREMAP_MAYMOVE, MREMAP_FIXED and MREMAP_DONTUNMAP,
     * FIXED without MAYMOVE, DONTUNMAP without MAYMOVE or with a new length, an unaligned address
     * and a new length of 0 are EINVAL; an address in no region is EFAULT. Shrinking unmaps the
     * tail (as munmap would) and returns the address. Otherwise the old range must lie in one
     * region (EFAULT; a length of 0, which would duplicate a shared mapping, is EINVAL, SOS having
     * none), and only an anonymous mmap region may grow or move: EFAULT for the heap, a program's
     * segments, the stack, the IPC buffer and the signal page, a limit of SOS's (Linux refuses only
     * to grow a mapping that may not expand, such as a device's, moves one at the same size, and
     * moves the heap, segments and stack). A region
     * ending at the old range grows in place when the pages after it are free; else with
     * MREMAP_MAYMOVE the pages move, frames and bytes and all, to a new place (at {@code newAddr}
     * with MREMAP_FIXED, replacing what is there, as MAP_FIXED does: EINVAL for an unaligned
     * address, one past user space or a range overlapping the old one; EPERM below
     * {@link Layout#NULL_GUARD_END} as mmap's, once the old range has passed its checks), the old range unmapped, or with MREMAP_DONTUNMAP
     * (which without MREMAP_FIXED takes {@code newAddr} as a hint, checked as a fixed address is:
     * EINVAL when unaligned, past user space or overlapping the old range; EINVAL for the IPC
     * buffer and the signal page) left mapped with no pages, so it reads zeros; without
     * MREMAP_MAYMOVE, ENOMEM. A call its checks refuse changes nothing (Linux may already have
     * unmapped the MREMAP_FIXED target), a shrinking fixed move's tail included; one that runs out
     * of slots or page tables while moving leaves every page where it was, but has already
     * replaced the target's old mapping and unmapped the shrunk tail, as Linux has.
     */
    public SysResult mremap(long addr, long oldLength, long newLength, long flags, long newAddr) {
        SysResult refused = refusedCaller();
        if (refused != null) {
            return refused;
        }
        boolean mayMove = (flags & MREMAP_MAYMOVE) != 0;
        boolean fixed = (flags & MREMAP_FIXED) != 0;
        boolean dontUnmap = (flags & MREMAP_DONTUNMAP) != 0;
        if ((flags & ~(MREMAP_MAYMOVE | MREMAP_FIXED | MREMAP_DONTUNMAP)) != 0 || fixed && !mayMove
                || dontUnmap && (!mayMove || oldLength != newLength)) {
            return SysResult.fail(Errno.EINVAL, "mremap: flags 0x" + Long.toHexString(flags)
                    + " (DONTUNMAP moves without resizing; FIXED and DONTUNMAP need MAYMOVE)");
        }
        if ((addr & (Layout.PAGE - 1)) != 0) {
            return SysResult.fail(Errno.EINVAL, "mremap needs a page-aligned address, got 0x" + Long.toHexString(addr));
        }
        long oldLen = (oldLength + Layout.PAGE - 1) & -Layout.PAGE;
        long newLen = (newLength + Layout.PAGE - 1) & -Layout.PAGE;
        if (newLen == 0) {
            return SysResult.fail(Errno.EINVAL, "mremap: a new length of 0");
        }
        // Linux (since 5.16) looks the address up before anything else, even to shrink
        if (process.addressSpace().find(addr) == null) {
            return SysResult.fail(Errno.EFAULT, "mremap: 0x" + Long.toHexString(addr) + " is in no region");
        }
        if (fixed || dontUnmap) {
            return moveTo(addr, oldLen, newLen, fixed, dontUnmap, newAddr);
        }
        if (Long.compareUnsigned(oldLen, newLen) >= 0) {
            if (oldLen != newLen) {
                SysResult tail = unmapTail(addr + newLen, oldLen - newLen);
                if (tail != null) {
                    return tail;
                }
            }
            return SysResult.ok(addr);
        }
        Region r = process.addressSpace().find(addr);
        SysResult bad = resizable(r, addr, oldLen, false);
        if (bad != null) {
            return bad;
        }
        long growBy = newLen - oldLen;
        if (addr + oldLen == r.end() && Long.compareUnsigned(growBy, Layout.USER_TOP - r.end()) <= 0
                && process.addressSpace().grow(r.base(), r.end() + growBy).isOk()) {
            return SysResult.ok(addr);
        }
        if (!mayMove) {
            return SysResult.fail(Errno.ENOMEM, "mremap: no room to grow in place, and MREMAP_MAYMOVE was not given");
        }
        if (Long.compareUnsigned(newLen, AddressSpace.MAX_MMAP) > 0) {
            return SysResult.fail(Errno.ENOMEM, "mremap: one mapping is at most " + AddressSpace.MAX_MMAP + " bytes");
        }
        Result<Region> placed = process.addressSpace().mmap(0, newLen, r.read(), r.write(), r.execute());
        if (!placed.isOk()) {
            return SysResult.fail(Errno.ENOMEM, placed.error().detail());
        }
        return move(addr, oldLen, placed.value(), false);
    }

    /**
     * Why the old range of an mremap that grows or moves cannot (EFAULT or EINVAL), or null. The
     * IPC buffer and the signal page are SOS's, as device mappings and the vdso are Linux's
     * (VM_PFNMAP, VM_DONTEXPAND): MREMAP_DONTUNMAP of them is EINVAL, as Linux's vma_to_resize says.
     */
    private static SysResult resizable(Region r, long addr, long oldLen, boolean dontUnmap) {
        if (r == null) {
            return SysResult.fail(Errno.EFAULT, "mremap: 0x" + Long.toHexString(addr) + " is in no region");
        }
        if (oldLen == 0) {
            return SysResult.fail(Errno.EINVAL, "mremap: an old length of 0 duplicates a shared mapping,"
                    + " which SOS does not do");
        }
        // Linux's vma_to_resize refuses DONTUNMAP of a device mapping before it measures the range
        if (dontUnmap && (r.kind() == org.capbuddy.sos.addrspace.RegionKind.IPC_BUFFER
                || r.kind() == org.capbuddy.sos.addrspace.RegionKind.SIGPAGE)) {
            return SysResult.fail(Errno.EINVAL, "mremap: MREMAP_DONTUNMAP of the " + r.kind().label()
                    + " region, SOS's own mapping");
        }
        if (Long.compareUnsigned(oldLen, r.end() - addr) > 0) {
            return SysResult.fail(Errno.EFAULT, "mremap: [0x" + Long.toHexString(addr) + ", +0x"
                    + Long.toHexString(oldLen) + ") runs past its region");
        }
        if (r.kind() != org.capbuddy.sos.addrspace.RegionKind.MMAP) {
            return SysResult.fail(Errno.EFAULT, "mremap: the " + r.kind().label() + " region cannot grow or move");
        }
        if (r.isShared()) {
            // its pages are its object's from the place it was made (SharedMemory): a limit of SOS's
            return SysResult.fail(Errno.EFAULT, "mremap: a MAP_SHARED mapping cannot grow or move in SOS");
        }
        return null;
    }

    /** mremap with MREMAP_FIXED or MREMAP_DONTUNMAP (Linux's mremap_to), checked before anything changes. */
    private SysResult moveTo(long addr, long oldLen, long newLen, boolean fixed, boolean dontUnmap, long newAddr) {
        // Linux's mremap_to checks the new range whenever it is called, for DONTUNMAP's hint as for FIXED
        if ((newAddr & (Layout.PAGE - 1)) != 0 || Long.compareUnsigned(newLen, Layout.USER_TOP) > 0
                || Long.compareUnsigned(newAddr, Layout.USER_TOP - newLen) > 0) {
            return SysResult.fail(Errno.EINVAL, "mremap: the new range at 0x" + Long.toHexString(newAddr)
                    + " is unaligned or leaves user space");
        }
        if (Long.compareUnsigned(addr + oldLen, newAddr) > 0 && Long.compareUnsigned(newAddr + newLen, addr) > 0) {
            return SysResult.fail(Errno.EINVAL, "mremap: the old and new ranges overlap");
        }
        // a shrink by a fixed move moves only what the new length keeps
        long keep = Long.compareUnsigned(oldLen, newLen) > 0 ? newLen : oldLen;
        Region r = process.addressSpace().find(addr);
        SysResult bad = resizable(r, addr, keep, dontUnmap);
        if (bad != null) {
            return bad;
        }
        if (Long.compareUnsigned(newLen, AddressSpace.MAX_MMAP) > 0) {
            return SysResult.fail(Errno.ENOMEM, "mremap: one mapping is at most " + AddressSpace.MAX_MMAP + " bytes");
        }
        if (keep != oldLen) {
            // the tail goes after the target is replaced: a tail munmap refuses must refuse the call first
            SysResult tail = tailRefusal(addr + keep, oldLen - keep);
            if (tail != null) {
                return tail;
            }
        }
        if (fixed && Long.compareUnsigned(newAddr, Layout.NULL_GUARD_END) < 0) {
            // Linux's mmap_min_addr, as SOS's own MAP_FIXED refuses it; Linux asks it last, in
            // get_unmapped_area, after vma_to_resize has looked at the old range
            return SysResult.fail(Errno.EPERM, "mremap: MREMAP_FIXED below 0x"
                    + Long.toHexString(Layout.NULL_GUARD_END) + ": the first 64 KiB are never mapped");
        }
        if (fixed) {
            Region blocker = process.addressSpace().firstOverlapping(newAddr, newAddr + newLen);
            Result<List<VaRange>> placed = process.addressSpace().mmapFixed(newAddr, newLen, r.read(), r.write(),
                    r.execute());
            if (!placed.isOk()) {
                return SysResult.fail(Errno.EINVAL, "mremap: " + placed.error().detail()
                        + (blocker == null ? "" : " (" + blocker.kind().label() + ")"));
            }
            unmap(placed.value());
            if (keep != oldLen) {
                SysResult tail = unmapTail(addr + keep, oldLen - keep);
                if (tail != null) {
                    throw new IllegalStateException("a tail checked unmappable was refused: " + tail);
                }
            }
            return move(addr, keep, process.addressSpace().find(newAddr), dontUnmap);
        }
        // without MREMAP_FIXED, the new address is a hint, as mmap's (Linux's get_unmapped_area)
        Result<Region> placed = process.addressSpace().mmap(newAddr, newLen, r.read(), r.write(), r.execute());
        if (!placed.isOk()) {
            return SysResult.fail(Errno.ENOMEM, placed.error().detail());
        }
        return move(addr, keep, placed.value(), dontUnmap);
    }

    /**
     * Moves the pages of [addr, addr + length) into {@code target}, a region just placed, then
     * unmaps the old range (unless {@code keepOld}); a move that cannot finish (no slot or page
     * table) takes the new region away again and is ENOMEM, every page where it was.
     */
    private SysResult move(long addr, long length, Region target, boolean keepOld) {
        Result<Void> moved = pages.movePages(process, addr, target.base(), length, target);
        if (!moved.isOk()) {
            unmapIfMapped(target.base(), target.size());
            return SysResult.fail(Errno.ENOMEM, "mremap: " + moved.error().detail());
        }
        if (!keepOld) {
            unmapIfMapped(addr, length);
        }
        return SysResult.ok(target.base());
    }

    /** Unmaps [addr, addr + length) as Linux's munmap inside mremap does: a range with nothing mapped is no error. */
    private SysResult unmapTail(long addr, long length) {
        SysResult refused = tailRefusal(addr, length);
        if (refused != null) {
            return refused;
        }
        unmapIfMapped(addr, length);
        return null;
    }

    /**
     * munmap of a range mremap has already checked (or just placed): its regions and pages are
     * removed; a range with nothing mapped, the one refusal left, is nothing to do.
     */
    private void unmapIfMapped(long addr, long length) {
        Result<List<VaRange>> removed = process.addressSpace().munmap(addr, length);
        if (removed.isOk()) {
            unmap(removed.value());
        }
    }

    /** Why {@link #unmapTail} would refuse [addr, addr + length) (EINVAL), or null; changes nothing. */
    private SysResult tailRefusal(long addr, long length) {
        Result<Long> end = process.addressSpace().unmappable(addr, length);
        if (end.isOk() || end.error().kind() == org.capbuddy.libos.vka.AllocErrorKind.NOT_ALLOCATED) {
            return null;
        }
        return SysResult.fail(Errno.EINVAL, "mremap: " + end.error().detail());
    }

    /** Whether [base, base + length) lies below the top of user space (Linux's access_ok); unsigned. */
    private static boolean inUserSpace(long base, long length) {
        return Long.compareUnsigned(length, Layout.USER_TOP) <= 0
                && Long.compareUnsigned(base, Layout.USER_TOP - length) <= 0;
    }

    /**
     * Null when every byte of [buffer, buffer + length) is memory of the process with the right
     * asked (so copying it can only fault pages in, never kill); otherwise the call's EFAULT.
     */
    public SysResult checkUserBuffer(long buffer, long length, boolean write) {
        SysResult refused = notRunning();
        if (refused != null) {
            return refused;
        }
        if (length == 0) {
            return null;
        }
        // Checked first so that buffer + length cannot overflow: a buffer wrapping past 2^63 would
        // skip the region check, and the copy's fault would kill the process.
        if (buffer < 0 || length < 0 || buffer > Layout.USER_TOP - length) {
            return SysResult.fail(Errno.EFAULT, "bad buffer: [0x" + Long.toHexString(buffer) + ", +" + length
                    + ") is not inside user space");
        }
        for (long page = Layout.pageDown(buffer); page < buffer + length; page += Layout.PAGE) {
            Region region = process.addressSpace().find(page);
            if (region == null || !region.read() || (write && !region.write())) {
                return SysResult.fail(Errno.EFAULT, "bad buffer: 0x" + Long.toHexString(page) + " is not "
                        + (write ? "writable" : "readable") + " memory of the process");
            }
        }
        return null;
    }

    /**
     * Copies bytes from the process (after {@link #checkUserBuffer}); null on EFAULT or ESRCH. The
     * process may be stopped in a system call: SOS reads its frames through its own window.
     */
    public byte[] copyFromUser(long buffer, int length) {
        if (checkUserBuffer(buffer, length, false) != null) {
            return null;
        }
        byte[] bytes = new byte[length];
        return pages.copy(process, buffer, bytes, 0, length, false) == length ? bytes : null;
    }

    /** Copies bytes into the process (after {@link #checkUserBuffer}); false on EFAULT or ESRCH, or a short {@code bytes}. */
    public boolean copyToUser(long buffer, byte[] bytes, int length) {
        if (bytes == null || length < 0 || length > bytes.length || checkUserBuffer(buffer, length, true) != null) {
            return false;
        }
        return pages.copy(process, buffer, bytes, 0, length, true) == length;
    }

    /**
     * Appends to the console what a process wrote to its standard output or error: the first
     * {@code length} bytes of {@code bytes}. Returns false, writing nothing, for a caller that is
     * not a running process or bytes that do not hold {@code length}.
     */
    public boolean console(byte[] bytes, int length) {
        if (notRunning() != null || bytes == null || length < 0 || length > bytes.length) {
            return false;
        }
        sos.consoleWrite(new String(bytes, 0, length, StandardCharsets.UTF_8));
        return true;
    }

    /**
     * fork: a copy of the process ({@link Sos#fork(Process, java.util.function.UnaryOperator)}),
     * its thread's registers those {@code childRegisters} makes of the caller's. Fails for a
     * caller that is not running, or as fork fails.
     */
    public Result<Process> fork(java.util.function.UnaryOperator<long[]> childRegisters) {
        SysResult refused = refusedCaller();
        if (refused != null) {
            return Result.fail(org.capbuddy.libos.vka.AllocErrorKind.BAD_ARGUMENT, refused.toString());
        }
        return sos.fork(process, childRegisters);
    }

    /**
     * execve's work in SOS: {@code elf} runs in the process's place under its pid
     * ({@link Sos#exec}), and the process this view names is gone; the new image's process is
     * returned. Fails, changing nothing, for a caller that is not running, or as exec fails
     * before its point of no return. The strings are bytes as the caller passed them, whatever
     * their encoding.
     */
    public Result<Process> exec(byte[] elf, java.util.List<byte[]> argv, java.util.List<byte[]> envp, byte[] execFn,
            long seed) {
        SysResult refused = refusedCaller();
        if (refused != null) {
            return Result.fail(org.capbuddy.libos.vka.AllocErrorKind.NOT_ALLOCATED, refused.toString());
        }
        return sos.exec(process, elf, argv, envp, execFn, seed);
    }

    /** exit: the process stops; SOS tears it down with {@link Sos#destroy}. */
    public void exit(long code) {
        if (refusedCaller() == null) {
            sos.exit(process, code);
        }
    }

    /**
     * The process dies of {@code signal}, which it sent itself with the system call at {@code pc}
     * (abort, raise, kill): SOS kills it with a report naming the signal, as Linux's default action
     * would end it.
     */
    public void killBySignal(int signal, long pc, String reason) {
        if (refusedCaller() == null) {
            Region region = process.addressSpace().find(pc);
            sos.killBySignal(process, KillReport.bySignal(signal, pc, region == null ? null : region.kind().label(),
                    reason));
        }
    }

    /** The signal a process SOS cannot carry on dies of, as from Linux's kernel. */
    private static final int SIGKILL = 9;

    /**
     * SOS cannot carry the process on correctly (its own invocation on the process's objects
     * failed at the system call at {@code pc}): it is killed with SIGKILL, as Linux's kernel ends a
     * process it cannot continue, with {@code reason} in its report.
     */
    public void killBySos(long pc, String reason) {
        if (refusedCaller() == null) {
            Region region = process.addressSpace().find(pc);
            sos.killBySignal(process, new KillReport(pc, AccessKind.EXECUTE, region == null ? null
                    : region.kind().label(), reason, SIGKILL, false));
        }
    }

    /**
     * Maps SOS's signal page at {@code addr}, read-only and executable, holding {@code code}, unless
     * it is there already. Null when it is there; otherwise why it cannot be (another region there,
     * no memory), having changed nothing.
     */
    public String mapSignalPage(long addr, byte[] code) {
        SysResult refused = notRunning();
        if (refused != null) {
            return refused.toString();
        }
        Region there = process.addressSpace().find(addr);
        if (there != null) {
            return there.kind() == org.capbuddy.sos.addrspace.RegionKind.SIGPAGE ? null
                    : "the signal page's place 0x" + Long.toHexString(addr) + " is taken by a " + there.kind().label()
                            + " region";
        }
        Region page = new Region(org.capbuddy.sos.addrspace.RegionKind.SIGPAGE, addr, addr + Layout.PAGE, true, false,
                true);
        Result<Void> mapped = pages.mapFilled(process, addr, page, code);
        if (!mapped.isOk()) {
            return "the signal page could not be mapped: " + mapped.error();
        }
        Result<Void> added = process.addressSpace().add(page);
        if (!added.isOk()) {
            pages.unmap(process, addr);
            return "the signal page could not be added: " + added.error();
        }
        return null;
    }

    /** The page size user programs see. */
    public static long pageSize() {
        return Layout.PAGE;
    }
}
