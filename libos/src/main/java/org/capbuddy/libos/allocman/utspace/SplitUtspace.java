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

    /** Every buddy, free, split, allocated or lost; the others name them by id. */
    private final SplitNodes nodes = new SplitNodes();
    private final SplitLedger ledger = new SplitLedger(nodes);
    /** The untypeds handed over: to refuse overlaps, find buddies at a paddr and explain refusals. */
    private final SplitRoots roots = new SplitRoots(nodes);
    /** Allocated nodes by cookie; the table hands the cookies out. */
    private final CookieTable allocations = new CookieTable();
    private long bytesInUse;
    private long framesInUse;
    private boolean busy;

    @Override
    public Result<Void> addUntyped(ManagerContext ctx, CSpacePath path, int sizeBits, long paddr, UntypedKind kind) {
        Result<Void> bad = ObjectRequest.checkUntyped(ctx, path, sizeBits, paddr, kind);
        if (!bad.isOk()) {
            return bad;
        }
        int clash = roots.overlapping(paddr, 1L << sizeBits);
        if (clash != SplitNodes.NONE) {
            return Result.fail(AllocErrorKind.BAD_ARGUMENT, "untyped [0x" + Long.toHexString(paddr) + ", 2^"
                    + sizeBits + ") overlaps " + nodes.describe(clash));
        }
        int holder = roots.inSlot(path);
        if (holder != SplitNodes.NONE) {
            return Result.fail(AllocErrorKind.BAD_ARGUMENT, "slot " + path.capPtr() + " is already "
                    + nodes.describe(holder));
        }
        int cnode = nodes.cnodeIndex(path.root(), path.capDepth(), SplitNodes.NONE);
        if (cnode == SplitNodes.NONE) {
            return Result.fail(AllocErrorKind.OUT_OF_MEMORY, "no room to record the CNode " + path.root()
                    + " at depth " + path.capDepth() + " of the new untyped");
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
            int root = nodes.root(cnode, path.capPtr(), sizeBits, paddr, kind, record.longValue());
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
                int node = smallestFree(objBits, device);
                return node != SplitNodes.NONE ? carveAndRetype(ctx, node, dest, type, objBits, sizeArg, paddr)
                        : Result.fail(AllocErrorKind.OUT_OF_MEMORY, "no free untyped of 2^" + objBits
                                + " bytes or more in " + kindsWithoutPaddr(device));
            }
            int found = roots.freeCovering(device ? AT_PADDR_DEVICE_FIRST : RAM_ONLY, paddr, objBits);
            if (found == SplitNodes.NONE) {
                return notFreeAt(paddr, objBits, type, canBeDevice, device);
            }
            return carveAndRetype(ctx, found, dest, type, objBits, sizeArg, paddr);
        } finally {
            busy = false;
        }
    }

    /** Halves {@code node} down to 2^objBits (towards paddr, else the lowest half) and retypes it into dest. */
    private Result<Long> carveAndRetype(ManagerContext ctx, int node, CSpacePath dest, ObjectType type,
                                        int objBits, int sizeArg, long paddr) {
        int splits = 0;
        while (nodes.sizeBits(node) > objBits) {
            Result<Void> r = BuddySplitter.split(ctx, nodes, ledger, node);
            if (!r.isOk()) {
                return undoSplits(ctx, node, splits, r.error());
            }
            splits++;
            int lower = nodes.lower(node);
            node = paddr == ManagerContext.NO_PADDR || nodes.covers(lower, paddr, objBits) ? lower : lower + 1;
        }
        InvocationResult r = ctx.sel4().untypedRetype(nodes.cptr(node), type, sizeArg, dest.root(), dest.dest(),
                dest.destDepth(), dest.offset(), 1);
        if (!r.isOk()) {
            return undoSplits(ctx, node, splits, AllocError.kernel("Retype of " + nodes.describe(node) + " into "
                    + type + " at slot " + dest.capPtr(), r));
        }
        ledger.remove(node);
        nodes.setState(node, SplitNodes.State.ALLOCATED);
        boolean frame = type.isFrame();
        nodes.setAllocatedFrame(node, frame);
        long cookie = allocations.add(node);
        bytesInUse += nodes.bytes(node);
        if (frame) {
            framesInUse++;
        }
        return Result.ofLong(cookie);
    }

    /**
     * Re-coalesces the buddies this call split, newest first, so a failed alloc changes nothing.
     * Each split went down to a half of the node split, so they are the last {@code splits}
     * ancestors of {@code reached}, the node the call had got to, nearest first.
     */
    private <T> Result<T> undoSplits(ManagerContext ctx, int reached, int splits, AllocError cause) {
        int half = reached;
        for (int i = 0; i < splits; i++, half = nodes.parent(half)) {
            // The half the call went down into is merged as a free of it would merge it.
            Result<Void> merged = BuddySplitter.merge(ctx, nodes, ledger, half);
            if (!merged.isOk()) {
                return Result.fail(withContext(cause, null, "; undo: " + merged.error()));
            }
        }
        return Result.fail(cause);
    }

    /**
     * Without a paddr: the smallest free buddy that fits, device RAM first when allowed (split.c's
     * preference), then RAM; never plain device. NONE if there is none.
     */
    private int smallestFree(int objBits, boolean device) {
        List<UntypedKind> kinds = kindsWithoutPaddr(device);
        for (int i = 0; i < kinds.size(); i++) { // indexed: no iterator per request
            int node = ledger.smallestAtLeast(kinds.get(i), objBits);
            if (node != SplitNodes.NONE) {
                return node;
            }
        }
        return SplitNodes.NONE;
    }

    private static List<UntypedKind> kindsWithoutPaddr(boolean device) {
        return device ? ANY_DEVICE_RAM_FIRST : RAM_ONLY;
    }

    /**
     * With a paddr, when no free buddy covers the range (device kinds are tried first when
     * allowed, as split.c): why not.
     */
    private Result<Long> notFreeAt(long paddr, int objBits, ObjectType type, boolean canBeDevice, boolean device) {
        String range = "[0x" + Long.toHexString(paddr) + ", +2^" + objBits + ")";
        int root = roots.covering(paddr, objBits);
        if (root == SplitNodes.NONE) {
            return Result.fail(AllocErrorKind.BAD_ARGUMENT, "no managed untyped covers " + range);
        }
        UntypedKind kind = nodes.kind(root);
        if (kind != UntypedKind.RAM && !canBeDevice) {
            return Result.fail(AllocErrorKind.BAD_ARGUMENT, range + " is " + kind
                    + " memory and device memory was not allowed");
        }
        if (kind != UntypedKind.RAM && !device) {
            return Result.fail(AllocErrorKind.BAD_ARGUMENT, range + " is " + kind + " memory, which can hold"
                    + " only frames and untypeds, not " + type);
        }
        return Result.fail(AllocErrorKind.OUT_OF_MEMORY, range + " is already allocated, in whole or in part");
    }

    @Override
    public Result<Void> free(ManagerContext ctx, long cookie, int objBits) {
        if (ctx == null) {
            return Result.fail(AllocErrorKind.BAD_ARGUMENT, "manager context is null");
        }
        int node = allocations.get(cookie);
        if (node == CookieTable.NONE) {
            return Result.fail(AllocErrorKind.NOT_ALLOCATED, "cookie " + cookie
                    + " was not handed out by this allocator, or is already freed");
        }
        if (nodes.sizeBits(node) != objBits) {
            return UtspaceManager.wrongSize(cookie, nodes.sizeBits(node), objBits);
        }
        if (busy) {
            return busyError();
        }
        busy = true;
        try {
            allocations.remove(cookie);
            bytesInUse -= nodes.bytes(node);
            if (nodes.allocatedFrame(node)) {
                framesInUse--;
            }
            nodes.setState(node, SplitNodes.State.FREE);
            nodes.setAllocatedFrame(node, false);
            ledger.add(node);
            // Eager coalescing: while the sibling is free too, the two halves become their parent.
            while (!nodes.isRoot(node) && nodes.isFree(nodes.sibling(node))) {
                int parent = nodes.parent(node);
                Result<Void> merged = BuddySplitter.merge(ctx, nodes, ledger, node);
                if (!merged.isOk()) {
                    // The object's memory is free either way; only the merging stopped short.
                    return Result.fail(withContext(merged.error(), "cookie " + cookie + " freed, but"));
                }
                node = parent;
            }
            return Result.done();
        } finally {
            busy = false;
        }
    }

    @Override
    public Result<Long> paddr(long cookie) {
        int node = allocations.get(cookie);
        if (node == CookieTable.NONE) {
            return Result.fail(AllocErrorKind.NOT_ALLOCATED, "cookie " + cookie
                    + " was not handed out by this allocator, or is already freed");
        }
        return Result.ofLong(nodes.paddr(node));
    }

    @Override
    public Result<Long> paddr(long cookie, int objBits) {
        int node = allocations.get(cookie);
        if (node != CookieTable.NONE && nodes.sizeBits(node) != objBits) {
            return UtspaceManager.wrongSize(cookie, nodes.sizeBits(node), objBits);
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
