/* fork_shared: MAP_SHARED anonymous memory across fork. Parent and child see each other's writes
 * to a shared counter and buffer (a private mapping beside it stays private); a page neither
 * touched before the fork is the same page whichever touches it first, the child or the parent;
 * MADV_DONTNEED of shared pages keeps their bytes (it drops only this process's mapping) where a
 * private page reads zero again; a child's munmap of the shared mapping leaves the parent's; a
 * grandchild's writes reach its grandparent. Every step is ordered by waits or by a flag in the
 * shared page itself, so the output is the same whatever the interleaving; output is flushed before
 * each fork, so no buffered line is printed twice. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define PAGE 4096

static int reap(pid_t pid) {
    int status;
    if (waitpid(pid, &status, 0) != pid) {
        return -1;
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int main(void) {
    volatile long *counter = mmap(NULL, 5 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    volatile long *own = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (counter == MAP_FAILED || own == MAP_FAILED) {
        printf("mmap failed\n");
        return 1;
    }
    char *buffer = (char *) counter + PAGE;
    volatile char *late = (char *) counter + 2 * PAGE;  /* untouched until the child writes it */
    volatile char *later = (char *) counter + 3 * PAGE; /* untouched until the parent writes it after a fork */
    volatile long *flag = (long *) ((char *) counter + 4 * PAGE - sizeof(long));
    counter[0] = 1;
    own[0] = 1;
    strcpy(buffer, "parent");

    fflush(stdout);

    pid_t pid = fork();
    if (pid == 0) {
        printf("child sees counter %ld, buffer \"%s\", private %ld\n", counter[0], buffer, own[0]);
        counter[0] += 1;
        own[0] = 99;
        strcpy(buffer, "written by the child");
        late[0] = 'C';
        fflush(stdout);
        _exit(0);
    }
    printf("child exited %d\n", reap(pid));
    printf("parent sees counter %ld, buffer \"%s\", private %ld, late page '%c'\n", counter[0], buffer, own[0],
           late[0]);

    /* a page untouched at the fork, written by the parent while the child waits for the flag */
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        while (*flag == 0) {
        }
        printf("child sees the parent's later page '%c'\n", later[0]);
        later[1] = 'c';
        fflush(stdout);
        _exit(0);
    }
    later[0] = 'P';
    *flag = 1;
    printf("child exited %d\n", reap(pid));
    printf("parent sees the child's mark '%c'\n", later[1]);

    /* MADV_DONTNEED: the shared bytes stay, a private page reads zero */
    printf("madvise shared: %d, counter %ld, buffer \"%s\"\n", madvise((void *) counter, 2 * PAGE, MADV_DONTNEED),
           counter[0], buffer);
    printf("madvise private: %d, private %ld\n", madvise((void *) own, PAGE, MADV_DONTNEED), own[0]);

    /* the child drops its own mapping (pages mapped or not) and exits; the parent's stays */
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        counter[0] = 100;
        int unmapped = munmap((void *) counter, 5 * PAGE);
        _exit(unmapped == 0 ? 3 : 4);
    }
    printf("child exited %d\n", reap(pid));
    counter[0] += 1;
    printf("after the child's munmap the parent's counter is %ld, buffer \"%s\"\n", counter[0], buffer);

    /* a grandchild counts too; its parent waits for it, the first parent for its child */
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        fflush(stdout);
        pid_t grandchild = fork();
        if (grandchild == 0) {
            for (int i = 0; i < 1000; i++) {
                counter[0] += 1;
            }
            _exit(0);
        }
        int status = reap(grandchild);
        for (int i = 0; i < 10; i++) {
            counter[0] += 1;
        }
        _exit(status);
    }
    printf("child exited %d\n", reap(pid));
    printf("counter after the grandchild's 1000 and the child's 10: %ld\n", counter[0]);

    /* the parent's own munmap of part of it: the rest still there */
    printf("munmap of the buffer's page: %d; counter %ld\n", munmap(buffer, PAGE), counter[0]);
    return 0;
}
