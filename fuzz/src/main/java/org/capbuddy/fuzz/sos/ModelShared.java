package org.capbuddy.fuzz.sos;

import java.util.HashMap;
import java.util.Map;

/**
 * The fuzzer's account of one MAP_SHARED anonymous object, written from Linux's semantics: its
 * pages belong to the object, not to a process, so a store by any process mapping one is what
 * every other one reads at the same offset of the object. A page is held from its first touch by
 * any sharer until the object dies (no live process's region names it any more); unmapping it
 * (munmap of a part, MADV_DONTNEED) in one process or in all keeps its bytes for the next touch.
 */
final class ModelShared {
    private final long id;
    private final long pages;
    /** The pages some sharer touched, by page index: each held once, however many map it. */
    private final Map<Long, ModelMemory.Cell> held = new HashMap<>();

    ModelShared(long id, long pages) {
        this.id = id;
        this.pages = pages;
    }

    long id() {
        return id;
    }

    /** The object's size in pages. */
    long pages() {
        return pages;
    }

    /** The page at {@code index}, held from now on (zero-filled at its first touch). */
    ModelMemory.Cell touch(long index) {
        return held.computeIfAbsent(index, i -> new ModelMemory.Cell(true));
    }

    /** Whether a sharer ever touched the page at {@code index}. */
    boolean holds(long index) {
        return held.containsKey(index);
    }

    /** The page indexes held. */
    Iterable<Long> heldIndexes() {
        return held.keySet();
    }

    /** Pages held: the frames SOS must hold for the object while it lives. */
    int heldCount() {
        return held.size();
    }

    @Override
    public String toString() {
        return "model shared#" + id + " (" + pages + " pages, " + held.size() + " held)";
    }
}
