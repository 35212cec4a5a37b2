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

    /**
     * Untyped memory [paddr, paddr + 2^sizeBits); {@code freeIndex} counts 16-byte units used.
     * The size is a byte so that the cap is 32 host bytes, not 40: a Retype writes a new one (its
     * watermark moved), and plain allocman keeps about two per frame it hands out.
     */
    record Untyped(long paddr, byte sizeBits, boolean device, long freeIndex) implements Cap {
        public static final int FREE_INDEX_SHIFT = 4;

        public Untyped {
            checkedBits(sizeBits);
        }

        /** An untyped of 2^sizeBits bytes, 0 &le; sizeBits &le; 63. */
        public Untyped(long paddr, int sizeBits, boolean device, long freeIndex) {
            this(paddr, checkedBits(sizeBits), device, freeIndex);
        }

        private static byte checkedBits(int sizeBits) {
            if (sizeBits < 0 || sizeBits > 63) {
                throw new IllegalArgumentException("untyped size bits must be 0..63, got " + sizeBits);
            }
            return (byte) sizeBits;
        }

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

    /**
     * A frame cap: the frame, the rights it grants, and its mapping ({@code mappedAsid} 0 while
     * it has none), with the accessors a record {@code (frame, rights, mappedAsid, mappedVaddr)}
     * would have. Values: every change gives a new cap ({@link #of} and the {@code with} methods).
     *
     * <p>Two forms. A frame's original cap, as Retype makes it, grants read-write and has no
     * mapping: it says nothing its frame does not, so the {@link Frame} object itself stands for it
     * (a frame handed out and never mapped costs no cap object, and a copy of it none either). Every
     * other frame cap is a {@link PackedFrameCap}. {@link #of} chooses, so each value has exactly
     * one form: a read-write unmapped cap is always its frame, and two caps are equal exactly when
     * they have the same frame, rights and mapping.
     */
    non-sealed interface FrameCap extends Cap {
        /** The cap of {@code frame} with {@code rights} mapped at {@code mappedVaddr} in {@code mappedAsid} (0: unmapped). */
        static FrameCap of(Frame frame, VmRights rights, int mappedAsid, long mappedVaddr) {
            if (frame == null || rights == null) {
                throw new IllegalArgumentException("a frame cap needs a frame and rights");
            }
            if (rights == VmRights.READ_WRITE && mappedAsid == 0 && mappedVaddr == 0) {
                return frame;
            }
            return new PackedFrameCap(frame, rights, mappedAsid, mappedVaddr);
        }

        /**
         * {@code cap} as a frame cap, or null when it is not one. Hot paths ask this rather than
         * {@code instanceof FrameCap}: on JDK 17 an instanceof of an interface that fails (an
         * untyped or a CNode cap beside a frame's in the CDT) scans the class's secondary supers
         * every time, while these two tests of final classes are one compare each.
         */
        static FrameCap from(Cap cap) {
            if (cap instanceof Frame frame) {
                return frame;
            }
            return cap instanceof PackedFrameCap packed ? packed : null;
        }

        Frame frame();

        VmRights rights();

        int mappedAsid();

        long mappedVaddr();

        @Override
        Frame object();

        default boolean isMapped() {
            return mappedAsid() != 0;
        }

        /** This cap, with its rights, mapped at {@code vaddr} in {@code asid}. */
        default FrameCap mappedAt(int asid, long vaddr) {
            return of(frame(), rights(), asid, vaddr);
        }

        /** This cap with other rights and the same mapping. */
        default FrameCap withRights(VmRights rights) {
            return of(frame(), rights, mappedAsid(), mappedVaddr());
        }

        /** This cap without its mapping (the cap itself when it has none: caps are values). */
        default FrameCap unmapped() {
            return isMapped() || mappedVaddr() != 0 ? of(frame(), rights(), 0, 0) : this;
        }
    }

    /**
     * A frame cap other than its frame's original: mapped, or with fewer rights. Stored as seL4
     * stores its {@code cap_frame_cap}: the mapping and rights packed in one word beside the
     * frame, so a cap is 24 host bytes instead of 32 (an SOS-style system keeps one per mapped
     * page). The mapped address is frame aligned and below 2^48, and an ASID has 16 bits, as in
     * seL4's cap; the constructor refuses anything else. Made only by {@link FrameCap#of}.
     *
     * <pre>
     * word:
     *   63           48 47                          12 11          2 1      0
     *  +---------------+------------------------------+-------------+--------+
     *  |  mapped ASID  |  mapped vaddr, bits 47..12   |   unused    | rights |
     *  +---------------+------------------------------+-------------+--------+
     *   rights: {@link VmRights} ordinal (0 KernelOnly, 1 ReadOnly, 2 ReadWrite)
     * </pre>
     */
    final class PackedFrameCap implements FrameCap {
        private static final int ASID_SHIFT = 48;
        private static final long VADDR_MASK = 0x0000_FFFF_FFFF_F000L;
        private static final long RIGHTS_MASK = 0x3L;
        private static final int MAX_ASID = 0xFFFF;

        private final Frame frame;
        private final long word;

        private PackedFrameCap(Frame frame, VmRights rights, int mappedAsid, long mappedVaddr) {
            this.frame = frame;
            this.word = pack(rights, mappedAsid, mappedVaddr);
        }

        private static long pack(VmRights rights, int asid, long vaddr) {
            if (asid < 0 || asid > MAX_ASID) {
                throw new IllegalArgumentException("a frame cap's ASID has 16 bits: " + asid);
            }
            if ((vaddr & ~VADDR_MASK) != 0) {
                throw new IllegalArgumentException("a frame cap's mapped address must be 4 KiB aligned below 2^48: 0x"
                        + Long.toHexString(vaddr));
            }
            return (long) asid << ASID_SHIFT | vaddr | rights.ordinal();
        }

        @Override
        public Frame frame() {
            return frame;
        }

        @Override
        public VmRights rights() {
            return switch ((int) (word & RIGHTS_MASK)) {
                case 0 -> VmRights.KERNEL_ONLY;
                case 1 -> VmRights.READ_ONLY;
                default -> VmRights.READ_WRITE;
            };
        }

        @Override
        public int mappedAsid() {
            return (int) (word >>> ASID_SHIFT);
        }

        @Override
        public long mappedVaddr() {
            return word & VADDR_MASK;
        }

        @Override
        public Frame object() {
            return frame;
        }

        @Override
        public boolean isMapped() {
            return mappedAsid() != 0;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof PackedFrameCap other && other.frame == frame && other.word == word;
        }

        @Override
        public int hashCode() {
            return 31 * System.identityHashCode(frame) + Long.hashCode(word);
        }

        @Override
        public String toString() {
            return describe(this);
        }
    }

    /** The type of {@code cap} as seL4 names its cap types: {@code FrameCap} for either form of a frame cap. */
    static String typeName(Cap cap) {
        return cap instanceof FrameCap ? "FrameCap" : cap.getClass().getSimpleName();
    }

    /**
     * How {@code cap} prints: as its record would, and a frame's original cap (its frame) as a
     * frame cap too, where the frame's own {@code toString} names only the frame.
     */
    static String text(Cap cap) {
        return cap instanceof FrameCap f ? describe(f) : String.valueOf(cap);
    }

    /** A frame cap as a record of (frame, rights, mappedAsid, mappedVaddr) would print. */
    private static String describe(FrameCap cap) {
        return "FrameCap[frame=" + cap.frame() + ", rights=" + cap.rights() + ", mappedAsid="
                + cap.mappedAsid() + ", mappedVaddr=" + cap.mappedVaddr() + "]";
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
