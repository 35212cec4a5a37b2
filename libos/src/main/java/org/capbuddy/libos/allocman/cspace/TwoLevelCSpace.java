package org.capbuddy.libos.allocman.cspace;

import java.util.Optional;
import org.capbuddy.kernel.api.InvocationResult;
import org.capbuddy.kernel.api.ObjectType;
import org.capbuddy.libos.allocman.ManagerContext;
import org.capbuddy.libos.vka.AllocError;
import org.capbuddy.libos.vka.CSpacePath;
import org.capbuddy.libos.vka.Result;

/**
 * Allocman's {@code two_level} cspace manager: root slots [l1First, l1End) each may hold an L2
 * CNode of 2^l2Bits slots, made from untyped memory when needed and deleted (its memory given
 * back) as soon as its last slot is freed. A slot's cptr is {@code (l1 << l2Bits) | l2}; the
 * thread's CSpace root must have been re-guarded for that ({@link TwoLevelSetup}):
 *
 * <pre>
 *  63                                  l1Bits + l2Bits               l2Bits            0
 *  +-------------------------------------+-----------------------------+---------------+
 *  |  0 ... 0: the root cap's guard       |  l1: root CNode slot        |  l2: L2 slot  |
 *  +-------------------------------------+-----------------------------+---------------+
 *   resolved at depth 64: the guard (64 - l1Bits - l2Bits zero bits), then the root CNode's
 *   radix, then the L2 CNode's; at depth 64 - l2Bits the same bits name the L1 entry itself.
 * </pre>
 *
 * A CapBuddy tree's 1024 slots are one aligned run inside one L2 CNode (so l2Bits &ge; 10), and
 * the pool finds a frame's tree by {@code cptr >>> 10}.
 *
 * <p>Paths, all through the re-guarded root cap {@code root}:
 * <ul>
 *   <li>L1 entry (where an L2 CNode is retyped): {@code (root, l1, 64-l2Bits)}, as a
 *       destination the root CNode itself ({@code dest = destDepth = 0}) at offset l1;</li>
 *   <li>L2 slot: {@code (root, cptr, 64)}, as a destination the L2 CNode found at
 *       {@code (l1, 64-l2Bits)}, at offset l2.</li>
 * </ul>
 *
 * <p>Two L1 index sets (bitmaps, 1 = member) find work in O(words): {@code unusedL1}, the
 * indices with no L2 yet (the reserved index is never a member), and {@code l2WithFree}, the
 * indices whose L2 has a free slot. As in {@link SingleLevelCSpace}, runs are not remembered as
 * runs: any allocated slots may be freed singly or as an aligned run.
 *
 * <p>Every operation completes or changes nothing. The one exception is memory whose release the
 * utspace or mspace refuses (after an empty L2's cap is deleted, or while undoing a failed L2
 * creation): it is queued in {@link DeferredReleases} and retried at the start of the next
 * operation, and {@link #bookkeepingBytes} still counts queued bookkeeping.
 */
public final class TwoLevelCSpace implements CSpaceManager {
    private final TwoLevelConfig config;
    private final int l2Bits;
    private final long l2Mask;
    private final SlotBitmap unusedL1;
    private final SlotBitmap l2WithFree;
    private final L2Node[] nodes;
    private final long l1Address;
    private final long l1Bytes;
    private final DeferredReleases deferred = new DeferredReleases();
    private long l2Count;
    private long inUse;
    private long freeInL2s;
    /** Slots [0, pinnedSlots) of the adopted root-holder L2: never handed out, never freed. */
    private long pinnedSlots = -1;

    private TwoLevelCSpace(TwoLevelConfig config, long l1Address, long l1Bytes) {
        this.config = config;
        this.l2Bits = config.l2Bits();
        this.l2Mask = (1L << l2Bits) - 1;
        this.unusedL1 = SlotBitmap.freeRange(config.l1First(), config.l1End());
        this.l2WithFree = SlotBitmap.usedRange(config.l1First(), config.l1End());
        this.nodes = new L2Node[(int) config.l1Count()];
        this.l1Address = l1Address;
        this.l1Bytes = l1Bytes;
        if (unusedL1.contains(config.reservedL1())) {
            unusedL1.markUsed(config.reservedL1(), 1);
        }
    }

