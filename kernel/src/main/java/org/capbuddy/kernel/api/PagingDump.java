package org.capbuddy.kernel.api;

import java.util.List;

/**
 * A VSpace's translation tables as the kernel holds them, in the manner of xv6's {@code vmprint}:
 * each paging structure (the VSpace root at level 0, then the level 1 to 3 tables) with the range
 * it translates, its physical address and the cap that maps it, and under the level that holds
 * them, the pages, in runs. A run is a stretch of consecutive entries of one table mapping pages
 * of one size with the same rights and execute-never bit onto physically consecutive frames, so
 * a large dump stays a few lines; a run of one page is one page.
 *
 * @param asid the VSpace's ASID (0: none; such a VSpace translates nothing)
 * @param entries the tables and runs, depth first (a table is followed by what it holds)
 * @param pages the pages mapped (a 2 MiB or 1 GiB block counts as one)
 * @param tables the paging structures, the root included
 */
public record PagingDump(int asid, List<Entry> entries, long pages, int tables) {
    public PagingDump {
        entries = List.copyOf(entries);
    }

    /** One line of the dump: a paging structure or a run of pages. */
    public sealed interface Entry permits Table, PageRun {
        /** 0 for the VSpace root, 1 to 3 for the tables under it; a run has its table's level. */
        int level();

        long vaddr();

        /** The last byte translated. */
        long vaddrLast();
    }

    /**
     * A paging structure.
     *
     * @param index its entry in the table above (-1 for the root)
     * @param cap where its cap is ({@code CNode@0x…[slot]}), or null when no cap maps it
     */
    public record Table(int level, int index, long vaddr, long vaddrLast, long paddr, String cap) implements Entry {
    }

    /**
     * Consecutive entries {@code firstIndex} to {@code firstIndex + count - 1} of a level
     * {@code level} table, mapping pages of {@code pageBytes} onto consecutive frames from
     * {@code paddr}.
     *
     * @param rights {@code rw}, {@code r} or {@code kernel-only}, as the entries grant user mode
     * @param firstCap the cap that maps the first page ({@code CNode@0x…[slot]}), or null
     * @param lastCap the cap that maps the last page, or null
     */
    public record PageRun(int level, int firstIndex, int count, long vaddr, long vaddrLast, long pageBytes,
            long paddr, String rights, boolean executeNever, String firstCap, String lastCap) implements Entry {
    }

    /** The dump as text: one line per entry, indented by level. */
    public String render() {
        StringBuilder s = new StringBuilder();
        s.append(String.format("VSpace ASID %d: %d paging structures, %,d pages mapped%n", asid, tables, pages));
        // Each line is an entry of a table, indented by that table's level: a table's own line is
        // the entry above that points to it (the root has none).
        for (Entry e : entries) {
            if (e instanceof Table t) {
                String cap = t.cap() == null ? "" : "  cap " + t.cap();
                if (t.index() < 0) {
                    s.append(String.format("  L%d table (root) at pa 0x%x%s%n", t.level(), t.paddr(), cap));
                } else {
                    s.append("  ".repeat(t.level() + 1));
                    s.append(String.format("L%d[%d] %s  -> L%d table at pa 0x%x%s%n", t.level() - 1, t.index(),
                            range(t.vaddr(), t.vaddrLast()), t.level(), t.paddr(), cap));
                }
            } else if (e instanceof PageRun r) {
                s.append("  ".repeat(r.level() + 2));
                String indices = r.count() == 1 ? "[" + r.firstIndex() + "]"
                        : "[" + r.firstIndex() + ".." + (r.firstIndex() + r.count() - 1) + "]";
                String pagesText = r.count() == 1 ? size(r.pageBytes()) + " page"
                        : String.format("%d %s pages", r.count(), size(r.pageBytes()));
                String frames = r.count() == 1 ? String.format("pa 0x%x", r.paddr())
                        : String.format("pa 0x%x-0x%x", r.paddr(), r.paddr() + r.count() * r.pageBytes() - 1);
                String caps = r.firstCap() == null ? "" : r.count() == 1 ? "  cap " + r.firstCap()
                        : "  caps " + r.firstCap() + " .. " + r.lastCap();
                s.append(String.format("L%d%s %s  %s %s  %s%s%n", r.level(), indices, range(r.vaddr(), r.vaddrLast()),
                        pagesText, permissions(r), frames, caps));
            }
        }
        return s.toString();
    }

    /** User permissions as {@code rwx} with dashes: read, write, and execute unless execute-never. */
    private static String permissions(PageRun r) {
        return switch (r.rights()) {
            case "rw" -> "rw";
            case "r" -> "r-";
            default -> "--";
        } + (r.executeNever() ? "-" : "x");
    }

    private static String range(long first, long last) {
        return String.format("0x%010x-0x%010x", first, last);
    }

    private static String size(long bytes) {
        return bytes >= 1L << 30 ? (bytes >>> 30) + "G" : bytes >= 1L << 20 ? (bytes >>> 20) + "M" : (bytes >>> 10) + "K";
    }
}
