package org.capbuddy.sos.process;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.capbuddy.kernel.api.CapRights;
import org.capbuddy.kernel.trace.TraceKind;
import org.capbuddy.kernel.trace.Tracer;
import org.capbuddy.libos.vka.AllocErrorKind;
import org.capbuddy.libos.vka.CapOps;
import org.capbuddy.libos.vka.Result;
import org.capbuddy.libos.vka.Undo;
import org.capbuddy.libos.vka.Vka;
import org.capbuddy.libos.vspace.PageMapper;
import org.capbuddy.libos.vspace.PagingStructure;
import org.capbuddy.sos.addrspace.Region;
import org.capbuddy.sos.frametable.FrameTable;
import org.capbuddy.sos.frametable.VkaTables;
import org.capbuddy.sos.shadow.PageEntry;

/**
 * Copy-on-write sharing of frames between processes, the seL4 way. A frame cap maps one page, so
 * every mapping of a shared frame is its own copy of SOS's frame cap, in its own slot of SOS's
 * CSpace, deleted on its own: a frame shared by n pages costs n slots, as n private pages do, but
 * one frame instead of n. seL4 has no write-protect operation and no dirty bit: a page of a
 * writable region is protected by mapping it again (Page_Map of the same cap at the same address,
 * seL4's remap) without the write right, and a store to it is a permission fault SOS serves.
 *
 * <p>Two records say everything: how many mappings share each frame mapped more than once
 * ({@link #mappings}; a frame not recorded has one), and which pages are protected (mapped without
 * write because they share, or shared once and not written since). A frame goes back to the frame
 * table only when the last page mapping it is unmapped. A write to a protected page breaks the
 * sharing: while others still map its frame, a fresh frame takes a copy of the 4 KiB through SOS's
 * window and replaces the old one in this page's cap slot ({@code copied}); the last sharer just
 * gets its write right back ({@code reused}).
 *
 * <p>Sharing works without paging only ({@link ProcessPages#share} refuses it with a page file):
 * SOS's pager evicts a page by taking its frame for another, which a frame mapped twice cannot
 * allow, and its clean pages are write-protected for its own reasons. That is this model's
 * documented limit, not a silent one.
 */
final class CowSharing {
    private final Vka vka;
    private final FrameTable frames;
    private final VkaTables tables;
    /** Mappings of each frame mapped by more than one page: absent means one. */
    private final Map<Integer, Integer> sharers = new HashMap<>();
    /** Pages write-protected for sharing: a write to one breaks its sharing first. */
    private final Set<UserPage> protectedPages = new HashSet<>();
    private final CowCopier copier;
    private long pagesShared;
    /** Mappings of shared frames beyond the first of each now, and the most there have been after a share. */
    private long saved;
    private long peakSaved;
    private long copies;
    private long reuses;
    /** Breaks made for SOS's own writes into a page for a system call, not for a fault. */
    private long callBreaks;
    /** Page tables shares made for their target processes (and kept: an undone share frees its own). */
    private long structuresCreated;

    /** Why a protected page lost its protection: a store the MMU refused, or SOS writing into it for a call. */
    enum Cause {
        FAULT, CALL
    }

    CowSharing(Vka vka, FrameTable frames, VkaTables tables) {
        this.vka = vka;
        this.frames = frames;
        this.tables = tables;
        this.copier = new CowCopier(vka, frames, tables);
    }

    /** The pages mapping frame {@code ref}: its share count (1 for a frame no sharing touched). */
    int mappings(int ref) {
        Integer n = sharers.get(ref);
        return n == null ? 1 : n;
    }

    /** Whether the page at {@code vaddr} of {@code p} is write-protected for sharing. */
    boolean isProtected(Process p, long vaddr) {
        return !protectedPages.isEmpty() && protectedPages.contains(new UserPage(p, vaddr));
    }

    /** {@code rights} less write while the page is protected: the rights its mapping has. */
    CapRights rights(Process p, long vaddr, CapRights rights) {
        return rights.canWrite() && isProtected(p, vaddr) ? CapRights.READ_ONLY : rights;
    }

