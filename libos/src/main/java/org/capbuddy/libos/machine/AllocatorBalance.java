package org.capbuddy.libos.machine;

import java.util.ArrayList;
import java.util.List;

/**
 * What the allocators hold at one moment, once their caches are settled (allocman's reserves
 * given back, the pool's spare trees returned): the figures that must come back to their values
 * when everything handed out is freed. Comparing two with {@link #diff} is the leak check.
 *
 * @param slots capability slots in use
 * @param untypedBytes untyped memory in use, in bytes
 * @param frames frames allocman has handed out
 * @param bookkeepingBytes bookkeeping (mspace) bytes in use
 * @param bookkeepingPages pages the bookkeeping pool has mapped for itself
 * @param unsettled what settling could not give back: reserved items, deferred frees, frees a
 *     pool tree still owes (0 on a sound machine)
 */
public record AllocatorBalance(long slots, long untypedBytes, long frames, long bookkeepingBytes,
                               long bookkeepingPages, long unsettled) {

    /** This balance minus {@code before}: what was taken (positive) or given back (negative) since. */
    public AllocatorBalance diff(AllocatorBalance before) {
        return new AllocatorBalance(slots - before.slots, untypedBytes - before.untypedBytes, frames - before.frames,
                bookkeepingBytes - before.bookkeepingBytes, bookkeepingPages - before.bookkeepingPages,
                unsettled - before.unsettled);
    }

    /** True when every figure is 0 (as a {@link #diff}: nothing taken, nothing lost). */
    public boolean isZero() {
        return slots == 0 && untypedBytes == 0 && frames == 0 && bookkeepingBytes == 0 && bookkeepingPages == 0
                && unsettled == 0;
    }

    /** The non-zero figures, as "name value" pairs, for messages (empty when zero). */
    public List<String> nonZeroFigures() {
        List<String> out = new ArrayList<>();
        add(out, "slots", slots);
        add(out, "untypedBytes", untypedBytes);
        add(out, "frames", frames);
        add(out, "bookkeepingBytes", bookkeepingBytes);
        add(out, "bookkeepingPages", bookkeepingPages);
        add(out, "unsettled", unsettled);
        return out;
    }

    private static void add(List<String> out, String name, long value) {
        if (value != 0) {
            out.add(name + " " + value);
        }
    }

    @Override
    public String toString() {
        List<String> parts = nonZeroFigures();
        return parts.isEmpty() ? "AllocatorBalance[all zero]" : "AllocatorBalance[" + String.join(", ", parts) + "]";
    }
}
