/*
 * loop_k0.c - speed kernel k0: pt_test's access pattern in a loop.  Each
 * iteration stores one byte into each of 256 pages (4 KiB stride) of a 1 MiB
 * .bss buffer, then loads them back and checks them, like the seed's
 * do_pt_test.  The byte offset inside the page moves with the iteration.
 * Memory-bound: loads/stores through the page cache of an interpreter.
 *
 * argv[1] = iterations (default 26000, about 100 million instructions).
 * Output: one line with the iteration count and a checksum; exit 0, or 1 if a
 * loaded byte differs from the stored one.
 */
#include <stdio.h>
#include <stdlib.h>

#define NPAGES 256
#define PAGE 4096

static char buf[NPAGES * PAGE];

static unsigned long __attribute__((noinline))
k0(char *b, long iters, long *errors)
{
    unsigned long sum = 0;
    for (long it = 0; it < iters; it++) {
        long off = it & (PAGE - 1);
        /* set */
        for (int p = 0; p < NPAGES; p++)
            b[p * PAGE + off] = (char) (p + it);
        /* check */
        for (int p = 0; p < NPAGES; p++) {
            char c = b[p * PAGE + off];
            if (c != (char) (p + it))
                (*errors)++;
            sum += (unsigned char) c;
        }
    }
    return sum;
}

int
main(int argc, char **argv)
{
    long iters = argc > 1 ? strtol(argv[1], NULL, 0) : 26000;
    long errors = 0;
    unsigned long sum = k0(buf, iters, &errors);
    printf("loop_k0: %ld iterations, checksum %016lx, %ld errors\n", iters, sum, errors);
    return errors ? 1 : 0;
}
