package org.capbuddy.sos.process;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalLong;
import org.capbuddy.kernel.api.CapRights;
import org.capbuddy.kernel.api.VmAttributes;
import org.capbuddy.libos.vka.AllocError;
import org.capbuddy.libos.vka.AllocErrorKind;
import org.capbuddy.libos.vka.CapOps;
import org.capbuddy.libos.vka.Result;
import org.capbuddy.libos.vka.UndoLog;
import org.capbuddy.libos.vka.Vka;
import org.capbuddy.libos.vka.VkaObject;
import org.capbuddy.libos.vka.VkaObjects;
import org.capbuddy.libos.vspace.PageMapper;
import org.capbuddy.libos.vspace.PagingStructure;
import org.capbuddy.sos.addrspace.Layout;
import org.capbuddy.sos.addrspace.Region;
import org.capbuddy.sos.addrspace.RegionKind;
import org.capbuddy.sos.addrspace.SharedMemory;
import org.capbuddy.sos.addrspace.VaRange;
import org.capbuddy.sos.frametable.FrameTable;
import org.capbuddy.sos.frametable.VkaTables;
import org.capbuddy.sos.paging.PageFile;
import org.capbuddy.sos.paging.ReplacementPolicy;
import org.capbuddy.sos.shadow.PageEntry;

/**
 * Maps and unmaps a process's pages: a zeroed frame from the frame table (for a region loaded from
 * a program, then given the program's bytes for that page through SOS's window), a copy of its
 * cap with the region's rights (a frame cap holds one mapping, and SOS's own cap already maps the
 * frame in SOS's window), the mapping with the region's rights and any page tables it needs, all
 * recorded in the shadow page table. Every step is undone if a later one fails or throws, down
 * to the window page tables the frame table made for the frame, so a failed mapping leaves
 * everything exactly as before. Unmapping only gives back: a throwable in the middle of it marks
 * the machine broken.
 *
 * <p>With a page file (paging on), the {@link Pager} does the paging. A page that finds the frame
 * table full takes the frame of a victim the replacement policy chooses: the victim's bytes go to a page-file slot, its mapping
 * cap is deleted (which unmaps it), the shadow records its slot, and its frame and cap slot
 * serve the new page; if a later step fails the victim is put back as it was, the pages its
 * search unreferenced are mapped again and the policy is told nothing (it learns of a page-out
 * only once the fault completes). A fault on a paged-out page reads its slot back the same way,
 * and a fault on a page the policy only unreferenced (unmapped, frame kept) maps the same frame
 * again: a soft fault. SOS's IPC buffer and signal page are never handed to the policy.
 *
 * <p>Without paging, {@link #share} shares a process's frames with another copy-on-write
 * ({@link CowSharing}): every path here that writes or changes a page respects it. A store to a
 * shared page copies it ({@link #cowFault}), SOS's own writes through its window copy first
 * ({@link #copy}), a remap and a move keep a shared page without write, and unmapping frees a
 * frame only with its last mapping.
 */
public final class ProcessPages {
    private final Vka vka;
    private final FrameTable frames;
    private final VkaTables tables;
    private long framesMapped;
    private long structuresCreated;
    private long imagePagesFilled;
    private long imageBytesCopied;
    /**
     * A program's bytes for one page on their way to a frame; one buffer serves every fault, as
     * one thread drives the machine and nothing between filling and writing it calls back here.
     */
    private final byte[] page = new byte[(int) Layout.PAGE];
    /** A parent's page on its way to its forked child's frame or slot (one thread drives the machine). */
    private final byte[] forkPage = new byte[(int) Layout.PAGE];
    /** Undoes a failed {@link #map}; its steps are made once, here. */
    private final UndoLog undo;
    /** The pager, or null when SOS does not page. */
    private final Pager pager;
    /** Frames shared copy-on-write between processes, and the pages protected for it. */
    private final CowSharing cow;
    /** MAP_SHARED anonymous memory: the objects alive, who names them, and the mappings of their frames. */
    private final SharedObjects shared;
    private final UndoLog.Action undoFrame = (ref, unused, none) -> undoFrame((int) ref);
    private final UndoLog.Action freeSlot = (slot, unused, none) -> freeSlot(slot);
    private final UndoLog.Action deleteCopy = (slot, unused, none) -> deleteCopy(slot);
    /** Why the last {@link #copyFrameCap} that returned -1 made no copy. */
    private Result<Void> copyRefusal;
    /** What SOS's pager did, told once the operation that did it is complete (for traces and tests). */
    public interface PagingObserver {
        /** {@code page} left memory: written to page-file slot {@code slot}, or dropped clean (its kept slot, or -1 in its initial state). */
        void pagedOut(UserPage page, int slot);

        /** {@code page} came back from page-file slot {@code slot}. */
        void pagedIn(UserPage page, int slot);

        /** {@code page}, unreferenced, was touched and mapped again without I/O. */
        void softFault(UserPage page);
    }

    /** Pages without paging: a fault that finds the frame table full fails. */
    public ProcessPages(Vka vka, FrameTable frames) {
        this(vka, frames, null, null);
    }

    /**
     * Pages with paging to {@code pageFile} by {@code policy}, or why not: both are needed, and the
     * policy must be empty, as it will hold every evictable resident page.
     */
    public static Result<ProcessPages> withPaging(Vka vka, FrameTable frames, PageFile pageFile,
                                                  ReplacementPolicy<UserPage> policy) {
        if (pageFile == null || policy == null) {
            return Result.fail(AllocErrorKind.BAD_ARGUMENT, "paging needs both a page file and a policy");
        }
        if (policy.size() != 0) {
            return Result.fail(AllocErrorKind.BAD_ARGUMENT, "the paging policy already holds " + policy.size()
                    + " pages");
        }
        return Result.ok(new ProcessPages(vka, frames, pageFile, policy));
    }

    private ProcessPages(Vka vka, FrameTable frames, PageFile pageFile, ReplacementPolicy<UserPage> policy) {
        this.vka = vka;
        this.frames = frames;
        this.tables = new VkaTables(vka);
        this.undo = new UndoLog(vka.sel4().guard());
        this.pager = pageFile == null ? null : new Pager(vka, frames, tables, pageFile, policy);
        this.cow = new CowSharing(vka, frames, tables);
        this.shared = new SharedObjects(frames);
    }

    /**
     * A new shared object for a MAP_SHARED anonymous mapping of {@code pages} pages that {@code p}
     * makes at {@code origin}: its pages get frames as they are first touched, by any process
     * whose region names it. Null when SOS pages: the pager evicts a page by taking its frame,
     * which every sharer maps, so shared memory needs SOS without paging (the caller refuses it).
     */
    public SharedMemory newSharedObject(Process p, long origin, long pages) {
        if (pager != null || p == null || pages <= 0 || (origin & (Layout.PAGE - 1)) != 0) {
            return null;
        }
        return shared.create(p, origin, pages);
    }

