/* student_exit: atexit handlers, exit statuses and abnormal ends, chosen by argv[1]:
 *   (none) return 0 from main        exit N   exit(N) after atexit handlers run
 *   ret N  return N from main        _exit N  _Exit(N): no handlers, no stdio flush of "unflushed"
 *   abort  abort()                   raise    raise(SIGABRT)
 *   kill   kill(getpid(), SIGTERM)   signal   signal(SIGINT, handler) then raise(SIGINT)
 *   mask   SIGTERM ignored, SIGCHLD harmless, SIGUSR1 blocked, pending, then unblocked (dies) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <unistd.h>
#include <errno.h>

static void first(void) { printf("atexit: first registered, runs last\n"); }
static void second(void) { printf("atexit: second registered, runs first\n"); }
static volatile sig_atomic_t got;
static void on_sigint(int sig) { got = sig; }

int main(int argc, char **argv) {
    atexit(first);
    atexit(second);
    const char *what = argc > 1 ? argv[1] : "";
    int n = argc > 2 ? atoi(argv[2]) : 0;
    printf("mode '%s' %d\n", what, n);
    if (strcmp(what, "exit") == 0) exit(n);
    if (strcmp(what, "ret") == 0) return n;
    if (strcmp(what, "_exit") == 0) { printf("unflushed"); _Exit(n); }
    fflush(stdout);
    if (strcmp(what, "abort") == 0) { abort(); }
    if (strcmp(what, "raise") == 0) { int r = raise(SIGABRT); printf("raise returned %d\n", r); return 3; }
    if (strcmp(what, "kill") == 0) { int r = kill(getpid(), SIGTERM); printf("kill returned %d errno %d\n", r, errno); return 3; }
    if (strcmp(what, "mask") == 0) {
        signal(SIGTERM, SIG_IGN);
        raise(SIGTERM);
        printf("SIGTERM ignored\n");
        printf("kill(getpid(), SIGCHLD) = %d\n", kill(getpid(), SIGCHLD));
        sigset_t usr1, pending;
        sigemptyset(&usr1);
        sigaddset(&usr1, SIGUSR1);
        sigprocmask(SIG_BLOCK, &usr1, NULL);
        raise(SIGUSR1);
        sigpending(&pending);
        printf("SIGUSR1 blocked, pending: %d\n", sigismember(&pending, SIGUSR1));
        fflush(stdout);
        sigprocmask(SIG_UNBLOCK, &usr1, NULL);
        printf("still alive after unblocking SIGUSR1\n");
        return 3;
    }
    if (strcmp(what, "signal") == 0) {
        void (*old)(int) = signal(SIGINT, on_sigint);
        if (old == SIG_ERR) { printf("signal failed: %s\n", strerror(errno)); return 4; }
        raise(SIGINT);
        printf("handler got signal %d\n", got);
        return 0;
    }
    return 0;
}
