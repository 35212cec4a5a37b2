/* epoll_pipe: epoll (epoll_create1, epoll_ctl, musl's epoll_wait and epoll_pwait) on pipes.
 * level: a level-triggered read end reported while it holds bytes, the write end while there is
 * room, the 64-bit data as given, maxevents 1 taking the two in turn; edge: EPOLLET reports a
 * write once (each new write again, though the pipe was not empty), MOD arms it again; oneshot:
 * EPOLLONESHOT reports once and is disabled until MOD; child: a wait with no timeout woken by a
 * forked child's write, on a registration the child added to the shared interest list; hangup: a
 * wait woken by the writer's exit (EPOLLHUP, never asked for), a write end whose reader is gone
 * (EPOLLERR), EPOLLRDHUP asked of a pipe (never reported); eintr: a wait with no timeout ended by
 * an alarm's SIGALRM (EINTR, though the handler has SA_RESTART), and a zero-timeout epoll_pwait
 * whose mask opens a pending SIGUSR1 (0: the timeout comes before signals; the mask back, the
 * handler not run until sigprocmask opens it); dup: a registration is of the description and the
 * number: it outlives the close of its number while a dup names the description, DEL by the old
 * number is EBADF, the dup can be added too, and the last close removes both, and of a read end and
 * its dup added to an empty pipe one write reports the last added first (the wait queue's head);
 * cut: a write that fills the pipe and blocks, cut short by an alarm (no SA_RESTART) while a child
 * keeps the run alive, returns what it moved and wakes an edge-triggered reader as it leaves,
 * though the pipe was not empty when it began; lifo: of two children blocked on one epoll (A at
 * once, B 100 ms later) an edge-triggered write wakes only the last to block, B, and the next
 * write A (ep_poll's wait queue); errors: each error
 * of epoll_create1, epoll_ctl and epoll_wait, read on an epoll, its F_GETFL and FD_CLOEXEC, and
 * poll on an epoll. Only what does not depend on timing is printed. With an argument it runs
 * that part only. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t caught;

static void on_signal(int sig) {
    caught = sig;
}

static const char *err(int e) {
    switch (e) {
        case 0: return "ok";
        case EBADF: return "EBADF";
        case EINTR: return "EINTR";
        case EINVAL: return "EINVAL";
        case EPERM: return "EPERM";
        case EEXIST: return "EEXIST";
        case ENOENT: return "ENOENT";
        case EFAULT: return "EFAULT";
        default: return strerror(e);
    }
}

/* One epoll_wait with a zero timeout, printed: the count, then each event's bits and data. */
static void show(const char *what, int ep, int max) {
    struct epoll_event ev[8];
    memset(ev, 0, sizeof ev);
    int n = epoll_wait(ep, ev, max, 0);
    printf("%s: %d", what, n);
    for (int i = 0; i < n; i++) {
        printf(" [%#x %llu]", ev[i].events, (unsigned long long) ev[i].data.u64);
    }
    printf("\n");
}

static int add(int ep, int op, int fd, uint32_t events, uint64_t data) {
    struct epoll_event ev = {.events = events, .data.u64 = data};
    return epoll_ctl(ep, op, fd, &ev) == 0 ? 0 : errno;
}

static void level(void) {
    int p[2];
    pipe(p);
    int ep = epoll_create1(0);
    add(ep, EPOLL_CTL_ADD, p[0], EPOLLIN, 0x1122334455667788ULL);
    show("level, empty", ep, 8);
    write(p[1], "abc", 3);
    show("level, 3 bytes", ep, 8);
    show("level, again", ep, 8);
    add(ep, EPOLL_CTL_ADD, p[1], EPOLLOUT, 7);
    show("level, both ends, maxevents 1", ep, 1);
    show("level, both ends, maxevents 1 again", ep, 1);
    show("level, both ends", ep, 8);
    char buf[8];
    read(p[0], buf, sizeof buf);
    show("level, read empty", ep, 8);
    close(ep);
    close(p[0]);
    close(p[1]);
}

