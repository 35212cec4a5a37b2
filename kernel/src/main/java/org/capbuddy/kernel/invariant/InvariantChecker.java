package org.capbuddy.kernel.invariant;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.capbuddy.kernel.cap.Cap;
import org.capbuddy.kernel.cap.CapRelations;
import org.capbuddy.kernel.cap.Slot;
import org.capbuddy.kernel.invocation.KernelState;
import org.capbuddy.kernel.memory.MemoryRegion;
import org.capbuddy.kernel.object.AsidPool;
import org.capbuddy.kernel.object.CNode;
import org.capbuddy.kernel.object.Frame;
import org.capbuddy.kernel.object.KernelObject;
import org.capbuddy.kernel.object.PageTable;
import org.capbuddy.kernel.object.Tcb;
import org.capbuddy.kernel.object.TranslationTable;
import org.capbuddy.kernel.object.VSpace;
import org.capbuddy.kernel.vm.AsidTable;

/**
 * Checks the kernel's invariants over its whole state. Each check is one method, named for the
 * property it guards:
 * <ul>
 *   <li>the CDT list is well linked, and a slot holds a cap exactly when it is in the list;</li>
 *   <li>every cap refers to a live object, and the caps to one object are adjacent in the CDT
 *       (which is what lets finality look only at neighbours);</li>
 *   <li>live objects do not overlap and lie in the machine's memory;</li>
 *   <li>every cap derived from an untyped lies below that untyped's watermark, and RAM above a
 *       watermark is zero;</li>
 *   <li>every page-table entry maps a live frame whose cap records that mapping, every installed
 *       page table points back to where it is installed, and the ASID table and VSpaces agree.</li>
 * </ul>
 */
public final class InvariantChecker {
    private final KernelState k;
    private final Tcb rootThread;
    private final List<String> violations = new ArrayList<>();
    private static final int MAX_REPORTED = 20;

    public InvariantChecker(KernelState k, Tcb rootThread) {
        this.k = k;
        this.rootThread = rootThread;
    }

    public InvariantReport check() {
        String links = k.cdt().checkLinks();
        if (links != null) {
            fail(links);
            return new InvariantReport(violations, 0, 0);
        }
        List<Slot> slots = k.cdt().slots();
        capsReferToLiveObjects(slots);
        capsToOneObjectAreAdjacent(slots);
        slotsWithCapsAreLinked(slots);
        List<KernelObject> objects = liveObjects(slots);
        liveObjectsDoNotOverlap(objects);
        childrenLieBelowWatermarks(slots);
        ramAboveWatermarksIsZero(slots);
        mappingsAreRecorded(slots);
        asidTableAgreesWithVSpaces();
        return new InvariantReport(violations, slots.size(), objects.size());
    }

    private void fail(String message) {
        if (violations.size() < MAX_REPORTED) {
            violations.add(message);
        }
    }

    private void capsReferToLiveObjects(List<Slot> slots) {
        for (Slot s : slots) {
            KernelObject o = s.cap().object();
            if (o != null && !o.isLive()) {
                fail("cap to a destroyed object: " + s);
            }
        }
    }

    private void capsToOneObjectAreAdjacent(List<Slot> slots) {
        Map<KernelObject, Integer> lastSeen = new IdentityHashMap<>(slots.size());
        for (int i = 0; i < slots.size(); i++) {
            KernelObject o = slots.get(i).cap().object();
            if (o == null) {
                continue;
            }
            Integer last = lastSeen.put(o, i);
            if (last != null && last != i - 1) {
                fail("caps to " + o + " are not adjacent in the CDT (positions " + last + " and " + i + ")");
            }
        }
    }

    private void slotsWithCapsAreLinked(List<Slot> slots) {
        Set<Slot> linked = java.util.Collections.newSetFromMap(new IdentityHashMap<>(slots.size()));
        linked.addAll(slots);
        Set<KernelObject> containers = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
        for (Slot s : slots) {
            KernelObject o = s.cap().object();
            if ((o instanceof CNode || o instanceof Tcb) && containers.add(o)) {
                forEachSlotOf(o, slot -> {
                    if (!slot.isEmpty() && !linked.contains(slot)) {
                        fail("slot holds a cap but is not in the CDT: " + slot);
                    }
                });
            }
        }
        if (!rootThread.cspaceRootSlot().isEmpty() && !linked.contains(rootThread.cspaceRootSlot())) {
            fail("root thread's CSpace slot is not in the CDT");
        }
    }

    private static void forEachSlotOf(KernelObject o, java.util.function.Consumer<Slot> visitor) {
        if (o instanceof CNode c) {
            c.forEachTouchedSlot(visitor);
        } else if (o instanceof Tcb t) {
            visitor.accept(t.cspaceRootSlot());
            visitor.accept(t.vspaceRootSlot());
        }
    }

    private static List<KernelObject> liveObjects(List<Slot> slots) {
        Set<KernelObject> seen = java.util.Collections.newSetFromMap(new IdentityHashMap<>(slots.size()));
        List<KernelObject> out = new ArrayList<>();
        for (Slot s : slots) {
            KernelObject o = s.cap().object();
            if (o != null && seen.add(o)) {
                out.add(o);
            }
        }
        return out;
    }

