package org.capbuddy.fuzz.sos;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.capbuddy.kernel.cpu.AccessKind;
import org.capbuddy.sos.Errno;
import org.capbuddy.sos.SysResult;
import org.capbuddy.sos.Syscalls;
import org.capbuddy.sos.addrspace.AddressSpace;
import org.capbuddy.sos.addrspace.Layout;
import org.capbuddy.sos.process.ProcessState;

/**
 * Makes one memory system call and judges its result against the model: brk, mmap (private, and
 * MAP_SHARED in Linux's form), munmap,
 * mprotect, madvise(MADV_DONTNEED) and mremap as {@link ModelAddressSpace} documents them, write as "copy the bytes if every one of them is
 * readable memory of the process, else refuse without killing". A process that is not running
 * has every call refused (brk just reports the break) and nothing changes.
 */
final class SyscallCheck {
    private static final long PAGE = Layout.PAGE;

    private final KillJudge kills;
    private final ConsoleModel expectedConsole;

    SyscallCheck(KillJudge kills, ConsoleModel expectedConsole) {
        this.kills = kills;
        this.expectedConsole = expectedConsole;
    }

    String brk(ModelProcess p, long newBreak) {
        long got = p.sys.brk(newBreak);
        long[] released = p.running() ? p.space.brk(newBreak) : null;
        if (got != p.space.brk()) {
            return "brk(0x" + Long.toHexString(newBreak) + ") by " + p + " returned 0x" + Long.toHexString(got)
                    + ", the model has 0x" + Long.toHexString(p.space.brk());
        }
        if (released != null) {
            p.release(released[0], released[1]);
        }
        return null;
    }

    String mmap(ModelProcess p, long length) {
        SysResult got = p.sys.mmap(length);
        long expected = p.running() ? p.space.mmap(length) : -1;
        if (expected < 0) {
            Errno why = !p.running() ? Errno.ESRCH : length <= 0 || length > AddressSpace.MAX_MMAP ? Errno.EINVAL
                    : Errno.ENOMEM;
            return got.isOk() ? "mmap(" + length + ") by " + p + " gave 0x" + Long.toHexString(got.value())
                    + ", the model refuses it" : errno("mmap(" + length + ") by " + p, got, why);
        }
        if (!got.isOk() || got.value() != expected) {
            return "mmap(" + length + ") by " + p + " gave " + got + ", the model has 0x" + Long.toHexString(expected);
        }
        return null;
    }

    /**
     * mmap(NULL, length, PROT_READ|PROT_WRITE, MAP_SHARED|MAP_ANONYMOUS, -1, 0), as Linux's form
     * answers: placed where the model's {@link ModelAddressSpace#mmapShared} places it, a new object
     * (counted in {@code counts}); a length of 0 is EINVAL, a negative one or one over 64 GiB
     * ENOMEM, as is no room.
     */
    String mmapShared(ModelProcess p, long length, long id, SharingCounts counts) {
        SysResult got = p.sys.mmap(0, length, Syscalls.PROT_READ | Syscalls.PROT_WRITE,
                Syscalls.MAP_SHARED | Syscalls.MAP_ANONYMOUS, -1, 0);
        long expected = p.running() ? p.space.mmapShared(length, id) : -1;
        String call = "mmap(" + length + ", MAP_SHARED) by " + p;
        if (expected < 0) {
            Errno why = !p.running() ? Errno.ESRCH : length == 0 ? Errno.EINVAL : Errno.ENOMEM;
            return got.isOk() ? call + " gave 0x" + Long.toHexString(got.value()) + ", the model refuses it"
                    : errno(call, got, why);
        }
        if (!got.isOk() || got.value() != expected) {
            return call + " gave " + got + ", the model has 0x" + Long.toHexString(expected);
        }
        counts.mmapped();
        return null;
    }

    String munmap(ModelProcess p, long addr, long length) {
        SysResult got = p.sys.munmap(addr, length);
        List<long[]> removed = p.running() ? p.space.munmap(addr, length) : null;
        if (removed == null) {
            String call = "munmap(0x" + Long.toHexString(addr) + ", " + length + ") by " + p;
            return got.isOk() ? call + " succeeded, the model refuses it"
                    : errno(call, got, p.running() ? Errno.EINVAL : Errno.ESRCH);
        }
        if (!got.isOk()) {
            return "munmap(0x" + Long.toHexString(addr) + ", " + length + ") by " + p + " refused: " + got;
        }
        for (long[] range : removed) {
            p.release(range[0], range[1]);
        }
        return null;
    }

    /**
     * mprotect, when the model can follow it (see {@link ModelAddressSpace#protect}); a call it
     * cannot is not made. The pages keep their bytes whatever the rights, so the model's memory
     * does not change.
     */
    String mprotect(ModelProcess p, long addr, long length, int prot) {
        String call = "mprotect(0x" + Long.toHexString(addr) + ", 0x" + Long.toHexString(length) + ", " + prot + ") by " + p;
        if (!p.running()) {
            SysResult got = p.sys.mprotect(addr, length, prot);
            return got.isOk() ? call + " succeeded" : errno(call, got, Errno.ESRCH);
        }
        ModelAddressSpace.Protection expected = p.space.protect(addr, length, prot);
        if (!expected.modelled()) {
            return null;
        }
        SysResult got = p.sys.mprotect(addr, length, prot);
        if (expected.errno() == null) {
            return got.isOk() && got.value() == 0 ? null : call + " gave " + got + ", the model expects 0";
        }
        return got.isOk() ? call + " succeeded, the model expects " + expected.errno() : errno(call, got, expected.errno());
    }

