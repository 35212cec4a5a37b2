/* student_bigmem: large memory. A 48 MiB malloc (musl maps it with mmap) touched a byte per page
 * and freed (munmap), realloc growing one buffer to 32 MiB with its contents checked at every
 * step (musl's realloc tries mremap, which may fail, then copies), calloc of 16 MiB checked zero,
 * a 1 MiB VLA and a 4 MiB array on the stack (getrlimit says how much stack there is), alloca in
 * a loop, and many mid-sized blocks freed in an interleaved order. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <alloca.h>
#include <sys/resource.h>

static uint64_t touch(unsigned char *p, size_t n, unsigned char seed) {
    uint64_t sum = 0;
    for (size_t i = 0; i < n; i += 4096) p[i] = (unsigned char)(seed + i / 4096);
    for (size_t i = 0; i < n; i += 4096) sum += p[i];
    return sum;
}

static long vla_sum(int n) {
    char buf[n];
    memset(buf, 1, n);
    long s = 0;
    for (int i = 0; i < n; i += 512) s += buf[i] + (i & 1);
    return s;
}

static __attribute__((noinline)) long big_stack(void) {
    volatile char arr[4 << 20];
    for (size_t i = 0; i < sizeof arr; i += 4096) arr[i] = (char)(i >> 12);
    long s = 0;
    for (size_t i = 0; i < sizeof arr; i += 4096) s += arr[i];
    return s;
}

int main(void) {
    size_t n = 48u << 20;
    unsigned char *big = malloc(n);
    if (!big) { printf("malloc(48 MiB) failed\n"); return 1; }
    printf("48 MiB block: page sum %llu\n", (unsigned long long)touch(big, n, 7));
    free(big);

    size_t size = 1024;
    unsigned char *buf = malloc(size);
    for (size_t i = 0; i < size; i++) buf[i] = (unsigned char)(i * 31);
    int steps = 0, bad = 0;
    while (size < (32u << 20)) {
        size_t bigger = size * 2;
        unsigned char *nb = realloc(buf, bigger);
        if (!nb) { printf("realloc to %zu failed\n", bigger); return 1; }
        buf = nb;
        for (size_t i = 0; i < size; i += 997) if (buf[i] != (unsigned char)(i * 31)) bad++;
        for (size_t i = size; i < bigger; i++) buf[i] = (unsigned char)(i * 31);
        size = bigger;
        steps++;
    }
    printf("realloc: %d doublings to %zu MiB, %d bad bytes\n", steps, size >> 20, bad);
    buf = realloc(buf, 100);
    printf("realloc shrunk to 100 bytes: first bytes %u %u %u\n", buf[0], buf[1], buf[99]);
    free(buf);

    size_t cn = 16u << 20;
    unsigned long *z = calloc(cn / sizeof *z, sizeof *z);
    unsigned long nonzero = 0;
    for (size_t i = 0; i < cn / sizeof *z; i += 1000) nonzero += z[i] != 0;
    printf("calloc 16 MiB: %lu nonzero words sampled\n", nonzero);
    free(z);
    volatile size_t many = (size_t)1 << 62;
    void *huge = calloc(many, 8);
    printf("calloc overflowing size_t: %s\n", huge ? "got memory?!" : "NULL");

    struct rlimit rl;
    if (getrlimit(RLIMIT_STACK, &rl) != 0) { perror("getrlimit"); return 1; }
    printf("stack limit: %llu MiB, room for a 4 MiB array: %s\n", (unsigned long long)rl.rlim_cur >> 20,
           rl.rlim_cur > (5u << 20) ? "yes" : "no");
    printf("VLA 1 MiB: %ld\n", vla_sum(1 << 20));
    printf("4 MiB stack array: %ld\n", big_stack());
    long asum = 0;
    for (int i = 1; i <= 64; i++) {
        int *a = alloca(i * 1024);
        a[0] = i; a[i * 256 - 1] = i;
        asum += a[0] + a[i * 256 - 1];
    }
    printf("alloca: %ld\n", asum);

    enum { K = 300 };
    static void *blocks[K];
    for (int i = 0; i < K; i++) { blocks[i] = malloc(4096 + i * 700); memset(blocks[i], i, 64); }
    int ok = 1;
    for (int i = 0; i < K; i += 2) free(blocks[i]);
    for (int i = 1; i < K; i += 2) { if (((unsigned char *)blocks[i])[63] != (unsigned char)i) ok = 0; free(blocks[i]); }
    printf("%d mid-sized blocks: %s\n", K, ok ? "ok" : "corrupt");
    return 0;
}
