package org.capbuddy.sos.process;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.capbuddy.kernel.api.CapRights;
import org.capbuddy.kernel.trace.TraceKind;
import org.capbuddy.kernel.trace.Tracer;
import org.capbuddy.libos.vka.AllocError;
import org.capbuddy.libos.vka.AllocErrorKind;
import org.capbuddy.libos.vka.CapOps;
import org.capbuddy.libos.vka.Result;
import org.capbuddy.libos.vka.UndoLog;
import org.capbuddy.libos.vka.Vka;
import org.capbuddy.libos.vspace.PageMapper;
import org.capbuddy.libos.vspace.PagingStructure;
import org.capbuddy.sos.addrspace.Region;
import org.capbuddy.sos.frametable.FrameTable;
import org.capbuddy.sos.frametable.VkaTables;
import org.capbuddy.sos.paging.PageFile;
import org.capbuddy.sos.paging.ReplacementPolicy;
import org.capbuddy.sos.shadow.PageEntry;

/**
 * SOS's pager, the part of {@link ProcessPages} that pages: it chooses and evicts a victim for a
 * fault that finds the frame table full (its bytes to a page-file slot, its mapping cap deleted,
 * its frame and cap slot handed to the fault), reads paged-out pages back, notes soft faults,
 * keeps pins and counts, and tells the trace and the observer once a fault completes. Each step
 * it takes inside a fault is pushed on the fault's undo log, so an undone fault leaves the
 * policy, the page file (its counts too) and every page as they were.
 *
 * <p>It also tracks which resident pages are dirty, as seL4 gives no dirty bits: a clean page is
 * mapped without the write right (see {@link #rights}), so the first store to it is a permission
 * fault, a dirty fault, that SOS notes before mapping the page writable. A clean page is clean
 * against the page-file slot it was read back from (kept while it stays clean) or against its
 * initial contents (program-image bytes or zeros); evicting it writes nothing.
 */
final class Pager {
    private final Vka vka;
    private final FrameTable frames;
    private final VkaTables tables;
    private final UndoLog.Action restoreVictim = (unused, none, evicted) -> restore((Evicted) evicted);
    private final UndoLog.Action retakeSlot = (slot, unused, bytes) -> retake((int) slot, (byte[]) bytes);
    private final UndoLog.Action undoSearch = (unused, none, search) -> undoSearch((Search) search);
    private final UndoLog.Action unread = (unused, none, nothing) -> unread();
    private final UndoLog.Action unreclaim = (unused, none, reclaimed) -> unreclaim((Reclaimed) reclaimed);

    /** A clean page's slot when its bytes are still those its first fault gave it (image bytes or zeros). */
    static final int INITIAL = -1;

    private final PageFile pageFile;
    private final ReplacementPolicy<UserPage> policy;
    /** Pages that may not be evicted now, with how many holders each has. */
    private final Map<UserPage, Integer> pins = new HashMap<>();
    /** The victim search under way, or null. */
    private Search search;
    private final ReplacementPolicy.Scan<UserPage> scan = new ReplacementPolicy.Scan<>() {
        @Override
        public boolean pinned(UserPage page) {
            boolean pinned = pins.containsKey(page);
            if (pinned) {
                search.pinned.add(page);
            }
            return pinned;
        }

        @Override
        public boolean unreference(UserPage page) {
            if (unreferencePage(page)) {
                search.unmapped.add(page);
                return true;
            }
            search.unmapFailed.add(page);
            return false;
        }

        @Override
        public boolean clean(UserPage page) {
            return clean.containsKey(page);
        }
    };
    /** A victim's bytes on their way to the page file. */
    private final byte[] outPage = new byte[PageFile.SLOT_BYTES];
    /** A paged-out page's bytes on their way back to a frame. */
    private final byte[] inPage = new byte[PageFile.SLOT_BYTES];
    private long pageOuts;
    private long pageIns;
    private long softFaults;
    private long unreferenced;
    private long cleanDrops;
    private long dirtyFaults;
    private long slotsReclaimed;
    /** Resident pages the policy unreferenced that are unmapped now (a touch would be a soft fault). */
    private final Set<UserPage> unmapped = new HashSet<>();
    /**
     * Clean resident pages, each with the page-file slot that holds its bytes or {@link #INITIAL};
     * a resident page not here is dirty. In the order they became clean, so that a full page
     * file reclaims kept slots in an order that repeats from run to run.
     */
    private final Map<UserPage, Integer> clean = new LinkedHashMap<>();
    /**
     * Pages dropped clean in their initial state and not touched since: no frame and no slot
     * holds them, their next fault gives them their initial contents again, and a look at them
     * ({@link ProcessPages#peek}) reads those.
     */
    private final Set<UserPage> droppedInitial = new HashSet<>();
    private ProcessPages.PagingObserver observer;

