package org.capbuddy.fuzz.sos;

import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.capbuddy.sos.Sos;
import org.capbuddy.sos.addrspace.Layout;
import org.capbuddy.sos.addrspace.Region;
import org.capbuddy.sos.addrspace.SharedMemory;

/**
 * One deep check's comparison of SOS's MAP_SHARED objects with the model's ({@link ModelShared}):
 * the objects must correspond one to one across every live process (a region of SOS's names an
 * object exactly where the model's range names one, and always the same one for the same model
 * object, at the same page index); each object must hold a frame for exactly the pages its sharers
 * touched; the objects alive must be those some live process names; and a page mapping an
 * object's frame must be that object's page at that address.
 */
final class SharedObjectsMatch {
    private final Map<SharedMemory, ModelShared> toModel = new HashMap<>();
    private final Map<ModelShared, SharedMemory> toSos = new HashMap<>();
    /** The model objects some live process names, in the order met. */
    private final Set<ModelShared> named = new LinkedHashSet<>();
    private long framesHeld;

    /** Compares {@code p}'s regions' objects with its model's shared ranges; null when they agree. */
    String regions(ModelProcess p) {
        for (Region r : p.process.addressSpace().regions()) {
            ModelAddressSpace.SharedRange s = p.space.sharedAt(r.base());
            String where = "process " + p.pid() + "'s region [0x" + Long.toHexString(r.base()) + ", 0x"
                    + Long.toHexString(r.end()) + ")";
            if (r.isShared() != (s != null)) {
                return where + " is " + (r.isShared() ? r.shared() : "private") + " in SOS, the model has "
                        + (s == null ? "private memory" : s.object());
            }
            if (s == null) {
                continue;
            }
            SharedMemory object = r.shared();
            if (s.end() < r.end()) {
                return where + " is one object's in SOS, the model's range of " + s.object() + " ends at 0x"
                        + Long.toHexString(s.end());
            }
            if (object.index(r.base()) != s.index(r.base()) || object.pages() != s.object().pages()) {
                return where + " starts at page " + object.index(r.base()) + " of " + object + ", the model at page "
                        + s.index(r.base()) + " of " + s.object();
            }
            ModelShared known = toModel.putIfAbsent(object, s.object());
            SharedMemory knownSos = toSos.putIfAbsent(s.object(), object);
            if (known != null && known != s.object() || knownSos != null && knownSos != object) {
                return where + " names " + object + ", which elsewhere is " + known + " in the model, while "
                        + s.object() + " is " + knownSos + " elsewhere in SOS";
            }
            named.add(s.object());
        }
        for (ModelAddressSpace.SharedRange s : p.space.sharedRanges()) {
            Region r = p.process.addressSpace().find(s.base());
            if (r == null || !r.isShared()) {
                return "process " + p.pid() + " has " + r + " at 0x" + Long.toHexString(s.base()) + ", the model "
                        + s.object();
            }
        }
        return null;
    }

    /**
     * After every live process's {@link #regions}: SOS has exactly the objects they name alive, and
     * each holds a frame for exactly the pages the model's holds; null when so.
     */
    String totals(Sos sos, List<ModelProcess> live) {
        if (sos.pages().liveSharedObjects() != named.size()) {
            return "SOS has " + sos.pages().liveSharedObjects() + " shared objects alive, the live processes name "
                    + named.size();
        }
        framesHeld = 0;
        for (Map.Entry<SharedMemory, ModelShared> e : toModel.entrySet()) {
            SharedMemory object = e.getKey();
            ModelShared model = e.getValue();
            if (object.framesHeld() != model.heldCount()) {
                return object + " holds " + object.framesHeld() + " frames, the model's " + model + " "
                        + model.heldCount();
            }
            for (long index : model.heldIndexes()) {
                if (object.frame(object.origin() + index * Layout.PAGE) == 0) {
                    return object + " holds no frame for its page " + index + ", which a sharer touched";
                }
            }
            framesHeld += model.heldCount();
        }
        if (sos.pages().sharedFramesHeld() != framesHeld) {
            return "SOS's shared objects hold " + sos.pages().sharedFramesHeld() + " frames, the model's "
                    + framesHeld;
        }
        return null;
    }

    /** Frames the live objects hold (after {@link #totals}). */
    long framesHeld() {
        return framesHeld;
    }

    /**
     * Whether {@code p}'s page at {@code va}, mapping frame {@code ref}, is as the model says: a
     * private frame where it has private memory, else the frame SOS's object (the one matching the
     * model's) holds for that page; null when so.
     */
    String frame(Sos sos, ModelProcess p, long va, int ref) {
        SharedMemory holder = sos.pages().sharedHolder(ref);
        ModelAddressSpace.SharedRange s = p.space.sharedAt(va);
        if (holder == null && s == null) {
            return null;
        }
        String page = "page 0x" + Long.toHexString(va) + " of process " + p.pid();
        if (holder == null || s == null) {
            return page + " maps frame " + ref + (holder == null ? ", which no shared object holds" : " of " + holder)
                    + ", the model has " + (s == null ? "private memory" : s.object()) + " there";
        }
        if (toModel.get(holder) != s.object() || holder.frame(va) != ref) {
            return page + " maps frame " + ref + " of " + holder + " (whose frame there is " + holder.frame(va)
                    + "), the model has " + s.object() + " there";
        }
        return null;
    }
}