static void edge(void) {
    int p[2];
    pipe(p);
    int ep = epoll_create1(0);
    add(ep, EPOLL_CTL_ADD, p[0], EPOLLIN | EPOLLET, 1);
    write(p[1], "a", 1);
    show("edge, a write", ep, 8);
    show("edge, again", ep, 8);
    write(p[1], "b", 1);
    show("edge, a second write", ep, 8);
    char c;
    read(p[0], &c, 1);
    show("edge, a read (one byte left)", ep, 8);
    add(ep, EPOLL_CTL_MOD, p[0], EPOLLIN | EPOLLET, 2);
    show("edge, MOD", ep, 8);
    read(p[0], &c, 1);
    add(ep, EPOLL_CTL_MOD, p[0], EPOLLIN | EPOLLET, 3);
    show("edge, MOD on an empty pipe", ep, 8);
    close(ep);
    close(p[0]);
    close(p[1]);
}

static void oneshot(void) {
    int p[2];
    pipe(p);
    int ep = epoll_create1(0);
    add(ep, EPOLL_CTL_ADD, p[0], EPOLLIN | EPOLLONESHOT, 1);
    write(p[1], "a", 1);
    show("oneshot, a write", ep, 8);
    show("oneshot, again", ep, 8);
    write(p[1], "b", 1);
    show("oneshot, another write", ep, 8);
    printf("oneshot, ADD again: %s\n", err(add(ep, EPOLL_CTL_ADD, p[0], EPOLLIN, 9)));
    add(ep, EPOLL_CTL_MOD, p[0], EPOLLIN | EPOLLONESHOT, 2);
    show("oneshot, MOD", ep, 8);
    show("oneshot, after MOD again", ep, 8);
    add(ep, EPOLL_CTL_MOD, p[0], EPOLLIN, 3);
    show("oneshot, MOD to level", ep, 8);
    show("oneshot, MOD to level again", ep, 8);
    close(ep);
    close(p[0]);
    close(p[1]);
}

static void child(void) {
    int p[2], q[2];
    pipe(p);
    pipe(q);
    int ep = epoll_create1(EPOLL_CLOEXEC);
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        close(p[1]);
        /* the interest list is the parent's too: the epoll's description is shared */
        add(ep, EPOLL_CTL_ADD, q[0], EPOLLIN, 42);
        close(q[0]);
        usleep(20000);
        write(q[1], "child", 5);
        char c;
        read(p[0], &c, 1); /* until the parent has read */
        _exit(0);
    }
    close(q[1]);
    struct epoll_event ev;
    int n;
    while ((n = epoll_wait(ep, &ev, 1, -1)) == 0) {
    }
    char buf[16] = {0};
    int got = read(q[0], buf, sizeof buf - 1);
    printf("child: woken with %d [%#x %llu], read %d \"%s\"\n", n, ev.events, (unsigned long long) ev.data.u64, got,
            buf);
    close(p[1]);
    int status;
    waitpid(pid, &status, 0);
    printf("child: exited %d\n", WEXITSTATUS(status));
    show("child, the writer gone", ep, 8);
    close(ep);
    close(q[0]);
    close(p[0]);
}

static void hangup(void) {
    int p[2];
    pipe(p);
    int ep = epoll_create1(0);
    add(ep, EPOLL_CTL_ADD, p[0], 0, 5); /* no events asked: EPOLLHUP and EPOLLERR are always */
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        close(p[0]);
        usleep(20000);
        write(p[1], "x", 1);
        _exit(0);
    }
    close(p[1]);
    struct epoll_event ev;
    int n = epoll_wait(ep, &ev, 1, -1);
    printf("hangup: woken with %d [%#x %llu]\n", n, ev.events, (unsigned long long) ev.data.u64);
    waitpid(pid, NULL, 0);
    add(ep, EPOLL_CTL_MOD, p[0], EPOLLIN | EPOLLRDHUP, 6);
    show("hangup, IN and RDHUP asked, a byte left", ep, 8);
    char c;
    read(p[0], &c, 1);
    show("hangup, read", ep, 8);
    close(p[0]);
    show("hangup, the read end closed", ep, 8);

    int q[2];
    pipe(q);
    add(ep, EPOLL_CTL_ADD, q[1], EPOLLOUT, 8);
    show("hangup, a write end", ep, 8);
    close(q[0]);
    show("hangup, its reader gone", ep, 8);
    close(q[1]);
    close(ep);
}

