/* student_mprotect: what mmap, munmap, mprotect and brk promise at their edges, as a student tests
 * them: PROT_NONE keeps a page's bytes, W^X toggling of generated code, MAP_FIXED over a mapping,
 * unaligned, empty, partly mapped and unmapped ranges, lengths too large, the break's moves.
 * With an argument, an access a student provokes:
 *   none    read a page mprotect'ed PROT_NONE that holds data   (SIGSEGV)
 *   wx      write to code made read+execute                      (SIGSEGV)
 *   guard   write to a PROT_NONE guard page mapped below a buffer (SIGSEGV) */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#define PAGE 4096UL
#define ANON (MAP_PRIVATE | MAP_ANONYMOUS)

static const char *err(long r) {
    if (r != -1) return "ok";
    switch (errno) {
        case EINVAL: return "EINVAL";
        case ENOMEM: return "ENOMEM";
        case EEXIST: return "EEXIST";
        case EFAULT: return "EFAULT";
        case EPERM: return "EPERM";
        default: return strerror(errno);
    }
}

static const char *mmap_err(void *p) { return p == MAP_FAILED ? err(-1) : "ok"; }

static int all(const unsigned char *p, size_t n, unsigned char (*f)(size_t)) {
    for (size_t i = 0; i < n; i++) if (p[i] != f(i)) return 0;
    return 1;
}
static unsigned char pattern(size_t i) { return (unsigned char)(i * 13 + 5); }
/* whether p[from, from + n) still holds the pattern written from p */
static int kept(const unsigned char *p, size_t from, size_t n) {
    for (size_t i = from; i < from + n; i++) if (p[i] != pattern(i)) return 0;
    return 1;
}
static unsigned char zero(size_t i) { (void)i; return 0; }

static long brk_to(uintptr_t to) { return syscall(SYS_brk, to); }

