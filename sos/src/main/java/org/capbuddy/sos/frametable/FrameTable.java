package org.capbuddy.sos.frametable;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.capbuddy.kernel.Sel4;
import org.capbuddy.kernel.cpu.UserCpu;
import org.capbuddy.kernel.api.CapRights;
import org.capbuddy.kernel.api.ObjectType;
import org.capbuddy.kernel.api.VmAttributes;
import org.capbuddy.libos.vka.AllocError;
import org.capbuddy.libos.vka.AllocErrorKind;
import org.capbuddy.libos.vka.CapOps;
import org.capbuddy.libos.vka.Result;
import org.capbuddy.libos.vka.UndoLog;
import org.capbuddy.libos.vka.Vka;
import org.capbuddy.libos.vka.VkaObject;
import org.capbuddy.libos.vka.VkaObjects;
import org.capbuddy.libos.vspace.PageMapper;
import org.capbuddy.libos.vspace.PagingStructure;

/**
 * SOS's frame table (AOS's {@code frame_table.c}): 4 KiB frames named by references of a fixed
 * width (the seed's 19 bits by default, up to 32; 0 is "no frame"), taken from a vka (the CapBuddy
 * pool when it is enabled), each mapped into SOS's own address space at
 * {@code WINDOW + ref * 4 KiB} so that SOS can read and write it.
 *
 * <p>The width bounds the table: 2^width − 1 frames, and never more than 2^31 − 1 (8 TiB, far
 * beyond the largest board). Host memory grows with the frames the table has held, not with its
 * width ({@link RefDirectory}), so a 32-bit table on a small machine costs what a 19-bit one does.
 *
 * <p>Unlike the AOS table, a frame handed out is always zero (a frame recycled through the vka
 * must never show another process's data), and a freed frame goes straight back to the vka, so
 * that tearing processes down leaves nothing behind. References are reused, newest first.
 *
 * <p>The window's page tables stay while SOS runs (a freed frame's table serves the next frame),
 * except those made by an allocation whose caller then failed: {@link #undoAlloc} gives them
 * back too, so that a failed operation leaves the allocators exactly as before.
 */
public final class FrameTable {
    /** The seed's reference width: 19 bits, 2^19 − 1 frames (just under 2 GiB). */
    public static final int SEED_REF_BITS = 19;
    /** The widest references a table takes. */
    public static final int MAX_REF_BITS = 32;
    /** The most frames a table of the seed's width holds: every 19-bit reference but 0, which means "no frame". */
    public static final int MAX_FRAMES = (1 << SEED_REF_BITS) - 1;
    public static final int NULL_FRAME = 0;
    /**
     * Where frame contents appear in SOS's address space. The widest window ends below
     * {@code 0x882_0000_0000}: clear of allocman's pools below it and of the 2^47 top of the VSpace.
     */
    public static final long WINDOW = 0x82_0000_0000L;
    private static final int PAGE = 4096;

    private final Vka vka;
    private final Sel4 sel4;
    private final long sosVSpace;
    private final UserCpu sosCpu;
    private final int refBits;
    private final int limit;
    private final VkaTables tables;
    private final RefDirectory frames = new RefDirectory();
    /** Freed references, reused newest first; grown as references are first handed out, so freeing never allocates. */
    private int[] freeRefs = new int[64];
    private int freeRefCount;
    private int nextRef = 1;
    private int inUse;
    private long zeroedBytes;
    private final List<PagingStructure> windowTables = new ArrayList<>();
    /** The window tables each live frame's allocation had to make (only frames that made some). */
    private final Map<Integer, List<PagingStructure>> tablesMadeBy = new HashMap<>();
    /** Undoes a failed {@link #allocFrame}; its steps are made once, here. */
    private final UndoLog undo;
    private final UndoLog.Action freeFrame = (cptr, cookie, none) -> freeFrame(cptr, cookie);
    private final UndoLog.Action unmapFromWindow = (cptr, unused, made) -> unmapFromWindow(cptr, made);
    private AllocError lastError;

    private FrameTable(Vka vka, long sosVSpace, UserCpu sosCpu, int refBits, int limit) {
        this.vka = vka;
        this.sel4 = vka.sel4();
        this.sosVSpace = sosVSpace;
        this.sosCpu = sosCpu;
        this.refBits = refBits;
        this.limit = limit;
        this.tables = new VkaTables(vka);
        this.undo = new UndoLog(sel4.guard());
    }

    /** The most frames references of {@code refBits} bits name (all but 0), capped at 2^31 − 1. */
    public static int maxFrames(int refBits) {
        return refBits >= 31 ? Integer.MAX_VALUE : (1 << refBits) - 1;
    }

