/* student_sighandler: what a student tries to catch a crash with. signal(SIGSEGV, handler) and
 * sigaction(SIGFPE) with SA_SIGINFO, then a NULL dereference; under Linux the handler runs and
 * siglongjmps back. The program reports each call's result, so that a system that refuses
 * handlers (as SOS does, with ENOSYS) says so before the fault kills it. */
#include <stdio.h>
#include <signal.h>
#include <setjmp.h>
#include <string.h>
#include <errno.h>
#include <unistd.h>

static sigjmp_buf back;
static volatile sig_atomic_t caught;

static void on_segv(int sig) { caught = sig; siglongjmp(back, 1); }
static void on_fpe(int sig, siginfo_t *info, void *ctx) { (void)info; (void)ctx; caught = sig; }

int main(void) {
    void (*old)(int) = signal(SIGSEGV, on_segv);
    if (old == SIG_ERR) printf("signal(SIGSEGV) failed: %s\n", strerror(errno));
    else printf("signal(SIGSEGV) installed\n");

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_fpe;
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGFPE, &sa, NULL) != 0) printf("sigaction(SIGFPE) failed: %s\n", strerror(errno));
    else printf("sigaction(SIGFPE) installed\n");

    struct sigaction cur;
    sigaction(SIGSEGV, NULL, &cur);
    printf("SIGSEGV disposition now: %s\n", cur.sa_handler == SIG_DFL ? "SIG_DFL" : cur.sa_handler == SIG_IGN ? "SIG_IGN" : "a handler");

    if (sigsetjmp(back, 1) == 0) {
        printf("dereferencing NULL\n");
        fflush(stdout);
        volatile int *p = NULL;
        *p = 1;
        printf("NULL write did not fault\n");
        return 2;
    }
    printf("caught signal %d, back in main\n", caught);
    return 0;
}
