/* fork_many: forks N children (argument, default 20, at most 64: bounded, never a fork bomb), all
 * alive at once; each exits with its index. The parent then reaps them in whatever order wait
 * gives, checks each pid is one it forked and each status its child's, and prints the totals. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX 64

int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 20;
    if (n < 1 || n > MAX) {
        fprintf(stderr, "fork_many: 1 to %d children\n", MAX);
        return 2;
    }
    pid_t pids[MAX];
    fflush(stdout);
    for (int i = 0; i < n; i++) {
        pids[i] = fork();
        if (pids[i] < 0) {
            perror("fork");
            return 1;
        }
        if (pids[i] == 0) {
            exit(i);
        }
    }
    int reaped = 0;
    int sum = 0;
    int bad = 0;
    int seen[MAX] = {0};
    for (;;) {
        int status;
        pid_t pid = wait(&status);
        if (pid < 0) {
            break;
        }
        int i = 0;
        while (i < n && pids[i] != pid) {
            i++;
        }
        if (i == n || seen[i] || !WIFEXITED(status) || WEXITSTATUS(status) != i) {
            bad++;
        } else {
            seen[i] = 1;
        }
        reaped++;
        sum += WEXITSTATUS(status);
    }
    printf("forked %d children, reaped %d, sum of their codes %d, wrong %d\n", n, reaped, sum, bad);
    return 0;
}