    /** Done when a table of this width and limit can be made, else why not. */
    public static Result<Void> check(int refBits, int limit) {
        if (refBits < 1 || refBits > MAX_REF_BITS) {
            return Result.fail(AllocErrorKind.BAD_ARGUMENT, "frame references must be 1.." + MAX_REF_BITS
                    + " bits wide, got " + refBits);
        }
        if (limit < 1 || limit > maxFrames(refBits)) {
            return Result.fail(AllocErrorKind.BAD_ARGUMENT, "the frame table limit must be 1.." + maxFrames(refBits)
                    + " frames (" + refBits + "-bit frame references), got " + limit);
        }
        return Result.done();
    }

    /**
     * An empty frame table, or why not.
     *
     * @param vka where frames come from
     * @param sosVSpace cptr of SOS's own VSpace
     * @param sosCpu SOS's own processor, for zeroing frames through the window
     * @param refBits the width of frame references: 1 .. {@link #MAX_REF_BITS} (the seed's is 19)
     * @param limit the most frames in use at once: 1 .. {@link #maxFrames}(refBits)
     */
    public static Result<FrameTable> create(Vka vka, long sosVSpace, UserCpu sosCpu, int refBits, int limit) {
        if (vka == null || sosCpu == null) {
            return Result.fail(AllocErrorKind.BAD_ARGUMENT, "a frame table needs a vka and SOS's processor");
        }
        Result<Void> valid = check(refBits, limit);
        if (!valid.isOk()) {
            return valid.asFailure();
        }
        return Result.ok(new FrameTable(vka, sosVSpace, sosCpu, refBits, limit));
    }

    /**
     * A zero-filled frame, or an error when the limit is reached or memory is out. Every step is
     * undone if a later one fails or throws, window tables included. {@link #allocFrame} is the
     * same without the boxed reference.
     */
    public Result<Integer> alloc() {
        int ref = allocFrame();
        return ref != NULL_FRAME ? Result.ok(ref) : Result.fail(lastError);
    }

    /**
     * The reference of a zero-filled frame, or {@link #NULL_FRAME} when there is none (as AOS's
     * {@code alloc_frame} returns), with {@link #lastError()} saying why: {@link #alloc} for the
     * page fault path, which builds nothing. Every step is undone if a later one fails or throws,
     * window tables included.
     */
    public int allocFrame() {
        sel4.guard().check();
        int ref = freeRefCount > 0 ? freeRefs[freeRefCount - 1] : nextRef;
        if (freeRefCount == 0 && nextRef > limit) {
            return refuse(AllocError.of(AllocErrorKind.OUT_OF_MEMORY, "frame table limit of " + limit
                    + " frames reached"));
        }
        makeRoomFor(ref);
        try (UndoLog log = undo.begin("allocating frame table entry", ref, 2)) {
            // The pool's free frame if it has one (no object built), else the vka's full path.
            long cptr = vka.utspaceTryAllocFrameFromPool();
            long cookie = VkaObject.POOL_COOKIE;
            if (cptr < 0) {
                Result<VkaObject> frame = VkaObjects.allocFrame(vka, 12);
                if (!frame.isOk()) {
                    return refuse(frame.error());
                }
                cptr = frame.value().cptr();
                cookie = frame.value().cookie();
            }
            log.push(freeFrame, cptr, cookie);
            Result<List<PagingStructure>> mapped = PageMapper.map(sel4, tables, cptr, sosVSpace, windowAddress(ref),
                    CapRights.READ_WRITE, VmAttributes.DEFAULT | VmAttributes.EXECUTE_NEVER);
            if (!mapped.isOk()) {
                return refuse(mapped.error());
            }
            log.push(unmapFromWindow, cptr, 0, mapped.value());
            if (sosCpu.fill(windowAddress(ref), PAGE, (byte) 0) != PAGE) {
                return refuse(AllocError.of(AllocErrorKind.KERNEL, "zeroing frame " + ref + " through SOS's window: "
                        + sosCpu.failure()));
            }
            record(ref, cptr, cookie, mapped.value());
            log.commit();
            return ref;
        }
    }

    /**
     * Writes {@code src[srcOff .. srcOff + length)} into the frame at byte {@code offset}, through
     * SOS's window as the zeroing in {@link #allocFrame} does: how SOS fills a frame before it maps
     * it into a process (a page of a program image).
     */
    public Result<Void> write(int ref, int offset, byte[] src, int srcOff, int length) {
        if (!isLive(ref)) {
            return Result.fail(AllocErrorKind.NOT_ALLOCATED, "frame reference " + ref + " is not in use");
        }
        if (offset < 0 || length < 0 || offset > PAGE - length || src == null || srcOff < 0
                || srcOff > src.length - length) {
            return Result.fail(AllocErrorKind.BAD_ARGUMENT, "writing [" + offset + ", +" + length + ") of frame " + ref
                    + " from [" + srcOff + ", +" + length + ") of a " + (src == null ? "missing" : src.length + "-byte")
                    + " buffer: outside the page or the buffer");
        }
        if (sosCpu.copyOut(windowAddress(ref) + offset, src, srcOff, length) != length) {
            return Result.fail(AllocErrorKind.KERNEL, "writing frame " + ref + " through SOS's window: "
                    + sosCpu.failure());
        }
        return Result.done();
    }

