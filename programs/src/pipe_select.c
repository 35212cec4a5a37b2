/* pipe_select: select (musl's pselect6) on pipes. A parent selecting on two children's pipes
 * until both close (the second child writes only once the first has ended, more than a pipe
 * holds); a zero timeout on an empty pipe, and a timeout that runs out (the raw pselect6 writes
 * the time left back: none); a write end reported writable, a read end whose writer has gone
 * reported readable (end of file), a write end whose reader has gone reported readable and
 * writable, nothing exceptional on a pipe; EBADF for a closed descriptor, the set left as given;
 * a pselect with a zero timeout whose mask opens a pending SIGUSR1: EINTR, the handler run; and a
 * select with no timeout interrupted by SIGALRM from alarm() with a handler: EINTR, though the
 * handler has SA_RESTART; a zero-timeout poll and select retried while EINTR under a periodic
 * 500 us timer with a handler: each returns 0 within a few tries, as a zero timeout does not
 * sleep and the timer's signal then comes after the call. Only what does not depend on timing is
 * printed. With an argument (children, timeouts, ends, ebadf, mask, alarm, retry) it runs that
 * part only. */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/select.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t caught;

static void on_alarm(int sig) {
    caught = sig;
}

static const char *err(int e) {
    switch (e) {
        case 0: return "ok";
        case EBADF: return "EBADF";
        case EINTR: return "EINTR";
        case EINVAL: return "EINVAL";
        default: return strerror(e);
    }
}

/* Two children write into their own pipes; the parent selects on both until both are closed. */
static void children(void) {
    int a[2], b[2], order[2];
    pipe(a);
    pipe(b);
    pipe(order);
    fflush(stdout);
    pid_t first = fork();
    if (first == 0) {
        close(a[0]);
        close(b[0]);
        close(b[1]);
        close(order[0]);
        for (int i = 1; i <= 3; i++) {
            char line[32];
            int n = snprintf(line, sizeof line, "alpha %d\n", i);
            write(a[1], line, n);
        }
        _exit(0); /* its end of order closes here: the second child goes on */
    }
    pid_t second = fork();
    if (second == 0) {
        close(b[0]);
        close(a[0]);
        close(a[1]);
        close(order[1]);
        char c;
        read(order[0], &c, 1); /* end of file once the first child has exited */
        static char big[70000];
        for (size_t i = 0; i < sizeof big; i++) {
            big[i] = (char) ('a' + i % 26);
        }
        write(b[1], big, sizeof big); /* more than the pipe holds: it waits for the parent */
        _exit(3);
    }
    close(a[1]);
    close(b[1]);
    close(order[0]);
    close(order[1]);

    char firstText[64];
    size_t firstLength = 0;
    unsigned long secondBytes = 0, secondSum = 0;
    int open1 = 1, open2 = 1, errors = 0;
    while (open1 || open2) {
        fd_set r;
        FD_ZERO(&r);
        if (open1) FD_SET(a[0], &r);
        if (open2) FD_SET(b[0], &r);
        int n = select((a[0] > b[0] ? a[0] : b[0]) + 1, &r, NULL, NULL, NULL);
        if (n <= 0) {
            printf("select: %d %s\n", n, err(errno));
            errors++;
            break;
        }
        if (open1 && FD_ISSET(a[0], &r)) {
            ssize_t k = read(a[0], firstText + firstLength, sizeof firstText - 1 - firstLength);
            if (k <= 0) open1 = 0; else firstLength += (size_t) k;
        }
        if (open2 && FD_ISSET(b[0], &r)) {
            char buf[5000];
            ssize_t k = read(b[0], buf, sizeof buf);
            if (k <= 0) {
                open2 = 0;
            } else {
                secondBytes += (unsigned long) k;
                for (ssize_t i = 0; i < k; i++) secondSum = secondSum * 31 + (unsigned char) buf[i];
            }
        }
    }
    firstText[firstLength] = 0;
    printf("both pipes closed, %d errors\nthe first child wrote:\n%s", errors, firstText);
    printf("the second child wrote %lu bytes, checksum %lx\n", secondBytes, secondSum);
    int status;
    waitpid(first, &status, 0);
    printf("first child exited %d\n", WEXITSTATUS(status));
    waitpid(second, &status, 0);
    printf("second child exited %d\n", WEXITSTATUS(status));
    close(a[0]);
    close(b[0]);
}

