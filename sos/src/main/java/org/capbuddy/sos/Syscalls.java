package org.capbuddy.sos;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.capbuddy.libos.vka.AllocErrorKind;
import org.capbuddy.libos.vka.Result;
import org.capbuddy.sos.addrspace.Layout;
import org.capbuddy.sos.addrspace.Region;
import org.capbuddy.sos.process.Process;
import org.capbuddy.sos.process.ProcessPages;
import org.capbuddy.sos.process.ProcessState;

/**
 * The memory system calls SOS serves for one process. A call from a process that is not running
 * is refused. Memory given up (brk shrinking, munmap) is unmapped and its frames freed at once, so
 * a later access faults and is judged against the regions as they are now.
 */
public final class Syscalls {
    /** Largest write the console takes in one call. */
    public static final int MAX_WRITE = 1 << 16;

    private final Sos sos;
    private final Process process;
    private final ProcessPages pages;

    Syscalls(Sos sos, Process process, ProcessPages pages) {
        this.sos = sos;
        this.process = process;
        this.pages = pages;
    }

    private boolean running() {
        return process.state() == ProcessState.RUNNING;
    }

    /** brk: 0 queries; otherwise moves the break and returns it, or returns the old break on failure. */
    public long brk(long newBreak) {
        if (!running() || newBreak == 0) {
            return process.addressSpace().brk();
        }
        Result<long[]> moved = process.addressSpace().setBrk(newBreak);
        if (!moved.isOk()) {
            return process.addressSpace().brk();
        }
        long[] released = moved.value();
        if (released[0] < released[1]) {
            pages.unmapRange(process, released[0], released[1]);
        }
        return process.addressSpace().brk();
    }

    /** Anonymous read-write memory of {@code length} bytes; its address, or an error. */
    public Result<Long> mmap(long length) {
        if (!running()) {
            return Result.fail(AllocErrorKind.BAD_ARGUMENT, "process " + process.pid() + " is not running");
        }
        return process.addressSpace().mmap(length).map(Region::base);
    }

    /** Removes [addr, addr + length) from mmap regions (partial ranges allowed). */
    public Result<Void> munmap(long addr, long length) {
        if (!running()) {
            return Result.fail(AllocErrorKind.BAD_ARGUMENT, "process " + process.pid() + " is not running");
        }
        Result<List<long[]>> removed = process.addressSpace().munmap(addr, length);
        if (!removed.isOk()) {
            return removed.asFailure();
        }
        for (long[] range : removed.value()) {
            pages.unmapRange(process, range[0], range[1]);
        }
        return Result.done();
    }

    /**
     * write to the console: copies {@code length} bytes from the process's memory (through its
     * own view of memory) and returns the count written. A buffer that is not wholly readable
     * memory of the process is refused (EFAULT) without killing it; a write of no bytes succeeds
     * whatever the buffer.
     */
    public Result<Integer> write(long buffer, int length) {
        if (!running()) {
            return Result.fail(AllocErrorKind.BAD_ARGUMENT, "process " + process.pid() + " is not running");
        }
        if (length < 0 || length > MAX_WRITE) {
            return Result.fail(AllocErrorKind.BAD_ARGUMENT, "write length must be 0.." + MAX_WRITE);
        }
        if (length == 0) {
            // Nothing to copy, so nothing to check: as on Linux, whatever the buffer.
            return Result.ok(0);
        }
        // Checked first so that buffer + length cannot overflow: a buffer wrapping past 2^63
        // skipped the region check, and the copy's fault killed the process.
        if (buffer < 0 || buffer > Layout.USER_TOP - length) {
            return Result.fail(AllocErrorKind.BAD_ARGUMENT, "bad buffer: [0x" + Long.toHexString(buffer) + ", +"
                    + length + ") is not inside user space");
        }
        for (long page = Layout.pageDown(buffer); page < buffer + length; page += Layout.PAGE) {
            Region region = process.addressSpace().find(page);
            if (region == null || !region.read()) {
                // EFAULT: a bad buffer is the caller's error, not a reason to kill it.
                return Result.fail(AllocErrorKind.BAD_ARGUMENT, "bad buffer: 0x" + Long.toHexString(page)
                        + " is not readable memory of the process");
            }
        }
        byte[] bytes = new byte[length];
        if (process.cpu().copyIn(buffer, bytes, 0, length) != length) {
            return Result.fail(AllocErrorKind.BAD_ARGUMENT, "bad buffer: " + process.cpu().failure());
        }
        sos.consoleWrite(new String(bytes, StandardCharsets.UTF_8));
        return Result.ok(length);
    }

    /** exit: the process stops; SOS tears it down with {@link Sos#destroy}. */
    public void exit(long code) {
        if (running()) {
            sos.exit(process, code);
        }
    }

    /** The page size user programs see. */
    public static long pageSize() {
        return Layout.PAGE;
    }
}