    /**
     * Shares every resident page of {@code from} into {@code to} at the same address, or changes
     * nothing and says why. The caller has checked both processes; here every page is checked
     * before anything is made: {@code to} must have a region there with the same rights and no
     * page. Each shared page gets a cap copy in a new slot of SOS's CSpace, mapped in {@code to}
     * (with any page tables that needs) without write, and is then protected in both, {@code
     * from}'s mapping remapped without write when it had it. All or nothing, also when a
     * throwable cuts it short: every copy made is deleted (which unmaps it) and its slot freed,
     * the tables made for them unmapped and freed, and {@code from}'s pages get their write right
     * and protection back as they were.
     */
    Result<Integer> share(Process from, Process to) {
        List<Long> pages = new ArrayList<>();
        for (long va : from.shadow().pageAddresses()) {
            Region source = from.addressSpace().find(va);
            // a shared object's page is shared already: the child maps the object's frame when it touches it
            if (source == null || !source.isShared()) {
                pages.add(va);
            }
        }
        for (long va : pages) {
            Region source = from.addressSpace().find(va);
            Region target = to.addressSpace().find(va);
            if (source == null || target == null || source.read() != target.read()
                    || source.write() != target.write() || source.execute() != target.execute()) {
                return Result.fail(AllocErrorKind.BAD_ARGUMENT, "process " + to.pid() + " has no region like process "
                        + from.pid() + "'s at 0x" + Long.toHexString(va));
            }
            if (to.shadow().frameRef(va) != FrameTable.NULL_FRAME) {
                return Result.fail(AllocErrorKind.BAD_ARGUMENT, "0x" + Long.toHexString(va) + " is mapped already in"
                        + " process " + to.pid());
            }
        }
        List<PagingStructure> made = new ArrayList<>();
        try (Undo undo = Undo.begin(vka.sel4().guard(), "sharing the pages of process", from.pid())) {
            // undone last, once every page is unmapped again: the tables made for them
            undo.push(() -> freeTables(to, made));
            for (long va : pages) {
                Result<Void> one = shareOne(from, to, va, made, undo);
                if (!one.isOk()) {
                    return one.asFailure();
                }
            }
            undo.commit();
        }
        to.peakPages = Math.max(to.peakPages, to.shadow().pageCount());
        pagesShared += pages.size();
        structuresCreated += made.size();
        peakSaved = Math.max(peakSaved, saved);
        return Result.ok(pages.size());
    }

    /**
     * Shares the page at {@code va}: a new slot, a cap copy in it mapped in {@code to}, and both
     * pages protected (a page sharing a frame is protected whatever its region's rights now, so
     * that a later mprotect cannot give it write). The source's mapping loses write by a remap when
     * it had it. Each step that succeeds pushes its undo on {@code undo}.
     */
    private Result<Void> shareOne(Process from, Process to, long va, List<PagingStructure> made, Undo undo) {
        Region region = to.addressSpace().find(va);
        PageEntry e = from.shadow().page(va);
        long slot = vka.cspaceAllocSlot();
        if (slot < 0) {
            return Result.fail(vka.cspaceSlotRefusal());
        }
        undo.push(() -> vka.cspaceFree(slot));
        CapRights rights = ProcessPages.capRights(region);
        Result<Void> copied = CapOps.copy(vka, slot, frames.frameCap(e.frameRef()), rights);
        if (!copied.isOk()) {
            return copied;
        }
        // deleting the copy unmaps it too
        undo.push(() -> CapOps.delete(vka, slot));
        Result<List<PagingStructure>> mapped = PageMapper.map(vka.sel4(), tables, slot, to.vspaceCptr(), va,
                region.write() ? CapRights.READ_ONLY : rights, ProcessPages.attributes(region));
        if (!mapped.isOk()) {
            return mapped.asFailure();
        }
        to.shadow().recordStructures(mapped.value());
        made.addAll(mapped.value());
        if (!to.shadow().recordPage(va, e.frameRef(), slot)) {
            throw new IllegalStateException("no level-3 table recorded for a page just mapped");
        }
        undo.push(() -> {
            to.shadow().removePage(va);
            return Result.done();
        });
        if (!isProtected(from, va)) {
            if (region.write()) {
                Result<List<PagingStructure>> remapped = PageMapper.map(vka.sel4(), tables, e.capCopy(),
                        from.vspaceCptr(), va, CapRights.READ_ONLY, ProcessPages.attributes(region));
                if (!remapped.isOk()) {
                    return remapped.asFailure();
                }
                // a remap with the write right back makes nothing, so cannot run out of anything
                undo.push(() -> PageMapper.map(vka.sel4(), tables, e.capCopy(), from.vspaceCptr(), va, rights,
                        ProcessPages.attributes(region)));
            }
            protectedPages.add(new UserPage(from, va));
            undo.push(() -> {
                protectedPages.remove(new UserPage(from, va));
                return Result.done();
            });
        }
        protectedPages.add(new UserPage(to, va));
        sharers.put(e.frameRef(), mappings(e.frameRef()) + 1);
        saved++;
        undo.push(() -> {
            protectedPages.remove(new UserPage(to, va));
            dropShare(e.frameRef());
            return Result.done();
        });
        return Result.done();
    }