    /**
     * Zeroes a frame in use through SOS's window, as {@link #allocFrame} zeroes a new one: how a
     * frame taken from a page SOS paged out is cleared before another page uses it.
     */
    public Result<Void> zero(int ref) {
        if (!isLive(ref)) {
            return Result.fail(AllocErrorKind.NOT_ALLOCATED, "frame reference " + ref + " is not in use");
        }
        if (sosCpu.fill(windowAddress(ref), PAGE, (byte) 0) != PAGE) {
            return Result.fail(AllocErrorKind.KERNEL, "zeroing frame " + ref + " through SOS's window: "
                    + sosCpu.failure());
        }
        zeroedBytes += PAGE;
        return Result.done();
    }

    /** Why the most recent {@link #allocFrame} returned {@link #NULL_FRAME}; meaningful only right after it did. */
    public AllocError lastError() {
        return lastError;
    }

    private int refuse(AllocError why) {
        lastError = why;
        return NULL_FRAME;
    }

    private Result<?> freeFrame(long cptr, long cookie) {
        return VkaObjects.free(vka, new VkaObject(cptr, cookie, ObjectType.SMALL_PAGE, 12));
    }

    /** Takes a frame out of the window again, with the window tables its mapping made ({@code made}). */
    @SuppressWarnings("unchecked")
    private Result<?> unmapFromWindow(long cptr, Object made) {
        Result<Void> unmapped = CapOps.check("Page_Unmap", sel4.pageUnmap(cptr));
        releaseUnused((List<PagingStructure>) made);
        return unmapped;
    }

    /**
     * Makes the host room a new reference needs before anything is allocated for it: its directory
     * chunk, and a place on the free stack for when it is freed. Nothing later can then fail for
     * want of host memory half-way through recording or freeing.
     */
    private void makeRoomFor(int ref) {
        frames.ensure(ref);
        if (freeRefCount == 0 && freeRefs.length < nextRef) {
            freeRefs = Arrays.copyOf(freeRefs, (int) Math.min(Integer.MAX_VALUE - 8L, 2L * freeRefs.length));
        }
    }

    /** Takes {@code ref} into use (a critical section: no call out). */
    private void record(int ref, long cptr, long cookie, List<PagingStructure> madeTables) {
        try {
            // Almost always empty, and addAll would copy even an empty list into a new array.
            if (!madeTables.isEmpty()) {
                windowTables.addAll(madeTables);
                tablesMadeBy.put(ref, madeTables);
            }
            zeroedBytes += PAGE;
            if (freeRefCount > 0) {
                freeRefCount--;
            } else {
                nextRef++;
            }
            frames.put(ref, cptr, cookie);
            inUse++;
        } catch (Throwable t) {
            sel4.guard().markBroken("SOS's frame table recording frame " + ref, t);
            throw t;
        }
    }

    /**
     * Unmaps a frame from SOS's window and gives it back to the vka. The table does not know which
     * processes map the frame (SOS's shadow page tables do): a frame a process still maps is
     * freed all the same, and a vka that revokes on free (the pool's default) takes the
     * process's copy of its cap, and with it the mapping, away too. Unmap it first.
     */
    public Result<Void> free(int ref) {
        if (!isLive(ref)) {
            return Result.fail(AllocErrorKind.NOT_ALLOCATED, "frame reference " + ref + " is not in use");
        }
        VkaObject frame = new VkaObject(frames.cap(ref), frames.cookie(ref), ObjectType.SMALL_PAGE, 12);
        sel4.pageUnmap(frame.cptr());
        Result<Void> freed = VkaObjects.free(vka, frame);
        if (!freed.isOk()) {
            PageMapper.map(sel4, tables, frame.cptr(), sosVSpace, windowAddress(ref), CapRights.READ_WRITE,
                    VmAttributes.DEFAULT | VmAttributes.EXECUTE_NEVER);
            return freed;
        }
        frames.clear(ref);
        freeRefs[freeRefCount++] = ref;
        inUse--;
        tablesMadeBy.remove(ref);
        return Result.done();
    }

    /**
     * Takes back a frame whose caller could not use it (a later step of its operation failed): frees
     * it like {@link #free}, and also unmaps and frees the window page tables its allocation made,
     * so that the failed operation leaves nothing behind. A table that a frame allocated since
     * lies under is kept: that frame needs it.
     */
    public Result<Void> undoAlloc(int ref) {
        List<PagingStructure> made = tablesMadeBy.get(ref);
        Result<Void> freed = free(ref);
        if (freed.isOk() && made != null) {
            releaseUnused(made);
        }
        return freed;
    }

