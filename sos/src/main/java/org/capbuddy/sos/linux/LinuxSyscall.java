package org.capbuddy.sos.linux;

/**
 * The Linux AArch64 system calls SOS serves, by their numbers in the generic syscall table (x8 at
 * {@code svc #0}); every other number returns -ENOSYS and is counted.
 */
public enum LinuxSyscall {
    GETCWD(17),
    EPOLL_CREATE1(20),
    EPOLL_CTL(21),
    EPOLL_PWAIT(22),
    DUP(23),
    DUP3(24),
    FCNTL(25),
    IOCTL(29),
    CLOSE(57),
    PIPE2(59),
    PSELECT6(72),
    PPOLL(73),
    READ(63),
    WRITE(64),
    READV(65),
    WRITEV(66),
    EXIT(93),
    EXIT_GROUP(94),
    WAITID(95),
    SET_TID_ADDRESS(96),
    NANOSLEEP(101),
    GETITIMER(102),
    SETITIMER(103),
    CLOCK_GETTIME(113),
    CLOCK_GETRES(114),
    CLOCK_NANOSLEEP(115),
    KILL(129),
    SCHED_YIELD(124),
    TKILL(130),
    TGKILL(131),
    SIGALTSTACK(132),
    RT_SIGSUSPEND(133),
    RT_SIGACTION(134),
    RT_SIGPROCMASK(135),
    RT_SIGPENDING(136),
    RT_SIGTIMEDWAIT(137),
    RT_SIGRETURN(139),
    SETPGID(154),
    GETPGID(155),
    GETSID(156),
    SETSID(157),
    UNAME(160),
    GETRLIMIT(163),
    GETRUSAGE(165),
    GETTIMEOFDAY(169),
    GETPID(172),
    GETPPID(173),
    GETUID(174),
    GETEUID(175),
    GETGID(176),
    GETEGID(177),
    GETTID(178),
    BRK(214),
    MUNMAP(215),
    MREMAP(216),
    CLONE(220),
    EXECVE(221),
    MMAP(222),
    MPROTECT(226),
    MSYNC(227),
    MLOCK(228),
    MUNLOCK(229),
    MLOCKALL(230),
    MUNLOCKALL(231),
    MINCORE(232),
    MADVISE(233),
    WAIT4(260),
    PRLIMIT64(261),
    GETRANDOM(278),
    EPOLL_PWAIT2(441);

    private static final LinuxSyscall[] BY_NUMBER = new LinuxSyscall[512];

    static {
        for (LinuxSyscall call : values()) {
            BY_NUMBER[call.number] = call;
        }
    }

    private final int number;

    LinuxSyscall(int number) {
        this.number = number;
    }

    public int number() {
        return number;
    }

    /** The call with this number, or null when SOS does not serve it. */
    public static LinuxSyscall of(long number) {
        return number >= 0 && number < BY_NUMBER.length ? BY_NUMBER[(int) number] : null;
    }

    /** The lower-case name Linux gives it. */
    public String linuxName() {
        return name().toLowerCase();
    }

    /**
     * The name of any call of the generic (AArch64) table, served or not, such as "clone" for
     * 220, so that a report can name the calls SOS answered with ENOSYS; null for a number the
     * table does not have.
     */
    public static String nameOf(long number) {
        if (number >= 0 && number < GENERIC_NAMES.length) {
            String name = GENERIC_NAMES[(int) number];
            return name.isEmpty() ? null : name;
        }
        return switch ((int) Math.min(number, Integer.MAX_VALUE)) {
            case 424 -> "pidfd_send_signal";
            case 425 -> "io_uring_setup";
            case 434 -> "pidfd_open";
            case 435 -> "clone3";
            case 436 -> "close_range";
            case 437 -> "openat2";
            case 439 -> "faccessat2";
            case 441 -> "epoll_pwait2";
            default -> null;
        };
    }

