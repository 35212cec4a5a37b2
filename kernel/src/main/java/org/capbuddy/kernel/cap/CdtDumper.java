package org.capbuddy.kernel.cap;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import org.capbuddy.kernel.api.CdtDump;
import org.capbuddy.kernel.object.KernelObject;

/**
 * Reads the {@link Cdt}'s list, which holds the tree in depth-first order, back into a tree
 * ({@link CdtDump}): a slot's parent is the nearest slot before it that {@link CapRelations#isParentOf}
 * says derives it, as seL4's MDB is read. Siblings whose subtrees have the same shape and whose
 * objects follow each other in memory (a CapBuddy tree's frames, each with the copy SOS mapped)
 * become one line for the group and one for what each of them holds.
 */
public final class CdtDumper {
    private CdtDumper() {
    }

    /** A cap in the tree, its children, and its subtree's shape (types and details, addresses aside). */
    private static final class Node {
        final Slot slot;
        final List<Node> children = new ArrayList<>();
        String shape;

        Node(Slot slot) {
            this.slot = slot;
        }

        String shape() {
            if (shape == null) {
                StringBuilder s = new StringBuilder(runKey(slot.cap())).append('(');
                for (Node c : children) {
                    s.append(c.shape()).append(',');
                }
                shape = s.append(')').toString();
            }
            return shape;
        }
    }

    public static CdtDump dump(Cdt cdt) {
        List<Node> roots = new ArrayList<>();
        Deque<Node> ancestors = new ArrayDeque<>();
        for (Slot slot : cdt.slots()) {
            while (!ancestors.isEmpty() && !CapRelations.isParentOf(ancestors.peek().slot, slot)) {
                ancestors.pop();
            }
            Node node = new Node(slot);
            (ancestors.isEmpty() ? roots : ancestors.peek().children).add(node);
            ancestors.push(node);
        }
        List<CdtDump.Line> lines = new ArrayList<>();
        emit(roots, 0, false, lines);
        return new CdtDump(cdt.size(), lines);
    }

    private static void emit(List<Node> siblings, int depth, boolean each, List<CdtDump.Line> out) {
        int i = 0;
        while (i < siblings.size()) {
            int j = i + 1;
            long step = 0;
            while (j < siblings.size() && siblings.get(j).shape().equals(siblings.get(i).shape())) {
                long gap = objectGap(siblings.get(j - 1).slot.cap(), siblings.get(j).slot.cap());
                if (gap == 0 || (step != 0 && gap != step)) {
                    break;
                }
                step = gap;
                j++;
            }
            out.add(line(siblings.get(i).slot, siblings.get(j - 1).slot, depth, j - i, each));
            emit(siblings.get(i).children, depth + 1, each || j - i > 1, out);
            i = j;
        }
    }

    /**
     * How far the object of {@code b} is from that of {@code a} when they are next to each other in
     * memory (plus or minus the object's size), else 0: only such caps are grouped.
     */
    private static long objectGap(Cap a, Cap b) {
        KernelObject x = a.object();
        KernelObject y = b.object();
        if (x == null || y == null || x.getClass() != y.getClass() || x.sizeBits() != y.sizeBits()) {
            return 0;
        }
        long size = 1L << x.sizeBits();
        long gap = y.paddr() - x.paddr();
        return gap == size || gap == -size ? gap : 0;
    }

    private static CdtDump.Line line(Slot first, Slot last, int depth, int count, boolean each) {
        Cap cap = first.cap();
        KernelObject object = cap.object();
        String detail = detail(cap);
        if (count > 1 && cap instanceof Cap.FrameCap f && f.isMapped()) {
            Cap.FrameCap end = (Cap.FrameCap) last.cap();
            long low = Math.min(f.mappedVaddr(), end.mappedVaddr());
            long high = Math.max(f.mappedVaddr(), end.mappedVaddr()) + (1L << end.frame().sizeBits()) - 1;
            detail = String.format("%s, mapped in 0x%x-0x%x in ASID %d", f.rights().name().toLowerCase(), low, high,
                    f.mappedAsid());
        }
        if ((count > 1 || each) && cap instanceof Cap.PageTableCap t && t.mapped()) {
            detail = "mapped in ASID " + t.mappedAsid();
        }
        if (each && cap instanceof Cap.FrameCap f && f.isMapped()) {
            detail = String.format("%s, mapped in ASID %d (the first at 0x%x)", f.rights().name().toLowerCase(),
                    f.mappedAsid(), f.mappedVaddr());
        }
        KernelObject lastObject = last.cap().object();
        return new CdtDump.Line(depth, each, count, where(first), count == 1 ? null : where(last), type(cap),
                object == null ? null : object.toString(),
                count == 1 || lastObject == null ? null : lastObject.toString(), detail);
    }

    private static String where(Slot slot) {
        return slot.owner() == null ? "slot " + slot.index() : slot.owner() + "[" + slot.index() + "]";
    }

    private static String type(Cap cap) {
        String name = Cap.typeName(cap);
        return name.endsWith("Cap") ? name.substring(0, name.length() - 3) : name;
    }

    /** What caps in one group share: their detail, less a mapped frame's address, which moves along. */
    private static String runKey(Cap cap) {
        if (cap instanceof Cap.Untyped u) {
            return "Untyped@" + u.paddr() + "/" + u.sizeBits(); // never grouped
        }
        if (cap instanceof Cap.FrameCap f) {
            return "Frame " + f.rights() + (f.isMapped() ? " mapped in " + f.mappedAsid() : "");
        }
        if (cap instanceof Cap.PageTableCap t) {
            return "PageTable " + (t.mapped() ? "mapped in " + t.mappedAsid() : "unmapped");
        }
        return type(cap) + " " + detail(cap);
    }

    /** What a line says of a cap beyond its type and object. */
    private static String detail(Cap cap) {
        if (cap instanceof Cap.Untyped u) {
            return String.format("pa 0x%x, 2^%d bytes%s, watermark 0x%x, %,d bytes free", u.paddr(), u.sizeBits(),
                    u.device() ? " (device)" : "", u.watermark(), u.freeBytes());
        }
        if (cap instanceof Cap.FrameCap f) {
            return f.rights().name().toLowerCase()
                    + (f.isMapped() ? String.format(", mapped at 0x%x in ASID %d", f.mappedVaddr(), f.mappedAsid()) : "");
        }
        if (cap instanceof Cap.PageTableCap t) {
            return t.mapped() ? String.format("mapped at 0x%x in ASID %d", t.mappedVaddr(), t.mappedAsid()) : "not mapped";
        }
        if (cap instanceof Cap.VSpaceCap v) {
            return "ASID " + v.asid();
        }
        if (cap instanceof Cap.EndpointCap e) {
            return rightsAndBadge(e.rights(), e.badge());
        }
        if (cap instanceof Cap.NotificationCap n) {
            return rightsAndBadge(n.rights(), n.badge());
        }
        if (cap instanceof Cap.CNodeCap c) {
            return String.format("guard %d bits", c.guardSize());
        }
        return "";
    }

    private static String rightsAndBadge(Object rights, long badge) {
        return "rights " + rights + (badge != 0 ? ", badge 0x" + Long.toHexString(badge) : "");
    }
}
