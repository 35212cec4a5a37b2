/* student_timers: timers and waiting for a signal as a student meets them, one mode per argument
 * (no argument runs all but the one that ends the process). Each prints only what Linux fixes
 * whatever the clock: which signal, how many times, what a call returned, never how long it took.
 *   alarm     alarm(1) and pause() with a SIGALRM handler: pause is EINTR after the handler; a
 *             second alarm returns the seconds left of the first
 *   periodic  setitimer with a 20 ms period: pause() five times, five ticks; then disarmed,
 *             getitimer reads zero
 *   suspend   SIGALRM blocked, sigsuspend with a mask of SIGUSR1 only: the handler runs under
 *             SIGUSR1 and SIGALRM, and afterwards the mask is the old one again
 *   timedwait SIGALRM blocked, sigwaitinfo takes it (si_signo, si_code SI_KERNEL) without running
 *             the handler; sigtimedwait with a zero and a 10 ms timeout finds nothing: EAGAIN
 *   sleep     a 5 s nanosleep that a 1 s alarm interrupts: EINTR, about 4 s left; with SIGALRM
 *             blocked a sleep is not interrupted and SIGALRM stays pending
 *   bad       setitimer's and getitimer's errors: a bad which, a bad pointer, microseconds out of
 *             range or negative seconds, each changing nothing
 *   kill      alarm(1) and pause() with no handler: the process dies of SIGALRM (142) */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t alarms;
static volatile sig_atomic_t usr1_blocked_in_handler;
static volatile sig_atomic_t alrm_blocked_in_handler;

static void on_alarm(int sig) {
    (void) sig;
    sigset_t now;
    sigprocmask(SIG_BLOCK, NULL, &now);
    usr1_blocked_in_handler = sigismember(&now, SIGUSR1);
    alrm_blocked_in_handler = sigismember(&now, SIGALRM);
    alarms++;
}

static void handle_alarm(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;
    sigaction(SIGALRM, &sa, NULL);
    alarms = 0;
}

static const char *err(int e) {
    return e == EINTR ? "EINTR" : e == EAGAIN ? "EAGAIN" : e == EINVAL ? "EINVAL" : e == EFAULT ? "EFAULT" : "other";
}

static void mode_alarm(void) {
    handle_alarm();
    unsigned first = alarm(5);
    unsigned left = alarm(1);
    int r = pause();
    int e = errno;
    printf("alarm: first alarm returned %u, the second %u (seconds left of the first)\n", first, left);
    printf("alarm: pause returned %d (%s), SIGALRM handled %d time(s)\n", r, err(e), (int) alarms);
    printf("alarm: alarm(0) after it fired returns %u\n", alarm(0));
}

static void mode_periodic(void) {
    handle_alarm();
    struct itimerval it = {.it_interval = {0, 20000}, .it_value = {0, 20000}};
    setitimer(ITIMER_REAL, &it, NULL);
    int interrupted = 0;
    while (alarms < 5) {
        if (pause() == -1 && errno == EINTR) {
            interrupted++;
        }
    }
    struct itimerval off = {0}, old, now;
    setitimer(ITIMER_REAL, &off, &old);
    getitimer(ITIMER_REAL, &now);
    printf("periodic: %d ticks, pause interrupted %d times\n", (int) alarms, interrupted);
    printf("periodic: the old period read back %ld.%06ld s\n", (long) old.it_interval.tv_sec,
           (long) old.it_interval.tv_usec);
    printf("periodic: disarmed, getitimer reads %ld.%06ld s left, period %ld.%06ld s\n", (long) now.it_value.tv_sec,
           (long) now.it_value.tv_usec, (long) now.it_interval.tv_sec, (long) now.it_interval.tv_usec);
}

static void mode_suspend(void) {
    handle_alarm();
    sigset_t block, wait_mask, after;
    sigemptyset(&block);
    sigaddset(&block, SIGALRM);
    sigprocmask(SIG_BLOCK, &block, NULL);
    sigemptyset(&wait_mask);
    sigaddset(&wait_mask, SIGUSR1);
    alarm(1);
    int r = sigsuspend(&wait_mask);
    int e = errno;
    sigprocmask(SIG_BLOCK, NULL, &after);
    printf("suspend: sigsuspend returned %d (%s), SIGALRM handled %d time(s)\n", r, err(e), (int) alarms);
    printf("suspend: in the handler SIGUSR1 blocked %d, SIGALRM blocked %d\n", (int) usr1_blocked_in_handler,
           (int) alrm_blocked_in_handler);
    printf("suspend: afterwards SIGALRM blocked %d, SIGUSR1 blocked %d\n", sigismember(&after, SIGALRM),
           sigismember(&after, SIGUSR1));
    sigprocmask(SIG_UNBLOCK, &block, NULL);
}

