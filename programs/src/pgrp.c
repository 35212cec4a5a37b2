/* pgrp: process groups and sessions as a small shell uses them. The program starts as a shell
 * without job control starts it: in its parent's group and session, leading neither. setpgid's
 * EINVAL, ESRCH and EPERM; a two-process job put in a group of its own by both parent and child
 * (the shell's way, whichever runs first), no longer found by wait4(0), signalled with
 * kill(-pgid) and reaped with waitpid(-pgid) until ECHILD, its group gone (ESRCH); a child that
 * calls setsid (its own session and group; setsid again and setpgid refused, EPERM for its
 * parent's setpgid), whose child joins a group of its own and then may not setsid; a child the
 * parent groups and that then execs this program again ("exec" mode): the group stays, and the
 * parent's setpgid is EACCES; a zombie moved into a group of its own and reaped through it; the
 * first process's setsid; then, as a session leader, a zombie whose session and group differ, and a
 * wait for a group that empties with no child of it ending (leader()). Pids differ between runs
 * and systems, so only how they compare is printed; every step but leader()'s is ordered by pipes
 * and waits. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define NO_SUCH_PID 0x7ffffff0

static const char *err(int r) {
    if (r >= 0) {
        return "ok";
    }
    return errno == EINVAL ? "EINVAL" : errno == ESRCH ? "ESRCH" : errno == EPERM ? "EPERM"
            : errno == EACCES ? "EACCES" : errno == ECHILD ? "ECHILD"
            : errno == EINTR ? "EINTR" : "other";
}

static const char *yes(int b) {
    return b ? "yes" : "no";
}

static void put(int fd) {
    if (write(fd, "x", 1) != 1) {
        _exit(90);
    }
}

static void take(int fd) {
    char c;
    if (read(fd, &c, 1) != 1) {
        _exit(91);
    }
}

/* The exec'd child: its group kept across execve; it tells the parent, waits for its word, exits 9. */
static int after_exec(int up, int down) {
    printf("exec'd child: pgid is its pid %s, session its parent's %s\n", yes(getpgid(0) == getpid()),
           yes(getsid(0) == getsid(getppid())));
    fflush(stdout);
    put(up);
    take(down);
    return 9;
}

static void job(void) {
    int ready[2];
    if (pipe(ready) != 0) {
        exit(80);
    }
    fflush(stdout);
    pid_t a = fork();
    if (a == 0) {
        setpgid(0, 0);
        put(ready[1]);
        for (;;) {
            pause();
        }
    }
    int r = setpgid(a, a);
    printf("job: parent's setpgid(a, a): %s\n", err(r));
    fflush(stdout);
    pid_t b = fork();
    if (b == 0) {
        setpgid(0, a);
        put(ready[1]);
        for (;;) {
            pause();
        }
    }
    r = setpgid(b, a);
    printf("job: parent's setpgid(b, a): %s\n", err(r));
    take(ready[0]);
    take(ready[0]);
    printf("job: a leads its group %s, b in it %s, same session as the parent %s, the parent not in it %s\n",
           yes(getpgid(a) == a), yes(getpgid(b) == a), yes(getsid(a) == getsid(0) && getsid(b) == getsid(0)),
           yes(getpgid(0) != a));
    errno = 0;
    r = waitpid(0, NULL, WNOHANG);
    printf("job: waitpid(0, WNOHANG) with both children moved away: %d %s\n", r, err(r));
    r = waitpid(-a, NULL, WNOHANG);
    printf("job: waitpid(-a, WNOHANG) while they run: %d\n", r);
    r = kill(-a, 0);
    printf("job: kill(-a, 0): %s\n", err(r));
    r = kill(-a, 65);
    printf("job: kill(-a, 65): %s\n", err(r));
    r = kill(-a, SIGTERM);
    printf("job: kill(-a, SIGTERM): %s\n", err(r));
    int seen_a = 0, seen_b = 0;
    for (int i = 0; i < 2; i++) {
        int status;
        pid_t got = waitpid(-a, &status, 0);
        seen_a += got == a;
        seen_b += got == b;
        if (got > 0 && WIFSIGNALED(status)) {
            printf("job: waitpid(-a) reaped a member killed by %d\n", WTERMSIG(status));
        } else {
            printf("job: waitpid(-a): %d %s\n", got, err(got));
        }
    }
    printf("job: reaped a %d and b %d\n", seen_a, seen_b);
    errno = 0;
    r = waitpid(-a, NULL, 0);
    printf("job: waitpid(-a) again: %s\n", err(r));
    r = kill(-a, 0);
    printf("job: kill(-a, 0) once both are reaped: %s\n", err(r));
    close(ready[0]);
    close(ready[1]);
}

