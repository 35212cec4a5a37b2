/* student_signals: signal handlers as a student meets them, one mode per argument (no argument
 * runs all but the ones that end the process). Each prints only what Linux fixes: signal numbers,
 * si_code, addresses relative to a known one, values computed around the handler.
 *   segv      siglongjmp out of a NULL write (SA_SIGINFO: si_code, si_addr, uc's fault address)
 *   vm        user-level VM: mprotect a page PROT_NONE, catch each access, mprotect it back, return
 *   info      raise, kill and tgkill of itself: si_signo, si_code (SI_TKILL, SI_USER), si_pid, si_uid
 *   fp        a handler using doubles, printf and memcpy while the interrupted code has live V
 *             registers and FPSR flags: they survive
 *   mask      a blocked signal stays pending (sigpending), runs when unblocked; sa_mask blocks
 *             another during the handler, which runs after it returns
 *   reset     SA_RESETHAND: the handler runs once and the action reads back as SIG_DFL
 *   nested    a handler raising another signal (runs nested) and its own (runs after, unless
 *             SA_NODEFER)
 *   action    sigaction's old action: handler, flags, mask exactly as set
 *   trap      SIGILL (udf), SIGTRAP (brk) and SIGBUS (a misaligned exclusive load): the handler moves
 *             the pc past the instruction through the ucontext
 *   altstack  a stack overflow caught on a sigaltstack (SA_ONSTACK), then siglongjmp back
 *   abort     a SIGABRT handler that returns: abort() still ends the process (134)
 *   badframe  a handler that spoils its frame's fpsimd record: rt_sigreturn refuses it, SIGSEGV (139)
 *   overflow  a stack overflow with a SIGSEGV handler but no alternate stack: no room for its frame,
 *             the process dies of SIGSEGV (139)
 *   blocked   a NULL write while SIGSEGV, which has a handler, is blocked: a fault's signal is
 *             forced, so the process dies of it (139)
 *   refused   a handler (whose sa_mask blocks SIGSEGV) spoils its frame's fpsimd record: rt_sigreturn
 *             loads the frame's mask and registers before it refuses the frame, so the SIGSEGV handler
 *             (on an alternate stack) runs, seeing the interrupted pc and sp and the frame's mask
 *   noroom    tkill(SIGUSR1) with sp at unmapped memory: no room for SIGUSR1's frame, so SIGSEGV is
 *             sent (SI_KERNEL, no address) and its handler runs on the alternate stack
 *   lastfault a write to address 0x40 stepped over by a SIGSEGV handler, then raise(SIGUSR1): its
 *             frame still holds the fault's address, as Linux keeps it until the next fault
 *   rtqueue   SIGRTMIN raised twice, SIGRTMIN+1 and SIGUSR1 twice, all blocked, then unblocked: each
 *             real-time instance is queued and handled, the standard signal's two are merged
 *   restorer  a handler's return address is sa_restorer itself (musl's __restore_rt); a handler
 *             that sets FPSR.IXC in its frame and spoils the frame: the SIGSEGV handler that follows
 *             sees FPSR as it was before, as rt_sigreturn loads nothing from a frame it refuses */
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>

static sigjmp_buf back;
static volatile int got[65];
static volatile int order[16];
static volatile int norder;

static void note(int sig) {
    if (sig < 65) got[sig]++;
    if (norder < 16) order[norder++] = sig;
}

static void print_order(const char *what) {
    printf("%s:", what);
    for (int i = 0; i < norder; i++) printf(" %d", order[i]);
    printf("\n");
    norder = 0;
}

static int install(int sig, void (*fn)(int, siginfo_t *, void *), int flags, int masked) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = fn;
    sa.sa_flags = SA_SIGINFO | flags;
    sigemptyset(&sa.sa_mask);
    if (masked) sigaddset(&sa.sa_mask, masked);
    return sigaction(sig, &sa, NULL);
}

