/*
 * echo_stdin: reads standard input to its end with read(2) in small pieces and writes it back,
 * upper-cased, with writev(2) (the case change shows the bytes went through the program). It
 * reports how many bytes and how many read calls it took. Exercises read from SOS's --stdin
 * input, the end of input (read returning 0), and writev with two iovecs.
 * Expected in SOS: with input "hello\n": "HELLO\n" then "echo_stdin: 6 bytes in 2 reads\n", exit 0.
 */
#include <stdio.h>
#include <sys/uio.h>
#include <unistd.h>

int
main(void)
{
    char buf[7];
    long total = 0;
    int reads = 0;
    for (;;) {
        ssize_t n = read(0, buf, sizeof buf);
        reads++;
        if (n < 0) {
            return 2;
        }
        if (n == 0) {
            break;
        }
        for (ssize_t i = 0; i < n; i++) {
            if (buf[i] >= 'a' && buf[i] <= 'z') {
                buf[i] = (char) (buf[i] - 'a' + 'A');
            }
        }
        struct iovec iov[2] = {{buf, (size_t) n / 2}, {buf + n / 2, (size_t) (n - n / 2)}};
        if (writev(1, iov, 2) != n) {
            return 3;
        }
        total += n;
    }
    printf("echo_stdin: %ld bytes in %d reads\n", total, reads);
    return 0;
}
