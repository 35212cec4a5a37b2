/*
 * pt_test.c - the AOS milestone M3 page-table test, run as a user program.
 *
 * Exercises: a 1 MiB stack frame touched one byte per 4 KiB page (9 blocks x
 * 28 pages: demand-zero stack faults far below the initial SP), then nine
 * malloc(114688) calls (musl's malloc serves each with its own mmap) touched
 * the same way, freed again (munmap).  Finally printf (ioctl TIOCGWINSZ probe,
 * writev) and exit(0).
 *
 * The code between the BEGIN/END markers is the milestone text's pt_test,
 * copied verbatim (including its #include <utils/page.h>; src/include/utils/
 * page.h supplies PAGE_SIZE_4K).  It asserts that its stack buffer lies above
 * 0x8000000000, which holds in SOS (stack top 0x90_0000_0000) but not under
 * qemu-aarch64 7.2 (stack at 0x55_0000_1000..0x55_0080_1000), where the
 * assertion aborts (exit status 134).
 *
 * Variant pt_test_qemu.elf: build.sh compiles a copy of this file from which
 * exactly one line, the TEST_ADDRESS assertion, has been deleted with sed.
 * Nothing else differs.  That variant is the one traced under QEMU.
 */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>

/* ---- BEGIN verbatim seed code (AOS M3, pt_test) ---- */
#include <utils/page.h>

#define NBLOCKS 9
#define NPAGES_PER_BLOCK 28
#define TEST_ADDRESS 0x8000000000

/* called from pt_test */
static void
do_pt_test(char **buf)
{
    int i;

    /* set */
    for (int b = 0; b < NBLOCKS; b++) {
        for (int p = 0; p < NPAGES_PER_BLOCK; p++) {
          buf[b][p * PAGE_SIZE_4K] = p;
        }
    }

    /* check */
    for (int b = 0; b < NBLOCKS; b++) {
        for (int p = 0; p < NPAGES_PER_BLOCK; p++) {
          assert(buf[b][p * PAGE_SIZE_4K] == p);
        }
    }
}

static void
pt_test( void )
{
    /* need a decent sized stack */
    char buf1[NBLOCKS][NPAGES_PER_BLOCK * PAGE_SIZE_4K];
    char *buf1_ptrs[NBLOCKS];
    char *buf2[NBLOCKS];

    /* check the stack is above phys mem */
    for (int b = 0; b < NBLOCKS; b++) {
        buf1_ptrs[b] = buf1[b];
    }
    assert((void *) buf1 > (void *) TEST_ADDRESS);

    /* stack test */
    do_pt_test(buf1_ptrs);

    /* heap test */
    for (int b = 0; b < NBLOCKS; b++) {
        buf2[b] = malloc(NPAGES_PER_BLOCK * PAGE_SIZE_4K);
        assert(buf2[b]);
    }
    do_pt_test(buf2);
    for (int b = 0; b < NBLOCKS; b++) {
        free(buf2[b]);
    }
}
/* ---- END verbatim seed code ---- */

int
main(void)
{
    pt_test();
    printf("pt_test: stack and heap page-table test passed\n");
    return 0;
}
