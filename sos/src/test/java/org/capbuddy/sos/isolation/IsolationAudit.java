package org.capbuddy.sos.isolation;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.NavigableSet;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.capbuddy.kernel.api.VmRights;
import org.capbuddy.kernel.cap.Cap;
import org.capbuddy.kernel.cap.Slot;
import org.capbuddy.kernel.object.AsidPool;
import org.capbuddy.kernel.object.Frame;
import org.capbuddy.kernel.object.KernelObject;
import org.capbuddy.kernel.object.Pte;
import org.capbuddy.kernel.object.VSpace;
import org.capbuddy.kernel.vm.AsidTable;
import org.capbuddy.sos.SosFixture;
import org.capbuddy.sos.addrspace.Layout;
import org.capbuddy.sos.addrspace.Region;
import org.capbuddy.sos.addrspace.SharedMemory;
import org.capbuddy.sos.frametable.FrameTable;
import org.capbuddy.sos.process.Process;
import org.capbuddy.sos.shadow.PageEntry;

/**
 * A structural proof of isolation, read from the kernel's own page tables and capability tree
 * rather than from anything SOS says about itself. For every live process it checks that:
 * <ul>
 *   <li>each page its VSpace maps lies in one of its regions, with the region's rights and
 *       execute-never bit in the page table entry, and is the very frame SOS's shadow records
 *       there (the frame table's frame for that reference, through the cap copy that records
 *       exactly this mapping);</li>
 *   <li>no physical page is mapped twice by one process, nor by two processes unless it is a
 *       frame they share copy-on-write (then its share count is the number of pages mapping it,
 *       each of them write-protected for sharing, none with the write right) or the frame of a
 *       MAP_SHARED object (then every page mapping it is in a region naming that object, at the
 *       page the object holds the frame for, and its count is the number of pages mapping it);</li>
 *   <li>no physical page it maps overlaps any other kernel object (SOS's page tables, CNodes,
 *       TCBs, VSpaces, endpoints, ASID pools, any other frame) or untyped memory an allocator
 *       still holds as free;</li>
 *   <li>SOS maps none of its frames anywhere but at the frame's own address in SOS's frame
 *       window, and maps nothing of its own memory (boot image, bookkeeping) that a process
 *       maps.</li>
 * </ul>
 * It also checks the bookkeeping that makes those claims complete: the processes given are all
 * the live ones, the ASID table names no VSpace but SOS's and theirs, the frame table's live
 * references name distinct frames and each is mapped by as many process pages as its share
 * count says (one for a frame no fork shared); a frame no process maps is live only while a
 * shared object a live process's region names holds it (MADV_DONTNEED in every sharer keeps it).
 *
 * <p>Disjoint is the rule; the exceptions are a copy-on-write fork's shared frames, only while no
 * process can write them, and the frames of MAP_SHARED objects, only in the regions naming them.
 */
public final class IsolationAudit {
    private static final int MAX_REPORTED = 30;

    /** Who maps a physical page: the process, the virtual address and the frame object. */
    private record Owner(Process process, long vaddr, Frame frame) {
        int pid() {
            return process.pid();
        }
    }

    private final SosFixture fx;
    private final List<String> violations = new ArrayList<>();
    private final Map<Process, NavigableMap<Long, Pte.Page>> mappings = new IdentityHashMap<>();
    private final TreeMap<Long, Owner> owners = new TreeMap<>();
    /** Every page mapping each physical page mapped more than once (the first is in {@link #owners} too). */
    private final Map<Long, List<Owner>> shared = new TreeMap<>();
    private final Set<Integer> referencedRefs = new TreeSet<>();
    private NavigableMap<Long, Pte.Page> sosPages;

    private IsolationAudit(SosFixture fx) {
        this.fx = fx;
    }

    /** Audits the machine now; {@code live} must be every process SOS has alive. */
    public static IsolationAudit of(SosFixture fx, Collection<Process> live) {
        IsolationAudit audit = new IsolationAudit(fx);
        audit.run(live);
        return audit;
    }

    /** Audits the machine now and fails the test on any violation. */
    public static IsolationAudit assertIsolated(SosFixture fx, Collection<Process> live) {
        IsolationAudit audit = of(fx, live);
        assertThat(audit.violations()).as("isolation violations").isEmpty();
        return audit;
    }

    /** What was found wrong, at most {@value #MAX_REPORTED} of them; empty when isolated. */
    public List<String> violations() {
        return Collections.unmodifiableList(violations);
    }

