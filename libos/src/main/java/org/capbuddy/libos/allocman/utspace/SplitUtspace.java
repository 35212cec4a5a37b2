package org.capbuddy.libos.allocman.utspace;

import java.util.List;
import org.capbuddy.kernel.api.InvocationResult;
import org.capbuddy.kernel.api.ObjectType;
import org.capbuddy.libos.allocman.ManagerContext;
import org.capbuddy.libos.vka.AllocError;
import org.capbuddy.libos.vka.AllocErrorKind;
import org.capbuddy.libos.vka.CSpacePath;
import org.capbuddy.libos.vka.Result;

/**
 * allocman's {@code utspace_split}: a binary buddy allocator over real untyped caps. Every buddy
 * is an untyped cap of its own (retyped out of its parent into a slot from the cspace), kept on a
 * free list per kind (RAM, device, device RAM) and size; an allocation takes the smallest free
 * buddy that fits, halves it down to the object's size and retypes the last half into the
 * caller's slot; a free coalesces a buddy with its free sibling, eagerly and recursively.
 *
 * <p>Differences from split.c, all deliberate:
 * <ul>
 *   <li><b>Atomic failures.</b> Every method either completes or leaves the manager, the kernel's
 *       caps, the cspace and the mspace as they were. An allocation that fails at any step (a
 *       slot, a record, either split Retype, or the final Retype into the caller's slot) undoes
 *       the splits it made, in reverse order, re-coalescing the halves; so a failed call costs
 *       nothing but its invocations. (split.c leaves half-split nodes and leaks on some paths.)
 *   <li><b>Cookies are allocation ids</b>, never reused, rather than node pointers: a stale or
 *       double free of a buddy that has since been handed out again is refused, not obeyed.
 *   <li><b>Device memory only where the kernel allows it.</b> Device untypeds hold only frames
 *       and untypeds (Retype refuses other types), so other types never look at them.
 *   <li><b>Errors are values</b>, with a sentence saying what was refused; nothing throws on bad
 *       input, and a re-entrant call (which allocman's guard should prevent) gets BUSY.
 * </ul>
 *
 * <p>As in allocman, a freed object's caps must already be deleted; the buddy is then reset by
 * the kernel on its next Retype (an untyped with no children starts again at its base).
 */
public final class SplitUtspace implements UtspaceManager {
    /** Mspace bytes charged for each node record ({@code sizeof(struct utspace_split_node)}, rounded). */
    public static final long NODE_RECORD_BYTES = 64;

    /** The kinds a request may come from, in the order they are tried (immutable, shared by every request). */
    private static final List<UntypedKind> RAM_ONLY = List.of(UntypedKind.RAM);
    private static final List<UntypedKind> ANY_DEVICE_RAM_FIRST = List.of(UntypedKind.DEVICE_RAM, UntypedKind.RAM);
    private static final List<UntypedKind> AT_PADDR_DEVICE_FIRST =
            List.of(UntypedKind.DEVICE, UntypedKind.DEVICE_RAM, UntypedKind.RAM);

    private final SplitLedger ledger = new SplitLedger();
    /** The untypeds handed over: to refuse overlaps, find buddies at a paddr and explain refusals. */
    private final SplitRoots roots = new SplitRoots();
    /** Allocated nodes by cookie; the table hands the cookies out. */
    private final CookieTable<SplitNode> allocations = new CookieTable<>();
    private long bytesInUse;
    private long framesInUse;
    private boolean busy;

    @Override
    public Result<Void> addUntyped(ManagerContext ctx, CSpacePath path, int sizeBits, long paddr, UntypedKind kind) {
        Result<Void> bad = ObjectRequest.checkUntyped(ctx, path, sizeBits, paddr, kind);
        if (!bad.isOk()) {
            return bad;
        }
        SplitNode clash = roots.overlapping(paddr, 1L << sizeBits);
        if (clash != null) {
            return Result.fail(AllocErrorKind.BAD_ARGUMENT, "untyped [0x" + Long.toHexString(paddr) + ", 2^"
                    + sizeBits + ") overlaps " + clash);
        }
        SplitNode holder = roots.inSlot(path);
        if (holder != null) {
            return Result.fail(AllocErrorKind.BAD_ARGUMENT, "slot " + path.capPtr() + " is already " + holder);
        }
        if (busy) {
            return busyError();
        }
        busy = true;
        try {
            Result<Long> record = ctx.mspaceAlloc(NODE_RECORD_BYTES);
            if (!record.isOk()) {
                return Result.fail(withContext(record.error(), "no node record for the new untyped"));
            }
            SplitNode root = new SplitNode(NodeCNode.of(path, null), path.capPtr(), sizeBits, paddr, kind, null,
                    record.longValue());
            roots.add(root, path);
            ledger.add(root);
            ledger.recordsChanged(1);
            return Result.done();
        } finally {
            busy = false;
        }
    }