    /**
     * Bookkeeping bytes of the L1 records over root slots [l1First, l1End): two bitmaps and one
     * reference per entry, charged to the mspace when the manager is made (for sizing the static
     * pool that must hold them at bootstrap).
     */
    public static long l1RecordBytes(long l1First, long l1End) {
        return 2 * SlotBitmap.bytesFor(l1First, l1End) + 8 * (l1End - l1First);
    }

    /** Bookkeeping bytes one L2 CNode's record takes (for sizing allocman's chunk reserve). */
    public static long l2RecordBytes(int l2Bits) {
        return L2Node.recordBytes(l2Bits);
    }

    /** A manager with no L2 CNode yet; its L1 records (two bitmaps, one reference per entry) are charged to the mspace. */
    public static Result<TwoLevelCSpace> create(ManagerContext ctx, TwoLevelConfig config) {
        Optional<String> problem = config.problem();
        if (problem.isPresent()) {
            return Errors.badArgument("two-level cspace: " + problem.get());
        }
        long bytes = l1RecordBytes(config.l1First(), config.l1End());
        Result<Long> memory = ctx.mspaceAlloc(bytes);
        if (!memory.isOk()) {
            return Errors.during("two-level cspace L1 records of " + bytes + " bytes", memory.error());
        }
        return Result.ok(new TwoLevelCSpace(config, memory.value(), bytes));
    }

    /**
     * Takes the L2 CNode in the reserved root slot (the one holding the re-guarded root cap, made
     * by {@link TwoLevelSetup}) under management as a permanent L2: its slots [0, usedSlots) hold
     * caps placed there at bootstrap (the root cap, the boot untypeds) and stay out of reach; the
     * rest are handed out like any other slots. This is what lets the very first allocation
     * succeed: making a new L2 needs slots for the untyped manager's splits, which only an
     * existing L2 can give.
     */
    public Result<Void> adoptRootHolder(long usedSlots) {
        long l1 = config.reservedL1();
        if (l1 < config.l1First() || l1 >= config.l1End() || pinnedSlots >= 0) {
            return Errors.badArgument("no reserved root-holder L2 to adopt in " + range() + ", or adopted already");
        }
        if (usedSlots < 1 || usedSlots > (1L << l2Bits)) {
            return Errors.badArgument("used slots must be 1.." + (1L << l2Bits) + ", got " + usedSlots);
        }
        L2Node node = new L2Node(l2Bits, -1, -1);
        node.slots.markUsed(0, usedSlots);
        nodes[index(l1)] = node;
        pinnedSlots = usedSlots;
        long free = (1L << l2Bits) - usedSlots;
        freeInL2s += free;
        if (free > 0) {
            l2WithFree.markFree(l1, 1);
        }
        return Result.done();
    }

    public TwoLevelConfig config() {
        return config;
    }

    /** L2 CNodes that exist now. */
    public long l2Count() {
        return l2Count;
    }

    /** True when an L2 CNode exists at root slot {@code l1}. */
    public boolean hasL2(long l1) {
        return node(l1) != null;
    }

    /** Releases refused by the utspace or mspace and queued for a retry. */
    public int deferredReleases() {
        return deferred.pending();
    }

    /** Where the L1 records were charged in the mspace. */
    public long l1RecordAddress() {
        return l1Address;
    }

    @Override
    public Result<Long> alloc(ManagerContext ctx) {
        deferred.retry(ctx);
        long slot = takeFromAnL2WithRoom();
        if (slot >= 0) {
            return Result.ofLong(slot);
        }
        Result<Long> made = createL2(ctx);
        if (!made.isOk()) {
            return made;
        }
        return Result.ofLong(takeFrom(made.value()));
    }

    /**
     * {@link #alloc}'s quick path: a slot of an L2 CNode that has one free, when no refused
     * release waits for a retry (a retry needs the context); -1 and nothing changed when an L2
     * CNode would have to be made or a release retried first.
     */
    @Override
    public long tryAllocSlot() {
        return deferred.pending() != 0 ? -1 : takeFromAnL2WithRoom();
    }

    /** A slot of the first L2 CNode with one free, or -1 (nothing changed) when none has. */
    private long takeFromAnL2WithRoom() {
        long l1 = l2WithFree.findFree();
        return l1 < 0 ? -1 : takeFrom(l1);
    }

    /** Takes the first free slot of the L2 CNode at root slot {@code l1}, which has one. */
    private long takeFrom(long l1) {
        L2Node node = node(l1);
        long l2 = node.slots.findFree();
        take(l1, node, l2, 1);
        return cptrOf(l1, l2);
    }

