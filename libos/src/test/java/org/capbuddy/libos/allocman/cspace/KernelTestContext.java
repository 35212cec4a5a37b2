package org.capbuddy.libos.allocman.cspace;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;
import org.capbuddy.kernel.Kernel;
import org.capbuddy.kernel.Sel4;
import org.capbuddy.kernel.api.InvocationResult;
import org.capbuddy.kernel.api.ObjectType;
import org.capbuddy.kernel.boot.UntypedDescriptor;
import org.capbuddy.libos.allocman.LastRefusal;
import org.capbuddy.libos.allocman.ManagerContext;
import org.capbuddy.libos.vka.AllocError;
import org.capbuddy.libos.vka.AllocErrorKind;
import org.capbuddy.libos.vka.CSpacePath;
import org.capbuddy.libos.vka.Result;
import org.capbuddy.libos.vka.SlotNaming;

/**
 * A test-only {@link ManagerContext} over a real kernel. Utspace: each allocation retypes a fresh
 * child untyped of exactly the object's size from the largest boot RAM untyped into a slot of its
 * own, then the object from that child; a free revokes and deletes the child, so the memory is
 * really reusable. Mspace: counted bytes at made-up addresses. Any of the four calls can be made
 * to refuse its N-th next call. The cspace calls must not be used by a cspace manager.
 */
final class KernelTestContext implements ManagerContext {

    /** How this context names a root slot in the current CSpace layout. */
    record Addressing(long cnodeRoot, int depth, int shift) {
        /** The boot layout: root CNode at cptr 2, depth 64, cptr = slot. */
        static Addressing boot() {
            return new Addressing(2, 64, 0);
        }

        /** After {@link TwoLevelSetup}: root cap at A << B, depth 64 - B, cptr = slot << B. */
        static Addressing of(TwoLevelSetup.Switched s) {
            return new Addressing(s.rootCptr(), s.l1Depth(), s.l2Bits());
        }

        long cptr(long slot) {
            return slot << shift;
        }
    }

    /** Refuses the N-th call from when it was armed (1 = the next one). */
    static final class Countdown {
        private long left;
        private long calls;

        void failNth(long n) {
            left = n;
        }

        boolean fire() {
            calls++;
            return left > 0 && --left == 0;
        }

        long calls() {
            return calls;
        }
    }

    private record Child(long slot, int objBits) {
    }

    final Countdown utspaceAllocs = new Countdown();
    final Countdown utspaceFrees = new Countdown();
    final Countdown mspaceAllocs = new Countdown();
    final Countdown mspaceFrees = new Countdown();

    private final Sel4 sel4;
    private final Addressing at;
    private final long bigUntyped;
    private final Deque<Long> freeChildSlots = new ArrayDeque<>();
    private final Map<Long, Child> cookies = new HashMap<>();
    private final Map<Long, Long> chunks = new HashMap<>();
    private final LastRefusal chunkRefusal = new LastRefusal();
    private long nextCookie = 1;
    private long nextAddress = 0x1000;
    private long mspaceBytes;

    /** Children go into root slots [childFirst, childEnd), which must be empty. */
    KernelTestContext(Kernel kernel, Addressing at, long childFirst, long childEnd) {
        this.sel4 = kernel.rootTask();
        this.at = at;
        this.bigUntyped = at.cptr(kernel.bootInfo().untypedList().stream().filter(u -> !u.device())
                .max(java.util.Comparator.comparingInt(UntypedDescriptor::sizeBits)).orElseThrow().cptr());
        for (long s = childFirst; s < childEnd; s++) {
            freeChildSlots.add(s);
        }
    }

    /** Cptr of the big RAM untyped (tests may retype from it too). */
    long bigUntyped() {
        return bigUntyped;
    }

    /** Utspace allocations not yet freed. */
    int liveObjects() {
        return cookies.size();
    }

    long mspaceBytes() {
        return mspaceBytes;
    }

    @Override
    public Sel4 sel4() {
        return sel4;
    }

    @Override
    public Result<Long> cspaceAlloc() {
        throw new AssertionError("a cspace manager must not ask the cspace for slots");
    }

    @Override
    public long cspaceAllocSlot() {
        throw new AssertionError("a cspace manager must not ask the cspace for slots");
    }

    @Override
    public AllocError slotRefusal() {
        throw new AssertionError("a cspace manager must not ask the cspace for slots");
    }

