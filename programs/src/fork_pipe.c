/* fork_pipe: a parent writes N KiB (default 200, more than a pipe's 64 KiB) through a pipe in
 * pieces of varied sizes; its child reads them in pieces of its own, checks every byte against
 * the pattern, sees end of file once the parent has closed the write end, and exits with a
 * checksum of what it read; the parent's wait4 reports that status. Then the same the other way
 * round, the child writing and the parent reading. What is printed does not depend on how the
 * two interleave. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static unsigned char pattern(long i) {
    return (unsigned char) (i * 7 + i / 251);
}

/* Reads fd to its end: the bytes, those off the pattern, and a checksum. */
static void drain(int fd, long *total, long *wrong, unsigned *sum) {
    static unsigned char buf[7000];
    long at = 0;
    unsigned s = 0;
    long bad = 0;
    size_t ask = 1;
    for (;;) {
        ssize_t n = read(fd, buf, ask);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            break;
        }
        for (ssize_t k = 0; k < n; k++, at++) {
            bad += buf[k] != pattern(at);
            s = s * 31 + buf[k];
        }
        ask = ask * 3 % sizeof buf + 1; /* 1, 4, 13, 40, ... read sizes vary */
    }
    *total = at;
    *wrong = bad;
    *sum = s;
}

/* Writes total bytes of the pattern to fd in varied pieces: 0 when all went. */
static int pour(int fd, long total) {
    static unsigned char buf[70000];
    long at = 0;
    size_t piece = 1000;
    while (at < total) {
        size_t n = piece < (size_t) (total - at) ? piece : (size_t) (total - at);
        for (size_t k = 0; k < n; k++) {
            buf[k] = pattern(at + (long) k);
        }
        ssize_t w = write(fd, buf, n);
        if (w != (ssize_t) n) {
            return -1; /* a blocking write moves it all */
        }
        at += n;
        piece = piece * 5 % 69000 + 1; /* 1000, 5001, 25006, 56031, ... some past 64 KiB */
    }
    return 0;
}

int main(int argc, char **argv) {
    long kib = argc > 1 ? atol(argv[1]) : 200;
    long total = kib * 1024;
    int p[2];
    if (pipe(p) != 0) {
        perror("pipe");
        return 1;
    }
    pid_t child = fork();
    if (child == 0) {
        close(p[1]);
        long got, wrong;
        unsigned sum;
        drain(p[0], &got, &wrong, &sum);
        printf("child read %ld bytes, %ld wrong, checksum %08x\n", got, wrong, sum);
        return wrong == 0 && got == total ? (int) (sum & 0x7f) : 255;
    }
    close(p[0]);
    int poured = pour(p[1], total);
    close(p[1]);
    int status;
    waitpid(child, &status, 0);
    /* the checksum the child should have found */
    unsigned expect = 0;
    for (long i = 0; i < total; i++) {
        expect = expect * 31 + pattern(i);
    }
    printf("parent wrote %ld bytes (%s); child exited %d, checksum's low 7 bits %d: %s\n", total,
           poured == 0 ? "all" : "short", WEXITSTATUS(status), (int) (expect & 0x7f),
           WIFEXITED(status) && WEXITSTATUS(status) == (int) (expect & 0x7f) ? "match" : "MISMATCH");
    fflush(stdout);

    /* the other way round: the child writes, the parent reads */
    if (pipe(p) != 0) {
        perror("pipe");
        return 1;
    }
    child = fork();
    if (child == 0) {
        close(p[0]);
        _exit(pour(p[1], total) == 0 ? 0 : 1);
    }
    close(p[1]);
    long got, wrong;
    unsigned sum;
    drain(p[0], &got, &wrong, &sum);
    waitpid(child, &status, 0);
    printf("parent read %ld bytes, %ld wrong, checksum %s; writer exited %d\n", got, wrong,
           sum == expect ? "as expected" : "WRONG", WEXITSTATUS(status));
    return 0;
}
