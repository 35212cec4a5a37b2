package org.capbuddy.libos.allocman.mspace;

import org.capbuddy.libos.allocman.ManagerContext;
import org.capbuddy.libos.vka.AllocErrorKind;
import org.capbuddy.libos.vka.Result;

/**
 * A fixed pool of bookkeeping memory in the root task's image (allocman's {@code fixed_pool}):
 * the memory that lets allocman start before it can map anything. It never grows.
 */
public final class StaticPool implements MSpace {
    private final FreeListHeap heap;

    public StaticPool(long base, long bytes) {
        this.heap = new FreeListHeap(base, Math.max(0, bytes) / FreeListHeap.UNIT * FreeListHeap.UNIT);
    }

    @Override
    public Result<Long> alloc(ManagerContext ctx, long bytes) {
        if (bytes <= 0) {
            return Result.fail(AllocErrorKind.BAD_ARGUMENT, "bookkeeping request of " + bytes + " bytes");
        }
        long addr = heap.alloc(bytes);
        return addr < 0 ? Result.fail(AllocErrorKind.OUT_OF_BOOKKEEPING,
                "static pool exhausted (" + heap.bytesFree() + " bytes free, " + bytes + " asked)") : Result.ofLong(addr);
    }

    /**
     * The address of {@code bytes} (positive) from this pool, or -1 if they do not fit: {@link #alloc}
     * without the refusal, for a caller that has somewhere else to go.
     */
    long allocIfRoom(long bytes) {
        return heap.alloc(bytes);
    }

    @Override
    public Result<Void> free(ManagerContext ctx, long address, long bytes) {
        return heap.freeChecked(address, bytes, "static pool");
    }

    public boolean contains(long address) {
        return heap.contains(address);
    }

    @Override
    public long bytesInUse() {
        return heap.bytesInUse();
    }

    @Override
    public long bytesAvailable() {
        return heap.bytesFree();
    }
}