    private void liveObjectsDoNotOverlap(List<KernelObject> objects) {
        List<KernelObject> sorted = new ArrayList<>(objects);
        sorted.sort(Comparator.comparingLong(KernelObject::paddr));
        for (int i = 1; i < sorted.size(); i++) {
            KernelObject a = sorted.get(i - 1);
            KernelObject b = sorted.get(i);
            if (a.end() > b.paddr()) {
                fail("live objects overlap: " + a + " (" + a.size() + " bytes) and " + b);
            }
        }
        for (KernelObject o : sorted) {
            MemoryRegion r = k.memory().regionOf(o.paddr());
            if (r == null || o.end() > r.end()) {
                fail("object outside the machine's memory: " + o);
            }
            if ((o.paddr() & (o.size() - 1)) != 0) {
                fail("object not aligned to its size: " + o);
            }
        }
    }

    /** Walks the CDT keeping a stack of enclosing untyped caps (seL4's descendant runs). */
    private void childrenLieBelowWatermarks(List<Slot> slots) {
        Deque<Slot> untypeds = new ArrayDeque<>();
        for (Slot s : slots) {
            while (!untypeds.isEmpty() && !CapRelations.isParentOf(untypeds.peek(), s)) {
                untypeds.pop();
            }
            Cap cap = s.cap();
            if (!untypeds.isEmpty()) {
                Cap.Untyped parent = (Cap.Untyped) untypeds.peek().cap();
                long end = cap instanceof Cap.Untyped u ? u.end() : cap.object() != null ? cap.object().end() : -1;
                if (end > parent.watermark()) {
                    fail("cap " + s + " lies above its untyped's watermark 0x" + Long.toHexString(parent.watermark()));
                }
            }
            if (cap instanceof Cap.Untyped u) {
                if (u.freeIndex() < 0 || u.freeIndex() > u.maxFreeIndex()) {
                    fail("untyped free index out of range: " + s);
                }
                untypeds.push(s);
            }
        }
    }

    private void ramAboveWatermarksIsZero(List<Slot> slots) {
        for (Slot s : slots) {
            if (s.cap() instanceof Cap.Untyped u && !u.device() && u.watermark() < u.end()
                    && !k.memory().isZero(u.watermark(), u.end() - u.watermark())) {
                fail("RAM above the watermark of " + s + " is not zero");
            }
        }
    }

    private record MappingKey(int asid, long vaddr, Frame frame) {
    }

    private void mappingsAreRecorded(List<Slot> slots) {
        Set<MappingKey> recorded = new HashSet<>();
        Map<PageTable, Cap.PageTableCap> tableCaps = new IdentityHashMap<>();
        for (Slot s : slots) {
            if (s.cap() instanceof Cap.FrameCap f && f.isMapped()) {
                recorded.add(new MappingKey(f.mappedAsid(), f.mappedVaddr(), f.frame()));
            } else if (s.cap() instanceof Cap.PageTableCap pt) {
                tableCaps.put(pt.table(), pt);
            }
        }
        for (int p = 0; p < AsidTable.POOLS; p++) {
            AsidPool pool = k.asids().pool(p);
            if (pool == null) {
                continue;
            }
            for (int i = 0; i < AsidPool.ASIDS_PER_POOL; i++) {
                VSpace v = pool.vspace(i);
                if (v != null) {
                    walk(v, v.asid(), 0, 39, recorded, tableCaps);
                }
            }
        }
    }

    private void walk(TranslationTable table, int asid, long base, int bitsLeft, Set<MappingKey> recorded,
                      Map<PageTable, Cap.PageTableCap> tableCaps) {
        if (!table.isLive()) {
            fail("a live VSpace reaches destroyed table " + table);
            return;
        }
        for (int i = 0; i < TranslationTable.ENTRIES; i++) {
            Object target = table.target(i);
            if (target == null) {
                continue;
            }
            long va = base | ((long) i << bitsLeft);
            if (target instanceof Frame frame) {
                if (!frame.isLive()) {
                    fail("PTE at 0x" + Long.toHexString(va) + " (ASID " + asid + ") maps destroyed " + frame);
                } else if (!recorded.contains(new MappingKey(asid, va, frame))) {
                    fail("PTE at 0x" + Long.toHexString(va) + " (ASID " + asid + ") maps " + frame
                            + " but no frame cap records that mapping");
                }
                if (frame.sizeBits() != bitsLeft) {
                    fail("PTE at 0x" + Long.toHexString(va) + " maps a frame of the wrong size");
                }
            } else if (target instanceof PageTable pt) {
                if (pt.parent() != table || pt.parentIndex() != i) {
                    fail(pt + " is installed under " + table + "[" + i + "] but records another parent");
                }
                Cap.PageTableCap cap = tableCaps.get(pt);
                if (cap == null || !cap.mapped() || cap.mappedAsid() != asid || cap.mappedVaddr() != va) {
                    fail(pt + " installed at 0x" + Long.toHexString(va) + " (ASID " + asid
                            + ") but its cap says " + cap);
                }
                walk(pt, asid, va, bitsLeft - 9, recorded, tableCaps);
            }
        }
    }

    private void asidTableAgreesWithVSpaces() {
        for (int p = 0; p < AsidTable.POOLS; p++) {
            AsidPool pool = k.asids().pool(p);
            if (pool == null) {
                continue;
            }
            if (!pool.isLive()) {
                fail("ASID table holds destroyed pool " + pool);
            }
            for (int i = 0; i < AsidPool.ASIDS_PER_POOL; i++) {
                VSpace v = pool.vspace(i);
                if (v != null && v.asid() != pool.asidBase() + i) {
                    fail("ASID " + (pool.asidBase() + i) + " names " + v + " whose ASID is " + v.asid());
                }
                if (v != null && !v.isLive()) {
                    fail("ASID " + (pool.asidBase() + i) + " names destroyed " + v);
                }
            }
        }
    }
}