    /**
     * What one victim search did: the pages it unreferenced (unmapped), which an undone fault maps
     * again, and why it may have found none (pinned pages seen, unmaps that failed).
     */
    static final class Search {
        final List<UserPage> unmapped = new ArrayList<>();
        /** The page taken out, once it is: {@link #restore} then maps it again, not {@link #undoSearch}. */
        UserPage evicted;
        /** Pinned pages the search passed, and pages it could not unmap: each once, though the hand passes it twice. */
        final Set<UserPage> pinned = new HashSet<>();
        final Set<UserPage> unmapFailed = new HashSet<>();
    }

    /** How a victim left memory. */
    enum Departure {
        /** Dirty: its bytes written to a new page-file slot. */
        WRITTEN,
        /** Clean against the page-file slot it kept: dropped, that slot holds it. */
        DROPPED_KEPT,
        /** Clean in its initial state: dropped, its next fault makes it again. */
        DROPPED_INITIAL
    }

    /**
     * A victim taken out for a new page: which page, the frame and cap slot it gave up, the
     * page-file slot it went to (the slot written, its kept slot, or {@link #INITIAL} when
     * dropped in its initial state), how it left, whether it was mapped (not unreferenced and
     * unmapped) before, its bytes when dropped in its initial state (for an undo), and whether
     * the fault's own kept slot was taken for it (the new page is then dirty).
     */
    record Evicted(UserPage page, PageEntry entry, int slot, Departure departure, boolean wasMapped, byte[] bytes,
                   boolean ownSlotTaken) {
        /** Whether the victim left memory without a write. */
        boolean dropped() {
            return departure != Departure.WRITTEN;
        }
    }

    /** A kept slot a dirty victim took from a clean page: the page, its slot and bytes, and whether it was mapped (made writable). */
    private record Reclaimed(UserPage page, int slot, byte[] bytes, boolean wasMapped) {
    }

    Pager(Vka vka, FrameTable frames, VkaTables tables, PageFile pageFile, ReplacementPolicy<UserPage> policy) {
        this.vka = vka;
        this.frames = frames;
        this.tables = tables;
        this.pageFile = pageFile;
        this.policy = policy;
    }

    /** Reads slot {@code slot} for a page-in, counted; its bytes, or null when the slot is not in use. */
    byte[] readIn(int slot) {
        return pageFile.read(slot, inPage, 0) ? inPage : null;
    }

    /** Pushes the undo of {@link #readIn}'s count. */
    void pushUnread(UndoLog log) {
        log.push(unread, 0, 0);
    }

    /**
     * Frees a paged-in page's slot before its fault completes, so the victim may take it; undone
     * with its bytes. Those are the array the page file held, handed over as it lets the slot go:
     * no copy on the fault's path (retake copies them back only if the fault is undone).
     */
    void freeEarly(int slot, UndoLog log) {
        byte[] bytes = pageFile.release(slot);
        log.push(retakeSlot, slot, 0, bytes);
    }

