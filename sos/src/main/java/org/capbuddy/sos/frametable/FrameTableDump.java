package org.capbuddy.sos.frametable;

import java.util.List;

/**
 * SOS's frame table at one moment: its reference width and limit, the frames in use, the live
 * references as ranges (a page table dump names each page's frame by reference), and the page
 * tables of SOS's window onto the frames.
 *
 * @param highestRef the highest reference handed out so far (references are reused newest first)
 */
public record FrameTableDump(int refBits, int limit, int inUse, int highestRef, List<RefRange> live,
        int windowTables) {
    public FrameTableDump {
        live = List.copyOf(live);
    }

    /** References {@code first} to {@code last}, both included, all live. */
    public record RefRange(int first, int last) {
    }

    public String render() {
        StringBuilder s = new StringBuilder(String.format(
                "Frame table: %,d of %,d frames in use (%d-bit references), highest reference %d, %d window tables%n",
                inUse, limit, refBits, highestRef, windowTables));
        if (!live.isEmpty()) {
            List<String> ranges = live.stream().map(r -> r.first() == r.last() ? Integer.toString(r.first())
                    : r.first() + "-" + r.last()).toList();
            s.append("  live references: ").append(String.join(", ", ranges)).append('\n');
        }
        return s.toString();
    }
}
