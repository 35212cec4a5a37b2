package org.capbuddy.kernel.api;

import java.util.List;

/**
 * The capability derivation tree at one moment, as a tree: every cap with its depth (0 for the
 * caps boot made, their children one deeper), where it is, its type, the object it names and, by
 * type, its rights and badge or, for an untyped, its region, watermark and free bytes. Runs of
 * like caps (siblings of one type in consecutive slots of one CNode, naming consecutive objects:
 * a CapBuddy tree's 1024 frames, say) are one line, so a large tree stays readable.
 *
 * @param caps the caps in the tree
 * @param lines the tree in depth-first order, runs collapsed
 */
public record CdtDump(long caps, List<Line> lines) {
    public CdtDump {
        lines = List.copyOf(lines);
    }

    /**
     * One cap, or a group of {@code count} siblings alike (same type and detail, subtrees of the
     * same shape, objects next to each other in memory).
     *
     * @param each whether the line stands for what each member of a group above holds
     * @param slot where the (first) cap is: {@code CNode@0x…[index]}, or a TCB's slot
     * @param lastSlot where the group's last cap is (null for one cap)
     * @param type the cap's type ({@code Untyped}, {@code Frame}, {@code Endpoint}, …)
     * @param object the (first) object it names ({@code Kind@0x…}), or null for caps without one
     * @param lastObject the group's last object (null for one cap)
     * @param detail per type: rights and badge, a frame's mapping, an untyped's region, watermark and free bytes
     */
    public record Line(int depth, boolean each, int count, String slot, String lastSlot, String type, String object,
            String lastObject, String detail) {
    }

    public String render() {
        StringBuilder s = new StringBuilder(String.format("CDT: %,d caps%n", caps));
        for (Line l : lines) {
            s.append("  ".repeat(l.depth() + 1));
            if (l.each()) {
                s.append("each: ");
            }
            s.append(l.count() == 1 ? l.type() : l.count() + " x " + l.type());
            if (l.object() != null) {
                s.append(' ').append(l.object());
                if (l.lastObject() != null) {
                    s.append(" .. ").append(l.lastObject());
                }
            }
            if (l.detail() != null && !l.detail().isEmpty()) {
                s.append("  ").append(l.detail());
            }
            s.append("  in ").append(l.slot());
            if (l.lastSlot() != null) {
                s.append(" .. ").append(l.lastSlot());
            }
            s.append('\n');
        }
        return s.toString();
    }
}
