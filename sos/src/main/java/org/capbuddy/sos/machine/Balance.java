package org.capbuddy.sos.machine;

import java.util.ArrayList;
import java.util.List;
import org.capbuddy.libos.machine.AllocatorBalance;

/**
 * What a machine running SOS holds at one moment: the allocators' settled balance, the frames
 * SOS's frame table holds, the page tables of SOS's frame window, the live processes and the
 * ASIDs the kernel has assigned. After any operation that failed, or any process that came and
 * went, {@link #diff} against the balance from before must be zero.
 *
 * @param allocators slots, untyped bytes, frames and bookkeeping the allocators hold
 * @param sosFrames frames SOS's frame table holds
 * @param windowTables page tables mapping SOS's frame window
 * @param processes live processes
 * @param asids ASIDs assigned to VSpaces, the root task's included
 * @param pageFileSlots slots of SOS's page file in use (0 without paging)
 */
public record Balance(AllocatorBalance allocators, long sosFrames, long windowTables, long processes, long asids,
                      long pageFileSlots) {

    /** A balance of a machine without paging. */
    public Balance(AllocatorBalance allocators, long sosFrames, long windowTables, long processes, long asids) {
        this(allocators, sosFrames, windowTables, processes, asids, 0);
    }

    /** This balance minus {@code before}. */
    public Balance diff(Balance before) {
        return new Balance(allocators.diff(before.allocators), sosFrames - before.sosFrames,
                windowTables - before.windowTables, processes - before.processes, asids - before.asids,
                pageFileSlots - before.pageFileSlots);
    }

    /** True when every figure is 0 (as a {@link #diff}: nothing taken, nothing lost). */
    public boolean isZero() {
        return allocators.isZero() && sosFrames == 0 && windowTables == 0 && processes == 0 && asids == 0
                && pageFileSlots == 0;
    }

    @Override
    public String toString() {
        List<String> parts = new ArrayList<>(allocators.nonZeroFigures());
        add(parts, "sosFrames", sosFrames);
        add(parts, "windowTables", windowTables);
        add(parts, "processes", processes);
        add(parts, "asids", asids);
        add(parts, "pageFileSlots", pageFileSlots);
        return parts.isEmpty() ? "Balance[all zero]" : "Balance[" + String.join(", ", parts) + "]";
    }

    private static void add(List<String> out, String name, long value) {
        if (value != 0) {
            out.add(name + " " + value);
        }
    }
}
