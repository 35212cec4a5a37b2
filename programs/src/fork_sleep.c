/* fork_sleep: sleeping processes. Three children sleep 300, 200 and 100 ms and print as they wake:
 * the shortest sleeper first. The parent reaps them in the order they end and checks the time that
 * passed. Then a child's SIGCHLD interrupts the parent's 10 s sleep: EINTR, most of it left. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t chld;

static void on_chld(int sig) {
    (void) sig;
    chld++;
}

static long long now_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000LL + t.tv_nsec / 1000000;
}

static void sleep_ms(long ms) {
    struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&t, 0);
}

int main(void) {
    pid_t pids[3];
    long long start = now_ms();
    for (int i = 0; i < 3; i++) {
        fflush(stdout);
        pids[i] = fork();
        if (pids[i] == 0) {
            sleep_ms(300 - 100 * i);
            printf("child %d woke after %d ms\n", i, 300 - 100 * i);
            exit(i);
        }
    }
    printf("reaped in order:");
    for (int k = 0; k < 3; k++) {
        int status;
        pid_t pid = wait(&status);
        printf(" %d", pid == pids[WEXITSTATUS(status)] ? WEXITSTATUS(status) : -1);
    }
    long long took = now_ms() - start;
    printf("\nat least 300 ms passed: %s, less than 3 s: %s\n", took >= 300 ? "yes" : "no", took < 3000 ? "yes" : "no");
    fflush(stdout);

    signal(SIGCHLD, on_chld);
    pid_t pid = fork();
    if (pid == 0) {
        sleep_ms(100);
        exit(0);
    }
    struct timespec ten = {10, 0}, left = {0, 0};
    errno = 0;
    int r = nanosleep(&ten, &left);
    printf("a 10 s sleep ended by SIGCHLD: %d %s, handler ran %d, more than 9 s left: %s\n", r,
           errno == EINTR ? "EINTR" : "other", (int) chld, left.tv_sec >= 9 ? "yes" : "no");
    waitpid(pid, 0, 0);
    return 0;
}
