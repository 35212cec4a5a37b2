package org.capbuddy.sos.linux;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Set;
import org.capbuddy.sos.Errno;
import org.capbuddy.sos.Syscalls;

/**
 * The calls on a process's descriptor table, in Linux's order of checks: pipe2, dup, dup3, fcntl,
 * close, ioctl, and RLIMIT_NOFILE's limits, which bound the numbers they hand out.
 */
final class DescriptorCalls {
    /** arm64's O_CLOEXEC, O_DIRECT and O_NOTIFICATION_PIPE (O_EXCL): the flags pipe2 knows, with O_NONBLOCK. */
    static final int O_CLOEXEC = 0x80000;
    private static final int O_DIRECT = 0x10000;
    private static final int O_NOTIFICATION_PIPE = 0x80;
    private static final int O_ASYNC = 0x2000;
    private static final int O_NOATIME = 0x40000;
    private static final int F_DUPFD = 0;
    private static final int F_GETFD = 1;
    private static final int F_SETFD = 2;
    private static final int F_GETFL = 3;
    private static final int F_SETFL = 4;
    private static final int F_DUPFD_CLOEXEC = 1030;
    private static final int F_SETPIPE_SZ = 1031;
    private static final int F_GETPIPE_SZ = 1032;
    private static final int FD_CLOEXEC = 1;
    /** fcntl's other commands Linux knows (locks, owners, leases, notify, seals, hints): SOS models none. */
    private static final Set<Integer> UNMODELLED = Set.of(5, 6, 7, 8, 9, 10, 11, 15, 16, 17, 36, 37, 38, 1024, 1025,
            1026, 1029, 1033, 1034, 1035, 1036, 1037, 1038);
    /** ioctl's FIONREAD: the bytes a pipe holds, or standard input has left. */
    private static final long FIONREAD = 0x541B;
    /** mmap's mapping type: its flags' low four bits. */
    private static final int MAP_TYPE = 0x0f;

    private DescriptorCalls() {
    }

    /**
     * pipe2: unknown flags are EINVAL; packet mode (O_DIRECT) and notification pipes are refused
     * (ENOSYS, counted); the two lowest free descriptors (EMFILE when there are not two below
     * RLIMIT_NOFILE), written to {@code fds} as two ints (EFAULT, nothing left open, as Linux
     * undoes the pipe), the read end first.
     */
    static long pipe2(Syscalls sys, LinuxProcess state, long fds, int flags) {
        if ((flags & ~(O_CLOEXEC | OpenFile.O_NONBLOCK | O_DIRECT | O_NOTIFICATION_PIPE)) != 0) {
            return -Errno.EINVAL.code();
        }
        if ((flags & (O_DIRECT | O_NOTIFICATION_PIPE)) != 0) {
            state.refuse("pipe2: a packet-mode (O_DIRECT) or notification pipe");
            return -Errno.ENOSYS.code();
        }
        Descriptors d = state.descriptors();
        int readFd = d.lowestFree(0);
        int writeFd = readFd < 0 ? -1 : d.lowestFree(0, readFd);
        if (writeFd < 0) {
            return -Errno.EMFILE.code();
        }
        byte[] pair = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putInt(readFd).putInt(writeFd).array();
        if (!sys.copyToUser(fds, pair, 8)) {
            return -Errno.EFAULT.code();
        }
        Pipe pipe = new Pipe();
        boolean nonblocking = (flags & OpenFile.O_NONBLOCK) != 0;
        boolean closeOnExec = (flags & O_CLOEXEC) != 0;
        d.install(readFd, OpenFile.pipeEnd(pipe, true, nonblocking), closeOnExec);
        d.install(writeFd, OpenFile.pipeEnd(pipe, false, nonblocking), closeOnExec);
        return 0;
    }

    /** dup: the lowest free descriptor names {@code fd}'s description (EBADF, EMFILE). */
    static long dup(LinuxProcess state, long fd) {
        Descriptors d = state.descriptors();
        OpenFile file = d.get(fd);
        if (file == null) {
            return -Errno.EBADF.code();
        }
        int copy = d.lowestFree(0);
        if (copy < 0) {
            return -Errno.EMFILE.code();
        }
        d.install(copy, file, false);
        return copy;
    }

    /**
     * dup3 in Linux's order: flags other than O_CLOEXEC, or the same descriptor twice, EINVAL; a
     * {@code newFd} at or past RLIMIT_NOFILE EBADF; the table grown to hold {@code newFd} (Linux's
     * ksys_dup3 calls expand_files before it looks up {@code oldFd}, so a dup3 failing next keeps
     * it grown, which select's cap on nfds sees); {@code oldFd} not open EBADF; then what
     * {@code newFd} named is closed and it names {@code oldFd}'s description.
     */
    static long dup3(LinuxProcess state, long oldFd, long newFd, int flags) {
        if ((flags & ~O_CLOEXEC) != 0 || (int) oldFd == (int) newFd) {
            return -Errno.EINVAL.code();
        }
        Descriptors d = state.descriptors();
        if (Integer.toUnsignedLong((int) newFd) >= d.softLimit()) {
            return -Errno.EBADF.code();
        }
        d.expandFor((int) newFd);
        OpenFile file = d.get(oldFd);
        if (file == null) {
            return -Errno.EBADF.code();
        }
        d.install((int) newFd, file, (flags & O_CLOEXEC) != 0);
        return (int) newFd;
    }

