/* student_env: argv, envp, getenv, and the time and process-id calls a student prints. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/time.h>
#include <sys/utsname.h>
#include <errno.h>
#include <sched.h>
#include <sys/resource.h>

extern char **environ;

int main(int argc, char **argv, char **envp) {
    printf("argc = %d\n", argc);
    for (int i = 1; i < argc; i++) printf("argv[%d] = \"%s\"\n", i, argv[i]);
    printf("argv[argc] is NULL: %s\n", argv[argc] == NULL ? "yes" : "no");
    int ne = 0;
    for (char **e = envp; *e; e++) { printf("envp[%d] = %s\n", ne, *e); ne++; }
    printf("environ == envp: %s\n", environ == envp ? "yes" : "no");
    const char *user = getenv("USER");
    printf("USER=%s HOME=%s\n", user ? user : "(unset)", getenv("HOME") ? getenv("HOME") : "(unset)");
    setenv("COURSE", "COMP3231", 1);
    printf("after setenv COURSE=%s\n", getenv("COURSE"));

    time_t t0 = time(NULL);
    struct timespec ts, mono1, mono2;
    struct timeval tv;
    int rc1 = clock_gettime(CLOCK_REALTIME, &ts);
    int rc2 = gettimeofday(&tv, NULL);
    int rc3 = clock_gettime(CLOCK_MONOTONIC, &mono1);
    volatile double spin = 0;
    for (int i = 0; i < 200000; i++) spin += i;
    clock_gettime(CLOCK_MONOTONIC, &mono2);
    long long dt = (mono2.tv_sec - mono1.tv_sec) * 1000000000LL + (mono2.tv_nsec - mono1.tv_nsec);
    printf("time() after 2020: %s\n", t0 > 1577836800 ? "yes" : "no");
    printf("clock_gettime rc %d, tv_nsec in range: %s, close to time(): %s\n", rc1,
           ts.tv_nsec >= 0 && ts.tv_nsec < 1000000000 ? "yes" : "no", ts.tv_sec - t0 < 5 && ts.tv_sec >= t0 ? "yes" : "no");
    printf("gettimeofday rc %d, usec in range: %s, close to time(): %s\n", rc2,
           tv.tv_usec >= 0 && tv.tv_usec < 1000000 ? "yes" : "no", tv.tv_sec - t0 < 5 && tv.tv_sec >= t0 ? "yes" : "no");
    printf("monotonic rc %d, never goes back: %s\n", rc3, dt >= 0 ? "yes" : "no");
    clock_t c = clock();
    printf("clock() not -1: %s\n", c != (clock_t)-1 ? "yes" : "no");
    struct tm tm;
    time_t fixed = 1000000000;
    gmtime_r(&fixed, &tm);
    char when[64];
    strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S %a", &tm);
    printf("1e9 seconds = %s UTC\n", when);
    pid_t pid = getpid();
    printf("getpid > 0: %s, getppid >= 0: %s\n", pid > 0 ? "yes" : "no", getppid() >= 0 ? "yes" : "no");
    printf("uid %s\n", getuid() == geteuid() ? "== euid" : "!= euid");
    char cwd[4096];
    printf("getcwd: %s\n", getcwd(cwd, sizeof cwd) && cwd[0] == '/' ? "an absolute path" : strerror(errno));
    printf("sched_yield: %d\n", sched_yield());
    struct rusage ru;
    printf("getrusage: %d, user time not negative: %s\n", getrusage(RUSAGE_SELF, &ru),
           ru.ru_utime.tv_sec >= 0 && ru.ru_utime.tv_usec >= 0 ? "yes" : "no");
    struct utsname u;
    if (uname(&u) == 0) printf("uname: sysname %s, machine %s\n", u.sysname, u.machine);
    else printf("uname failed: %s\n", strerror(errno));
    struct timespec nap = { 0, 1000000 };
    int ns = nanosleep(&nap, NULL);
    printf("nanosleep rc %d%s%s\n", ns, ns ? ", " : "", ns ? strerror(errno) : "");
    printf("sleep(0) = %u\n", sleep(0));
    time_t before = time(NULL);
    unsigned left = sleep(1);
    time_t after = time(NULL);
    printf("sleep(1) = %u, and time() moved by 1 or 2 seconds: %s\n", left, after - before >= 1 && after - before <= 2 ? "yes" : "no");
    return 0;
}
