package org.capbuddy.libos.capbuddy;

import java.util.ArrayList;
import java.util.List;
import org.capbuddy.kernel.Sel4;
import org.capbuddy.kernel.api.CapRights;
import org.capbuddy.kernel.api.InvocationResult;
import org.capbuddy.kernel.api.ObjectType;
import org.capbuddy.kernel.api.Sel4Error;
import org.capbuddy.kernel.host.MachineGuard;
import org.capbuddy.kernel.trace.TraceKind;
import org.capbuddy.kernel.trace.Tracer;
import org.capbuddy.libos.vka.AllocError;
import org.capbuddy.libos.vka.AllocErrorKind;
import org.capbuddy.libos.vka.CSpacePath;
import org.capbuddy.libos.vka.CapOps;
import org.capbuddy.libos.vka.Result;
import org.capbuddy.libos.vka.Undo;
import org.capbuddy.libos.vka.Vka;
import org.capbuddy.libos.vka.VkaObject;
import org.capbuddy.libos.vka.VkaObjects;

/**
 * The CapBuddy frame pool: trees of 1024 frames, each made by one Untyped_Retype of a 4 MiB
 * untyped into 1024 consecutive slots, serving blocks of 2^0..2^10 contiguous frames with no
 * kernel call. It takes its untypeds, slots and bookkeeping from any {@link Vka}, so it works
 * over every allocman configuration, single- or two-level.
 *
 * <p>What it does that the original does not (see the reference's list of its bugs):
 * <ul>
 *   <li>selection by size class in O(1) of the number of trees (a bitmask of non-empty
 *       classes), cptr lookup by array index (by hash for cptrs beyond 2^30) and physical-address
 *       lookup by hash, with no 4 GiB limit;</li>
 *   <li>fully free trees go back (frames revoked, slots and the untyped freed) beyond a
 *       configured number of spares;</li>
 *   <li>device memory only ever lands in device trees, which serve only requests that allow
 *       device memory;</li>
 *   <li>a free of a block that is not from the pool, not aligned, or not allocated as exactly that
 *       block is an error that changes nothing; with {@link PoolConfig.FreeCheck#REVOKE} so is a
 *       free of a block whose own caps are still mapped, and every copy of its caps is revoked,
 *       so no frame is handed out again while any cap to it is mapped anywhere;</li>
 *   <li>every step of making a tree is undone if a later one fails or throws; a tree being given
 *       back whose return is cut short keeps what it still owes in a list that the next
 *       operation pays off, so nothing is lost.</li>
 * </ul>
 *
 * <p>The pool's own structures change only in short sections with no call out. A throwable
 * there (an {@code OutOfMemoryError}, a bug) leaves them half-changed, so it marks the machine
 * broken; a throwable from a step that calls out (the inner vka, the kernel) is undone.
 */
public final class CapBuddyPool {
    public static final int TREE_BITS = 22;
    public static final int FRAME_BITS = 12;
    public static final int SLOT_RUN_BITS = 10;
    /** Bookkeeping per tree: the order bytes, the block bitset and the tree's own fields. */
    public static final long TREE_RECORD_BYTES = 2048 + 256 + 64;
    public static final long NO_PADDR = -1;
    /** Where the mapped-frame probe maps: the top user page, where nothing should ever be. */
    static final long PROBE_VADDR = 0x7FFF_FFFF_F000L;

    private final Vka inner;
    private final Sel4 sel4;
    private final Tracer tracer;
    private final MachineGuard guard;
    private final PoolConfig config;
    /** {@code config.freeCheck() == REVOKE}, read on every free. */
    private final boolean revokeOnFree;
    private final long probeVSpace;
    private final SizeClasses ramTrees = new SizeClasses();
    private final SizeClasses deviceTrees = new SizeClasses();
    private final TreeIndex byCptr = new TreeIndex();
    private final LongMap<Tree> byPaddr = new LongMap<>();
    private final List<Tree> all = new ArrayList<>();
    /** What given-back trees still owe the inner vka: frees that failed or were cut short. */
    private final List<Owed> owed = new ArrayList<>();
    private long spare;
    private long created;
    private long returned;

