/* student_time: time arithmetic a student does with fixed dates (mktime, timegm, gmtime_r,
 * strftime, difftime, day of week and year, leap years) and the clocks checked only by how they
 * move: time(), clock(), CLOCK_MONOTONIC and CLOCK_REALTIME, clock_getres, a busy loop timed,
 * nanosleep. Run with TZ=UTC0, so that local time is UTC without a zone file (there are no
 * files in SOS; without TZ musl would try /etc/localtime). */
#include <stdio.h>
#include <time.h>
#include <string.h>
#include <stdlib.h>
#include <sys/time.h>

static void show(const char *what, time_t t) {
    struct tm tm;
    char buf[80];
    gmtime_r(&t, &tm);
    strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S %a %j %U", &tm);
    printf("%-14s %12lld  %s\n", what, (long long)t, buf);
}

int main(void) {
    show("epoch", 0);
    show("billennium", 1000000000);
    show("int32 limit", 2147483647);
    show("int32 + 1", 2147483648LL);
    show("before 1970", -86400 * 365);

    struct tm tm = {0};
    tm.tm_year = 2024 - 1900; tm.tm_mon = 1; tm.tm_mday = 29; tm.tm_hour = 12;
    time_t leap = mktime(&tm);
    printf("mktime(2024-02-29 12:00) = %lld, wday %d, yday %d, isdst %d\n", (long long)leap, tm.tm_wday, tm.tm_yday, tm.tm_isdst);
    tm.tm_mday += 1;                       /* normalised to March 1st */
    time_t next = mktime(&tm);
    printf("one day later: %04d-%02d-%02d, difftime %.0f s\n", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, difftime(next, leap));
    tm.tm_mon = 13; tm.tm_mday = 0;        /* month 13, day 0 */
    mktime(&tm);
    printf("month 13 day 0 normalises to %04d-%02d-%02d\n", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
    struct tm g = {.tm_year = 100, .tm_mon = 0, .tm_mday = 1};
    printf("timegm(2000-01-01) = %lld\n", (long long)timegm(&g));
    char buf[128];
    struct tm fixed = {.tm_year = 126, .tm_mon = 6, .tm_mday = 4, .tm_hour = 9, .tm_min = 5, .tm_sec = 7, .tm_wday = 6, .tm_yday = 184};
    strftime(buf, sizeof buf, "%A %d %B %Y, %I:%M:%S %p, ISO %F %T, %%", &fixed);
    printf("strftime: %s\n", buf);
    printf("asctime: %s", asctime(&fixed));
    int leaps = 0;
    for (int y = 1900; y <= 2100; y++) leaps += (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    printf("leap years 1900..2100: %d\n", leaps);

    time_t t0 = time(NULL);
    struct timespec m0, m1, r0, res;
    clock_gettime(CLOCK_MONOTONIC, &m0);
    clock_gettime(CLOCK_REALTIME, &r0);
    clock_t c0 = clock();
    volatile unsigned long spin = 0;
    for (unsigned long i = 0; i < 2000000; i++) spin += i;
    struct timespec nap = {0, 250000000};
    int slept = nanosleep(&nap, NULL);
    clock_gettime(CLOCK_MONOTONIC, &m1);
    clock_t c1 = clock();
    double elapsed = (m1.tv_sec - m0.tv_sec) + (m1.tv_nsec - m0.tv_nsec) / 1e9;
    printf("time() after 2020: %s; realtime agrees with time(): %s\n", t0 > 1577836800 ? "yes" : "no",
           r0.tv_sec - t0 <= 1 && r0.tv_sec >= t0 ? "yes" : "no");
    printf("monotonic moved forward: %s; at least the 0.25 s slept: %s; nanosleep returned %d\n",
           elapsed > 0 ? "yes" : "no", elapsed >= 0.25 ? "yes" : "no", slept);
    printf("clock() did not go backwards: %s; CLOCKS_PER_SEC %ld\n", c1 >= c0 ? "yes" : "no", (long)CLOCKS_PER_SEC);
    printf("clock_getres(MONOTONIC) ok: %s\n", clock_getres(CLOCK_MONOTONIC, &res) == 0 && res.tv_sec == 0 ? "yes" : "no");
    struct timeval tv;
    gettimeofday(&tv, NULL);
    printf("gettimeofday usec in range: %s\n", tv.tv_usec >= 0 && tv.tv_usec < 1000000 ? "yes" : "no");
    printf("spin %lu\n", (unsigned long)spin);
    return 0;
}
