package org.capbuddy.libos.allocman.utspace;

import org.capbuddy.kernel.Sel4;
import org.capbuddy.kernel.api.InvocationResult;
import org.capbuddy.kernel.api.ObjectType;
import org.capbuddy.libos.allocman.ManagerContext;
import org.capbuddy.libos.vka.AllocError;
import org.capbuddy.libos.vka.AllocErrorKind;
import org.capbuddy.libos.vka.CapOps;
import org.capbuddy.libos.vka.CSpacePath;
import org.capbuddy.libos.vka.Result;
import org.capbuddy.libos.vka.Undo;

/**
 * One step of split's {@code _refill_pool} and of its coalescing free: making the two half-size
 * untyped caps of a free node, and destroying them again. Each step is all or nothing: on failure
 * every slot, mspace record and cap it made is given back and the ledger is untouched.
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
    static Result<Void> split(ManagerContext ctx, SplitLedger ledger, SplitNode parent) {
        int half = parent.sizeBits - 1;
        if (half < ObjectType.MIN_UNTYPED_BITS) {
            return Result.fail(AllocErrorKind.BAD_ARGUMENT, "cannot split " + parent + " below 2^"
                    + ObjectType.MIN_UNTYPED_BITS);
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
                return failed(ctx.slotRefusal(), "no slot for the lower half of " + parent);
            }
            taken = SLOT_LO;
            slotHi = ctx.cspaceAllocSlot();
            if (slotHi == ManagerContext.NO_SLOT) {
                return failed(ctx.slotRefusal(), "no slot for the upper half of " + parent);
            }
            taken = SLOT_HI;
            recLo = ctx.mspaceAllocChunk(SplitUtspace.NODE_RECORD_BYTES);
            if (recLo == ManagerContext.NO_CHUNK) {
                return failed(ctx.chunkRefusal(), "no node record for the lower half of " + parent);
            }
            taken = RECORD_LO;
            recHi = ctx.mspaceAllocChunk(SplitUtspace.NODE_RECORD_BYTES);
            if (recHi == ManagerContext.NO_CHUNK) {
                return failed(ctx.chunkRefusal(), "no node record for the upper half of " + parent);
            }
            taken = RECORD_HI;

            CSpacePath pathLo = ctx.cspaceMakePath(slotLo);
            CSpacePath pathHi = ctx.cspaceMakePath(slotHi);
            if (pathLo.capPtr() != slotLo || pathHi.capPtr() != slotHi) {
                // A half keeps only its cptr and gives it back as its slot: a context whose paths
                // name other cptrs would have the wrong slots freed later, so nothing is made.
                return Result.fail(AllocErrorKind.BAD_ARGUMENT, "the cspace's paths for slots " + slotLo + " and "
                        + slotHi + " name cptrs " + pathLo.capPtr() + " and " + pathHi.capPtr());
            }
            Sel4 sel4 = ctx.sel4();
            // The parent has no children, so this first Retype resets it and lands at its base: the
            // lower half. The second continues at the watermark: the upper half.
            InvocationResult r = retypeHalf(sel4, parent, half, pathLo);
            if (!r.isOk()) {
                return Result.fail(AllocError.kernel("Retype of the lower half of " + parent, r));
            }
            taken = LOWER_HALF;
            r = retypeHalf(sel4, parent, half, pathHi);
            if (!r.isOk()) {
                return Result.fail(AllocError.kernel("Retype of the upper half of " + parent, r));
            }
            taken = DONE;
            record(ledger, parent, half, pathLo, recLo, pathHi, recHi);
            return Result.done();
        } finally {
            if (taken != DONE) {
                undoSplit(ctx, parent, taken, slotLo, slotHi, recLo, recHi);
            }
        }
    }

    /**
     * Gives back the first {@code taken} steps of a split that failed or was cut short, newest
     * first, through an {@link Undo} log: an undo that fails marks the machine broken (naming the
     * split), and closing never throws, so the original failure is the one that propagates.
     * Deleting the lower half's cap comes before its slot goes back.
     */
    private static void undoSplit(ManagerContext ctx, SplitNode parent, int taken, long slotLo, long slotHi,
                                  long recLo, long recHi) {
        try (Undo undo = Undo.begin(ctx.sel4().guard(), "splitting the untyped at", parent.paddr)) {
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
                // The path is made inside the step, so that a throw there is handled as any undo's.
                undo.push(() -> CapOps.check("CNode_Delete", delete(ctx.sel4(), ctx.cspaceMakePath(slotLo))));
            }
        }
    }

    /** A refusal from the context, with what the split was doing when it came. */
    private static Result<Void> failed(AllocError cause, String what) {
        return Result.fail(new AllocError(cause.kind(), what + ": " + cause.detail(), cause.kernelResult()));
    }

    /** The two halves replace the parent on the free lists (no call out). */
    private static void record(SplitLedger ledger, SplitNode parent, int half, CSpacePath pathLo, long recLo,
                               CSpacePath pathHi, long recHi) {
        // A half's cptr is also the slot to give back (a path made for a cptr names that cptr).
        SplitNode lo = new SplitNode(NodeCNode.of(pathLo, parent.cnode), pathLo.capPtr(), half, parent.paddr,
                parent.kind(), parent, recLo);
        SplitNode hi = new SplitNode(NodeCNode.of(pathHi, lo.cnode), pathHi.capPtr(), half,
                parent.paddr + (1L << half), parent.kind(), parent, recHi);
        parent.lower = lo;
        parent.upper = hi;
        ledger.remove(parent);
        parent.setState(SplitNode.State.SPLIT);
        ledger.add(lo);
        ledger.add(hi);
        ledger.recordsChanged(2);
    }

    /**
     * Deletes the two free halves of {@code parent} and gives back their slots and records, so
     * that the parent is whole and free again (and, having no children, reset by its next
     * Retype). The upper half goes first, so if that delete fails nothing has changed.
     */
    static Result<Void> merge(ManagerContext ctx, SplitLedger ledger, SplitNode parent) {
        SplitNode lo = parent.lower;
        SplitNode hi = parent.upper;
        InvocationResult r = delete(ctx.sel4(), hi);
        if (!r.isOk()) {
            return Result.fail(AllocError.kernel("CNode_Delete of " + hi + " (coalescing stopped)", r));
        }
        ledger.remove(hi);
        String problems = release(ctx, hi);
        ledger.recordsChanged(-1);
        r = delete(ctx.sel4(), lo);
        if (!r.isOk()) {
            // Only possible if someone else moved or deleted our cap. The pair cannot be restored
            // (the parent keeps a child, so a new Retype would not reset it): the upper half's
            // memory is given up, the lower half stays a usable free node.
            hi.setState(SplitNode.State.LOST);
            return Result.fail(AllocError.kernel("CNode_Delete of " + lo + " after its sibling was deleted; 2^"
                    + hi.sizeBits + " bytes at 0x" + Long.toHexString(hi.paddr) + " are lost" + problems, r));
        }
        ledger.remove(lo);
        String more = release(ctx, lo);
        if (!more.isEmpty()) {
            problems += more;
        }
        ledger.recordsChanged(-1);
        parent.lower = null;
        parent.upper = null;
        parent.setState(SplitNode.State.FREE);
        ledger.add(parent);
        if (!problems.isEmpty()) {
            // The context refused to take back a slot or record it handed out: report it, the merge stands.
            return Result.fail(AllocErrorKind.NOT_ALLOCATED, "merged " + parent + " but" + problems);
        }
        return Result.done();
    }

    private static String release(ManagerContext ctx, SplitNode node) {
        String problems = "";
        Result<Void> s = ctx.cspaceFree(node.cptr);
        if (!s.isOk()) {
            problems += "; cspaceFree(" + node.cptr + "): " + s.error();
        }
        Result<Void> m = ctx.mspaceFree(node.recordAddress, SplitUtspace.NODE_RECORD_BYTES);
        if (!m.isOk()) {
            problems += "; mspaceFree(" + node.recordAddress + "): " + m.error();
        }
        return problems;
    }

    private static InvocationResult retypeHalf(Sel4 sel4, SplitNode parent, int half, CSpacePath dest) {
        return sel4.untypedRetype(parent.cptr, ObjectType.UNTYPED, half, dest.root(), dest.dest(),
                dest.destDepth(), dest.offset(), 1);
    }

    static InvocationResult delete(Sel4 sel4, SplitNode node) {
        return sel4.cnodeDelete(node.cnode.root(), node.cptr, node.cnode.depth());
    }

    private static InvocationResult delete(Sel4 sel4, CSpacePath path) {
        return sel4.cnodeDelete(path.root(), path.capPtr(), path.capDepth());
    }
}
