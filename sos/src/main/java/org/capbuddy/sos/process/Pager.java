package org.capbuddy.sos.process;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.capbuddy.kernel.api.CapRights;
import org.capbuddy.kernel.api.VmAttributes;
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
 */
final class Pager {
    private final Vka vka;
    private final FrameTable frames;
    private final VkaTables tables;
    private final UndoLog.Action restoreVictim = (unused, none, evicted) -> restore((Evicted) evicted);
    private final UndoLog.Action retakeSlot = (slot, unused, bytes) -> retake((int) slot, (byte[]) bytes);
    private final UndoLog.Action undoSearch = (unused, none, search) -> undoSearch((Search) search);
    private final UndoLog.Action unread = (unused, none, nothing) -> unread();

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
    };
    /** A victim's bytes on their way to the page file. */
    private final byte[] outPage = new byte[PageFile.SLOT_BYTES];
    /** A paged-out page's bytes on their way back to a frame. */
    private final byte[] inPage = new byte[PageFile.SLOT_BYTES];
    private long pageOuts;
    private long pageIns;
    private long softFaults;
    private long unreferenced;
    /** Resident pages the policy unreferenced that are unmapped now (a touch would be a soft fault). */
    private final Set<UserPage> unmapped = new HashSet<>();
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

    /**
     * A victim taken out for a new page: which page, the frame and cap slot it gave up, the
     * page-file slot it went to, and whether it was mapped (not unreferenced and unmapped) before.
     */
    record Evicted(UserPage page, PageEntry entry, int slot, boolean wasMapped) {
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

    /** Frees a paged-in page's slot before its fault completes, so the victim may take it; undone with its bytes. */
    void freeEarly(int slot, UndoLog log) {
        pageFile.free(slot);
        log.push(retakeSlot, slot, 0, inPage.clone());
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
        pins.remove(page); // a pin holds a resident page; this one is no longer there to hold
        policy.gone(page);
    }

    /** mremap moved {@code from}'s frame to {@code to}: renamed in place, or forgotten if {@code to} may not be evicted. */
    void moved(UserPage from, UserPage to, boolean evictable) {
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

    /** Tells the trace ({@code faults}) and the observer that {@code victim} went out, giving up frame {@code ref}. */
    void pagedOut(Evicted victim, int ref) {
        policy.gone(victim.page());
        Process owner = victim.page().process();
        Tracer tracer = vka.sel4().tracer();
        if (tracer.on(TraceKind.FAULTS)) {
            tracer.emit(TraceKind.FAULTS, owner.pid(), owner.instructionsNow(), "page_out", "page",
                    victim.page().vaddr(), "slot", victim.slot(), "frame", ref);
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
     * A page just mapped joins the policy (unless it is SOS's own); a paged-in one gives its slot
     * up, unless it did already ({@code slotFreed}: the slot may hold the victim's page now).
     */
    void admit(Process p, long vaddr, Region region, int fromSlot, boolean slotFreed) {
        UserPage page = new UserPage(p, vaddr);
        if (ProcessPages.evictable(region)) {
            policy.resident(page);
        }
        if (fromSlot >= 0) {
            p.shadow().removePagedOut(vaddr);
            if (!slotFreed) {
                pageFile.free(fromSlot);
            }
            pageIns++;
        }
    }

    /**
     * Takes the page the policy chooses out of memory for a new page: its bytes to a new
     * page-file slot, its mapping cap deleted (unmapping it), its shadow entry replaced by the
     * slot. Its frame (still live, still in SOS's window) and its cap slot (now empty) are the
     * caller's; {@link #restore} puts it all back. Fails, changing nothing, when every resident
     * page is pinned, the page file is full, or a step fails.
     */
    Result<Evicted> evict(AllocError full, UndoLog log) {
        // the slot first: a full page file should not cost a search that unmaps pages
        int slot = pageFile.alloc();
        if (slot < 0) {
            return Result.fail(AllocErrorKind.OUT_OF_MEMORY, full.detail() + " and the page file is full ("
                    + pageFile.capacity() + " pages)");
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
            pageFile.unalloc(slot);
            return Result.fail(AllocErrorKind.OUT_OF_MEMORY, full.detail() + " and no resident page may be paged"
                    + " out: " + noVictim(done));
        }
        Process vp = victim.process();
        PageEntry e = vp.shadow().page(victim.vaddr());
        if (e == null || !frames.copy(e.frameRef(), 0, outPage, 0, outPage.length, false)
                || !pageFile.write(slot, outPage, 0)) {
            pageFile.unalloc(slot);
            return Result.fail(AllocErrorKind.KERNEL, "reading the victim page 0x" + Long.toHexString(victim.vaddr())
                    + " of process " + vp.pid() + " through SOS's window");
        }
        Result<Void> deleted = CapOps.delete(vka, e.capCopy());
        if (!deleted.isOk()) {
            pageFile.unwrite(slot);
            return deleted.asFailure();
        }
        try {
            vp.shadow().removePage(victim.vaddr());
            vp.shadow().recordPagedOut(victim.vaddr(), slot);
            pageOuts++;
        } catch (Throwable t) {
            vka.sel4().guard().markBroken("SOS recording page 0x" + Long.toHexString(victim.vaddr()) + " paged out", t);
            throw t;
        }
        // mapped before unless unreferenced by an earlier search (this one's unmaps are its own to undo)
        boolean wasMapped = !unmapped.remove(victim) || done.unmapped.contains(victim);
        Evicted evicted = new Evicted(victim, e, slot, wasMapped);
        log.push(restoreVictim, 0, 0, evicted);
        done.evicted = victim;
        return Result.ok(evicted);
    }

    /** Undoes {@link #evict}: the victim's bytes back in its frame, a new cap copy mapped where it was, its slot freed. */
    private Result<?> restore(Evicted ev) {
        Process vp = ev.page().process();
        long va = ev.page().vaddr();
        Region region = vp.addressSpace().find(va);
        int ref = ev.entry().frameRef();
        if (region == null || !pageFile.peek(ev.slot(), 0, outPage, 0, outPage.length)) {
            return Result.fail(AllocErrorKind.BAD_ARGUMENT, "the victim page 0x" + Long.toHexString(va)
                    + " has no region or no slot");
        }
        Result<Void> written = frames.write(ref, 0, outPage, 0, outPage.length);
        if (!written.isOk()) {
            return written;
        }
        CapRights rights = ProcessPages.capRights(region);
        Result<Void> copied = CapOps.copy(vka, ev.entry().capCopy(), frames.frameCap(ref), rights);
        if (!copied.isOk()) {
            return copied;
        }
        // a victim its policy had unreferenced before goes back unmapped, its next touch a soft fault
        if (ev.wasMapped()) {
            long attributes = VmAttributes.DEFAULT | (region.execute() ? 0 : VmAttributes.EXECUTE_NEVER);
            Result<List<PagingStructure>> mapped = PageMapper.map(vka.sel4(), tables, ev.entry().capCopy(),
                    vp.vspaceCptr(), va, rights, attributes);
            if (!mapped.isOk()) {
                return mapped;
            }
            vp.shadow().recordStructures(mapped.value());
        } else {
            unmapped.add(ev.page());
        }
        vp.shadow().removePagedOut(va);
        vp.shadow().recordPage(va, ref, ev.entry().capCopy());
        pageFile.unwrite(ev.slot());
        pageOuts--;
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
            long attributes = VmAttributes.DEFAULT | (region.execute() ? 0 : VmAttributes.EXECUTE_NEVER);
            Result<List<PagingStructure>> mapped = PageMapper.map(vka.sel4(), tables, e.capCopy(),
                    owner.vspaceCptr(), page.vaddr(), ProcessPages.capRights(region), attributes);
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