    /** {@code child}, a fork's, names the shared objects its regions (its parent's) name: it keeps them alive too. */
    public void attachShared(Process child) {
        if (child != null && child.state() != ProcessState.DESTROYED) {
            shared.attach(child);
        }
    }

    /** The live shared object holding frame {@code ref}, or null (a private frame, or none). */
    public SharedMemory sharedHolder(int ref) {
        return shared.holder(ref);
    }

    /** The processes whose regions name {@code object} now. */
    public List<Process> sharedUsers(SharedMemory object) {
        return shared.users(object);
    }

    /** Shared objects alive now. */
    public int liveSharedObjects() {
        return shared.liveObjects();
    }

    /** Frames the live shared objects hold, mapped or not. */
    public int sharedFramesHeld() {
        return shared.framesHeld();
    }

    /**
     * Shares every resident page of {@code from} into {@code to} at the same addresses,
     * copy-on-write, and returns how many pages: each gets a cap copy of its own in a new slot of
     * SOS's CSpace, mapped in {@code to}; a page of a writable region is mapped without write in
     * both, and a store to it later gets a private copy (see {@link CowSharing}). Refused, changing
     * nothing, for a missing or destroyed process, one process twice, SOS paging (a frame mapped
     * twice cannot be evicted by taking it), a page {@code to} has already or a page without a
     * region of the same rights in {@code to}. All or nothing: a failure part way (no slot, no page
     * table) undoes every share made and the tables made for them.
     */
    public Result<Integer> share(Process from, Process to) {
        if (from == null || to == null || from.state() == ProcessState.DESTROYED
                || to.state() == ProcessState.DESTROYED) {
            return Result.fail(AllocErrorKind.BAD_ARGUMENT, "sharing needs two live processes");
        }
        if (from == to) {
            return Result.fail(AllocErrorKind.BAD_ARGUMENT, "process " + from.pid() + " cannot share with itself");
        }
        if (pager != null) {
            return Result.fail(AllocErrorKind.BAD_ARGUMENT, "copy-on-write sharing needs SOS without paging: the"
                    + " pager evicts a page by taking its frame, which another process may map");
        }
        vka.sel4().guard().check();
        return cow.share(from, to);
    }

    /**
     * A write's permission fault at {@code vaddr} of {@code p} in {@code region}: when the page
     * there is protected for sharing and the region is writable, the sharing is broken (a copy, or
     * the write right back for the last sharer) and done is returned; null when it is not such a
     * fault. Fails, the page and its sharers as before, when no frame can be had.
     */
    Result<Void> cowFault(Process p, long vaddr, Region region) {
        if (region == null || !region.write() || !cow.isProtected(p, vaddr)) {
            return null;
        }
        return cow.breakShare(p, vaddr, region, CowSharing.Cause.FAULT);
    }

    /**
     * The pages mapping frame {@code ref} (its share count): 1 for a frame sharing never touched;
     * for a frame a shared object holds, the pages mapping it (0 when none does now).
     */
    public int shareCount(int ref) {
        return shared.holds(ref) ? shared.mappings(ref) : cow.mappings(ref);
    }

    /** Whether the page at {@code vaddr} of {@code p} is write-protected because it shares (or shared) its frame. */
    public boolean isShareProtected(Process p, long vaddr) {
        return p != null && cow.isProtected(p, vaddr);
    }

    /** Pages shared into another process so far. */
    public long pagesShared() {
        return cow.pagesShared();
    }

    /** Copy-on-write breaks (faults and SOS's writes for calls) that copied the page into a fresh frame (others still mapped the old one). */
    public long cowCopies() {
        return cow.copies();
    }

    /** Copy-on-write breaks (faults and SOS's writes for calls) of a last sharer, which got its write right back without a copy. */
    public long cowReuses() {
        return cow.reuses();
    }

    /**
     * Of the copies and reuses, those made for SOS's own write into a shared page for a system
     * call (read, a MADV_POPULATE_WRITE, ...), not for a store's fault; the rest are faults, counted in
     * the faults handled too.
     */
    public long cowBreaksForCalls() {
        return cow.callBreaks();
    }

    /** Frames mapped by more than one page now. */
    public int sharedFrames() {
        return cow.sharedFrames();
    }

    /** Frames sharing saves now: the mappings of shared frames beyond the first of each. */
    public long framesSaved() {
        return cow.framesSaved();
    }

    /** The most frames sharing has saved at once. */
    public long peakFramesSaved() {
        return cow.peakFramesSaved();
    }

    /** Pages write-protected for sharing now. */
    public int shareProtectedPages() {
        return cow.protectedPages();
    }

    /**
     * Maps a frame at {@code vaddr} for {@code p} with the region's rights, recording it and any
     * page tables made in the shadow: zeroed, or, in an image-backed region, holding the program's
     * bytes for the page (zero past the segment's file bytes). Every step is undone if a later one
     * fails or throws. Refused, changing nothing, for no process or one destroyed, no region, an
     * address that is not a page's, or a page mapped already.
     */
    public Result<Void> map(Process p, long vaddr, Region region) {
        Result<Void> bad = badPage(p, vaddr, region);
        if (bad != null) {
            return bad;
        }
        if (p.shadow().frameRef(vaddr) != FrameTable.NULL_FRAME) {
            return Result.fail(AllocErrorKind.BAD_ARGUMENT, "0x" + Long.toHexString(vaddr) + " is mapped already in"
                    + " process " + p.pid());
        }
        // a paged-out page is read back, not replaced by a fresh one
        return mapUnmapped(p, vaddr, region);
    }

    /**
     * {@link #map} for a caller that knows the page is not mapped: the fault handler, to which the
     * kernel has just reported a translation fault there, and {@link #copy}, which looked.
     */
    Result<Void> mapUnmapped(Process p, long vaddr, Region region) {
        return mapUnmapped(p, vaddr, region, false);
    }

    /**
     * {@link #mapUnmapped} for an access that is a write ({@code write}) or not: with paging on, a
     * page a write maps is dirty at once and mapped writable, so the write needs no second fault.
     */
    Result<Void> mapUnmapped(Process p, long vaddr, Region region, boolean write) {
        Result<Void> bad = badPage(p, vaddr, region);
        if (bad != null) {
            return bad;
        }
        if (region.isShared()) {
            return mapShared(p, vaddr, region);
        }
        if (pager != null) {
            PageEntry e = p.shadow().page(vaddr);
            if (e != null) {
                return softFault(p, vaddr, region, e, write);
            }
            int slot = p.shadow().pagedOutSlot(vaddr);
            if (slot >= 0) {
                return mapChecked(p, vaddr, region, null, slot, write);
            }
        }
        return mapChecked(p, vaddr, region, null, -1, write);
    }

