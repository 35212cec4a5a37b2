package org.capbuddy.kernel.cap;

import org.capbuddy.kernel.api.CapRights;
import org.capbuddy.kernel.api.VmRights;
import org.capbuddy.kernel.object.AsidPool;
import org.capbuddy.kernel.object.CNode;
import org.capbuddy.kernel.object.Endpoint;
import org.capbuddy.kernel.object.Frame;
import org.capbuddy.kernel.object.KernelObject;
import org.capbuddy.kernel.object.Notification;
import org.capbuddy.kernel.object.PageTable;
import org.capbuddy.kernel.object.Tcb;
import org.capbuddy.kernel.object.VSpace;

/**
 * A capability: an unforgeable reference to an object (or to a region of untyped memory) with the
 * access it confers. Caps are immutable values; an invocation that changes a cap (a Retype moving
 * the watermark, a Page_Map recording its mapping) writes a new value into the cap's slot, as
 * seL4 rewrites its {@code cap_t}.
 */
public sealed interface Cap {

    /** The object this cap refers to, or null for untyped memory and control caps. */
    default KernelObject object() {
        return null;
    }

    /** Untyped memory [paddr, paddr + 2^sizeBits); {@code freeIndex} counts 16-byte units used. */
    record Untyped(long paddr, int sizeBits, boolean device, long freeIndex) implements Cap {
        public static final int FREE_INDEX_SHIFT = 4;

        public long size() {
            return 1L << sizeBits;
        }

        public long end() {
            return paddr + size();
        }

        /** The first physical address above everything retyped so far. */
        public long watermark() {
            return paddr + (freeIndex << FREE_INDEX_SHIFT);
        }

        public long maxFreeIndex() {
            return size() >>> FREE_INDEX_SHIFT;
        }

        public long freeBytes() {
            return size() - (freeIndex << FREE_INDEX_SHIFT);
        }

        public Untyped withFreeIndex(long index) {
            return new Untyped(paddr, sizeBits, device, index);
        }
    }

    /** A frame; {@code mappedAsid} is 0 while the cap has no mapping. */
    record FrameCap(Frame frame, VmRights rights, int mappedAsid, long mappedVaddr) implements Cap {
        @Override
        public Frame object() {
            return frame;
        }

        public boolean isMapped() {
            return mappedAsid != 0;
        }

        public FrameCap mappedAt(int asid, long vaddr) {
            return new FrameCap(frame, rights, asid, vaddr);
        }

        /** This cap without its mapping (the cap itself when it has none: caps are values). */
        public FrameCap unmapped() {
            return isMapped() || mappedVaddr != 0 ? new FrameCap(frame, rights, 0, 0) : this;
        }
    }

    /** A page table; once mapped it records the ASID and the base of the range it translates. */
    record PageTableCap(PageTable table, boolean mapped, int mappedAsid, long mappedVaddr) implements Cap {
        @Override
        public PageTable object() {
            return table;
        }

        /** This cap without its mapping (the cap itself when it has none: caps are values). */
        public PageTableCap unmapped() {
            return mapped || mappedAsid != 0 || mappedVaddr != 0 ? new PageTableCap(table, false, 0, 0) : this;
        }
    }

    /** A VSpace root; {@code asid} is 0 until ASIDPool_Assign gives it one. */
    record VSpaceCap(VSpace vspace, int asid) implements Cap {
        @Override
        public VSpace object() {
            return vspace;
        }
    }

    /** A CNode with the guard that CSpace resolution compares. */
    record CNodeCap(CNode cnode, long guard, int guardSize) implements Cap {
        @Override
        public CNode object() {
            return cnode;
        }
    }

    record TcbCap(Tcb tcb) implements Cap {
        @Override
        public Tcb object() {
            return tcb;
        }
    }

    record EndpointCap(Endpoint endpoint, long badge, CapRights rights) implements Cap {
        @Override
        public Endpoint object() {
            return endpoint;
        }
    }

    record NotificationCap(Notification notification, long badge, CapRights rights) implements Cap {
        @Override
        public Notification object() {
            return notification;
        }
    }

    record AsidPoolCap(AsidPool pool) implements Cap {
        @Override
        public AsidPool object() {
            return pool;
        }
    }

    /** The authority to make ASID pools. */
    record AsidControl() implements Cap {
    }

    /** The authority over interrupts; the model keeps it only as an initial cap. */
    record IrqControl() implements Cap {
    }

    /** The authority to set threads' domains; kept only as an initial cap. */
    record DomainCap() implements Cap {
    }
}
