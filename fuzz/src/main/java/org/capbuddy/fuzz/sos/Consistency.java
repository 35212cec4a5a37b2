package org.capbuddy.fuzz.sos;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import org.capbuddy.kernel.api.PagingDump;
import org.capbuddy.kernel.cpu.AccessKind;
import org.capbuddy.kernel.invariant.InvariantReport;
import org.capbuddy.sos.Sos;
import org.capbuddy.sos.addrspace.Layout;
import org.capbuddy.sos.addrspace.Region;
import org.capbuddy.sos.inspect.ProcessDump;
import org.capbuddy.sos.user.MemoryFault;

/**
 * The fuzzer's periodic deep check, too slow for every operation: the kernel's invariants; for
 * every live process, SOS's state, regions, break and mapped pages against the model; the frame
 * table holding exactly the pages mapped; and the full contents of one running process's pages,
 * read back through its MMU (a PROT_NONE page's through SOS's window: its bytes are kept). With
 * paging, {@link PagingState} checks each page's state exactly (resident clean or dirty, paged
 * out, or dropped in its initial state), the kernel's rights of every mapped page, and the frame
 * table's, page file's and policy's counts; the contents are read through SOS's window and from
 * the page file, so that the check itself moves no page. MAP_SHARED regions are compared with the
 * model's shared ranges, and their objects' frames with the pages the sharers touched, by
 * {@link SharedObjectsMatch}.
 */
final class Consistency {
    private final FuzzMachine machine;
    /**
     * Whose pages to read back next: taken in turn rather than drawn from the fuzzer's random
     * stream, so that how often checks run does not change which operations a seed makes.
     */
    private int nextReadBack;
    /** Whether processes fork and share frames: every process is read back, and the share counts checked. */
    private final boolean sharing;

    Consistency(FuzzMachine machine, boolean sharing) {
        this.machine = machine;
        this.sharing = sharing;
    }

    String check(List<ModelProcess> live) {
        InvariantReport invariants = machine.kernel.checkInvariants();
        if (!invariants.ok()) {
            return "kernel invariants: " + invariants;
        }
        Sos sos = machine.sos;
        if (sos.liveProcesses() != live.size()) {
            return "SOS has " + sos.liveProcesses() + " processes, the model " + live.size();
        }
        boolean paging = sos.pages().paging();
        PagingState state = paging ? new PagingState(sos) : null;
        long resident = 0;
        SharedObjectsMatch objects = new SharedObjectsMatch();
        for (ModelProcess p : live) {
            String problem = matches(p);
            if (problem == null) {
                problem = objects.regions(p);
            }
            if (problem == null) {
                problem = paging ? state.process(p) : sameMapped(p);
            }
            if (problem != null) {
                return problem;
            }
            resident += p.process.shadow().pageCount();
        }
        String problem = objects.totals(sos, live);
        if (problem != null) {
            return problem;
        }
        if (sharing) {
            return shares(sos, live, objects);
        }
        if (sos.frameTable().framesInUse() != resident) {
            return "the frame table has " + sos.frameTable().framesInUse() + " frames in use, the processes map "
                    + resident + " pages";
        }
        if (paging) {
            if (sos.frameTable().framesInUse() > sos.frameTable().limit()) {
                return "the frame table has " + sos.frameTable().framesInUse() + " frames in use, over its limit of "
                        + sos.frameTable().limit();
            }
            problem = state.totals();
            if (problem != null) {
                return problem;
            }
        }
        return live.isEmpty() ? null : contents(sos, live.get(Math.floorMod(nextReadBack++, live.size())));
    }

