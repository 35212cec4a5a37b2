/* fork_alarm: a process's own timer expiring while it waits for a child. The parent sets an
 * alarm and waits for a child stuck in pause; the SIGALRM handler kills the child: without
 * SA_RESTART the wait ends with EINTR and a second wait reports the kill, with SA_RESTART the
 * wait is made again and reports it at once. Then a child whose alarm has the default action
 * dies of it while it waits for its own child (which its own alarm ends later). Last, a blocked
 * SIGALRM does not end the wait: the child's exit does, the signal pending until unblocked. Every step is
 * ordered by the timers and waits, so the output is the same whatever the interleaving. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile pid_t victim;
static volatile sig_atomic_t alarms;

static void on_alarm(int sig) {
    (void) sig;
    alarms++;
    kill(victim, SIGKILL);
}

static void on_count(int sig) {
    (void) sig;
    alarms++;
}

static pid_t pauser(void) {
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        for (;;) {
            pause();
        }
    }
    return pid;
}

static void describe(const char *what, pid_t got, pid_t pid, int status, int err) {
    if (got == pid && WIFSIGNALED(status)) {
        printf("%s: child killed by signal %d\n", what, WTERMSIG(status));
    } else if (got == pid) {
        printf("%s: child exited %d\n", what, WEXITSTATUS(status));
    } else {
        printf("%s: %s\n", what, err == EINTR ? "EINTR" : "failed");
    }
}

static void waits_through_alarm(int flags, const char *name) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;
    sa.sa_flags = flags;
    sigaction(SIGALRM, &sa, NULL);
    alarms = 0;
    victim = pauser();
    alarm(1);
    int status = 0;
    pid_t got = waitpid(victim, &status, 0);
    int err = errno;
    describe(name, got, victim, status, err);
    if (got != victim) {
        got = waitpid(victim, &status, 0);
        describe("  then", got, victim, status, 0);
    }
    printf("  alarms taken: %d\n", (int) alarms);
}

int main(void) {
    waits_through_alarm(0, "wait4 without SA_RESTART");
    waits_through_alarm(SA_RESTART, "wait4 with SA_RESTART");

    signal(SIGALRM, SIG_DFL);  /* the handler above would otherwise be the children's too */
    fflush(stdout);
    pid_t middle = fork();
    if (middle == 0) {
        pid_t grandchild = fork();
        if (grandchild == 0) {
            alarm(3);  /* the default action ends it, orphaned, after its parent */
            for (;;) {
                pause();
            }
        }
        alarm(1);
        int status;
        waitpid(grandchild, &status, 0);
        printf("not reached: the middle process's wait returned\n");
        return 1;
    }
    int status = 0;
    pid_t got = waitpid(middle, &status, 0);
    describe("a child's alarm with the default action", got, middle, status, errno);

    signal(SIGALRM, on_count);
    alarms = 0;
    sigset_t alrm, pending;
    sigemptyset(&alrm);
    sigaddset(&alrm, SIGALRM);
    sigprocmask(SIG_BLOCK, &alrm, NULL);
    fflush(stdout);
    pid_t sleeper = fork();
    if (sleeper == 0) {
        sleep(2);
        _exit(4);
    }
    alarm(1);
    got = waitpid(sleeper, &status, 0);
    describe("wait4 with SIGALRM blocked", got, sleeper, status, errno);
    sigpending(&pending);
    printf("  SIGALRM pending: %s, alarms taken: %d\n", sigismember(&pending, SIGALRM) ? "yes" : "no", (int) alarms);
    sigprocmask(SIG_UNBLOCK, &alrm, NULL);
    printf("  unblocked, alarms taken: %d\n", (int) alarms);
    return 0;
}