    /** A free the pool still owes the inner vka, retried until it succeeds. */
    @FunctionalInterface
    private interface Owed {
        Result<Void> pay();
    }

    /**
     * @param inner where untypeds, slot runs and bookkeeping come from
     * @param config the pool's settings
     * @param probeVSpace cptr of a VSpace with an ASID (the root task's), where the free check
     *     probes whether a frame cap is mapped
     */
    public CapBuddyPool(Vka inner, PoolConfig config, long probeVSpace) {
        this.inner = inner;
        this.sel4 = inner.sel4();
        this.tracer = sel4.tracer();
        this.guard = sel4.guard();
        this.config = config;
        this.revokeOnFree = config.freeCheck() == PoolConfig.FreeCheck.REVOKE;
        this.probeVSpace = probeVSpace;
    }

    public Vka inner() {
        return inner;
    }

    public PoolConfig config() {
        return config;
    }

    // ---- allocation

    /**
     * A block of 2^order frames (order 0..10); with {@code paddr} other than {@link #NO_PADDR}
     * exactly at that physical address. Returns the cptr of its first frame; the block's frames
     * are the next 2^order cptrs.
     */
    public Result<Long> alloc(int order, long paddr, boolean canUseDevice) {
        guard.check();
        Result<Long> block = allocBlock(order, paddr, canUseDevice);
        if (tracer.on(TraceKind.POOL)) {
            traceTaken(block, order, paddr);
        }
        return block;
    }

    private Result<Long> allocBlock(int order, long paddr, boolean canUseDevice) {
        if (order < 0 || order > BuddyTree.MAX_ORDER) {
            return Result.fail(AllocErrorKind.BAD_ARGUMENT, "block must be 2^0..2^10 frames, got 2^" + order);
        }
        if (paddr != NO_PADDR) {
            return allocAt(order, paddr, canUseDevice);
        }
        if (order == 0) {
            long frame = takeFrame();
            if (frame >= 0) {
                return Result.ok(frame);
            }
        }
        Tree tree = ramTrees.find(order);
        if (tree == null && canUseDevice) {
            tree = deviceTrees.find(order);
        }
        if (tree == null) {
            Result<Tree> made = createTree(NO_PADDR, false);
            if (!made.isOk()) {
                return made.asFailure();
            }
            tree = made.value();
        }
        return Result.ok(takeBlock(tree, order));
    }

    /**
     * The hot path: one 4 KiB frame from a RAM tree that has one free, as a plain cptr, or -1
     * when no tree has a free frame (then {@link #alloc} makes one). No kernel call and no
     * object allocation.
     */
    public long tryAllocFrame() {
        guard.check();
        long frame = takeFrame();
        if (frame >= 0 && tracer.on(TraceKind.POOL)) {
            traceTaken(Result.ok(frame), 0, NO_PADDR);
        }
        return frame;
    }

    /** A block handed out, or a request refused, as a trace event. */
    private void traceTaken(Result<Long> block, int order, long paddr) {
        if (block.isOk()) {
            long cptr = block.longValue();
            Result<Long> at = paddrOf(cptr);
            long pa = at.isOk() ? at.longValue() : -1L;
            Tree tree = treeOf(cptr);
            int offset = tree == null ? 0 : (int) (cptr - tree.baseCptr);
            int from = tree == null ? -1 : tree.buddy.freeAround(offset, order);
            if (from > order) {
                // the free block the buddy tree halved (from - order times) to serve this one
                int first = offset & -(1 << from);
                tracer.emit(TraceKind.POOL, -1, -1, "split", "from_order", from, "to_order", order, "pa",
                        tree.basePaddr + ((long) first << FRAME_BITS));
            }
            tracer.emit(TraceKind.POOL, -1, -1, "block_taken", "order", order, "cptr", cptr, "pa", pa);
        } else {
            tracer.emit(TraceKind.POOL, -1, -1, "refused", "order", order, "pa", paddr, "error",
                    block.error().detail());
        }
    }

