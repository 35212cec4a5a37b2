/* student_syscalls: the Linux system calls a program makes, at their edges, through raw syscall()
 * so that musl neither checks nor retries: bad descriptors (negative, closed, out of range, the
 * wrong stream, a number past 32 bits), zero and huge lengths, NULL and kernel-half buffers,
 * iovec counts of 0 and past IOV_MAX, negative and overflowing iovec lengths, the break below its
 * start and into a mapping, clock ids that do not exist, nanosleep with bad times, uname,
 * getrandom and getrlimit into bad buffers, getrandom's flags, kill with signal 0 and with bad
 * numbers, rt_sigaction and rt_sigprocmask's checks, and an exit status past 8 bits.
 * Only results and errno names are printed: no time, pid, address or random byte.
 * Left out: cases qemu-user answers differently from Linux, as it checks buffers and arguments
 * itself (a write or getrandom up to a hole is a short count on Linux, EFAULT under qemu;
 * nanosleep(NULL) is EFAULT, not EINVAL; an old sigaction that cannot be written leaves the new
 * one standing), and brk up to a mapping's first page, which Linux refuses and qemu allows. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#define PAGE 4096UL
#define KERNEL_HALF 0xffff000000000000UL

static char out[64];

/* a result as a program sees it: the number, or the errno's name */
static const char *res(long r) {
    if (r != -1) {
        snprintf(out, sizeof out, "%ld", r);
        return out;
    }
    switch (errno) {
        case EBADF: return "EBADF";
        case EFAULT: return "EFAULT";
        case EINVAL: return "EINVAL";
        case ENOSYS: return "ENOSYS";
        case ENOTTY: return "ENOTTY";
        case ESRCH: return "ESRCH";
        case ERANGE: return "ERANGE";
        case ENOMEM: return "ENOMEM";
        case EOPNOTSUPP: return "EOPNOTSUPP";
        default: snprintf(out, sizeof out, "errno %d", errno); return out;
    }
}

/* a result whose value may differ between systems (a time, a pid): only whether it succeeded */
static const char *ok(long r) { return r == -1 ? res(r) : "ok"; }