    @Override
    public Result<Long> alloc(ManagerContext ctx, CSpacePath dest, ObjectType type, int objBits, long paddr,
                              boolean canBeDevice) {
        Result<Long> refused = ObjectRequest.refusal(ctx, dest, type, objBits, paddr);
        if (refused != null) {
            return refused;
        }
        int sizeArg = ObjectRequest.retypeSizeArg(type, objBits);
        if (busy) {
            return busyError();
        }
        busy = true;
        try {
            boolean device = canBeDevice && ObjectRequest.deviceCanHold(type);
            if (paddr == ManagerContext.NO_PADDR) {
                // The common request: found without a Result, which is made only for a refusal.
                SplitNode node = smallestFree(objBits, device);
                return node != null ? carveAndRetype(ctx, node, dest, type, objBits, sizeArg, paddr)
                        : Result.fail(AllocErrorKind.OUT_OF_MEMORY, "no free untyped of 2^" + objBits
                                + " bytes or more in " + kindsWithoutPaddr(device));
            }
            Result<SplitNode> found = findAt(paddr, objBits, type, canBeDevice, device);
            if (!found.isOk()) {
                return found.asFailure();
            }
            return carveAndRetype(ctx, found.value(), dest, type, objBits, sizeArg, paddr);
        } finally {
            busy = false;
        }
    }

    /** Halves {@code node} down to 2^objBits (towards paddr, else the lowest half) and retypes it into dest. */
    private Result<Long> carveAndRetype(ManagerContext ctx, SplitNode node, CSpacePath dest, ObjectType type,
                                        int objBits, int sizeArg, long paddr) {
        int splits = 0;
        while (node.sizeBits > objBits) {
            Result<Void> r = BuddySplitter.split(ctx, ledger, node);
            if (!r.isOk()) {
                return undoSplits(ctx, node, splits, r.error());
            }
            splits++;
            node = paddr == ManagerContext.NO_PADDR || node.lower.covers(paddr, objBits) ? node.lower : node.upper;
        }
        InvocationResult r = ctx.sel4().untypedRetype(node.cptr, type, sizeArg, dest.root(), dest.dest(),
                dest.destDepth(), dest.offset(), 1);
        if (!r.isOk()) {
            return undoSplits(ctx, node, splits, AllocError.kernel("Retype of " + node + " into " + type
                    + " at slot " + dest.capPtr(), r));
        }
        ledger.remove(node);
        node.setState(SplitNode.State.ALLOCATED);
        node.allocatedFrame = type.isFrame();
        long cookie = allocations.add(node);
        bytesInUse += node.bytes();
        if (node.allocatedFrame) {
            framesInUse++;
        }
        return Result.ofLong(cookie);
    }

    /**
     * Re-coalesces the buddies this call split, newest first, so a failed alloc changes nothing.
     * Each split went down to a half of the node split, so they are the last {@code splits}
     * ancestors of {@code reached}, the node the call had got to, nearest first.
     */
    private <T> Result<T> undoSplits(ManagerContext ctx, SplitNode reached, int splits, AllocError cause) {
        SplitNode split = reached.parent;
        for (int i = 0; i < splits; i++, split = split.parent) {
            Result<Void> merged = BuddySplitter.merge(ctx, ledger, split);
            if (!merged.isOk()) {
                return Result.fail(withContext(cause, null, "; undo: " + merged.error()));
            }
        }
        return Result.fail(cause);
    }

    /**
     * Without a paddr: the smallest free buddy that fits, device RAM first when allowed (split.c's
     * preference), then RAM; never plain device. Null if there is none.
     */
    private SplitNode smallestFree(int objBits, boolean device) {
        List<UntypedKind> kinds = kindsWithoutPaddr(device);
        for (int i = 0; i < kinds.size(); i++) { // indexed: no iterator per request
            SplitNode node = ledger.smallestAtLeast(kinds.get(i), objBits);
            if (node != null) {
                return node;
            }
        }
        return null;
    }

