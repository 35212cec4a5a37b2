/* student_pages: a program that watches demand paging from inside, as an OS student writes one:
 * the page size, which pages of a fresh mapping are resident before and after touching them
 * (mincore), its own page faults and peak resident size (getrusage), memory given back with
 * madvise(MADV_DONTNEED) (the next touch reads zeros from a fresh page; an initialised array of
 * .data reads its initial bytes again, a .bss one zeros), MADV_FREE, MADV_WILLNEED and the
 * populate advice, and the errors mincore, madvise and getrusage answer at their edges.
 * It prints only what Linux and qemu-aarch64 answer alike: no fault counts or sizes, only whether
 * they grew as they must, and no error qemu-user does not check (it returns 0 for unknown advice
 * and for ranges with holes, and refuses mincore of a PROT_NONE page). */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#define PAGE 4096UL
#define N 16
#define ANON (MAP_PRIVATE | MAP_ANONYMOUS)

static const char *err(long r) {
    if (r != -1) return "ok";
    switch (errno) {
        case EINVAL: return "EINVAL";
        case ENOMEM: return "ENOMEM";
        case EFAULT: return "EFAULT";
        default: return strerror(errno);
    }
}

/* which of the n pages at p are resident, as 0/1 characters */
static const char *resident(const void *p, size_t n) {
    static char text[N + 1];
    unsigned char vec[N];
    if (mincore((void *)p, n * PAGE, vec) != 0) return err(-1);
    for (size_t i = 0; i < n; i++) text[i] = (char)('0' + (vec[i] & 1));
    text[n] = 0;
    return text;
}

static long minflt(void) {
    struct rusage ru;
    return getrusage(RUSAGE_SELF, &ru) == 0 ? ru.ru_minflt : -1;
}

static int all(const unsigned char *p, size_t n, unsigned char v) {
    for (size_t i = 0; i < n; i++) if (p[i] != v) return 0;
    return 1;
}

/* page-aligned arrays a program image fills (.data) and one it does not (.bss) */
static unsigned char data[2 * PAGE] __attribute__((aligned(4096))) = {[0] = 7, [PAGE] = 9};
static unsigned char bss[2 * PAGE] __attribute__((aligned(4096)));

