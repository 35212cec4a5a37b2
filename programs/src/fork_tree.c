/* fork_tree: a tree of processes, DEPTH levels deep, each node forking two children one after the
 * other (waiting for the first before forking the second, so the output's order is fixed). A leaf
 * exits with its number in the tree; a node checks each child's parent, waits for it by pid,
 * prints what it got and exits with the sum of its children's codes plus its own, modulo 256. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#define DEPTH 3

static int node(int depth, int number) {
    if (depth == DEPTH) {
        return number;
    }
    int sum = number;
    for (int i = 0; i < 2; i++) {
        int child = number * 2 + 1 + i;
        fflush(stdout);
        pid_t parent = getpid();
        pid_t pid = fork();
        if (pid < 0) {
            perror("fork");
            exit(255);
        }
        if (pid == 0) {
            if (getppid() != parent) {
                printf("node %d: wrong parent\n", child);
            }
            exit(node(depth + 1, child));
        }
        int status = -1;
        if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status)) {
            printf("node %d: waitpid failed for child %d\n", number, child);
            exit(255);
        }
        printf("%*snode %d (depth %d): child %d exited %d\n", depth * 2, "", number, depth, child,
               WEXITSTATUS(status));
        sum += WEXITSTATUS(status);
    }
    return sum % 256;
}

int main(void) {
    int code = node(0, 0);
    printf("root: the tree's sum is %d\n", code);
    return 0;
}
