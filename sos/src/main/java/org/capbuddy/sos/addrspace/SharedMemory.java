package org.capbuddy.sos.addrspace;

import java.util.HashMap;
import java.util.Map;
import java.util.function.IntConsumer;
import org.capbuddy.libos.vka.AllocErrorKind;
import org.capbuddy.libos.vka.Result;

/**
 * The memory of one MAP_SHARED|MAP_ANONYMOUS mapping, which every region naming it shares: Linux's
 * shmem object behind such a mapping, here the frame (a frame-table reference) that holds each of
 * its pages once one was first touched. A region names the object and each of its pages is the
 * object's page at {@code (vaddr - origin) / PAGE}: a fork copies the regions, so parent and child
 * name the same object and whichever touches a page first gives both the same frame. Pages are
 * counted from the address the mapping was made at ({@link #origin}), which stays right because a
 * region naming the object is only ever cut (munmap, MAP_FIXED, mprotect) and never moved (mremap
 * of a shared mapping is refused).
 *
 * <p>The object holds its frames, not a process: a page unmapped by every process that maps it
 * (MADV_DONTNEED) keeps its bytes, as Linux keeps a shmem page. Who frees the frames, and when,
 * is SOS's business ({@code ProcessPages}): once no region of any process names the object.
 * Identity is the object's: two mappings made apart are two objects even at the same place.
 */
public final class SharedMemory {
    private final long id;
    private final long origin;
    private final long pages;
    /** The frame of each page touched, by page index: sparse, as a large mapping is mostly untouched. */
    private final Map<Long, Integer> frames = new HashMap<>();

    private SharedMemory(long id, long origin, long pages) {
        this.id = id;
        this.origin = origin;
        this.pages = pages;
    }

    /**
     * The object of a mapping of {@code pages} pages made at {@code origin}, named {@code id} in
     * reports; refused for an origin that is not a user page's or no pages (or more than fit above it).
     */
    public static Result<SharedMemory> of(long id, long origin, long pages) {
        if ((origin & (Layout.PAGE - 1)) != 0 || origin < 0 || origin >= Layout.USER_TOP || pages <= 0
                || pages > (Layout.USER_TOP - origin) / Layout.PAGE) {
            return Result.fail(AllocErrorKind.BAD_ARGUMENT, "a shared object needs a user page's address and pages"
                    + " that fit above it, got 0x" + Long.toHexString(origin) + " and " + pages);
        }
        return Result.ok(new SharedMemory(id, origin, pages));
    }

    public long id() {
        return id;
    }

    /** The address the mapping was made at: page index 0. */
    public long origin() {
        return origin;
    }

    /** The object's size in pages. */
    public long pages() {
        return pages;
    }

    /** The page index of {@code vaddr}, or -1 when the address is outside the object. */
    public long index(long vaddr) {
        long offset = vaddr - origin;
        return offset < 0 || offset >= pages * Layout.PAGE ? -1 : offset / Layout.PAGE;
    }

    /** The frame holding the page at {@code vaddr}: 0 (the frame table's none) when never touched or outside. */
    public int frame(long vaddr) {
        long i = index(vaddr);
        Integer ref = i < 0 ? null : frames.get(i);
        return ref == null ? 0 : ref;
    }

    /**
     * Records {@code ref} as the frame of the page at {@code vaddr}, which had none; false (nothing
     * changed) otherwise.
     */
    public boolean hold(long vaddr, int ref) {
        long i = index(vaddr);
        if (i < 0 || ref == 0 || frames.containsKey(i)) {
            return false;
        }
        frames.put(i, ref);
        return true;
    }

    /** Whether the object holds frame {@code ref} for one of its pages. */
    public boolean holdsFrame(int ref) {
        return ref != 0 && frames.containsValue(ref);
    }

    /** Frames the object holds. */
    public int framesHeld() {
        return frames.size();
    }

    /** Gives every frame held to {@code release} and forgets them: the object is empty after. */
    public void releaseAll(IntConsumer release) {
        for (int ref : frames.values()) {
            release.accept(ref);
        }
        frames.clear();
    }

    @Override
    public String toString() {
        return "shared#" + id + " (" + pages + " pages at 0x" + Long.toHexString(origin) + ", " + frames.size()
                + " held)";
    }
}