    /** madvise(MADV_DONTNEED), judged by {@link ModelAddressSpace#dontneed}: the pages it gives back read zero next. */
    String dontneed(ModelProcess p, long addr, long length) {
        SysResult got = p.sys.madvise(addr, length, org.capbuddy.sos.Advice.DONTNEED.number());
        String call = "madvise(0x" + Long.toHexString(addr) + ", 0x" + Long.toHexString(length) + ", DONTNEED) by " + p;
        if (!p.running()) {
            return got.isOk() ? call + " succeeded" : errno(call, got, Errno.ESRCH);
        }
        ModelAddressSpace.Discarded expected = p.space.dontneed(addr, length);
        for (long[] range : expected.released()) {
            p.release(range[0], range[1]);
        }
        if (expected.errno() == null) {
            return got.isOk() && got.value() == 0 ? null : call + " gave " + got + ", the model expects 0";
        }
        return got.isOk() ? call + " succeeded, the model expects " + expected.errno() : errno(call, got, expected.errno());
    }

    /** mremap, judged by {@link ModelAddressSpace#mremap}: moved pages keep their bytes, the old range keeps none. */
    String mremap(ModelProcess p, long addr, long oldLength, long newLength, long flags, long newAddr) {
        SysResult got = p.sys.mremap(addr, oldLength, newLength, flags, newAddr);
        String call = "mremap(0x" + Long.toHexString(addr) + ", 0x" + Long.toHexString(oldLength) + ", 0x"
                + Long.toHexString(newLength) + ", flags " + flags + ", 0x" + Long.toHexString(newAddr) + ") by " + p;
        if (!p.running()) {
            return got.isOk() ? call + " succeeded" : errno(call, got, Errno.ESRCH);
        }
        ModelAddressSpace.Remapped expected = p.space.mremap(addr, oldLength, newLength, flags, newAddr);
        if (expected.errno() != null) {
            return got.isOk() ? call + " gave 0x" + Long.toHexString(got.value()) + ", the model expects "
                    + expected.errno() : errno(call, got, expected.errno());
        }
        for (long[] range : expected.released()) {
            p.release(range[0], range[1]);
        }
        if (expected.moveLength() > 0) {
            p.moved(expected.moveFrom(), expected.address(), expected.moveLength());
        }
        return got.isOk() && got.value() == expected.address() ? null
                : call + " gave " + got + ", the model expects 0x" + Long.toHexString(expected.address());
    }

    String write(ModelProcess p, long buffer, int length) {
        SysResult got = p.sys.write(buffer, length);
        String call = "write(0x" + Long.toHexString(buffer) + ", " + length + ") by " + p;
        long[] pieces = p.running() ? readablePieces(p, buffer, length) : null;
        if (pieces == null) {
            if (got.isOk()) {
                return call + " wrote " + got.value() + ", the model refuses it";
            }
            if (p.process.state() != p.state()) {
                return call + " was refused but left it " + p.process.state();
            }
            return errno(call, got, !p.running() ? Errno.ESRCH
                    : length < 0 || length > Syscalls.MAX_WRITE ? Errno.EINVAL : Errno.EFAULT);
        }
        if (!got.isOk()) {
            // Only running out of frames while copying can stop a good write, and that kills.
            return p.process.state() == ProcessState.KILLED ? kills.judge(p, pieces, pieces.length, -1, AccessKind.READ)
                    : call + " refused: " + got;
        }
        if (got.value() != length || p.process.state() != ProcessState.RUNNING) {
            return call + " returned " + got + " and left it " + p.process.state();
        }
        for (long piece : pieces) {
            p.touch(piece & -PAGE);
        }
        expectedConsole.write(new String(p.memory.copy(buffer, length), StandardCharsets.UTF_8));
        return null;
    }

    /** Null when a refused call failed with the errno the model expects, else what differs. */
    private static String errno(String call, SysResult got, Errno expected) {
        return got.errno() == expected ? null : call + " failed with " + got + ", the model expects " + expected;
    }

    /**
     * Where each page piece of [buffer, buffer + length) starts, when the length is 0..MAX_WRITE
     * and every byte is readable memory of the process; null otherwise.
     */
    private static long[] readablePieces(ModelProcess p, long buffer, int length) {
        if (length < 0 || length > Syscalls.MAX_WRITE) {
            return null;
        }
        if (length == 0) {
            return new long[0];
        }
        long last = buffer + length - 1;
        if (last < buffer) {
            return null;
        }
        int count = (int) (((last & -PAGE) - (buffer & -PAGE)) / PAGE) + 1;
        long[] pieces = new long[count];
        for (int i = 0; i < count; i++) {
            pieces[i] = i == 0 ? buffer : (buffer & -PAGE) + i * PAGE;
            if (!p.space.allows(pieces[i], AccessKind.READ)) {
                return null;
            }
        }
        return pieces;
    }
}
