/* student_varargs: variadic functions (ints, doubles, long doubles and pointers mixed, which the
 * AArch64 procedure call standard passes in two register save areas; va_copy; a printf of one's
 * own over vsnprintf) and setjmp/longjmp as exceptions: nested handlers, a volatile local kept,
 * longjmp(env, 0) arriving as 1, and a jump out of a callback from qsort. */
#include <stdio.h>
#include <stdlib.h>
#include <stdarg.h>
#include <setjmp.h>
#include <string.h>

static long sum_ints(int count, ...) {
    va_list ap;
    va_start(ap, count);
    long s = 0;
    for (int i = 0; i < count; i++) s += va_arg(ap, int);
    va_end(ap);
    return s;
}

/* fmt letters: i int, l long, d double, L long double, s string */
static void mixed(const char *fmt, ...) {
    va_list ap, again;
    va_start(ap, fmt);
    va_copy(again, ap);
    double total = 0;
    for (const char *f = fmt; *f; f++) {
        switch (*f) {
        case 'i': total += va_arg(ap, int); break;
        case 'l': total += (double)va_arg(ap, long); break;
        case 'd': total += va_arg(ap, double); break;
        case 'L': total += (double)va_arg(ap, long double); break;
        case 's': total += strlen(va_arg(ap, const char *)); break;
        }
    }
    va_end(ap);
    printf("mixed(%s): total %.4f; again:", fmt, total);
    for (const char *f = fmt; *f; f++) {
        switch (*f) {
        case 'i': printf(" %d", va_arg(again, int)); break;
        case 'l': printf(" %ld", va_arg(again, long)); break;
        case 'd': printf(" %g", va_arg(again, double)); break;
        case 'L': printf(" %Lg", va_arg(again, long double)); break;
        case 's': printf(" %s", va_arg(again, const char *)); break;
        }
    }
    va_end(again);
    printf("\n");
}

static char logbuf[256];
static int log_line(const char *level, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = snprintf(logbuf, sizeof logbuf, "[%-5s] ", level);
    n += vsnprintf(logbuf + n, sizeof logbuf - n, fmt, ap);
    va_end(ap);
    fputs(logbuf, stdout);
    fputc('\n', stdout);
    return n;
}

static double average(int n, ...) {
    va_list ap;
    va_start(ap, n);
    double s = 0;
    for (int i = 0; i < n; i++) s += va_arg(ap, double);
    va_end(ap);
    return n ? s / n : 0;
}

/* exceptions */
static jmp_buf *current;
enum { E_NONE, E_PARSE, E_RANGE };
static void throw(int code) { longjmp(*current, code); }

static int parse_digit(char c) {
    if (c < '0' || c > '9') throw(E_PARSE);
    return c - '0';
}
static int parse_number(const char *s) {
    int v = 0;
    for (; *s; s++) {
        v = v * 10 + parse_digit(*s);
        if (v > 9999) throw(E_RANGE);
    }
    return v;
}
static void try_parse(const char *s) {
    jmp_buf env, *saved = current;
    current = &env;
    volatile int attempts = 0;
    int code = setjmp(env);
    attempts++;
    if (code == 0) {
        printf("parse(\"%s\") = %d\n", s, parse_number(s));
    } else {
        printf("parse(\"%s\") threw %s after %d attempt(s)\n", s, code == E_PARSE ? "E_PARSE" : "E_RANGE", attempts);
    }
    current = saved;
}

static jmp_buf outer;
static int nested(int depth) {
    jmp_buf inner, *saved = current;
    current = &inner;
    int code = setjmp(inner);
    if (code) {
        current = saved;
        printf("  depth %d caught %d, rethrowing to the outer handler\n", depth, code);
        longjmp(outer, code + 100);
    }
    if (depth == 3) throw(7);
    nested(depth + 1);
    current = saved;
    return 0;
}

static jmp_buf cmp_escape;
static int cmp_calls;
static int cmp_int(const void *a, const void *b) {
    if (++cmp_calls == 50) longjmp(cmp_escape, 1);
    return *(const int *)a - *(const int *)b;
}

int main(void) {
    printf("sum_ints: %ld %ld %ld\n", sum_ints(0), sum_ints(3, 1, 2, 3), sum_ints(12, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12));
    mixed("idLs", 7, 2.5, 1.25L, "four");
    mixed("ddddddddddiL", 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, -55, 0.5L);
    mixed("llllllllllls", 1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L, 10L, 11L, "x");
    printf("average: %.3f %.3f\n", average(4, 1.0, 2.0, 3.0, 4.5), average(0));
    int n = log_line("warn", "disk %d%% full, %s left", 93, "7 GiB");
    printf("log_line wrote %d chars\n", n);
    log_line("error", "%s:%d: %s", "main.c", 42, "expected ';'");

    try_parse("1234");
    try_parse("12a4");
    try_parse("123456");
    try_parse("");

    int code = setjmp(outer);
    if (code == 0) {
        nested(1);
        printf("not reached\n");
    } else {
        printf("outer handler got %d\n", code);
    }

    static jmp_buf zero;
    int v = setjmp(zero);
    if (v == 0) longjmp(zero, 0);
    printf("longjmp(env, 0) arrives as %d\n", v);

    int data[200];
    for (int i = 0; i < 200; i++) data[i] = (i * 7919) % 200;
    if (setjmp(cmp_escape) == 0) {
        qsort(data, 200, sizeof *data, cmp_int);
        printf("qsort finished\n");
    } else {
        printf("escaped from qsort's comparator after %d calls\n", cmp_calls);
    }
    return 0;
}