static void timeouts(void) {
    int p[2];
    pipe(p);
    fd_set r;
    FD_ZERO(&r);
    FD_SET(p[0], &r);
    struct timeval zero = {0, 0};
    errno = 0;
    int n = select(p[0] + 1, &r, NULL, NULL, &zero);
    printf("zero timeout on an empty pipe: %d %s, read bit %d\n", n, err(n < 0 ? errno : 0), FD_ISSET(p[0], &r));
    /* the raw call writes the time left back (musl's select and pselect pass a copy) */
    FD_SET(p[0], &r);
    struct timespec ts = {0, 30 * 1000 * 1000};
    long mask[2] = {0, 8};
    long m = syscall(SYS_pselect6, p[0] + 1, &r, NULL, NULL, &ts, mask);
    printf("30 ms on an empty pipe: %ld, read bit %d, time left %ld.%09ld\n", m, FD_ISSET(p[0], &r),
           (long) ts.tv_sec, ts.tv_nsec);
    close(p[0]);
    close(p[1]);
}

static void ends(void) {
    int p[2], q[2];
    pipe(p);
    pipe(q);
    close(q[1]);
    fd_set r, w, e;
    FD_ZERO(&r);
    FD_ZERO(&w);
    FD_ZERO(&e);
    FD_SET(p[0], &r);
    FD_SET(q[0], &r);
    FD_SET(p[1], &w);
    FD_SET(p[0], &w);
    FD_SET(p[0], &e);
    FD_SET(p[1], &e);
    FD_SET(q[0], &e);
    struct timeval zero = {0, 0};
    int n = select(q[0] + 1, &r, &w, &e, &zero);
    printf("empty pipe and a pipe with no writer: %d ready\n", n);
    printf("  empty read end readable %d, writable %d; write end writable %d\n", FD_ISSET(p[0], &r),
           FD_ISSET(p[0], &w), FD_ISSET(p[1], &w));
    char c;
    printf("  read end with no writer readable %d (read gives %zd)\n", FD_ISSET(q[0], &r), read(q[0], &c, 1));
    printf("  exceptional: %d %d %d\n", FD_ISSET(p[0], &e), FD_ISSET(p[1], &e), FD_ISSET(q[0], &e));
    write(p[1], "x", 1);
    FD_ZERO(&r);
    FD_SET(p[0], &r);
    printf("a byte written: %d ready, readable %d\n", select(p[0] + 1, &r, NULL, NULL, &zero), FD_ISSET(p[0], &r));
    close(p[0]);
    FD_ZERO(&r);
    FD_ZERO(&w);
    FD_SET(p[1], &r);
    FD_SET(p[1], &w);
    signal(SIGPIPE, SIG_IGN);
    n = select(p[1] + 1, &r, &w, NULL, &zero);
    errno = 0;
    ssize_t wrote = write(p[1], "x", 1);
    int werr = errno;
    printf("write end with no reader: %d ready, readable %d, writable %d (write: %zd %s)\n", n, FD_ISSET(p[1], &r),
           FD_ISSET(p[1], &w), wrote, strerror(werr));
    signal(SIGPIPE, SIG_DFL);
    close(p[1]);
    close(q[0]);
}

static void ebadf(void) {
    int p[2];
    pipe(p);
    close(p[0]);
    fd_set r;
    FD_ZERO(&r);
    FD_SET(p[0], &r);
    FD_SET(p[1], &r);
    struct timeval zero = {0, 0};
    errno = 0;
    int n = select(p[1] + 1, &r, NULL, NULL, &zero);
    printf("a closed descriptor: %d %s, its bit %d and the write end's %d left as given\n", n, err(errno),
           FD_ISSET(p[0], &r), FD_ISSET(p[1], &r));
    close(p[1]);
}

/* pselect with a zero timeout under a mask that opens a pending SIGUSR1: EINTR, as Linux's
 * do_select looks at signals once it has found nothing ready, before it looks at the timeout. */