    /** The pages the kernel maps in {@code p}'s VSpace, by virtual address. */
    public NavigableMap<Long, Pte.Page> mappings(Process p) {
        return Collections.unmodifiableNavigableMap(mappings.get(p));
    }

    /** The physical addresses of the pages mapped in {@code p}'s VSpace. */
    public NavigableSet<Long> physicalPages(Process p) {
        NavigableSet<Long> out = new TreeSet<>();
        mappings.get(p).values().forEach(page -> out.add(page.frame().paddr()));
        return out;
    }

    /** The pages the kernel maps in SOS's own VSpace, by virtual address. */
    public NavigableMap<Long, Pte.Page> sosMappings() {
        return Collections.unmodifiableNavigableMap(sosPages);
    }

    /** Process pages mapped in all. */
    public int processPages() {
        return owners.size();
    }

    private void fail(String message) {
        if (violations.size() < MAX_REPORTED) {
            violations.add(message);
        }
    }

    private void run(Collection<Process> live) {
        if (live.size() != fx.sos.liveProcesses()) {
            fail("audit given " + live.size() + " processes but SOS has " + fx.sos.liveProcesses() + " alive");
        }
        VSpace sos = KernelMappings.vspace(fx.kernel, fx.booted.vspace());
        sosPages = KernelMappings.pages(sos);
        Set<VSpace> known = Collections.newSetFromMap(new IdentityHashMap<>());
        known.add(sos);
        for (Process p : live) {
            VSpace v = KernelMappings.vspace(fx.kernel, p.vspaceCptr());
            if (v == null || v.asid() == 0) {
                fail("process " + p.pid() + " has no VSpace with an ASID");
                mappings.put(p, new TreeMap<>());
                continue;
            }
            known.add(v);
            mappings.put(p, KernelMappings.pages(v));
            auditProcess(p, v);
        }
        sharedPagesAreCopyOnWriteShares();
        asidTableNamesOnlyKnownVSpaces(known);
        sosMapsProcessFramesOnlyInItsWindow();
        processPagesOverlapNoOtherObjectOrFreeMemory();
        frameTableReferencesAreDistinctAndOwned();
    }

    private void auditProcess(Process p, VSpace v) {
        NavigableMap<Long, Pte.Page> pages = mappings.get(p);
        for (Map.Entry<Long, Pte.Page> e : pages.entrySet()) {
            long va = e.getKey();
            Pte.Page page = e.getValue();
            String at = "process " + p.pid() + " at 0x" + Long.toHexString(va) + ": ";
            if (page.frame().sizeBits() != 12) {
                fail(at + "maps a block of 2^" + page.frame().sizeBits() + " bytes; SOS maps only 4 KiB pages");
            }
            Region region = p.addressSpace().find(va);
            if (region == null) {
                fail(at + "the kernel maps " + page.frame() + " outside every region of the process");
            } else {
                // a PROT_NONE region keeps its pages' frames behind kernel-only entries
                // a page sharing its frame copy-on-write is mapped without write until a store copies it
                boolean shareProtected = fx.sos.pages().isShareProtected(p, va);
                VmRights rights = region.write() && !shareProtected ? VmRights.READ_WRITE
                        : region.read() || region.write() ? VmRights.READ_ONLY : VmRights.KERNEL_ONLY;
                if (page.rights() != rights) {
                    fail(at + "the entry grants " + page.rights() + " in a " + region.kind() + " region, not "
                            + rights);
                }
                if (page.executeNever() == region.execute()) {
                    fail(at + "the entry's execute-never is " + page.executeNever() + " in a " + region.kind()
                            + " region");
                }
            }
            PageEntry shadow = p.shadow().page(va);
            if (shadow == null) {
                fail(at + "the kernel maps " + page.frame() + " but SOS's shadow records no page there");
            } else {
                isTheFrameSosGaveIt(p, v, va, page, shadow, at);
            }
            Owner owner = new Owner(p, va, page.frame());
            Owner before = owners.putIfAbsent(page.frame().paddr(), owner);
            if (before != null) {
                shared.computeIfAbsent(page.frame().paddr(), k -> new ArrayList<>(List.of(before))).add(owner);
            }
        }
        for (long va : p.shadow().pageAddresses()) {
            if (!pages.containsKey(va)) {
                fail("process " + p.pid() + " at 0x" + Long.toHexString(va)
                        + ": SOS's shadow records a page the kernel does not map");
            }
        }
    }