int main(int argc, char **argv) {
    /* PROT_NONE and back keeps the bytes */
    unsigned char *p = mmap(NULL, 8 * PAGE, PROT_READ | PROT_WRITE, ANON, -1, 0);
    if (p == MAP_FAILED) { perror("mmap"); return 1; }
    for (size_t i = 0; i < 8 * PAGE; i++) p[i] = pattern(i);
    printf("mprotect 3 pages PROT_NONE: %s\n", err(mprotect(p + 2 * PAGE, 3 * PAGE, PROT_NONE)));
    printf("write() from a PROT_NONE page: %s\n", err(write(1, p + 3 * PAGE, 8)));
    printf("mprotect them back to PROT_READ: %s\n", err(mprotect(p + 2 * PAGE, 3 * PAGE, PROT_READ)));
    printf("their bytes kept: %s\n", all(p, 8 * PAGE, pattern) ? "yes" : "no");
    printf("whole range PROT_NONE then rw: %s %s\n", err(mprotect(p, 8 * PAGE, PROT_NONE)),
           err(mprotect(p, 8 * PAGE, PROT_READ | PROT_WRITE)));
    printf("bytes kept again: %s\n", all(p, 8 * PAGE, pattern) ? "yes" : "no");
    p[3 * PAGE] = 1;
    printf("writable again: %d\n", p[3 * PAGE]);

    /* mprotect edges */
    printf("mprotect unaligned: %s\n", err(mprotect(p + 1, PAGE, PROT_READ)));
    printf("mprotect length 0 unaligned (musl rounds the address down): %s\n", err(mprotect(p + 1, 0, PROT_READ)));
    printf("raw mprotect unaligned: %s\n", err(syscall(SYS_mprotect, p + 1, PAGE, PROT_READ)));
    printf("raw mprotect with PROT_SEM: %s\n", err(syscall(SYS_mprotect, p, PAGE, PROT_READ | PROT_WRITE | 8)));
    printf("mprotect unaligned length: %s\n", err(mprotect(p, 100, PROT_READ | PROT_WRITE)));
    printf("mprotect bad prot bits: %s\n", err(mprotect(p, PAGE, 0x40)));
    printf("mprotect past the mapping's end: %s\n", err(mprotect(p + 7 * PAGE, 2 * PAGE, PROT_READ | PROT_WRITE)));
    printf("mprotect of a length that wraps: %s\n", err(mprotect(p, (size_t)-PAGE, PROT_READ)));
    printf("mprotect of the kernel half: %s\n", err(mprotect((void *)0xffff000000000000UL, PAGE, PROT_READ)));
    munmap(p + 7 * PAGE, PAGE);
    printf("mprotect of unmapped memory: %s\n", err(mprotect(p + 7 * PAGE, PAGE, PROT_READ)));
    printf("mprotect of page 0: %s\n", err(mprotect(NULL, PAGE, PROT_READ)));
    printf("mprotect PROT_NONE running into the hole: %s\n", err(mprotect(p + 6 * PAGE, 2 * PAGE, PROT_NONE)));
    printf("the page before the hole changed all the same: %s\n", err(write(1, p + 6 * PAGE, 1)));
    printf("and comes back with its bytes: %s %s\n", err(mprotect(p + 6 * PAGE, PAGE, PROT_READ | PROT_WRITE)),
           kept(p, 6 * PAGE, PAGE) ? "yes" : "no");

    /* munmap edges */
    printf("munmap length 0: %s\n", err(munmap(p, 0)));
    printf("munmap unaligned: %s\n", err(munmap(p + 1, PAGE)));
    printf("munmap of what is unmapped: %s\n", err(munmap(p + 7 * PAGE, PAGE)));
    printf("munmap partly mapped: %s\n", err(munmap(p + 6 * PAGE, 4 * PAGE)));
    printf("munmap unaligned length: %s\n", err(munmap(p + 5 * PAGE, 1)));
    printf("munmap of the kernel half: %s\n", err(munmap((void *)0xffff000000000000UL, PAGE)));
    printf("munmap of a length that wraps: %s\n", err(munmap(p, (size_t)-PAGE)));
    printf("after it, the first pages are still there: %s\n", all(p, 2 * PAGE, pattern) ? "yes" : "no");

    /* mmap edges */
    errno = 0;
    printf("mmap length 0: %s\n", mmap_err(mmap(NULL, 0, PROT_READ, ANON, -1, 0)));
    printf("mmap of (size_t)-1: %s\n", mmap_err(mmap(NULL, (size_t)-1, PROT_READ, ANON, -1, 0)));
    printf("mmap of 1 TiB: %s\n", mmap_err(mmap(NULL, 1UL << 40, PROT_READ | PROT_WRITE, ANON, -1, 0)));
    printf("mmap of 2^56: %s\n", mmap_err(mmap(NULL, 1UL << 56, PROT_READ | PROT_WRITE, ANON, -1, 0)));
    printf("mmap fixed unaligned: %s\n", mmap_err(mmap(p + 1, PAGE, PROT_READ, ANON | MAP_FIXED, -1, 0)));
    printf("mmap with an unaligned offset: %s\n", mmap_err(mmap(NULL, PAGE, PROT_READ, ANON, -1, 1)));
    printf("raw mmap with an unaligned offset: %s\n", err(syscall(SYS_mmap, 0, PAGE, PROT_READ, ANON, -1, 1)));
    printf("raw mmap of (size_t)-1: %s\n", err(syscall(SYS_mmap, 0, -1L, PROT_READ, ANON, -1, 0)));
    unsigned char *sem = mmap(NULL, PAGE, PROT_READ | PROT_WRITE | 8 /* PROT_SEM */, ANON, -1, 0);
    printf("mmap with PROT_SEM: %s\n", mmap_err(sem));
    if (sem != MAP_FAILED) munmap(sem, PAGE);
    printf("mmap neither shared nor private: %s\n", mmap_err(mmap(NULL, PAGE, PROT_READ, MAP_ANONYMOUS, -1, 0)));
    unsigned char *h = mmap(p + 1, PAGE, PROT_READ, ANON, -1, 0);
    printf("mmap unaligned hint: %s\n", mmap_err(h));
    if (h != MAP_FAILED) munmap(h, PAGE);
    unsigned char *sh = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    printf("mmap shared anonymous: %s\n", mmap_err(sh));
    if (sh != MAP_FAILED) { sh[5] = 5; printf("shared page holds %d\n", sh[5]); munmap(sh, PAGE); }
    unsigned char *wo = mmap(NULL, PAGE, PROT_WRITE, ANON, -1, 0);
    wo[0] = 9;
    printf("PROT_WRITE alone is readable too: %d\n", wo[0]);
    munmap(wo, PAGE);

    /* MAP_FIXED over an existing mapping replaces it with zeros; the rest stays */
    unsigned char *f = mmap(p + PAGE, PAGE, PROT_READ | PROT_WRITE, ANON | MAP_FIXED, -1, 0);
    printf("MAP_FIXED over a mapped page: %s, at the address asked: %s\n", mmap_err(f), f == p + PAGE ? "yes" : "no");
    printf("it reads zero: %s; the page below kept its bytes: %s\n", all(f, PAGE, zero) ? "yes" : "no",
           all(p, PAGE, pattern) ? "yes" : "no");
    unsigned char *pn = mmap(p + 2 * PAGE, PAGE, PROT_NONE, ANON | MAP_FIXED, -1, 0);
    printf("MAP_FIXED PROT_NONE: %s; mprotect rw: %s; reads zero: %s\n", mmap_err(pn),
           err(mprotect(pn, PAGE, PROT_READ | PROT_WRITE)), all(pn, PAGE, zero) ? "yes" : "no");

    /* W^X: generated code written, made read+execute, run, made writable again */
    unsigned int *code = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, ANON, -1, 0);
    code[0] = 0x52800540; /* mov w0, #42 */
    code[1] = 0xd65f03c0; /* ret */
    printf("code made r-x: %s\n", err(mprotect(code, PAGE, PROT_READ | PROT_EXEC)));
    __builtin___clear_cache((char *)code, (char *)(code + 2));
    int (*fn)(void) = (int (*)(void))code;
    printf("generated code returns %d\n", fn());
    printf("made rw again: %s\n", err(mprotect(code, PAGE, PROT_READ | PROT_WRITE)));
    code[0] = 0x52800e20; /* mov w0, #113 */
    printf("made r-x again: %s\n", err(mprotect(code, PAGE, PROT_READ | PROT_EXEC)));
    __builtin___clear_cache((char *)code, (char *)(code + 2));
    printf("changed code returns %d\n", fn());
    printf("PROT_NONE then r-x keeps the code: %s ", err(mprotect(code, PAGE, PROT_NONE)));
    printf("%s %d\n", err(mprotect(code, PAGE, PROT_READ | PROT_EXEC)), fn());

    /* brk */
    uintptr_t b0 = (uintptr_t)brk_to(0);
    printf("brk(0) twice agrees: %s\n", (uintptr_t)brk_to(0) == b0 ? "yes" : "no");
    printf("brk below its start is refused: %s\n", (uintptr_t)brk_to(b0 - PAGE) == b0 ? "yes" : "no");
    printf("brk to 2^60 is refused: %s\n", (uintptr_t)brk_to(1UL << 60) == b0 ? "yes" : "no");
    printf("brk +3 pages +5 bytes: %s\n", (uintptr_t)brk_to(b0 + 3 * PAGE + 5) == b0 + 3 * PAGE + 5 ? "ok" : "refused");
    unsigned char *heap = (unsigned char *)b0;
    for (size_t i = 0; i < 3 * PAGE; i++) heap[i] = pattern(i);
    printf("heap page made PROT_NONE: %s\n", err(mprotect((void *)((b0 + PAGE - 1) & ~(PAGE - 1)), PAGE, PROT_NONE)));
    printf("brk grows past it: %s\n", (uintptr_t)brk_to(b0 + 6 * PAGE) == b0 + 6 * PAGE ? "ok" : "refused");
    heap[5 * PAGE] = 3;
    printf("new heap is writable: %d\n", heap[5 * PAGE]);
    printf("heap page back to rw: %s\n", err(mprotect((void *)((b0 + PAGE - 1) & ~(PAGE - 1)), PAGE, PROT_READ | PROT_WRITE)));
    printf("heap bytes kept: %s\n", all(heap, 3 * PAGE, pattern) ? "yes" : "no");
    printf("brk back to the start: %s\n", (uintptr_t)brk_to(b0) == b0 ? "ok" : "refused");
    printf("brk +2 pages: %s\n", (uintptr_t)brk_to(b0 + 2 * PAGE + (b0 & (PAGE - 1) ? PAGE : 0)) != b0 ? "ok" : "refused");
    uintptr_t fresh = (b0 + PAGE - 1) & ~(PAGE - 1);
    printf("heap that came back reads zero: %s\n", all((unsigned char *)fresh, PAGE, zero) ? "yes" : "no");
    brk_to(b0);
    fflush(stdout);
    if (argc < 2) { printf("no fault requested\n"); return 0; }

    printf("provoking: %s\n", argv[1]);
    fflush(stdout);
    if (strcmp(argv[1], "none") == 0) {
        mprotect(p, PAGE, PROT_NONE);
        printf("read a PROT_NONE page: %d\n", ((volatile unsigned char *)p)[10]);
    } else if (strcmp(argv[1], "wx") == 0) {
        code[0] = 0xd503201f; /* nop */
        printf("wrote to r-x code\n");
    } else if (strcmp(argv[1], "guard") == 0) {
        unsigned char *g = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE, ANON, -1, 0);
        mprotect(g, PAGE, PROT_NONE);
        for (unsigned char *q = g + 4 * PAGE - 1; ; q--) *(volatile unsigned char *)q = 1;
    }
    return 2;
}