    /**
     * Maps the page at {@code vaddr} of a shared region: the object's frame for that page, or, at
     * the page's first touch by any sharer, a fresh zeroed frame the object then holds. A cap copy
     * of its own in a new slot, with the region's rights (write too: every sharer writes the same
     * frame), mapped with any page tables needed. Every step is undone if a later one fails or
     * throws, the fresh frame included, so the object is as before.
     */
    private Result<Void> mapShared(Process p, long vaddr, Region region) {
        SharedMemory object = region.shared();
        if (object.index(vaddr) < 0) {
            return Result.fail(AllocErrorKind.BAD_ARGUMENT, "0x" + Long.toHexString(vaddr) + " is outside " + object);
        }
        int held = object.frame(vaddr);
        try (UndoLog log = undo.begin("mapping a shared page for a process at", vaddr, 4)) {
            int ref = held;
            if (ref == FrameTable.NULL_FRAME) {
                ref = frames.allocFrame();
                if (ref == FrameTable.NULL_FRAME) {
                    return Result.fail(frames.lastError());
                }
                log.push(undoFrame, ref, 0);
            }
            CapRights rights = capRights(region);
            long copySlot = copyFrameCap(log, -1, ref, rights);
            if (copySlot < 0) {
                return copyRefusal;
            }
            Result<List<PagingStructure>> mapped = PageMapper.map(vka.sel4(), tables, copySlot, p.vspaceCptr(),
                    vaddr, rights, attributes(region));
            if (!mapped.isOk()) {
                return mapped.asFailure();
            }
            if (held == FrameTable.NULL_FRAME) {
                if (!object.hold(vaddr, ref)) {
                    // mapShared checked the page is the object's and had no frame: a broken invariant
                    throw new IllegalStateException(object + " refused a fresh frame for 0x" + Long.toHexString(vaddr));
                }
                record(p, vaddr, ref, copySlot, mapped.value(), 0);
                shared.held(ref);
            } else {
                // the frame is the object's already: a mapping, not a frame mapped anew
                p.shadow().recordStructures(mapped.value());
                if (!p.shadow().recordPage(vaddr, ref, copySlot)) {
                    throw new IllegalStateException("no level-3 table recorded for a page just mapped");
                }
                p.peakPages = Math.max(p.peakPages, p.shadow().pageCount());
                structuresCreated += mapped.value().size();
            }
            shared.mapped(ref);
            log.commit();
            return Result.done();
        }
    }

    /**
     * Maps again the frame of a page the policy unreferenced (SOS unmapped it, keeping its frame
     * and cap copy, whose rights are the region's): no frame, no I/O, no cap made. Writable when
     * it is dirty, or a write makes it so now.
     */
    private Result<Void> softFault(Process p, long vaddr, Region region, PageEntry e, boolean write) {
        UserPage page = new UserPage(p, vaddr);
        boolean dirtied = write && region.write() && pager.isClean(page);
        long attributes = attributes(region);
        Result<List<PagingStructure>> mapped = PageMapper.map(vka.sel4(), tables, e.capCopy(), p.vspaceCptr(), vaddr,
                dirtied ? capRights(region) : pager.rights(page, region), attributes);
        if (!mapped.isOk()) {
            return mapped.asFailure();
        }
        p.shadow().recordStructures(mapped.value());
        structuresCreated += mapped.value().size();
        if (dirtied) {
            pager.dirtyUnmapped(page);
        }
        pager.softFaulted(p, vaddr, e.frameRef());
        return Result.done();
    }

    /**
     * A write's permission fault at {@code vaddr} of {@code p} in the writable {@code region}:
     * when the page there is clean (mapped read-only though its region is writable) this is a
     * dirty fault, which makes it dirty and writable and returns done; null when it is not one
     * (the fault is then the process's). Fails, the page left clean and read-only, when the
     * remap does.
     */
    Result<Void> dirtyFault(Process p, long vaddr, Region region) {
        if (pager == null || region == null || !region.write()) {
            return null;
        }
        UserPage page = new UserPage(p, vaddr);
        if (!pager.isClean(page) || pager.unmapped(page)) {
            return null;
        }
        return pager.makeDirty(page, region, true);
    }

    /**
     * {@link #map} of a page whose first contents are {@code contents} (a page's worth at most)
     * rather than zeros or a program's bytes: SOS's own code for the process, such as its signal
     * page. The frame is filled before it is mapped, so the process never sees it otherwise.
     */
    public Result<Void> mapFilled(Process p, long vaddr, Region region, byte[] contents) {
        Result<Void> bad = badPage(p, vaddr, region);
        if (bad != null) {
            return bad;
        }
        if (contents == null || contents.length > Layout.PAGE || region.source() != null) {
            return Result.fail(AllocErrorKind.BAD_ARGUMENT, "a filled page needs at most a page of contents and a"
                    + " region no image fills");
        }
        if (p.shadow().frameRef(vaddr) != FrameTable.NULL_FRAME) {
            return Result.fail(AllocErrorKind.BAD_ARGUMENT, "0x" + Long.toHexString(vaddr) + " is mapped already in"
                    + " process " + p.pid());
        }
        return mapChecked(p, vaddr, region, contents);
    }

    /** {@link #map} once its arguments have been checked. */
    private Result<Void> mapChecked(Process p, long vaddr, Region region) {
        return mapChecked(p, vaddr, region, null);
    }

    private Result<Void> mapChecked(Process p, long vaddr, Region region, byte[] contents) {
        // SOS's own contents cannot be made again: such a page is dirty from the start
        return mapChecked(p, vaddr, region, contents, -1, contents != null);
    }

