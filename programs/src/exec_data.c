/*
 * exec_data.c - copies two instructions (`mov w0, #42; ret`) into a buffer
 * that is not executable and branches to it (blr).
 *
 * argv[1] selects the buffer: "data" (default, a static array in .data),
 * "stack" (a local array) or "heap" (malloc'd).  No cache maintenance is done
 * (a real JIT would call __builtin___clear_cache): the branch must fault
 * before the bytes are ever executed.
 *
 * Expected: killed by an instruction abort (execute-never / permission fault
 * on instruction fetch).  Under qemu-aarch64: SIGSEGV.  If the code runs, it
 * prints so and exits with 2.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const uint32_t code[2] = {
    0x52800540, /* mov w0, #42 */
    0xd65f03c0, /* ret */
};

static uint32_t data_buf[16] = { 1 }; /* initialised: lives in .data */

int
main(int argc, char **argv)
{
    const char *where = argc > 1 ? argv[1] : "data";
    uint32_t stack_buf[16];
    uint32_t *buf;

    if (strcmp(where, "stack") == 0)
        buf = stack_buf;
    else if (strcmp(where, "heap") == 0)
        buf = malloc(sizeof code);
    else {
        where = "data";
        buf = data_buf;
    }
    memcpy(buf, code, sizeof code);
    printf("exec_data: jumping into %s\n", where);
    fflush(stdout);
    int (*fn)(void) = (int (*)(void)) (uintptr_t) buf;
    __asm__ volatile("" : : "r"(fn) : "memory"); /* keep the memcpy before the call */
    int r = fn();
    printf("exec_data: code in %s ran and returned %d (should have been killed)\n", where, r);
    return 2;
}
