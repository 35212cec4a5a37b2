/* student_bugs: the classic mistakes, chosen by argv[1]; each prints its line, flushed, first.
 *   null      write through a NULL pointer                   stack   unbounded recursion
 *   uaf       use after free: a write through a freed pointer (mallocng unmapped its page)
 *   double    free the same block twice (musl's mallocng checks its metadata and crashes)
 *   heapoob   write 64 bytes past a malloc'd block, then free it (mallocng's checks)
 *   stackoob  write far past a local array, then return through the smashed frame
 *   wild      read from an address no one mapped            assert  a failing assert()
 *   funcptr   call through a NULL function pointer          trap    __builtin_trap()
 *   align     a misaligned exclusive access (an atomic on a misaligned pointer)
 * With no argument it lists them and exits 0; an unknown name exits 2 with a usage line on stderr. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <assert.h>
#include <stdint.h>

static void say(const char *what) { printf("bug: %s\n", what); fflush(stdout); }

/* Every block goes through this volatile pointer, so that gcc cannot drop a malloc/free pair it
 * sees has no effect (it may, and did: the double free freed nothing). */
static void *volatile block;
static void *opaque(void *p) { block = p; return block; }

static int depth(int n) {
    volatile char frame[256];
    frame[0] = (char)n;
    return depth(n + 1) + frame[0];
}

static __attribute__((noinline)) void smash(size_t n) {
    volatile char local[16];
    for (size_t i = 0; i < n; i++) local[i] = (char)0x41;
}

int main(int argc, char **argv) {
    const char *what = argc > 1 ? argv[1] : "";
    if (!*what) {
        printf("usage: student_bugs null|stack|uaf|double|heapoob|stackoob|wild|assert|funcptr|trap|align\n");
        return 0;
    }
    if (!strcmp(what, "null")) { say("NULL write"); *(volatile int *)0 = 42; }
    else if (!strcmp(what, "stack")) { say("unbounded recursion"); return depth(0); }
    else if (!strcmp(what, "uaf")) {
        say("use after free");
        char *p = opaque(malloc(32));
        strcpy(p, "still here?");
        free(opaque(p));
        char *q = opaque(malloc(32));
        strcpy(q, "new owner");
        p[0] = 'X';     /* writes into q's block if mallocng reused it */
        printf("q %s p's block; q after the stale write: %s\n", q == p ? "reuses" : "does not reuse", q);
        free(opaque(q));
        printf("uaf: no crash (undefined behaviour is not a fault)\n");
        return 0;
    }
    else if (!strcmp(what, "double")) { say("double free"); char *p = opaque(malloc(40)); free(opaque(p)); free(opaque(p)); }
    else if (!strcmp(what, "heapoob")) {
        say("heap overflow");
        char *p = opaque(malloc(20));
        char *neighbour = opaque(malloc(20));
        memset(opaque(p), 'A', 20 + 64);
        free(opaque(p));
        free(opaque(neighbour));
        printf("heapoob: free did not notice\n");
        return 0;
    }
    else if (!strcmp(what, "stackoob")) { say("stack buffer overflow"); smash(200); printf("returned from smash\n"); return 0; }
    else if (!strcmp(what, "wild")) { say("wild read"); printf("%d\n", *(volatile int *)(uintptr_t)0x123456789000ull); }
    else if (!strcmp(what, "assert")) { say("failing assert"); int balance = -5; assert(balance >= 0); }
    else if (!strcmp(what, "funcptr")) { say("NULL function pointer"); void (*volatile f)(void) = 0; f(); }
    else if (!strcmp(what, "trap")) { say("__builtin_trap"); __builtin_trap(); }
    else if (!strcmp(what, "align")) {
        say("misaligned atomic");
        static char bytes[16];
        volatile int *p = (volatile int *)(bytes + 1);
        __atomic_fetch_add(p, 1, __ATOMIC_SEQ_CST);
    }
    else { fprintf(stderr, "student_bugs: unknown bug '%s'\n", what); return 2; }
    printf("%s: survived\n", what);
    return 3;
}