    /** The page at {@code vaddr} of {@code p}, unreferenced, was mapped again (frame {@code ref}): a soft fault. */
    void softFaulted(Process p, long vaddr, int ref) {
        UserPage page = new UserPage(p, vaddr);
        unmapped.remove(page);
        policy.referenced(page);
        softFaults++;
        Tracer tracer = vka.sel4().tracer();
        if (tracer.on(TraceKind.FAULTS)) {
            tracer.emit(TraceKind.FAULTS, p.pid(), p.instructionsNow(), "soft_fault", "page", vaddr, "frame", ref);
        }
        if (observer != null) {
            observer.softFault(page);
        }
    }

    /** {@code page} was mapped again by a change of rights: it is referenced. */
    void referenced(UserPage page) {
        unmapped.remove(page);
        policy.referenced(page);
    }

    /** {@code page} is no longer resident (unmapped, its process gone). */
    void gone(UserPage page) {
        unmapped.remove(page);
        Integer kept = clean.remove(page);
        if (kept != null && kept >= 0) {
            pageFile.free(kept);
        }
        pins.remove(page); // a pin holds a resident page; this one is no longer there to hold
        policy.gone(page);
    }

    /**
     * Whether {@code from}, moved by mremap to a region SOS may evict from, stays clean: only
     * against a kept slot, as its initial contents are those of its old address, not its new one.
     */
    boolean staysClean(UserPage from, boolean evictable) {
        Integer kept = clean.get(from);
        return evictable && kept != null && kept >= 0;
    }

    /**
     * mremap moved {@code from}'s frame to {@code to}: renamed in place, or forgotten if {@code to}
     * may not be evicted; clean at its new address only as {@link #staysClean} says, its kept
     * slot freed otherwise.
     */
    void moved(UserPage from, UserPage to, boolean evictable) {
        boolean stays = staysClean(from, evictable);
        Integer kept = clean.remove(from);
        if (stays) {
            clean.put(to, kept);
        } else if (kept != null && kept >= 0) {
            pageFile.free(kept);
        }
        // mapped at its new address: no longer one a touch would soft-fault
        unmapped.remove(from);
        Integer holders = pins.remove(from);
        if (holders != null) {
            pins.put(to, holders); // the pin holds the frame, which is at its new address now
        }
        if (evictable) {
            policy.rename(from, to);
        } else {
            policy.gone(from);
        }
    }

    void pin(UserPage page) {
        pins.merge(page, 1, Integer::sum);
    }

    /** Pages pinned now. */
    int pinnedPages() {
        return pins.size();
    }

    void unpin(UserPage page) {
        pins.computeIfPresent(page, (k, n) -> n == 1 ? null : n - 1);
    }

    PageFile pageFile() {
        return pageFile;
    }

    ReplacementPolicy<UserPage> policy() {
        return policy;
    }

    void setObserver(ProcessPages.PagingObserver observer) {
        this.observer = observer;
    }

    long pageOuts() {
        return pageOuts;
    }

    long pageIns() {
        return pageIns;
    }

    long softFaults() {
        return softFaults;
    }

    long pagesUnreferenced() {
        return unreferenced;
    }

    long cleanDrops() {
        return cleanDrops;
    }

    long dirtyFaults() {
        return dirtyFaults;
    }

    long slotsReclaimed() {
        return slotsReclaimed;
    }

    /** Clean resident pages now. */
    int cleanPages() {
        return clean.size();
    }

    /** Tells the trace ({@code faults}) and the observer that {@code victim} went out, giving up frame {@code ref}. */
    void pagedOut(Evicted victim, int ref) {
        policy.gone(victim.page());
        Process owner = victim.page().process();
        Tracer tracer = vka.sel4().tracer();
        if (tracer.on(TraceKind.FAULTS)) {
            tracer.emit(TraceKind.FAULTS, owner.pid(), owner.instructionsNow(), victim.dropped() ? "page_drop"
                    : "page_out", "page", victim.page().vaddr(), "slot", victim.slot(), "frame", ref);
        }
        if (observer != null) {
            observer.pagedOut(victim.page(), victim.slot());
        }
    }