    /**
     * With {@code fromSlot} not -1, a page-in: the page's bytes come from that page-file slot.
     * With paging on, the page is clean (against that slot, kept, or its initial contents) unless
     * {@code write} or its region is SOS's own; a clean page is mapped without the write right.
     */
    private Result<Void> mapChecked(Process p, long vaddr, Region region, byte[] contents, int fromSlot,
                                    boolean write) {
        boolean clean = pager != null && !write && evictable(region);
        byte[] inPage = fromSlot >= 0 ? pager.readIn(fromSlot) : null;
        if (fromSlot >= 0 && inPage == null) {
            return Result.fail(AllocErrorKind.BAD_ARGUMENT, "page-file slot " + fromSlot + " of 0x"
                    + Long.toHexString(vaddr) + " is not in use");
        }
        try (UndoLog log = undo.begin("mapping a page for a process at", vaddr, 6)) {
            if (fromSlot >= 0) {
                pager.pushUnread(log);
            }
            long copySlot = -1;
            boolean slotFreed = false;
            Pager.Evicted victim = null;
            int ref = frames.allocFrame();
            if (ref != FrameTable.NULL_FRAME) {
                log.push(undoFrame, ref, 0);
            } else {
                AllocError full = frames.lastError();
                if (pager == null || full.kind() != AllocErrorKind.OUT_OF_MEMORY) {
                    return Result.fail(full);
                }
                if (fromSlot >= 0 && !clean) {
                    // the bytes are read: the slot may take the victim, which a full page file needs
                    pager.freeEarly(fromSlot, log);
                    slotFreed = true;
                }
                Result<Pager.Evicted> evicted = pager.evict(full, log, clean ? fromSlot : -1);
                if (!evicted.isOk()) {
                    return evicted.asFailure();
                }
                victim = evicted.value();
                if (victim.ownSlotTaken()) {
                    // its kept slot went to the victim: nothing holds this page's bytes but its frame
                    clean = false;
                    slotFreed = true;
                }
                ref = victim.entry().frameRef();
                copySlot = victim.entry().capCopy();
                // a page-in overwrites the whole frame; any other page must not see the victim's bytes
                Result<Void> zeroed = fromSlot >= 0 ? Result.done() : frames.zero(ref);
                if (!zeroed.isOk()) {
                    return zeroed;
                }
            }
            // A page of a program is filled before the process can see it; the frame is zero,
            // so only the file's bytes are written and a .bss tail stays zero.
            int fileBytes = 0;
            if (fromSlot >= 0) {
                Result<Void> filled = frames.write(ref, 0, inPage, 0, inPage.length);
                if (!filled.isOk()) {
                    return filled;
                }
            } else if (contents != null) {
                Result<Void> filled = frames.write(ref, 0, contents, 0, contents.length);
                if (!filled.isOk()) {
                    return filled;
                }
            } else {
                VaRange part = imageBytes(region, vaddr);
                if (!part.isEmpty()) {
                    fileBytes = (int) (part.end() - part.base());
                    Result<Void> filled = frames.write(ref, (int) (part.base() - vaddr), page, 0, fileBytes);
                    if (!filled.isOk()) {
                        return filled;
                    }
                }
            }
            // The copy carries only the region's rights, so that the cap itself cannot map a
            // read-only page writable: a later Page_Map of it (a remap) is masked by the kernel.
            CapRights rights = capRights(region);
            copySlot = copyFrameCap(log, copySlot, ref, rights);
            if (copySlot < 0) {
                return copyRefusal;
            }
            long attributes = attributes(region);
            CapRights mapRights = clean && region.write() ? CapRights.READ_ONLY : rights;
            Result<List<PagingStructure>> mapped = PageMapper.map(vka.sel4(), tables, copySlot, p.vspaceCptr(),
                    vaddr, mapRights, attributes);
            if (!mapped.isOk()) {
                return mapped.asFailure();
            }
            record(p, vaddr, ref, copySlot, mapped.value(), fileBytes);
            if (pager != null) {
                pager.admit(p, vaddr, region, fromSlot, slotFreed, clean);
            }
            log.commit();
            // told only now: an undone fault puts its victim back as if it had never gone
            if (victim != null) {
                pager.pagedOut(victim, ref);
            }
            if (fromSlot >= 0) {
                pager.pagedIn(p, vaddr, fromSlot, ref);
            }
            return Result.done();
        }
    }

    /** SOS's IPC buffer and signal page stay resident: SOS and the kernel use them while the process runs. */
    static boolean evictable(Region region) {
        return region.kind() != RegionKind.IPC_BUFFER && region.kind() != RegionKind.SIGPAGE;
    }

    /** The mapping attributes of a page of {@code region}: cacheable, and execute-never unless it executes. */
    static long attributes(Region region) {
        return VmAttributes.DEFAULT | (region.execute() ? 0 : VmAttributes.EXECUTE_NEVER);
    }

    /**
     * The rights a page of {@code region} is mapped with. A PROT_NONE region's pages get none: seL4
     * then maps the frame for the kernel only (its {@code maskVMRights} gives VMKernelOnly), so the
     * page keeps its frame and bytes while every user access is a permission fault, as Linux keeps
     * a PROT_NONE page's contents and refuses every access to it.
     */
    static CapRights capRights(Region region) {
        return region.write() ? CapRights.READ_WRITE : region.read() ? CapRights.READ_ONLY : CapRights.NONE;
    }

    /**
     * The rights the page at {@code vaddr} of {@code p} in {@code region} is mapped with (when
     * mapped): the region's, less write while the pager holds the page clean.
     */
    CapRights mappedRights(Process p, long vaddr, Region region) {
        return pager == null ? cow.rights(p, vaddr, capRights(region)) : pager.rights(new UserPage(p, vaddr), region);
    }

    /** Why {@code p}, {@code vaddr} and {@code region} cannot name a page to map, or null when they can. */
    private static Result<Void> badPage(Process p, long vaddr, Region region) {
        if (p == null || p.state() == ProcessState.DESTROYED) {
            return Result.fail(AllocErrorKind.BAD_ARGUMENT, p == null ? "no process" : "process " + p.pid()
                    + " is destroyed");
        }
        if (region == null) {
            return Result.fail(AllocErrorKind.BAD_ARGUMENT, "no region");
        }
        if ((vaddr & (Layout.PAGE - 1)) != 0 || vaddr < 0 || vaddr >= Layout.USER_TOP) {
            return Result.fail(AllocErrorKind.BAD_ARGUMENT, "0x" + Long.toHexString(vaddr) + " is not a user page's"
                    + " address");
        }
        return null;
    }

    private Result<?> undoFrame(int ref) {
        return frames.undoAlloc(ref);
    }

    /**
     * Copies frame {@code ref}'s cap with {@code rights} into {@code slot}, or into a new slot of
     * the vka's when {@code slot} is -1, each step pushed on {@code log}: the copy's slot, or -1 with
     * {@link #copyRefusal} saying why. Both slots are in the vka's CSpace, addressed as their paths
     * would be, with no path built: a copy that succeeds allocates nothing.
     */
    private long copyFrameCap(UndoLog log, long slot, int ref, CapRights rights) {
        long copySlot = slot;
        if (copySlot < 0) {
            copySlot = vka.cspaceAllocSlot();
            if (copySlot < 0) {
                copyRefusal = Result.fail(vka.cspaceSlotRefusal());
                return -1;
            }
            log.push(freeSlot, copySlot, 0);
        }
        Result<Void> copied = CapOps.copy(vka, copySlot, frames.frameCap(ref), rights);
        if (!copied.isOk()) {
            copyRefusal = copied;
            return -1;
        }
        log.push(deleteCopy, copySlot, 0);
        return copySlot;
    }

    private Result<?> freeSlot(long slot) {
        return vka.cspaceFree(slot);
    }

    private Result<?> deleteCopy(long slot) {
        return CapOps.delete(vka, slot);
    }