static void masked(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;
    sigaction(SIGUSR1, &sa, NULL);
    sigset_t usr1, none;
    sigemptyset(&usr1);
    sigaddset(&usr1, SIGUSR1);
    sigemptyset(&none);
    sigprocmask(SIG_BLOCK, &usr1, NULL);
    raise(SIGUSR1);
    int p[2];
    pipe(p);
    fd_set r;
    FD_ZERO(&r);
    FD_SET(p[0], &r);
    struct timespec zero = {0, 0};
    caught = 0;
    errno = 0;
    int n = pselect(p[0] + 1, &r, NULL, NULL, &zero, &none);
    printf("zero-timeout pselect opening a pending SIGUSR1: %d %s, handler saw signal %d, read bit %d\n", n,
           err(n < 0 ? errno : 0), (int) caught, FD_ISSET(p[0], &r));
    sigprocmask(SIG_UNBLOCK, &usr1, NULL);
    signal(SIGUSR1, SIG_DFL);
    caught = 0;
    close(p[0]);
    close(p[1]);
}

static void alarmed(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;
    sa.sa_flags = SA_RESTART;
    sigaction(SIGALRM, &sa, NULL);
    int p[2];
    pipe(p);
    fd_set r;
    FD_ZERO(&r);
    FD_SET(p[0], &r);
    alarm(1);
    errno = 0;
    int n = select(p[0] + 1, &r, NULL, NULL, NULL);
    printf("select with no timeout and an alarm: %d %s, handler saw signal %d, read bit %d\n", n,
           err(n < 0 ? errno : 0), (int) caught, FD_ISSET(p[0], &r));
    close(p[0]);
    close(p[1]);
}

/* A retry loop on EINTR around a zero-timeout poll, then select, under a periodic timer shorter
 * than a call: Linux looks only at signals already pending, so the loop ends. */
static void retry(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;
    sigaction(SIGALRM, &sa, NULL);
    struct itimerval every = {{0, 500}, {0, 500}};
    setitimer(ITIMER_REAL, &every, NULL);
    int p[2];
    pipe(p);
    struct pollfd f = {p[0], POLLIN, 0};
    long tries = 0;
    int n;
    do {
        n = poll(&f, 1, 0);
        tries++;
    } while (n < 0 && errno == EINTR && tries < 100000);
    printf("zero-timeout poll retried on EINTR under a 500 us timer: returned %d after %s tries\n", n,
           tries <= 10 ? "at most 10" : "more than 10");
    tries = 0;
    do {
        fd_set r;
        FD_ZERO(&r);
        FD_SET(p[0], &r);
        struct timeval zero = {0, 0};
        n = select(p[0] + 1, &r, NULL, NULL, &zero);
        tries++;
    } while (n < 0 && errno == EINTR && tries < 100000);
    printf("zero-timeout select retried on EINTR under a 500 us timer: returned %d after %s tries\n", n,
           tries <= 10 ? "at most 10" : "more than 10");
    struct itimerval off = {{0, 0}, {0, 0}};
    setitimer(ITIMER_REAL, &off, NULL);
    signal(SIGALRM, SIG_DFL);
    caught = 0;
    close(p[0]);
    close(p[1]);
}

int main(int argc, char **argv) {
    const char *only = argc > 1 ? argv[1] : "";
    int all = argc <= 1, ran = 0;
    if (all || strcmp(only, "children") == 0) { children(); ran++; }
    if (all || strcmp(only, "timeouts") == 0) { timeouts(); ran++; }
    if (all || strcmp(only, "ends") == 0) { ends(); ran++; }
    if (all || strcmp(only, "ebadf") == 0) { ebadf(); ran++; }
    if (all || strcmp(only, "mask") == 0) { masked(); ran++; }
    if (all || strcmp(only, "alarm") == 0) { alarmed(); ran++; }
    if (all || strcmp(only, "retry") == 0) { retry(); ran++; }
    if (!ran) {
        fprintf(stderr, "usage: pipe_select [children|timeouts|ends|ebadf|mask|alarm|retry]\n");
        return 2;
    }
    printf("pipe_select: done\n");
    return 0;
}
