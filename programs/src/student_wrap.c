/* student_wrap: integer arithmetic at its edges, built with -fwrapv (build.sh) so that signed
 * overflow wraps by definition: INT_MAX + 1, -INT_MIN, abs(INT_MIN), a signed hash, 8/16-bit
 * truncation, shifts, and AArch64's division rules, which never trap (x / 0 is 0, x % 0 is x,
 * INT_MIN / -1 is INT_MIN, INT_MIN % -1 is 0); float to int conversions saturate (NaN is 0).
 * With the argument "fpe" it then raises SIGFPE itself, whose default action kills it. */
#include <stdio.h>
#include <stdlib.h>
#include <limits.h>
#include <stdint.h>
#include <string.h>
#include <signal.h>
#include <math.h>

static volatile int vzero = 0, vminus1 = -1;
static volatile long lzero = 0;

static __attribute__((noinline)) int add(int a, int b) { return a + b; }
static __attribute__((noinline)) int mul(int a, int b) { return a * b; }
static __attribute__((noinline)) int neg(int a) { return -a; }
static __attribute__((noinline)) int to_int(double d) { return (int)d; }
static __attribute__((noinline)) unsigned to_uint(double d) { return (unsigned)d; }
static __attribute__((noinline)) long long to_ll(float f) { return (long long)f; }

static int hash(const char *s) {
    int h = 0;
    while (*s) h = h * 31 + *s++;          /* overflows: defined with -fwrapv */
    return h;
}

int main(int argc, char **argv) {
    printf("INT_MAX + 1 = %d\n", add(INT_MAX, 1));
    printf("INT_MIN - 1 = %d\n", add(INT_MIN, -1));
    printf("-INT_MIN = %d, abs(INT_MIN) = %d, labs(LONG_MIN) = %ld\n", neg(INT_MIN), abs(INT_MIN), labs(LONG_MIN));
    printf("65536 * 65536 = %d, 46341 * 46341 = %d\n", mul(65536, 65536), mul(46341, 46341));
    int loops = 0;
    for (int i = INT_MAX - 5; i > 0; i++) loops++;   /* stops when i wraps negative */
    printf("loop from INT_MAX-5 ran %d times\n", loops);
    printf("hash(\"operating systems\") = %d\n", hash("operating systems"));
    printf("hash(\"the quick brown fox jumps over\") = %d\n", hash("the quick brown fox jumps over"));
    printf("(int8_t)200 = %d, (int16_t)40000 = %d, (uint8_t)-1 = %u\n", (int8_t)200, (int16_t)40000, (uint8_t)-1);
    printf("UINT_MAX + 1 = %u, 0u - 1 = %u, ULLONG_MAX * 3 = %llu\n", UINT_MAX + 1u, 0u - 1, ULLONG_MAX * 3);
    printf("-7 >> 1 = %d, -1 << 3 = %d, 1u << 31 = %u, INT_MIN >> 31 = %d\n", -7 >> 1, -1 * 8, 1u << 31, INT_MIN >> 31);
    printf("-7 / 2 = %d, -7 %% 2 = %d, 7 / -2 = %d, 7 %% -2 = %d\n", -7 / 2, -7 % 2, 7 / -2, 7 % -2);
    printf("division by zero (no trap on AArch64): 42 / 0 = %d, 42 %% 0 = %d, -5L / 0 = %ld\n",
           42 / vzero, 42 % vzero, -5L / lzero);
    printf("INT_MIN / -1 = %d, INT_MIN %% -1 = %d, LONG_MIN / -1 = %ld\n",
           INT_MIN / vminus1, INT_MIN % vminus1, LONG_MIN / (long)vminus1);
    printf("unsigned 7 / 0 = %u\n", 7u / (unsigned)vzero);
    printf("(int)1e10 = %d, (int)-1e10 = %d, (int)NAN = %d, (unsigned)-1.5 = %u, (int)2.9 = %d, (int)-2.9 = %d\n",
           to_int(1e10), to_int(-1e10), to_int(NAN), to_uint(-1.5), to_int(2.9), to_int(-2.9));
    printf("(long long)INFINITY = %lld, (long long)-1e30f = %lld\n", to_ll(INFINITY), to_ll(-1e30f));
    int r;
    printf("__builtin_add_overflow(INT_MAX, 1) = %d", __builtin_add_overflow(INT_MAX, 1, &r));
    printf(" -> %d\n", r);
    if (argc > 1 && strcmp(argv[1], "fpe") == 0) {
        printf("raising SIGFPE\n");
        fflush(stdout);
        raise(SIGFPE);
        printf("still alive after SIGFPE\n");
        return 2;
    }
    return 0;
}