    @Override
    public Result<Void> free(ManagerContext ctx, long cptr) {
        deferred.retry(ctx);
        if (!manages(cptr)) {
            return Errors.notAllocated("cptr " + cptr + " is outside " + range());
        }
        long l1 = cptr >>> l2Bits;
        long l2 = cptr & l2Mask;
        L2Node node = node(l1);
        if (node == null || node.slots.isFree(l2)) {
            return Errors.notAllocated("slot " + l1 + ":" + l2 + " (cptr " + cptr
                    + ") is not allocated (never handed out, or freed twice)");
        }
        return release(ctx, l1, node, l2, 1);
    }

    /** {@code (root, cptr, 64)}; as a destination, the L2 CNode at {@code (l1, 64-l2Bits)}, offset l2. */
    @Override
    public long destIndex(long cptr) {
        return cptr >>> l2Bits;
    }

    @Override
    public int destDepth() {
        return config.l1Depth();
    }

    @Override
    public long destOffset(long cptr) {
        return cptr & l2Mask;
    }

    @Override
    public long root() {
        return config.root();
    }

    /** A cptr names its slot through both levels: the full word. */
    @Override
    public int depth() {
        return 64;
    }

    /** The path of root slot {@code l1} itself, where its L2 CNode is retyped. */
    public CSpacePath l1Path(long l1) {
        return new CSpacePath(config.root(), l1, config.l1Depth(), 0, 0, l1, 1);
    }

    /**
     * A run inside one L2 CNode: the lowest aligned run of the first L2 (by index) that has one,
     * else a new L2. Looks at every L2 with a free slot: O(L2s × words of an L2) at worst.
     */
    @Override
    public Result<CSpacePath> allocContiguous(ManagerContext ctx, int numBits) {
        String problem = runProblem(numBits);
        if (problem != null) {
            // a run size any CSpace may hand out but larger than an L2 CNode of this one: the
            // CSpace is short of slots for it, as a single-level one too small for the run is
            return Errors.runBitsProblem(numBits) == null ? Errors.outOfSlots(problem) : Errors.badArgument(problem);
        }
        deferred.retry(ctx);
        long len = 1L << numBits;
        for (long l1 = l2WithFree.nextFree(0); l1 >= 0; l1 = l2WithFree.nextFree(l1 + 1)) {
            L2Node node = node(l1);
            long l2 = node.slots.freeCount() >= len ? node.slots.findAlignedRun(numBits) : -1;
            if (l2 >= 0) {
                take(l1, node, l2, len);
                return Result.ok(makePath(cptrOf(l1, l2)).withWindow((int) len));
            }
        }
        Result<Long> made = createL2(ctx);
        if (!made.isOk()) {
            return made.asFailure();
        }
        long l1 = made.value();
        L2Node node = node(l1);
        long l2 = node.slots.findAlignedRun(numBits); // 0: the L2 is empty
        take(l1, node, l2, len);
        return Result.ok(makePath(cptrOf(l1, l2)).withWindow((int) len));
    }

    @Override
    public Result<Void> freeContiguous(ManagerContext ctx, long firstCptr, int numBits) {
        String problem = runProblem(numBits);
        if (problem != null) {
            return Errors.badArgument(problem);
        }
        deferred.retry(ctx);
        long len = 1L << numBits;
        if ((firstCptr & (len - 1)) != 0) {
            return Errors.badArgument("run start " + firstCptr + " is not aligned to 2^" + numBits);
        }
        if (!manages(firstCptr)) {
            return Errors.notAllocated("cptr " + firstCptr + " is outside " + range());
        }
        long l1 = firstCptr >>> l2Bits;
        long l2 = firstCptr & l2Mask;
        L2Node node = node(l1);
        if (node == null || !node.slots.allUsed(l2, len)) {
            return Errors.notAllocated("run of 2^" + numBits + " from cptr " + firstCptr
                    + " has slots that are not allocated");
        }
        return release(ctx, l1, node, l2, len);
    }

    @Override
    public boolean manages(long cptr) {
        long l1 = cptr >>> l2Bits;
        if (cptr < 0 || l1 < config.l1First() || l1 >= config.l1End()) {
            return false;
        }
        return l1 != config.reservedL1() || (pinnedSlots >= 0 && (cptr & l2Mask) >= pinnedSlots);
    }