    /** include/uapi/asm-generic/unistd.h, numbers 0 to 294. */
    private static final String[] GENERIC_NAMES = (
            "io_setup io_destroy io_submit io_cancel io_getevents setxattr lsetxattr fsetxattr getxattr lgetxattr "
            + "fgetxattr listxattr llistxattr flistxattr removexattr lremovexattr fremovexattr getcwd lookup_dcookie "
            + "eventfd2 epoll_create1 epoll_ctl epoll_pwait dup dup3 fcntl inotify_init1 inotify_add_watch "
            + "inotify_rm_watch ioctl ioprio_set ioprio_get flock mknodat mkdirat unlinkat symlinkat linkat renameat "
            + "umount2 mount pivot_root nfsservctl statfs fstatfs truncate ftruncate fallocate faccessat chdir fchdir "
            + "chroot fchmod fchmodat fchownat fchown openat close vhangup pipe2 quotactl getdents64 lseek read write "
            + "readv writev pread64 pwrite64 preadv pwritev sendfile pselect6 ppoll signalfd4 vmsplice splice tee "
            + "readlinkat newfstatat fstat sync fsync fdatasync sync_file_range timerfd_create timerfd_settime "
            + "timerfd_gettime utimensat acct capget capset personality exit exit_group waitid set_tid_address unshare "
            + "futex set_robust_list get_robust_list nanosleep getitimer setitimer kexec_load init_module "
            + "delete_module timer_create timer_gettime timer_getoverrun timer_settime timer_delete clock_settime "
            + "clock_gettime clock_getres clock_nanosleep syslog ptrace sched_setparam sched_setscheduler "
            + "sched_getscheduler sched_getparam sched_setaffinity sched_getaffinity sched_yield "
            + "sched_get_priority_max sched_get_priority_min sched_rr_get_interval restart_syscall kill tkill tgkill "
            + "sigaltstack rt_sigsuspend rt_sigaction rt_sigprocmask rt_sigpending rt_sigtimedwait rt_sigqueueinfo "
            + "rt_sigreturn setpriority getpriority reboot setregid setgid setreuid setuid setresuid getresuid "
            + "setresgid getresgid setfsuid setfsgid times setpgid getpgid getsid setsid getgroups setgroups uname "
            + "sethostname setdomainname getrlimit setrlimit getrusage umask prctl getcpu gettimeofday settimeofday "
            + "adjtimex getpid getppid getuid geteuid getgid getegid gettid sysinfo mq_open mq_unlink mq_timedsend "
            + "mq_timedreceive mq_notify mq_getsetattr msgget msgctl msgrcv msgsnd semget semctl semtimedop semop "
            + "shmget shmctl shmat shmdt socket socketpair bind listen accept connect getsockname getpeername sendto "
            + "recvfrom setsockopt getsockopt shutdown sendmsg recvmsg readahead brk munmap mremap add_key "
            + "request_key keyctl clone execve mmap fadvise64 swapon swapoff mprotect msync mlock munlock mlockall "
            + "munlockall mincore madvise remap_file_pages mbind get_mempolicy set_mempolicy migrate_pages move_pages "
            + "rt_tgsigqueueinfo perf_event_open accept4 recvmmsg - - - - - - - - - - - - - - - - wait4 prlimit64 "
            + "fanotify_init fanotify_mark name_to_handle_at open_by_handle_at clock_adjtime syncfs setns sendmmsg "
            + "process_vm_readv process_vm_writev kcmp finit_module sched_setattr sched_getattr renameat2 seccomp "
            + "getrandom memfd_create bpf execveat userfaultfd membarrier mlock2 copy_file_range preadv2 pwritev2 "
            + "pkey_mprotect pkey_alloc pkey_free statx io_pgetevents rseq kexec_file_load")
            .replace("-", "").split(" ", -1); // "-": numbers 244 to 259, kept for architecture-specific calls
}
