/* student_pages: a program that watches demand paging from inside, as an OS student writes one:
 * the page size, which pages of a fresh mapping are resident before and after touching them
 * (mincore), its own page faults and peak resident size (getrusage), memory given back with
 * madvise(MADV_DONTNEED) (the next touch reads zeros from a fresh page; an initialised array of
 * .data reads its initial bytes again, a .bss one zeros), MADV_FREE, MADV_WILLNEED and the
 * populate advice, mremap growing, moving and shrinking a mapping and musl's realloc moving a
 * large block with it, and the errors mincore, madvise, mremap and getrusage answer at their edges.
 * It prints only what Linux and qemu-aarch64 answer alike: no fault counts or sizes, only whether
 * they grew as they must, and no error qemu-user answers differently from Linux (it returns 0
 * for unknown advice and for ranges with holes, refuses mincore of a PROT_NONE page, and answers
 * mremap's new length of 0 and old length of 0 with ENOMEM where Linux says EINVAL, and mincore of
 * the range MREMAP_DONTUNMAP left with ENOMEM where Linux answers). */
#define _GNU_SOURCE
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

static const char *mmap_err(const void *p) { return p == MAP_FAILED ? err(-1) : "ok"; }

/* raw mremap: flags and the new address as given, the result as a number */
static long remap(void *old, size_t old_len, size_t new_len, long flags, void *new_addr) {
    return syscall(SYS_mremap, old, old_len, new_len, flags, new_addr);
}
static unsigned char *remapped(void *old, size_t old_len, size_t new_len, long flags, void *new_addr) {
    long r = remap(old, old_len, new_len, flags, new_addr);
    return r == -1 ? MAP_FAILED : (unsigned char *)r;
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

    /* mremap: grow in place, refuse without MREMAP_MAYMOVE, move, move to a fixed place, shrink,
       move leaving the old range mapped and empty (MREMAP_DONTUNMAP), with the bytes following */
    unsigned char *r = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE, ANON, -1, 0);
    if (r == MAP_FAILED) { perror("mmap"); return 1; }
    r[0] = 1;
    r[PAGE] = 2;
    printf("munmap pages 2-3, a blocker at page 3: %s %s\n", err(munmap(r + 2 * PAGE, 2 * PAGE)),
           mmap_err(mmap(r + 3 * PAGE, PAGE, PROT_READ, ANON | MAP_FIXED, -1, 0)));
    printf("mremap 2 pages to 4, not allowed to move: %s\n", err(remap(r, 2 * PAGE, 4 * PAGE, 0, NULL)));
    unsigned char *q = remapped(r, 2 * PAGE, 3 * PAGE, 0, NULL);
    printf("mremap 2 pages to 3 in place: %s, same address: %s\n", mmap_err(q), q == r ? "yes" : "no");
    q[2 * PAGE] = 3;
    q = remapped(r, 3 * PAGE, 64 * PAGE, MREMAP_MAYMOVE, NULL);
    printf("mremap 3 pages to 64, may move: %s, moved: %s, bytes %d %d %d, page 63 %d\n", mmap_err(q),
           q != r ? "yes" : "no", q[0], q[PAGE], q[2 * PAGE], q[63 * PAGE]);
    printf("the old range: %s\n", err(mincore(r, PAGE, vec)));
    printf("the blocker stays: %s\n", resident(r + 3 * PAGE, 1));
    unsigned char *to = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, ANON, -1, 0);
    unsigned char *f = remapped(q, 2 * PAGE, 2 * PAGE, MREMAP_MAYMOVE | MREMAP_FIXED, to);
    printf("mremap 2 pages to a fixed place: %s, there: %s, bytes %d %d\n", mmap_err(f), f == to ? "yes" : "no",
           to[0], to[PAGE]);
    unsigned char *s = remapped(q + 2 * PAGE, 62 * PAGE, 2 * PAGE, 0, NULL);
    printf("mremap the other 62 pages down to 2: %s, byte %d, page 2 after them: %s\n", mmap_err(s), s[0],
           err(mincore(s + 2 * PAGE, PAGE, vec)));
    unsigned char *k = remapped(to, 2 * PAGE, 2 * PAGE, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, NULL);
    printf("mremap DONTUNMAP: %s, bytes %d %d, the old range still there, reading %d\n", mmap_err(k), k[0], k[PAGE],
           to[0]);
    printf("mremap with flags 8: %s\n", err(remap(k, PAGE, PAGE, 8, NULL)));
    printf("mremap FIXED without MAYMOVE: %s\n", err(remap(k, PAGE, PAGE, MREMAP_FIXED, to)));
    printf("mremap DONTUNMAP to a new length: %s\n", err(remap(k, PAGE, 2 * PAGE, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, NULL)));
    printf("mremap of an unaligned address: %s\n", err(remap(k + 1, PAGE, PAGE, MREMAP_MAYMOVE, NULL)));
    printf("mremap of the hole: %s\n", err(remap(r + 2 * PAGE, PAGE, 2 * PAGE, MREMAP_MAYMOVE, NULL)));
    printf("mremap past its mapping: %s\n", err(remap(k, 4 * PAGE, 8 * PAGE, MREMAP_MAYMOVE, NULL)));
    printf("mremap FIXED onto itself: %s\n", err(remap(k, 2 * PAGE, 2 * PAGE, MREMAP_MAYMOVE | MREMAP_FIXED, k + PAGE)));
    printf("mremap FIXED to an unaligned address: %s\n", err(remap(k, PAGE, PAGE, MREMAP_MAYMOVE | MREMAP_FIXED, to + 1)));
    printf("munmap them: %s %s %s %s\n", err(munmap(k, 2 * PAGE)), err(munmap(s, 2 * PAGE)), err(munmap(to, 2 * PAGE)),
           err(munmap(r + 3 * PAGE, PAGE)));

    /* musl's realloc of a block it mapped on its own moves it with mremap */
    size_t size = 200000;
    unsigned char *big = malloc(size);
    if (!big) { perror("malloc"); return 1; }
    for (size_t i = 0; i < size; i++) big[i] = (unsigned char)(i * 7);
    int same = 1;
    for (size_t grow = 400000; grow <= 3200000; grow *= 2) {
        big = realloc(big, grow);
        if (!big) { perror("realloc"); return 1; }
        for (size_t i = 0; i < size; i++) same &= big[i] == (unsigned char)(i * 7);
        memset(big + size, 0x33, grow - size);
        for (size_t i = size; i < grow; i++) big[i] = (unsigned char)(i * 7);
        size = grow;
    }
    big = realloc(big, 150000);
    for (size_t i = 0; i < 150000; i++) same &= big[i] == (unsigned char)(i * 7);
    free(big);
    printf("realloc from 200,000 bytes to 3,200,000 and down to 150,000: %s\n", same ? "every byte kept" : "WRONG");

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
