package org.capbuddy.libos.allocman.utspace;

import java.util.ArrayList;
import java.util.List;
import org.capbuddy.kernel.Sel4;
import org.capbuddy.kernel.api.InvocationResult;
import org.capbuddy.kernel.api.ObjectType;
import org.capbuddy.libos.allocman.ManagerContext;
import org.capbuddy.libos.vka.AllocError;
import org.capbuddy.libos.vka.AllocErrorKind;
import org.capbuddy.libos.vka.CSpacePath;
import org.capbuddy.libos.vka.Result;

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
        Undo undo = new Undo(ctx);
        Result<Long> slotLo = ctx.cspaceAlloc();
        if (!slotLo.isOk()) {
            return undo.fail(slotLo.error(), "no slot for the lower half of " + parent);
        }
        undo.slots.add(slotLo.value());
        Result<Long> slotHi = ctx.cspaceAlloc();
        if (!slotHi.isOk()) {
            return undo.fail(slotHi.error(), "no slot for the upper half of " + parent);
        }
        undo.slots.add(slotHi.value());
        Result<Long> recLo = ctx.mspaceAlloc(SplitUtspace.NODE_RECORD_BYTES);
        if (!recLo.isOk()) {
            return undo.fail(recLo.error(), "no node record for the lower half of " + parent);
        }
        undo.records.add(recLo.value());
        Result<Long> recHi = ctx.mspaceAlloc(SplitUtspace.NODE_RECORD_BYTES);
        if (!recHi.isOk()) {
            return undo.fail(recHi.error(), "no node record for the upper half of " + parent);
        }
        undo.records.add(recHi.value());

        CSpacePath pathLo = ctx.cspaceMakePath(slotLo.value());
        CSpacePath pathHi = ctx.cspaceMakePath(slotHi.value());
        Sel4 sel4 = ctx.sel4();
        // The parent has no children, so this first Retype resets it and lands at its base: the
        // lower half. The second continues at the watermark: the upper half.
        InvocationResult r = retypeHalf(sel4, parent, half, pathLo);
        if (!r.isOk()) {
            return undo.fail(AllocError.kernel("Retype of the lower half of " + parent, r), null);
        }
        undo.caps.add(pathLo);
        r = retypeHalf(sel4, parent, half, pathHi);
        if (!r.isOk()) {
            return undo.fail(AllocError.kernel("Retype of the upper half of " + parent, r), null);
        }

        SplitNode lo = new SplitNode(pathLo, slotLo.value(), half, parent.paddr, parent.kind, parent,
                recLo.value());
        SplitNode hi = new SplitNode(pathHi, slotHi.value(), half, parent.paddr + (1L << half), parent.kind,
                parent, recHi.value());
        lo.sibling = hi;
        hi.sibling = lo;
        parent.lower = lo;
        parent.upper = hi;
        ledger.remove(parent);
        parent.state = SplitNode.State.SPLIT;
        ledger.add(lo);
        ledger.add(hi);
        ledger.recordsChanged(2);
        return Result.done();
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

    /** What a half-done split has taken so far, given back in reverse order when it fails. */
    private static final class Undo {
        final ManagerContext ctx;
        final List<Long> slots = new ArrayList<>();
        final List<Long> records = new ArrayList<>();
        final List<CSpacePath> caps = new ArrayList<>();

        Undo(ManagerContext ctx) {
            this.ctx = ctx;
        }

        Result<Void> fail(AllocError cause, String what) {
            StringBuilder problems = new StringBuilder();
            boolean[] slotStillHolds = new boolean[slots.size()];
            for (int i = caps.size() - 1; i >= 0; i--) {
                InvocationResult r = delete(ctx.sel4(), caps.get(i));
                if (!r.isOk()) {
                    // The cap stays; its slot must not be reused, so it is leaked, not freed.
                    slotStillHolds[i] = true;
                    problems.append("; undo: CNode_Delete of slot ").append(caps.get(i).capPtr())
                            .append(" failed (slot leaked): ").append(r);
                }
            }
            for (int i = records.size() - 1; i >= 0; i--) {
                Result<Void> m = ctx.mspaceFree(records.get(i), SplitUtspace.NODE_RECORD_BYTES);
                if (!m.isOk()) {
                    problems.append("; undo: mspaceFree failed: ").append(m.error());
                }
            }
            for (int i = slots.size() - 1; i >= 0; i--) {
                if (!slotStillHolds[i]) {
                    Result<Void> s = ctx.cspaceFree(slots.get(i));
                    if (!s.isOk()) {
                        problems.append("; undo: cspaceFree failed: ").append(s.error());
                    }
                }
            }
            String detail = (what == null ? "" : what + ": ") + cause.detail() + problems;
            return Result.fail(new AllocError(cause.kind(), detail, cause.kernelResult()));
        }
    }
}