    /** Writes the new page and tables into the shadow (a critical section: no call out). */
    private void record(Process p, long vaddr, int frameRef, long capCopy, List<PagingStructure> tablesMade,
                        int fileBytes) {
        try {
            p.shadow().recordStructures(tablesMade);
            if (!p.shadow().recordPage(vaddr, frameRef, capCopy)) {
                // The mapping just made its tables, so only a bug can get here: say so, never lose the page.
                throw new IllegalStateException("no level-3 table recorded for a page just mapped");
            }
            framesMapped++;
            p.peakPages = Math.max(p.peakPages, p.shadow().pageCount());
            structuresCreated += tablesMade.size();
            if (fileBytes > 0) {
                imagePagesFilled++;
                imageBytesCopied += fileBytes;
            }
        } catch (Throwable t) {
            vka.sel4().guard().markBroken("SOS recording the page at 0x" + Long.toHexString(vaddr), t);
            throw t;
        }
    }

    /**
     * Gives the page at {@code vaddr} the rights of {@code region}, keeping its frame and contents
     * (for a PROT_NONE region too: the mapping is then the kernel's only, see {@link #capRights}):
     * the old cap copy (and with it the mapping) is deleted and a copy with the new rights mapped
     * in its slot, in the page tables already there. If the new mapping cannot be made the page is
     * unmapped and freed, so the process faults it in afresh rather than keep old rights: zeroed,
     * or for a page a program image fills, refilled from the image's bytes, as a first touch is.
     * Refused, changing nothing, for no process or one destroyed, no region or a bad address.
     */
    public Result<Void> remap(Process p, long vaddr, Region region) {
        Result<Void> bad = badPage(p, vaddr, region);
        if (bad != null) {
            return bad;
        }
        PageEntry e = p.shadow().page(vaddr);
        if (e == null) {
            return Result.done();
        }
        Result<Void> deleted = CapOps.delete(vka, e.capCopy());
        if (!deleted.isOk()) {
            return deleted;
        }
        CapRights rights = capRights(region);
        Result<Void> copied = CapOps.copy(vka, e.capCopy(), frames.frameCap(e.frameRef()), rights);
        if (copied.isOk()) {
            long attributes = attributes(region);
            // a clean page stays clean under its new rights: mapped without write while it is
            Result<List<PagingStructure>> mapped = PageMapper.map(vka.sel4(), tables, e.capCopy(), p.vspaceCptr(),
                    vaddr, pager == null ? cow.rights(p, vaddr, rights) : pager.rights(new UserPage(p, vaddr), region),
                    attributes);
            if (mapped.isOk()) {
                p.shadow().recordStructures(mapped.value());
                if (pager != null) {
                    // an unreferenced page is mapped again by this: it is referenced
                    pager.referenced(new UserPage(p, vaddr));
                }
                return Result.done();
            }
            CapOps.delete(vka, e.capCopy());
            unmap(p, vaddr);
            return mapped.asFailure();
        }
        unmap(p, vaddr);
        return copied;
    }

    /**
     * The 4-byte word at {@code vaddr} of {@code p}, read from its frame through SOS's window (as
     * SOS reads a stopped process's memory), or -1 when no page is mapped there (or no process is given).
     */
    public long readWord(Process p, long vaddr) {
        if (p == null) {
            return -1;
        }
        int ref = p.shadow().frameRef(vaddr & -4096L);
        if (ref == FrameTable.NULL_FRAME) {
            byte[] word = new byte[4];
            return peekUnmapped(p, vaddr & -4L, word) ? (word[0] & 0xFFL) | (word[1] & 0xFFL) << 8
                    | (word[2] & 0xFFL) << 16 | (word[3] & 0xFFL) << 24 : -1;
        }
        return frames.read(ref, vaddr & 0xFFC, 4);
    }

    /**
     * Reads {@code into.length} bytes at {@code vaddr} of a page with no frame, without bringing it
     * back: a shared page's from the frame its object holds (the process dropped its mapping, the
     * bytes stay), a paged-out page's from its slot, a page dropped clean in its initial state's
     * from those initial contents (as its next fault will give them). False for any other page.
     */
    private boolean peekUnmapped(Process p, long vaddr, byte[] into) {
        long pageVa = vaddr & -4096L;
        Region shared = p.addressSpace().find(pageVa);
        if (shared != null && shared.isShared()) {
            int held = shared.shared().frame(pageVa);
            return held != FrameTable.NULL_FRAME && frames.copy(held, vaddr & 4095, into, 0, into.length, false);
        }
        if (pager == null) {
            return false;
        }
        int slot = p.shadow().pagedOutSlot(pageVa);
        if (slot >= 0) {
            return pager.pageFile().peek(slot, (int) (vaddr & 4095), into, 0, into.length);
        }
        Region region = p.addressSpace().find(pageVa);
        if (region == null || !pager.droppedInitial(new UserPage(p, pageVa))) {
            return false;
        }
        Arrays.fill(into, (byte) 0);
        VaRange part = imageBytes(region, pageVa);
        long from = Math.max(vaddr, part.base());
        long to = Math.min(vaddr + into.length, part.end());
        if (from < to) {
            System.arraycopy(page, (int) (from - part.base()), into, (int) (from - vaddr), (int) (to - from));
        }
        return true;
    }

    /**
     * The {@code size} bytes (1..8, within one page) at {@code vaddr} of {@code p} as a
     * little-endian number, read through SOS's window without mapping anything: a paged-out page
     * from its slot, a page dropped clean in its initial state as those contents; empty when no
     * page is there (never touched, or unmapped) or the range leaves its page.
     */
    public OptionalLong peek(Process p, long vaddr, int size) {
        if (p == null || size < 1 || size > 8 || (vaddr & 4095) > 4096 - size) {
            return OptionalLong.empty();
        }
        int ref = p.shadow().frameRef(vaddr & -4096L);
        byte[] bytes = new byte[size];
        boolean read = ref == FrameTable.NULL_FRAME ? peekUnmapped(p, vaddr, bytes)
                : frames.copy(ref, vaddr & 4095, bytes, 0, size, false);
        if (!read) {
            return OptionalLong.empty();
        }
        long value = 0;
        for (int i = size - 1; i >= 0; i--) {
            value = (value << 8) | (bytes[i] & 0xFF);
        }
        return OptionalLong.of(value);
    }

