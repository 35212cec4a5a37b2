package org.capbuddy.sos;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.capbuddy.libos.vka.Result;
import org.capbuddy.sos.addrspace.AddressSpace;
import org.capbuddy.sos.addrspace.Layout;
import org.capbuddy.sos.addrspace.Region;
import org.capbuddy.sos.addrspace.VaRange;
import org.capbuddy.sos.process.Process;
import org.capbuddy.sos.process.ProcessPages;

/**
 * The memory system calls SOS serves for one process, answering in SOS's own error vocabulary
 * ({@link Errno}, as a C program sees it). A call from a process that is not running fails with
 * {@link Errno#ESRCH}. Memory given up (brk shrinking, munmap) is unmapped and its frames freed at
 * once, so a later access faults and is judged against the regions as they are now.
 *
 * <p>Each call first makes sure the Java stack has room for SOS's work
 * ({@link org.capbuddy.kernel.host.MachineGuard#requireStackHeadroom()}): a Java user program may
 * call from deep recursion, and SOS must not be cut short half-way through unmapping.
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

    /** Null when the caller may make a call; otherwise the call's ESRCH. */
    private SysResult refusedCaller() {
        sos.guard().check();
        sos.guard().requireStackHeadroom();
        if (!sos.isRunning(process)) {
            return SysResult.fail(Errno.ESRCH, process == null ? "no process"
                    : "process " + process.pid() + " is " + process.state().name().toLowerCase());
        }
        return null;
    }

    /**
     * brk: 0 queries; otherwise moves the break and returns it, or returns the old break when the
     * move is refused (as Linux's brk does). A caller that is not running gets its break unchanged
     * (0 for no process).
     */
    public long brk(long newBreak) {
        if (refusedCaller() != null) {
            return process == null ? 0 : process.addressSpace().brk();
        }
        if (newBreak == 0) {
            return process.addressSpace().brk();
        }
        Result<VaRange> moved = process.addressSpace().setBrk(newBreak);
        if (moved.isOk() && !moved.value().isEmpty()) {
            unmap(List.of(moved.value()));
        }
        return process.addressSpace().brk();
    }

    /** Anonymous read-write memory of {@code length} bytes: its address, or EINVAL (a bad length) or ENOMEM. */
    public SysResult mmap(long length) {
        SysResult refused = refusedCaller();
        if (refused != null) {
            return refused;
        }
        if (length <= 0 || length > AddressSpace.MAX_MMAP) {
            return SysResult.fail(Errno.EINVAL, "mmap length must be 1.." + AddressSpace.MAX_MMAP + ", got " + length);
        }
        Result<Region> placed = process.addressSpace().mmap(length);
        return placed.isOk() ? SysResult.ok(placed.value().base())
                : SysResult.fail(Errno.ENOMEM, placed.error().detail());
    }

    /**
     * Removes [addr, addr + length) from mmap regions (partial ranges allowed); 0, or EINVAL for a
     * range that is unaligned, outside user space, touches another kind of region or nothing.
     */
    public SysResult munmap(long addr, long length) {
        SysResult refused = refusedCaller();
        if (refused != null) {
            return refused;
        }
        Result<List<VaRange>> removed = process.addressSpace().munmap(addr, length);
        if (!removed.isOk()) {
            return SysResult.fail(Errno.EINVAL, removed.error().detail());
        }
        unmap(removed.value());
        return SysResult.ok(0);
    }

    private void unmap(List<VaRange> ranges) {
        for (VaRange range : ranges) {
            pages.unmapRange(process, range.base(), range.end());
        }
    }

    /**
     * write to the console: copies {@code length} bytes from the process's memory (through its
     * own view of memory) and returns the count written. A buffer that is not wholly readable
     * memory of the process is EFAULT, without killing it; a length outside 0..{@link #MAX_WRITE}
     * is EINVAL; a write of no bytes succeeds whatever the buffer.
     */
    public SysResult write(long buffer, int length) {
        SysResult refused = refusedCaller();
        if (refused != null) {
            return refused;
        }
        if (length < 0 || length > MAX_WRITE) {
            return SysResult.fail(Errno.EINVAL, "write length must be 0.." + MAX_WRITE + ", got " + length);
        }
        if (length == 0) {
            // Nothing to copy, so nothing to check: as on Linux, whatever the buffer.
            return SysResult.ok(0);
        }
        // Checked first so that buffer + length cannot overflow: a buffer wrapping past 2^63
        // skipped the region check, and the copy's fault killed the process.
        if (buffer < 0 || buffer > Layout.USER_TOP - length) {
            return SysResult.fail(Errno.EFAULT, "bad buffer: [0x" + Long.toHexString(buffer) + ", +" + length
                    + ") is not inside user space");
        }
        for (long page = Layout.pageDown(buffer); page < buffer + length; page += Layout.PAGE) {
            Region region = process.addressSpace().find(page);
            if (region == null || !region.read()) {
                // EFAULT: a bad buffer is the caller's error, not a reason to kill it.
                return SysResult.fail(Errno.EFAULT, "bad buffer: 0x" + Long.toHexString(page)
                        + " is not readable memory of the process");
            }
        }
        byte[] bytes = new byte[length];
        if (process.cpu().copyIn(buffer, bytes, 0, length) != length) {
            return SysResult.fail(Errno.EFAULT, "bad buffer: " + process.cpu().failure());
        }
        sos.consoleWrite(new String(bytes, StandardCharsets.UTF_8));
        return SysResult.ok(length);
    }

    /** exit: the process stops; SOS tears it down with {@link Sos#destroy}. */
    public void exit(long code) {
        if (refusedCaller() == null) {
            sos.exit(process, code);
        }
    }

    /** The page size user programs see. */
    public static long pageSize() {
        return Layout.PAGE;
    }
}
