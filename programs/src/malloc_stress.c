/*
 * malloc_stress.c - deterministic malloc/realloc/free churn over musl's
 * allocator (mallocng).  mallocng keeps its metadata in memory got from brk
 * (brk(0), then brk(+8 KiB)) and the slots of small and medium sizes in groups
 * it mmaps (and munmaps/madvises when they empty); sizes above
 * MMAP_THRESHOLD (~128 KiB) get an mmap each, returned with munmap.  realloc
 * grows and shrinks blocks across those classes (for a block that stays
 * large musl's realloc may use mremap).
 *
 * Every block is filled with a pattern derived from its slot and generation;
 * the pattern is checked before each realloc/free and at the end.  Blocks of
 * up to 128 bytes are filled completely, up to 64 KiB at a 128-byte stride,
 * larger ones one byte per 4 KiB page (like pt_test), plus always the last
 * byte: this keeps the instruction count, and so the QEMU trace, small while
 * still touching every page of every block.
 *
 * argv[1] = number of operations (default 2000: about 2.6 million
 * instructions, ~400 mmap/munmap pairs).  trace.sh records the QEMU trace with
 * a smaller count to keep the trace small.  Output: one line with the
 * operation count and a checksum of the size sequence; exit status 0 when all
 * checks passed, 1 (with a message) otherwise.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NSLOTS 48

static unsigned char *slot_ptr[NSLOTS];
static size_t slot_size[NSLOTS];
static unsigned slot_gen[NSLOTS];

static unsigned long long rng = 0x2545F4914F6CDD1DULL;

static unsigned
next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (unsigned) (rng >> 11);
}

static size_t
pick_size(void)
{
    unsigned r = next() % 100;
    if (r < 60)
        return 1 + next() % 128;             /* small */
    if (r < 88)
        return 129 + next() % 8064;          /* medium: up to 8 KiB */
    if (r < 95)
        return 8193 + next() % 57344;        /* big: up to 64 KiB */
    return 131072 + next() % 196608;         /* large (128..320 KiB): own mmap */
}

static size_t
stride(size_t size)
{
    if (size <= 128)
        return 1;
    return size <= 65536 ? 128 : 4096;
}

static unsigned char
pattern(int slot, unsigned gen, size_t i)
{
    return (unsigned char) (slot * 31 + gen * 7 + i + (i >> 8));
}

static void
fill(int s, size_t from)
{
    size_t n = slot_size[s], st = stride(n);
    for (size_t i = from - from % st; i < n; i += st)
        slot_ptr[s][i] = pattern(s, slot_gen[s], i);
    if (n)
        slot_ptr[s][n - 1] = pattern(s, slot_gen[s], n - 1);
}

static int failed;

/* check the first `upto` bytes (at the stride used when they were filled) */
static void
verify(int s, size_t upto, size_t filled_size, const char *when)
{
    size_t st = stride(filled_size);
    for (size_t i = 0; i < upto; i += st) {
        if (slot_ptr[s][i] != pattern(s, slot_gen[s], i)) {
            printf("malloc_stress: slot %d corrupted at byte %zu (%s)\n", s, i, when);
            failed = 1;
            return;
        }
    }
}

int
main(int argc, char **argv)
{
    long ops = argc > 1 ? strtol(argv[1], NULL, 0) : 2000;
    unsigned long long sum = 0;

    for (long op = 0; op < ops && !failed; op++) {
        int s = (int) (next() % NSLOTS);
        unsigned what = next() % 10;
        if (slot_ptr[s] == NULL) {
            size_t n = pick_size();
            slot_ptr[s] = malloc(n);
            if (!slot_ptr[s]) {
                printf("malloc_stress: malloc(%zu) failed\n", n);
                return 1;
            }
            slot_size[s] = n;
            slot_gen[s]++;
            fill(s, 0);
            sum = sum * 1000003 + n;
        } else if (what < 4) {
            size_t old = slot_size[s], n = pick_size();
            verify(s, old, old, "before realloc");
            unsigned char *p = realloc(slot_ptr[s], n);
            if (!p) {
                printf("malloc_stress: realloc(%zu -> %zu) failed\n", old, n);
                return 1;
            }
            slot_ptr[s] = p;
            slot_size[s] = n;
            /* the kept prefix must have survived the move */
            size_t keep = old < n ? old : n;
            verify(s, keep, old, "after realloc");
            fill(s, 0);
            sum = sum * 1000003 + n + 1;
        } else {
            verify(s, slot_size[s], slot_size[s], "before free");
            free(slot_ptr[s]);
            slot_ptr[s] = NULL;
            slot_size[s] = 0;
            sum = sum * 1000003 + 2;
        }
    }
    for (int s = 0; s < NSLOTS; s++) {
        if (slot_ptr[s]) {
            verify(s, slot_size[s], slot_size[s], "at end");
            free(slot_ptr[s]);
        }
    }
    if (failed)
        return 1;
    printf("malloc_stress: %ld operations ok, checksum %016llx\n", ops, sum);
    return 0;
}