    /**
     * Copies between SOS and the memory of a process that may be stopped (blocked in a system
     * call): through SOS's window on the process's frames, as SOS reaches a client's buffers, a
     * page not yet present being mapped first exactly as the fault handler would map it. Into the
     * process when {@code toProcess}. Out of the process, a page never touched that no program
     * image fills reads as zeros and stays unmapped, as Linux reads such a page through its shared
     * zero page: a write of never-touched memory costs no frames. The caller has checked that
     * every page is in a region with the rights the copy stands for; returns the bytes copied,
     * short only when a page could not be mapped (no memory).
     */
    public long copy(Process p, long vaddr, byte[] buffer, int off, int len, boolean toProcess) {
        if (p == null || buffer == null || off < 0 || len < 0 || off > buffer.length - len) {
            return 0;
        }
        long done = 0;
        while (done < len) {
            long va = vaddr + done;
            long page = va & -4096L;
            int ref = p.shadow().frameRef(page);
            int run = (int) Math.min(len - done, 4096 - (va & 4095));
            if (ref == FrameTable.NULL_FRAME) {
                Region region = p.addressSpace().find(page);
                if (!toProcess && region != null && badPage(p, page, region) == null && !filledByImage(region, page)
                        && p.shadow().pagedOutSlot(page) < 0
                        && (!region.isShared() || region.shared().frame(page) == FrameTable.NULL_FRAME)) {
                    Arrays.fill(buffer, off + (int) done, off + (int) done + run, (byte) 0);
                    done += run;
                    continue;
                }
                if (region == null || !mapUnmapped(p, page, region, toProcess).isOk()) {
                    return done;
                }
                p.pagesMappedForCalls++;
                ref = p.shadow().frameRef(page);
            } else if (toProcess) {
                if (cow.isProtected(p, page)) {
                    if (!unshared(p, page)) {
                        return done;
                    }
                    ref = p.shadow().frameRef(page); // a copy has a frame of its own
                }
                if (!dirtied(p, page)) {
                    return done;
                }
            }
            // No pin: nothing evicts during a frame copy, and the next page's fault may evict this
            // one only once its bytes are copied.
            if (!frames.copy(ref, va & 4095, buffer, off + (int) done, run, toProcess)) {
                return done;
            }
            done += run;
        }
        return done;
    }

    /**
     * Breaks the sharing of the resident page at {@code page} of {@code p} before SOS writes into
     * it through its window, a write the process's MMU never sees and so no copy-on-write fault
     * would catch: the page gets its own frame (or its write right, for the last sharer) first.
     * False when it could not (no frame): the write must not happen then.
     */
    private boolean unshared(Process p, long page) {
        Region region = p.addressSpace().find(page);
        return region != null && cow.breakShare(p, page, region, CowSharing.Cause.CALL).isOk();
    }

    /**
     * Makes the resident page at {@code page} of {@code p} dirty before SOS writes into it through
     * its window, a write the process's MMU never sees: every write of SOS into a process's
     * memory comes through {@link #copy}, and so through here. False when the page is clean and
     * could not be mapped writable (the write must not happen then).
     */
    private boolean dirtied(Process p, long page) {
        if (pager == null) {
            return true;
        }
        UserPage user = new UserPage(p, page);
        if (!pager.isClean(user)) {
            return true;
        }
        if (pager.unmapped(user)) {
            pager.dirtyUnmapped(user);
            return true;
        }
        return pager.makeDirty(user, p.addressSpace().find(page), false).isOk();
    }

    /**
     * Keeps {@code page} resident until as many {@link #unpin} calls, for a caller that must hold
     * a page's frame across a fault (SOS's own calls do not: they copy page by page). Pins nest;
     * without paging they mean nothing.
     */
    public void pin(UserPage page) {
        if (page != null && pager != null) {
            pager.pin(page);
        }
    }

    /** Pages pinned now (a pin ends with its page: unmapped, paged out never, its process gone). */
    public int pinnedPages() {
        return pager == null ? 0 : pager.pinnedPages();
    }

    /** Drops one pin of {@code page}; a page never pinned is left as it is. */
    public void unpin(UserPage page) {
        if (page != null && pager != null) {
            pager.unpin(page);
        }
    }

    /**
     * Puts the program image's bytes for the page at {@code vaddr} of {@code region} in
     * {@link #page}, from its start, and returns the addresses they are for: empty when no image
     * fills the page (its initial contents are then all zeros, as is the rest of a page the image
     * fills part of).
     */
    private VaRange imageBytes(Region region, long vaddr) {
        if (!filledByImage(region, vaddr)) {
            return new VaRange(vaddr, vaddr);
        }
        VaRange part = region.source().fileBytesIn(vaddr);
        int copied = region.source().copyFileBytes(part, page);
        return new VaRange(part.base(), part.base() + copied);
    }

    /** Whether mapping {@code page} of {@code region} would write a program image's bytes into it. */
    private static boolean filledByImage(Region region, long page) {
        return region.source() != null && !region.source().fileBytesIn(page).isEmpty();
    }

    /**
     * Unmaps the page at {@code vaddr} if one is mapped and frees its frame, unless another page
     * still shares it (nothing without a process).
     */
    public void unmap(Process p, long vaddr) {
        if (p == null) {
            return;
        }
        PageEntry e = p.shadow().removePage(vaddr);
        if (e == null) {
            int slot = pager == null ? -1 : p.shadow().removePagedOut(vaddr);
            if (slot >= 0) {
                pager.pageFile().free(slot);
            } else if (pager != null) {
                pager.forgetDropped(new UserPage(p, vaddr));
            }
            return;
        }
        if (pager != null) {
            pager.gone(new UserPage(p, vaddr));
        }
        try {
            CapOps.delete(vka, e.capCopy());
            vka.cspaceFree(e.capCopy());
            if (shared.holds(e.frameRef())) {
                // a shared object's frame stays the object's, its bytes kept, until the object dies
                shared.unmapped(e.frameRef());
            } else if (cow.released(p, vaddr, e.frameRef())) {
                // a frame shared copy-on-write goes back only with its last mapping (freeing it revokes every copy)
                frames.free(e.frameRef());
            }
        } catch (Throwable t) {
            vka.sel4().guard().markBroken("SOS unmapping 0x" + Long.toHexString(vaddr) + " of process " + p.pid(), t);
            throw t;
        }
    }

    /**
     * Unmaps every page in [base, end). When the regions there are gone (munmap and the like), a
     * shared object none of {@code p}'s regions names any more is let go of by it, and dies with
     * its last process.
     */
    public void unmapRange(Process p, long base, long end) {
        if (p == null) {
            return;
        }
        unmapPages(p, base, end);
        shared.recheck(p);
    }

    /**
     * {@link #unmapRange} of every range of {@code ranges} (what one munmap, MAP_FIXED or shrinking
     * break took away), and only then the shared objects looked at again: a range's pages may be
     * gone while another range still maps pages of an object none of the regions left names.
     */
    public void unmapRanges(Process p, List<VaRange> ranges) {
        if (p == null || ranges == null) {
            return;
        }
        for (VaRange range : ranges) {
            unmapPages(p, range.base(), range.end());
        }
        shared.recheck(p);
    }

    private void unmapPages(Process p, long base, long end) {
        // a small range (madvise on a few pages of a large process) looks its pages up one by one
        if (Long.compareUnsigned(end - base, (long) p.shadow().pageCount() * Layout.PAGE) < 0) {
            for (long va = Layout.pageDown(base); Long.compareUnsigned(va, end) < 0; va += Layout.PAGE) {
                unmap(p, va);
            }
            return;
        }
        for (long va : p.shadow().pageAddresses()) {
            if (va >= base && va < end) {
                unmap(p, va);
            }
        }
        for (long va : p.shadow().pagedOutAddresses(base, end)) {
            unmap(p, va);
        }
        if (pager != null) {
            for (long va : pager.droppedAddresses(p, base, end)) {
                unmap(p, va);
            }
        }
    }

