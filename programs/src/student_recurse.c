/* student_recurse: recursion that grows the stack over many pages, VLAs, and setjmp/longjmp error handling. */
#include <stdio.h>
#include <setjmp.h>
#include <string.h>

static jmp_buf env;
static int depth_reached;

static long sum_down(int n) {
    volatile char frame[512];           /* make each frame big: 100 levels ~ 50 KiB */
    frame[0] = (char)n;
    frame[511] = (char)(n >> 1);
    if (n == 0) return 0;
    return n + sum_down(n - 1) + frame[0] - (char)n;
}

static unsigned long ackermann(unsigned long m, unsigned long n) {
    if (m == 0) return n + 1;
    if (n == 0) return ackermann(m - 1, 1);
    return ackermann(m - 1, ackermann(m, n - 1));
}

static int fib(int n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }

static void parse(const char *s, int depth) {
    depth_reached = depth;
    if (*s == '\0') longjmp(env, 1);
    if (*s == '!') longjmp(env, 2 + depth);
    char vla[64 + depth];
    memset(vla, *s, sizeof vla);
    parse(s + 1, depth + 1);
}

static int hanoi_moves;
static void hanoi(int n, int from, int to, int via) {
    if (n == 0) return;
    hanoi(n - 1, from, via, to);
    hanoi_moves++;
    hanoi(n - 1, via, to, from);
}

int main(void) {
    printf("sum_down(2000) = %ld\n", sum_down(2000));
    printf("ackermann(2, 3) = %lu, ackermann(3, 6) = %lu\n", ackermann(2, 3), ackermann(3, 6));
    printf("fib(25) = %d\n", fib(25));
    hanoi(16, 1, 3, 2);
    printf("hanoi(16) = %d moves\n", hanoi_moves);
    const char *inputs[] = { "abcdef", "abc!def", "!" };
    for (int i = 0; i < 3; i++) {
        int code = setjmp(env);
        if (code == 0) {
            parse(inputs[i], 0);
            printf("not reached\n");
        } else {
            printf("parse(\"%s\"): longjmp code %d at depth %d\n", inputs[i], code, depth_reached);
        }
    }
    volatile int counter = 0;
    jmp_buf again;
    if (setjmp(again) < 5) { counter++; longjmp(again, counter); }
    printf("loop by longjmp ran %d times\n", counter);
    return 0;
}