    @Override
    public Result<Void> cspaceFree(long cptr) {
        throw new AssertionError("a cspace manager must not free through the cspace");
    }

    @Override
    public CSpacePath cspaceMakePath(long cptr) {
        throw new AssertionError("a cspace manager must not ask the cspace for paths");
    }

    @Override
    public SlotNaming cspaceNaming() {
        throw new AssertionError("a cspace manager must not ask the cspace for paths");
    }

    @Override
    public Result<Long> utspaceAlloc(CSpacePath dest, ObjectType type, int objBits, long paddr, boolean canBeDevice) {
        if (utspaceAllocs.fire()) {
            return Result.fail(AllocErrorKind.OUT_OF_MEMORY, "test context refuses this utspace alloc");
        }
        if (freeChildSlots.isEmpty()) {
            return Result.fail(AllocErrorKind.OUT_OF_SLOTS, "test context has no slot left for a child untyped");
        }
        long slot = freeChildSlots.pop();
        InvocationResult child = sel4.untypedRetype(bigUntyped, ObjectType.UNTYPED, objBits, at.cnodeRoot(), 0, 0,
                slot, 1);
        if (!child.isOk()) {
            freeChildSlots.push(slot);
            return Result.fail(AllocError.kernel("child untyped", child));
        }
        long sizeArg = type == ObjectType.CNODE ? objBits - ObjectType.SLOT_BITS : objBits;
        InvocationResult object = sel4.untypedRetype(at.cptr(slot), type, sizeArg, dest.root(), dest.dest(),
                dest.destDepth(), dest.offset(), 1);
        if (!object.isOk()) {
            deleteChild(slot);
            return Result.fail(AllocError.kernel("object from child untyped", object));
        }
        long cookie = nextCookie++;
        cookies.put(cookie, new Child(slot, objBits));
        return Result.ok(cookie);
    }

    @Override
    public Result<Void> utspaceFree(long cookie, int objBits) {
        if (utspaceFrees.fire()) {
            return Result.fail(AllocErrorKind.BUSY, "test context refuses this utspace free");
        }
        Child child = cookies.get(cookie);
        if (child == null) {
            return Result.fail(AllocErrorKind.NOT_ALLOCATED, "unknown cookie " + cookie);
        }
        if (child.objBits() != objBits) {
            return Result.fail(AllocErrorKind.BAD_ARGUMENT, "cookie " + cookie + " has " + child.objBits()
                    + " bits, not " + objBits);
        }
        cookies.remove(cookie);
        deleteChild(child.slot());
        return Result.done();
    }

    private void deleteChild(long slot) {
        check(sel4.cnodeRevoke(at.cnodeRoot(), slot, at.depth()));
        check(sel4.cnodeDelete(at.cnodeRoot(), slot, at.depth()));
        freeChildSlots.push(slot);
    }

    private static void check(InvocationResult r) {
        if (!r.isOk()) {
            throw new AssertionError("test context: " + r);
        }
    }

    @Override
    public Result<Long> mspaceAlloc(long bytes) {
        if (mspaceAllocs.fire()) {
            return Result.fail(AllocErrorKind.OUT_OF_BOOKKEEPING, "test context refuses this mspace alloc");
        }
        if (bytes <= 0) {
            return Result.fail(AllocErrorKind.BAD_ARGUMENT, "mspace alloc of " + bytes + " bytes");
        }
        long address = nextAddress;
        nextAddress += (bytes + 15) & ~15L;
        chunks.put(address, bytes);
        mspaceBytes += bytes;
        return Result.ok(address);
    }

    @Override
    public long mspaceAllocChunk(long bytes) {
        return chunkRefusal.valueOr(mspaceAlloc(bytes), NO_CHUNK);
    }

    @Override
    public AllocError chunkRefusal() {
        return chunkRefusal.get();
    }

    @Override
    public Result<Void> mspaceFree(long address, long bytes) {
        if (mspaceFrees.fire()) {
            return Result.fail(AllocErrorKind.BUSY, "test context refuses this mspace free");
        }
        Long size = chunks.get(address);
        if (size == null || size != bytes) {
            return Result.fail(AllocErrorKind.NOT_ALLOCATED, "no chunk of " + bytes + " bytes at " + address);
        }
        chunks.remove(address);
        mspaceBytes -= bytes;
        return Result.done();
    }
}
