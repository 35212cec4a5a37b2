/* pipe_errors: what a pipe refuses, and how. pipe2's EINVAL; EBADF for the wrong end,
 * a closed descriptor, dup and dup3 of one; end of file; O_NONBLOCK's EAGAIN on an empty pipe and
 * a full one (16 writes of a page fill it; 100-byte writes fill 40 to a page, as Linux merges
 * them; a large write into one free page moves a page); F_GETFL/F_SETFL; EPIPE with SIGPIPE
 * ignored, caught (the handler runs, the write is EPIPE) and by default (a child killed by
 * SIGPIPE, as wait4 reports); EMFILE for pipe2, dup and fcntl(F_DUPFD) once RLIMIT_NOFILE is
 * lowered to 10, EBADF for dup2 past it and EINVAL for F_DUPFD from it; pipe2's EFAULT. poll on
 * pipes: POLLIN, POLLOUT, POLLHUP, POLLERR and POLLNVAL at once, a zero timeout, and a parent
 * blocked in poll until its child writes.
 * With the argument "deadlock" it instead reads its own empty pipe while it holds the write end,
 * which Linux leaves waiting forever (SOS ends the run with its deadlock report; not recorded). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t caught;

static void on_pipe(int sig) {
    caught = sig;
}

static const char *err(int e) {
    switch (e) {
        case 0: return "ok";
        case EBADF: return "EBADF";
        case EAGAIN: return "EAGAIN";
        case EFAULT: return "EFAULT";
        case EINVAL: return "EINVAL";
        case EMFILE: return "EMFILE";
        case EPIPE: return "EPIPE";
        default: return strerror(e);
    }
}

#define SHOW(what, expr) do { errno = 0; long r_ = (long) (expr); printf("%s: %ld %s\n", what, r_, err(r_ < 0 ? errno : 0)); } while (0)

int main(int argc, char **argv) {
    static char buf[70000];
    int p[2];
    if (argc > 1 && strcmp(argv[1], "deadlock") == 0) {
        pipe(p);
        printf("reading my own empty pipe\n");
        fflush(stdout);
        read(p[0], buf, 1);
        printf("never\n");
        return 1;
    }

    SHOW("pipe2 with an unknown flag", pipe2(p, 1));
    SHOW("pipe", pipe(p));
    printf("descriptors %d %d\n", p[0], p[1]);
    SHOW("read of the write end", read(p[1], buf, 1));
    SHOW("write to the read end", write(p[0], "x", 1));
    SHOW("write", write(p[1], "hello", 5));
    SHOW("read of a bad buffer", read(p[0], (char *) 16, 5));
    SHOW("read", read(p[0], buf, sizeof buf));
    SHOW("close the write end", close(p[1]));
    SHOW("close it again", close(p[1]));
    SHOW("read at end of file", read(p[0], buf, 10));
    SHOW("dup of a closed descriptor", dup(p[1]));
    SHOW("dup2 of a closed descriptor", dup2(p[1], 20));
    SHOW("dup3 to itself", dup3(p[0], p[0], 0));
    close(p[0]);

    SHOW("pipe2 O_NONBLOCK", pipe2(p, O_NONBLOCK));
    printf("F_GETFL: read end %#x, write end %#x\n", fcntl(p[0], F_GETFL), fcntl(p[1], F_GETFL));
    SHOW("read of an empty pipe", read(p[0], buf, 1));
    int pages = 0;
    while (write(p[1], buf, 4096) == 4096) {
        pages++;
    }
    printf("page writes until full: %d (%s)\n", pages, err(errno));
    SHOW("one more byte", write(p[1], buf, 1));
    SHOW("read a page and a half", read(p[0], buf, 6144));
    SHOW("write 10000 into the one free page", write(p[1], buf, 10000));
    close(p[0]);
    close(p[1]);

    pipe2(p, O_NONBLOCK);
    int small = 0;
    while (write(p[1], buf, 100) == 100) {
        small++;
    }
    printf("100-byte writes until full: %d\n", small);
    SHOW("F_SETFL without O_NONBLOCK", fcntl(p[1], F_SETFL, 0));
    printf("F_GETFL now %#x\n", fcntl(p[1], F_GETFL));
    close(p[0]);
    close(p[1]);

    pipe(p);
    close(p[0]);
    signal(SIGPIPE, SIG_IGN);
    SHOW("write with no reader, SIGPIPE ignored", write(p[1], "x", 1));
    signal(SIGPIPE, on_pipe);
    SHOW("write with no reader, SIGPIPE caught", write(p[1], "x", 1));
    printf("handler saw signal %d\n", (int) caught);
    signal(SIGPIPE, SIG_DFL);
    fflush(stdout);
    pid_t child = fork();
    if (child == 0) {
        write(p[1], "x", 1);
        _exit(0);
    }
    int status;
    waitpid(child, &status, 0);
    printf("child writing with no reader: %s %d\n", WIFSIGNALED(status) ? "killed by signal" : "exited",
           WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
    close(p[1]);

    pipe(p);
    struct pollfd pf[4] = {{p[0], POLLIN, 0}, {p[1], POLLOUT, 0}, {99, POLLIN, 0}, {-1, POLLIN, 0}};
    SHOW("poll: empty pipe, both ends and two others", poll(pf, 4, 0));
    printf("revents %#x %#x %#x %#x\n", pf[0].revents, pf[1].revents, pf[2].revents, pf[3].revents);
    fflush(stdout);
    child = fork();
    if (child == 0) {
        usleep(20000);
        write(p[1], "late", 4);
        _exit(0);
    }
    SHOW("poll until the child writes", poll(pf, 1, -1));
    printf("revents %#x\n", pf[0].revents);
    waitpid(child, &status, 0);
    close(p[1]);
    SHOW("poll: bytes and no writer", poll(pf, 1, 1000));
    printf("revents %#x\n", pf[0].revents);
    close(p[0]);
    pipe(p);
    close(p[0]);
    pf[0].fd = p[1];
    pf[0].events = POLLOUT;
    SHOW("poll: a write end with no reader", poll(pf, 1, 0));
    printf("revents %#x\n", pf[0].revents);
    close(p[1]);

    struct rlimit rl = {10, 10};
    SHOW("setrlimit(RLIMIT_NOFILE, 10)", setrlimit(RLIMIT_NOFILE, &rl));
    int made = 0;
    while (pipe(p) == 0) {
        made++;
    }
    printf("pipes until %s: %d\n", err(errno), made);
    SHOW("dup with one descriptor free", dup(0));
    SHOW("dup with none", dup(0));
    SHOW("fcntl F_DUPFD from 3", fcntl(0, F_DUPFD, 3));
    SHOW("fcntl F_DUPFD from 10", fcntl(0, F_DUPFD, 10));
    SHOW("dup2 to 10", dup2(0, 10));
    SHOW("close 9", close(9));
    SHOW("dup2 to 9", dup2(1, 9));
    fflush(stdout);
    SHOW("write through it", write(9, "through 9\n", 10));
    for (int fd = 3; fd <= 9; fd++) {
        close(fd);
    }
    /* last: qemu-user's pipe2 leaves the two host descriptors open when it cannot write them */
    int *volatile bad = (int *) 16;
    SHOW("pipe2 into a bad address", pipe2(bad, 0));
    return 0;
}