    private long takeFrame() {
        Tree tree = ramTrees.find(0);
        if (tree == null) {
            return -1;
        }
        try {
            int offset = tree.buddy.allocateFrame();
            if (changedClass(tree)) {
                taken(tree);
            }
            return tree.baseCptr + offset;
        } catch (Throwable t) {
            guard.markBroken("the CapBuddy pool taking a frame", t);
            throw t;
        }
    }

    /** Takes a block of a tree known to have one free (a critical section: no call out). */
    private long takeBlock(Tree tree, int order) {
        try {
            int offset = tree.buddy.allocate(order);
            taken(tree);
            return tree.baseCptr + offset;
        } catch (Throwable t) {
            guard.markBroken("the CapBuddy pool taking a block of 2^" + order, t);
            throw t;
        }
    }

    private Result<Long> allocAt(int order, long paddr, boolean canUseDevice) {
        long blockBytes = 1L << (FRAME_BITS + order);
        if (paddr < 0 || (paddr & (blockBytes - 1)) != 0) {
            return Result.fail(AllocErrorKind.BAD_ARGUMENT, "physical address 0x" + Long.toHexString(paddr)
                    + " is not aligned to a block of 2^" + order + " frames");
        }
        Tree tree = byPaddr.get(paddr >>> TREE_BITS);
        if (tree == null) {
            Result<Tree> made = createTree(paddr & -(1L << TREE_BITS), canUseDevice);
            if (!made.isOk()) {
                return made.asFailure();
            }
            tree = made.value();
        } else if (tree.device && !canUseDevice) {
            return Result.fail(AllocErrorKind.OUT_OF_MEMORY, "0x" + Long.toHexString(paddr)
                    + " is device memory and the request does not allow it");
        }
        int offset = (int) ((paddr - tree.basePaddr) >>> FRAME_BITS);
        try {
            if (!tree.buddy.allocateAt(offset, order)) {
                return Result.fail(AllocErrorKind.OUT_OF_MEMORY, "the block of 2^" + order + " frames at 0x"
                        + Long.toHexString(paddr) + " is not free");
            }
            taken(tree);
        } catch (Throwable t) {
            guard.markBroken("the CapBuddy pool taking the block at 0x" + Long.toHexString(paddr), t);
            throw t;
        }
        return Result.ok(tree.baseCptr + offset);
    }

    /**
     * True when the tree's largest free block is no longer the one it is listed under. A single
     * frame mostly comes from (or goes back to) below that block, so this is mostly false. The
     * frame paths test it themselves, rather than leaving it to {@link SizeClasses#update}: the
     * JIT profiles each test site on its own, and at theirs it sees the re-listing as rare and
     * keeps that code (with its GC barriers) out of the hot path.
     */
    private static boolean changedClass(Tree tree) {
        return tree.buddy.largestFreeOrder() != tree.listedOrder;
    }

    private void taken(Tree tree) {
        if (tree.listedOrder == BuddyTree.MAX_ORDER) {
            spare--;
        }
        classes(tree).update(tree);
    }

    // ---- free

    /**
     * Gives back the block of 2^order frames whose first frame is {@code cptr}. Refused, with
     * nothing changed, when the order is out of range, the cptr is not a pool frame, the block is
     * misaligned or not allocated as exactly this block, or (with {@link PoolConfig.FreeCheck#REVOKE})
     * one of its own caps is still mapped. With that check every copy of the block's caps is then
     * revoked, so no mapping of it survives.
     */
    public Result<Void> free(long cptr, int order) {
        guard.check();
        Result<Void> freed = freeBlockOf(cptr, order);
        if (!freed.isOk() && tracer.on(TraceKind.POOL)) {
            Result<Long> at = paddrOf(cptr);
            tracer.emit(TraceKind.POOL, -1, -1, "free_refused", "order", order, "cptr", cptr, "pa",
                    at.isOk() ? at.longValue() : -1L, "error", freed.error().detail());
        }
        return freed;
    }