    /** Tells the trace and the observer that the page at {@code vaddr} of {@code p} came back from {@code slot} into frame {@code ref}. */
    void pagedIn(Process p, long vaddr, int slot, int ref) {
        Tracer tracer = vka.sel4().tracer();
        if (tracer.on(TraceKind.FAULTS)) {
            tracer.emit(TraceKind.FAULTS, p.pid(), p.instructionsNow(), "page_in", "page", vaddr, "slot", slot,
                    "frame", ref);
        }
        if (observer != null) {
            observer.pagedIn(new UserPage(p, vaddr), slot);
        }
    }

    /**
     * A page just mapped joins the policy (unless it is SOS's own), clean or not; a paged-in one
     * gives its slot up unless it keeps it, clean, or gave it up already ({@code slotFreed}: the
     * slot may hold the victim's page now).
     */
    void admit(Process p, long vaddr, Region region, int fromSlot, boolean slotFreed, boolean isClean) {
        UserPage page = new UserPage(p, vaddr);
        droppedInitial.remove(page);
        if (ProcessPages.evictable(region)) {
            policy.resident(page);
            if (isClean) {
                clean.put(page, fromSlot >= 0 ? fromSlot : INITIAL);
            }
        }
        if (fromSlot >= 0) {
            p.shadow().removePagedOut(vaddr);
            if (!slotFreed && !isClean) {
                pageFile.free(fromSlot);
            }
            pageIns++;
        }
    }

    /** Whether {@code page} was dropped clean in its initial state and has not been touched or unmapped since. */
    boolean droppedInitial(UserPage page) {
        return droppedInitial.contains(page);
    }

    /** {@code page}, not resident, was unmapped (munmap, MADV_DONTNEED, brk): no longer a dropped page. */
    void forgetDropped(UserPage page) {
        droppedInitial.remove(page);
    }

    /** The addresses in [base, end) of {@code p}'s pages dropped in their initial state. */
    List<Long> droppedAddresses(Process p, long base, long end) {
        List<Long> found = new ArrayList<>();
        for (UserPage page : droppedInitial) {
            if (page.process() == p && Long.compareUnsigned(page.vaddr(), base) >= 0
                    && Long.compareUnsigned(page.vaddr(), end) < 0) {
                found.add(page.vaddr());
            }
        }
        return found;
    }

    /**
     * Fork copied {@code parent}'s page, dropped in its initial state, to {@code child}: the
     * child's is in that state too (no frame, no slot), so a look at it reads the same contents.
     */
    void copiedDropped(UserPage parent, UserPage child) {
        if (droppedInitial.contains(parent)) {
            droppedInitial.add(child);
        }
    }

    /** mremap moved the dropped page {@code from} to {@code to}: its next fault there gives {@code to}'s initial contents. */
    void movedDropped(UserPage from, UserPage to) {
        if (droppedInitial.remove(from)) {
            droppedInitial.add(to);
        }
    }

    /** Whether {@code page} is resident and clean. */
    boolean isClean(UserPage page) {
        return clean.containsKey(page);
    }

    /** The slot the clean page {@code page} is kept against; -1 when it is clean in its initial state, dirty or gone. */
    int keptSlot(UserPage page) {
        Integer kept = clean.get(page);
        return kept == null ? -1 : kept;
    }

    /** The rights {@code page} of {@code region} is mapped with: the region's, less write while the page is clean. */
    CapRights rights(UserPage page, Region region) {
        return region.write() && clean.containsKey(page) ? CapRights.READ_ONLY : ProcessPages.capRights(region);
    }

