/* fork_kill: kill of another process. A parent kills a child blocked in pause with SIGTERM and
 * one with SIGKILL, wait4 reporting each as killed by its signal; a child whose SIGUSR1 handler
 * exits 5; a child ignoring SIGTERM, then killed by SIGKILL; a child in sigsuspend woken by
 * SIGUSR2, its handler run and sigsuspend ended with EINTR; the child's siginfo naming the
 * sender. kill with signal 0 probes a child, and a zombie (still there for kill), ESRCH once it
 * is reaped, EINVAL for a bad signal to a live child, ESRCH for no such process. Every step is
 * ordered by waits and signals, so the output is the same whatever the interleaving. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t ready;
static volatile sig_atomic_t woken;
static volatile pid_t sender;

static void on_usr1_exit(int sig) {
    (void) sig;
    _exit(5);
}

static void on_ready(int sig) {
    (void) sig;
    ready = 1;
}

static void on_usr2(int sig, siginfo_t *info, void *context) {
    (void) sig;
    (void) context;
    woken = 1;
    sender = info->si_pid;
}

static const char *err(int e) {
    return e == 0 ? "ok" : e == ESRCH ? "ESRCH" : e == EINVAL ? "EINVAL" : e == EINTR ? "EINTR" : "other";
}

static void report(const char *what, pid_t pid) {
    int status;
    pid_t got = waitpid(pid, &status, 0);
    if (got != pid) {
        printf("%s: wait failed (%s)\n", what, err(errno));
    } else if (WIFSIGNALED(status)) {
        printf("%s: killed by signal %d\n", what, WTERMSIG(status));
    } else {
        printf("%s: exited %d\n", what, WEXITSTATUS(status));
    }
    fflush(stdout);
}

static pid_t pauser(void) {
    pid_t pid = fork();
    if (pid == 0) {
        for (;;) {
            pause();
        }
    }
    return pid;
}

int main(void) {
    pid_t term = pauser();
    errno = 0;
    int r = kill(term, 0);
    printf("kill(child, 0): %d %s\n", r, err(errno));
    errno = 0;
    r = kill(term, 65);
    printf("kill(child, 65): %d %s\n", r, err(errno));
    kill(term, SIGTERM);
    report("child in pause, SIGTERM", term);

    pid_t killed = pauser();
    kill(killed, SIGKILL);
    report("child in pause, SIGKILL", killed);

    signal(SIGUSR1, on_usr1_exit); /* inherited: the handler runs whenever the signal lands */
    pid_t handled = pauser();
    signal(SIGUSR1, SIG_DFL);
    kill(handled, SIGUSR1);
    report("child with a SIGUSR1 handler", handled);

    signal(SIGTERM, SIG_IGN);
    pid_t ignoring = pauser();
    signal(SIGTERM, SIG_DFL);
    kill(ignoring, SIGTERM);
    errno = 0;
    r = kill(ignoring, 0);
    printf("child ignoring SIGTERM, after it: kill(child, 0) %d %s\n", r, err(errno));
    kill(ignoring, SIGKILL);
    report("child ignoring SIGTERM, then SIGKILL", ignoring);

    /* the child tells its parent it is about to wait (SIGUSR1), with SIGUSR2 blocked until
     * sigsuspend opens it: the parent's SIGUSR2 can only land inside sigsuspend */
    sigset_t usr, old;
    sigemptyset(&usr);
    sigaddset(&usr, SIGUSR1);
    sigaddset(&usr, SIGUSR2);
    sigprocmask(SIG_BLOCK, &usr, &old);
    signal(SIGUSR1, on_ready);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_usr2;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGUSR2, &sa, 0);
    pid_t me = getpid();
    pid_t waiter = fork();
    if (waiter == 0) {
        kill(getppid(), SIGUSR1);
        sigset_t open;
        sigemptyset(&open);
        errno = 0;
        int s = sigsuspend(&open);
        int e = errno;
        _exit(s == -1 && e == EINTR && woken && sender == me ? 7 : 1);
    }
    sigset_t open;
    sigemptyset(&open);
    while (!ready) {
        sigsuspend(&open);
    }
    sigprocmask(SIG_SETMASK, &old, 0);
    kill(waiter, SIGUSR2);
    report("child in sigsuspend, SIGUSR2 (EINTR, handler, sender's pid)", waiter);

    pid_t zombie = fork();
    if (zombie == 0) {
        _exit(3);
    }
    siginfo_t info;
    waitid(P_PID, zombie, &info, WEXITED | WNOWAIT);
    errno = 0;
    r = kill(zombie, SIGTERM);
    printf("kill(zombie, SIGTERM): %d %s\n", r, err(errno));
    report("the zombie", zombie);
    errno = 0;
    r = kill(zombie, 0);
    printf("kill(reaped child, 0): %d %s\n", r, err(errno));
    errno = 0;
    r = kill(zombie, 65);
    printf("kill(reaped child, 65): %d %s\n", r, err(errno));
    return 0;
}