    /**
     * The block at {@code offset} of {@code tree} has just gone back to its buddy tree (before the
     * tree is re-listed or given back): a block_freed event, and a merge event when it coalesced
     * with free buddies.
     */
    private void traceFreed(Tree tree, int offset, int order) {
        long pa = tree.basePaddr + ((long) offset << FRAME_BITS);
        tracer.emit(TraceKind.POOL, -1, -1, "block_freed", "order", order, "cptr", tree.baseCptr + offset, "pa", pa);
        int into = tree.buddy.freeAround(offset, order);
        if (into > order) {
            int first = offset & -(1 << into);
            tracer.emit(TraceKind.POOL, -1, -1, "merge", "from_order", order, "to_order", into, "pa",
                    tree.basePaddr + ((long) first << FRAME_BITS));
        }
    }

    private Result<Void> freeBlockOf(long cptr, int order) {
        if (order == 0 && !revokeOnFree) {
            // The hot path in one step: freeFrame accepts (and changes something) exactly when
            // freeBlock's checks would all pass for a single frame.
            Tree tree = treeOf(cptr);
            if (tree != null) {
                try {
                    if (tree.buddy.freeFrame((int) (cptr - tree.baseCptr)) == BuddyTree.OK) {
                        if (tracer.on(TraceKind.POOL)) {
                            traceFreed(tree, (int) (cptr - tree.baseCptr), 0);
                        }
                        if (changedClass(tree)) {
                            released(tree); // a tree that became empty changed class too (to 10)
                        }
                        return Result.done();
                    }
                } catch (Throwable t) {
                    guard.markBroken("the CapBuddy pool freeing a frame", t);
                    throw t;
                }
            }
        }
        return freeBlock(cptr, order);
    }

    /** {@link #free} with every check spelled out, each refusal with its own error. */
    private Result<Void> freeBlock(long cptr, int order) {
        if (order < 0 || order > BuddyTree.MAX_ORDER) {
            return Result.fail(AllocErrorKind.BAD_ARGUMENT, "block must be 2^0..2^10 frames, got 2^" + order);
        }
        Tree tree = treeOf(cptr);
        if (tree == null) {
            return notFromPool(cptr);
        }
        int offset = (int) (cptr - tree.baseCptr); // 0..1023: the cptr is in the tree's slot run
        if ((offset & ((1 << order) - 1)) != 0) {
            return Result.fail(AllocErrorKind.BAD_ARGUMENT, "cptr " + cptr + " does not start a block of 2^" + order);
        }
        if (!tree.buddy.isAllocatedBlock(offset, order)) {
            return Result.fail(AllocErrorKind.NOT_ALLOCATED, "frames " + cptr + ".." + (cptr + (1L << order) - 1)
                    + " are not an allocated block of 2^" + order + " (never handed out, freed twice, or another size)");
        }
        if (revokeOnFree) {
            Result<Void> unmapped = checkUnmapped(cptr, 1 << order);
            if (!unmapped.isOk()) {
                return unmapped;
            }
            Result<Void> revoked = revokeCopies(cptr, 1 << order);
            if (!revoked.isOk()) {
                return revoked;
            }
        }
        try {
            tree.buddy.free(offset, order);
            if (tracer.on(TraceKind.POOL)) {
                traceFreed(tree, offset, order);
            }
            released(tree);
        } catch (Throwable t) {
            guard.markBroken("the CapBuddy pool freeing a block of 2^" + order, t);
            throw t;
        }
        return Result.done();
    }

    private void released(Tree tree) {
        classes(tree).update(tree);
        if (tree.buddy.isEmpty()) {
            spare++;
            if (spare > config.spareTrees() && config.treePolicy() == PoolConfig.TreePolicy.RETURN_SPARES) {
                destroyTree(tree);
            }
        }
    }

    private static <T> Result<T> notFromPool(long cptr) {
        return Result.fail(AllocErrorKind.NOT_ALLOCATED, "cptr " + cptr + " is not a frame of the pool");
    }

