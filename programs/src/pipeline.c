/* pipeline: a tiny shell pipeline, `producer | upper`. The parent makes a pipe and forks twice:
 * the producer puts the pipe's write end on its standard output (dup2) and prints lines with
 * printf; the consumer puts the read end on its standard input and reads them with fgets,
 * printing each in capitals with its length, then a count at end of file. The parent closes both
 * ends (or the consumer would never see the end) and waits for both. */
#include <ctype.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv) {
    int lines = argc > 1 ? atoi(argv[1]) : 40;
    int p[2];
    if (pipe(p) != 0) {
        perror("pipe");
        return 1;
    }
    pid_t producer = fork();
    if (producer == 0) {
        dup2(p[1], 1);
        close(p[0]);
        close(p[1]);
        for (int i = 1; i <= lines; i++) {
            printf("line %d of %d: the quick brown fox, %d times\n", i, lines, i * i);
        }
        return 0; /* exit flushes stdout into the pipe */
    }
    pid_t consumer = fork();
    if (consumer == 0) {
        dup2(p[0], 0);
        close(p[0]);
        close(p[1]);
        char line[256];
        int n = 0;
        long bytes = 0;
        while (fgets(line, sizeof line, stdin) != NULL) {
            size_t len = strlen(line);
            for (size_t k = 0; k < len; k++) {
                line[k] = (char) toupper((unsigned char) line[k]);
            }
            printf("%3zu %s", len, line);
            n++;
            bytes += (long) len;
        }
        printf("consumer: %d lines, %ld bytes, then end of file\n", n, bytes);
        return n == lines ? 0 : 1;
    }
    close(p[0]);
    close(p[1]);
    int s1, s2;
    waitpid(producer, &s1, 0);
    waitpid(consumer, &s2, 0);
    printf("producer exited %d, consumer exited %d\n", WEXITSTATUS(s1), WEXITSTATUS(s2));
    return 0;
}
