/*
 * bad_write.c - write(2) from buffers the process cannot read, through the
 * raw system call (syscall(SYS_write, ...), so no libc buffering is in the
 * way).  Each must fail with -EFAULT, not kill the process:
 *   1. write(1, (void *) 1, 16)                  - address in the null page
 *   2. write(1, <page mapped, then munmap'd>, 16) - a hole in the heap area
 *   3. write(1, (void *) 0xffff000000000000, 16) - a kernel-half address
 * Prints one line per case.  Exit status 0 if all three got EFAULT, else 1.
 * The munmap'd address is not printed (under QEMU it depends on the host).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

static int
try_write(const char *name, const void *p)
{
    errno = 0;
    long r = syscall(SYS_write, 1, p, 16);
    int e = errno;
    printf("bad_write: write(1, %s, 16) = %ld, errno %d (%s)\n", name, r, e,
           e == EFAULT ? "EFAULT, as expected" : "NOT EFAULT");
    fflush(stdout);
    return r == -1 && e == EFAULT;
}

int
main(void)
{
    int ok = 1;

    ok &= try_write("(void *) 1", (const void *) 1);

    char *page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (page == MAP_FAILED) {
        printf("bad_write: mmap failed\n");
        return 1;
    }
    memset(page, 'x', 4096);
    if (munmap(page, 4096) != 0) {
        printf("bad_write: munmap failed\n");
        return 1;
    }
    ok &= try_write("unmapped page", page);

    ok &= try_write("(void *) 0xffff000000000000", (const void *) 0xffff000000000000UL);

    printf("bad_write: %s\n", ok ? "all bad writes got EFAULT" : "FAILED");
    return ok ? 0 : 1;
}