    /**
     * Maps the page at {@code vaddr} of {@code region} for a system call that asks for it present
     * (madvise's MADV_POPULATE_READ and MADV_POPULATE_WRITE), counted as a fault the process took,
     * as Linux counts the faults such a call takes; a page mapped already is left as it is.
     */
    public Result<Void> mapForCall(Process p, long vaddr, Region region) {
        return mapForCall(p, vaddr, region, false);
    }

    /**
     * {@link #mapForCall} for MADV_POPULATE_WRITE when {@code write}: a page mapped already that
     * shares its frame copy-on-write gets its own first (or its write right back), as the store
     * Linux's populate simulates would give it.
     */
    public Result<Void> mapForCall(Process p, long vaddr, Region region, boolean write) {
        Result<Void> bad = badPage(p, vaddr, region);
        if (bad != null) {
            return bad;
        }
        if (p.shadow().frameRef(vaddr) != FrameTable.NULL_FRAME) {
            return write && region.write() && cow.isProtected(p, vaddr)
                    ? cow.breakShare(p, vaddr, region, CowSharing.Cause.CALL) : Result.done();
        }
        Result<Void> mapped = mapUnmapped(p, vaddr, region);
        if (mapped.isOk()) {
            p.pagesMappedForCalls++;
        }
        return mapped;
    }

    /**
     * Moves the pages mapped in [from, from + length) of {@code p} to the same offsets from
     * {@code to}, in {@code target}'s region and with its rights, keeping their frames and bytes
     * (mremap): each frame gets a new cap copy mapped at its new address (with any page tables
     * that needs), then, once every page has one, the old copies are deleted, which unmaps the old
     * addresses. A page that cannot be mapped at its new address undoes the copies made so far, so
     * a failed move leaves every page where it was. No page is faulted, allocated or freed, so no
     * count but the invocations moves; the tables made stay recorded for teardown.
     */
    public Result<Void> movePages(Process p, long from, long to, long length, Region target) {
        if (p == null || p.state() == ProcessState.DESTROYED || target == null) {
            return Result.fail(AllocErrorKind.BAD_ARGUMENT, "no process or no region to move pages into");
        }
        List<Long> moving = new ArrayList<>();
        for (long va : p.shadow().pageAddresses()) {
            if (va >= from && va < from + length) {
                moving.add(va);
            }
        }
        CapRights rights = capRights(target);
        CapRights cleanRights = target.write() ? CapRights.READ_ONLY : rights;
        long attributes = attributes(target);
        List<Long> moved = new ArrayList<>();
        Result<Void> failure = null;
        // a throwable part-way would leave a frame mapped twice: the machine is marked broken
        try {
            for (long va : moving) {
                long newVa = to + (va - from);
                PageEntry e = p.shadow().page(va);
                long slot = vka.cspaceAllocSlot();
                if (slot < 0) {
                    failure = Result.fail(vka.cspaceSlotRefusal());
                    break;
                }
                Result<Void> copied = CapOps.copy(vka, slot, frames.frameCap(e.frameRef()), rights);
                if (!copied.isOk()) {
                    vka.cspaceFree(slot);
                    failure = copied;
                    break;
                }
                // clean at its new address only against a kept slot (see Pager.staysClean)
                boolean clean = pager != null && pager.staysClean(new UserPage(p, va), evictable(target));
                Result<List<PagingStructure>> mapped = PageMapper.map(vka.sel4(), tables, slot, p.vspaceCptr(), newVa,
                        clean ? cleanRights : cow.rights(p, va, rights), attributes);
                if (!mapped.isOk()) {
                    CapOps.delete(vka, slot);
                    vka.cspaceFree(slot);
                    failure = mapped.asFailure();
                    break;
                }
                p.shadow().recordStructures(mapped.value());
                structuresCreated += mapped.value().size();
                if (!p.shadow().recordPage(newVa, e.frameRef(), slot)) {
                    throw new IllegalStateException("no level-3 table recorded for a page just mapped");
                }
                moved.add(va);
            }
            if (failure != null) {
                for (long va : moved) {
                    PageEntry e = p.shadow().removePage(to + (va - from));
                    CapOps.delete(vka, e.capCopy());
                    vka.cspaceFree(e.capCopy());
                }
                return failure;
            }
            for (long va : moving) {
                PageEntry e = p.shadow().removePage(va);
                CapOps.delete(vka, e.capCopy());
                vka.cspaceFree(e.capCopy());
                // the frame keeps its count: the new mapping replaces the old one
                cow.moved(p, va, to + (va - from));
            }
            if (pager != null) {
                // a moved page keeps its frame, so its age and reference bit too
                for (long va : moving) {
                    pager.moved(new UserPage(p, va), new UserPage(p, to + (va - from)), evictable(target));
                }
                // a paged-out page moves with its slot: no I/O, and its next fault reads it in at the new place
                for (long va : p.shadow().pagedOutAddresses(from, from + length)) {
                    p.shadow().recordPagedOut(to + (va - from), p.shadow().removePagedOut(va));
                }
                // a dropped page too: its next fault gives it its new place's initial contents
                for (long va : pager.droppedAddresses(p, from, from + length)) {
                    pager.movedDropped(new UserPage(p, va), new UserPage(p, to + (va - from)));
                }
            }
        } catch (Throwable t) {
            vka.sel4().guard().markBroken("SOS moving the pages of process " + p.pid(), t);
            throw t;
        }
        return Result.done();
    }

    /**
     * Fork's eager copy: gives {@code child}, whose regions are a copy of {@code parent}'s and
     * which has no page yet, every page {@code parent} has, each reading the same. A resident
     * page (mapped, or unreferenced by the policy) gets a frame of the child's own holding a copy
     * of its bytes, mapped with its region's rights. With paging, a paged-out page gets a page-file
     * slot of the child's own holding a copy (no frame; its first touch reads it in), or a frame
     * when the page file is full; a page dropped in its initial state stays so in the child (its
     * first touch makes it again). A page the parent never touched stays untouched in the child:
     * it faults in later from the image or as zeros, as in the parent.
     *
     * <p>A copied resident page is dirty: its bytes are in its frame only (the parent's kept slot,
     * if any, stays the parent's), so evicting it must write it. Clean in its initial state would
     * be exact only for a copy of a page still clean in its initial state, and would save one
     * write at its eviction; dirty is right for every page.
     *
     * <p>Pages are copied in address order, so a run repeats. A failure returns at once, leaving the
     * pages copied so far in the child: the caller destroys the child, which gives them all back.
     * A copy that finds the frame table full evicts, as any fault does; a parent page it evicts
     * stays evicted (its contents unchanged) when the fork then fails.
     */
    public Result<Void> copyPages(Process parent, Process child) {
        if (parent == null || child == null || parent == child || parent.state() == ProcessState.DESTROYED
                || child.state() == ProcessState.DESTROYED) {
            return Result.fail(AllocErrorKind.BAD_ARGUMENT, "fork copies from one live process to another");
        }
        if (child.shadow().pageCount() != 0 || child.shadow().pagedOutCount() != 0) {
            return Result.fail(AllocErrorKind.BAD_ARGUMENT, "process " + child.pid() + " has pages already");
        }
        // every page the parent has now; a copy that evicts one of them moves it to the page file
        // or drops it, and its turn reads it from there
        java.util.TreeSet<Long> all = new java.util.TreeSet<>(Long::compareUnsigned);
        all.addAll(parent.shadow().pageAddresses());
        all.addAll(parent.shadow().pagedOutAddresses());
        if (pager != null) {
            all.addAll(pager.droppedAddresses(parent, 0, -1L));
        }
        for (long va : all) {
            Region region = child.addressSpace().find(va);
            if (region == null) {
                return Result.fail(AllocErrorKind.BAD_ARGUMENT, "page 0x" + Long.toHexString(va) + " of process "
                        + parent.pid() + " is in no region of process " + child.pid());
            }
            if (region.isShared()) {
                // the child's touch maps the object's frame: shared memory is never copied
                continue;
            }
            Result<Void> copied = copyPage(parent, child, va, region);
            if (!copied.isOk()) {
                return copied;
            }
        }
        return Result.done();
    }