    /**
     * Asks the kernel whether any of the frames' own caps is mapped, without side effects: Page_Map
     * of a mapped cap into the probe VSpace fails its one-mapping-per-cap check (InvalidCapability
     * or InvalidArgument) before any walk; an unmapped cap fails on the missing page tables
     * (FailedLookup), or maps, which is undone at once (also if the undo is what gets cut short).
     */
    private Result<Void> checkUnmapped(long first, int frames) {
        for (int i = 0; i < frames; i++) {
            long frame = first + i;
            try (Undo undo = Undo.begin(guard, "probing whether a frame is mapped: cptr", frame)) {
                InvocationResult probe = sel4.pageMap(frame, probeVSpace, PROBE_VADDR, CapRights.READ_ONLY, 0);
                if (probe.isOk()) {
                    undo.push(() -> CapOps.check("Page_Unmap", sel4.pageUnmap(frame)));
                } else if (probe.error() == Sel4Error.INVALID_ARGUMENT
                        || probe.error() == Sel4Error.INVALID_CAPABILITY) {
                    return Result.fail(AllocErrorKind.BAD_ARGUMENT,
                            "frame " + frame + " is still mapped; unmap it first");
                } else if (probe.error() != Sel4Error.FAILED_LOOKUP) {
                    return Result.fail(AllocError.kernel("checking that frame " + frame + " is unmapped", probe));
                }
                // The probe's own mapping, if any, is undone when the log closes.
            }
        }
        return Result.done();
    }

    /**
     * Revokes each frame's own cap: every copy derived from it is deleted, and deleting a mapped
     * copy removes its mapping. A revoke cut short leaves the block allocated, with some copies
     * gone; the free can be asked again.
     */
    private Result<Void> revokeCopies(long first, int frames) {
        for (int i = 0; i < frames; i++) {
            Result<Void> revoked = CapOps.revoke(sel4, inner.cspaceMakePath(first + i));
            if (!revoked.isOk()) {
                return revoked;
            }
        }
        return Result.done();
    }

    // ---- queries

    /** True when the 2^numBits frames from {@code cptr} are slots of one pool tree. */
    public boolean isFromPool(long cptr, int numBits) {
        guard.check();
        if (numBits < 0 || numBits > BuddyTree.MAX_ORDER) {
            return false;
        }
        Tree tree = treeOf(cptr);
        return tree != null && cptr - tree.baseCptr + (1L << numBits) <= BuddyTree.FRAMES;
    }

    /** The largest block (order) the pool can serve without making a tree, or -1; O(1). */
    public int largestFreeOrder() {
        return Math.max(ramTrees.largest(), deviceTrees.largest());
    }

    /** Trees live now (RAM and device). */
    public int treeCount() {
        return all.size();
    }

    /** The physical address of a pool frame. */
    public Result<Long> paddrOf(long cptr) {
        guard.check();
        Tree tree = treeOf(cptr);
        if (tree == null) {
            return notFromPool(cptr);
        }
        return Result.ok(tree.basePaddr + ((cptr - tree.baseCptr) << FRAME_BITS));
    }

    /** Every tree's free map and allocated frames (see {@link PoolDump}). */
    public PoolDump dump() {
        List<PoolDump.TreeLine> trees = new ArrayList<>();
        for (Tree t : all) {
            List<Integer> free = new ArrayList<>();
            for (int k = 0; k <= BuddyTree.MAX_ORDER; k++) {
                free.add(t.buddy.freeBlocks(k));
            }
            List<PoolDump.FrameRange> allocated = new ArrayList<>();
            int start = -1;
            for (int i = 0; i <= BuddyTree.FRAMES; i++) {
                boolean used = i < BuddyTree.FRAMES && !t.buddy.isFrameFree(i);
                if (used && start < 0) {
                    start = i;
                } else if (!used && start >= 0) {
                    allocated.add(new PoolDump.FrameRange(start, i - 1));
                    start = -1;
                }
            }
            trees.add(new PoolDump.TreeLine(t.basePaddr, t.baseCptr, t.device, t.buddy.freeFrames(), free, allocated));
        }
        trees.sort(java.util.Comparator.comparingLong(PoolDump.TreeLine::basePaddr));
        return new PoolDump(trees);
    }

