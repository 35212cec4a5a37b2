/*
 * pt_test_freestanding.c - the M3 pt_test without any C library.
 *
 * Exercises the smallest possible process: own _start (SP -> argc, argv, ...
 * is ignored apart from realigning SP), raw `svc #0` system calls only
 * (brk, write, exit_group), no TLS, no FP/SIMD (built -mgeneral-regs-only),
 * own memcpy/memset (GCC may emit calls to them even with -ffreestanding).
 *
 * The test body is the seed's pt_test (see pt_test.c) with two differences:
 *  - malloc is a brk bump allocator (brk(0), then brk(end) in 4 KiB steps),
 *    and free does nothing;
 *  - the "stack above 0x8000000000" assertion is left out, so the same ELF
 *    runs to the end both in SOS and under qemu-aarch64 (stack at 0x55_...).
 * A failed check writes a message to fd 2 and exits with status 1.
 * On success it writes one line to fd 1 and exits with status 0.
 */
#define NBLOCKS 9
#define NPAGES_PER_BLOCK 28
#define PAGE_SIZE_4K 4096

typedef unsigned long size_t;

#define SYS_write      64
#define SYS_exit_group 94
#define SYS_brk        214

static inline long
sys1(long n, long a)
{
    register long x8 __asm__("x8") = n;
    register long x0 __asm__("x0") = a;
    __asm__ volatile("svc #0" : "+r"(x0) : "r"(x8) : "memory");
    return x0;
}

static inline long
sys3(long n, long a, long b, long c)
{
    register long x8 __asm__("x8") = n;
    register long x0 __asm__("x0") = a;
    register long x1 __asm__("x1") = b;
    register long x2 __asm__("x2") = c;
    __asm__ volatile("svc #0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2) : "memory");
    return x0;
}

/* GCC may turn these loops back into memset/memcpy calls; forbid that here. */
__attribute__((optimize("no-tree-loop-distribute-patterns"))) void *
memset(void *d, int c, size_t n)
{
    unsigned char *p = d;
    while (n--)
        *p++ = (unsigned char) c;
    return d;
}

__attribute__((optimize("no-tree-loop-distribute-patterns"))) void *
memcpy(void *d, const void *s, size_t n)
{
    unsigned char *p = d;
    const unsigned char *q = s;
    while (n--)
        *p++ = *q++;
    return d;
}

static size_t
my_strlen(const char *s)
{
    size_t n = 0;
    while (s[n])
        n++;
    return n;
}

static void
put(int fd, const char *s)
{
    sys3(SYS_write, fd, (long) s, (long) my_strlen(s));
}

static __attribute__((noreturn)) void
die(const char *msg)
{
    put(2, "pt_test_freestanding: check failed: ");
    put(2, msg);
    put(2, "\n");
    sys1(SYS_exit_group, 1);
    __builtin_unreachable();
}

#define assert(e) ((e) ? (void) 0 : die(#e))

/* brk bump allocator: 16-byte aligned blocks, the break grows in whole pages. */
static unsigned long heap_cur, heap_end;

static void *
malloc(size_t size)
{
    if (heap_end == 0)
        heap_cur = heap_end = (unsigned long) sys1(SYS_brk, 0);
    unsigned long p = (heap_cur + 15) & ~15UL;
    unsigned long want = p + size;
    if (want > heap_end) {
        unsigned long new_end = (want + PAGE_SIZE_4K - 1) & ~(unsigned long) (PAGE_SIZE_4K - 1);
        if ((unsigned long) sys1(SYS_brk, (long) new_end) < new_end)
            return 0;
        heap_end = new_end;
    }
    heap_cur = want;
    return (void *) p;
}

static void
free(void *p)
{
    (void) p; /* bump allocator: nothing is given back */
}

/* called from pt_test (as in the seed) */
static void
do_pt_test(char **buf)
{
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
pt_test(void)
{
    /* need a decent sized stack */
    char buf1[NBLOCKS][NPAGES_PER_BLOCK * PAGE_SIZE_4K];
    char *buf1_ptrs[NBLOCKS];
    char *buf2[NBLOCKS];

    for (int b = 0; b < NBLOCKS; b++) {
        buf1_ptrs[b] = buf1[b];
    }
    /* (the seed's "stack above 0x8000000000" assertion is omitted, see top) */

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

__attribute__((noreturn, used)) void
start_c(long *sp)
{
    (void) sp;
    pt_test();
    put(1, "pt_test_freestanding: stack and heap page-table test passed\n");
    sys1(SYS_exit_group, 0);
    __builtin_unreachable();
}

/* Entry: clear FP and LR (end of frame chain), pass the initial SP, keep SP 16-aligned. */
__asm__(
    ".text\n"
    ".global _start\n"
    ".type _start, %function\n"
    "_start:\n"
    "    mov x29, #0\n"
    "    mov x30, #0\n"
    "    mov x0, sp\n"
    "    and sp, x0, #~15\n"
    "    bl start_c\n"
    "    brk #0\n"
    ".size _start, . - _start\n");