    /**
     * With forks: each frame's share count is the number of pages mapping it; a page whose frame
     * is shared copy-on-write is protected and the kernel maps it without write; a page of a
     * MAP_SHARED mapping maps the frame its object holds for that page (the object the model's
     * range names); the frame table holds exactly the private frames mapped and the frames the
     * live objects hold, mapped or not; and every process's pages read what the model says (a
     * shared page's bytes are its object's, whoever stored them).
     */
    private String shares(Sos sos, List<ModelProcess> live, SharedObjectsMatch objects) {
        Map<Integer, Integer> mappings = new HashMap<>();
        for (ModelProcess p : live) {
            for (long va : p.process.shadow().pageAddresses()) {
                int ref = p.process.shadow().frameRef(va);
                String problem = objects.frame(sos, p, va, ref);
                if (problem != null) {
                    return problem;
                }
                mappings.merge(ref, 1, Integer::sum);
            }
        }
        int shared = 0;
        int objectFramesMapped = 0;
        for (Map.Entry<Integer, Integer> e : mappings.entrySet()) {
            if (sos.pages().shareCount(e.getKey()) != e.getValue()) {
                return "frame " + e.getKey() + " has share count " + sos.pages().shareCount(e.getKey()) + ", "
                        + e.getValue() + " pages map it";
            }
            if (sos.pages().sharedHolder(e.getKey()) != null) {
                objectFramesMapped++;
            } else {
                shared += e.getValue() > 1 ? 1 : 0;
            }
        }
        if (sos.pages().sharedFrames() != shared) {
            return "SOS counts " + sos.pages().sharedFrames() + " shared frames, the processes share " + shared;
        }
        long expected = mappings.size() - objectFramesMapped + objects.framesHeld();
        if (sos.frameTable().framesInUse() != expected) {
            return "the frame table has " + sos.frameTable().framesInUse() + " frames in use, the processes map "
                    + (mappings.size() - objectFramesMapped) + " private frames and the shared objects hold "
                    + objects.framesHeld();
        }
        for (ModelProcess p : live) {
            String problem = sharedNotWritable(sos, p, mappings);
            if (problem == null) {
                problem = contents(sos, p);
            }
            if (problem != null) {
                return problem;
            }
        }
        return null;
    }

    /** Every page of {@code p} whose frame another page maps: protected, and mapped by the kernel without write. */
    private static String sharedNotWritable(Sos sos, ModelProcess p, Map<Integer, Integer> mappings) {
        Optional<PagingDump> dump = sos.dump(p.process).map(ProcessDump::pageTables);
        if (dump.isEmpty()) {
            return "process " + p.pid() + " has no page tables to read";
        }
        for (PagingDump.Entry e : dump.get().entries()) {
            if (!(e instanceof PagingDump.PageRun run)) {
                continue;
            }
            for (long va = run.vaddr(); va <= run.vaddrLast(); va += run.pageBytes()) {
                int ref = p.process.shadow().frameRef(va);
                if (sos.pages().sharedHolder(ref) != null) {
                    // a MAP_SHARED page is mapped with its region's rights, write too: sharing is its point
                    continue;
                }
                if (mappings.getOrDefault(ref, 0) > 1 && (!sos.pages().isShareProtected(p.process, va)
                        || run.rights().equals("rw"))) {
                    return "page 0x" + Long.toHexString(va) + " of process " + p.pid() + " shares frame " + ref
                            + " but is mapped " + run.rights() + (sos.pages().isShareProtected(p.process, va) ? ""
                            : " and not protected");
                }
            }
        }
        return null;
    }

    private static String matches(ModelProcess p) {
        if (p.process.state() != p.state()) {
            return "process " + p.pid() + " is " + p.process.state() + ", the model has " + p.state();
        }
        List<Region> regions = new ArrayList<>();
        for (Region r : p.process.addressSpace().regions()) {
            // which object a region's pages are is compared apart (SharedObjectsMatch)
            regions.add(r.isShared() ? new Region(r.kind(), r.base(), r.end(), r.read(), r.write(), r.execute(),
                    r.source()) : r);
        }
        if (!regions.equals(p.space.regions())) {
            return "process " + p.pid() + " has regions " + regions + ", the model " + p.space.regions();
        }
        if (p.process.addressSpace().brk() != p.space.brk()) {
            return "process " + p.pid() + " has its break at 0x" + Long.toHexString(p.process.addressSpace().brk())
                    + ", the model at 0x" + Long.toHexString(p.space.brk());
        }
        return null;
    }

