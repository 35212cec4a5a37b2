/* fork_sigwait [MODE]: sigwaitinfo and sigtimedwait in a parent whose signal only another
 * process sends.
 *   chld     SIGCHLD blocked: sigwaitinfo({SIGCHLD}) is woken by a child's exit (it exits 42
 *            after a 300 ms sleep) and takes the signal: CLD_EXITED, si_status 42, si_pid the
 *            child; waitpid then reaps it.
 *   kill     SIGUSR1 and SIGUSR2 blocked: a child's kill(SIGUSR1) and tgkill(SIGUSR2) each end a
 *            sigwaitinfo: SI_USER and SI_TKILL, si_pid the child, si_uid the parent's uid.
 *   timed    sigtimedwait with a 10 s timeout, woken early by a child's kill (the time it waited
 *            under 5 s); then one with a 200 ms timeout that nothing ends, EAGAIN, while the
 *            child still sleeps; the mask after each as before.
 *   restart  a child sends SIGUSR1 then SIGUSR2 to the parent 100 times, spinning between, while
 *            the parent makes 1,000 raw clones (musl's fork blocks every signal around its clone,
 *            so no signal could be pending there) and SIGUSR1's handler makes one more each run:
 *            a signal pending as a clone begins (Linux's copy_process ERESTARTNOINTR) runs its
 *            handler, without SA_RESTART, and the clone is made again, never failing and never
 *            making two children; each child exits with the count of SIGUSR2 handler runs it saw,
 *            which lies between its parent's before the clone and after. (In SOS a SIGUSR2 that
 *            comes while SIGUSR1's handler is being entered is pending at the handler's clone; one
 *            that comes while the parent is preempted in SOS's fork routine waits for the fork's
 *            end, as Linux since 5.0 delays a signal come during copy_process.) A stress and
 *            no-regression run: a fork that ignored pending signals would print the same.
 *   all      (the default) each of them in turn.
 *   eintr    (not in all) SIGUSR1 blocked, SIGUSR2 handled with SA_RESTART: a child's SIGUSR2
 *            ends a raw rt_sigtimedwait({SIGUSR1}) with -1 EINTR after its handler runs (Linux's
 *            do_sigtimedwait returns EINTR itself, never restarted); then musl's sigwaitinfo,
 *            whose sigtimedwait makes the call again while it is -EINTR, runs the handler for a
 *            child's SIGUSR2 and returns the SIGUSR1 the child sends after it.
 * A child acts after a sleep (300 ms, or 1 s in timed), the only steps ordered by time. No pid,
 * time or uid is printed. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char *name(int sig) {
    return sig == SIGCHLD ? "SIGCHLD" : sig == SIGUSR1 ? "SIGUSR1" : sig == SIGUSR2 ? "SIGUSR2" : "other";
}

static const char *result(int r, int e) {
    if (r > 0) {
        return name(r);
    }
    return e == EINTR ? "-1 EINTR" : e == EAGAIN ? "-1 EAGAIN" : "-1 other";
}

static const char *code(int c) {
    return c == CLD_EXITED ? "CLD_EXITED" : c == SI_USER ? "SI_USER" : c == SI_TKILL ? "SI_TKILL" : "other";
}

static void sleep_ms(long ms) {
    struct timespec t = {ms / 1000, ms % 1000 * 1000000L};
    while (nanosleep(&t, &t) != 0 && errno == EINTR) {
    }
}

static long now_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static sigset_t set_of(int a, int b) {
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, a);
    if (b) {
        sigaddset(&s, b);
    }
    return s;
}

/* Whether the mask is exactly {a, b}. */
static const char *mask_is(int a, int b) {
    sigset_t now;
    sigprocmask(SIG_BLOCK, NULL, &now);
    sigset_t want = set_of(a, b);
    for (int s = 1; s < 32; s++) {
        if (sigismember(&now, s) != sigismember(&want, s)) {
            return "changed";
        }
    }
    return "as before";
}

/* A child that sleeps ms, then sends sig to its parent with kill (or tgkill), then exits code. */
static pid_t sender(long ms, int sig, int use_tgkill, int code) {
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        sleep_ms(ms);
        if (sig && use_tgkill) {
            pid_t parent = getppid();
            syscall(SYS_tgkill, parent, parent, sig);
        } else if (sig) {
            kill(getppid(), sig);
        }
        _exit(code);
    }
    return pid;
}