    /**
     * fcntl: F_DUPFD and F_DUPFD_CLOEXEC (EINVAL from at or past RLIMIT_NOFILE, EMFILE with none
     * free), F_GETFD and F_SETFD (FD_CLOEXEC, which execve honours), F_GETFL and F_SETFL
     * (O_NONBLOCK and O_APPEND; O_DIRECT, O_ASYNC and O_NOATIME refused), F_GETPIPE_SZ; the locks,
     * owners, leases, seals and F_SETPIPE_SZ are refused (ENOSYS, counted); an unknown command is
     * EINVAL. A descriptor not open is EBADF first.
     */
    static long fcntl(LinuxProcess state, long fd, int command, long argument) {
        Descriptors d = state.descriptors();
        OpenFile file = d.get(fd);
        if (file == null) {
            return -Errno.EBADF.code();
        }
        int arg = (int) argument;
        switch (command) {
            case F_DUPFD, F_DUPFD_CLOEXEC -> {
                if (Integer.toUnsignedLong(arg) >= d.softLimit()) {
                    return -Errno.EINVAL.code();
                }
                int copy = d.lowestFree(arg);
                if (copy < 0) {
                    return -Errno.EMFILE.code();
                }
                d.install(copy, file, command == F_DUPFD_CLOEXEC);
                return copy;
            }
            case F_GETFD -> {
                return d.closeOnExec((int) fd) ? FD_CLOEXEC : 0;
            }
            case F_SETFD -> {
                d.setCloseOnExec((int) fd, (arg & FD_CLOEXEC) != 0);
                return 0;
            }
            case F_GETFL -> {
                return file.flags();
            }
            case F_SETFL -> {
                if ((arg & (O_DIRECT | O_ASYNC | O_NOATIME)) != 0) {
                    state.refuse("fcntl F_SETFL: O_DIRECT, O_ASYNC or O_NOATIME");
                    return -Errno.ENOSYS.code();
                }
                file.setStatusFlags(arg);
                return 0;
            }
            case F_GETPIPE_SZ -> {
                return file.isPipe() ? Pipe.CAPACITY : -Errno.EBADF.code();
            }
            default -> {
                if (command == F_SETPIPE_SZ || UNMODELLED.contains(command)) {
                    state.refuse("fcntl: command " + command + " (locks, owners, leases, seals, pipe sizes)");
                    return -Errno.ENOSYS.code();
                }
                return -Errno.EINVAL.code();
            }
        }
    }

    /** close: EBADF when {@code fd} is not open; the last descriptor of a pipe's end closes the end. */
    static long close(LinuxProcess state, long fd) {
        return state.descriptors().close(fd) ? 0 : -Errno.EBADF.code();
    }

    /**
     * ioctl: FIONREAD on a pipe writes the bytes it holds, on standard input those left (EFAULT);
     * any other request on an open descriptor, and FIONREAD on the console, is ENOTTY (no
     * descriptor is a terminal: standard streams are files or pipes, as under a test harness);
     * EBADF when not open.
     */
    static long ioctl(Syscalls sys, LinuxProcess state, long fd, long request, long argument) {
        OpenFile file = state.descriptors().get(fd);
        if (file == null) {
            return -Errno.EBADF.code();
        }
        if ((int) request == FIONREAD && (file.isPipe() || file.kind() == OpenFile.Kind.STDIN)) {
            // standard input is a file read in whole: as Linux's FIONREAD on a file, its size less the position
            int left = file.isPipe() ? file.pipe().available() : file.inputLeft();
            byte[] n = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(left).array();
            return sys.copyToUser(argument, n, 4) ? 0 : -Errno.EFAULT.code();
        }
        return -Errno.ENOTTY.code();
    }

    /**
     * mmap of a pipe's end, reached where Linux's do_mmap looks at the file (SOS's mmap answered
     * ENODEV there): a mapping type it does not know is EINVAL; a shared writable mapping of an end
     * not open for writing, and any mapping of one not open for reading (the write end), EACCES;
     * else ENODEV, as a pipe has no mmap of its own.
     */
    static long pipeMapping(OpenFile file, int prot, int flags) {
        int type = flags & MAP_TYPE;
        if (type != Syscalls.MAP_SHARED && type != Syscalls.MAP_PRIVATE && type != Syscalls.MAP_SHARED_VALIDATE) {
            return -Errno.EINVAL.code();
        }
        if (type != Syscalls.MAP_PRIVATE && (prot & Syscalls.PROT_WRITE) != 0 && !file.writable()) {
            return -Errno.EACCES.code();
        }
        if (!file.readable()) {
            return -Errno.EACCES.code();
        }
        return -Errno.ENODEV.code();
    }

    /**
     * A new RLIMIT_NOFILE read from {@code limit} (EFAULT), as Linux's do_prlimit checks it: a soft
     * limit above the hard one is EINVAL, a hard one above fs.nr_open EPERM (the process is root,
     * so it may raise its hard limit up to that). Lowering it closes nothing.
     */
    static long setFileLimit(Syscalls sys, LinuxProcess state, long limit) {
        byte[] bytes = sys.copyFromUser(limit, 16);
        if (bytes == null) {
            return -Errno.EFAULT.code();
        }
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        long soft = b.getLong(0);
        long hard = b.getLong(8);
        if (Long.compareUnsigned(soft, hard) > 0) {
            return -Errno.EINVAL.code();
        }
        if (Long.compareUnsigned(hard, Descriptors.NR_OPEN) > 0) {
            return -Errno.EPERM.code();
        }
        state.descriptors().setLimits(soft, hard);
        return 0;
    }
}