struct iov { const void *base; long len; };
struct ts { long sec, nsec; };

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    /* two pages, the second unmapped: a buffer can end at a hole */
    char *map = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (map == MAP_FAILED) { perror("mmap"); return 1; }
    munmap(map + PAGE, PAGE);
    char *end = map + PAGE;   /* the first byte not mapped */
    char *ro = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    char buf[256];

    printf("-- descriptors\n");
    printf("write(-1): %s\n", res(syscall(SYS_write, -1, "x", 1)));
    printf("write(0), standard input: %s\n", res(syscall(SYS_write, 0, "x", 1)));
    printf("write(100): %s\n", res(syscall(SYS_write, 100, "x", 1)));
    printf("write(1 << 20): %s\n", res(syscall(SYS_write, 1 << 20, "x", 1)));
    printf("write(INT_MIN): %s\n", res(syscall(SYS_write, (long)INT32_MIN, "x", 1)));
    printf("write(2^32 + 1), descriptor 1 as an unsigned int: %s\n", res(syscall(SYS_write, (1L << 32) + 1, "[fd]\n", 5)));
    printf("read(-1): %s\n", res(syscall(SYS_read, -1, buf, 1)));
    printf("read(1), standard output: %s\n", res(syscall(SYS_read, 1, buf, 1)));
    printf("read(2^32), descriptor 0: %s\n", res(syscall(SYS_read, 1L << 32, buf, 1)));
    printf("writev(0): %s\n", res(syscall(SYS_writev, 0, &(struct iov){"x", 1}, 1)));
    printf("readv(2): %s\n", res(syscall(SYS_readv, 2, &(struct iov){buf, 1}, 1)));
    printf("ioctl(-1, TIOCGWINSZ): %s\n", res(syscall(SYS_ioctl, -1, 0x5413, buf)));
    printf("ioctl(1, TIOCGWINSZ): %s\n", res(syscall(SYS_ioctl, 1, 0x5413, buf)));
    printf("close(-1): %s\n", res(syscall(SYS_close, -1)));
    printf("close(100): %s\n", res(syscall(SYS_close, 100)));

    printf("-- lengths and buffers\n");
    printf("write 0 bytes: %s\n", res(syscall(SYS_write, 1, buf, 0)));
    printf("write 0 bytes from NULL: %s\n", res(syscall(SYS_write, 1, NULL, 0)));
    printf("write 1 byte from NULL: %s\n", res(syscall(SYS_write, 1, NULL, 1)));
    printf("write from the kernel half: %s\n", res(syscall(SYS_write, 1, KERNEL_HALF, 1)));
    printf("write of a length past user space: %s\n", res(syscall(SYS_write, 1, "x", -1L)));
    printf("write of length 2^62: %s\n", res(syscall(SYS_write, 1, "x", 1L << 62)));
    printf("read 0 bytes: %s\n", res(syscall(SYS_read, 0, buf, 0)));
    printf("read 0 bytes into NULL: %s\n", res(syscall(SYS_read, 0, NULL, 0)));
    printf("read of a length past user space: %s\n", res(syscall(SYS_read, 0, buf, -1L)));
    printf("read into the kernel half: %s\n", res(syscall(SYS_read, 0, KERNEL_HALF, 8)));
    printf("read of an empty input: %s\n", res(syscall(SYS_read, 0, buf, sizeof buf)));
    printf("write 0 bytes from the kernel half: %s\n", res(syscall(SYS_write, 1, KERNEL_HALF, 0)));
    printf("read 0 bytes into the kernel half: %s\n", res(syscall(SYS_read, 0, KERNEL_HALF, 0)));

    printf("-- iovecs\n");
    struct iov two[2] = {{"ab", 2}, {"c\n", 2}};
    printf("writev of 0 iovecs: %s\n", res(syscall(SYS_writev, 1, two, 0)));
    printf("writev of 1025 iovecs: %s\n", res(syscall(SYS_writev, 1, two, 1025)));
    printf("writev of -1 iovecs: %s\n", res(syscall(SYS_writev, 1, two, -1L)));
    printf("writev of 2^32 + 2 iovecs: %s\n", res(syscall(SYS_writev, 1, two, (1L << 32) + 2)));
    printf("writev from a NULL array: %s\n", res(syscall(SYS_writev, 1, NULL, 1)));
    printf("writev from an array running into a hole: %s\n", res(syscall(SYS_writev, 1, end - 16, 2)));
    printf("writev of two: %s\n", res(syscall(SYS_writev, 1, two, 2)));
    struct iov negative[2] = {{"ab", 2}, {"c", -1}};
    printf("writev with a negative second length: %s\n", res(syscall(SYS_writev, 1, negative, 2)));
    struct iov overflow[2] = {{"x", INT64_MAX}, {"y", INT64_MAX}};
    printf("writev whose total overflows: %s\n", res(syscall(SYS_writev, 1, overflow, 2)));
    struct iov nullfirst[2] = {{NULL, 2}, {"c\n", 2}};
    printf("writev whose first buffer is NULL: %s\n", res(syscall(SYS_writev, 1, nullfirst, 2)));
    struct iov nullsecond[2] = {{"ab\n", 3}, {NULL, 2}};
    printf("writev whose second buffer is NULL: %s\n", res(syscall(SYS_writev, 1, nullsecond, 2)));
    struct iov empty[2] = {{NULL, 0}, {"de\n", 3}};
    printf("writev of an empty NULL iovec then 3 bytes: %s\n", res(syscall(SYS_writev, 1, empty, 2)));
    printf("readv of 0 iovecs: %s\n", res(syscall(SYS_readv, 0, two, 0)));
    printf("readv of 1025 iovecs: %s\n", res(syscall(SYS_readv, 0, two, 1025)));
    struct iov rneg[1] = {{buf, -1}};
    printf("readv with a negative length: %s\n", res(syscall(SYS_readv, 0, rneg, 1)));
    struct iov rvec[2] = {{buf, 4}, {buf + 4, 4}};
    printf("readv of an empty input: %s\n", res(syscall(SYS_readv, 0, rvec, 2)));

    printf("-- brk\n");
    long start = syscall(SYS_brk, 0);
    printf("brk(0) again: %s\n", syscall(SYS_brk, 0) == start ? "same" : "moved");
    printf("brk(start + 100): %+ld\n", syscall(SYS_brk, start + 100) - start);
    printf("brk(start + 3 pages + 5): %+ld\n", syscall(SYS_brk, start + 3 * PAGE + 5) - start);
    printf("brk(start - 1 page), below the start: %+ld\n", syscall(SYS_brk, start - PAGE) - start);
    printf("brk(1): %+ld\n", syscall(SYS_brk, 1) - start);
    printf("brk(-1): %+ld\n", syscall(SYS_brk, -1L) - start);
    printf("brk(the kernel half): %+ld\n", syscall(SYS_brk, KERNEL_HALF) - start);
    char *above = mmap((void *)(start + 64 * PAGE), PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    if (above == MAP_FAILED) {
        printf("brk into a mapping: no room above the break to map\n");
    } else {
        printf("brk(start + 80 pages), over a mapping: %+ld\n", syscall(SYS_brk, start + 80 * PAGE) - start);
        printf("brk(start + 63 pages), a page below the mapping: %+ld\n", syscall(SYS_brk, start + 63 * PAGE) - start);
        munmap(above, PAGE);
    }
    printf("brk(start): %+ld\n", syscall(SYS_brk, start) - start);

    printf("-- clocks\n");
    struct ts t;
    const long clocks[] = {0, 1, 2, 3, 4, 5, 6, 7, 10, 11, 12, 100, -1, -2, -3, -4, -5, -6, -7, -8, -9};
    for (size_t i = 0; i < sizeof clocks / sizeof clocks[0]; i++) {
        long c = clocks[i];
        printf("clock %ld: gettime %s, getres %s", c, ok(syscall(SYS_clock_gettime, c, &t)),
               ok(syscall(SYS_clock_getres, c, &t)));
        printf(", getres(NULL) %s\n", ok(syscall(SYS_clock_getres, c, NULL)));
    }
    printf("clock_gettime into NULL: %s\n", res(syscall(SYS_clock_gettime, 1, NULL)));
    printf("clock_gettime into a read-only page: %s\n", res(syscall(SYS_clock_gettime, 1, ro)));
    printf("clock_gettime across a hole: %s\n", res(syscall(SYS_clock_gettime, 1, end - 8)));
    printf("gettimeofday(NULL, NULL): %s\n", res(syscall(SYS_gettimeofday, NULL, NULL)));
    printf("gettimeofday into the kernel half: %s\n", res(syscall(SYS_gettimeofday, KERNEL_HALF, NULL)));
    printf("gettimeofday, timezone into a read-only page: %s\n", res(syscall(SYS_gettimeofday, &t, ro)));

    printf("-- nanosleep\n");
    printf("{0, 0}: %s\n", res(syscall(SYS_nanosleep, &(struct ts){0, 0}, NULL)));
    printf("{0, 999999999}: %s\n", res(syscall(SYS_nanosleep, &(struct ts){0, 999999999}, NULL)));
    printf("{0, 1000000000}: %s\n", res(syscall(SYS_nanosleep, &(struct ts){0, 1000000000}, NULL)));
    printf("{0, -1}: %s\n", res(syscall(SYS_nanosleep, &(struct ts){0, -1}, NULL)));
    printf("{-1, 0}: %s\n", res(syscall(SYS_nanosleep, &(struct ts){-1, 0}, NULL)));
    printf("remaining into a read-only page: %s\n", res(syscall(SYS_nanosleep, &(struct ts){0, 1}, ro)));
    for (size_t i = 0; i < sizeof clocks / sizeof clocks[0]; i++) {
        /* the process's own CPU-time clocks: Linux would sleep until the process, asleep, used the time */
        if (clocks[i] == 2 || clocks[i] == -6 || clocks[i] == -7 || clocks[i] == -8) continue;
        printf("clock_nanosleep(%ld, {0, 1}): %s", clocks[i],
               res(syscall(SYS_clock_nanosleep, clocks[i], 0, &(struct ts){0, 1}, NULL)));
        printf(", bad time %s\n", res(syscall(SYS_clock_nanosleep, clocks[i], 0, &(struct ts){0, -1}, NULL)));
    }
    printf("clock_nanosleep absolute, in the past: %s\n",
           res(syscall(SYS_clock_nanosleep, 1, 1, &(struct ts){0, 0}, NULL)));
    printf("clock_nanosleep with other flag bits: %s\n",
           res(syscall(SYS_clock_nanosleep, 1, 6, &(struct ts){0, 1}, NULL)));

    printf("-- uname, getrandom, getcwd, limits, usage\n");
    printf("uname(NULL): %s\n", res(syscall(SYS_uname, NULL)));
    printf("uname into a read-only page: %s\n", res(syscall(SYS_uname, ro)));
    printf("uname across a hole: %s\n", res(syscall(SYS_uname, end - 100)));
    printf("getrandom 0 bytes: %s\n", res(syscall(SYS_getrandom, buf, 0, 0)));
    printf("getrandom 16 bytes: %s\n", res(syscall(SYS_getrandom, buf, 16, 0)));
    printf("getrandom into NULL: %s\n", res(syscall(SYS_getrandom, NULL, 16, 0)));
    printf("getrandom into a read-only page: %s\n", res(syscall(SYS_getrandom, ro, 16, 0)));
    printf("getrandom into the kernel half: %s\n", res(syscall(SYS_getrandom, KERNEL_HALF, 16, 0)));
    printf("getrandom GRND_NONBLOCK: %s\n", res(syscall(SYS_getrandom, buf, 16, 1)));
    printf("getrandom GRND_RANDOM: %s\n", res(syscall(SYS_getrandom, buf, 16, 2)));
    printf("getrandom GRND_INSECURE: %s\n", res(syscall(SYS_getrandom, buf, 16, 4)));
    printf("getrandom GRND_INSECURE | GRND_RANDOM: %s\n", res(syscall(SYS_getrandom, buf, 16, 6)));
    printf("getrandom flag 8: %s\n", res(syscall(SYS_getrandom, buf, 16, 8)));
    printf("getrandom flag 2^32: %s\n", res(syscall(SYS_getrandom, buf, 16, 1L << 32)));
    printf("getrandom a page: %s\n", res(syscall(SYS_getrandom, map, PAGE, 0)));
    {
        char *big = mmap(NULL, 200000, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        printf("getrandom 200000 bytes: %s\n", res(syscall(SYS_getrandom, big, 200000, 0)));
        munmap(big, 200000);
    }
    printf("getcwd into 0 bytes: %s\n", res(syscall(SYS_getcwd, buf, 0)));
    printf("getcwd into 1 byte: %s\n", res(syscall(SYS_getcwd, buf, 1)));
    printf("getcwd into NULL: %s\n", res(syscall(SYS_getcwd, NULL, 4096)));
    printf("getrlimit(RLIMIT_STACK, NULL): %s\n", res(syscall(SYS_getrlimit, 3, NULL)));
    printf("getrlimit(16): %s\n", res(syscall(SYS_getrlimit, 16, buf)));
    printf("getrlimit(-1): %s\n", res(syscall(SYS_getrlimit, -1L, buf)));
    printf("getrlimit(2^32 + 3): %s\n", res(syscall(SYS_getrlimit, (1L << 32) + 3, buf)));
    printf("prlimit64(0, RLIMIT_STACK, NULL, NULL): %s\n", res(syscall(SYS_prlimit64, 0, 3, NULL, NULL)));
    printf("prlimit64(0, 16, NULL, NULL): %s\n", res(syscall(SYS_prlimit64, 0, 16, NULL, NULL)));
    printf("prlimit64 old into a read-only page: %s\n", res(syscall(SYS_prlimit64, 0, 3, NULL, ro)));
    printf("getrusage(RUSAGE_THREAD): %s\n", ok(syscall(SYS_getrusage, 1, buf)));
    printf("getrusage(2): %s\n", res(syscall(SYS_getrusage, 2, buf)));
    printf("getrusage(-2): %s\n", res(syscall(SYS_getrusage, -2L, buf)));
    printf("getrusage into NULL: %s\n", res(syscall(SYS_getrusage, 0, NULL)));
    printf("sched_yield: %s\n", res(syscall(SYS_sched_yield)));
    printf("system call 2^32 + 124, sched_yield as an int: %s\n", res(syscall((1L << 32) + 124)));

    printf("-- signals\n");
    long self = syscall(SYS_getpid);
    printf("kill(self, 0): %s\n", res(syscall(SYS_kill, self, 0)));
    printf("kill(0, 0): %s\n", res(syscall(SYS_kill, 0, 0)));
    printf("kill(self, -1): %s\n", res(syscall(SYS_kill, self, -1L)));
    printf("kill(self, 65): %s\n", res(syscall(SYS_kill, self, 65)));
    printf("kill(self, 2^32), signal 0 as an int: %s\n", res(syscall(SYS_kill, self, 1L << 32)));
    printf("kill(2^32 + self, 0), the pid as an int: %s\n", res(syscall(SYS_kill, (1L << 32) + self, 0)));
    printf("kill(0x7ffffff0, 0), no such process: %s\n", res(syscall(SYS_kill, 0x7ffffff0, 0)));
    printf("kill(0x7ffffff0, 65): %s\n", res(syscall(SYS_kill, 0x7ffffff0, 65)));
    printf("kill(INT_MIN, 0): %s\n", res(syscall(SYS_kill, (long)INT32_MIN, 0)));
    printf("tkill(self, 0): %s\n", res(syscall(SYS_tkill, self, 0)));
    printf("tkill(0, 0): %s\n", res(syscall(SYS_tkill, 0, 0)));
    printf("tkill(-1, 0): %s\n", res(syscall(SYS_tkill, -1L, 0)));
    printf("tkill(self, 65): %s\n", res(syscall(SYS_tkill, self, 65)));
    printf("tkill(0x7ffffff0, 65): %s\n", res(syscall(SYS_tkill, 0x7ffffff0, 65)));
    printf("tgkill(self, self, 0): %s\n", res(syscall(SYS_tgkill, self, self, 0)));
    printf("tgkill(self, 0, 0): %s\n", res(syscall(SYS_tgkill, self, 0, 0)));
    printf("tgkill(self, self, 65): %s\n", res(syscall(SYS_tgkill, self, self, 65)));
    printf("tgkill(0x7ffffff0, self, 0): %s\n", res(syscall(SYS_tgkill, 0x7ffffff0, self, 0)));
    printf("tgkill(0x7ffffff0, self, 65): %s\n", res(syscall(SYS_tgkill, 0x7ffffff0, self, 65)));
    long act[4] = {1, 0, 0, 0}, old[4];
    printf("rt_sigaction(0): %s\n", res(syscall(SYS_rt_sigaction, 0, act, NULL, 8)));
    printf("rt_sigaction(65): %s\n", res(syscall(SYS_rt_sigaction, 65, act, NULL, 8)));
    printf("rt_sigaction(65) reading nothing: %s\n", res(syscall(SYS_rt_sigaction, 65, NULL, NULL, 8)));
    printf("rt_sigaction(SIGKILL, SIG_IGN): %s\n", res(syscall(SYS_rt_sigaction, 9, act, NULL, 8)));
    printf("rt_sigaction(SIGKILL) read: %s\n", res(syscall(SYS_rt_sigaction, 9, NULL, old, 8)));
    printf("rt_sigaction(SIGUSR1) with set size 4: %s\n", res(syscall(SYS_rt_sigaction, 10, act, NULL, 4)));
    printf("rt_sigaction(SIGUSR1) from NULL: %s\n", res(syscall(SYS_rt_sigaction, 10, NULL, NULL, 8)));
    printf("rt_sigaction(SIGUSR1) from the kernel half: %s\n", res(syscall(SYS_rt_sigaction, 10, KERNEL_HALF, NULL, 8)));
    printf("rt_sigaction(65) from the kernel half: %s\n", res(syscall(SYS_rt_sigaction, 65, KERNEL_HALF, NULL, 8)));
    printf("rt_sigaction(SIGKILL) from the kernel half: %s\n", res(syscall(SYS_rt_sigaction, 9, KERNEL_HALF, NULL, 8)));
    printf("rt_sigaction(SIGUSR1, SIG_IGN), old into a read-only page: %s\n",
           res(syscall(SYS_rt_sigaction, 10, act, ro, 8)));
    act[0] = 0;
    printf("rt_sigaction(2^32 + SIGUSR1, SIG_DFL): %s\n", res(syscall(SYS_rt_sigaction, (1L << 32) + 10, act, NULL, 8)));
    long set = 1L << 9; /* SIGUSR1 */
    printf("rt_sigprocmask(3): %s\n", res(syscall(SYS_rt_sigprocmask, 3, &set, NULL, 8)));
    printf("rt_sigprocmask(-1): %s\n", res(syscall(SYS_rt_sigprocmask, -1L, &set, NULL, 8)));
    printf("rt_sigprocmask(3) without a set: %s\n", res(syscall(SYS_rt_sigprocmask, 3, NULL, NULL, 8)));
    printf("rt_sigprocmask(2^32 + SIG_BLOCK): %s\n", res(syscall(SYS_rt_sigprocmask, (1L << 32), &set, NULL, 8)));
    printf("rt_sigprocmask with set size 4: %s\n", res(syscall(SYS_rt_sigprocmask, 0, &set, NULL, 4)));
    printf("rt_sigprocmask with set size 16: %s\n", res(syscall(SYS_rt_sigprocmask, 0, &set, NULL, 16)));
    printf("rt_sigprocmask from NULL with no set: %s\n", res(syscall(SYS_rt_sigprocmask, 0, NULL, NULL, 8)));
    printf("rt_sigprocmask from the kernel half: %s\n", res(syscall(SYS_rt_sigprocmask, 0, KERNEL_HALF, NULL, 8)));
    printf("rt_sigprocmask old into a read-only page: %s\n", res(syscall(SYS_rt_sigprocmask, 0, &set, ro, 8)));
    long mask = 0;
    syscall(SYS_rt_sigprocmask, 0, NULL, &mask, 8);
    printf("SIGUSR1 blocked: %s\n", mask & (1L << 9) ? "yes" : "no");
    printf("rt_sigpending with set size 4: %s\n", res(syscall(SYS_rt_sigpending, buf, 4)));
    printf("rt_sigpending with set size 16: %s\n", res(syscall(SYS_rt_sigpending, buf, 16)));
    printf("rt_sigpending into NULL: %s\n", res(syscall(SYS_rt_sigpending, NULL, 8)));

    printf("-- exit_group(0x1234503): the status is its low 8 bits\n");
    syscall(SYS_exit_group, 0x1234503L);
    return 1;
}
