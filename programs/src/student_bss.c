/* student_bss: big static arrays in .bss and .data: a sieve of Eratosthenes over 8 MiB and a histogram. */
#include <stdio.h>
#include <string.h>

#define N (8 * 1024 * 1024)
static unsigned char composite[N];          /* 8 MiB of .bss, must start zeroed */
static int histogram[1 << 16];              /* 256 KiB more */
static int table[1024] = { 1, 2, 3 };       /* .data */
static const char message[] = "static data survives";

int main(void) {
    int nonzero = 0;
    for (size_t i = 0; i < N; i += 4096) if (composite[i]) nonzero++;
    printf("bss zero on entry: %s\n", nonzero ? "NO" : "yes");
    for (size_t i = 2; i * i < N; i++)
        if (!composite[i])
            for (size_t j = i * i; j < N; j += i) composite[j] = 1;
    long count = 0, last = 0;
    for (size_t i = 2; i < N; i++) if (!composite[i]) { count++; last = i; histogram[i & 0xffff]++; }
    printf("primes below %d: %ld, largest %ld\n", N, count, last);
    int maxbin = 0;
    for (int i = 0; i < (1 << 16); i++) if (histogram[i] > histogram[maxbin]) maxbin = i;
    printf("fullest bin %d holds %d primes\n", maxbin, histogram[maxbin]);
    printf("table: %d %d %d %d; %s\n", table[0], table[1], table[2], table[1023], message);
    memset(composite, 0xff, N);
    printf("memset 8 MiB: last byte %d\n", composite[N - 1]);
    return 0;
}
