/* fork_waitid: waitid's answers. EINVAL without WEXITED, WSTOPPED or WCONTINUED, for an unknown
 * option and for P_PID 0; ECHILD with no child; WNOHANG while the child sleeps (si_pid 0); WNOWAIT
 * reports the child and leaves it for wait; P_PID and P_PGID 0 (the caller's group) with
 * CLD_EXITED and the exit code; a child killed by a fault as CLD_KILLED with SIGSEGV. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *err(int e) {
    return e == ECHILD ? "ECHILD" : e == EINVAL ? "EINVAL" : e == EFAULT ? "EFAULT" : e == 0 ? "none" : "other";
}

static const char *code(int c) {
    return c == CLD_EXITED ? "CLD_EXITED" : c == CLD_KILLED ? "CLD_KILLED" : c == CLD_DUMPED ? "CLD_DUMPED" : "other";
}

int main(void) {
    siginfo_t si;
    errno = 0;
    printf("no child: %d %s\n", waitid(P_ALL, 0, &si, WEXITED), err(errno));
    errno = 0;
    printf("no event asked: %d %s\n", waitid(P_ALL, 0, &si, WNOHANG), err(errno));
    errno = 0;
    printf("unknown option: %d %s\n", waitid(P_ALL, 0, &si, WEXITED | 0x1000), err(errno));
    errno = 0;
    printf("P_PID 0: %d %s\n", waitid(P_PID, 0, &si, WEXITED), err(errno));
    fflush(stdout);

    pid_t pid = fork();
    if (pid == 0) {
        sleep(1);
        exit(9);
    }
    memset(&si, 0x55, sizeof si);
    int r = waitid(P_PID, pid, &si, WEXITED | WNOHANG);
    printf("WNOHANG while it sleeps: %d, si_pid %d, si_signo %d\n", r, (int) si.si_pid, si.si_signo);
    r = waitid(P_PID, pid, &si, WEXITED | WNOWAIT);
    printf("WNOWAIT: %d, the child %s, %s, status %d\n", r, si.si_pid == pid ? "yes" : "no", code(si.si_code),
           si.si_status);
    r = waitid(P_PGID, 0, &si, WEXITED);
    printf("then P_PGID 0 reaps it: %d, the child %s, signo %s, %s, status %d\n", r, si.si_pid == pid ? "yes" : "no",
           si.si_signo == SIGCHLD ? "SIGCHLD" : "other", code(si.si_code), si.si_status);
    errno = 0;
    printf("and then: %d %s\n", waitid(P_ALL, 0, &si, WEXITED), err(errno));
    fflush(stdout);

    pid = fork();
    if (pid == 0) {
        *(volatile int *) 8 = 1;
        exit(0);
    }
    r = waitid(P_ALL, 0, &si, WEXITED);
    printf("faulting child: %d, %s, signal %d\n", r, si.si_code == CLD_KILLED || si.si_code == CLD_DUMPED
           ? "killed" : "other", si.si_status);
    return 0;
}