static void eintr(void) {
    int p[2];
    pipe(p);
    int ep = epoll_create1(0);
    add(ep, EPOLL_CTL_ADD, p[0], EPOLLIN, 1);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sa.sa_flags = SA_RESTART;
    sigaction(SIGALRM, &sa, NULL);
    sigaction(SIGUSR1, &sa, NULL);
    struct itimerval it = {{0, 0}, {0, 20000}};
    setitimer(ITIMER_REAL, &it, NULL);
    struct epoll_event ev;
    int n = epoll_wait(ep, &ev, 1, -1);
    printf("eintr: no timeout and an alarm: %d %s, handler saw signal %d\n", n, err(n < 0 ? errno : 0), caught);

    sigset_t block, open, now;
    sigemptyset(&block);
    sigaddset(&block, SIGUSR1);
    sigprocmask(SIG_BLOCK, &block, NULL);
    caught = 0;
    raise(SIGUSR1);
    sigemptyset(&open);
    n = epoll_pwait(ep, &ev, 1, 0, &open);
    sigprocmask(SIG_BLOCK, NULL, &now);
    printf("eintr: zero-timeout epoll_pwait opening a pending SIGUSR1: %d %s, handler saw %d, SIGUSR1 blocked %d\n", n,
            err(n < 0 ? errno : 0), caught, sigismember(&now, SIGUSR1));
    n = epoll_pwait(ep, &ev, 1, 50, &open);
    printf("eintr: 50 ms epoll_pwait opening it: %d %s, handler saw %d\n", n, err(n < 0 ? errno : 0), caught);
    close(ep);
    close(p[0]);
    close(p[1]);
}

static void dup_rule(void) {
    int p[2];
    pipe(p);
    int ep = epoll_create1(0);
    int a = p[0];
    add(ep, EPOLL_CTL_ADD, a, EPOLLIN, 100);
    int b = dup(a);
    close(a);
    write(p[1], "z", 1);
    show("dup, the added number closed, a dup left", ep, 8);
    printf("dup, DEL by the closed number: %s\n", err(add(ep, EPOLL_CTL_DEL, a, 0, 0)));
    printf("dup, ADD the dup: %s\n", err(add(ep, EPOLL_CTL_ADD, b, EPOLLIN, 200)));
    show("dup, both registrations", ep, 8);
    int c = dup2(b, a); /* the old number names the same description again: the same key */
    printf("dup, ADD the old number again: %s\n", err(add(ep, EPOLL_CTL_ADD, c, EPOLLIN, 300)));
    printf("dup, DEL it: %s\n", err(add(ep, EPOLL_CTL_DEL, c, 0, 0)));
    show("dup, after DEL", ep, 8);
    close(c);
    close(b);
    show("dup, the description closed", ep, 8);
    int q[2];
    pipe(q); /* the same numbers, a new description: a new key */
    write(q[1], "y", 1);
    printf("dup, ADD a new pipe at the closed one's number (%s): %s\n", q[0] == a ? "the same" : "another",
            err(add(ep, EPOLL_CTL_ADD, q[0], EPOLLIN, 400)));
    show("dup, the new pipe", ep, 8);
    close(ep);
    close(q[0]);
    close(q[1]);
    close(p[1]);

    int r[2];
    pipe(r);
    int d = dup(r[0]);
    ep = epoll_create1(0);
    add(ep, EPOLL_CTL_ADD, r[0], EPOLLIN, 10);
    add(ep, EPOLL_CTL_ADD, d, EPOLLIN, 20);
    write(r[1], "x", 1);
    show("dup, a read end and its dup added in turn, one write", ep, 8);
    close(ep);
    close(d);
    close(r[0]);
    close(r[1]);
}

static void cut(void) {
    int p[2];
    pipe(p);
    int ep = epoll_create1(0);
    add(ep, EPOLL_CTL_ADD, p[0], EPOLLIN | EPOLLET, 1);
    write(p[1], "x", 1);
    show("cut, a byte", ep, 8);
    show("cut, again", ep, 8);
    pid_t c = fork();
    if (c == 0) {
        close(p[0]);
        close(p[1]);
        struct timespec t = {0, 300000000L};
        nanosleep(&t, NULL);
        _exit(0);
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGALRM, &sa, NULL);
    struct itimerval it = {{0, 0}, {0, 50000}};
    setitimer(ITIMER_REAL, &it, NULL);
    static char big[70000];
    ssize_t n = write(p[1], big, sizeof big);
    printf("cut, a write of 70000 bytes interrupted: %zd\n", n);
    show("cut, after the interrupted write", ep, 8);
    waitpid(c, NULL, 0);
    close(ep);
    close(p[0]);
    close(p[1]);
}

