package org.capbuddy.libos.allocman.utspace;

import org.capbuddy.kernel.Sel4;
import org.capbuddy.kernel.api.InvocationResult;
import org.capbuddy.kernel.api.ObjectType;
import org.capbuddy.libos.allocman.ManagerContext;
import org.capbuddy.libos.vka.AllocError;
import org.capbuddy.libos.vka.AllocErrorKind;
import org.capbuddy.libos.vka.CapOps;
import org.capbuddy.libos.vka.Result;
import org.capbuddy.libos.vka.SlotNaming;
import org.capbuddy.libos.vka.Undo;

/**
 * One step of split's {@code _refill_pool} and of its coalescing free: making the two half-size
 * untyped caps of a free node, and destroying them again. Each step is all or nothing: on failure
 * every slot, mspace record and cap it made is given back and the ledger is untouched. The halves'
 * slots are addressed through the cspace's {@link SlotNaming}, so a split builds no path.
 */
final class BuddySplitter {
    /** How far a split got: {@code taken} counts its steps that succeeded (see {@link #undoSplit}). */
    private static final int SLOT_LO = 1;
    private static final int SLOT_HI = 2;
    private static final int RECORD_LO = 3;
    private static final int RECORD_HI = 4;
    private static final int LOWER_HALF = 5;
    private static final int DONE = 6;

    private BuddySplitter() {
    }

    /**
     * Retypes {@code parent} (free, with no live children) into two untypeds of half its size,
     * lower address first; on success the halves replace the parent on the free lists.
     */
    static Result<Void> split(ManagerContext ctx, SplitNodes nodes, SplitLedger ledger, int parent) {
        int half = nodes.sizeBits(parent) - 1;
        if (half < ObjectType.MIN_UNTYPED_BITS) {
            return Result.fail(AllocErrorKind.BAD_ARGUMENT, "cannot split " + nodes.describe(parent) + " below 2^"
                    + ObjectType.MIN_UNTYPED_BITS);
        }
        SlotNaming naming = ctx.cspaceNaming();
        int cnode = nodes.cnodeIndex(naming.root(), naming.depth(), nodes.cnodeIndexOf(parent));
        if (cnode == SplitNodes.NONE) {
            return Result.fail(AllocErrorKind.OUT_OF_MEMORY, "no room to record the CNode " + naming.root()
                    + " at depth " + naming.depth() + " for the halves of " + nodes.describe(parent));
        }
        // What the split has taken so far, in order: each step is given back if a later one fails
        // or anything throws. The undo log is built only then (see undoSplit): on this hot path a
        // log and a step object for each of the five steps would be garbage on every split.
        int taken = 0;
        long slotLo = 0;
        long slotHi = 0;
        long recLo = 0;
        long recHi = 0;
        try {
            // The primitive requests build no Result for what they grant; a refusal is read after.
            slotLo = ctx.cspaceAllocSlot();
            if (slotLo == ManagerContext.NO_SLOT) {
                return failed(ctx.slotRefusal(), "no slot for the lower half of " + nodes.describe(parent));
            }
            taken = SLOT_LO;
            slotHi = ctx.cspaceAllocSlot();
            if (slotHi == ManagerContext.NO_SLOT) {
                return failed(ctx.slotRefusal(), "no slot for the upper half of " + nodes.describe(parent));
            }
            taken = SLOT_HI;
            recLo = ctx.mspaceAllocChunk(SplitUtspace.NODE_RECORD_BYTES);
            if (recLo == ManagerContext.NO_CHUNK) {
                return failed(ctx.chunkRefusal(), "no node record for the lower half of " + nodes.describe(parent));
            }
            taken = RECORD_LO;
            recHi = ctx.mspaceAllocChunk(SplitUtspace.NODE_RECORD_BYTES);
            if (recHi == ManagerContext.NO_CHUNK) {
                return failed(ctx.chunkRefusal(), "no node record for the upper half of " + nodes.describe(parent));
            }
            taken = RECORD_HI;

            Sel4 sel4 = ctx.sel4();
            long untyped = nodes.cptr(parent);
            // The parent has no children, so this first Retype resets it and lands at its base: the
            // lower half. The second continues at the watermark: the upper half.
            InvocationResult r = retypeHalf(sel4, untyped, half, naming, slotLo);
            if (!r.isOk()) {
                return Result.fail(AllocError.kernel("Retype of the lower half of " + nodes.describe(parent), r));
            }
            taken = LOWER_HALF;
            r = retypeHalf(sel4, untyped, half, naming, slotHi);
            if (!r.isOk()) {
                return Result.fail(AllocError.kernel("Retype of the upper half of " + nodes.describe(parent), r));
            }
            taken = DONE;
            record(nodes, ledger, parent, cnode, slotLo, recLo, slotHi, recHi);
            return Result.done();
        } finally {
            if (taken != DONE) {
                undoSplit(ctx, naming, nodes.paddr(parent), taken, slotLo, slotHi, recLo, recHi);
            }
        }
    }