static void chld(void) {
    sigset_t s = set_of(SIGCHLD, 0);
    sigprocmask(SIG_SETMASK, &s, NULL);
    pid_t child = sender(300, 0, 0, 42);
    siginfo_t si;
    memset(&si, 0, sizeof si);
    errno = 0;
    int r = sigwaitinfo(&s, &si);
    printf("sigwaitinfo({SIGCHLD}) for a child's exit: %s, si_code %s, si_status %d, si_pid the child %s\n",
           result(r, errno), code(si.si_code), si.si_status, si.si_pid == child ? "yes" : "no");
    sigset_t pending;
    sigpending(&pending);
    printf("  SIGCHLD still pending %s, mask %s\n", sigismember(&pending, SIGCHLD) ? "yes" : "no",
           mask_is(SIGCHLD, 0));
    int status = 0;
    pid_t got = waitpid(child, &status, 0);
    printf("  then waitpid: the child %s, exited %d\n", got == child ? "yes" : "no", WEXITSTATUS(status));
    sigprocmask(SIG_UNBLOCK, &s, NULL);
}

static void killed(void) {
    sigset_t both = set_of(SIGUSR1, SIGUSR2);
    sigprocmask(SIG_SETMASK, &both, NULL);
    for (int i = 0; i < 2; i++) {
        int sig = i == 0 ? SIGUSR1 : SIGUSR2;
        sigset_t s = set_of(sig, 0);
        pid_t child = sender(300, sig, i == 1, 0);
        siginfo_t si;
        memset(&si, 0, sizeof si);
        errno = 0;
        int r = sigwaitinfo(&s, &si);
        printf("sigwaitinfo({%s}) for a child's %s: %s, si_code %s, si_pid the child %s, si_uid ours %s, mask %s\n",
               name(sig), i == 0 ? "kill" : "tgkill", result(r, errno), code(si.si_code),
               si.si_pid == child ? "yes" : "no", si.si_uid == getuid() ? "yes" : "no", mask_is(SIGUSR1, SIGUSR2));
        waitpid(child, NULL, 0);
    }
    sigprocmask(SIG_UNBLOCK, &both, NULL);
}

static void timed(void) {
    sigset_t s = set_of(SIGUSR1, 0);
    sigprocmask(SIG_SETMASK, &s, NULL);
    pid_t child = sender(1000, SIGUSR1, 0, 0);
    struct timespec ten = {10, 0};
    siginfo_t si;
    memset(&si, 0, sizeof si);
    long start = now_ms();
    errno = 0;
    int r = sigtimedwait(&s, &si, &ten);
    long waited = now_ms() - start;
    printf("sigtimedwait({SIGUSR1}, 10 s) for a child's kill after 1 s: %s, si_pid the child %s, "
           "before its timeout %s, mask %s\n", result(r, errno), si.si_pid == child ? "yes" : "no",
           waited < 5000 ? "yes" : "no", mask_is(SIGUSR1, 0));
    waitpid(child, NULL, 0);

    child = sender(1000, 0, 0, 3);
    struct timespec short_wait = {0, 200000000L};
    errno = 0;
    r = sigtimedwait(&s, &si, &short_wait);
    int e = errno;
    int status = 0;
    pid_t got = waitpid(child, &status, WNOHANG);
    printf("sigtimedwait({SIGUSR1}, 200 ms) while a child sleeps 1 s: %s, the child still running %s, mask %s\n",
           result(r, e), got == 0 ? "yes" : "no", mask_is(SIGUSR1, 0));
    got = waitpid(child, &status, 0);
    printf("  then waitpid: the child %s, exited %d\n", got == child ? "yes" : "no", WEXITSTATUS(status));
    sigprocmask(SIG_UNBLOCK, &s, NULL);
}

#define CLONES 1000
#define KILLS 100
#define SPIN 800

static volatile sig_atomic_t usr2;
/* The handler's clones: each child's pid and the SIGUSR2 count before and after its clone. */
static pid_t by_handler[KILLS + 1];
static int handler_before[KILLS + 1], handler_after[KILLS + 1];
static volatile sig_atomic_t handler_clones, handler_errors;

/* A child exits with the count of SIGUSR2 handler runs it saw. */
static long clone_counting(void) {
    long r = syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0);
    if (r == 0) {
        syscall(SYS_exit, usr2 & 0xFF);
    }
    return r;
}

static void on_usr2(int sig) {
    (void) sig;
    usr2++;
}

/* SIGUSR1's handler clones: a SIGUSR2 that came while it was being entered is pending at its clone. */
static void on_usr1_clone(int sig) {
    (void) sig;
    int i = handler_clones;
    if (i > KILLS) {
        return;
    }
    handler_before[i] = usr2;
    long r = clone_counting();
    handler_after[i] = usr2;
    by_handler[i] = r > 0 ? (pid_t) r : 0;
    handler_errors += r <= 0;
    handler_clones = i + 1;
}

/* Reaps pid (0: none), through EINTR; whether its status lies between lo and hi. */
static int reap_between(pid_t pid, int lo, int hi, int *reaped) {
    int status = 0;
    pid_t got;
    while ((got = waitpid(pid, &status, 0)) == -1 && errno == EINTR) {
    }
    if (pid == 0 || got != pid) {
        return 0;
    }
    ++*reaped;
    return WEXITSTATUS(status) >= lo && WEXITSTATUS(status) <= hi;
}

