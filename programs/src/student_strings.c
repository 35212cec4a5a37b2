/* student_strings: parsing and formatting text. strtok_r and strsep, strtol and strtoul in
 * several bases with end pointers and ERANGE, strtod/strtold, sscanf with scan sets, %n, %*,
 * widths and return counts, snprintf widths and precisions on strings and numbers, %a and long
 * double (%Lf %Le %Lg %La: IEEE quad in software), string searches and case-insensitive compares. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <errno.h>
#include <limits.h>
#include <float.h>
#include <math.h>

static void show_strtol(const char *s, int base) {
    char *end;
    errno = 0;
    long v = strtol(s, &end, base);
    printf("strtol(\"%s\", %d) = %ld, rest \"%s\", errno %s\n", s, base, v, end,
           errno == ERANGE ? "ERANGE" : errno == EINVAL ? "EINVAL" : errno ? "?" : "0");
}

int main(void) {
    char csv[] = "name,age,,city;alice,30,,paris;bob,,41,";
    char *rec_save, *rec;
    int r = 0;
    for (rec = strtok_r(csv, ";", &rec_save); rec; rec = strtok_r(NULL, ";", &rec_save), r++) {
        printf("record %d:", r);
        char *field, *rest = rec;
        while ((field = strsep(&rest, ",")) != NULL) printf(" [%s]", field);
        printf("\n");
    }

    show_strtol("  -1234xyz", 10);
    show_strtol("0x1fF", 0);
    show_strtol("0777", 0);
    show_strtol("101101", 2);
    show_strtol("zz", 36);
    show_strtol("99999999999999999999", 10);
    show_strtol("-99999999999999999999", 10);
    show_strtol("   ", 10);
    char *end;
    errno = 0;
    unsigned long u = strtoul("-1", &end, 10);
    printf("strtoul(\"-1\") = %lu (errno %d)\n", u, errno);
    unsigned long long ull = strtoull("18446744073709551615", &end, 10);
    printf("strtoull(max) = %llu\n", ull);
    double d = strtod("  3.25e2abc", &end);
    printf("strtod = %g rest \"%s\"\n", d, end);
    printf("strtod hex = %g, inf = %g, nan sign %d\n", strtod("0x1.8p3", NULL), strtod("-INF", NULL),
           !!signbit(strtod("-nan", NULL)));
    long double ld = strtold("1.000000000000000000000000000001", NULL);
    printf("strtold 1+1e-30: %.33Lf\n", ld);

    int a, b, n1, n2;
    char word[8], rest[32], c;
    double f;
    int got = sscanf("42 0x2A hello-world 3.5e1 Z tail", "%d %x %7[a-z]%n-%31s %lf %c%n", &a, &b, word, &n1, rest, &f, &c, &n2);
    printf("sscanf got %d: %d %d '%s' n1=%d '%s' %.1f '%c' n2=%d\n", got, a, b, word, n1, rest, f, c, n2);
    got = sscanf("12:34:56", "%d:%*d:%d", &a, &b);
    printf("sscanf skip: %d -> %d %d\n", got, a, b);
    got = sscanf("abc", "%d", &a);
    printf("sscanf no digits: %d\n", got);
    got = sscanf("", "%d", &a);
    printf("sscanf empty: %d (EOF is %d)\n", got, EOF);
    char key[16], val[16];
    got = sscanf("  key = value ; ignored", " %15[^= ] = %15[^; ]", key, val);
    printf("key/value: %d '%s' '%s'\n", got, key, val);

    const char *s = "abcdefghij";
    printf("[%s] [%.3s] [%10.4s] [%-10.2s] [%*.*s]\n", s, s, s, s, 6, 2, s);
    printf("[%8.3f] [%-8.2e] [%+.0f] [%#.0f] [%08.2f] [%.10g] [%g]\n", 3.14159, 31415.9, 2.5, 3.0, -1.5, 1.0 / 3, 1e-5);
    printf("[%#x] [%#o] [%.5d] [%-+6d|] [%lld] [%hhd] [%hu]\n", 255, 8, 42, 7, LLONG_MIN, 300, 70000);
    printf("%%a: %a %a %a %a %A\n", 1.0, 0.1, -2.5, DBL_MIN / 4, 255.0);
    printf("%%.3a: %.3a %.0a\n", 1.0 / 3, 1.5);
    long double third = 1.0L / 3;
    printf("%%Lf %.30Lf\n%%Le %.25Le\n%%Lg %Lg %Lg\n%%La %La\n", third, third * 1e100L, third, LDBL_MAX, third);
    printf("LDBL_DIG %d, LDBL_MANT_DIG %d, sizeof(long double) %zu\n", LDBL_DIG, LDBL_MANT_DIG, sizeof(long double));
    long double fact = 1;
    for (int i = 1; i <= 30; i++) fact *= i;
    printf("30! as long double: %.0Lf\n", fact);

    char small[10];
    int want = snprintf(small, sizeof small, "%s-%d", "truncated", 12345);
    printf("snprintf wanted %d, kept '%s'; size query %d\n", want, small, snprintf(NULL, 0, "%05.1f", 2.25));

    const char *hay = "the quick brown fox jumps over the lazy dog";
    printf("strspn %zu, strcspn %zu, strpbrk '%s', strstr '%s', memmem %s, strrchr '%s'\n",
           strspn(hay, "eht "), strcspn(hay, "qz"), strpbrk(hay, "xyz"), strstr(hay, "lazy"),
           memmem(hay, strlen(hay), "fox", 3) ? "found" : "missing", strrchr(hay, 'o'));
    printf("strcasecmp %d, strncasecmp %d, strcmp sign %d\n", strcasecmp("HeLLo", "hello"),
           strncasecmp("ABCx", "abcy", 3), strcmp("apple", "apricot") < 0 ? -1 : 1);
    char *dup = strndup(hay + 4, 5);
    printf("strndup '%s'\n", dup);
    free(dup);
    return 0;
}