int main(void) {
    printf("page size: %ld, getpagesize %d\n", sysconf(_SC_PAGESIZE), getpagesize());

    unsigned char *p = mmap(NULL, N * PAGE, PROT_READ | PROT_WRITE, ANON, -1, 0);
    if (p == MAP_FAILED) { perror("mmap"); return 1; }
    printf("fresh mapping:      %s\n", resident(p, N));
    long before = minflt();
    for (size_t i = 0; i < N; i += 2) p[i * PAGE] = (unsigned char)(i + 1);
    printf("every other touched: %s\n", resident(p, N));
    long after = minflt();
    printf("minflt grew by at least %d: %s\n", N / 2, after - before >= N / 2 ? "yes" : "no");
    unsigned char probe = p[1 * PAGE];
    printf("read of an untouched page: %d\n", probe);
    for (size_t i = 0; i < N; i++) memset(p + i * PAGE, 0x5a, PAGE);
    printf("all written:        %s\n", resident(p, N));

    struct rusage ru;
    printf("getrusage(RUSAGE_SELF): %s", err(getrusage(RUSAGE_SELF, &ru)));
    printf(", maxrss > 0: %s\n", ru.ru_maxrss > 0 ? "yes" : "no");
    memset(&ru, 0x55, sizeof ru);
    printf("getrusage(RUSAGE_CHILDREN): %s", err(getrusage(RUSAGE_CHILDREN, &ru)));
    printf(", minflt %ld, maxrss %ld, utime %ld.%06ld\n", ru.ru_minflt, ru.ru_maxrss, (long)ru.ru_utime.tv_sec,
           (long)ru.ru_utime.tv_usec);
    printf("getrusage(RUSAGE_THREAD): %s", err(getrusage(RUSAGE_THREAD, &ru)));
    printf(", minflt > 0: %s\n", ru.ru_minflt > 0 ? "yes" : "no");
    printf("getrusage(5): %s\n", err(syscall(SYS_getrusage, 5, &ru)));
    printf("getrusage into (void *) 8: %s\n", err(syscall(SYS_getrusage, RUSAGE_SELF, (void *)8)));

    /* give pages back */
    printf("madvise DONTNEED pages 2-5: %s\n", err(madvise(p + 2 * PAGE, 4 * PAGE, MADV_DONTNEED)));
    printf("after DONTNEED:     %s\n", resident(p, N));
    before = minflt();
    printf("they read zero: %s; the pages around them kept: %s\n", all(p + 2 * PAGE, 4 * PAGE, 0) ? "yes" : "no",
           all(p + PAGE, PAGE, 0x5a) && all(p + 6 * PAGE, PAGE, 0x5a) ? "yes" : "no");
    after = minflt();
    printf("reading them faulted again: %s\n", after - before >= 4 ? "yes" : "no");
    printf("after reading:      %s\n", resident(p, N));
    printf("madvise DONTNEED of 1 byte: %s\n", err(madvise(p + 8 * PAGE, 1, MADV_DONTNEED)));
    printf("page 8 now %s", resident(p + 8 * PAGE, 1));
    printf(", reads %d\n", p[8 * PAGE]);
    printf("madvise FREE pages 10-11: %s\n", err(madvise(p + 10 * PAGE, 2 * PAGE, MADV_FREE)));
    p[10 * PAGE] = 1;
    printf("written after FREE: %d\n", p[10 * PAGE]);
    printf("madvise WILLNEED, SEQUENTIAL, RANDOM, NORMAL: %s %s %s %s\n",
           err(madvise(p, N * PAGE, MADV_WILLNEED)), err(madvise(p, N * PAGE, MADV_SEQUENTIAL)),
           err(madvise(p, N * PAGE, MADV_RANDOM)), err(madvise(p, N * PAGE, MADV_NORMAL)));
    printf("posix_madvise DONTNEED (a hint in musl): %d\n", posix_madvise(p, PAGE, POSIX_MADV_DONTNEED));
    printf("page 0 still holds: %#x\n", p[0]);

    data[0]++;
    data[PAGE]++;
    bss[0] = 3;
    bss[PAGE] = 4;
    printf(".data %d %d, .bss %d %d\n", data[0], data[PAGE], bss[0], bss[PAGE]);
    printf("madvise DONTNEED .data and .bss: %s %s\n", err(madvise(data, sizeof data, MADV_DONTNEED)),
           err(madvise(bss, sizeof bss, MADV_DONTNEED)));
    printf(".data again %d %d (its initial bytes), .bss %d %d\n", data[0], data[PAGE], bss[0], bss[PAGE]);

    /* edges both answer alike */
    unsigned char vec[N];
    printf("mincore of an unaligned address: %s\n", err(mincore(p + 1, PAGE, vec)));
    printf("mincore of 0 bytes: %s\n", err(mincore(p, 0, vec)));
    printf("mincore of 1 byte: %s\n", err(mincore(p, 1, vec)));
    printf("mincore with vector (void *) 8: %s\n", err(mincore(p, PAGE, (void *)8)));
    printf("mincore with a kernel vector: %s\n", err(mincore(p, PAGE, (void *)0xffff000000000000UL)));
    printf("mincore of a kernel address: %s\n", err(mincore((void *)0xffff000000000000UL, PAGE, vec)));
    printf("mincore of 2^62 bytes: %s\n", err(mincore(p, 1UL << 62, vec)));
    printf("mincore of page 0: %s\n", err(mincore(NULL, PAGE, vec)));
    printf("munmap page 12: %s\n", err(munmap(p + 12 * PAGE, PAGE)));
    printf("mincore across the hole: %s\n", err(mincore(p, N * PAGE, vec)));
    printf("mincore of the hole: %s\n", err(mincore(p + 12 * PAGE, PAGE, vec)));
    printf("mincore after it: %s\n", resident(p + 13 * PAGE, 3));
    printf("madvise of an unaligned address: %s\n", err(madvise(p + 1, PAGE, MADV_DONTNEED)));
    printf("madvise of 0 bytes: %s\n", err(madvise(p, 0, MADV_DONTNEED)));
    printf("madvise of a wrapping range: %s\n", err(madvise(p, -PAGE, MADV_DONTNEED)));
    printf("madvise of -1 bytes: %s\n", err(madvise(p, (size_t)-1, MADV_DONTNEED)));

    /* musl's free gives the whole pages of a freed 9000-byte slot back with MADV_FREE while the
       rest of its group lives on: the blocks still allocated must keep every byte */
    unsigned char *blocks[16];
    for (int i = 0; i < 16; i++) {
        blocks[i] = malloc(9000);
        if (!blocks[i]) { perror("malloc"); return 1; }
        memset(blocks[i], 0x40 + i, 9000);
    }
    for (int i = 1; i < 16; i += 2) free(blocks[i]);
    int kept = 1;
    for (int i = 0; i < 16; i += 2) kept &= all(blocks[i], 9000, (unsigned char)(0x40 + i));
    for (int i = 1; i < 16; i += 2) {
        blocks[i] = malloc(9000);
        if (!blocks[i]) { perror("malloc"); return 1; }
        memset(blocks[i], 0x60 + i, 9000);
    }
    for (int i = 0; i < 16; i++) kept &= all(blocks[i], 9000, (unsigned char)((i & 1 ? 0x60 : 0x40) + i));
    for (int i = 0; i < 16; i++) free(blocks[i]);
    printf("16 blocks of 9000 bytes, half freed and allocated again: %s\n", kept ? "every byte kept" : "WRONG");
    printf("munmap: %s\n", err(munmap(p, N * PAGE)));
    return 0;
}
