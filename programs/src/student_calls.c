/* student_calls: code that calls its own small functions in hot loops, as a student's often does:
 * a recursive fib and a hash mixed one value at a time by a function that is not inlined. Each
 * call's return comes back through x30 to the instruction after its bl, on the same page.
 * Arguments: fib's n (default 24) and the hashing loop's length (default 200000). */
#include <stdio.h>
#include <stdlib.h>

__attribute__((noinline)) static long fib(long n) {
    return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

/* One FNV-1a step. */
__attribute__((noinline)) static unsigned mix(unsigned h, unsigned v) {
    h ^= v;
    h *= 0x01000193u;
    return h;
}

int main(int argc, char **argv) {
    long n = argc > 1 ? atol(argv[1]) : 24;
    long reps = argc > 2 ? atol(argv[2]) : 200000;
    if (n < 0 || n > 60 || reps < 0) {
        fprintf(stderr, "usage: student_calls [n 0..60] [reps >= 0]\n");
        return 2;
    }
    unsigned h = 2166136261u;
    for (long i = 0; i < reps; i++) {
        h = mix(h, (unsigned) i);
    }
    printf("fib(%ld) = %ld\n", n, fib(n));
    printf("hash of 0..%ld = %u\n", reps - 1, h);
    return 0;
}
