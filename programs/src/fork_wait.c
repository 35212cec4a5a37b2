/* fork_wait: wait4's answers. WNOHANG while the child runs (it sleeps a second first), getppid,
 * ECHILD with no child and for a pid that is not a child, EINVAL for an unknown option, EFAULT for
 * a status pointer that is not memory (the child is reaped all the same), a child killed by a
 * fault seen as SIGSEGV, a SIGCHLD handler, sigsuspend ended by a child's SIGCHLD, and SIG_IGN on
 * SIGCHLD, which reaps children at once. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t chld;

static void on_chld(int sig) {
    (void) sig;
    chld++;
}

static const char *err(int e) {
    return e == ECHILD ? "ECHILD" : e == EINVAL ? "EINVAL" : e == EFAULT ? "EFAULT" : "other";
}

int main(void) {
    int status;
    pid_t me = getpid();
    errno = 0;
    printf("wait with no child: %d %s\n", (int) waitpid(-1, &status, 0), err(errno));
    fflush(stdout);

    pid_t pid = fork();
    if (pid == 0) {
        sleep(1);
        printf("child: my parent is the parent: %s\n", getppid() == me ? "yes" : "no");
        exit(42);
    }
    printf("WNOHANG while the child sleeps: %d\n", (int) waitpid(pid, &status, WNOHANG));
    errno = 0;
    printf("wait for a pid that is not a child: %d %s\n", (int) waitpid(me, &status, 0), err(errno));
    errno = 0;
    printf("wait with an unknown option: %d %s\n", (int) waitpid(-1, &status, 0x1000), err(errno));
    struct rusage ru;
    pid_t waited = wait4(-1, &status, 0, &ru);
    printf("wait4(-1): the child %s, exited %s with %d\n", waited == pid ? "yes" : "no",
           WIFEXITED(status) ? "yes" : "no", WEXITSTATUS(status));
    errno = 0;
    printf("and then: %d %s\n", (int) waitpid(-1, &status, WNOHANG), err(errno));
    fflush(stdout);

    pid = fork();
    if (pid == 0) {
        *(volatile int *) 8 = 1;
        exit(0);
    }
    waitpid(pid, &status, 0);
    printf("faulting child: signalled %s, signal %d, exited %s\n", WIFSIGNALED(status) ? "yes" : "no",
           WTERMSIG(status), WIFEXITED(status) ? "yes" : "no");
    fflush(stdout);

    pid = fork();
    if (pid == 0) {
        exit(5);
    }
    errno = 0;
    long r = syscall(SYS_wait4, pid, (int *) 8, 0, 0);
    printf("status pointer not memory: %ld %s\n", r, err(errno));
    errno = 0;
    printf("the child was reaped all the same: %d %s\n", (int) waitpid(pid, &status, 0), err(errno));
    fflush(stdout);

    signal(SIGCHLD, on_chld);
    pid = fork();
    if (pid == 0) {
        exit(1);
    }
    waitpid(pid, &status, 0);
    getpid();
    printf("SIGCHLD handler ran: %d\n", (int) chld);
    fflush(stdout);

    /* sigsuspend until a child's SIGCHLD: blocked before the fork, so it cannot be missed */
    sigset_t block, none;
    sigemptyset(&block);
    sigaddset(&block, SIGCHLD);
    sigemptyset(&none);
    sigprocmask(SIG_BLOCK, &block, 0);
    chld = 0;
    pid = fork();
    if (pid == 0) {
        exit(4);
    }
    errno = 0;
    int r2 = sigsuspend(&none);
    printf("sigsuspend until SIGCHLD: %d %s, handler ran %d\n", r2, errno == EINTR ? "EINTR" : "other", (int) chld);
    sigprocmask(SIG_UNBLOCK, &block, 0);
    waitpid(pid, &status, 0);
    printf("then reaped: exit status %d\n", WEXITSTATUS(status));
    fflush(stdout);

    signal(SIGCHLD, SIG_IGN);
    pid = fork();
    if (pid == 0) {
        exit(2);
    }
    errno = 0;
    printf("with SIGCHLD ignored, wait finds no child: %d %s\n", (int) waitpid(-1, &status, 0), err(errno));
    return 0;
}
