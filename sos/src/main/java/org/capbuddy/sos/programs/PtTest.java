package org.capbuddy.sos.programs;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.capbuddy.sos.user.MemoryFault;
import org.capbuddy.sos.user.UserContext;
import org.capbuddy.sos.user.UserMalloc;
import org.capbuddy.sos.user.UserProgram;

/**
 * The AOS M3 {@code pt_test}: 9 blocks of 28 pages on the stack (which must sit above
 * 0x8000000000), one byte written and checked per page; then 9 blocks of 28 pages from malloc,
 * the same check, then free. Every access goes through the process's MMU, so the pages are
 * mapped on demand by SOS's fault handler.
 */
public final class PtTest implements UserProgram<PtTestResult> {
    public static final int NBLOCKS = 9;
    public static final int NPAGES_PER_BLOCK = 28;
    public static final long PAGE = 4096;
    public static final long TEST_ADDRESS = 0x80_0000_0000L;

    @Override
    public PtTestResult run(UserContext ctx) throws MemoryFault {
        long savedSp = ctx.sp();
        long blockBytes = NPAGES_PER_BLOCK * PAGE;
        // char buf1[NBLOCKS][NPAGES_PER_BLOCK * PAGE_SIZE_4K]; char *buf1_ptrs[NBLOCKS];
        long buf1 = ctx.pushFrame(NBLOCKS * blockBytes);
        long ptrs = ctx.pushFrame(NBLOCKS * 8L);
        for (int b = 0; b < NBLOCKS; b++) {
            ctx.store(ptrs + 8L * b, 8, buf1 + b * blockBytes);
        }
        if (buf1 <= TEST_ADDRESS) {
            return new PtTestResult(false, buf1, List.of(), "stack buffer below 0x8000000000");
        }
        Optional<String> stack = doPtTest(ctx, ptrs);
        if (stack.isPresent()) {
            return new PtTestResult(false, buf1, List.of(), "stack: " + stack.get());
        }
        UserMalloc malloc = new UserMalloc(ctx);
        long buf2 = ctx.pushFrame(NBLOCKS * 8L);
        List<Long> heap = new ArrayList<>();
        for (int b = 0; b < NBLOCKS; b++) {
            long p = malloc.malloc(blockBytes);
            if (p == 0) {
                return new PtTestResult(false, buf1, heap, "malloc of block " + b + " returned NULL");
            }
            heap.add(p);
            ctx.store(buf2 + 8L * b, 8, p);
        }
        Optional<String> heapCheck = doPtTest(ctx, buf2);
        for (long p : heap) {
            malloc.free(p);
        }
        ctx.popTo(savedSp);
        return new PtTestResult(heapCheck.isEmpty(), buf1, heap, heapCheck.map(why -> "heap: " + why).orElse(null));
    }

    /** do_pt_test: set one byte per page, then check them all; what is wrong, if anything. */
    private static Optional<String> doPtTest(UserContext ctx, long bufs) throws MemoryFault {
        for (int b = 0; b < NBLOCKS; b++) {
            long block = ctx.load(bufs + 8L * b, 8);
            for (int p = 0; p < NPAGES_PER_BLOCK; p++) {
                ctx.store(block + p * PAGE, 1, p);
            }
        }
        for (int b = 0; b < NBLOCKS; b++) {
            long block = ctx.load(bufs + 8L * b, 8);
            for (int p = 0; p < NPAGES_PER_BLOCK; p++) {
                long got = ctx.load(block + p * PAGE, 1);
                if (got != p) {
                    return Optional.of(String.format("block %d page %d holds %d", b, p, got));
                }
            }
        }
        return Optional.empty();
    }
}
