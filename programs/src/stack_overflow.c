/*
 * stack_overflow.c - unbounded recursion with a 16 KiB frame.  Each frame is
 * touched one byte per 4 KiB page, top down, so the stack grows page by page
 * and the first access below the stack region hits the guard page (no page
 * can be skipped).  The recursion is not a tail call (the result is used).
 *
 * Expected: killed by a data abort (translation fault, write) on the guard
 * page below the stack.  Under qemu-aarch64: SIGSEGV (exit status 139 from a
 * shell).  If the recursion ever returns, it prints so and exits with 2.
 */
#include <stdio.h>

#define FRAME 16384

static int __attribute__((noinline))
recurse(int depth)
{
    volatile char frame[FRAME];
    for (int i = FRAME - 1; i >= 0; i -= 4096)
        frame[i] = (char) depth;
    if (depth > (1 << 30))
        return 0;
    return recurse(depth + 1) + frame[depth & (FRAME - 1)];
}

int
main(void)
{
    printf("stack_overflow: recursing with 16 KiB frames until the guard page stops it\n");
    fflush(stdout);
    int r = recurse(0);
    printf("stack_overflow: recursion returned %d (should have been killed)\n", r);
    return 2;
}