    /**
     * Makes the clean page {@code page} of {@code region} dirty, as a store or a write of SOS's
     * own is about to change it: mapped writable again (unless the policy left it unmapped: its
     * soft fault will map it so) and its kept slot freed, its copy stale from now on. A dirty
     * fault ({@code fault}) is counted and traced. Fails, changing nothing, when the remap does;
     * a page already dirty is left as it is.
     */
    Result<Void> makeDirty(UserPage page, Region region, boolean fault) {
        Integer kept = clean.get(page);
        if (kept == null) {
            return Result.done();
        }
        Process p = page.process();
        PageEntry e = p.shadow().page(page.vaddr());
        if (e == null) {
            return Result.fail(AllocErrorKind.BAD_ARGUMENT, "0x" + Long.toHexString(page.vaddr()) + " is not resident");
        }
        if (!unmapped.contains(page)) {
            Result<Void> mapped = mapAgain(page, region, e, ProcessPages.capRights(region));
            if (!mapped.isOk()) {
                return mapped;
            }
        }
        clean.remove(page);
        if (kept >= 0) {
            pageFile.free(kept);
        }
        if (fault) {
            dirtyFaults++;
            Tracer tracer = vka.sel4().tracer();
            if (tracer.on(TraceKind.FAULTS)) {
                tracer.emit(TraceKind.FAULTS, p.pid(), p.instructionsNow(), "dirty_fault", "page", page.vaddr(),
                        "slot", kept, "frame", e.frameRef());
            }
        }
        return Result.done();
    }

    /** Page_Map of a mapped page's cap copy at the same place: seL4's remap, which changes only its rights. */
    private Result<Void> mapAgain(UserPage page, Region region, PageEntry e, CapRights rights) {
        long attributes = ProcessPages.attributes(region);
        Result<List<PagingStructure>> mapped = PageMapper.map(vka.sel4(), tables, e.capCopy(),
                page.process().vspaceCptr(), page.vaddr(), rights, attributes);
        if (!mapped.isOk()) {
            return mapped.asFailure();
        }
        page.process().shadow().recordStructures(mapped.value());
        return Result.done();
    }

    /** A page the policy unreferenced, clean, is touched by a store: it is dirty, and its soft fault maps it writable. */
    void dirtyUnmapped(UserPage page) {
        Integer kept = clean.remove(page);
        if (kept != null && kept >= 0) {
            pageFile.free(kept);
        }
    }

    /** Whether the policy left {@code page} unmapped (its next touch a soft fault). */
    boolean unmapped(UserPage page) {
        return unmapped.contains(page);
    }