    /** Without paging: SOS has exactly the pages the model has, each resident. */
    private static String sameMapped(ModelProcess p) {
        List<Long> shadow = p.process.shadow().pageAddresses();
        List<Long> model = p.memory.mappedPages();
        if (p.process.shadow().pagedOutCount() != 0) {
            return "process " + p.pid() + " has pages paged out without paging";
        }
        if (!shadow.equals(model)) {
            return "process " + p.pid() + " has pages " + hex(shadow, model) + " mapped that the model has not, and lacks "
                    + hex(model, shadow);
        }
        return null;
    }

    /** Reads every page a running process has mapped and compares it with the model. */
    private static String contents(Sos sos, ModelProcess p) {
        if (!p.running()) {
            return null;
        }
        byte[] real = new byte[(int) Layout.PAGE];
        boolean paging = sos.pages().paging();
        for (long page : p.memory.mappedPages()) {
            if (paging && p.process.shadow().frameRef(page) == 0 && p.process.shadow().pagedOutSlot(page) < 0) {
                // dropped in its initial state: PagingState held the model's bytes to those
                continue;
            }
            if (paging) {
                // Through SOS's window and the page file, so that the check pages nothing in or
                // out: with paging, the user's own view would fault and evict.
                String problem = readWithoutFaults(sos, p, page, real);
                if (problem != null) {
                    return problem;
                }
            } else if (!p.space.allows(page, AccessKind.READ)) {
                // PROT_NONE: the bytes are kept, but only SOS may read them, through its window
                if (sos.pages().copy(p.process, page, real, 0, real.length, false) != real.length) {
                    return "reading back PROT_NONE page 0x" + Long.toHexString(page) + " of process " + p.pid()
                            + " through SOS's window failed";
                }
            } else {
                try {
                    p.user.copyIn(page, real, 0, real.length);
                } catch (MemoryFault e) {
                    return "reading back mapped page 0x" + Long.toHexString(page) + " of process " + p.pid() + ": " + e;
                }
            }
            byte[] expected = p.memory.page(page);
            int at = Arrays.mismatch(real, expected);
            if (at >= 0) {
                return "process " + p.pid() + " page 0x" + Long.toHexString(page) + " holds 0x"
                        + Integer.toHexString(real[at] & 0xFF) + " at offset " + at + ", the model 0x"
                        + Integer.toHexString(expected[at] & 0xFF);
            }
        }
        return null;
    }

    /** Reads a page a process has, resident or paged out, into {@code into} without a fault; null, or why not. */
    private static String readWithoutFaults(Sos sos, ModelProcess p, long page, byte[] into) {
        if (p.process.shadow().frameRef(page) != 0) {
            return sos.pages().copy(p.process, page, into, 0, into.length, false) == into.length ? null
                    : "reading back resident page 0x" + Long.toHexString(page) + " of process " + p.pid()
                            + " through SOS's window failed";
        }
        for (int at = 0; at < into.length; at += Long.BYTES) {
            OptionalLong word = sos.pages().peek(p.process, page + at, Long.BYTES);
            if (word.isEmpty()) {
                return "reading back paged-out page 0x" + Long.toHexString(page) + " of process " + p.pid()
                        + " from the page file failed at offset " + at;
            }
            for (int i = 0; i < Long.BYTES; i++) {
                into[at + i] = (byte) (word.getAsLong() >>> (8 * i));
            }
        }
        return null;
    }

    /** The pages of {@code these} that are not in {@code those}, in hex. */
    private static String hex(List<Long> these, List<Long> those) {
        Set<Long> other = new HashSet<>(those);
        StringBuilder out = new StringBuilder("[");
        for (long page : these) {
            if (!other.contains(page)) {
                out.append(out.length() > 1 ? ", " : "").append("0x").append(Long.toHexString(page));
            }
        }
        return out.append(']').toString();
    }
}