    public PoolStats stats() {
        long freeFrames = 0;
        long devices = 0;
        List<Long> byOrder = new ArrayList<>();
        for (int k = 0; k <= BuddyTree.MAX_ORDER; k++) {
            byOrder.add(0L);
        }
        for (Tree t : all) {
            freeFrames += t.buddy.freeFrames();
            devices += t.device ? 1 : 0;
            for (int k = 0; k <= BuddyTree.MAX_ORDER; k++) {
                byOrder.set(k, byOrder.get(k) + t.buddy.freeBlocks(k));
            }
        }
        int largest = Math.max(ramTrees.largest(), deviceTrees.largest());
        return new PoolStats(all.size(), devices, spare, freeFrames, byOrder, largest,
                all.size() * TREE_RECORD_BYTES, created, returned, owed.size());
    }

    /** Pays what given-back trees still owe, then gives back every fully free tree now, spares included. */
    public Result<Void> releaseSpares() {
        guard.check();
        Result<Void> outcome = payOwed();
        for (Tree t : new ArrayList<>(all)) {
            if (t.buddy.isEmpty()) {
                Result<Void> r = destroyTree(t);
                outcome = outcome.isOk() ? r : outcome;
            }
        }
        return outcome;
    }

    // ---- trees

    /** The tree that {@code cptr} is a frame cap of, or null. */
    private Tree treeOf(long cptr) {
        Tree tree = byCptr.get(cptr >>> SLOT_RUN_BITS);
        return tree != null && cptr >= tree.baseCptr ? tree : null;
    }

    private SizeClasses classes(Tree tree) {
        return tree.device ? deviceTrees : ramTrees;
    }

    /**
     * Makes a tree: bookkeeping, a 4 MiB untyped (at {@code paddr} if given; device memory only
     * if allowed and RAM is not there), 1024 aligned slots, one Retype of 1024 frames. Each step
     * is undone if a later one fails or throws.
     */
    private Result<Tree> createTree(long paddr, boolean canUseDevice) {
        payOwed();
        try (Undo undo = Undo.begin(guard, "making a CapBuddy tree")) {
            Result<Long> record = inner.bookkeepingAlloc(TREE_RECORD_BYTES);
            if (!record.isOk()) {
                return record.asFailure();
            }
            undo.push(() -> inner.bookkeepingFree(record.value(), TREE_RECORD_BYTES));
            boolean device = false;
            Result<VkaObject> untyped;
            if (paddr == NO_PADDR) {
                untyped = VkaObjects.alloc(inner, ObjectType.UNTYPED, TREE_BITS);
            } else {
                untyped = untypedAt(paddr, false);
                if (!untyped.isOk() && canUseDevice) {
                    untyped = untypedAt(paddr, true);
                    device = untyped.isOk();
                }
            }
            if (!untyped.isOk()) {
                return untyped.asFailure();
            }
            VkaObject ut = untyped.value();
            undo.push(() -> VkaObjects.free(inner, ut));
            Result<CSpacePath> slots = inner.cspaceAllocContiguous(SLOT_RUN_BITS);
            if (!slots.isOk()) {
                return slots.asFailure();
            }
            CSpacePath run = slots.value();
            undo.push(() -> inner.cspaceFreeContiguous(run.capPtr(), SLOT_RUN_BITS));
            InvocationResult retyped = sel4.untypedRetype(ut.cptr(), ObjectType.SMALL_PAGE, FRAME_BITS,
                    run.root(), run.dest(), run.destDepth(), run.offset(), BuddyTree.FRAMES);
            if (!retyped.isOk()) {
                if (retyped.error() == Sel4Error.RANGE_ERROR) {
                    return Result.fail(new AllocError(AllocErrorKind.KERNEL, "the kernel refuses a Retype of 1024 "
                            + "frames (" + retyped + "): CapBuddy needs CONFIG_RETYPE_FAN_OUT_LIMIT of 1024", retyped));
                }
                return Result.fail(AllocError.kernel("Retype of 1024 frames", retyped));
            }
            undo.push(() -> CapOps.revoke(sel4, inner.cspaceMakePath(ut.cptr())));
            Result<Long> base = VkaObjects.paddr(inner, ut);
            if (!base.isOk()) {
                return base.asFailure();
            }
            Tree tree = new Tree(run.capPtr(), base.value(), device, ut, record.value());
            register(tree);
            undo.commit();
            return Result.ok(tree);
        }
    }

