package org.capbuddy.fuzz.sos;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.capbuddy.kernel.api.PagingDump;
import org.capbuddy.sos.Sos;
import org.capbuddy.sos.addrspace.Region;
import org.capbuddy.sos.addrspace.RegionKind;
import org.capbuddy.sos.inspect.ProcessDump;
import org.capbuddy.sos.paging.PageFile;
import org.capbuddy.sos.process.Process;
import org.capbuddy.sos.process.ProcessPages;
import org.capbuddy.sos.shadow.ShadowPageTable;

/**
 * The deep check's paging part, one pass over the live processes of an SOS that pages, with dirty
 * tracking. Each page the model has is in exactly one state: resident (clean against a kept
 * page-file slot, whose bytes its frame holds; clean in its initial state, its frame holding
 * those; or dirty), paged out (its bytes in a slot of its own), or dropped in its initial state
 * (neither: SOS said so when it dropped it, and the model's bytes are those initial contents).
 * Every page the kernel maps is resident, with the region's rights less write while it is clean.
 * {@link #totals} then holds the frame table, the page file (slots in use: the paged-out pages
 * plus the kept slots, no slot held twice) and the policy to the sums.
 */
final class PagingState {
    private final Sos sos;
    private final ProcessPages pages;
    private final byte[] frame = new byte[ModelMemory.PAGE];
    private final byte[] slot = new byte[ModelMemory.PAGE];
    private final byte[] zeros = new byte[ModelMemory.PAGE];
    /** Slots seen so far: each paged-out page's and each clean page's kept one. */
    private final Set<Integer> slots = new HashSet<>();
    private long resident;
    private long pagedOut;
    private long kept;
    private long clean;
    private long evictable;

    PagingState(Sos sos) {
        this.sos = sos;
        this.pages = sos.pages();
    }

    long resident() {
        return resident;
    }

    /** Checks {@code p}'s pages, adding them to the sums; null, or what is wrong. */
    String process(ModelProcess p) {
        Process proc = p.process;
        ShadowPageTable shadow = proc.shadow();
        List<Long> residentPages = shadow.pageAddresses();
        Set<Long> known = new HashSet<>(residentPages);
        for (long page : shadow.pagedOutAddresses()) {
            if (!known.add(page)) {
                return where(p, page) + " is both resident and paged out";
            }
            int s = shadow.pagedOutSlot(page);
            String problem = slotProblem(p, page, s, "paged out to");
            if (problem != null) {
                return problem;
            }
            pagedOut++;
        }
        for (long page : residentPages) {
            String problem = residentPage(p, page);
            if (problem != null) {
                return problem;
            }
        }
        String problem = partition(p, known);
        return problem != null ? problem : rights(p);
    }

    /** A resident page: counted, and if clean, in an evictable region and holding what it is clean against. */
    private String residentPage(ModelProcess p, long page) {
        resident++;
        Region region = p.process.addressSpace().find(page);
        if (region == null) {
            return where(p, page) + " is resident outside every region";
        }
        boolean mayEvict = region.kind() != RegionKind.IPC_BUFFER && region.kind() != RegionKind.SIGPAGE;
        if (mayEvict) {
            evictable++;
        }
        boolean isClean = pages.isClean(p.process, page);
        int keptSlot = pages.keptSlot(p.process, page);
        if (!isClean) {
            return keptSlot < 0 ? null : where(p, page) + " is dirty but keeps slot " + keptSlot;
        }
        clean++;
        if (!mayEvict) {
            return where(p, page) + " in SOS's own " + region.kind() + " region is clean";
        }
        if (pages.copy(p.process, page, frame, 0, frame.length, false) != frame.length) {
            return "reading back clean " + where(p, page) + " through SOS's window failed";
        }
        if (keptSlot >= 0) {
            String problem = slotProblem(p, page, keptSlot, "clean against");
            if (problem != null) {
                return problem;
            }
            kept++;
            if (!pages.pageFile().peek(keptSlot, 0, slot, 0, PageFile.SLOT_BYTES)) {
                return "reading kept slot " + keptSlot + " of " + where(p, page) + " failed";
            }
            int at = Arrays.mismatch(frame, slot);
            return at < 0 ? null : "clean " + where(p, page) + " holds 0x" + Integer.toHexString(frame[at] & 0xFF)
                    + " at offset " + at + ", its kept slot " + keptSlot + " 0x" + Integer.toHexString(slot[at] & 0xFF);
        }
        byte[] initial = initial(region);
        if (initial == null) {
            return where(p, page) + " is in a region a program image fills, which the fuzzer does not model";
        }
        int at = Arrays.mismatch(frame, initial);
        return at < 0 ? null : "clean " + where(p, page) + " in its initial state holds 0x"
                + Integer.toHexString(frame[at] & 0xFF) + " at offset " + at + ", its initial contents 0x"
                + Integer.toHexString(initial[at] & 0xFF);
    }

