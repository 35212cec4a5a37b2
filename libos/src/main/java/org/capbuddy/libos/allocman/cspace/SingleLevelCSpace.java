package org.capbuddy.libos.allocman.cspace;

import java.util.Optional;
import org.capbuddy.libos.allocman.ManagerContext;
import org.capbuddy.libos.vka.CSpacePath;
import org.capbuddy.libos.vka.Result;

/**
 * Allocman's {@code single_level} cspace manager: the slots [firstSlot, endSlot) of one CNode,
 * tracked by a {@link SlotBitmap}. It never invokes the kernel; slots are handed out empty
 * because the caller gave the range empty and gets each slot back empty.
 *
 * <p>Single slots and contiguous runs ({@link #allocContiguous}, CapBuddy's {@code csa}) share
 * the whole range, and runs are freed like anything else: unlike the CapBuddy fork there is no
 * half reserved for runs, no bump pointer, and a freed run is reusable by either kind. Runs are
 * not remembered as runs: {@link #freeContiguous} takes any aligned run whose slots are all
 * allocated, and the slots of a run may also be freed one by one.
 *
 * <p>The bitmap's size is charged to the mspace once, by {@link #create}.
 */
public final class SingleLevelCSpace implements CSpaceManager {
    private final SingleLevelConfig config;
    private final SlotBitmap bitmap;
    private final long bitmapAddress;
    private final long bitmapBytes;

    private SingleLevelCSpace(SingleLevelConfig config, SlotBitmap bitmap, long bitmapAddress, long bitmapBytes) {
        this.config = config;
        this.bitmap = bitmap;
        this.bitmapAddress = bitmapAddress;
        this.bitmapBytes = bitmapBytes;
    }

    /** A manager with every slot of the range free, its bitmap charged to the mspace. */
    public static Result<SingleLevelCSpace> create(ManagerContext ctx, SingleLevelConfig config) {
        Optional<String> problem = config.problem();
        if (problem.isPresent()) {
            return Errors.badArgument("single-level cspace: " + problem.get());
        }
        long bytes = SlotBitmap.bytesFor(config.firstSlot(), config.endSlot());
        Result<Long> memory = ctx.mspaceAlloc(bytes);
        if (!memory.isOk()) {
            return Errors.during("single-level cspace bitmap of " + bytes + " bytes", memory.error());
        }
        SlotBitmap bitmap = SlotBitmap.freeRange(config.firstSlot(), config.endSlot());
        return Result.ok(new SingleLevelCSpace(config, bitmap, memory.value(), bytes));
    }

    public SingleLevelConfig config() {
        return config;
    }

    /** Where the bitmap's bookkeeping bytes were charged in the mspace. */
    public long bitmapAddress() {
        return bitmapAddress;
    }

    @Override
    public Result<Long> alloc(ManagerContext ctx) {
        long slot = tryAllocSlot();
        if (slot < 0) {
            return Errors.outOfSlots("all " + bitmap.capacity() + " slots of " + range() + " are in use");
        }
        return Result.ofLong(slot);
    }

    /** A slot from the bitmap, or -1 when it is full (then {@link #alloc} says so). */
    @Override
    public long tryAllocSlot() {
        long slot = bitmap.findFree();
        if (slot >= 0) {
            bitmap.markUsed(slot, 1);
        }
        return slot;
    }

    @Override
    public Result<Void> free(ManagerContext ctx, long cptr) {
        if (!bitmap.contains(cptr)) {
            return Errors.notAllocated("cptr " + cptr + " is outside " + range());
        }
        if (bitmap.isFree(cptr)) {
            return Errors.notAllocated("slot " + cptr + " is not allocated (never handed out, or freed twice)");
        }
        bitmap.markFree(cptr, 1);
        return Result.done();
    }

    // (root, capPtr = slot, depth) addresses the slot; as a destination the node is the invoked
    // CNode itself (dest = destDepth = 0) at offset = slot: SlotNaming's defaults.

    @Override
    public long root() {
        return config.root();
    }

    @Override
    public int depth() {
        return config.depth();
    }

    @Override
    public Result<CSpacePath> allocContiguous(ManagerContext ctx, int numBits) {
        String problem = Errors.runBitsProblem(numBits);
        if (problem != null) {
            return Errors.badArgument(problem);
        }
        // a run size any CSpace may hand out, but larger than this range holds: the CSpace is
        // short of slots for it, as when its runs are taken (a policy asking for a block of that
        // many frames lacks slots, not a valid argument)
        String tooLarge = runTooLarge(numBits);
        if (tooLarge != null) {
            return Errors.outOfSlots(tooLarge);
        }
        long slot = bitmap.findAlignedRun(numBits);
        if (slot < 0) {
            return Errors.outOfSlots("no 2^" + numBits + " aligned free slots in " + range() + " ("
                    + bitmap.freeCount() + " free)");
        }
        long len = 1L << numBits;
        bitmap.markUsed(slot, len);
        return Result.ok(makePath(slot).withWindow((int) len));
    }

    @Override
    public Result<Void> freeContiguous(ManagerContext ctx, long firstCptr, int numBits) {
        String problem = Errors.runBitsProblem(numBits);
        if (problem != null) {
            return Errors.badArgument(problem);
        }
        long len = 1L << numBits;
        if ((firstCptr & (len - 1)) != 0) {
            return Errors.badArgument("run start " + firstCptr + " is not aligned to 2^" + numBits);
        }
        if (!bitmap.containsRun(firstCptr, len)) {
            return Errors.notAllocated("run of 2^" + numBits + " from " + firstCptr + " is not inside " + range());
        }
        if (!bitmap.allUsed(firstCptr, len)) {
            return Errors.notAllocated("run of 2^" + numBits + " from " + firstCptr
                    + " has slots that are not allocated");
        }
        bitmap.markFree(firstCptr, len);
        return Result.done();
    }

    @Override
    public boolean manages(long cptr) {
        return bitmap.contains(cptr);
    }

    @Override
    public long slotsInUse() {
        return bitmap.capacity() - bitmap.freeCount();
    }

    @Override
    public long slotsFree() {
        return bitmap.freeCount();
    }

    @Override
    public long bookkeepingBytes() {
        return bitmapBytes;
    }

    /** Why a run of 2^numBits (a size {@link Errors#runBitsProblem} takes) can never come from this range, or null. */
    private String runTooLarge(int numBits) {
        long len = 1L << numBits;
        long pad = -config.firstSlot() & (len - 1); // slots from firstSlot to the first aligned one
        if (pad + len > config.slotCount()) {
            return "no run of 2^" + numBits + " slots aligned to its size fits in " + range();
        }
        return null;
    }

    private String range() {
        return "[" + config.firstSlot() + ", " + config.endSlot() + ")";
    }
}
