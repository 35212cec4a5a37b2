package org.capbuddy.libos.allocman.utspace;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.capbuddy.kernel.Kernel;
import org.capbuddy.kernel.Sel4;
import org.capbuddy.kernel.api.InvocationResult;
import org.capbuddy.kernel.api.Message;
import org.capbuddy.kernel.api.ObjectType;
import org.capbuddy.kernel.api.Sel4Error;
import org.capbuddy.libos.allocman.LastRefusal;
import org.capbuddy.libos.allocman.ManagerContext;
import org.capbuddy.libos.vka.AllocError;
import org.capbuddy.libos.vka.AllocErrorKind;
import org.capbuddy.libos.vka.CSpacePath;
import org.capbuddy.libos.vka.Result;
import org.capbuddy.libos.vka.SlotNaming;

/**
 * A test stand-in for allocman as seen by a utspace manager: slots from the root CNode's empty
 * region, a counting fake mspace, and switches that fail the N-th slot or record request. Misuse
 * by the manager (freeing a slot or record it does not hold, or a slot that is not empty) is
 * recorded in {@link #misuse()} rather than thrown, so tests can assert it never happens.
 */
final class TestContext implements ManagerContext {
    static final long ROOT_CNODE = 2;

    private final Kernel kernel;
    private final Sel4 sel4;
    private final TreeSet<Long> freeSlots = new TreeSet<>();
    private final TreeSet<Long> usedSlots = new TreeSet<>();
    private final Map<Long, Long> records = new HashMap<>();
    private final List<String> misuse = new ArrayList<>();
    private long nextRecord = 0x1000;
    private long mspaceBytes;
    private long cspaceCalls;
    private long mspaceCalls;
    private long failCspaceAt;
    private long failMspaceAt;
    private long injected;

    TestContext(Kernel kernel) {
        this.kernel = kernel;
        this.sel4 = kernel.rootTask();
        for (long s = kernel.bootInfo().empty().start(); s < kernel.bootInfo().empty().end(); s++) {
            freeSlots.add(s);
        }
    }

    // ---- test controls and observations

    /** Fails the n-th cspaceAlloc from now (1 = the next one); 0 disarms. */
    void failNthCspaceAlloc(long n) {
        failCspaceAt = n <= 0 ? 0 : cspaceCalls + n;
    }

    /** Fails the n-th mspaceAlloc from now (1 = the next one); 0 disarms. */
    void failNthMspaceAlloc(long n) {
        failMspaceAt = n <= 0 ? 0 : mspaceCalls + n;
    }

    /** Takes a slot for the test itself (a destination or a root untyped's home). */
    long takeSlot() {
        return freeSlots.pollFirst();
    }

    /** Gives back a slot from {@link #takeSlot}; the test must have emptied it. */
    void giveBackSlot(long slot) {
        freeSlots.add(slot);
    }

    /** How many slot or record requests were failed on purpose so far. */
    long injectedFailures() {
        return injected;
    }

    long slotsInUse() {
        return usedSlots.size();
    }

    long mspaceBytesInUse() {
        return mspaceBytes;
    }

    List<String> misuse() {
        return misuse;
    }

    /** True when the slot is empty: invoking an empty slot gives InvalidCapability, MR0 = 0. */
    boolean isEmpty(long cptr) {
        InvocationResult r = sel4.invoke(cptr, new Message(0, new long[0], new long[0]));
        return r.capFault() == null && r.error() == Sel4Error.INVALID_CAPABILITY && r.mr(0) == 0;
    }

    static CSpacePath path(long slot) {
        return CSpacePath.ofRootSlot(ROOT_CNODE, slot);
    }

    // ---- ManagerContext

    private final LastRefusal slotRefusal = new LastRefusal();
    private final LastRefusal chunkRefusal = new LastRefusal();

    @Override
    public Sel4 sel4() {
        return sel4;
    }

    @Override
    public Result<Long> cspaceAlloc() {
        cspaceCalls++;
        if (cspaceCalls == failCspaceAt) {
            injected++;
            return Result.fail(AllocErrorKind.OUT_OF_SLOTS, "injected: cspaceAlloc #" + cspaceCalls);
        }
        Long slot = freeSlots.pollFirst();
        if (slot == null) {
            return Result.fail(AllocErrorKind.OUT_OF_SLOTS, "root CNode full");
        }
        usedSlots.add(slot);
        return Result.ok(slot);
    }

    @Override
    public long cspaceAllocSlot() {
        return slotRefusal.valueOr(cspaceAlloc(), NO_SLOT);
    }

    @Override
    public AllocError slotRefusal() {
        return slotRefusal.get();
    }

    @Override
    public Result<Void> cspaceFree(long cptr) {
        if (!usedSlots.remove(cptr)) {
            misuse.add("cspaceFree of slot " + cptr + " not handed out");
            return Result.fail(AllocErrorKind.NOT_ALLOCATED, "slot " + cptr + " not handed out");
        }
        if (!isEmpty(cptr)) {
            misuse.add("cspaceFree of non-empty slot " + cptr);
        }
        freeSlots.add(cptr);
        return Result.done();
    }

    @Override
    public CSpacePath cspaceMakePath(long cptr) {
        return path(cptr);
    }

    @Override
    public SlotNaming cspaceNaming() {
        return SlotNaming.rootSlots(ROOT_CNODE);
    }

    @Override
    public Result<Long> utspaceAlloc(CSpacePath dest, ObjectType type, int objBits, long paddr, boolean canBeDevice) {
        return Result.fail(AllocErrorKind.BUSY, "a utspace manager must not re-enter utspace");
    }

    @Override
    public Result<Void> utspaceFree(long cookie, int objBits) {
        return Result.fail(AllocErrorKind.BUSY, "a utspace manager must not re-enter utspace");
    }

    @Override
    public Result<Long> mspaceAlloc(long bytes) {
        mspaceCalls++;
        if (mspaceCalls == failMspaceAt) {
            injected++;
            return Result.fail(AllocErrorKind.OUT_OF_BOOKKEEPING, "injected: mspaceAlloc #" + mspaceCalls);
        }
        long address = nextRecord;
        nextRecord += Math.max(16, bytes);
        records.put(address, bytes);
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
        Long held = records.get(address);
        if (held == null || held != bytes) {
            misuse.add("mspaceFree(" + address + ", " + bytes + ") of a chunk not held (held: " + held + ")");
            return Result.fail(AllocErrorKind.NOT_ALLOCATED, "no chunk of " + bytes + " at " + address);
        }
        records.remove(address);
        mspaceBytes -= bytes;
        return Result.done();
    }

    Kernel kernel() {
        return kernel;
    }
}
