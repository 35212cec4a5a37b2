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
        try (Undo undo = Undo.begin(ctx.sel4().guard(), "splitting the untyped at", parent.paddr)) {
            Result<Long> slotLo = ctx.cspaceAlloc();
            if (!slotLo.isOk()) {
                return failed(slotLo.error(), "no slot for the lower half of " + parent);
            }
            undo.push(() -> ctx.cspaceFree(slotLo.value()));
            Result<Long> slotHi = ctx.cspaceAlloc();
            if (!slotHi.isOk()) {
                return failed(slotHi.error(), "no slot for the upper half of " + parent);
            }
            undo.push(() -> ctx.cspaceFree(slotHi.value()));
            Result<Long> recLo = ctx.mspaceAlloc(SplitUtspace.NODE_RECORD_BYTES);
            if (!recLo.isOk()) {
                return failed(recLo.error(), "no node record for the lower half of " + parent);
            }
            undo.push(() -> ctx.mspaceFree(recLo.value(), SplitUtspace.NODE_RECORD_BYTES));
            Result<Long> recHi = ctx.mspaceAlloc(SplitUtspace.NODE_RECORD_BYTES);
            if (!recHi.isOk()) {
                return failed(recHi.error(), "no node record for the upper half of " + parent);
            }
            undo.push(() -> ctx.mspaceFree(recHi.value(), SplitUtspace.NODE_RECORD_BYTES));

            CSpacePath pathLo = ctx.cspaceMakePath(slotLo.value());
            CSpacePath pathHi = ctx.cspaceMakePath(slotHi.value());
            Sel4 sel4 = ctx.sel4();
            // The parent has no children, so this first Retype resets it and lands at its base: the
            // lower half. The second continues at the watermark: the upper half.
            InvocationResult r = retypeHalf(sel4, parent, half, pathLo);
            if (!r.isOk()) {
                return Result.fail(AllocError.kernel("Retype of the lower half of " + parent, r));
            }
            // Deleting the lower half's cap comes before its slot goes back (undone newest first).
            undo.push(() -> CapOps.check("CNode_Delete", delete(sel4, pathLo)));
            r = retypeHalf(sel4, parent, half, pathHi);
            if (!r.isOk()) {
                return Result.fail(AllocError.kernel("Retype of the upper half of " + parent, r));
            }
            undo.commit();
            record(ledger, parent, half, pathLo, slotLo.value(), recLo.value(), pathHi, slotHi.value(), recHi.value());
            return Result.done();
        }
    }

    /** A refusal from the context, with what the split was doing when it came. */
    private static Result<Void> failed(AllocError cause, String what) {
        return Result.fail(new AllocError(cause.kind(), what + ": " + cause.detail(), cause.kernelResult()));
    }

    /** The two halves replace the parent on the free lists (no call out). */
    private static void record(SplitLedger ledger, SplitNode parent, int half, CSpacePath pathLo, long slotLo,
                               long recLo, CSpacePath pathHi, long slotHi, long recHi) {
        SplitNode lo = new SplitNode(pathLo, slotLo, half, parent.paddr, parent.kind, parent, recLo);
        SplitNode hi = new SplitNode(pathHi, slotHi, half, parent.paddr + (1L << half), parent.kind, parent, recHi);
        lo.sibling = hi;
        hi.sibling = lo;
        parent.lower = lo;
        parent.upper = hi;
        ledger.remove(parent);
        parent.state = SplitNode.State.SPLIT;
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
        InvocationResult r = delete(ctx.sel4(), hi.path);
        if (!r.isOk()) {
            return Result.fail(AllocError.kernel("CNode_Delete of " + hi + " (coalescing stopped)", r));
        }
        ledger.remove(hi);
        String problems = release(ctx, hi);
        ledger.recordsChanged(-1);
        r = delete(ctx.sel4(), lo.path);
        if (!r.isOk()) {
            // Only possible if someone else moved or deleted our cap. The pair cannot be restored
            // (the parent keeps a child, so a new Retype would not reset it): the upper half's
            // memory is given up, the lower half stays a usable free node.
            hi.state = SplitNode.State.LOST;
            return Result.fail(AllocError.kernel("CNode_Delete of " + lo + " after its sibling was deleted; 2^"
                    + hi.sizeBits + " bytes at 0x" + Long.toHexString(hi.paddr) + " are lost" + problems, r));
        }
        ledger.remove(lo);
        problems += release(ctx, lo);
        ledger.recordsChanged(-1);
        parent.lower = null;
        parent.upper = null;
        parent.state = SplitNode.State.FREE;
        ledger.add(parent);
        if (!problems.isEmpty()) {
            // The context refused to take back a slot or record it handed out: report it, the merge stands.
            return Result.fail(AllocErrorKind.NOT_ALLOCATED, "merged " + parent + " but" + problems);
        }
        return Result.done();
    }

    private static String release(ManagerContext ctx, SplitNode node) {
        String problems = "";
        Result<Void> s = ctx.cspaceFree(node.slot);
        if (!s.isOk()) {
            problems += "; cspaceFree(" + node.slot + "): " + s.error();
        }
        Result<Void> m = ctx.mspaceFree(node.recordAddress, SplitUtspace.NODE_RECORD_BYTES);
        if (!m.isOk()) {
            problems += "; mspaceFree(" + node.recordAddress + "): " + m.error();
        }
        return problems;
    }

    private static InvocationResult retypeHalf(Sel4 sel4, SplitNode parent, int half, CSpacePath dest) {
        return sel4.untypedRetype(parent.path.capPtr(), ObjectType.UNTYPED, half, dest.root(), dest.dest(),
                dest.destDepth(), dest.offset(), 1);
    }

    static InvocationResult delete(Sel4 sel4, CSpacePath path) {
        return sel4.cnodeDelete(path.root(), path.capPtr(), path.capDepth());
    }
}
