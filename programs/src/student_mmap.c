/* student_mmap: anonymous mmap, munmap and mprotect; with an argument, a fault a student provokes:
 *   ro      write to a page mprotect'ed read-only     (SIGSEGV)
 *   null    NULL pointer dereference                  (SIGSEGV)
 *   unmap   touch a page after munmap                 (SIGSEGV)
 *   rodata  write to a string literal                 (SIGSEGV) */
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <errno.h>

int main(int argc, char **argv) {
    long page = sysconf(_SC_PAGESIZE);
    printf("page size %ld\n", page);
    size_t len = 16 * page;
    unsigned char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) { perror("mmap"); return 1; }
    int zero = 1;
    for (size_t i = 0; i < len; i++) if (p[i]) zero = 0;
    printf("fresh mapping is zero: %s\n", zero ? "yes" : "no");
    for (size_t i = 0; i < len; i++) p[i] = (unsigned char)(i * 7);
    unsigned long sum = 0;
    for (size_t i = 0; i < len; i++) sum += p[i];
    printf("sum of 16 pages: %lu\n", sum);
    if (mprotect(p, page, PROT_READ) != 0) { perror("mprotect"); return 1; }
    printf("read after mprotect(PROT_READ): %d\n", p[100]);
    if (mprotect(p, page, PROT_READ | PROT_WRITE) != 0) { perror("mprotect rw"); return 1; }
    p[100] = 42;
    printf("write after mprotect back to rw: %d\n", p[100]);
    if (munmap(p + 4 * page, 4 * page) != 0) { perror("munmap middle"); return 1; }
    printf("after munmap of the middle, page 3 is %d and page 8 is %d\n", p[3 * page], p[8 * page]);
    errno = 0;
    void *bad = mmap(NULL, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    printf("mmap of 0 bytes: %s (errno %s)\n", bad == MAP_FAILED ? "MAP_FAILED" : "mapped?!", errno == EINVAL ? "EINVAL" : strerror(errno));
    int r = munmap((void *)((unsigned long)p + 1), page);
    printf("munmap misaligned: %d (errno %s)\n", r, errno == EINVAL ? "EINVAL" : strerror(errno));
    unsigned char *big = mmap(NULL, 64 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (big == MAP_FAILED) { perror("mmap 64M"); return 1; }
    big[0] = 1; big[(64 << 20) - 1] = 2;
    printf("64 MiB mapping, touched both ends: %d %d\n", big[0], big[(64 << 20) - 1]);
    printf("msync: %d, mlock: %d, munlock: %d\n", msync(big, page, MS_SYNC), mlock(big, page), munlock(big, page));
    munmap(big, 64 << 20);
    munmap(p, 4 * page);
    munmap(p + 8 * page, 8 * page);
    errno = 0;
    r = munmap(p, 16 * page);
    printf("munmap of what is already unmapped: %d (errno %d)\n", r, errno);
    void *file = mmap(NULL, page, PROT_READ, MAP_PRIVATE, 7, 0);
    printf("mmap of a file descriptor that is not open: %s\n", file == MAP_FAILED && errno == EBADF ? "EBADF" : strerror(errno));
    if (argc < 2) { printf("no fault requested\n"); return 0; }

    printf("provoking: %s\n", argv[1]);
    fflush(stdout);
    if (strcmp(argv[1], "ro") == 0) {
        char *q = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        strcpy(q, "hello");
        mprotect(q, page, PROT_READ);
        q[0] = 'j';
        printf("write to read-only page went through: %s\n", q);
    } else if (strcmp(argv[1], "null") == 0) {
        volatile int *np = NULL;
        printf("*NULL = %d\n", *np);
    } else if (strcmp(argv[1], "unmap") == 0) {
        printf("p[0] after munmap = %d\n", p[0]);
    } else if (strcmp(argv[1], "rodata") == 0) {
        char *lit = (char *)"string literal";
        lit[0] = 'S';
        printf("%s\n", lit);
    }
    return 2;
}
