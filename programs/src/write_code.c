/*
 * write_code.c - stores a NOP over the first instruction of main, i.e. into
 * the read-only, executable text segment.
 *
 * Expected: killed by a permission fault (data abort, write to a page mapped
 * without write permission).  Under qemu-aarch64: SIGSEGV.  If the store
 * succeeds, it prints so and exits with 2.
 */
#include <stdint.h>
#include <stdio.h>

int
main(void)
{
    printf("write_code: storing into main's own code\n");
    fflush(stdout);
    volatile uint32_t *p = (volatile uint32_t *) (uintptr_t) &main;
    *p = 0xd503201f; /* nop */
    printf("write_code: store into code succeeded (should have been killed)\n");
    return 2;
}