    /** Slot {@code s} of a page: in use and no other page's. */
    private String slotProblem(ModelProcess p, long page, int s, String how) {
        if (!pages.pageFile().inUse(s)) {
            return where(p, page) + " is " + how + " page-file slot " + s + ", which is not in use";
        }
        return slots.add(s) ? null : where(p, page) + " is " + how + " page-file slot " + s
                + ", which another page holds too";
    }

    /**
     * The model's pages are SOS's resident and paged-out ones plus those SOS dropped in their
     * initial state, each of those holding its initial contents in the model too.
     */
    private String partition(ModelProcess p, Set<Long> known) {
        p.forgetDropsHeld(known);
        List<Long> model = p.memory.mappedPages();
        Set<Long> modelSet = new HashSet<>(model);
        List<Long> extra = new ArrayList<>();
        for (long page : known) {
            if (!modelSet.contains(page)) {
                extra.add(page);
            }
        }
        List<Long> lacking = new ArrayList<>();
        for (long page : model) {
            if (!known.contains(page) && !p.droppedInitial(page)) {
                lacking.add(page);
            }
        }
        if (!extra.isEmpty() || !lacking.isEmpty()) {
            extra.sort(null);
            return "process " + p.pid() + " has pages " + hex(extra) + " mapped that the model has not, and lacks "
                    + hex(lacking) + " (neither resident, paged out nor dropped)";
        }
        for (long page : p.droppedPages()) {
            if (!modelSet.contains(page)) {
                return where(p, page) + " was dropped in its initial state, but the model no longer has it";
            }
            Region region = p.process.addressSpace().find(page);
            byte[] initial = region == null ? null : initial(region);
            if (initial == null) {
                return "dropped " + where(p, page) + " has no region or one a program image fills";
            }
            byte[] expected = p.memory.page(page);
            int at = Arrays.mismatch(expected, initial);
            if (at >= 0) {
                return where(p, page) + " was dropped in its initial state, but the model has 0x"
                        + Integer.toHexString(expected[at] & 0xFF) + " at offset " + at + ", not 0x"
                        + Integer.toHexString(initial[at] & 0xFF);
            }
        }
        return null;
    }

    /**
     * Every page the kernel maps for {@code p}: resident, with its region's rights less write
     * while it is clean, and execute-never unless the region executes.
     */
    private String rights(ModelProcess p) {
        Optional<PagingDump> dump = sos.dump(p.process).map(ProcessDump::pageTables);
        if (dump.isEmpty()) {
            return "process " + p.pid() + " has no page tables to read";
        }
        for (PagingDump.Entry e : dump.get().entries()) {
            if (!(e instanceof PagingDump.PageRun run)) {
                continue;
            }
            for (long va = run.vaddr(); va <= run.vaddrLast(); va += run.pageBytes()) {
                Region region = p.process.addressSpace().find(va);
                if (p.process.shadow().frameRef(va) == 0 || region == null) {
                    return "the kernel maps 0x" + Long.toHexString(va) + " of process " + p.pid()
                            + ", which SOS does not hold resident in a region";
                }
                String expected = region.write() && !pages.isClean(p.process, va) ? "rw"
                        : region.read() || region.write() ? "r" : "kernel-only";
                if (!run.rights().equals(expected) || run.executeNever() == region.execute()) {
                    return where(p, va) + " is mapped " + run.rights() + (run.executeNever() ? " execute-never" : "")
                            + ", its region " + region + (pages.isClean(p.process, va) ? ", clean," : ", dirty,")
                            + " wants " + expected + (region.execute() ? "" : " execute-never");
                }
            }
        }
        return null;
    }

    /**
     * The sums against SOS's own counts: frames in use, page-file slots (paged-out pages plus
     * kept slots), clean pages, the policy's pages, and no pin left over; null, or what is wrong.
     */
    String totals() {
        if (pages.pageFileSlotsInUse() != pagedOut + kept) {
            return "the page file has " + pages.pageFileSlotsInUse() + " slots in use, the processes have " + pagedOut
                    + " pages paged out and " + kept + " clean pages keeping slots";
        }
        if (pages.cleanPages() != clean) {
            return "SOS counts " + pages.cleanPages() + " clean pages, the processes have " + clean;
        }
        if (pages.policy().size() != evictable) {
            return "the " + pages.policy().name() + " policy holds " + pages.policy().size() + " pages, of "
                    + resident + " resident " + evictable + " may be evicted";
        }
        return pages.pinnedPages() == 0 ? null : pages.pinnedPages() + " pages are still pinned after the operation";
    }

    /**
     * A page's initial contents in {@code region}: zeros, as the fuzzer's processes come from
     * {@link Sos#createProcess(long, long)}, whose regions no program image fills; null for a
     * region an image fills, whose bytes the fuzzer does not model.
     */
    private byte[] initial(Region region) {
        return region.source() == null ? zeros : null;
    }

    private static String where(ModelProcess p, long page) {
        return "page 0x" + Long.toHexString(page) + " of process " + p.pid();
    }

    private static String hex(List<Long> pagesList) {
        StringBuilder out = new StringBuilder("[");
        for (long page : pagesList) {
            out.append(out.length() > 1 ? ", " : "").append("0x").append(Long.toHexString(page));
        }
        return out.append(']').toString();
    }
}
