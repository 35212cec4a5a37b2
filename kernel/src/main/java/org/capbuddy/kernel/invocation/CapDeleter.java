package org.capbuddy.kernel.invocation;

import java.util.ArrayDeque;
import java.util.Deque;
import org.capbuddy.kernel.cap.Cap;
import org.capbuddy.kernel.cap.Slot;
import org.capbuddy.kernel.object.AsidPool;
import org.capbuddy.kernel.object.CNode;
import org.capbuddy.kernel.object.Endpoint;
import org.capbuddy.kernel.object.KernelObject;
import org.capbuddy.kernel.object.PageTable;
import org.capbuddy.kernel.object.Tcb;
import org.capbuddy.kernel.object.ThreadState;
import org.capbuddy.kernel.object.TranslationTable;
import org.capbuddy.kernel.object.VSpace;
import org.capbuddy.kernel.vm.PageTableWalker;
import org.capbuddy.kernel.vm.PtSlot;

/**
 * Deleting caps and destroying objects: seL4's {@code cteDelete}, {@code cteRevoke} and
 * {@code finaliseCap}.
 *
 * <p>A frame cap's own mapping is removed whenever the cap is deleted. An object is destroyed
 * when its last cap (other than untyped caps covering it) goes: a page table is detached from its
 * parent, a VSpace loses its ASID, an ASID pool is removed from the ASID table, a CNode's or a
 * TCB's slots are emptied in turn. Objects to destroy go on a work list rather than the Java
 * stack, so CNode cycles and deep CSpaces cannot overflow it; a slot is emptied before its object
 * is finalised, so a CNode holding the last cap to itself is handled.
 */
public final class CapDeleter {
    private final KernelState k;
    /**
     * The work list of one delete, kept for the next: deletes do not nest (finalising empties
     * slots but never starts another delete), and it is cleared first in case a delete was cut
     * short by a throwable.
     */
    private final Deque<KernelObject> doomed = new ArrayDeque<>();

    CapDeleter(KernelState k) {
        this.k = k;
    }

    /** Deletes the cap in {@code slot}, destroying its object when it was the last cap. */
    public void delete(Slot slot) {
        if (slot.isEmpty()) {
            return;
        }
        doomed.clear();
        empty(slot, doomed);
        while (!doomed.isEmpty()) {
            finalise(doomed.pop(), doomed);
        }
    }

    /** Deletes every CDT descendant of the cap in {@code slot}; the cap itself stays. */
    public void revoke(Slot slot) {
        while (k.cdt().hasChildren(slot)) {
            delete(slot.next());
        }
    }

    private void empty(Slot slot, Deque<KernelObject> doomed) {
        Cap cap = slot.cap();
        boolean last = k.cdt().isFinal(slot);
        Cap.FrameCap frame = Cap.FrameCap.from(cap);
        if (frame != null && frame.isMapped()) {
            FrameInvocations.removeMapping(k, frame);
        }
        if (last && cap instanceof Cap.PageTableCap pt && pt.mapped()) {
            countUnmapWalk(k, pt);
        }
        k.cdt().unlink(slot);
        KernelObject object = cap.object();
        if (last && object != null && object.isLive()) {
            object.kill();
            doomed.push(object);
        }
    }

    private void finalise(KernelObject object, Deque<KernelObject> doomed) {
        if (object instanceof CNode cnode) {
            cnode.forEachTouchedSlot(s -> {
                if (!s.isEmpty()) {
                    empty(s, doomed);
                }
            });
        } else if (object instanceof Tcb tcb) {
            tcb.setState(ThreadState.INACTIVE);
            if (!tcb.cspaceRootSlot().isEmpty()) {
                empty(tcb.cspaceRootSlot(), doomed);
            }
            if (!tcb.vspaceRootSlot().isEmpty()) {
                empty(tcb.vspaceRootSlot(), doomed);
            }
        } else if (object instanceof PageTable table) {
            detach(table);
        } else if (object instanceof VSpace vspace) {
            releaseAsid(vspace);
        } else if (object instanceof AsidPool pool) {
            releasePool(pool);
        } else if (object instanceof Endpoint endpoint) {
            endpoint.setReceiver(null);
        }
    }

    /** Removes a page table from the table it is installed in, if it still is there. */
    static void detach(PageTable table) {
        TranslationTable parent = table.parent();
        if (parent != null && parent.target(table.parentIndex()) == table) {
            parent.clearEntry(table.parentIndex());
            VSpace root = rootOf(parent);
            if (root != null) {
                root.translationsChanged();
            }
        }
        table.detached();
    }

    /**
     * Counts the walk seL4's {@code unmapPageTable} makes for a mapped table: from the root of
     * the VSpace its cap's ASID names down to the table, when the ASID still names one (else it
     * gives up before walking). The model detaches the table through its parent link instead.
     */
    static void countUnmapWalk(KernelState k, Cap.PageTableCap cap) {
        if (k.asids().vspaceFor(cap.mappedAsid()) != null) {
            k.counters().kernelWalk();
        }
    }

    /** The VSpace a table hangs under, or null if it is detached somewhere on the way up. */
    static VSpace rootOf(TranslationTable table) {
        TranslationTable t = table;
        while (t instanceof PageTable pt) {
            t = pt.parent();
        }
        return t instanceof VSpace v ? v : null;
    }

    private void releaseAsid(VSpace vspace) {
        int asid = vspace.asid();
        if (asid != 0) {
            AsidPool pool = k.asids().pool(asid >>> 9);
            if (pool != null && pool.vspace(asid & 511) == vspace) {
                pool.setVSpace(asid & 511, null);
            }
            vspace.setAsid(0);
        }
        vspace.translationsChanged();
    }

    private void releasePool(AsidPool pool) {
        int index = pool.asidBase() >>> 9;
        if (k.asids().pool(index) == pool) {
            k.asids().setPool(index, null);
        }
        for (int i = 0; i < AsidPool.ASIDS_PER_POOL; i++) {
            VSpace v = pool.vspace(i);
            if (v != null) {
                v.setAsid(0);
                v.translationsChanged();
                pool.setVSpace(i, null);
            }
        }
    }

    /** True when {@code slot} of {@code table} maps {@code frame} at a level of its size. */
    static boolean mapsFrame(PtSlot slot, org.capbuddy.kernel.object.Frame frame) {
        return slot.bitsLeft() == frame.sizeBits()
                && slot.table().target(slot.index()) == frame;
    }

    static PtSlot lookup(KernelState k, VSpace vspace, long vaddr) {
        k.counters().kernelWalk();
        return PageTableWalker.lookup(vspace, vaddr);
    }
}