    /** Unmaps and frees the page tables a share made (in {@code made}, creation order), newest first. */
    private Result<Void> freeTables(Process to, List<PagingStructure> made) {
        for (int i = made.size() - 1; i >= 0; i--) {
            PagingStructure t = made.get(i);
            if (!to.shadow().forgetStructure(t)) {
                // still holding a page or not recorded: freeing it would leave a mapping behind
                return Result.fail(AllocErrorKind.KERNEL, "a page table the share made for process " + to.pid()
                        + " is not empty or not recorded; left in place");
            }
            Result<Void> unmapped = CapOps.check("PageTable_Unmap", vka.sel4().pageTableUnmap(t.cptr()));
            if (!unmapped.isOk()) {
                return unmapped;
            }
            Result<Void> freed = tables.freePageTable(t);
            if (!freed.isOk()) {
                return freed;
            }
        }
        return Result.done();
    }

    /** One mapping of frame {@code ref} fewer; true when none is left (it had one). */
    private boolean dropShare(int ref) {
        Integer n = sharers.get(ref);
        if (n == null) {
            return true;
        }
        saved--;
        if (n <= 2) {
            sharers.remove(ref);
        } else {
            sharers.put(ref, n - 1);
        }
        return false;
    }

    /**
     * Lets the protected page at {@code vaddr} of {@code p} (in {@code region}, writable) be
     * written: a copy when another page still maps its frame, else its own frame remapped with
     * the write right. Fails, changing nothing (the other sharers, the allocators and this page
     * exactly as before), when no frame can be had or a kernel step fails.
     */
    Result<Void> breakShare(Process p, long vaddr, Region region, Cause cause) {
        PageEntry e = p.shadow().page(vaddr);
        if (e == null || !isProtected(p, vaddr)) {
            return Result.fail(AllocErrorKind.BAD_ARGUMENT, "0x" + Long.toHexString(vaddr) + " of process " + p.pid()
                    + " is not a shared page");
        }
        CapRights rights = ProcessPages.capRights(region);
        boolean copy = mappings(e.frameRef()) > 1;
        int newRef = e.frameRef();
        if (copy) {
            Result<Integer> fresh = copier.copyInto(p, vaddr, region, e, rights);
            if (!fresh.isOk()) {
                return fresh.asFailure();
            }
            newRef = fresh.value();
            p.shadow().recordPage(vaddr, newRef, e.capCopy());
            dropShare(e.frameRef());
            copies++;
        } else {
            // the last sharer: seL4's remap of its own copy with the write right; nothing is made
            Result<List<PagingStructure>> remapped = PageMapper.map(vka.sel4(), tables, e.capCopy(), p.vspaceCptr(),
                    vaddr, rights, ProcessPages.attributes(region));
            if (!remapped.isOk()) {
                return remapped.asFailure();
            }
            reuses++;
        }
        protectedPages.remove(new UserPage(p, vaddr));
        if (cause == Cause.CALL) {
            callBreaks++;
        }
        Tracer tracer = vka.sel4().tracer();
        if (tracer.on(TraceKind.FAULTS)) {
            tracer.emit(TraceKind.FAULTS, p.pid(), p.instructionsNow(), "cow_fault", "page", vaddr, "by",
                    cause == Cause.FAULT ? "store" : "sos", "action", copy ? "copied" : "reused", "old_frame",
                    e.frameRef(), "frame", newRef);
        }
        return Result.done();
    }

    /**
     * The page at {@code vaddr} of {@code p}, on frame {@code ref}, is being unmapped: forgets its
     * protection and its share. True when it was the frame's last mapping (the caller frees it).
     */
    boolean released(Process p, long vaddr, int ref) {
        if (!protectedPages.isEmpty()) {
            protectedPages.remove(new UserPage(p, vaddr));
        }
        return dropShare(ref);
    }

    /** The page at {@code from} of {@code p} now lives at {@code to} (mremap): its protection moves with it. */
    void moved(Process p, long from, long to) {
        if (!protectedPages.isEmpty() && protectedPages.remove(new UserPage(p, from))) {
            protectedPages.add(new UserPage(p, to));
        }
    }

    /** Frames mapped by more than one page now. */
    int sharedFrames() {
        return sharers.size();
    }

    /** Mappings of shared frames beyond the first of each: the frames sharing saves now. */
    long framesSaved() {
        return saved;
    }

    /** The most frames sharing has saved at once (as each share completed). */
    long peakFramesSaved() {
        return peakSaved;
    }

    /** Pages write-protected for sharing now. */
    int protectedPages() {
        return protectedPages.size();
    }

    long pagesShared() {
        return pagesShared;
    }

    long copies() {
        return copies;
    }

    long reuses() {
        return reuses;
    }

    long callBreaks() {
        return callBreaks;
    }

    long structuresCreated() {
        return structuresCreated;
    }
}