    /**
     * A physical page mapped by several pages must be one frame shared copy-on-write: mapped by
     * distinct processes, each page protected for sharing and without the write right, as many
     * of them as the frame's share count; a page mapped once must have a share count of one.
     */
    private void sharedPagesAreCopyOnWriteShares() {
        for (Map.Entry<Long, Owner> e : owners.entrySet()) {
            List<Owner> all = shared.getOrDefault(e.getKey(), List.of(e.getValue()));
            String page = "physical page 0x" + Long.toHexString(e.getKey());
            int ref = all.get(0).process().shadow().frameRef(all.get(0).vaddr());
            int count = fx.sos.pages().shareCount(ref);
            if (count != all.size()) {
                fail(page + " is mapped by " + describe(all) + ", " + all.size() + " pages, but its share count"
                        + " (frame reference " + ref + ") is " + count);
            }
            SharedMemory object = fx.sos.pages().sharedHolder(ref);
            if (object != null) {
                sharedObjectPages(page, object, ref, all);
                continue;
            }
            if (all.size() == 1) {
                continue;
            }
            Set<Integer> pids = new HashSet<>();
            for (Owner o : all) {
                if (!pids.add(o.pid())) {
                    fail(page + " is mapped twice by process " + o.pid() + ": by " + describe(all));
                }
                if (!fx.sos.pages().isShareProtected(o.process(), o.vaddr())) {
                    fail(page + " is mapped by process " + o.pid() + " at 0x" + Long.toHexString(o.vaddr())
                            + ", one of " + describe(all) + ", but that page is not protected for sharing");
                }
                if (mappings.get(o.process()).get(o.vaddr()).rights() == VmRights.READ_WRITE) {
                    fail(page + " is shared by " + describe(all) + " but process " + o.pid() + " may write it at 0x"
                            + Long.toHexString(o.vaddr()));
                }
            }
        }
    }

    /**
     * The pages mapping a shared object's frame: each in a region naming that object, at the page
     * the object holds this frame for, one a process; writable as their regions are.
     */
    private void sharedObjectPages(String page, SharedMemory object, int ref, List<Owner> all) {
        Set<Integer> pids = new HashSet<>();
        for (Owner o : all) {
            if (!pids.add(o.pid())) {
                fail(page + " is mapped twice by process " + o.pid() + ": by " + describe(all));
            }
            Region region = o.process().addressSpace().find(o.vaddr());
            if (region == null || region.shared() != object) {
                fail(page + ", a frame of " + object + ", is mapped by process " + o.pid() + " at 0x"
                        + Long.toHexString(o.vaddr()) + " in a region not naming it");
            } else if (object.frame(o.vaddr()) != ref) {
                fail(page + ", a frame of " + object + ", is mapped by process " + o.pid() + " at 0x"
                        + Long.toHexString(o.vaddr()) + ", where the object holds frame " + object.frame(o.vaddr()));
            }
        }
    }

    /** "process 1 at 0x… and by process 2 at 0x…". */
    private static String describe(List<Owner> all) {
        StringBuilder b = new StringBuilder();
        for (Owner o : all) {
            b.append(b.length() > 0 ? " and by " : "").append("process ").append(o.pid()).append(" at 0x")
                    .append(Long.toHexString(o.vaddr()));
        }
        return b.toString();
    }

    private void isTheFrameSosGaveIt(Process p, VSpace v, long va, Pte.Page page, PageEntry shadow, String at) {
        FrameTable table = fx.sos.frameTable();
        referencedRefs.add(shadow.frameRef());
        if (!table.isLive(shadow.frameRef())) {
            fail(at + "maps frame reference " + shadow.frameRef() + ", which the frame table has freed");
            return;
        }
        Cap.FrameCap original = KernelMappings.frameCap(fx.kernel, table.frameCap(shadow.frameRef()));
        if (original == null || original.frame() != page.frame()) {
            fail(at + "maps " + page.frame() + " but frame reference " + shadow.frameRef() + " is "
                    + (original == null ? "no frame" : original.frame()));
        }
        Cap.FrameCap copy = KernelMappings.frameCap(fx.kernel, shadow.capCopy());
        if (copy == null || copy.frame() != page.frame() || copy.mappedAsid() != v.asid() || copy.mappedVaddr() != va) {
            fail(at + "the cap copy SOS keeps for the page (" + copy + ") does not record this mapping");
        }
    }

    private void asidTableNamesOnlyKnownVSpaces(Set<VSpace> known) {
        for (int pool = 0; pool < AsidTable.POOLS; pool++) {
            AsidPool asids = fx.kernel.state().asids().pool(pool);
            for (int i = 0; asids != null && i < AsidPool.ASIDS_PER_POOL; i++) {
                VSpace v = asids.vspace(i);
                if (v != null && !known.contains(v)) {
                    fail("ASID " + v.asid() + " names " + v + " (" + KernelMappings.pages(v).size()
                            + " pages mapped), which belongs to no live process");
                }
            }
        }
    }

