package org.capbuddy.libos.allocman;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.Map;
import org.capbuddy.kernel.api.InvocationResult;
import org.capbuddy.kernel.api.ObjectType;
import org.capbuddy.libos.vka.AllocError;
import org.capbuddy.libos.vka.CSpacePath;
import org.capbuddy.libos.vka.Result;
import org.capbuddy.libos.vka.Undo;

/**
 * allocman's reserves, its "watermark": free slots, objects already retyped into reserve slots
 * (by type and size) and bookkeeping chunks (by exact size), kept so that a manager that needs
 * its own kind of resource while it is busy can still be served. Knows how to take from them,
 * top them up (through allocman's entries, never from the reserves themselves), give everything
 * back, and whether they are full; remembers whether they were taken from since they were last
 * full, which is what makes the end of an operation refill them.
 */
final class Reserves {
    private record ObjectKey(ObjectType type, int objBits) {
    }

    private ReserveConfig config = ReserveConfig.none();
    private final Deque<Long> slots = new ArrayDeque<>();
    private final Map<ObjectKey, Deque<ContextObjects.Owned>> objects = new LinkedHashMap<>();
    private final Map<Long, Deque<Long>> chunks = new LinkedHashMap<>();
    private boolean touched;

    /** Sets the sizes to keep; kinds configured before stay known (possibly with more than now wanted). */
    void configure(ReserveConfig wanted) {
        config = wanted;
        for (ReserveConfig.ObjectReserve o : wanted.objects()) {
            objects.computeIfAbsent(new ObjectKey(o.type(), o.objBits()), k -> new ArrayDeque<>());
        }
        for (ReserveConfig.ChunkReserve c : wanted.chunks()) {
            chunks.computeIfAbsent(c.bytes(), k -> new ArrayDeque<>());
        }
    }

    /** True when the reserves were taken from (or a fill was asked for) since they were last full. */
    boolean touched() {
        return touched;
    }

    /** Asks for a refill at the end of the current operation even if nothing was taken. */
    void touch() {
        touched = true;
    }

    void markUntouched() {
        touched = false;
    }

    // ---- taking

    boolean hasSlot() {
        return !slots.isEmpty();
    }

    long takeSlot() {
        touched = true;
        return slots.pop();
    }

    /** A chunk of exactly {@code bytes}, or null if none is held. */
    Long takeChunk(long bytes) {
        Deque<Long> held = chunks.get(bytes);
        if (held == null || held.isEmpty()) {
            return null;
        }
        touched = true;
        return held.pop();
    }

    /**
     * Moves a reserved object of this type and size into {@code dest} and frees the reserve slot
     * it sat in; returns its cookie, or null if none of that kind is held. If the move fails the
     * object stays in the reserve.
     */
    Result<Long> takeObject(ManagerContext ctx, CSpacePath dest, ObjectType type, int objBits) {
        Deque<ContextObjects.Owned> held = objects.get(new ObjectKey(type, objBits));
        if (held == null || held.isEmpty()) {
            return null;
        }
        ContextObjects.Owned object = held.pop();
        CSpacePath from = ctx.cspaceMakePath(object.cptr());
        InvocationResult moved = ctx.sel4().cnodeMove(dest.root(), dest.capPtr(), dest.capDepth(), from.root(),
                from.capPtr(), from.capDepth());
        if (!moved.isOk()) {
            held.push(object);
            return Result.fail(AllocError.kernel("moving a reserved " + type + " into slot " + dest.capPtr(), moved));
        }
        touched = true;
        ctx.cspaceFree(object.cptr());
        return Result.ofLong(object.cookie());
    }

    // ---- topping up (allocman's entries with the reserves switched off)

    boolean topUpSlots(Allocman allocman) {
        boolean progress = false;
        while (slots.size() < config.slots()) {
            Result<Long> slot = allocman.slotRequest(false);
            if (!slot.isOk()) {
                break;
            }
            slots.push(slot.value());
            progress = true;
        }
        return progress;
    }

    /**
     * Each object is a slot and a Retype into it; the undo log gives the slot back if the Retype
     * fails or anything is cut short before the object is in the reserve.
     */
    boolean topUpObjects(Allocman allocman) {
        boolean progress = false;
        for (ReserveConfig.ObjectReserve want : config.objects()) {
            Deque<ContextObjects.Owned> held = objects.get(new ObjectKey(want.type(), want.objBits()));
            while (held.size() < want.count()) {
                Result<Long> slot = allocman.slotRequest(false);
                if (!slot.isOk()) {
                    return progress;
                }
                long cptr = slot.value();
                try (Undo undo = Undo.begin(allocman.sel4().guard(), "topping up allocman's object reserve")) {
                    undo.push(() -> allocman.cspaceFree(cptr));
                    Result<Long> cookie = allocman.objectRequest(allocman.cspaceMakePath(cptr), want.type(),
                            want.objBits(), ManagerContext.NO_PADDR, false, false);
                    if (!cookie.isOk()) {
                        break;
                    }
                    held.push(new ContextObjects.Owned(cptr, cookie.value()));
                    undo.commit();
                }
                progress = true;
            }
        }
        return progress;
    }

    boolean topUpChunks(Allocman allocman) {
        boolean progress = false;
        for (ReserveConfig.ChunkReserve want : config.chunks()) {
            Deque<Long> held = chunks.get(want.bytes());
            while (held.size() < want.count()) {
                Result<Long> chunk = allocman.chunkRequest(want.bytes(), false);
                if (!chunk.isOk()) {
                    break;
                }
                held.push(chunk.value());
                progress = true;
            }
        }
        return progress;
    }

    boolean full() {
        if (slots.size() < config.slots()) {
            return false;
        }
        for (ReserveConfig.ObjectReserve o : config.objects()) {
            if (objects.get(new ObjectKey(o.type(), o.objBits())).size() < o.count()) {
                return false;
            }
        }
        for (ReserveConfig.ChunkReserve c : config.chunks()) {
            if (chunks.get(c.bytes()).size() < c.count()) {
                return false;
            }
        }
        return true;
    }

    // ---- giving everything back

    /**
     * Destroys the reserved objects (freeing their slots and memory), then frees the reserved
     * slots and chunks; returns the first error, having tried everything.
     */
    Result<Void> releaseAll(Allocman allocman) {
        Result<Void> outcome = Result.done();
        ContextObjects owned = new ContextObjects(allocman);
        for (Map.Entry<ObjectKey, Deque<ContextObjects.Owned>> e : objects.entrySet()) {
            while (!e.getValue().isEmpty()) {
                ContextObjects.Owned o = e.getValue().pop();
                Result<Void> r = owned.free(o.cptr(), o.cookie(), e.getKey().objBits());
                outcome = outcome.isOk() ? r : outcome;
            }
        }
        while (!slots.isEmpty()) {
            Result<Void> r = allocman.cspaceFree(slots.pop());
            outcome = outcome.isOk() ? r : outcome;
        }
        for (Map.Entry<Long, Deque<Long>> e : chunks.entrySet()) {
            while (!e.getValue().isEmpty()) {
                Result<Void> r = allocman.mspaceFree(e.getValue().pop(), e.getKey());
                outcome = outcome.isOk() ? r : outcome;
            }
        }
        return outcome;
    }

    // ---- counts

    int slotCount() {
        return slots.size();
    }

    int objectCount() {
        return objects.values().stream().mapToInt(Deque::size).sum();
    }

    int chunkCount() {
        return chunks.values().stream().mapToInt(Deque::size).sum();
    }
}
