/* fork_exec: a shell's fork and exec. Descriptors 20 (no FD_CLOEXEC), 21 (dup3 with O_CLOEXEC)
 * and 22 (FD_CLOEXEC set by fcntl F_SETFD) name a pipe, SIGUSR1 has a handler, SIGUSR2 is
 * ignored. A forked child execs bin/exec_target.elf with two arguments and an environment of its
 * own; the parent waits for it and prints its status. A vfork child does the same with other
 * arguments. An execve of a path no program has fails with ENOENT and the program goes on; then,
 * SIGTERM blocked, the parent itself execs the target by a path with "." and "..", and the
 * target's exit status is the run's. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void on_usr1(int sig) {
    (void) sig;
}

static void reap(const char *who, pid_t pid) {
    int status;
    if (waitpid(pid, &status, 0) != pid) {
        printf("%s: waitpid failed: %s\n", who, strerror(errno));
    } else if (WIFEXITED(status)) {
        printf("%s: exited with status %d\n", who, WEXITSTATUS(status));
    } else {
        printf("%s: killed by signal %d\n", who, WTERMSIG(status));
    }
}

int main(void) {
    setvbuf(stdout, NULL, _IONBF, 0);
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) {
        printf("pipe2: %s\n", strerror(errno));
        return 1;
    }
    int keep = fcntl(fds[0], F_DUPFD, 20);
    int gone = dup3(fds[1], 21, O_CLOEXEC);
    int flagged = fcntl(fds[0], F_DUPFD, 22);
    fcntl(flagged, F_SETFD, FD_CLOEXEC);
    printf("descriptors %d %d %d; F_GETFD %d %d %d\n", keep, gone, flagged, fcntl(keep, F_GETFD),
           fcntl(gone, F_GETFD), fcntl(flagged, F_GETFD));
    signal(SIGUSR1, on_usr1);
    signal(SIGUSR2, SIG_IGN);

    pid_t child = fork();
    if (child == 0) {
        char *argv[] = {"bin/exec_target.elf", "forked", "two words", NULL};
        char *envp[] = {"GREETING=hello from the forked child", "OTHER=1", NULL};
        execve(argv[0], argv, envp);
        printf("child: execve failed: %s\n", strerror(errno));
        _exit(127);
    }
    reap("forked child", child);

    child = vfork();
    if (child == 0) {
        char *argv[] = {"bin/exec_target.elf", "vforked", NULL};
        char *envp[] = {NULL};
        execve(argv[0], argv, envp);
        _exit(127);
    }
    reap("vforked child", child);

    char *missing[] = {"bin/no_such_program.elf", NULL};
    errno = 0;
    int r = execve(missing[0], missing, missing + 1);
    printf("execve of a missing program: %d, %s\n", r, strerror(errno));

    sigset_t term;
    sigemptyset(&term);
    sigaddset(&term, SIGTERM);
    sigprocmask(SIG_BLOCK, &term, NULL);
    char *argv[] = {"./bin/../bin/exec_target.elf", "parent", "a", "b", NULL};
    char *envp[] = {"GREETING=hello from the parent", NULL};
    execve(argv[0], argv, envp);
    printf("parent: execve failed: %s\n", strerror(errno));
    return 1;
}