    private void sosMapsProcessFramesOnlyInItsWindow() {
        FrameTable table = fx.sos.frameTable();
        long windowStart = FrameTable.windowAddress(1);
        long windowEnd = FrameTable.windowAddress(table.limit() + 1);
        for (Map.Entry<Long, Pte.Page> e : sosPages.entrySet()) {
            long va = e.getKey();
            Owner owner = owners.get(e.getValue().frame().paddr());
            boolean inWindow = va >= windowStart && va < windowEnd;
            if (!inWindow) {
                if (owner != null) {
                    fail("SOS maps its own memory at 0x" + Long.toHexString(va) + " on the physical page that process "
                            + owner.pid() + " maps at 0x" + Long.toHexString(owner.vaddr()));
                }
                continue;
            }
            int ref = (int) ((va - FrameTable.WINDOW) / Layout.PAGE);
            Cap.FrameCap frame = table.isLive(ref) ? KernelMappings.frameCap(fx.kernel, table.frameCap(ref)) : null;
            if (frame == null || frame.frame() != e.getValue().frame()) {
                fail("SOS's window at 0x" + Long.toHexString(va) + " maps " + e.getValue().frame()
                        + ", not the frame of reference " + ref + (table.isLive(ref) ? "" : " (freed)"));
            }
        }
    }

    /** Every range of physical memory a process page must not touch, from the capability tree. */
    private void processPagesOverlapNoOtherObjectOrFreeMemory() {
        Set<KernelObject> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        for (Slot s : fx.kernel.state().cdt().slots()) {
            Cap cap = s.cap();
            if (cap instanceof Cap.Untyped u) {
                if (!u.device() && u.watermark() < u.end()) {
                    touching(u.watermark(), u.end(), null, "free untyped memory of " + s);
                }
            } else if (cap.object() != null && seen.add(cap.object())) {
                touching(cap.object().paddr(), cap.object().end(), cap.object(), cap.object().toString());
            }
        }
    }

    private void touching(long start, long end, KernelObject object, String what) {
        Map.Entry<Long, Owner> below = owners.lowerEntry(start);
        if (below != null && below.getKey() + Layout.PAGE > start) {
            overlap(below.getValue(), below.getKey(), object, what);
        }
        for (Map.Entry<Long, Owner> e : owners.subMap(start, true, end, false).entrySet()) {
            overlap(e.getValue(), e.getKey(), object, what);
        }
    }

    private void overlap(Owner owner, long paddr, KernelObject object, String what) {
        if (object != owner.frame()) {
            fail("process " + owner.pid() + " maps physical page 0x" + Long.toHexString(paddr) + " at 0x"
                    + Long.toHexString(owner.vaddr()) + ", which overlaps " + what);
        }
    }

    /** Whether a shared object that a live process's region names holds frame {@code ref}. */
    private boolean heldForALiveProcess(int ref) {
        SharedMemory object = fx.sos.pages().sharedHolder(ref);
        if (object == null) {
            return false;
        }
        for (Process p : mappings.keySet()) {
            for (Region r : p.addressSpace().regions()) {
                if (r.shared() == object) {
                    return true;
                }
            }
        }
        return false;
    }

    private void frameTableReferencesAreDistinctAndOwned() {
        FrameTable table = fx.sos.frameTable();
        Map<Frame, Integer> byFrame = new IdentityHashMap<>();
        Set<Integer> liveRefs = new HashSet<>();
        for (int ref = 1; ref <= table.limit(); ref++) {
            if (!table.isLive(ref)) {
                continue;
            }
            liveRefs.add(ref);
            Cap.FrameCap cap = KernelMappings.frameCap(fx.kernel, table.frameCap(ref));
            if (cap == null) {
                fail("frame reference " + ref + " holds no frame cap");
                continue;
            }
            Integer other = byFrame.put(cap.frame(), ref);
            if (other != null) {
                fail("frame references " + other + " and " + ref + " are the same frame " + cap.frame());
            }
            if (!referencedRefs.contains(ref) && !heldForALiveProcess(ref)) {
                fail("frame reference " + ref + " is in use but no live process maps it (leaked or stolen)");
            }
        }
        if (liveRefs.size() != table.framesInUse()) {
            fail("the frame table counts " + table.framesInUse() + " frames in use but " + liveRefs.size()
                    + " are live");
        }
    }
}
