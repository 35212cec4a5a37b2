package org.capbuddy.libos.allocman.mspace;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import org.capbuddy.kernel.api.CapRights;
import org.capbuddy.kernel.api.ObjectType;
import org.capbuddy.kernel.api.VmAttributes;
import org.capbuddy.libos.allocman.ContextObjects;
import org.capbuddy.libos.allocman.ManagerContext;
import org.capbuddy.libos.vka.AllocErrorKind;
import org.capbuddy.libos.vka.Result;
import org.capbuddy.libos.vspace.PageMapper;
import org.capbuddy.libos.vspace.PagingStructure;

/**
 * Bookkeeping memory that grows by mapping 4 KiB frames into the root task's own address space
 * (allocman's {@code virtual_pool}). Growing needs a slot, a frame and perhaps page tables, which
 * is allocman's circular dependency: when the untyped manager's bookkeeping makes this pool grow,
 * the frame and tables come from allocman's reserves.
 *
 * <p>Unlike allocman's pool it also shrinks: pages at the top that hold nothing are unmapped and
 * their frame, slot and the tables their mapping created are given back, newest first. So after
 * everything is freed the allocators are back where they started.
 */
public final class VirtualPool implements MSpace {
    private static final long PAGE = 4096;

    private final long vspace;
    private final long start;
    private final long limit;
    private final FreeListHeap heap;
    private final Deque<MappedPage> pages = new ArrayDeque<>();
    private long pagesMapped;
    private long tablesCreated;

    /** A page the pool mapped: its frame and the paging structures its mapping created. */
    private record MappedPage(long frame, long cookie, List<PagingStructure> tables) {
    }

    /**
     * @param vspace the cptr of the root task's VSpace
     * @param start the pool's first virtual address (page aligned)
     * @param limitBytes the most the pool may grow to
     */
    public VirtualPool(long vspace, long start, long limitBytes) {
        this.vspace = vspace;
        this.start = start;
        this.limit = start + limitBytes;
        this.heap = new FreeListHeap(start, 0);
    }

    @Override
    public Result<Long> alloc(ManagerContext ctx, long bytes) {
        if (!isRequestSize(bytes)) {
            return Result.fail(AllocErrorKind.BAD_ARGUMENT, "bookkeeping request of " + bytes + " bytes");
        }
        long addr = heap.alloc(bytes);
        long topBefore = heap.top();
        while (addr < 0) {
            Result<Void> grown = grow(ctx);
            if (!grown.isOk()) {
                shrinkTo(ctx, topBefore);
                return grown.asFailure();
            }
            addr = heap.alloc(bytes);
        }
        return Result.ofLong(addr);
    }

    /**
     * The address of {@code bytes} from the pages the pool already has, or -1 having changed
     * nothing: {@link #alloc} without growing and without a refusal.
     */
    long allocIfRoom(long bytes) {
        return isRequestSize(bytes) ? heap.alloc(bytes) : -1;
    }

    /** A size one request may ask for: 1 byte to 16 pages. */
    private static boolean isRequestSize(long bytes) {
        return bytes > 0 && bytes <= PAGE * 16;
    }

    @Override
    public Result<Void> free(ManagerContext ctx, long address, long bytes) {
        Result<Void> freed = heap.freeChecked(address, bytes, "virtual pool");
        if (freed.isOk()) {
            shrinkTo(ctx, start);
        }
        return freed;
    }

    /** Gives back the pages above {@code floor} that hold nothing, newest first. */
    private void shrinkTo(ManagerContext ctx, long floor) {
        long released = heap.shrinkTop(PAGE, floor);
        for (long i = 0; i < released / PAGE; i++) {
            release(ctx, pages.pop());
        }
    }

    private Result<Void> grow(ManagerContext ctx) {
        long vaddr = heap.top();
        if (vaddr + PAGE > limit) {
            return Result.fail(AllocErrorKind.OUT_OF_BOOKKEEPING, "virtual pool reached its limit of "
                    + (limit - start) + " bytes");
        }
        ContextObjects objects = new ContextObjects(ctx);
        Result<ContextObjects.Owned> frame = objects.alloc(ObjectType.SMALL_PAGE, 12);
        if (!frame.isOk()) {
            return Result.fail(AllocErrorKind.OUT_OF_BOOKKEEPING, "virtual pool cannot grow: " + frame.error());
        }
        Result<List<PagingStructure>> mapped = PageMapper.map(ctx.sel4(), objects, frame.value().cptr(), vspace,
                vaddr, CapRights.READ_WRITE, VmAttributes.DEFAULT | VmAttributes.EXECUTE_NEVER);
        if (!mapped.isOk()) {
            objects.free(frame.value().cptr(), frame.value().cookie(), 12);
            return Result.fail(AllocErrorKind.OUT_OF_BOOKKEEPING, "virtual pool cannot map a page: " + mapped.error());
        }
        pages.push(new MappedPage(frame.value().cptr(), frame.value().cookie(), mapped.value()));
        pagesMapped++;
        tablesCreated += mapped.value().size();
        heap.extend(PAGE);
        return Result.done();
    }

    private void release(ManagerContext ctx, MappedPage page) {
        ContextObjects objects = new ContextObjects(ctx);
        objects.free(page.frame(), page.cookie(), 12);
        for (int i = page.tables().size() - 1; i >= 0; i--) {
            objects.freePageTable(page.tables().get(i));
        }
    }

    public boolean contains(long address) {
        return address >= start && address < limit;
    }

    @Override
    public long bytesInUse() {
        return heap.bytesInUse();
    }

    @Override
    public long bytesAvailable() {
        return heap.bytesFree();
    }

    /** Pages mapped now. */
    public long pagesHeld() {
        return pages.size();
    }

    /** Pages ever mapped, and page tables ever created for them (growth evidence). */
    public long pagesEverMapped() {
        return pagesMapped;
    }

    public long tablesEverCreated() {
        return tablesCreated;
    }

    /** Page tables held now by the pool's mappings. */
    public long tablesHeld() {
        return pages.stream().mapToLong(p -> p.tables().size()).sum();
    }
}
