package org.capbuddy.libos.allocman;

import java.util.ArrayDeque;

/**
 * allocman's deferred-free queues: frees refused while their manager was busy (or interrupted at
 * their entry during an operation), kept as typed values and performed when an outermost
 * operation ends. Unlike allocman.c, whose fixed-size queues assert and leak when full, these
 * grow as needed, so a deferred free is never lost.
 */
final class DeferredFrees {
    private final ArrayDeque<DeferredFree.ObjectFree> objects = new ArrayDeque<>();
    private final ArrayDeque<DeferredFree.ChunkFree> chunks = new ArrayDeque<>();
    private final ArrayDeque<DeferredFree.SlotFree> slots = new ArrayDeque<>();
    private final ArrayDeque<DeferredFree.SlotRunFree> runs = new ArrayDeque<>();

    void slot(long cptr) {
        slots.add(new DeferredFree.SlotFree(cptr));
    }

    void slotRun(long firstCptr, int numBits) {
        runs.add(new DeferredFree.SlotRunFree(firstCptr, numBits));
    }

    void object(long cookie, int objBits) {
        objects.add(new DeferredFree.ObjectFree(cookie, objBits));
    }

    void chunk(long address, long bytes) {
        chunks.add(new DeferredFree.ChunkFree(address, bytes));
    }

    boolean isEmpty() {
        return objects.isEmpty() && chunks.isEmpty() && slots.isEmpty() && runs.isEmpty();
    }

    int size() {
        return objects.size() + chunks.size() + slots.size() + runs.size();
    }

    /**
     * Performs every queued free, objects first, then chunks, then slots (then runs of slots),
     * each oldest first; the order is re-decided after every free because performing one can
     * queue others (freeing an object's memory can shrink the virtual pool, whose frame is then
     * freed while the untyped manager is busy). Stops early when an interruption is pending: the
     * free it interrupted was queued again (at the back) and the next operation drains the rest.
     * Returns whether anything was queued.
     */
    boolean drain(Allocman allocman) {
        boolean drained = false;
        while (!isEmpty() && !allocman.interruptionPending()) {
            drained = true;
            next().perform(allocman);
        }
        return drained;
    }

    private DeferredFree next() {
        if (!objects.isEmpty()) {
            return objects.pop();
        }
        if (!chunks.isEmpty()) {
            return chunks.pop();
        }
        if (!slots.isEmpty()) {
            return slots.pop();
        }
        return runs.pop();
    }
}
