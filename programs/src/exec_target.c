/* exec_target: the program fork_exec runs with execve. It prints its arguments, the one variable
 * of its environment that fork_exec sets (GREETING), which of the descriptors fork_exec left open
 * are still open (20: no FD_CLOEXEC; 21: dup3 O_CLOEXEC; 22: F_SETFD FD_CLOEXEC), what became of
 * the signal actions (SIGUSR1 had a handler: SIG_DFL now; SIGUSR2 was ignored: still ignored) and
 * of the mask (SIGTERM blocked before the exec: still blocked), then exits with 40 + argc. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

static const char *fd_state(int fd) {
    errno = 0;
    int flags = fcntl(fd, F_GETFD);
    return flags >= 0 ? (flags & FD_CLOEXEC ? "open, FD_CLOEXEC" : "open") : errno == EBADF ? "closed" : "?";
}

static const char *action(int sig) {
    struct sigaction sa;
    sigaction(sig, NULL, &sa);
    return sa.sa_handler == SIG_DFL ? "SIG_DFL" : sa.sa_handler == SIG_IGN ? "SIG_IGN" : "a handler";
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IONBF, 0);
    printf("exec_target: argc %d\n", argc);
    for (int i = 0; i < argc; i++) {
        printf("  argv[%d] = '%s'\n", i, argv[i]);
    }
    const char *greeting = getenv("GREETING");
    printf("  GREETING = %s\n", greeting ? greeting : "(unset)");
    printf("  fd 20: %s; fd 21: %s; fd 22: %s\n", fd_state(20), fd_state(21), fd_state(22));
    sigset_t mask;
    sigprocmask(SIG_BLOCK, NULL, &mask);
    printf("  SIGUSR1: %s; SIGUSR2: %s; SIGTERM %s\n", action(SIGUSR1), action(SIGUSR2),
           sigismember(&mask, SIGTERM) ? "blocked" : "not blocked");
    return 40 + argc;
}