    private static List<UntypedKind> kindsWithoutPaddr(boolean device) {
        return device ? ANY_DEVICE_RAM_FIRST : RAM_ONLY;
    }

    /** With a paddr: the free buddy covering the range (device kinds first when allowed, as split.c). */
    private Result<SplitNode> findAt(long paddr, int objBits, ObjectType type, boolean canBeDevice, boolean device) {
        SplitNode node = roots.freeCovering(device ? AT_PADDR_DEVICE_FIRST : RAM_ONLY, paddr, objBits);
        if (node != null) {
            return Result.ok(node);
        }
        // Nothing free covers it: say why.
        String range = "[0x" + Long.toHexString(paddr) + ", +2^" + objBits + ")";
        SplitNode root = roots.covering(paddr, objBits);
        if (root == null) {
            return Result.fail(AllocErrorKind.BAD_ARGUMENT, "no managed untyped covers " + range);
        }
        if (root.kind() != UntypedKind.RAM && !canBeDevice) {
            return Result.fail(AllocErrorKind.BAD_ARGUMENT, range + " is " + root.kind()
                    + " memory and device memory was not allowed");
        }
        if (root.kind() != UntypedKind.RAM && !device) {
            return Result.fail(AllocErrorKind.BAD_ARGUMENT, range + " is " + root.kind() + " memory, which can hold"
                    + " only frames and untypeds, not " + type);
        }
        return Result.fail(AllocErrorKind.OUT_OF_MEMORY, range + " is already allocated, in whole or in part");
    }

    @Override
    public Result<Void> free(ManagerContext ctx, long cookie, int objBits) {
        if (ctx == null) {
            return Result.fail(AllocErrorKind.BAD_ARGUMENT, "manager context is null");
        }
        SplitNode node = allocations.get(cookie);
        if (node == null) {
            return Result.fail(AllocErrorKind.NOT_ALLOCATED, "cookie " + cookie
                    + " was not handed out by this allocator, or is already freed");
        }
        if (node.sizeBits != objBits) {
            return UtspaceManager.wrongSize(cookie, node.sizeBits, objBits);
        }
        if (busy) {
            return busyError();
        }
        busy = true;
        try {
            allocations.remove(cookie);
            bytesInUse -= node.bytes();
            if (node.allocatedFrame) {
                framesInUse--;
            }
            node.setState(SplitNode.State.FREE);
            node.allocatedFrame = false;
            ledger.add(node);
            // Eager coalescing: while the sibling is free too, the two halves become their parent.
            while (!node.isRoot() && node.sibling().isFree()) {
                Result<Void> merged = BuddySplitter.merge(ctx, ledger, node.parent);
                if (!merged.isOk()) {
                    // The object's memory is free either way; only the merging stopped short.
                    return Result.fail(withContext(merged.error(), "cookie " + cookie + " freed, but"));
                }
                node = node.parent;
            }
            return Result.done();
        } finally {
            busy = false;
        }
    }

    @Override
    public Result<Long> paddr(long cookie) {
        SplitNode node = allocations.get(cookie);
        if (node == null) {
            return Result.fail(AllocErrorKind.NOT_ALLOCATED, "cookie " + cookie
                    + " was not handed out by this allocator, or is already freed");
        }
        return Result.ofLong(node.paddr);
    }

    @Override
    public Result<Long> paddr(long cookie, int objBits) {
        SplitNode node = allocations.get(cookie);
        if (node != null && node.sizeBits != objBits) {
            return UtspaceManager.wrongSize(cookie, node.sizeBits, objBits);
        }
        return paddr(cookie);
    }

    @Override
    public long bytesInUse() {
        return bytesInUse;
    }

    @Override
    public long bytesFree() {
        return ledger.freeBytes();
    }

    @Override
    public long framesInUse() {
        return framesInUse;
    }

    @Override
    public long bookkeepingBytes() {
        return ledger.records() * NODE_RECORD_BYTES;
    }

    private static <T> Result<T> busyError() {
        return Result.fail(AllocErrorKind.BUSY, "split utspace re-entered while busy");
    }

    private static AllocError withContext(AllocError error, String before) {
        return withContext(error, before, "");
    }

    private static AllocError withContext(AllocError error, String before, String after) {
        String detail = (before == null ? "" : before + ": ") + error.detail() + after;
        return new AllocError(error.kind(), detail, error.kernelResult());
    }
}
