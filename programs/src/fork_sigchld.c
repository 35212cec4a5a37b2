/* fork_sigchld [MODE]: a child's SIGCHLD, and another process's signal, reaching a parent blocked in
 * waitpid or waitid for a different child, and what a SIGCHLD's siginfo says.
 *   eintr    the parent waits for child A (blocked reading a pipe the parent holds) while child B
 *            exits; its SIGCHLD handler, without SA_RESTART, runs and waitpid ends with EINTR;
 *            the parent then reaps B and, once it lets A go, A.
 *   restart  the same with SA_RESTART: the handler lets A go and waitpid, made again, reaps A.
 *   ignored  SIGCHLD's default action (ignore): B's exit does not end the wait for A, which ends
 *            when B's exit closes the last write end of A's pipe.
 *   kill     B sends SIGUSR1 to the parent blocked in waitid for A: EINTR without SA_RESTART;
 *            with SA_RESTART the waitid is made again and reports A.
 *   siginfo  an SA_SIGINFO handler's si_signo, si_code, si_status and si_pid (the pid fork
 *            returned?) for a child that exits 42; sigwaitinfo taking a blocked SIGCHLD, pending
 *            once waitid with WNOWAIT has seen the child end.
 *   killed   a child that kills itself with SIGTERM: CLD_KILLED, si_status 15.
 *   running  a child's SIGCHLD reaching a parent that makes no system call: it spins until its
 *            handler has run; then the handler lets child A go while the parent spins (B's exit
 *            sends it), and waitpid for A, made after, reaps A.
 *   all      (the default) each of them in turn.
 * B is made to end after the parent blocks by a 300 ms sleep, the only step ordered by time; the
 * others by pipes and waits. No pid, time or uid is printed. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t handled;
static int gate[2];
static volatile int release_from_handler;

static struct {
    int signo, code, status, pid;
} seen[4];

static void on_chld(int sig) {
    (void) sig;
    handled++;
    if (release_from_handler) {
        release_from_handler = 0; /* once: A's own exit finds its pipe without a reader */
        write(gate[1], "x", 1);
    }
}

static void on_chld_info(int sig, siginfo_t *info, void *context) {
    (void) sig;
    (void) context;
    if (handled < 4) {
        seen[handled].signo = info->si_signo;
        seen[handled].code = info->si_code;
        seen[handled].status = info->si_status;
        seen[handled].pid = info->si_pid;
    }
    handled++;
}

static void on_usr1(int sig) {
    (void) sig;
    handled++;
}

static const char *err(int e) {
    return e == EINTR ? "EINTR" : e == ECHILD ? "ECHILD" : e == 0 ? "none" : "other";
}

static const char *code(int c) {
    return c == CLD_EXITED ? "CLD_EXITED" : c == CLD_KILLED ? "CLD_KILLED" : c == CLD_DUMPED ? "CLD_DUMPED" : "other";
}

static void handle(int sig, void (*fn)(int), int flags) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = fn;
    sa.sa_flags = flags;
    sigaction(sig, &sa, NULL);
}

static void sleep_ms(long ms) {
    struct timespec t = {ms / 1000, ms % 1000 * 1000000L};
    while (nanosleep(&t, &t) != 0 && errno == EINTR) {
    }
}

/* Child A: reads one byte of the gate (or its end of file) and exits 7. */
static pid_t child_a(void) {
    pipe(gate);
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        char byte;
        close(gate[1]);
        read(gate[0], &byte, 1);
        _exit(7);
    }
    close(gate[0]);
    return pid;
}

/* Child B: waits until the parent is blocked, optionally signals it, and exits 5. */
static pid_t child_b(int signal_parent) {
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        sleep_ms(300);
        if (signal_parent) {
            kill(getppid(), SIGUSR1);
        }
        _exit(5);
    }
    return pid;
}

static void describe(const char *what, pid_t got, pid_t pid, int status) {
    if (got == pid && WIFEXITED(status)) {
        printf("%s: the child, exited %d\n", what, WEXITSTATUS(status));
    } else {
        printf("%s: %d %s\n", what, (int) got, err(errno));
    }
}

static void waits(int restart) {
    handle(SIGCHLD, on_chld, restart ? SA_RESTART : 0);
    handled = 0;
    release_from_handler = restart;
    pid_t a = child_a();
    pid_t b = child_b(0);
    int status = 0;
    errno = 0;
    pid_t got = waitpid(a, &status, 0);
    int err_then = errno;
    int handled_then = handled;
    if (restart) {
        describe("waitpid(A) while B exits, SA_RESTART", got, a, status);
    } else {
        printf("waitpid(A) while B exits, no SA_RESTART: %d %s, handler ran %d\n", (int) got, err(err_then),
               handled_then);
        got = waitpid(b, &status, 0);
        describe("  then waitpid(B)", got, b, status);
        write(gate[1], "x", 1);
        got = waitpid(a, &status, 0);
        describe("  then waitpid(A)", got, a, status);
    }
    if (restart) {
        got = waitpid(b, &status, 0);
        describe("  then waitpid(B)", got, b, status);
    }
    close(gate[1]);
    got = waitpid(-1, NULL, 0);
    printf("  handler ran %d times; waitpid(-1): %d %s\n", (int) handled, (int) got, err(errno));
}

static void ignored(void) {
    handle(SIGCHLD, SIG_DFL, 0);
    pid_t a = child_a();
    pid_t b = child_b(0); /* holds the gate's write end: A reads end of file once B exits */
    close(gate[1]);
    int status = 0;
    pid_t got = waitpid(a, &status, 0);
    describe("waitpid(A) while B exits, SIGCHLD ignored", got, a, status);
    got = waitpid(b, &status, 0);
    describe("  then waitpid(B)", got, b, status);
}