static void mode_timedwait(void) {
    handle_alarm();
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGALRM);
    sigprocmask(SIG_BLOCK, &set, NULL);
    alarm(1);
    siginfo_t info;
    memset(&info, 0, sizeof info);
    int sig = sigwaitinfo(&set, &info);
    printf("timedwait: sigwaitinfo returned %d, si_signo %d, si_code 0x%x, handler ran %d time(s)\n", sig,
           info.si_signo, (unsigned) info.si_code, (int) alarms);
    struct timespec zero = {0, 0}, short_wait = {0, 10000000};
    int r = sigtimedwait(&set, &info, &zero);
    int e = errno;
    printf("timedwait: zero timeout, nothing pending: %d (%s)\n", r, err(e));
    r = sigtimedwait(&set, &info, &short_wait);
    e = errno;
    printf("timedwait: 10 ms timeout, nothing pending: %d (%s)\n", r, err(e));
    sigset_t pending;
    sigpending(&pending);
    printf("timedwait: SIGALRM pending afterwards %d\n", sigismember(&pending, SIGALRM));
    sigprocmask(SIG_UNBLOCK, &set, NULL);
}

static void mode_sleep(void) {
    handle_alarm();
    alarm(1);
    struct timespec req = {5, 0}, rem = {0, 0};
    int r = nanosleep(&req, &rem);
    int e = errno;
    printf("sleep: nanosleep returned %d (%s), SIGALRM handled %d time(s), 3 s < time left <= 4.1 s: %s\n", r, err(e),
           (int) alarms, rem.tv_sec >= 3 && (rem.tv_sec < 4 || (rem.tv_sec == 4 && rem.tv_nsec <= 100000000)) ? "yes" : "no");
    sigset_t set, pending;
    sigemptyset(&set);
    sigaddset(&set, SIGALRM);
    sigprocmask(SIG_BLOCK, &set, NULL);
    struct itimerval it = {.it_value = {0, 20000}};
    setitimer(ITIMER_REAL, &it, NULL);
    struct timespec nap = {0, 60000000};
    r = nanosleep(&nap, NULL);
    sigpending(&pending);
    printf("sleep: with SIGALRM blocked nanosleep returned %d, SIGALRM pending %d\n", r, sigismember(&pending, SIGALRM));
    sigprocmask(SIG_UNBLOCK, &set, NULL);
    printf("sleep: unblocked, SIGALRM handled %d time(s)\n", (int) alarms);
}

static void mode_bad(void) {
    struct itimerval it = {.it_value = {1, 0}}, old;
    int r = setitimer(7, &it, NULL);
    printf("bad: setitimer(7): %d (%s)\n", r, err(errno));
    r = getitimer(-1, &old);
    printf("bad: getitimer(-1): %d (%s)\n", r, err(errno));
    r = setitimer(ITIMER_REAL, (struct itimerval *) 8, NULL);
    printf("bad: setitimer from address 8: %d (%s)\n", r, err(errno));
    r = getitimer(ITIMER_REAL, (struct itimerval *) 8);
    printf("bad: getitimer to address 8: %d (%s)\n", r, err(errno));
    struct itimerval micros = {.it_value = {1, 1000000}};
    r = setitimer(ITIMER_REAL, &micros, NULL);
    printf("bad: 1,000,000 microseconds: %d (%s)\n", r, err(errno));
    struct itimerval negative = {.it_value = {-1, 0}};
    r = setitimer(ITIMER_REAL, &negative, NULL);
    printf("bad: -1 seconds: %d (%s)\n", r, err(errno));
    getitimer(ITIMER_REAL, &old);
    printf("bad: after all that ITIMER_REAL is %s\n", old.it_value.tv_sec || old.it_value.tv_usec ? "armed" : "not armed");
}

static void mode_kill(void) {
    printf("kill: alarm(1), then pause with no handler\n");
    fflush(stdout);
    alarm(1);
    pause();
    printf("kill: not reached\n");
}

int main(int argc, char **argv) {
    const char *mode = argc > 1 ? argv[1] : "all";
    int all = strcmp(mode, "all") == 0;
    if (all || strcmp(mode, "alarm") == 0) mode_alarm();
    if (all || strcmp(mode, "periodic") == 0) mode_periodic();
    if (all || strcmp(mode, "suspend") == 0) mode_suspend();
    if (all || strcmp(mode, "timedwait") == 0) mode_timedwait();
    if (all || strcmp(mode, "sleep") == 0) mode_sleep();
    if (all || strcmp(mode, "bad") == 0) mode_bad();
    if (strcmp(mode, "kill") == 0) mode_kill();
    return 0;
}