    /**
     * Takes the page the policy chooses out of memory for a new page. A dirty victim's bytes go
     * to a new page-file slot; a clean one is dropped without a write, its shadow entry replaced
     * by its kept slot or, in its initial state, by nothing (its next touch is a first fault
     * again). Its mapping cap is deleted (unmapping it). Its frame (still live, still in SOS's
     * window) and its cap slot (now empty) are the caller's; {@link #restore} puts it all back.
     * When a dirty victim finds the page file full, it gets a slot in this order: the fault's own
     * kept slot ({@code ownSlot}, -1 for none: the new page is then dirty), then the kept slot of
     * the oldest clean resident page (by when it became clean; that page is then dirty, mapped
     * writable). When neither is there, the dirty victim stays and a clean page goes instead:
     * the first clean, unpinned page in the policy's order ({@link ReplacementPolicy#cleanVictim}:
     * the oldest for FIFO, the first from the hand for the clocks, whatever its reference bit),
     * dropped without a write. Fails, changing nothing, when every resident page is pinned, no
     * slot can be had and no page is clean, or a step fails.
     */
    Result<Evicted> evict(AllocError full, UndoLog log, int ownSlot) {
        // a full page file and nothing clean to drop or reclaim: no search that unmaps pages for nothing
        if (pageFileIsFull() && clean.isEmpty() && ownSlot < 0) {
            return Result.fail(AllocErrorKind.OUT_OF_MEMORY, pageFileFull(full));
        }
        Search done = new Search();
        search = done;
        UserPage victim;
        try {
            victim = policy.victim(scan);
        } finally {
            search = null;
        }
        log.push(undoSearch, 0, 0, done);
        if (victim == null) {
            return Result.fail(AllocErrorKind.OUT_OF_MEMORY, full.detail() + " and no resident page may be paged"
                    + " out: " + noVictim(done));
        }
        boolean ownSlotTaken = false;
        if (!clean.containsKey(victim) && pageFileIsFull()) {
            if (ownSlot >= 0) {
                // the slot of the page faulting in is free to take: it holds that page's bytes, read already
                freeEarly(ownSlot, log);
                ownSlotTaken = true;
            } else if (!reclaim(log)) {
                victim = cleanInstead(done);
                if (victim == null) {
                    return Result.fail(AllocErrorKind.OUT_OF_MEMORY, pageFileFull(full)
                            + " and no clean resident page may go instead");
                }
            }
        }
        Process vp = victim.process();
        PageEntry e = vp.shadow().page(victim.vaddr());
        Integer kept = clean.get(victim);
        Departure departure = kept == null ? Departure.WRITTEN
                : kept == INITIAL ? Departure.DROPPED_INITIAL : Departure.DROPPED_KEPT;
        // a page its kept slot holds is not read: only one to be written, or kept for an undo
        boolean read = departure != Departure.DROPPED_KEPT;
        if (e == null || read && !frames.copy(e.frameRef(), 0, outPage, 0, outPage.length, false)) {
            return Result.fail(AllocErrorKind.KERNEL, "reading the victim page 0x" + Long.toHexString(victim.vaddr())
                    + " of process " + vp.pid() + " through SOS's window");
        }
        int slot;
        if (departure != Departure.WRITTEN) {
            slot = kept;
        } else {
            slot = pageFile.alloc();
            if (slot < 0) {
                return Result.fail(AllocErrorKind.OUT_OF_MEMORY, pageFileFull(full));
            }
            if (!pageFile.write(slot, outPage, 0)) {
                pageFile.unalloc(slot);
                return Result.fail(AllocErrorKind.KERNEL, "writing the victim page 0x"
                        + Long.toHexString(victim.vaddr()) + " to page-file slot " + slot);
            }
        }
        Result<Void> deleted = CapOps.delete(vka, e.capCopy());
        if (!deleted.isOk()) {
            if (departure == Departure.WRITTEN) {
                pageFile.unwrite(slot);
            }
            return deleted.asFailure();
        }
        try {
            vp.shadow().removePage(victim.vaddr());
            if (slot >= 0) {
                vp.shadow().recordPagedOut(victim.vaddr(), slot);
            } else {
                droppedInitial.add(victim);
            }
            if (departure == Departure.WRITTEN) {
                pageOuts++;
            } else {
                clean.remove(victim);
                cleanDrops++;
            }
        } catch (Throwable t) {
            vka.sel4().guard().markBroken("SOS recording page 0x" + Long.toHexString(victim.vaddr()) + " paged out", t);
            throw t;
        }
        // mapped before unless unreferenced by an earlier search (this one's unmaps are its own to undo)
        boolean wasMapped = !unmapped.remove(victim) || done.unmapped.contains(victim);
        byte[] initial = departure == Departure.DROPPED_INITIAL ? outPage.clone() : null;
        Evicted evicted = new Evicted(victim, e, slot, departure, wasMapped, initial, ownSlotTaken);
        log.push(restoreVictim, 0, 0, evicted);
        done.evicted = victim;
        return Result.ok(evicted);
    }

    private boolean pageFileIsFull() {
        return pageFile.slotsInUse() == pageFile.capacity();
    }

    /** The clean page to drop instead of a dirty victim no slot is left for, or null (see {@link #evict}). */
    private UserPage cleanInstead(Search done) {
        search = done;
        try {
            return policy.cleanVictim(scan);
        } finally {
            search = null;
        }
    }

