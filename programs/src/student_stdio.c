/* student_stdio: standard streams. stdout is fully buffered when it is not a terminal and stderr
 * is unbuffered, so their lines interleave by flush; perror and strerror; printf's return
 * values; setvbuf to line buffering; puts/fputs/putchar; ungetc and getc on stdin; reading past
 * EOF; fwrite of binary zeros; and with an argument, exit(N) from inside a deeply nested call
 * or after closing stdout (whose later printfs fail with EBADF), or lengths computed as 0 - 1
 * (SIZE_MAX) handed to write, read and writev, which must fail without writing anything. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <unistd.h>
#include <sys/uio.h>

static void nested_exit(int depth, int code) {
    if (depth == 0) { fprintf(stderr, "exiting with %d from depth 10\n", code); exit(code); }
    nested_exit(depth - 1, code);
}

int main(int argc, char **argv) {
    const char *mode = argc > 1 ? argv[1] : "";
    printf("1: stdout, buffered\n");
    fprintf(stderr, "2: stderr, unbuffered\n");
    printf("3: stdout again\n");
    fflush(stdout);
    fprintf(stderr, "4: stderr after a flush\n");

    errno = ENOENT;
    perror("5: perror");
    for (int e = 0; e <= 5; e++) printf("strerror(%d) = %s\n", e, strerror(e));
    printf("strerror(EFAULT) = %s; strerror(9999) = %s\n", strerror(EFAULT), strerror(9999));
    int n = printf("%s %d\n", "twelve chars", 7);
    printf("that printf returned %d\n", n);
    n = fprintf(stderr, "%c", '\n');
    printf("fprintf(stderr) of one char returned %d\n", n);

    setvbuf(stdout, NULL, _IOLBF, 0);
    printf("6: line buffered now, ");
    fprintf(stderr, "7: stderr in the middle of a line\n");
    printf("end of line 6\n");
    puts("8: puts adds a newline");
    fputs("9: fputs does not", stdout);
    putchar('\n');

    int c = getc(stdin);
    printf("getc on empty stdin: %s, feof %d\n", c == EOF ? "EOF" : "a char", feof(stdin) != 0);
    clearerr(stdin);
    ungetc('Q', stdin);
    c = getchar();
    printf("ungetc then getchar: %c; again: %s\n", c, getchar() == EOF ? "EOF" : "more");
    char line[16];
    printf("fgets at EOF: %s\n", fgets(line, sizeof line, stdin) ? "a line" : "NULL");

    char zeros[8] = {0};
    size_t w = fwrite(zeros, 1, 0, stdout);
    printf("fwrite of 0 bytes: %zu; write(1, ...) of 6 bytes: ", w);
    fflush(stdout);
    ssize_t k = write(1, "raw!\n", 5);
    printf("returned %zd\n", k);
    k = write(7, "x", 1);
    printf("write to fd 7: %zd (%s)\n", k, k < 0 ? strerror(errno) : "?");
    k = read(1, line, 1);
    printf("read from stdout: %zd (%s)\n", k, k < 0 ? strerror(errno) : "no error");

    if (!strcmp(mode, "nested")) nested_exit(10, 42);
    if (!strcmp(mode, "close")) {
        fflush(stdout);
        int r = close(1);
        fprintf(stderr, "close(1) = %d\n", r);
        k = write(1, "gone\n", 5);
        fprintf(stderr, "write(1) after close: %zd (%s)\n", k, k < 0 ? strerror(errno) : "it went through");
        int p = printf("this line is lost\n");
        int f = fflush(stdout);
        fprintf(stderr, "printf after close returned %d, fflush %d, ferror %d\n", p, f, ferror(stdout) != 0);
        r = close(1);
        fprintf(stderr, "close(1) again = %d (%s)\n", r, r < 0 ? strerror(errno) : "");
        return 9;
    }
    if (!strcmp(mode, "length")) {
        /* a length computed as used - 1 with nothing used: Linux refuses the whole range */
        const char *msg = "short";
        size_t used = 0;
        fflush(stdout);
        k = write(1, msg, used - 1);
        printf("write of %zu bytes: %zd (%s)\n", used - 1, k, k < 0 ? strerror(errno) : "written");
        fflush(stdout);
        k = read(0, line, used - 1);
        printf("read of %zu bytes: %zd (%s)\n", used - 1, k, k < 0 ? strerror(errno) : "read");
        struct iovec iov[2] = { { (void *) msg, 5 }, { (void *) msg, used - 1 } };
        k = writev(1, iov, 2);
        printf("\nwritev with a second length of %zu: %zd (%s)\n", iov[1].iov_len, k, k < 0 ? strerror(errno) : "written");
        iov[0].iov_len = (size_t) 1 << 62;
        k = writev(1, iov, 1);
        printf("\nwritev of 2^62 bytes: %zd (%s)\n", k, k < 0 ? strerror(errno) : "written");
        return 3;
    }
    fprintf(stderr, "10: last stderr line\n");
    printf("11: last stdout line, flushed at exit\n");
    return 0;
}
