/*
 * loop_k1.c - speed kernel k1: xorshift32 random numbers, lookups into and
 * updates of a 256-entry table, data-dependent branches.  ALU- and
 * branch-bound, few memory pages.
 *
 * argv[1] = iterations (default 6000000, about 100 million instructions).
 * Output: one line with the iteration count and a checksum; exit 0.
 */
#include <stdio.h>
#include <stdlib.h>

static unsigned table[256];

static unsigned __attribute__((noinline))
k1(long iters)
{
    unsigned x = 2463534242u, sum = 0;
    for (long it = 0; it < iters; it++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        unsigned t = table[x & 255];
        if (t & 1)
            sum += t >> 3;
        else
            sum ^= t << 1;
        if (((x >> 8) & 3) == 0)
            table[(x >> 16) & 255] ^= sum;
        else if ((x >> 10 & 7) == 5)
            sum = (sum << 7) | (sum >> 25);
    }
    return sum;
}

int
main(int argc, char **argv)
{
    long iters = argc > 1 ? strtol(argv[1], NULL, 0) : 6000000;
    for (unsigned i = 0; i < 256; i++)
        table[i] = i * 2654435761u ^ (i << 7);
    unsigned sum = k1(iters);
    printf("loop_k1: %ld iterations, checksum %08x\n", iters, sum);
    return 0;
}
