package org.capbuddy.libos.allocman.cspace;

import org.capbuddy.libos.allocman.ManagerContext;
import org.capbuddy.libos.vka.CSpacePath;
import org.capbuddy.libos.vka.Result;
import org.capbuddy.libos.vka.SlotNaming;

/**
 * An allocator of capability slots (allocman's cspace interface). Every method returns errors as
 * values and leaves its state unchanged when it fails. As a {@link SlotNaming} it says how its
 * slots are addressed, so that its paths are made from the naming alone.
 */
public interface CSpaceManager extends SlotNaming {

    /** One free slot; the slot is empty. */
    Result<Long> alloc(ManagerContext ctx);

    /**
     * One free slot found without building anything (the page-fault path takes a slot per page),
     * or -1, having changed nothing, when {@link #alloc} has to serve the request or say why not.
     */
    default long tryAllocSlot() {
        return -1;
    }

    /** Returns a slot this manager handed out; NOT_ALLOCATED if it did not, or already has it back. */
    Result<Void> free(ManagerContext ctx, long cptr);

    /** The full path of a slot of this manager (meaningful only for its own cptrs): its naming's {@link #path}. */
    default CSpacePath makePath(long cptr) {
        return path(cptr);
    }

    /**
     * The CNode that addresses every slot of this manager for CNode invocations: the
     * {@code root()} of each {@link #makePath} path.
     */
    @Override
    long root();

    /** The depth that addresses every slot of this manager: the {@code capDepth()} of each {@link #makePath} path. */
    @Override
    int depth();

    /**
     * 2^numBits consecutive slots in one CNode, starting at a multiple of 2^numBits; the path
     * names the first, with {@code window} = 2^numBits. Consecutive cptrs name consecutive slots.
     * Refused with OUT_OF_SLOTS when no such run is free, also when this CSpace is too small to
     * hold one at all (a range or an L2 CNode under 2^numBits slots): that is a shortage of slots
     * to whoever asked for the run; with BAD_ARGUMENT only for a size no CSpace takes.
     */
    Result<CSpacePath> allocContiguous(ManagerContext ctx, int numBits);

    /** Returns a run handed out by {@link #allocContiguous}. */
    Result<Void> freeContiguous(ManagerContext ctx, long firstCptr, int numBits);

    /** True when {@code cptr} lies in a slot range this manager manages. */
    boolean manages(long cptr);

    /** Slots handed out and not yet returned. */
    long slotsInUse();

    /** Slots that could still be handed out (for a two-level manager, counting L2 CNodes not yet made). */
    long slotsFree();

    /** Bookkeeping bytes this manager holds in the mspace. */
    long bookkeepingBytes();
}
