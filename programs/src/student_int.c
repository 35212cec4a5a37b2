/* student_int: 64-bit and 128-bit integer arithmetic, overflow, and division by zero (integer and float). */
#include <stdio.h>
#include <stdint.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

static void print_u128(unsigned __int128 v) {
    char buf[48];
    int i = sizeof buf - 1;
    buf[i] = '\0';
    do { buf[--i] = '0' + (int)(v % 10); v /= 10; } while (v);
    printf("%s", buf + i);
}

static uint64_t gcd(uint64_t a, uint64_t b) { while (b) { uint64_t t = a % b; a = b; b = t; } return a; }

static uint64_t mulmod(uint64_t a, uint64_t b, uint64_t m) { return (unsigned __int128)a * b % m; }
static uint64_t powmod(uint64_t b, uint64_t e, uint64_t m) {
    uint64_t r = 1;
    for (b %= m; e; e >>= 1, b = mulmod(b, b, m)) if (e & 1) r = mulmod(r, b, m);
    return r;
}

int main(int argc, char **argv) {
    uint64_t f = 1;
    for (int i = 1; i <= 20; i++) f *= i;
    printf("20! = %" PRIu64 "\n", f);
    unsigned __int128 big = 1;
    for (int i = 1; i <= 34; i++) big *= i;
    printf("34! = "); print_u128(big); printf("\n");
    __int128 s = -((__int128)1 << 100);
    __int128 q = s / 12345678901LL, r = s % 12345678901LL;
    printf("-(2^100) / 12345678901 = -"); print_u128((unsigned __int128)-q);
    printf(" rem %lld\n", (long long)r);
    printf("UINT128 max = "); print_u128(~(unsigned __int128)0); printf("\n");
    printf("2^64 * 3 >> 1 = "); print_u128(((unsigned __int128)3 << 64) >> 1); printf("\n");
    printf("gcd(2^40*3, 6^20) = %" PRIu64 "\n", gcd((1ULL << 40) * 3, 3656158440062976ULL));
    printf("powmod(2, 10^18, 1e9+7) = %" PRIu64 "\n", powmod(2, 1000000000000000000ULL, 1000000007ULL));
    printf("powmod(3, 2^64-1, 2^61-1) = %" PRIu64 "\n", powmod(3, UINT64_MAX, (1ULL << 61) - 1));
    volatile int64_t a = INT64_MAX;
    printf("INT64_MAX + 1 (wrapping) = %" PRId64 "\n", (int64_t)((uint64_t)a + 1));
    long long ov;
    printf("__builtin_mul_overflow: %d\n", __builtin_mul_overflow(a, 2, &ov));
    volatile int m7 = -7, p2 = 2;
    printf("-7/2=%d -7%%2=%d 7/-2=%d 7%%-2=%d -7>>1=%d\n", m7 / p2, m7 % p2, -m7 / -p2, -m7 % -p2, m7 >> 1);
    volatile uint32_t u = 0xffffffffu;
    printf("u32 wrap %u, u32*u32 as u64 %" PRIu64 ", popcount %d, clz %d, ctz %d\n", u + 1, (uint64_t)u * u,
           __builtin_popcountll(0xf0f0f0f0f0f0f0f0ULL), __builtin_clzll(1), __builtin_ctzll(1ULL << 40));
    printf("llabs(LLONG_MIN+1)=%lld, div(17,5)=%d r %d, lldiv=%lld\n", llabs(LLONG_MIN + 1), div(17, 5).quot, div(17, 5).rem, lldiv(-17, 5).quot);

    /* Division by zero.  AArch64's sdiv/udiv give 0 (no trap); C calls it undefined. */
    volatile int zero = argc - 1;          /* 0 when run with no arguments */
    volatile double dz = zero;
    printf("1.0/0 = %f, -1.0/0 = %f, 0.0/0 is nan: %d\n", 1.0 / dz, -1.0 / dz, (0.0 / dz) != (0.0 / dz));
    if (argc > 1 && strcmp(argv[1], "intdiv") == 0) {
        volatile int z = 0;
        printf("10 / 0 = %d, 10 %% 0 = %d\n", 10 / z, 10 % z);
        volatile long long lz = 0, mn = LLONG_MIN, m1 = -1;
        printf("LLONG_MIN / -1 = %lld, 5 / 0LL = %lld\n", mn / m1, 5 / lz);
    }
    return 0;
}
