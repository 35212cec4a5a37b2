package org.capbuddy.sos.process;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.capbuddy.sos.addrspace.Region;
import org.capbuddy.sos.addrspace.SharedMemory;
import org.capbuddy.sos.frametable.FrameTable;

/**
 * SOS's side of MAP_SHARED anonymous memory: the shared objects alive ({@link SharedMemory}), the
 * processes whose regions name each, and how many pages map each frame an object holds.
 *
 * <p>Built the seL4 way, as copy-on-write sharing is: a frame cap maps one page, so every process
 * page mapping an object's frame has its own copy of SOS's frame cap in its own slot (here with the
 * region's rights, write included: the sharing is the point). The object holds the frame, not a
 * mapping: a frame goes back to the frame table only when its object dies, once no region of any
 * process names it (every page of such a region was unmapped before, so no mapping is left then);
 * until then a page unmapped everywhere (MADV_DONTNEED in each sharer) keeps its bytes for the next
 * touch, as Linux's shmem keeps them. Frames an object holds are never shared copy-on-write: a
 * fork leaves shared regions out of the share and the copy, and the child faults their pages in
 * from the object, as Linux's fork leaves a shared mapping's page table entries to be faulted in.
 */
final class SharedObjects {
    private final FrameTable frames;
    /**
     * The processes whose regions name each live object, in the order they came; objects in the
     * order they were made (an object's identity is its hash, so only a linked map keeps the order
     * frames are freed in, and with it the allocators' figures, the same from run to run).
     */
    private final Map<SharedMemory, Set<Process>> users = new LinkedHashMap<>();
    /** The pages mapping each frame an object holds (0 when unmapped everywhere). */
    private final Map<Integer, Integer> mappings = new HashMap<>();
    private long made;
    private long framesFreed;

    SharedObjects(FrameTable frames) {
        this.frames = frames;
    }

    /** A new object of {@code pages} pages at {@code origin}, used by {@code p}; null for a bad place or size. */
    SharedMemory create(Process p, long origin, long pages) {
        var made = SharedMemory.of(this.made + 1, origin, pages);
        if (!made.isOk()) {
            return null;
        }
        this.made++;
        SharedMemory object = made.value();
        Set<Process> who = Collections.newSetFromMap(new LinkedHashMap<>());
        who.add(p);
        users.put(object, who);
        return object;
    }

    /** {@code p} names every object its regions name (a fork's child, whose regions are its parent's). */
    void attach(Process p) {
        for (Region r : p.addressSpace().regions()) {
            Set<Process> who = r.isShared() ? users.get(r.shared()) : null;
            if (who != null) {
                who.add(p);
            }
        }
    }

    /** Whether frame {@code ref} is held by a shared object. */
    boolean holds(int ref) {
        return mappings.containsKey(ref);
    }

    /** The pages mapping frame {@code ref} of a shared object (0 for a frame no object holds). */
    int mappings(int ref) {
        Integer n = mappings.get(ref);
        return n == null ? 0 : n;
    }

    /** A shared object now holds frame {@code ref} (fresh, for its page's first touch): not mapped yet. */
    void held(int ref) {
        mappings.put(ref, 0);
    }

    /** One more page maps object frame {@code ref}. */
    void mapped(int ref) {
        mappings.merge(ref, 1, Integer::sum);
    }

    /** One page fewer maps object frame {@code ref}; the frame stays the object's. */
    void unmapped(int ref) {
        Integer n = mappings.get(ref);
        if (n == null || n == 0) {
            throw new IllegalStateException("shared frame " + ref + " unmapped more often than it was mapped");
        }
        mappings.put(ref, n - 1);
    }

    /**
     * {@code p}'s regions changed (munmap, MAP_FIXED, a shrinking break): an object none of them
     * names any more loses {@code p}, and one left with no process dies, its frames freed. The
     * caller has unmapped the pages of the regions taken away.
     */
    void recheck(Process p) {
        List<SharedMemory> named = named(p);
        for (Map.Entry<SharedMemory, Set<Process>> e : new ArrayList<>(users.entrySet())) {
            if (e.getValue().contains(p) && !named.contains(e.getKey())) {
                leave(e.getKey(), p);
            }
        }
    }

    /** {@code p} is torn down (its pages unmapped already): it names no object any more. */
    void detach(Process p) {
        for (Map.Entry<SharedMemory, Set<Process>> e : new ArrayList<>(users.entrySet())) {
            if (e.getValue().contains(p)) {
                leave(e.getKey(), p);
            }
        }
    }

    private static List<SharedMemory> named(Process p) {
        List<SharedMemory> out = new ArrayList<>();
        for (Region r : p.addressSpace().regions()) {
            if (r.isShared() && !out.contains(r.shared())) {
                out.add(r.shared());
            }
        }
        return out;
    }

    private void leave(SharedMemory object, Process p) {
        Set<Process> who = users.get(object);
        who.remove(p);
        if (!who.isEmpty()) {
            return;
        }
        users.remove(object);
        object.releaseAll(ref -> {
            Integer n = mappings.remove(ref);
            if (n != null && n != 0) {
                // a region taken away with its pages still mapped: only a bug in SOS gets here
                throw new IllegalStateException("shared frame " + ref + " freed with " + n + " pages mapping it");
            }
            frames.free(ref);
            framesFreed++;
        });
    }

    /** The live object holding frame {@code ref}, or null. */
    SharedMemory holder(int ref) {
        if (!mappings.containsKey(ref)) {
            return null;
        }
        for (SharedMemory object : users.keySet()) {
            if (object.holdsFrame(ref)) {
                return object;
            }
        }
        return null;
    }

    /** The processes naming {@code object} now (empty for an object that died or never was). */
    List<Process> users(SharedMemory object) {
        Set<Process> who = users.get(object);
        return who == null ? List.of() : List.copyOf(who);
    }

    /** Objects alive now. */
    int liveObjects() {
        return users.size();
    }

    /** Frames the live objects hold. */
    int framesHeld() {
        return mappings.size();
    }

    /** Objects made so far. */
    long objectsMade() {
        return made;
    }

    /** Frames given back by objects that died. */
    long framesFreed() {
        return framesFreed;
    }
}