    private String pageFileFull(AllocError full) {
        return full.detail() + " and the page file is full (" + pageFile.capacity() + " pages)";
    }

    /**
     * Frees the kept slot of the oldest clean resident page for a dirty victim: that page is dirty
     * from now on (it must be written when evicted), so it is mapped writable unless the policy
     * left it unmapped. False, changing nothing, when no clean page keeps a slot or its remap fails.
     */
    private boolean reclaim(UndoLog log) {
        UserPage page = null;
        int slot = -1;
        for (Map.Entry<UserPage, Integer> c : clean.entrySet()) {
            if (c.getValue() >= 0) {
                page = c.getKey();
                slot = c.getValue();
                break;
            }
        }
        if (page == null) {
            return false;
        }
        Region region = page.process().addressSpace().find(page.vaddr());
        PageEntry e = page.process().shadow().page(page.vaddr());
        byte[] bytes = new byte[PageFile.SLOT_BYTES];
        if (region == null || e == null || !pageFile.peek(slot, 0, bytes, 0, bytes.length)) {
            return false;
        }
        boolean wasMapped = !unmapped.contains(page);
        if (wasMapped && !mapAgain(page, region, e, ProcessPages.capRights(region)).isOk()) {
            return false;
        }
        clean.remove(page);
        pageFile.free(slot);
        slotsReclaimed++;
        log.push(unreclaim, 0, 0, new Reclaimed(page, slot, bytes, wasMapped));
        return true;
    }

    /** Undoes {@link #reclaim}: the page clean again with its slot and bytes, mapped read-only again. */
    private Result<?> unreclaim(Reclaimed r) {
        if (!pageFile.retake(r.slot(), r.bytes())) {
            return Result.fail(AllocErrorKind.BAD_ARGUMENT, "page-file slot " + r.slot() + " was taken meanwhile");
        }
        clean.put(r.page(), r.slot());
        slotsReclaimed--;
        if (!r.wasMapped()) {
            return Result.done();
        }
        Process owner = r.page().process();
        Region region = owner.addressSpace().find(r.page().vaddr());
        PageEntry e = owner.shadow().page(r.page().vaddr());
        if (region == null || e == null) {
            return Result.fail(AllocErrorKind.BAD_ARGUMENT, "the reclaimed page 0x"
                    + Long.toHexString(r.page().vaddr()) + " has no region or no frame");
        }
        return mapAgain(r.page(), region, e, rights(r.page(), region));
    }

    /**
     * Undoes {@link #evict}: the victim's bytes back in its frame, a new cap copy mapped where it
     * was (with its clean state, so its rights, as before), a written slot freed.
     */
    private Result<?> restore(Evicted ev) {
        Process vp = ev.page().process();
        long va = ev.page().vaddr();
        Region region = vp.addressSpace().find(va);
        int ref = ev.entry().frameRef();
        if (region == null || (ev.bytes() == null && !pageFile.peek(ev.slot(), 0, outPage, 0, outPage.length))) {
            return Result.fail(AllocErrorKind.BAD_ARGUMENT, "the victim page 0x" + Long.toHexString(va)
                    + " has no region or no slot");
        }
        byte[] bytes = ev.bytes() != null ? ev.bytes() : outPage;
        Result<Void> written = frames.write(ref, 0, bytes, 0, bytes.length);
        if (!written.isOk()) {
            return written;
        }
        CapRights rights = ProcessPages.capRights(region);
        Result<Void> copied = CapOps.copy(vka, ev.entry().capCopy(), frames.frameCap(ref), rights);
        if (!copied.isOk()) {
            return copied;
        }
        if (ev.dropped()) {
            clean.put(ev.page(), ev.slot());
        }
        // a victim its policy had unreferenced before goes back unmapped, its next touch a soft fault
        if (ev.wasMapped()) {
            long attributes = ProcessPages.attributes(region);
            Result<List<PagingStructure>> mapped = PageMapper.map(vka.sel4(), tables, ev.entry().capCopy(),
                    vp.vspaceCptr(), va, rights(ev.page(), region), attributes);
            if (!mapped.isOk()) {
                return mapped;
            }
            vp.shadow().recordStructures(mapped.value());
        } else {
            unmapped.add(ev.page());
        }
        if (ev.slot() >= 0) {
            vp.shadow().removePagedOut(va);
        } else {
            droppedInitial.remove(ev.page());
        }
        vp.shadow().recordPage(va, ref, ev.entry().capCopy());
        if (ev.dropped()) {
            cleanDrops--;
        } else {
            pageFile.unwrite(ev.slot());
            pageOuts--;
        }
        return Result.done();
    }

