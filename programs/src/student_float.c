/* student_float: long double (IEEE quad, computed in software by libgcc) and _Complex arithmetic,
 * and strtod/strtold at their edges. */
#include <stdio.h>
#include <stdlib.h>
#include <math.h>
#include <float.h>
#include <complex.h>
#include <errno.h>
#include <string.h>
#include <stdint.h>

static volatile long double vl[] = { 1.0L, 3.0L, 0.1L, -2.5L, 1e300L, 1e-300L, 123456789.123456789L, 0.0L };

static void show_ld(const char *what, long double x) {
    printf("%-14s %.36Lg  %La\n", what, x, x);
}

static void ld_arith(void) {
    long double third = vl[0] / vl[1];
    show_ld("1/3", third);
    show_ld("3*(1/3)", vl[1] * third);
    show_ld("0.1+0.1+0.1", vl[2] + vl[2] + vl[2]);
    show_ld("1e300*1e300", vl[4] * vl[4]);
    show_ld("1e-300^2", vl[5] * vl[5]);
    show_ld("1e300/1e-300", vl[4] / vl[5]);
    show_ld("-2.5-123456789", vl[3] - vl[6]);
    show_ld("sqrtl(2)", sqrtl(2.0L));
    show_ld("sqrtl(1e300)", sqrtl(vl[4]));
    show_ld("fmal", fmal(vl[2], vl[1], -vl[2] * vl[1]));
    show_ld("LDBL_EPSILON", LDBL_EPSILON);
    show_ld("LDBL_MIN", LDBL_MIN);
    show_ld("LDBL_TRUE_MIN", LDBL_TRUE_MIN);
    show_ld("LDBL_MAX", LDBL_MAX);
    show_ld("nextafterl", nextafterl(vl[0], 2.0L));
    show_ld("1/0", vl[0] / vl[7]);
    show_ld("0/0", vl[7] / vl[7]);
    show_ld("floorl(-2.5)", floorl(vl[3]));
    show_ld("roundl(-2.5)", roundl(vl[3]));
    show_ld("fmodl", fmodl(vl[6], vl[1]));
    long double f = 1.0L;
    for (int i = 1; i <= 40; i++) f *= i;
    show_ld("40!", f);
    long double s = 0.0L;
    for (int i = 1; i <= 1000; i++) s += 1.0L / ((long double) i * i);
    show_ld("sum 1/i^2", s);
    /* conversions */
    printf("(double)1/3 = %.17g, (float) = %.9g\n", (double) third, (float) third);
    printf("(long long)1e18L+0.5 = %lld, (unsigned long long)LDBL 2^64-1 = %llu\n",
           (long long) (1e18L + 0.5L), (unsigned long long) 18446744073709551615.0L);
    unsigned __int128 big = (unsigned __int128) 1 << 100;
    long double lb = (long double) big;
    unsigned __int128 back = (unsigned __int128) (lb * 3.0L);
    printf("2^100*3 back: %016llx%016llx\n", (unsigned long long) (back >> 64), (unsigned long long) back);
    __int128 neg = (__int128) -vl[6];
    printf("(__int128)-123456789.12 = %lld\n", (long long) neg);
    printf("compare: %d %d %d %d %d\n", vl[0] < vl[1], vl[2] == 0.1L, vl[7] == -vl[7],
           isnan(vl[7] / vl[7]), (vl[7] / vl[7]) != (vl[7] / vl[7]));
    printf("ilogbl(1e300) = %d, frexpl: ", ilogbl(vl[4]));
    int e; long double m = frexpl(vl[6], &e);
    printf("%.20Lg * 2^%d\n", m, e);
}

static void show_c(const char *what, double complex z) {
    printf("%-12s %.17g %+.17gi\n", what, creal(z), cimag(z));
}

static void complex_arith(void) {
    volatile double a = 3.0, b = 4.0, c = 1.5, d = -2.0;
    double complex z = a + b * I, w = c + d * I;
    show_c("z", z);
    show_c("z*w", z * w);
    show_c("z/w", z / w);
    show_c("conj(z)", conj(z));
    printf("cabs(z) = %.17g, carg(z) = %.17g\n", cabs(z), carg(z));
    show_c("csqrt(z)", csqrt(z));
    show_c("cexp(z)", cexp(z));
    show_c("clog(z)", clog(z));
    show_c("cpow(z,w)", cpow(z, w));
    show_c("csin(w)", csin(w));
    show_c("1/(0+0i)", 1.0 / (z - z));
    show_c("inf*i", (a * INFINITY + 0 * I) * w);
    /* roots of unity summed */
    double complex sum = 0;
    for (int k = 0; k < 12; k++) sum += cexp(2 * M_PI * I * k / 12);
    printf("sum of 12 roots: |%.3g| < 1e-14: %s\n", cabs(sum), cabs(sum) < 1e-14 ? "yes" : "no");
    float complex fz = 1.0f + 2.0f * I, fw = 3.0f - 1.0f * I;
    float complex fq = fz / fw;
    printf("float z/w = %.9g %+.9gi, fz*fw = %.9g %+.9gi\n", crealf(fq), cimagf(fq),
           crealf(fz * fw), cimagf(fz * fw));
    long double complex lz = 1.0L + 1.0L * I, lw = lz * lz * lz;
    long double complex lq = lw / (lz + 2.0L);
    printf("ld (1+i)^3 = %Lg %+Lgi, /(3+i) = %.30Lg %+.30Lgi\n", creall(lw), cimagl(lw), creall(lq), cimagl(lq));
}

static void parse(const char *s) {
    char *end;
    errno = 0;
    double d = strtod(s, &end);
    int e1 = errno;
    errno = 0;
    long double l = strtold(s, NULL);
    int e2 = errno;
    float f = strtof(s, NULL);
    printf("%-28.28s -> %-24.17g %a (used %zu, %s) L %.21Lg %s f %a\n", s, d, d, (size_t) (end - s),
           e1 ? strerror(e1) : "ok", l, e2 ? strerror(e2) : "ok", f);
}

static void strtod_edges(void) {
    static const char *in[] = {
        "0.1", "1e23", "8.98846567431158e307", "2.2250738585072011e-308", "2.2250738585072014e-308",
        "4.9406564584124654e-324", "2.4703282292062327e-324", "2.4703282292062328e-324", "1e-400",
        "1.7976931348623158e308", "1.7976931348623159e308", "1e309", "-0", "0x1.fffffffffffffp1023",
        "0x1p-1074", "0x1.8p-1075", "  +12.5e+2xyz", ".5", "5.", "e5", "-.e1", "infinity", "-INF", "nan(123)",
        "9007199254740993", "9007199254740993.000000000000000000001",
        "1.00000000000000011102230246251565404236316680908203125",
        "1.00000000000000011102230246251565404236316680908203124",
        "123456789012345678901234567890e-30", "1e-4950", "1e4933", "3.6e-4951",
    };
    for (size_t i = 0; i < sizeof in / sizeof *in; i++) parse(in[i]);
}

int main(void) {
    ld_arith();
    complex_arith();
    strtod_edges();
    return 0;
}
