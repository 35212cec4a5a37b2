package org.capbuddy.sos.inspect;

import java.util.List;
import org.capbuddy.kernel.api.PagingDump;
import org.capbuddy.sos.addrspace.Region;

/**
 * What a process's memory looks like at one moment, for a student to read: its regions as SOS
 * keeps them, and its translation tables as the kernel holds them ({@link PagingDump}, read from
 * the kernel's tables, not from SOS's shadow), with how many pages each side counts.
 *
 * @param shadowPages the pages SOS's shadow table records for the process
 */
public record ProcessDump(int pid, List<RegionLine> regions, PagingDump pageTables, int shadowPages) {
    public ProcessDump {
        regions = List.copyOf(regions);
    }

    /**
     * One region: its kind, range, rights ({@code rwx} with dashes) and where its pages' first
     * contents come from ({@code image}, {@code zero}, or SOS's own code for the signal page).
     */
    public record RegionLine(String kind, long base, long end, String rights, String contents) {
        public static RegionLine of(Region r) {
            String rights = (r.read() ? "r" : "-") + (r.write() ? "w" : "-") + (r.execute() ? "x" : "-");
            return new RegionLine(r.kind().label(), r.base(), r.end(), rights,
                    r.kind() == org.capbuddy.sos.addrspace.RegionKind.SIGPAGE ? "SOS's signal code"
                            : r.isImageBacked() ? "image" : "zero");
        }
    }

    /** The dump as text: the regions, then the page tables. */
    public String render() {
        StringBuilder s = new StringBuilder();
        s.append(String.format("Process %d: %d regions; SOS's shadow records %,d pages, the kernel's tables map %,d%n",
                pid, regions.size(), shadowPages, pageTables.pages()));
        for (RegionLine r : regions) {
            s.append(String.format("  %-10s 0x%010x-0x%010x %s %s (%s)%n", r.kind(), r.base(), r.end() - 1, r.rights(),
                    size(r.end() - r.base()), r.contents()));
        }
        s.append(pageTables.render());
        return s.toString();
    }

    private static String size(long bytes) {
        if (bytes >= 1L << 30 && bytes % (1L << 30) == 0) {
            return (bytes >>> 30) + " GiB";
        }
        if (bytes >= 1L << 20 && bytes % (1L << 20) == 0) {
            return (bytes >>> 20) + " MiB";
        }
        return (bytes >>> 10) + " KiB";
    }
}