static void sleep_ms(long n) {
    struct timespec t = {n / 1000, (n % 1000) * 1000000L};
    nanosleep(&t, NULL);
}

/* A child that waits on ep with no timeout, after ms milliseconds, and writes its name (lower
 * case if the wait did not report one event) to r. */
static pid_t lifo_waiter(int ep, int r, long ms, char name) {
    pid_t c = fork();
    if (c == 0) {
        if (ms > 0) {
            sleep_ms(ms);
        }
        struct epoll_event out;
        char n = epoll_wait(ep, &out, 1, -1) == 1 ? name : (char) (name + 32);
        write(r, &n, 1);
        _exit(0);
    }
    return c;
}

static void lifo(void) {
    int p[2], r[2];
    pipe(p);
    pipe(r);
    int ep = epoll_create1(0);
    add(ep, EPOLL_CTL_ADD, p[0], EPOLLIN | EPOLLET, 7);
    pid_t a = lifo_waiter(ep, r[1], 0, 'A');
    pid_t b = lifo_waiter(ep, r[1], 100, 'B');
    sleep_ms(300);
    write(p[1], "x", 1);
    char c;
    read(r[0], &c, 1);
    printf("lifo: first woken %c\n", c);
    sleep_ms(100);
    write(p[1], "x", 1);
    read(r[0], &c, 1);
    printf("lifo: second woken %c\n", c);
    waitpid(a, NULL, 0);
    waitpid(b, NULL, 0);
    close(ep);
    close(p[0]);
    close(p[1]);
    close(r[0]);
    close(r[1]);
}