    /** Unmaps and frees, deepest first, those of {@code made} (in creation order) under which no frame is live. */
    private void releaseUnused(List<PagingStructure> made) {
        for (int i = made.size() - 1; i >= 0; i--) {
            PagingStructure t = made.get(i);
            if (anyLiveFrameUnder(t)) {
                // Still needed, and so are the tables above it: they stay until shutdown.
                return;
            }
            sel4.pageTableUnmap(t.cptr());
            tables.freePageTable(t);
            windowTables.remove(t);
        }
    }

    /**
     * Whether a live frame's window address lies in the range the table translates. The window is
     * the only thing FrameTable maps in its part of SOS's address space, so nothing else can.
     */
    private boolean anyLiveFrameUnder(PagingStructure t) {
        long end = t.vaddr() + (1L << t.coverBits());
        long first = Math.max(NULL_FRAME + 1, Math.max(0, t.vaddr() - WINDOW) / PAGE);
        long last = Math.min(limit, (end - 1 - WINDOW) / PAGE);
        for (long r = first; r <= last; r++) {
            if (frames.cap((int) r) != 0) {
                return true;
            }
        }
        return false;
    }

    /**
     * Reads {@code size} bytes (1, 2, 4 or 8) at {@code offset} in frame {@code ref} through SOS's
     * window, or -1 when the frame is not live or the read fails.
     */
    public long read(int ref, long offset, int size) {
        if (!isLive(ref) || offset < 0 || offset > PAGE - size) {
            return -1;
        }
        long value = sosCpu.read(windowAddress(ref) + offset, size);
        return sosCpu.failed() ? -1 : value;
    }

    /**
     * Copies {@code len} bytes between frame {@code ref} at {@code offset} and {@code buffer}
     * through SOS's window: into the frame when {@code toFrame}, else out of it. False when the
     * frame is not live, the range leaves it, or the copy fails.
     */
    public boolean copy(int ref, long offset, byte[] buffer, int off, int len, boolean toFrame) {
        if (!isLive(ref) || offset < 0 || len < 0 || offset > PAGE - len) {
            return false;
        }
        long at = windowAddress(ref) + offset;
        long done = toFrame ? sosCpu.copyOut(at, buffer, off, len) : sosCpu.copyIn(at, buffer, off, len);
        return done == len;
    }

    public boolean isLive(int ref) {
        return ref > NULL_FRAME && ref <= limit && frames.cap(ref) != 0;
    }

    /** SOS's cap to the frame (mapped in SOS's window); copy it to map the frame elsewhere. */
    public long frameCap(int ref) {
        return isLive(ref) ? frames.cap(ref) : -1;
    }

    /** Where the frame's contents appear in SOS's address space. */
    public static long windowAddress(int ref) {
        return WINDOW + (long) ref * PAGE;
    }

    public int framesInUse() {
        return inUse;
    }

    public int limit() {
        return limit;
    }

    /** The width of this table's frame references. */
    public int refBits() {
        return refBits;
    }

    /** Host bytes the table keeps per reference it has handed out (directory chunks and the free stack). */
    public long hostBytes() {
        return frames.hostBytes() + (long) freeRefs.length * Integer.BYTES;
    }

    public long bytesZeroed() {
        return zeroedBytes;
    }

    /** The table now: width, limit, frames in use and the live references as ranges. */
    public FrameTableDump dump() {
        List<FrameTableDump.RefRange> live = new ArrayList<>();
        int first = -1;
        for (int ref = 1; ref < nextRef; ref++) {
            boolean isLive = frames.cap(ref) != 0;
            if (isLive && first < 0) {
                first = ref;
            } else if (!isLive && first >= 0) {
                live.add(new FrameTableDump.RefRange(first, ref - 1));
                first = -1;
            }
        }
        if (first >= 0) {
            live.add(new FrameTableDump.RefRange(first, nextRef - 1));
        }
        return new FrameTableDump(refBits, limit, inUse, nextRef - 1, live, windowTables.size());
    }

    /** The page tables that map the window (they stay while SOS runs). */
    public int windowTableCount() {
        return windowTables.size();
    }

    /** Gives the window's page tables back; only when no frame is in use. */
    public Result<Void> releaseWindowTables() {
        if (inUse != 0) {
            return Result.fail(AllocErrorKind.BAD_ARGUMENT, inUse + " frames are still in use");
        }
        for (int i = windowTables.size() - 1; i >= 0; i--) {
            tables.freePageTable(windowTables.get(i));
        }
        windowTables.clear();
        tablesMadeBy.clear();
        return Result.done();
    }
}