static void session(void) {
    int up[2], down[2];
    if (pipe(up) != 0 || pipe(down) != 0) {
        exit(81);
    }
    fflush(stdout);
    pid_t c = fork();
    if (c == 0) {
        pid_t me = getpid();
        int r = setsid();
        printf("session: child's setsid returns its pid %s; sid %s and pgid %s are its pid\n", yes(r == me),
               yes(getsid(0) == me), yes(getpgid(0) == me));
        r = setsid();
        printf("session: setsid again: %s\n", err(r));
        r = setpgid(0, 0);
        printf("session: the leader's setpgid(0, 0): %s\n", err(r));
        fflush(stdout);
        put(up[1]);
        take(down[0]);
        pid_t d = fork();
        if (d == 0) {
            printf("session: grandchild in the session %s and the group %s\n", yes(getsid(0) == me),
                   yes(getpgid(0) == me));
            r = setpgid(0, 0);
            printf("session: grandchild's setpgid(0, 0): %s, then setsid: ", err(r));
            r = setsid();
            printf("%s\n", err(r));
            fflush(stdout);
            _exit(4);
        }
        int status;
        waitpid(d, &status, 0);
        printf("session: grandchild exited %d\n", WEXITSTATUS(status));
        fflush(stdout);
        _exit(7);
    }
    take(up[0]);
    int r = setpgid(c, c);
    printf("session: parent's setpgid of a child in another session: %s\n", err(r));
    r = setpgid(0, c);
    printf("session: parent's setpgid(0, the child's group of another session): %s\n", err(r));
    printf("session: getsid(child) is the child %s, not the parent's %s\n", yes(getsid(c) == c),
           yes(getsid(c) != getsid(0)));
    fflush(stdout);
    put(down[1]);
    int status;
    waitpid(c, &status, 0);
    printf("session: child exited %d\n", WEXITSTATUS(status));
    close(up[0]);
    close(up[1]);
    close(down[0]);
    close(down[1]);
}

static void exec_child(void) {
    int go[2], up[2], down[2];
    if (pipe(go) != 0 || pipe(up) != 0 || pipe(down) != 0) {
        exit(82);
    }
    fflush(stdout);
    pid_t e = fork();
    if (e == 0) {
        take(go[0]);
        char upfd[16], downfd[16];
        snprintf(upfd, sizeof upfd, "%d", up[1]);
        snprintf(downfd, sizeof downfd, "%d", down[0]);
        char *argv[] = {"bin/pgrp.elf", "exec", upfd, downfd, NULL};
        char *envp[] = {NULL};
        execve("bin/pgrp.elf", argv, envp);
        printf("exec: execve failed (%s)\n", strerror(errno));
        fflush(stdout);
        _exit(83);
    }
    int r = setpgid(e, 0);
    printf("exec: parent's setpgid(e, 0) before the exec: %s\n", err(r));
    fflush(stdout);
    put(go[1]);
    take(up[0]);
    r = setpgid(e, 0);
    printf("exec: parent's setpgid(e, 0) after it: %s\n", err(r));
    r = setpgid(e, getpid());
    printf("exec: parent's setpgid(e, its own pid) after it: %s\n", err(r));
    printf("exec: the group stayed %s\n", yes(getpgid(e) == e));
    fflush(stdout);
    put(down[1]);
    int status;
    waitpid(e, &status, 0);
    printf("exec: child exited %d\n", WEXITSTATUS(status));
    close(go[0]);
    close(go[1]);
    close(up[0]);
    close(up[1]);
    close(down[0]);
    close(down[1]);
}

