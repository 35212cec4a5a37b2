package org.capbuddy.libos.allocman.utspace;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.capbuddy.kernel.api.InvocationResult;
import org.capbuddy.kernel.api.ObjectType;
import org.capbuddy.libos.allocman.ManagerContext;
import org.capbuddy.libos.vka.AllocError;
import org.capbuddy.libos.vka.AllocErrorKind;
import org.capbuddy.libos.vka.CSpacePath;
import org.capbuddy.libos.vka.Result;

/**
 * allocman's {@code utspace_twinkle}: a bump allocator for bootstrapping. It keeps, for each
 * untyped, how far it has handed memory out; an allocation Retypes the object straight out of the
 * first untyped with room (or of a later one of the same size next to it that wastes less to
 * alignment) at the offset rounded up to the object's size, and bumps the offset.
 *
 * <p>What it cannot do, as in allocman:
 * <ul>
 *   <li><b>Freeing reclaims nothing.</b> {@link #free} checks the cookie and size and forgets the
 *       cookie (a second free is NOT_ALLOCATED), but the memory stays used: {@link #bytesInUse} and
 *       {@link #framesInUse} count everything ever handed out and never drop.
 *   <li><b>No physical addresses.</b> A paddr request is BAD_ARGUMENT and {@link #paddr} is refused:
 *       once all of an untyped's objects are deleted the kernel resets it and places the next
 *       object at its base, so the bump offset is only an upper bound of the kernel's watermark.
 *       (That is also why the room check stays safe: the kernel never has less room than this
 *       manager believes.)
 *   <li><b>No device memory.</b> Only RAM untypeds are accepted.
 * </ul>
 * Every method either completes or changes nothing.
 */
public final class TwinkleUtspace implements UtspaceManager {
    /** Mspace bytes charged per untyped entry ({@code struct utspace_twinkle_ut}, rounded). */
    public static final long ENTRY_RECORD_BYTES = 32;

    /** One untyped: where it is, its size, and how many bytes from its base are handed out. */
    private static final class Entry {
        final CSpacePath path;
        final int sizeBits;
        final long recordAddress;
        long offset;

        Entry(CSpacePath path, int sizeBits, long recordAddress) {
            this.path = path;
            this.sizeBits = sizeBits;
            this.recordAddress = recordAddress;
        }
    }

    private final List<Entry> entries = new ArrayList<>();
    /** Live cookies and their object sizes, only to refuse unknown, double or mis-sized frees. */
    private final Map<Long, Integer> live = new HashMap<>();
    private long nextCookie = 1;
    private long bytesInUse;
    private long framesInUse;

    @Override
    public Result<Void> addUntyped(ManagerContext ctx, CSpacePath path, int sizeBits, long paddr, UntypedKind kind) {
        Result<Void> bad = ObjectRequest.checkUntyped(ctx, path, sizeBits, paddr, kind);
        if (!bad.isOk()) {
            return bad;
        }
        if (kind != UntypedKind.RAM) {
            return Result.fail(AllocErrorKind.BAD_ARGUMENT, "twinkle does not manage device memory (" + kind + ")");
        }
        for (Entry e : entries) {
            if (e.path.equals(path)) {
                return Result.fail(AllocErrorKind.BAD_ARGUMENT, "slot " + path.capPtr() + " is already managed");
            }
        }
        Result<Long> record = ctx.mspaceAlloc(ENTRY_RECORD_BYTES);
        if (!record.isOk()) {
            return record.asFailure();
        }
        entries.add(new Entry(path, sizeBits, record.value()));
        return Result.done();
    }

