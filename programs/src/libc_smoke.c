/*
 * libc_smoke.c - a small tour of musl: string and memory functions
 * (SIMD-ish memcpy/memset, `dc zva` for big memsets), qsort, strtol,
 * snprintf/printf with integers and floating point (%f %g %e: musl formats
 * through long double, i.e. IEEE quad done in software by libgcc), and a few
 * double operations (fdiv, fsqrt, int<->double conversions).
 *
 * Every check that fails prints a line "FAIL ..."; at the end one summary
 * line is printed.  Exit status 0 when all checks passed, 1 otherwise.
 * Deterministic: no time, pid or addresses in the output.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int checks, failures;

static void
check(int ok, const char *what)
{
    checks++;
    if (!ok) {
        failures++;
        printf("FAIL %s\n", what);
    }
}

static void
check_str(const char *got, const char *want, const char *what)
{
    checks++;
    if (strcmp(got, want) != 0) {
        failures++;
        printf("FAIL %s: got \"%s\", want \"%s\"\n", what, got, want);
    }
}

static int
cmp_int(const void *a, const void *b)
{
    int x = *(const int *) a, y = *(const int *) b;
    return (x > y) - (x < y);
}

static int
cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *) a, *(const char *const *) b);
}

/* volatile so the compiler cannot fold the library calls away */
static volatile double vd_a = 3.0, vd_b = 7.0, vd_c = 2.0;
static volatile int vi_a = -12345;

static char big[512];
static char big2[512];