static void zombie(void) {
    fflush(stdout);
    pid_t z = fork();
    if (z == 0) {
        _exit(2);
    }
    siginfo_t si;
    memset(&si, 0, sizeof si);
    int r = waitid(P_PID, z, &si, WEXITED | WNOWAIT);
    printf("zombie: waitid WNOWAIT: %s, it exited %d\n", err(r), si.si_status);
    printf("zombie: in the parent's group %s and session %s\n", yes(getpgid(z) == getpgid(0)),
           yes(getsid(z) == getsid(0)));
    r = setpgid(z, z);
    printf("zombie: setpgid(z, z): %s, its group now its pid %s\n", err(r), yes(getpgid(z) == z));
    r = kill(-z, 0);
    printf("zombie: kill(-z, 0): %s\n", err(r));
    errno = 0;
    r = waitpid(0, NULL, WNOHANG);
    printf("zombie: waitpid(0, WNOHANG): %s\n", err(r));
    int status;
    r = waitpid(-z, &status, 0);
    printf("zombie: waitpid(-z) reaps it %s, exited %d\n", yes(r == z), WEXITSTATUS(status));
    r = kill(-z, 0);
    printf("zombie: kill(-z, 0) after: %s; getpgid(z): ", err(r));
    r = getpgid(z);
    printf("%s\n", err(r));
}

static volatile sig_atomic_t alarmed;

static void on_alarm(int s) {
    (void) s;
    alarmed = 1;
}

static void nap(long ms) {
    struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&t, NULL);
}

/* The caller leads its session and group. A child that makes a group of its own and ends keeps it
 * and the session as a zombie. Then a wait for a group that empties: the parent blocks in
 * waitpid(-b), b moves into the parent's group and exits; Linux wakes a wait only for a child it is
 * for (b's group now), so the parent sleeps on until its alarm, when do_wait finds no child of group
 * b left: ECHILD, not EINTR. Only this step is ordered by sleeps (the parent must be blocked before b
 * moves: nothing it could write once blocked). */
static void leader(void) {
    pid_t me = getpid();
    fflush(stdout);
    pid_t c = fork();
    if (c == 0) {
        setpgid(0, 0);
        _exit(1);
    }
    siginfo_t si;
    memset(&si, 0, sizeof si);
    waitid(P_PID, c, &si, WEXITED | WNOWAIT);
    printf("leader: its zombie's session is my pid %s, its group its own pid %s\n", yes(getsid(c) == me),
           yes(getpgid(c) == c));
    waitpid(c, NULL, 0);

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm; /* no SA_RESTART: the wait ends */
    sigaction(SIGALRM, &sa, NULL);
    fflush(stdout);
    pid_t b = fork();
    if (b == 0) {
        setpgid(0, 0);
        nap(100);
        int r = setpgid(0, me);
        printf("leader: b's setpgid(0, my group): %s\n", err(r));
        fflush(stdout);
        nap(100);
        _exit(3);
    }
    setpgid(b, b);
    alarm(1);
    errno = 0;
    int r = waitpid(-b, NULL, 0);
    printf("leader: waitpid(-b) as b leaves the group and ends: %s; woken by the alarm %s\n", err(r),
           yes(alarmed));
    int status;
    r = waitpid(b, &status, 0);
    printf("leader: waitpid(b) reaps it %s, exited %d\n", yes(r == b), WEXITSTATUS(status));
}

int main(int argc, char **argv) {
    if (argc == 4 && strcmp(argv[1], "exec") == 0) {
        return after_exec(atoi(argv[2]), atoi(argv[3]));
    }
    pid_t me = getpid();
    printf("start: pgid is my pid %s, sid is my pid %s, getpgrp is getpgid(0) %s, getpgid(me) too %s\n",
           yes(getpgid(0) == me), yes(getsid(0) == me), yes(getpgrp() == getpgid(0)), yes(getpgid(me) == getpgid(0)));
    int r = setpgid(0, -1);
    printf("setpgid(0, -1): %s\n", err(r));
    r = setpgid(NO_SUCH_PID, 0);
    printf("setpgid(no such pid, 0): %s\n", err(r));
    r = setpgid(0, NO_SUCH_PID);
    printf("setpgid(0, no such group): %s\n", err(r));
    r = getpgid(NO_SUCH_PID);
    printf("getpgid(no such pid): %s\n", err(r));
    r = getsid(NO_SUCH_PID);
    printf("getsid(no such pid): %s\n", err(r));
    r = kill(-NO_SUCH_PID, 0);
    printf("kill(-no such group, 0): %s\n", err(r));
    r = kill(0, 0);
    printf("kill(0, 0): %s\n", err(r));
    job();
    session();
    exec_child();
    zombie();
    r = setsid();
    printf("end: setsid returns my pid %s; sid %s and pgid %s are my pid\n", yes(r == me), yes(getsid(0) == me),
           yes(getpgid(0) == me));
    r = setpgid(0, 0);
    printf("end: setpgid(0, 0) as a session leader: %s\n", err(r));
    leader();
    return 0;
}