    @Override
    public long slotsInUse() {
        return inUse;
    }

    @Override
    public long slotsFree() {
        return freeInL2s + (unusedL1.freeCount() << l2Bits);
    }

    @Override
    public long bookkeepingBytes() {
        return l1Bytes + l2Count * L2Node.recordBytes(l2Bits) + deferred.mspaceBytes();
    }

    // ---- L2 life cycle

    /**
     * Makes an L2 CNode in an unused root slot: its record in the mspace first (undoing that is
     * pure bookkeeping), then the CNode from the utspace. If either step fails, what the first
     * took is given back and nothing else has changed. Returns the L1 index.
     */
    private Result<Long> createL2(ManagerContext ctx) {
        long l1 = unusedL1.findFree();
        if (l1 < 0) {
            return Errors.outOfSlots("every L2 CNode of " + range() + " is full (" + inUse + " slots in use)");
        }
        long bytes = L2Node.recordBytes(l2Bits);
        Result<Long> record = ctx.mspaceAlloc(bytes);
        if (!record.isOk()) {
            return Errors.during("record of a new L2 CNode (" + bytes + " bytes)", record.error());
        }
        Result<Long> cookie = ctx.utspaceAlloc(l1Path(l1), ObjectType.CNODE, l2Bits + ObjectType.SLOT_BITS,
                ManagerContext.NO_PADDR, false);
        if (!cookie.isOk()) {
            deferred.releaseMspace(ctx, record.value(), bytes);
            return Errors.during("L2 CNode of 2^" + l2Bits + " slots in root slot " + l1, cookie.error());
        }
        nodes[index(l1)] = new L2Node(l2Bits, cookie.value(), record.value());
        unusedL1.markUsed(l1, 1);
        l2WithFree.markFree(l1, 1);
        l2Count++;
        freeInL2s += 1L << l2Bits;
        return Result.ok(l1);
    }

    /** Marks a run of a present L2 used and keeps the counts and index sets in step. */
    private void take(long l1, L2Node node, long l2, long len) {
        node.slots.markUsed(l2, len);
        inUse += len;
        freeInL2s -= len;
        if (node.slots.freeCount() == 0) {
            l2WithFree.markUsed(l1, 1);
        }
    }

    /**
     * Frees an allocated run of one L2. If that empties the L2, its CNode cap is deleted first
     * (if the kernel refuses, nothing has changed and the error is returned), then its memory
     * and record are given back (queued if refused: the slots are free either way).
     */
    private Result<Void> release(ManagerContext ctx, long l1, L2Node node, long l2, long len) {
        boolean emptiesL2 = node.inUse() == len;
        if (emptiesL2) {
            InvocationResult deleted = ctx.sel4().cnodeDelete(config.root(), l1, config.l1Depth());
            if (!deleted.isOk()) {
                return Result.fail(AllocError.kernel("deleting the empty L2 CNode in root slot " + l1, deleted));
            }
        }
        node.slots.markFree(l2, len);
        inUse -= len;
        freeInL2s += len;
        l2WithFree.markFree(l1, 1);
        if (emptiesL2) {
            nodes[index(l1)] = null;
            l2WithFree.markUsed(l1, 1);
            unusedL1.markFree(l1, 1);
            l2Count--;
            freeInL2s -= 1L << l2Bits;
            deferred.releaseUtspace(ctx, node.cookie, l2Bits + ObjectType.SLOT_BITS);
            deferred.releaseMspace(ctx, node.recordAddress, L2Node.recordBytes(l2Bits));
        }
        return Result.done();
    }

    // ---- helpers

    private String runProblem(int numBits) {
        if (numBits < 0 || numBits > l2Bits) {
            return "a run must fit in one L2 CNode: 2^0..2^" + l2Bits + " slots, got 2^" + numBits;
        }
        return null;
    }

    private L2Node node(long l1) {
        return l1 >= config.l1First() && l1 < config.l1End() ? nodes[index(l1)] : null;
    }

    private int index(long l1) {
        return (int) (l1 - config.l1First());
    }

    private long cptrOf(long l1, long l2) {
        return (l1 << l2Bits) | l2;
    }

    private String range() {
        return "L1 [" + config.l1First() + ", " + config.l1End() + ") x 2^" + l2Bits;
    }
}