static void killed_wait(int restart) {
    handle(SIGUSR1, on_usr1, restart ? SA_RESTART : 0);
    handle(SIGCHLD, SIG_DFL, 0);
    handled = 0;
    pid_t a = child_a();
    pid_t b = child_b(1);
    siginfo_t si;
    memset(&si, 0, sizeof si);
    errno = 0;
    if (restart) {
        /* A is let go by B's exit: B holds the gate's write end */
        close(gate[1]);
        int r = waitid(P_PID, a, &si, WEXITED);
        printf("waitid(A) with SA_RESTART, B's SIGUSR1: %d, %s, status %d, the child %s, handler ran %d\n", r,
               code(si.si_code), si.si_status, si.si_pid == a ? "yes" : "no", (int) handled);
        waitpid(b, NULL, 0);
        return;
    }
    int r = waitid(P_PID, a, &si, WEXITED);
    printf("waitid(A) without SA_RESTART, B's SIGUSR1: %d %s, handler ran %d\n", r, err(errno), (int) handled);
    int status = 0;
    pid_t got = waitpid(b, &status, 0);
    describe("  then waitpid(B)", got, b, status);
    close(gate[1]);
    r = waitid(P_PID, a, &si, WEXITED);
    printf("  then waitid(A): %d, %s, status %d, the child %s\n", r, code(si.si_code), si.si_status,
           si.si_pid == a ? "yes" : "no");
}

static void print_seen(const char *what, int i, pid_t pid) {
    printf("%s: si_signo %s, si_code %s, si_status %d, si_pid the child %s\n", what,
           seen[i].signo == SIGCHLD ? "SIGCHLD" : "other", code(seen[i].code), seen[i].status,
           seen[i].pid == pid ? "yes" : "no");
}

static void with_siginfo(int kill_self) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_chld_info;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGCHLD, &sa, NULL);
    handled = 0;
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        if (kill_self) {
            kill(getpid(), SIGTERM);
        }
        _exit(42);
    }
    int status = 0;
    pid_t got = waitpid(pid, &status, 0);
    printf("waitpid: the child %s, handler ran %d\n", got == pid ? "yes" : "no", (int) handled);
    print_seen(kill_self ? "a child killed by SIGTERM" : "a child exiting 42", 0, pid);
    if (kill_self) {
        return;
    }

    sigset_t chld;
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    sigprocmask(SIG_BLOCK, &chld, NULL);
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        _exit(3);
    }
    siginfo_t si;
    /* the child is a zombie, its SIGCHLD pending, before sigwaitinfo looks (WNOWAIT leaves it) */
    waitid(P_PID, pid, &si, WEXITED | WNOWAIT);
    memset(&si, 0, sizeof si);
    int r = sigwaitinfo(&chld, &si);
    printf("sigwaitinfo: %s, si_code %s, si_status %d, si_pid the child %s, handler ran %d\n",
           r == SIGCHLD ? "SIGCHLD" : "other", code(si.si_code), si.si_status, si.si_pid == pid ? "yes" : "no",
           (int) handled);
    got = waitpid(pid, &status, 0);
    printf("  then waitpid: the child %s, exited %d\n", got == pid ? "yes" : "no", WEXITSTATUS(status));
    sigprocmask(SIG_UNBLOCK, &chld, NULL);
}

/* Spins, making no system call, until a handler has run (or, should none ever run, for long). */
static int spin_until_handled(void) {
    for (volatile long n = 0; n < 2000000000L; n++) {
        if (handled) {
            return 1;
        }
    }
    return 0;
}

static void running(void) {
    handle(SIGCHLD, on_chld, 0);
    handled = 0;
    release_from_handler = 0;
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        _exit(3);
    }
    int ran = spin_until_handled();
    printf("a child's exit while the parent spins: handler %s\n", ran ? "ran" : "never ran");
    int status = 0;
    pid_t got = waitpid(pid, &status, 0);
    describe("  then waitpid", got, pid, status);

    handled = 0;
    release_from_handler = 1;
    pid_t a = child_a();
    fflush(stdout);
    pid_t b = fork();
    if (b == 0) {
        _exit(5);
    }
    ran = spin_until_handled();
    got = waitpid(a, &status, 0);
    printf("B's exit while the parent spins: handler %s; ", ran ? "ran" : "never ran");
    describe("waitpid(A)", got, a, status);
    got = waitpid(b, &status, 0);
    describe("  then waitpid(B)", got, b, status);
    close(gate[1]);
}

int main(int argc, char **argv) {
    const char *mode = argc > 1 ? argv[1] : "all";
    if (strcmp(mode, "all") == 0) {
        waits(0);
        waits(1);
        ignored();
        killed_wait(0);
        killed_wait(1);
        with_siginfo(0);
        with_siginfo(1);
        running();
    } else if (strcmp(mode, "eintr") == 0) {
        waits(0);
    } else if (strcmp(mode, "restart") == 0) {
        waits(1);
    } else if (strcmp(mode, "ignored") == 0) {
        ignored();
    } else if (strcmp(mode, "kill") == 0) {
        killed_wait(0);
        killed_wait(1);
    } else if (strcmp(mode, "siginfo") == 0) {
        with_siginfo(0);
    } else if (strcmp(mode, "killed") == 0) {
        with_siginfo(1);
    } else if (strcmp(mode, "running") == 0) {
        running();
    } else {
        printf("usage: fork_sigchld [all|eintr|restart|ignored|kill|siginfo|killed|running]\n");
        return 2;
    }
    return 0;
}