    /** Why a search found no victim, in words for the kill report. */
    private String noVictim(Search s) {
        return noVictim(policy.size(), s);
    }

    static String noVictim(int resident, Search s) {
        if (resident == 0) {
            return "none is evictable";
        }
        if (!s.unmapFailed.isEmpty()) {
            return "SOS could not unmap " + s.unmapFailed.size() + " referenced page(s) to clear their reference bits"
                    + (s.pinned.isEmpty() ? "" : " and the others are pinned");
        }
        return "all are pinned";
    }

    /**
     * Undoes a victim search: the policy as it was, and the pages it unreferenced mapped again with
     * their cap copies (the victim's own mapping is {@link #restore}'s).
     */
    private Result<?> undoSearch(Search s) {
        policy.undoSearch();
        for (UserPage page : s.unmapped) {
            if (page.equals(s.evicted)) {
                // mapped again by restore, which runs first
                unreferenced--;
                continue;
            }
            Process owner = page.process();
            Region region = owner.addressSpace().find(page.vaddr());
            PageEntry e = owner.shadow().page(page.vaddr());
            if (region == null || e == null) {
                return Result.fail(AllocErrorKind.BAD_ARGUMENT, "the unreferenced page 0x"
                        + Long.toHexString(page.vaddr()) + " has no region or no frame");
            }
            long attributes = ProcessPages.attributes(region);
            Result<List<PagingStructure>> mapped = PageMapper.map(vka.sel4(), tables, e.capCopy(),
                    owner.vspaceCptr(), page.vaddr(), rights(page, region), attributes);
            if (!mapped.isOk()) {
                return mapped;
            }
            owner.shadow().recordStructures(mapped.value());
            unmapped.remove(page);
            unreferenced--;
        }
        return Result.done();
    }

    /** Undoes a failed page-in's read: the page file counts only the pages read for faults that completed. */
    private Result<?> unread() {
        return pageFile.unread() ? Result.done()
                : Result.fail(AllocErrorKind.BAD_ARGUMENT, "the page file counts no read to take back");
    }

    /** Undoes the early free of a paged-in page's slot: it holds the page's bytes again. */
    private Result<?> retake(int slot, byte[] bytes) {
        return pageFile.retake(slot, bytes) ? Result.done()
                : Result.fail(AllocErrorKind.BAD_ARGUMENT, "page-file slot " + slot + " was taken meanwhile");
    }

    /** Clears a page's reference bit: unmapped from its process, its frame and cap copy kept. */
    private boolean unreferencePage(UserPage page) {
        PageEntry e = page.process().shadow().page(page.vaddr());
        if (e == null || !CapOps.check("Page_Unmap", vka.sel4().pageUnmap(e.capCopy())).isOk()) {
            return false;
        }
        unreferenced++;
        unmapped.add(page);
        Tracer tracer = vka.sel4().tracer();
        if (tracer.on(TraceKind.FAULTS)) {
            Process owner = page.process();
            tracer.emit(TraceKind.FAULTS, owner.pid(), owner.instructionsNow(), "page_unreferenced", "page",
                    page.vaddr(), "frame", e.frameRef());
        }
        return true;
    }
}