    @Override
    public Result<Long> alloc(ManagerContext ctx, CSpacePath dest, ObjectType type, int objBits, long paddr,
                              boolean canBeDevice) {
        Result<Long> refused = ObjectRequest.refusal(ctx, dest, type, objBits, paddr);
        if (refused != null) {
            return refused;
        }
        int sizeArg = ObjectRequest.retypeSizeArg(type, objBits);
        if (paddr != ManagerContext.NO_PADDR) {
            return Result.fail(AllocErrorKind.BAD_ARGUMENT, "twinkle cannot place objects at a physical address");
        }
        Entry e = choose(objBits);
        if (e == null) {
            return Result.fail(AllocErrorKind.OUT_OF_MEMORY, "no untyped has 2^" + objBits + " aligned bytes left");
        }
        long size = 1L << objBits;
        InvocationResult r = ctx.sel4().untypedRetype(e.path.capPtr(), type, sizeArg, dest.root(),
                dest.dest(), dest.destDepth(), dest.offset(), 1);
        if (!r.isOk()) {
            return Result.fail(AllocError.kernel("Retype of " + type + " into slot " + dest.capPtr(), r));
        }
        e.offset = alignedOffset(e, objBits) + size;
        long cookie = nextCookie++;
        live.put(cookie, objBits);
        bytesInUse += size;
        if (type.isFrame()) {
            framesInUse++;
        }
        return Result.ofLong(cookie);
    }

    /**
     * The untyped to use, as twinkle.c picks it: the first one with room; then, among it and the
     * untypeds of the same size that directly follow it, the first that wastes the fewest bytes
     * to alignment. Null when none has room.
     */
    private Entry choose(int objBits) {
        int first = 0;
        while (first < entries.size() && !hasRoom(entries.get(first), objBits)) {
            first++;
        }
        if (first == entries.size()) {
            return null;
        }
        Entry best = entries.get(first);
        for (int j = first + 1; j < entries.size() && entries.get(j).sizeBits == best.sizeBits; j++) {
            Entry e = entries.get(j);
            if (hasRoom(e, objBits) && waste(e, objBits) < waste(best, objBits)) {
                best = e;
            }
        }
        return best;
    }

    private static long alignedOffset(Entry e, int objBits) {
        long size = 1L << objBits;
        return (e.offset + size - 1) & -size;
    }

    private static long waste(Entry e, int objBits) {
        return alignedOffset(e, objBits) - e.offset;
    }

    private static boolean hasRoom(Entry e, int objBits) {
        return objBits <= e.sizeBits && alignedOffset(e, objBits) <= (1L << e.sizeBits) - (1L << objBits);
    }

    @Override
    public Result<Void> free(ManagerContext ctx, long cookie, int objBits) {
        Integer bits = live.get(cookie);
        if (bits == null) {
            return Result.fail(AllocErrorKind.NOT_ALLOCATED, "cookie " + cookie
                    + " was not handed out by this allocator, or is already freed");
        }
        if (bits != objBits) {
            return UtspaceManager.wrongSize(cookie, bits, objBits);
        }
        // Twinkle cannot reuse memory: the cookie is forgotten, the bytes stay used.
        live.remove(cookie);
        return Result.done();
    }

    @Override
    public Result<Long> paddr(long cookie) {
        if (!live.containsKey(cookie)) {
            return Result.fail(AllocErrorKind.NOT_ALLOCATED, "cookie " + cookie
                    + " was not handed out by this allocator, or is already freed");
        }
        return Result.fail(AllocErrorKind.BAD_ARGUMENT, "twinkle does not track physical addresses");
    }

    @Override
    public Result<Long> paddr(long cookie, int objBits) {
        Integer bits = live.get(cookie);
        if (bits != null && bits != objBits) {
            return UtspaceManager.wrongSize(cookie, bits, objBits);
        }
        return paddr(cookie);
    }

    /** Every byte ever handed out (alignment gaps excluded); freeing does not lower it. */
    @Override
    public long bytesInUse() {
        return bytesInUse;
    }

    /** Bytes above the bump offsets; alignment may waste some of them. */
    @Override
    public long bytesFree() {
        long free = 0;
        for (Entry e : entries) {
            free += (1L << e.sizeBits) - e.offset;
        }
        return free;
    }

    /** Every frame ever handed out; freeing does not lower it. */
    @Override
    public long framesInUse() {
        return framesInUse;
    }

    @Override
    public long bookkeepingBytes() {
        return entries.size() * ENTRY_RECORD_BYTES;
    }
}