static void errors(void) {
    int p[2];
    pipe(p);
    printf("errors: epoll_create1(1): %s\n", epoll_create1(1) < 0 ? err(errno) : "ok");
    printf("errors: epoll_create1(O_NONBLOCK): %s\n", epoll_create1(O_NONBLOCK) < 0 ? err(errno) : "ok");
    int ep = epoll_create1(EPOLL_CLOEXEC);
    printf("errors: FD_CLOEXEC %d, F_GETFL %#o\n", fcntl(ep, F_GETFD), fcntl(ep, F_GETFL));
    char buf[4];
    printf("errors: read %s, write %s\n", read(ep, buf, 4) < 0 ? err(errno) : "ok",
            write(ep, buf, 4) < 0 ? err(errno) : "ok");
    printf("errors: ctl, epfd not open: %s\n", err(add(99, EPOLL_CTL_ADD, p[0], EPOLLIN, 0)));
    printf("errors: ctl, fd not open: %s\n", err(add(ep, EPOLL_CTL_ADD, 99, EPOLLIN, 0)));
    printf("errors: ctl, both not open: %s\n", err(add(98, EPOLL_CTL_ADD, 99, EPOLLIN, 0)));
    printf("errors: ctl, standard input (/dev/null): %s\n", err(add(ep, EPOLL_CTL_ADD, 0, EPOLLIN, 0)));
    printf("errors: ctl, epfd a pipe: %s\n", err(add(p[1], EPOLL_CTL_ADD, p[0], EPOLLIN, 0)));
    printf("errors: ctl, itself: %s\n", err(add(ep, EPOLL_CTL_ADD, ep, EPOLLIN, 0)));
    printf("errors: ctl, a bad op: %s\n", err(add(ep, 7, p[0], EPOLLIN, 0)));
    printf("errors: ctl, a bad op on standard input: %s\n", err(add(ep, 7, 0, EPOLLIN, 0)));
    printf("errors: ctl, MOD not added: %s\n", err(add(ep, EPOLL_CTL_MOD, p[0], EPOLLIN, 0)));
    printf("errors: ctl, DEL not added: %s\n", err(add(ep, EPOLL_CTL_DEL, p[0], 0, 0)));
    printf("errors: ctl, EXCLUSIVE with RDNORM: %s\n", err(add(ep, EPOLL_CTL_ADD, p[0], EPOLLIN | EPOLLRDNORM | EPOLLEXCLUSIVE, 0)));
    printf("errors: ctl, EXCLUSIVE with ONESHOT: %s\n", err(add(ep, EPOLL_CTL_ADD, p[0], EPOLLIN | EPOLLONESHOT | EPOLLEXCLUSIVE, 0)));
    printf("errors: ctl, EXCLUSIVE MOD not added: %s\n", err(add(ep, EPOLL_CTL_MOD, p[0], EPOLLIN | EPOLLEXCLUSIVE, 0)));
    printf("errors: ctl, ADD EXCLUSIVE: %s\n", err(add(ep, EPOLL_CTL_ADD, p[0], EPOLLIN | EPOLLEXCLUSIVE, 1)));
    printf("errors: ctl, ADD again: %s\n", err(add(ep, EPOLL_CTL_ADD, p[0], EPOLLIN, 0)));
    printf("errors: ctl, MOD an exclusive one: %s\n", err(add(ep, EPOLL_CTL_MOD, p[0], EPOLLIN, 0)));
    printf("errors: ctl, unknown event bits: %s\n", err(add(ep, EPOLL_CTL_ADD, p[1], EPOLLOUT | 0x00100000, 2)));
    printf("errors: ctl, event unreadable: %s\n", epoll_ctl(ep, EPOLL_CTL_MOD, p[1], (void *) 8) < 0 ? err(errno) : "ok");
    printf("errors: ctl, DEL with no event: %s\n", epoll_ctl(ep, EPOLL_CTL_DEL, p[1], NULL) < 0 ? err(errno) : "ok");
    struct epoll_event ev[2];
    printf("errors: wait, maxevents 0: %s\n", epoll_wait(ep, ev, 0, 0) < 0 ? err(errno) : "ok");
    printf("errors: wait, maxevents -1: %s\n", epoll_wait(ep, ev, -1, 0) < 0 ? err(errno) : "ok");
    printf("errors: wait, maxevents too large: %s\n", epoll_wait(ep, ev, 0x7fffffff / 16 + 1, 0) < 0 ? err(errno) : "ok");
    printf("errors: wait, events at a kernel address: %s\n",
            epoll_wait(ep, (void *) 0xffff000000000000UL, 1, 0) < 0 ? err(errno) : "ok");
    printf("errors: wait, not open: %s\n", epoll_wait(99, ev, 1, 0) < 0 ? err(errno) : "ok");
    printf("errors: wait, not an epoll: %s\n", epoll_wait(p[0], ev, 1, 0) < 0 ? err(errno) : "ok");
    printf("errors: pwait, a mask of 4 bytes: %s\n",
            syscall(SYS_epoll_pwait, ep, ev, 1, 0, &(sigset_t){0}, 4) < 0 ? err(errno) : "ok");
    write(p[1], "x", 1);
    struct pollfd pf = {.fd = ep, .events = POLLIN | POLLOUT};
    int polled = poll(&pf, 1, 0);
    printf("errors: poll on the epoll, a byte ready: %d, revents %#x\n", polled, pf.revents);
    printf("errors: wait, events unwritable (NULL): %s\n", epoll_wait(ep, NULL, 1, 0) < 0 ? err(errno) : "ok");
    show("errors, then", ep, 2);
    char c;
    read(p[0], &c, 1);
    pf.revents = 0;
    polled = poll(&pf, 1, 0);
    printf("errors: poll on the epoll, none ready: %d, revents %#x\n", polled, pf.revents);
    close(ep);
    close(p[0]);
    close(p[1]);
}

int main(int argc, char **argv) {
    const char *only = argc > 1 ? argv[1] : NULL;
    struct {
        const char *name;
        void (*run)(void);
    } parts[] = {{"level", level}, {"edge", edge}, {"oneshot", oneshot}, {"child", child}, {"hangup", hangup},
        {"eintr", eintr}, {"dup", dup_rule}, {"cut", cut}, {"lifo", lifo}, {"errors", errors}};
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
        if (only == NULL || strcmp(only, parts[i].name) == 0) {
            parts[i].run();
            fflush(stdout);
        }
    }
    printf("epoll_pipe: done\n");
    return 0;
}