/* ---- segv */
static char *segv_expect;
static void on_segv(int sig, siginfo_t *si, void *ctx) {
    ucontext_t *uc = ctx;
    printf("SIGSEGV handler: signo %d code %d addr %s fault_address %s\n", si->si_signo, si->si_code,
           (char *)si->si_addr == segv_expect ? "as expected" : "WRONG",
           (char *)uc->uc_mcontext.fault_address == segv_expect ? "as expected" : "WRONG");
    siglongjmp(back, sig);
}
static void mode_segv(void) {
    install(SIGSEGV, on_segv, 0, 0);
    segv_expect = (char *)16;
    int r = sigsetjmp(back, 1);
    if (r == 0) {
        volatile int *p = (int *)16;
        *p = 1;
        printf("no fault\n");
    } else {
        printf("back in main from signal %d\n", r);
    }
    /* a read of a page mapped without rights: SEGV_ACCERR */
    char *page = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    segv_expect = page + 123;
    if (sigsetjmp(back, 1) == 0) {
        volatile char c = page[123];
        (void)c;
        printf("no fault\n");
    }
    munmap(page, 4096);
    signal(SIGSEGV, SIG_DFL);
}

/* ---- vm: the classic user-level VM primitive */
static char *vm_base;
static int vm_faults;
static void on_vm(int sig, siginfo_t *si, void *ctx) {
    (void)sig; (void)ctx;
    char *a = si->si_addr;
    if (a < vm_base || a >= vm_base + 4 * 4096) { write(1, "fault outside\n", 14); _exit(3); }
    vm_faults++;
    char *page = vm_base + ((a - vm_base) & ~4095L);
    int prot = si->si_code == SEGV_ACCERR && vm_faults > 4 ? PROT_READ | PROT_WRITE : PROT_READ;
    /* first touch of a page: make it readable; a write to a readable page: writable */
    static int seen[4];
    int i = (int)((page - vm_base) / 4096);
    prot = seen[i]++ ? PROT_READ | PROT_WRITE : PROT_READ;
    mprotect(page, 4096, prot);
}
static void mode_vm(void) {
    vm_base = mmap(NULL, 4 * 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    install(SIGSEGV, on_vm, 0, 0);
    long sum = 0;
    for (int i = 0; i < 4; i++) sum += vm_base[i * 4096 + 7];        /* 4 faults: read access */
    for (int i = 0; i < 4; i++) vm_base[i * 4096 + 7] = (char)(i + 1); /* 4 faults: write access */
    for (int i = 0; i < 4; i++) sum += vm_base[i * 4096 + 7];        /* none */
    for (int r = 0; r < 1000; r++) vm_base[(r % 4) * 4096 + 100] += 1; /* none, translated loop */
    printf("vm: %d faults, sum %ld, counter %d\n", vm_faults, sum, vm_base[100] + vm_base[3 * 4096 + 100]);
    signal(SIGSEGV, SIG_DFL);
    munmap(vm_base, 4 * 4096);
}

/* ---- info */
static void on_info(int sig, siginfo_t *si, void *ctx) {
    (void)ctx;
    printf("signal %d: si_signo %d si_code %d si_pid %s si_uid %d\n", sig, si->si_signo, si->si_code,
           si->si_pid == getpid() ? "self" : "other", (int)si->si_uid);
}
static void mode_info(void) {
    install(SIGUSR1, on_info, 0, 0);
    raise(SIGUSR1);
    kill(getpid(), SIGUSR1);
    syscall(SYS_tgkill, getpid(), getpid(), SIGUSR1);
    syscall(SYS_tkill, getpid(), SIGUSR1);
    signal(SIGUSR1, SIG_DFL);
}

/* ---- fp */
static volatile double fp_seen;
static char *fp_page;
static void on_fp(int sig, siginfo_t *si, void *ctx) {
    (void)sig; (void)ctx;
    char buf[256], copy[256];
    double x = 1.0;
    for (int i = 0; i < 20; i++) x = x * 1.1 + 0.3 / (i + 1);
    snprintf(buf, sizeof buf, "handler doubles: %.6f %.3e %g", x, x / 3.0, x * x);
    memcpy(copy, buf, sizeof buf);
    printf("%s\n", copy);
    fp_seen = x;
    mprotect((char *)si->si_addr - ((uintptr_t)si->si_addr & 4095), 4096, PROT_READ | PROT_WRITE);
}
static void mode_fp(void) {
    fp_page = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    install(SIGSEGV, on_fp, 0, 0);
    static const uint64_t in[4] = {0x0123456789abcdefULL, 0xfedcba9876543210ULL, 0x3ff8000000000000ULL, 0x4005bf0a8b145769ULL};
    uint64_t out[4];
    uint64_t fpsr_before = 0x10, fpsr_after;  /* IXC set by hand */
    __asm__ volatile(
        "msr fpsr, %[fb]\n"
        "ldr q16, [%[in]]\n"
        "ldr q29, [%[in], #16]\n"
        "str w1, [%[pg], #40]\n"        /* faults: the handler runs here */
        "str q16, [%[out]]\n"
        "str q29, [%[out], #16]\n"
        "mrs %[fa], fpsr\n"
        : [fa] "=&r"(fpsr_after)
        : [fb] "r"(fpsr_before), [in] "r"(in), [pg] "r"(fp_page), [out] "r"(out)
        : "v16", "v29", "memory", "x1");
    printf("V registers %s, FPSR %s (0x%llx), handler's value %.6f\n", memcmp(in, out, sizeof in) == 0 ? "kept" : "CHANGED",
           fpsr_after == fpsr_before ? "kept" : "CHANGED", (unsigned long long)fpsr_after, fp_seen);
    signal(SIGSEGV, SIG_DFL);
    munmap(fp_page, 4096);
}

/* ---- mask */
static void on_note(int sig, siginfo_t *si, void *ctx) { (void)si; (void)ctx; note(sig); }
static void on_usr1_raising_usr2(int sig, siginfo_t *si, void *ctx) {
    (void)si; (void)ctx;
    note(sig);
    raise(SIGUSR2);      /* blocked by sa_mask: runs after this handler returns */
    note(100 + sig);
}
static void mode_mask(void) {
    sigset_t block, pend, old;
    install(SIGUSR1, on_note, 0, 0);
    sigemptyset(&block);
    sigaddset(&block, SIGUSR1);
    sigprocmask(SIG_BLOCK, &block, &old);
    raise(SIGUSR1);
    sigpending(&pend);
    printf("mask: blocked SIGUSR1 pending %d, handled %d\n", sigismember(&pend, SIGUSR1), got[SIGUSR1]);
    sigprocmask(SIG_SETMASK, &old, NULL);
    sigpending(&pend);
    printf("mask: after unblocking pending %d, handled %d\n", sigismember(&pend, SIGUSR1), got[SIGUSR1]);
    install(SIGUSR2, on_note, 0, 0);
    install(SIGUSR1, on_usr1_raising_usr2, 0, SIGUSR2);
    norder = 0;
    raise(SIGUSR1);
    print_order("mask: sa_mask order");
    sigset_t now;
    sigprocmask(SIG_SETMASK, NULL, &now);
    printf("mask: after the handlers SIGUSR1 blocked %d SIGUSR2 blocked %d\n", sigismember(&now, SIGUSR1), sigismember(&now, SIGUSR2));
    /* two pending at once, delivered when unblocked together */
    sigaddset(&block, SIGUSR2);
    install(SIGUSR1, on_note, 0, 0);
    sigprocmask(SIG_BLOCK, &block, NULL);
    raise(SIGUSR2);
    raise(SIGUSR1);
    raise(SIGUSR1);
    sigprocmask(SIG_UNBLOCK, &block, NULL);
    print_order("mask: two pending, unblocked together");
    signal(SIGUSR1, SIG_DFL);
    signal(SIGUSR2, SIG_DFL);
}

/* ---- reset */
static void mode_reset(void) {
    install(SIGUSR2, on_note, SA_RESETHAND, 0);
    raise(SIGUSR2);
    struct sigaction cur;
    sigaction(SIGUSR2, NULL, &cur);
    printf("reset: handled %d, now %s\n", got[SIGUSR2], cur.sa_handler == SIG_DFL ? "SIG_DFL" : "a handler");
    signal(SIGUSR2, SIG_IGN);
    raise(SIGUSR2);
    printf("reset: ignored, handled %d\n", got[SIGUSR2]);
    signal(SIGUSR2, SIG_DFL);
}

/* ---- nested */
static volatile int depth, maxdepth;
static void on_nest(int sig, siginfo_t *si, void *ctx) {
    (void)si; (void)ctx;
    depth++;
    if (depth > maxdepth) maxdepth = depth;
    note(sig);
    if (sig == SIGUSR1 && got[SIGUSR1] == 1) {
        raise(SIGUSR2);  /* runs nested, now */
        raise(SIGUSR1);  /* own signal: blocked, runs after this returns */
        note(200);
    }
    if (sig == SIGHUP && got[SIGHUP] < 3) raise(SIGHUP); /* SA_NODEFER: nests */
    depth--;
}
static void mode_nested(void) {
    memset((void *)got, 0, sizeof got);
    norder = 0;
    install(SIGUSR1, on_nest, 0, 0);
    install(SIGUSR2, on_nest, 0, 0);
    raise(SIGUSR1);
    print_order("nested");
    printf("nested: max depth %d\n", maxdepth);
    maxdepth = 0;
    install(SIGHUP, on_nest, SA_NODEFER, 0);
    raise(SIGHUP);
    printf("nodefer: SIGHUP handled %d, max depth %d\n", got[SIGHUP], maxdepth);
    signal(SIGUSR1, SIG_DFL);
    signal(SIGUSR2, SIG_DFL);
    signal(SIGHUP, SIG_DFL);
}

/* ---- action */
static void mode_action(void) {
    struct sigaction sa, old;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_note;
    sa.sa_flags = SA_SIGINFO | SA_NODEFER | SA_RESTART;
    sigemptyset(&sa.sa_mask);
    sigaddset(&sa.sa_mask, SIGUSR2);
    sigaddset(&sa.sa_mask, SIGTERM);
    sigaddset(&sa.sa_mask, SIGKILL);
    sigaction(SIGUSR1, &sa, NULL);
    sigaction(SIGUSR1, NULL, &old);
    /* SIGKILL in the mask is not printed: Linux drops it (and SIGSTOP) from a handler's mask,
     * qemu-user 7.2 keeps it */
    printf("action: handler %s, flags 0x%x, mask USR2 %d TERM %d INT %d\n",
           old.sa_sigaction == on_note ? "as set" : "WRONG", (unsigned)old.sa_flags, sigismember(&old.sa_mask, SIGUSR2),
           sigismember(&old.sa_mask, SIGTERM), sigismember(&old.sa_mask, SIGINT));
    signal(SIGUSR1, SIG_IGN);
    sigaction(SIGUSR1, NULL, &old);
    printf("action: now %s, flags 0x%x\n", old.sa_handler == SIG_IGN ? "SIG_IGN" : "WRONG", (unsigned)old.sa_flags);
    signal(SIGUSR1, SIG_DFL);
}

/* ---- trap: SIGILL, SIGTRAP, SIGBUS, each stepped over */
static void on_step(int sig, siginfo_t *si, void *ctx) {
    ucontext_t *uc = ctx;
    int at_pc = (uintptr_t)si->si_addr == uc->uc_mcontext.pc;
    /* SIGILL's si_code is left out: Linux says ILL_ILLOPC (1) for an undefined instruction,
     * qemu-user 7.2 ILL_ILLOPN (2) */
    printf("signal %d: si_code %d, si_addr %s\n", sig, sig == SIGILL ? 0 : si->si_code,
           sig == SIGBUS ? ((uintptr_t)si->si_addr & 7) == 1 ? "the misaligned address" : "WRONG"
                         : at_pc ? "the pc" : "WRONG");
    uc->uc_mcontext.pc += 4;
}
static void mode_trap(void) {
    install(SIGILL, on_step, 0, 0);
    install(SIGTRAP, on_step, 0, 0);
    install(SIGBUS, on_step, 0, 0);
    __asm__ volatile(".inst 0x00000000" ::: "memory");
    __asm__ volatile("brk #7" ::: "memory");
    static uint64_t words[2];
    uint64_t v;
    __asm__ volatile("ldxr %0, [%1]" : "=r"(v) : "r"((char *)words + 1) : "memory");
    printf("trap: all three stepped over\n");
    signal(SIGILL, SIG_DFL);
    signal(SIGTRAP, SIG_DFL);
    signal(SIGBUS, SIG_DFL);
}

/* ---- altstack */
static char *alt;
static void on_overflow(int sig, siginfo_t *si, void *ctx) {
    (void)si; (void)ctx;
    char here;
    printf("overflow: signal %d, handler on the alternate stack %s\n", sig,
           &here >= alt && &here < alt + 65536 ? "yes" : "NO");
    siglongjmp(back, 1);
}
static int recurse(int n) {
    volatile char pad[4096];
    pad[0] = (char)n;
    return recurse(n + 1) + pad[0];
}
static void mode_altstack(void) {
    alt = malloc(65536);
    stack_t ss = {.ss_sp = alt, .ss_size = 65536, .ss_flags = 0}, old;
    sigaltstack(&ss, NULL);
    sigaltstack(NULL, &old);
    printf("altstack: set, flags %d size %zu\n", old.ss_flags, old.ss_size);
    install(SIGSEGV, on_overflow, SA_ONSTACK, 0);
    if (sigsetjmp(back, 1) == 0) {
        recurse(0);
    }
    sigaltstack(NULL, &old);
    printf("altstack: back in main, flags %d\n", old.ss_flags);
    signal(SIGSEGV, SIG_DFL);
}

/* ---- abort */
static void on_abort(int sig, siginfo_t *si, void *ctx) {
    (void)ctx;
    printf("SIGABRT handler: signal %d code %d; returning\n", sig, si->si_code);
    fflush(stdout);
}
static void mode_abort(void) {
    install(SIGABRT, on_abort, 0, 0);
    abort();
}

/* ---- badframe */
static void on_spoil(int sig, siginfo_t *si, void *ctx) {
    (void)si;
    ucontext_t *uc = ctx;
    uint32_t *magic = (uint32_t *)uc->uc_mcontext.__reserved;
    printf("signal %d: first record magic 0x%08x size %u; spoiling it\n", sig, magic[0], magic[1]);
    fflush(stdout);
    magic[0] = 0x12345678;
}
static void mode_badframe(void) {
    install(SIGUSR1, on_spoil, 0, 0);
    raise(SIGUSR1);
    printf("rt_sigreturn accepted a spoiled frame\n");
}

/* ---- overflow, blocked */
static void on_never(int sig, siginfo_t *si, void *ctx) {
    (void)si; (void)ctx;
    printf("handler ran for signal %d\n", sig);
    _exit(5);
}
static void mode_overflow(void) {
    install(SIGSEGV, on_never, 0, 0);
    printf("overflowing the stack with a SIGSEGV handler and no alternate stack\n");
    fflush(stdout);
    recurse(0);
}
static void mode_blocked(void) {
    sigset_t block;
    install(SIGSEGV, on_never, 0, 0);
    sigemptyset(&block);
    sigaddset(&block, SIGSEGV);
    sigprocmask(SIG_BLOCK, &block, NULL);
    printf("writing to NULL with SIGSEGV blocked\n");
    fflush(stdout);
    *(volatile int *)16 = 1;
}

/* ---- refused */
static uintptr_t refused_pc, refused_sp;
static void on_refused_segv(int sig, siginfo_t *si, void *ctx) {
    (void)si;
    ucontext_t *uc = ctx;
    /* si_code and si_addr are left out: Linux says SEGV_MAPERR or SEGV_ACCERR at the loaded sp,
     * qemu-user 7.2 SI_KERNEL and 0 */
    printf("refused: signal %d handler ran; pc %s, sp %s, SIGUSR1 blocked %d, SIGSEGV blocked %d\n", sig,
           uc->uc_mcontext.pc == refused_pc ? "the interrupted one" : "WRONG",
           uc->uc_mcontext.sp == refused_sp ? "the interrupted one" : "WRONG", sigismember(&uc->uc_sigmask, SIGUSR1),
           sigismember(&uc->uc_sigmask, SIGSEGV));
    fflush(stdout);
    _exit(0);
}
static void on_refused_spoil(int sig, siginfo_t *si, void *ctx) {
    (void)sig; (void)si;
    ucontext_t *uc = ctx;
    refused_pc = uc->uc_mcontext.pc;
    refused_sp = uc->uc_mcontext.sp;
    *(uint32_t *)uc->uc_mcontext.__reserved = 0x12345678;
}
static void mode_refused(void) {
    static char stack[65536];
    stack_t ss = {.ss_sp = stack, .ss_size = sizeof stack, .ss_flags = 0};
    sigaltstack(&ss, NULL);
    install(SIGSEGV, on_refused_segv, SA_ONSTACK, 0);
    install(SIGUSR1, on_refused_spoil, 0, SIGSEGV);
    raise(SIGUSR1);
    printf("rt_sigreturn accepted a spoiled frame\n");
}

/* ---- noroom */
static void on_noroom_segv(int sig, siginfo_t *si, void *ctx) {
    ucontext_t *uc = ctx;
    printf("noroom: signal %d, si_code %d, si_addr %p, interrupted sp 0x%llx\n", sig, si->si_code, si->si_addr,
           (unsigned long long)uc->uc_mcontext.sp);
    fflush(stdout);
    _exit(0);
}
static void mode_noroom(void) {
    static char stack[65536];
    stack_t ss = {.ss_sp = stack, .ss_size = sizeof stack, .ss_flags = 0};
    sigaltstack(&ss, NULL);
    install(SIGSEGV, on_noroom_segv, SA_ONSTACK, 0);
    install(SIGUSR1, on_never, 0, 0);
    long tid = syscall(SYS_gettid);
    /* 0x10000: the lowest page a program may map, and nothing is mapped there */
    __asm__ volatile("mov x9, sp\n mov x10, #0x10000\n mov sp, x10\n mov x0, %0\n mov x1, #10\n mov x8, #130\n svc #0\n"
                     "mov sp, x9" :: "r"(tid) : "x0", "x1", "x8", "x9", "x10", "memory");
    printf("the SIGUSR1 handler ran with no room for its frame\n");
}

/* ---- lastfault */
static void on_lastfault_segv(int sig, siginfo_t *si, void *ctx) {
    (void)sig;
    ucontext_t *uc = ctx;
    printf("lastfault: SIGSEGV at %p, fault_address 0x%llx\n", si->si_addr, (unsigned long long)uc->uc_mcontext.fault_address);
    uc->uc_mcontext.pc += 4;
}
static void on_lastfault_usr1(int sig, siginfo_t *si, void *ctx) {
    ucontext_t *uc = ctx;
    printf("lastfault: signal %d, si_code %d, fault_address 0x%llx\n", sig, si->si_code,
           (unsigned long long)uc->uc_mcontext.fault_address);
}
static void mode_lastfault(void) {
    install(SIGSEGV, on_lastfault_segv, 0, 0);
    install(SIGUSR1, on_lastfault_usr1, 0, 0);
    __asm__ volatile("mov x9, #0x40\n str wzr, [x9]" ::: "x9", "memory");
    raise(SIGUSR1);
    signal(SIGSEGV, SIG_DFL);
    signal(SIGUSR1, SIG_DFL);
}

/* ---- rtqueue */
static void mode_rtqueue(void) {
    int rt = SIGRTMIN;
    sigset_t block, old, pend;
    memset((void *)got, 0, sizeof got);
    norder = 0;
    install(rt, on_note, 0, 0);
    install(rt + 1, on_note, 0, 0);
    install(SIGUSR1, on_note, 0, 0);
    sigemptyset(&block);
    sigaddset(&block, rt);
    sigaddset(&block, rt + 1);
    sigaddset(&block, SIGUSR1);
    sigprocmask(SIG_BLOCK, &block, &old);
    raise(rt);
    raise(rt);
    raise(rt + 1);
    raise(SIGUSR1);
    raise(SIGUSR1);
    sigpending(&pend);
    printf("rtqueue: pending SIGRTMIN %d SIGRTMIN+1 %d SIGUSR1 %d\n", sigismember(&pend, rt), sigismember(&pend, rt + 1),
           sigismember(&pend, SIGUSR1));
    sigprocmask(SIG_SETMASK, &old, NULL);
    printf("rtqueue: SIGRTMIN handled %d times, SIGRTMIN+1 %d, SIGUSR1 %d\n", got[rt], got[rt + 1], got[SIGUSR1]);
    printf("rtqueue order (SIGRTMIN = %d):", rt);
    for (int i = 0; i < norder; i++) printf(" %d", order[i]);
    printf("\n");
    signal(rt, SIG_DFL);
    signal(rt + 1, SIG_DFL);
    signal(SIGUSR1, SIG_DFL);
}

/* ---- restorer */
extern void __restore_rt(void);
static void *restorer_ra;
static void on_restorer(int sig) {
    (void)sig;
    restorer_ra = __builtin_return_address(0);
}
static void on_restorer_segv(int sig, siginfo_t *si, void *ctx) {
    (void)sig; (void)si;
    ucontext_t *uc = ctx;
    uint32_t *record = (uint32_t *)uc->uc_mcontext.__reserved;
    printf("restorer: after the refused frame, FPSR 0x%x\n", record[2]);
    fflush(stdout);
    _exit(0);
}
static void on_restorer_spoil(int sig, siginfo_t *si, void *ctx) {
    (void)sig; (void)si;
    ucontext_t *uc = ctx;
    uint32_t *record = (uint32_t *)uc->uc_mcontext.__reserved;
    record[2] = 0x10; /* FPSR.IXC */
    record[0] = 0x12345678;
}
static void mode_restorer(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_restorer;
    sigaction(SIGUSR1, &sa, NULL);
    raise(SIGUSR1);
    printf("restorer: the handler returns to __restore_rt: %s\n", restorer_ra == (void *)__restore_rt ? "yes" : "no");
    static char stack[65536];
    stack_t ss = {.ss_sp = stack, .ss_size = sizeof stack, .ss_flags = 0};
    sigaltstack(&ss, NULL);
    install(SIGSEGV, on_restorer_segv, SA_ONSTACK, 0);
    install(SIGUSR1, on_restorer_spoil, 0, 0);
    __asm__ volatile("msr fpsr, xzr" ::: "memory");
    raise(SIGUSR1);
    printf("rt_sigreturn accepted a spoiled frame\n");
}

int main(int argc, char **argv) {
    const char *m = argc > 1 ? argv[1] : "all";
    int all = strcmp(m, "all") == 0;
    if (all || !strcmp(m, "segv")) mode_segv();
    if (all || !strcmp(m, "vm")) mode_vm();
    if (all || !strcmp(m, "info")) mode_info();
    if (all || !strcmp(m, "fp")) mode_fp();
    if (all || !strcmp(m, "mask")) mode_mask();
    if (all || !strcmp(m, "reset")) mode_reset();
    if (all || !strcmp(m, "nested")) mode_nested();
    if (all || !strcmp(m, "action")) mode_action();
    if (all || !strcmp(m, "trap")) mode_trap();
    if (all || !strcmp(m, "altstack")) mode_altstack();
    if (!strcmp(m, "abort")) mode_abort();
    if (!strcmp(m, "badframe")) mode_badframe();
    if (!strcmp(m, "overflow")) mode_overflow();
    if (!strcmp(m, "blocked")) mode_blocked();
    if (!strcmp(m, "refused")) mode_refused();
    if (!strcmp(m, "noroom")) mode_noroom();
    if (!strcmp(m, "lastfault")) mode_lastfault();
    if (!strcmp(m, "rtqueue")) mode_rtqueue();
    if (!strcmp(m, "restorer")) mode_restorer();
    printf("student_signals %s: done\n", m);
    return 0;
}
