package org.capbuddy.sos;

/**
 * Why a system call failed, in the vocabulary a C program sees: Linux's errno values (the AArch64
 * numbers are the generic ones), which a system call returns negated in x0 and musl turns into
 * {@code errno} and a -1 return.
 */
public enum Errno {
    /** Operation not permitted: a fixed mapping below the lowest address a process may map (Linux's mmap_min_addr). */
    EPERM(1),
    /** No such file or directory: execve of a path no program of the run's table has, or an empty path. */
    ENOENT(2),
    /** No such process: the caller is not running (killed, exited or torn down). */
    ESRCH(3),
    /** Interrupted system call: a sleep or a wait for a signal ended by a signal to deliver. */
    EINTR(4),
    /** Argument list too long: execve's argv and envp past what the initial stack takes. */
    E2BIG(7),
    /** Exec format error: execve of a file the ELF loader refuses or cannot place. */
    ENOEXEC(8),
    /** Bad file descriptor: not open, or not open for the access asked (a pipe's read end written). */
    EBADF(9),
    /** No child processes: wait4 for a child that does not exist or is not the caller's. */
    ECHILD(10),
    /** Try again: a real-time signal past the queue's limit (RLIMIT_SIGPENDING); sigtimedwait's timeout. */
    EAGAIN(11),
    /** Out of memory: the address space has no room for the mapping. */
    ENOMEM(12),
    /** File exists: MAP_FIXED_NOREPLACE asked for a range where something is mapped. */
    EEXIST(17),
    /** Permission denied: madvise(MADV_REMOVE) of a private mapping of a program image; execve of a directory. */
    EACCES(13),
    /** Bad address: a buffer that is not readable memory of the process. */
    EFAULT(14),
    /** Not a directory: execve of a path that goes on below a program, as if it were a directory. */
    ENOTDIR(20),
    /** No such device: the standard streams cannot be mapped. */
    ENODEV(19),
    /** Invalid argument: a length, an alignment or a range the call cannot take. */
    EINVAL(22),
    /** Too many open files: no descriptor free below RLIMIT_NOFILE (pipe2, dup, fcntl F_DUPFD). */
    EMFILE(24),
    /** Not a terminal: the console answers no terminal ioctl. */
    ENOTTY(25),
    /** Broken pipe: a write to a pipe no descriptor reads from (with SIGPIPE). */
    EPIPE(32),
    /** Result too large: a buffer too small for the answer (getcwd). */
    ERANGE(34),
    /** File name too long: execve's path without a NUL in PATH_MAX (4,096) bytes. */
    ENAMETOOLONG(36),
    /** Function not implemented: a system call SOS does not serve. */
    ENOSYS(38),
    /** Operation not supported: clock_nanosleep on a clock that cannot be slept on (a coarse or raw clock). */
    EOPNOTSUPP(95);

    private final int code;

    Errno(int code) {
        this.code = code;
    }

    /** The errno value. */
    public int code() {
        return code;
    }
}