int
main(void)
{
    char buf[128];

    /* strings */
    check(strlen("") == 0, "strlen empty");
    check(strlen("capbuddy") == 8, "strlen");
    check(strcmp("abc", "abc") == 0, "strcmp equal");
    check(strcmp("abc", "abd") < 0, "strcmp less");
    check(strcmp("b", "abc") > 0, "strcmp greater");
    check(strncmp("abcdef", "abcxyz", 3) == 0, "strncmp");
    check(strchr("hello", 'l') != NULL && *strchr("hello", 'l') == 'l'
          && strchr("hello", 'l') - "hello" == 2, "strchr");
    {
        const char *h = "hello";
        check(strrchr(h, 'l') == h + 3, "strrchr");
        check(strchr(h, 'z') == NULL, "strchr missing");
        check(strstr("the quick brown fox", "brown") != NULL, "strstr");
    }
    strcpy(buf, "sel4");
    strcat(buf, "-sos");
    check_str(buf, "sel4-sos", "strcpy+strcat");
    memset(buf, 0, sizeof buf);
    strncpy(buf, "abcdefgh", 4);
    check_str(buf, "abcd", "strncpy");

    /* memory */
    for (int i = 0; i < (int) sizeof big; i++)
        big[i] = (char) (i * 7 + 3);
    memcpy(big2, big, sizeof big);
    check(memcmp(big, big2, sizeof big) == 0, "memcpy 512");
    memcpy(big2 + 1, big + 3, 200);
    check(memcmp(big2 + 1, big + 3, 200) == 0, "memcpy unaligned");
    memcpy(buf, big2, 64);
    memmove(big2 + 10, big2, 300);    /* overlapping, copies backwards */
    check(memcmp(big2 + 10, buf, 64) == 0, "memmove up overlap");
    memmove(big, big + 1, 100);
    check(big[0] == (char) (1 * 7 + 3) && big[99] == (char) (100 * 7 + 3), "memmove down");
    memset(big, 0, sizeof big);       /* >= 256 zero bytes: musl uses dc zva if DCZID_EL0 allows */
    {
        int zero = 1;
        for (int i = 0; i < (int) sizeof big; i++)
            zero &= big[i] == 0;
        check(zero, "memset 0 512");
    }
    memset(big + 5, 0xa5, 37);
    check((unsigned char) big[5] == 0xa5 && (unsigned char) big[41] == 0xa5 && big[42] == 0
          && big[4] == 0, "memset small unaligned");
    check(memchr(big, 0xa5, sizeof big) == big + 5, "memchr");

    /* qsort */
    {
        int a[24];
        unsigned x = 12345;
        for (int i = 0; i < 24; i++) {
            x = x * 1103515245u + 12345u;
            a[i] = (int) (x >> 8) % 1000 - 500;
        }
        qsort(a, 24, sizeof a[0], cmp_int);
        int sorted = 1;
        for (int i = 1; i < 24; i++)
            sorted &= a[i - 1] <= a[i];
        check(sorted, "qsort int");
        const char *w[] = { "pear", "apple", "fig", "kiwi", "banana", "cherry" };
        qsort(w, 6, sizeof w[0], cmp_str);
        snprintf(buf, sizeof buf, "%s %s %s %s %s %s", w[0], w[1], w[2], w[3], w[4], w[5]);
        check_str(buf, "apple banana cherry fig kiwi pear", "qsort strings");
    }

    /* integer conversions */
    check(strtol("-4096", NULL, 10) == -4096, "strtol dec");
    check(strtoul("ff", NULL, 16) == 255, "strtoul hex");
    check(atoi("  42x") == 42, "atoi");
    snprintf(buf, sizeof buf, "%d|%u|%x|%X|%o|%ld|%lld", vi_a, 3000000000u, 0xbeefu, 0xcafeu,
             8u, -1L, 1234567890123LL);
    check_str(buf, "-12345|3000000000|beef|CAFE|10|-1|1234567890123", "snprintf ints");
    snprintf(buf, sizeof buf, "[%5d][%-5d][%05d][%+d][%c][%.3s][%%]", 42, 42, 42, 7, 'Q', "abcdef");
    check_str(buf, "[   42][42   ][00042][+7][Q][abc][%]", "snprintf widths");
    check(snprintf(buf, 4, "%s", "truncated") == 9 && strcmp(buf, "tru") == 0, "snprintf truncation");
    snprintf(buf, sizeof buf, "%#lx", 0x8000000000UL);
    check_str(buf, "0x8000000000", "snprintf 0x8000000000");

    /* floating point arithmetic */
    {
        double q = vd_a / vd_b;
        double r = sqrt(vd_c);
        check(q > 0.428571 && q < 0.428572, "fdiv");
        check(r * r > 1.9999999 && r * r < 2.0000001, "sqrt");
        check((int) (vd_b * 1000.5) == 7003, "fcvtzs");
        check((double) vi_a == -12345.0, "scvtf");
        float f = (float) vd_a;
        check(f * 0.5f == 1.5f, "float");
    }

    /* floating point formatting */
    snprintf(buf, sizeof buf, "%f", vd_a / vd_b);
    check_str(buf, "0.428571", "%f");
    snprintf(buf, sizeof buf, "%.2f|%8.3f|%-8.1f|", 3.14159, -2.5, 1e3);
    check_str(buf, "3.14|  -2.500|1000.0  |", "%.2f widths");
    snprintf(buf, sizeof buf, "%g|%g|%g|%g", 100000.0, 1000000.0, 0.0001, 1.5e-5);
    check_str(buf, "100000|1e+06|0.0001|1.5e-05", "%g");
    snprintf(buf, sizeof buf, "%e|%.3e|%E", 12345.678, -0.000123456, 6.02214076e23);
    check_str(buf, "1.234568e+04|-1.235e-04|6.022141E+23", "%e");
    snprintf(buf, sizeof buf, "%.1f|%.0f|%.0f", 0.25, 0.5, 1.5); /* round-half-even */
    check_str(buf, "0.2|0|2", "%f rounding");
    snprintf(buf, sizeof buf, "%f|%f", vd_a / 0.0, -vd_a / 0.0);
    check_str(buf, "inf|-inf", "%f inf");

    printf("libc_smoke: %d checks, %d failed; pi ~ %.6f, e ~ %g\n", checks, failures,
           4.0 * atan(1.0), exp(1.0));
    return failures ? 1 : 0;
}