    /**
     * Gives back the first {@code taken} steps of a split that failed or was cut short, newest
     * first, through an {@link Undo} log: an undo that fails marks the machine broken (naming the
     * split), and closing never throws, so the original failure is the one that propagates.
     * Deleting the lower half's cap comes before its slot goes back.
     */
    private static void undoSplit(ManagerContext ctx, SlotNaming naming, long paddr, int taken, long slotLo,
                                  long slotHi, long recLo, long recHi) {
        try (Undo undo = Undo.begin(ctx.sel4().guard(), "splitting the untyped at", paddr)) {
            if (taken >= SLOT_LO) {
                undo.push(() -> ctx.cspaceFree(slotLo));
            }
            if (taken >= SLOT_HI) {
                undo.push(() -> ctx.cspaceFree(slotHi));
            }
            if (taken >= RECORD_LO) {
                undo.push(() -> ctx.mspaceFree(recLo, SplitUtspace.NODE_RECORD_BYTES));
            }
            if (taken >= RECORD_HI) {
                undo.push(() -> ctx.mspaceFree(recHi, SplitUtspace.NODE_RECORD_BYTES));
            }
            if (taken >= LOWER_HALF) {
                undo.push(() -> CapOps.check("CNode_Delete",
                        ctx.sel4().cnodeDelete(naming.root(), slotLo, naming.depth())));
            }
        }
    }

    /** A refusal from the context, with what the split was doing when it came. */
    private static Result<Void> failed(AllocError cause, String what) {
        return Result.fail(new AllocError(cause.kind(), what + ": " + cause.detail(), cause.kernelResult()));
    }

    /** The two halves replace the parent on the free lists (no call out). */
    private static void record(SplitNodes nodes, SplitLedger ledger, int parent, int cnode, long slotLo, long recLo,
                               long slotHi, long recHi) {
        // A half's cptr is also the slot to give back.
        int lo = nodes.halves(parent, cnode, slotLo, recLo, slotHi, recHi);
        ledger.remove(parent);
        nodes.setState(parent, SplitNodes.State.SPLIT);
        ledger.add(lo);
        ledger.add(lo + 1);
        ledger.recordsChanged(2);
    }

    /**
     * Deletes the two free halves of {@code freed}'s parent and gives back their slots and
     * records, so that the parent is whole and free again (and, having no children, reset by its
     * next Retype). As split.c's free does, the sibling of the half just freed goes first (its
     * cap deleted, its slot and record given back), then that half; so if the first delete fails
     * nothing has changed.
     */
    static Result<Void> merge(ManagerContext ctx, SplitNodes nodes, SplitLedger ledger, int freed) {
        int parent = nodes.parent(freed);
        int first = nodes.sibling(freed);
        InvocationResult r = delete(ctx.sel4(), nodes, first);
        if (!r.isOk()) {
            return Result.fail(AllocError.kernel("CNode_Delete of " + nodes.describe(first) + " (coalescing stopped)", r));
        }
        ledger.remove(first);
        String problems = release(ctx, nodes, first);
        ledger.recordsChanged(-1);
        r = delete(ctx.sel4(), nodes, freed);
        if (!r.isOk()) {
            // Only possible if someone else moved or deleted our cap. The pair cannot be restored
            // (the parent keeps a child, so a new Retype would not reset it): the sibling's
            // memory is given up, the freed half stays a usable free node.
            nodes.setState(first, SplitNodes.State.LOST);
            return Result.fail(AllocError.kernel("CNode_Delete of " + nodes.describe(freed)
                    + " after its sibling was deleted; 2^" + nodes.sizeBits(first) + " bytes at 0x"
                    + Long.toHexString(nodes.paddr(first)) + " are lost" + problems, r));
        }
        ledger.remove(freed);
        String more = release(ctx, nodes, freed);
        if (!more.isEmpty()) {
            problems += more;
        }
        ledger.recordsChanged(-1);
        nodes.dropHalves(parent);
        nodes.setState(parent, SplitNodes.State.FREE);
        ledger.add(parent);
        if (!problems.isEmpty()) {
            // The context refused to take back a slot or record it handed out: report it, the merge stands.
            return Result.fail(AllocErrorKind.NOT_ALLOCATED, "merged " + nodes.describe(parent) + " but" + problems);
        }
        return Result.done();
    }

    private static String release(ManagerContext ctx, SplitNodes nodes, int node) {
        String problems = "";
        long cptr = nodes.cptr(node);
        Result<Void> s = ctx.cspaceFree(cptr);
        if (!s.isOk()) {
            problems += "; cspaceFree(" + cptr + "): " + s.error();
        }
        long record = nodes.record(node);
        Result<Void> m = ctx.mspaceFree(record, SplitUtspace.NODE_RECORD_BYTES);
        if (!m.isOk()) {
            problems += "; mspaceFree(" + record + "): " + m.error();
        }
        return problems;
    }

    private static InvocationResult retypeHalf(Sel4 sel4, long untyped, int half, SlotNaming naming, long slot) {
        return sel4.untypedRetype(untyped, ObjectType.UNTYPED, half, naming.root(), naming.destIndex(slot),
                naming.destDepth(), naming.destOffset(slot), 1);
    }

    static InvocationResult delete(Sel4 sel4, SplitNodes nodes, int node) {
        NodeCNode cnode = nodes.cnode(node);
        return sel4.cnodeDelete(cnode.root(), nodes.cptr(node), cnode.depth());
    }
}