    /** {@link #copyPages} of the page at {@code va}, as the parent holds it now. */
    private Result<Void> copyPage(Process parent, Process child, long va, Region region) {
        PageEntry e = parent.shadow().page(va);
        if (e != null) {
            if (!frames.copy(e.frameRef(), 0, forkPage, 0, forkPage.length, false)) {
                return Result.fail(AllocErrorKind.BAD_ARGUMENT, "frame " + e.frameRef() + " of page 0x"
                        + Long.toHexString(va) + " of process " + parent.pid() + " cannot be read");
            }
            return mapChecked(child, va, region, forkPage, -1, true);
        }
        if (pager == null) {
            return Result.done();
        }
        int slot = parent.shadow().pagedOutSlot(va);
        if (slot >= 0) {
            PageFile file = pager.pageFile();
            if (!file.read(slot, forkPage, 0)) {
                return Result.fail(AllocErrorKind.BAD_ARGUMENT, "page-file slot " + slot + " of 0x"
                        + Long.toHexString(va) + " is not in use");
            }
            int own = file.alloc();
            if (own < 0) {
                // the page file is full: a frame holds the child's copy
                return mapChecked(child, va, region, forkPage, -1, true);
            }
            file.write(own, forkPage, 0);
            child.shadow().recordPagedOut(va, own);
            return Result.done();
        }
        pager.copiedDropped(new UserPage(parent, va), new UserPage(child, va));
        return Result.done();
    }

    /** Unmaps every page and frees every paging structure of the process. */
    public void tearDown(Process p) {
        if (p == null) {
            return;
        }
        for (long va : p.shadow().pageAddresses()) {
            unmap(p, va);
        }
        for (long va : p.shadow().pagedOutAddresses()) {
            unmap(p, va);
        }
        if (pager != null) {
            for (long va : pager.droppedAddresses(p, 0, -1L)) {
                unmap(p, va);
            }
        }
        p.shadow().drainStructures(t -> VkaObjects.free(vka,
                new VkaObject(t.cptr(), t.cookie(), org.capbuddy.kernel.api.ObjectType.PAGE_TABLE, 0)));
        // every page is unmapped: the objects it alone named die, their frames freed
        shared.detach(p);
    }

    /** Whether SOS pages to a page file. */
    public boolean paging() {
        return pager != null;
    }

    /** The page file, or null without paging. */
    public PageFile pageFile() {
        return pager == null ? null : pager.pageFile();
    }

    /** The replacement policy, or null without paging. */
    public ReplacementPolicy<UserPage> policy() {
        return pager == null ? null : pager.policy();
    }

    /** Page-file slots in use (0 without paging): part of the machine's balance. */
    public int pageFileSlotsInUse() {
        return pager == null ? 0 : pager.pageFile().slotsInUse();
    }

    /** Lets {@code observer} watch page-outs, page-ins and soft faults (null: none). */
    public void setObserver(PagingObserver observer) {
        if (pager != null) {
            pager.setObserver(observer);
        }
    }

    /** Pages written to the page file to free their frames (and not put back by an undone fault). */
    public long pageOuts() {
        return pager == null ? 0 : pager.pageOuts();
    }

    /** Pages read back from the page file by a fault or a call. */
    public long pageIns() {
        return pager == null ? 0 : pager.pageIns();
    }

    /** Faults on unreferenced pages, served by mapping their frames again without I/O. */
    public long softFaults() {
        return pager == null ? 0 : pager.softFaults();
    }

    /** Pages the policy unmapped to clear their reference bits. */
    public long pagesUnreferenced() {
        return pager == null ? 0 : pager.pagesUnreferenced();
    }

    /** Clean pages evicted without a write (their kept slot or their initial contents hold them): writes saved. */
    public long cleanDrops() {
        return pager == null ? 0 : pager.cleanDrops();
    }

    /** Stores to clean pages, each a permission fault SOS served by mapping the page writable. */
    public long dirtyFaults() {
        return pager == null ? 0 : pager.dirtyFaults();
    }

    /** Kept slots taken from clean pages for dirty victims when the page file was full. */
    public long slotsReclaimed() {
        return pager == null ? 0 : pager.slotsReclaimed();
    }

    /** Resident pages that are clean now (0 without paging). */
    public int cleanPages() {
        return pager == null ? 0 : pager.cleanPages();
    }

    /** Whether the resident page at {@code vaddr} of {@code p} is clean (false without paging or a page). */
    public boolean isClean(Process p, long vaddr) {
        return pager != null && p != null && pager.isClean(new UserPage(p, vaddr));
    }

    /**
     * The page-file slot the clean resident page at {@code vaddr} of {@code p} is kept against;
     * -1 when that page is clean in its initial state (image bytes or zeros), dirty, not resident,
     * or SOS does not page ({@link #isClean} tells these apart).
     */
    public int keptSlot(Process p, long vaddr) {
        return pager == null || p == null ? -1 : pager.keptSlot(new UserPage(p, vaddr));
    }

    /** Frames mapped into processes: by faults and calls, fork's eager copies, and copy-on-write copies. */
    public long framesMapped() {
        return framesMapped + cow.copies();
    }

    /** Page tables made for processes, those fork's sharing made included. */
    public long structuresCreated() {
        return structuresCreated + cow.structuresCreated();
    }

    /** Pages that got bytes of a program image when first touched (a page of only .bss gets none). */
    public long imagePagesFilled() {
        return imagePagesFilled;
    }

    /** Bytes copied from program images into frames, over all processes. */
    public long imageBytesCopied() {
        return imageBytesCopied;
    }
}
