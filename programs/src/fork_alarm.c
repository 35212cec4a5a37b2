/* fork_alarm: a process's own timer expiring while it waits for a child. The parent sets an
 * alarm and waits for a child stuck in pause; the SIGALRM handler kills the child: without
 * SA_RESTART the wait ends with EINTR and a second wait reports the kill, with SA_RESTART the
 * wait is made again and reports it at once. Then a child whose alarm has the default action
 * dies of it while it waits for its own child, which its own later alarm ends: the grandchild holds
 * a pipe's write end, so the parent's read sees it still open once the middle process is reaped
 * (EAGAIN, non-blocking) and end of file only when the grandchild dies. A blocked SIGALRM does
 * not end the wait: the child's exit does, the signal pending until unblocked. pause and
 * sigsuspend with a 2 s alarm armed end for a child's SIGUSR1 sent first (the alarm not taken,
 * 2 s left). Last, a child's own alarm ends its read of an empty pipe and its poll of it while
 * its parent waits: EINTR without SA_RESTART; with it, the read is made again after the handler,
 * which wrote the byte it then reads. Every step is
 * ordered by the timers and waits, so the output is the same whatever the interleaving. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
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

static volatile sig_atomic_t usr1s;
static int own_pipe[2];

static void on_usr1(int sig) {
    (void) sig;
    usr1s++;
}

static void on_write(int sig) {
    (void) sig;
    alarms++;
    write(own_pipe[1], "x", 1);
}

/* A child that signals its parent after a few calls of its own, well before a 2 s alarm. */
static pid_t usr1_sender(void) {
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        for (int i = 0; i < 20; i++) {
            getppid();
        }
        kill(getppid(), SIGUSR1);
        _exit(0);
    }
    return pid;
}

static void signal_before_alarm(void) {
    signal(SIGUSR1, on_usr1);
    signal(SIGALRM, on_count);
    alarms = usr1s = 0;
    pid_t child = usr1_sender();
    alarm(2);
    int r = pause();
    int err = errno;
    unsigned left = alarm(0);
    printf("pause: %d %s, usr1 %d alrm %d, alarm left %u\n", r, err == EINTR ? "EINTR" : "?", (int) usr1s,
           (int) alarms, left);
    waitpid(child, NULL, 0);

    sigset_t usr1, empty;
    sigemptyset(&usr1);
    sigaddset(&usr1, SIGUSR1);
    sigprocmask(SIG_BLOCK, &usr1, NULL);
    alarms = usr1s = 0;
    child = usr1_sender();
    alarm(2);
    sigemptyset(&empty);
    r = sigsuspend(&empty);
    err = errno;
    left = alarm(0);
    printf("sigsuspend: %d %s, usr1 %d alrm %d, alarm left %u\n", r, err == EINTR ? "EINTR" : "?",
           (int) usr1s, (int) alarms, left);
    waitpid(child, NULL, 0);
    sigprocmask(SIG_UNBLOCK, &usr1, NULL);
}

/* Run in a child while its parent waits: its own alarm ends reads and a poll of its own empty pipe. */
static void pipe_waits_end_by_alarm(void) {
    pipe(own_pipe);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_write;
    sigaction(SIGALRM, &sa, NULL);
    char byte = 0;
    alarms = 0;
    alarm(1);
    ssize_t n = read(own_pipe[0], &byte, 1);
    printf("a read of an empty pipe, alarm without SA_RESTART: %zd %s, alarms taken %d\n", n,
           n < 0 && errno == EINTR ? "EINTR" : "?", (int) alarms);
    read(own_pipe[0], &byte, 1);  /* the byte the handler wrote */

    struct pollfd in = {own_pipe[0], POLLIN, 0};
    alarm(1);
    int r = poll(&in, 1, 5000);
    printf("  a poll of it: %d %s, alarms taken %d\n", r, r < 0 && errno == EINTR ? "EINTR" : "?", (int) alarms);
    read(own_pipe[0], &byte, 1);

    sa.sa_flags = SA_RESTART;
    sigaction(SIGALRM, &sa, NULL);
    byte = 0;
    alarm(1);
    n = read(own_pipe[0], &byte, 1);
    printf("  with SA_RESTART: read %zd byte '%c' after the handler, alarms taken %d\n", n, byte, (int) alarms);
    fflush(stdout);
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
    int alive[2];
    if (pipe2(alive, O_NONBLOCK) != 0) {
        printf("pipe2 failed: %s\n", strerror(errno));
        return 1;
    }
    fflush(stdout);
    pid_t middle = fork();
    if (middle == 0) {
        close(alive[0]);
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
    close(alive[1]);
    int status = 0;
    pid_t got = waitpid(middle, &status, 0);
    describe("a child's alarm with the default action", got, middle, status, errno);
    char byte;
    ssize_t n = read(alive[0], &byte, 1);
    printf("  its child still there then: %s\n", n < 0 && errno == EAGAIN ? "yes" : "no");
    fcntl(alive[0], F_SETFL, 0);
    n = read(alive[0], &byte, 1);
    printf("  then its own alarm ended it: %s\n", n == 0 ? "end of file" : "?");
    close(alive[0]);

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

    signal_before_alarm();

    signal(SIGALRM, SIG_DFL);
    fflush(stdout);
    pid_t reader = fork();
    if (reader == 0) {
        pipe_waits_end_by_alarm();
        _exit(0);
    }
    got = waitpid(reader, &status, 0);
    describe("the pipe reader", got, reader, status, errno);
    return 0;
}
