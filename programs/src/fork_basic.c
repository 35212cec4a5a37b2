/* fork_basic: fork copies the parent's memory and registers. The child sees the parent's global,
 * heap block and stack, and a double the compiler keeps in a floating-point register across the
 * fork (d8, callee-saved, which seL4 does not show SOS), changes them and exits 7; the parent waits for it, finds its own copies unchanged and
 * prints the child's status. Then vfork (musl's is clone(SIGCHLD): a fork), a child that _exits 3.
 * Output is flushed before each fork, so no buffered line is printed twice. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int global = 1;

int main(int argc, char **argv) {
    (void) argv;
    double scale = strtod(argc > 5 ? argv[5] : "2.5", 0) * 3.0;
    int local = 2;
    int *heap = malloc(64 * sizeof *heap);
    char big[20000];
    for (int i = 0; i < 64; i++) {
        heap[i] = i;
    }
    memset(big, 'p', sizeof big);
    pid_t me = getpid();
    printf("parent before fork: global %d, local %d, heap[63] %d, big %c%c\n", global, local, heap[63], big[0],
           big[19999]);
    fflush(stdout);

    pid_t pid = fork();
    if (pid < 0) {
        perror("fork");
        return 1;
    }
    if (pid == 0) {
        printf("child sees: global %d, local %d, heap[63] %d, big %c%c\n", global, local, heap[63], big[0],
               big[19999]);
        global = 100;
        local = 200;
        heap[63] = 300;
        big[19999] = 'c';
        printf("child changed them: global %d, local %d, heap[63] %d, big %c%c\n", global, local, heap[63], big[0],
               big[19999]);
        printf("child's parent is the parent: %s\n", getppid() == me ? "yes" : "no");
        printf("child's pid differs: %s\n", getpid() != me ? "yes" : "no");
        printf("child's double: %g\n", scale);
        exit(7);
    }
    int status = -1;
    pid_t waited = waitpid(pid, &status, 0);
    printf("parent: waitpid returned the child: %s\n", waited == pid ? "yes" : "no");
    printf("parent: exited %s, exit status %d\n", WIFEXITED(status) ? "yes" : "no", WEXITSTATUS(status));
    printf("parent keeps: global %d, local %d, heap[63] %d, big %c%c, double %g\n", global, local, heap[63],
           big[0], big[19999], scale);
    fflush(stdout);

    pid_t v = vfork();
    if (v == 0) {
        _exit(3);
    }
    waited = waitpid(v, &status, 0);
    printf("vfork child: waited %s, exit status %d\n", waited == v ? "yes" : "no", WEXITSTATUS(status));
    free(heap);
    return 0;
}