static void restart(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr1_clone;
    sigaction(SIGUSR1, &sa, NULL);
    sa.sa_handler = on_usr2;
    sigaction(SIGUSR2, &sa, NULL);
    pid_t parent = getpid();
    fflush(stdout);
    pid_t sender = fork();
    if (sender == 0) {
        for (int i = 0; i < KILLS; i++) {
            for (volatile int n = 0; n < SPIN; n++) {
            }
            kill(parent, SIGUSR1);
            kill(parent, SIGUSR2);
        }
        _exit(0);
    }
    static pid_t child[CLONES];
    static int before[CLONES], after[CLONES];
    int errors = 0;
    for (int i = 0; i < CLONES; i++) {
        before[i] = usr2;
        long r = clone_counting();
        after[i] = usr2;
        child[i] = r > 0 ? (pid_t) r : 0;
        errors += r <= 0;
    }
    while (waitpid(sender, NULL, 0) == -1 && errno == EINTR) {
    }
    sigset_t both = set_of(SIGUSR1, SIGUSR2);
    sigprocmask(SIG_BLOCK, &both, NULL); /* the sender is gone: nothing more comes */
    int reaped = 0, inside = 1;
    for (int i = 0; i < CLONES; i++) {
        inside &= reap_between(child[i], before[i], after[i], &reaped);
    }
    int by_handler_reaped = 0;
    for (int i = 0; i < handler_clones; i++) {
        inside &= reap_between(by_handler[i], handler_before[i], handler_after[i], &by_handler_reaped);
    }
    errno = 0;
    pid_t extra = waitpid(-1, NULL, WNOHANG);
    printf("%d clones while a sibling sends SIGUSR1 and SIGUSR2 %d times each, SIGUSR1's handler cloning too:"
           " clone errors %d, children reaped %d, the handler's clones all reaped %s, another child %s,"
           " each child saw a SIGUSR2 count between its parent's before and after its clone %s\n", CLONES, KILLS,
           errors + handler_errors, reaped, handler_clones > 0 && by_handler_reaped == handler_clones ? "yes" : "no",
           extra == -1 && errno == ECHILD ? "none" : "yes", inside ? "yes" : "no");
    sigprocmask(SIG_UNBLOCK, &both, NULL);
    signal(SIGUSR1, SIG_DFL);
    signal(SIGUSR2, SIG_DFL);
}

/* A child that sleeps 300 ms, sends SIGUSR2 to its parent, then (if also) SIGUSR1 300 ms later. */
static pid_t usr2_then(int also) {
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        sleep_ms(300);
        kill(getppid(), SIGUSR2);
        if (also) {
            sleep_ms(300);
            kill(getppid(), SIGUSR1);
        }
        _exit(0);
    }
    return pid;
}

static void eintr(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr2;
    sa.sa_flags = SA_RESTART;
    sigaction(SIGUSR2, &sa, NULL);
    sigset_t s = set_of(SIGUSR1, 0);
    sigprocmask(SIG_SETMASK, &s, NULL);
    siginfo_t si;
    pid_t child = usr2_then(0);
    usr2 = 0;
    errno = 0;
    long r = syscall(SYS_rt_sigtimedwait, &s, &si, NULL, _NSIG / 8);
    printf("raw rt_sigtimedwait({SIGUSR1}) for a child's SIGUSR2 (handled, SA_RESTART): %s, handler runs %d, mask %s\n",
           result((int) r, errno), (int) usr2, mask_is(SIGUSR1, 0));
    waitpid(child, NULL, 0);

    child = usr2_then(1);
    usr2 = 0;
    memset(&si, 0, sizeof si);
    errno = 0;
    int w = sigwaitinfo(&s, &si);
    printf("musl's sigwaitinfo({SIGUSR1}) for a child's SIGUSR2 then SIGUSR1: %s, si_pid the child %s, handler runs %d,"
           " mask %s\n", result(w, errno), si.si_pid == child ? "yes" : "no", (int) usr2, mask_is(SIGUSR1, 0));
    waitpid(child, NULL, 0);
    sigprocmask(SIG_UNBLOCK, &s, NULL);
    signal(SIGUSR2, SIG_DFL);
}

int main(int argc, char **argv) {
    const char *mode = argc > 1 ? argv[1] : "all";
    int all = strcmp(mode, "all") == 0;
    int known = all;
    if (all || strcmp(mode, "chld") == 0) {
        chld();
        known = 1;
    }
    if (all || strcmp(mode, "kill") == 0) {
        killed();
        known = 1;
    }
    if (all || strcmp(mode, "timed") == 0) {
        timed();
        known = 1;
    }
    if (all || strcmp(mode, "restart") == 0) {
        restart();
        known = 1;
    }
    if (strcmp(mode, "eintr") == 0) {
        eintr();
        known = 1;
    }
    if (!known) {
        printf("usage: fork_sigwait [all|chld|kill|timed|restart|eintr]\n");
        return 2;
    }
    return 0;
}