    /** Puts a new tree in every index (a critical section: no call out). */
    private void register(Tree tree) {
        try {
            byCptr.put(tree.baseCptr >>> SLOT_RUN_BITS, tree);
            byPaddr.put(tree.basePaddr >>> TREE_BITS, tree);
            all.add(tree);
            classes(tree).update(tree);
            spare++;
            created++;
        } catch (Throwable t) {
            guard.markBroken("the CapBuddy pool registering a new tree", t);
            throw t;
        }
        if (tracer.on(TraceKind.POOL)) {
            tracer.emit(TraceKind.POOL, -1, -1, "tree_made", "pa", tree.basePaddr, "cptr", tree.baseCptr,
                    "device", tree.device);
        }
    }

    private Result<VkaObject> untypedAt(long paddr, boolean device) {
        try (Undo undo = Undo.begin(guard, "taking the untyped at", paddr)) {
            Result<Long> slot = inner.cspaceAlloc();
            if (!slot.isOk()) {
                return slot.asFailure();
            }
            undo.push(() -> inner.cspaceFree(slot.value()));
            Result<Long> cookie = inner.utspaceAllocAt(inner.cspaceMakePath(slot.value()), ObjectType.UNTYPED,
                    TREE_BITS, paddr, device);
            if (!cookie.isOk()) {
                return cookie.asFailure();
            }
            undo.commit();
            return Result.ok(new VkaObject(slot.value(), cookie.value(), ObjectType.UNTYPED, TREE_BITS));
        }
    }

    /**
     * Revokes the 1024 frame caps (the tree is fully free), takes the tree out of every index, and
     * gives slots, untyped and record back. Giving back cannot be undone once the frames are gone,
     * so what is not given back (a failed free, or one cut short by a throwable) stays owed and
     * is paid by the next operation that makes a tree, or by {@link #releaseSpares}.
     */
    private Result<Void> destroyTree(Tree tree) {
        Result<Void> revoked = CapOps.revoke(sel4, inner.cspaceMakePath(tree.untyped.cptr()));
        if (!revoked.isOk()) {
            return revoked;
        }
        try {
            classes(tree).remove(tree);
            byCptr.remove(tree.baseCptr >>> SLOT_RUN_BITS);
            byPaddr.remove(tree.basePaddr >>> TREE_BITS);
            all.remove(tree);
            spare--;
            returned++;
            owed.add(() -> VkaObjects.free(inner, tree.untyped));
            owed.add(() -> inner.cspaceFreeContiguous(tree.baseCptr, SLOT_RUN_BITS));
            owed.add(() -> inner.bookkeepingFree(tree.recordAddress, TREE_RECORD_BYTES));
        } catch (Throwable t) {
            guard.markBroken("the CapBuddy pool unregistering a tree", t);
            throw t;
        }
        if (tracer.on(TraceKind.POOL)) {
            tracer.emit(TraceKind.POOL, -1, -1, "tree_returned", "pa", tree.basePaddr, "cptr", tree.baseCptr);
        }
        return payOwed();
    }

    /** Pays every owed free, oldest first; those that fail stay owed. A throwable stops the payment. */
    private Result<Void> payOwed() {
        Result<Void> outcome = Result.done();
        for (int i = 0; i < owed.size(); ) {
            Result<Void> paid = owed.get(i).pay();
            if (paid.isOk()) {
                owed.remove(i);
            } else {
                outcome = outcome.isOk() ? paid : outcome;
                i++;
            }
        }
        return outcome;
    }
}
