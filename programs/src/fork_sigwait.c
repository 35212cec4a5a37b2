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
 *   all      (the default) each of them in turn.
 * A child acts after a sleep (300 ms, or 1 s in timed), the only steps ordered by time. No pid,
 * time or uid is printed. A signal outside the set with a handler, which ends the wait with EINTR
 * on Linux, is not here: qemu-user 7.2 makes the call again after the handler (ERESTARTSYS). */
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
    if (!known) {
        printf("usage: fork_sigwait [all|chld|kill|timed]\n");
        return 2;
    }
    return 0;
}
