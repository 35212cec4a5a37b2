/* student_struct: data layout. Bit-fields, unions for type punning and byte order, packed
 * structs with misaligned fields, a flexible array member, _Alignas and offsetof, struct
 * assignment and compound literals, an enum-indexed table of function pointers (a small RPN
 * calculator), a struct returned by value in registers and a large one through memory, and
 * byte swapping. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stddef.h>
#include <stdint.h>
#include <stdalign.h>

struct flags { unsigned ready : 1; unsigned mode : 3; signed delta : 4; unsigned count : 24; };
union pun { float f; uint32_t u; uint8_t b[4]; };
struct __attribute__((packed)) header { uint8_t tag; uint32_t length; uint16_t port; uint64_t stamp; };
struct message { uint16_t len; char text[]; };
struct aligned { char c; alignas(32) double d; };
struct pair { long a, b; };
struct big { long v[12]; };

enum op { ADD, SUB, MUL, DIV, NOPS };
static long add(long a, long b) { return a + b; }
static long sub(long a, long b) { return a - b; }
static long mul(long a, long b) { return a * b; }
static long divide(long a, long b) { return b ? a / b : 0; }
static long (*const ops[NOPS])(long, long) = {[ADD] = add, [SUB] = sub, [MUL] = mul, [DIV] = divide};

static long rpn(const char *expr) {
    long stack[32];
    int sp = 0;
    for (const char *p = expr; *p; p++) {
        if (*p >= '0' && *p <= '9') { long v = 0; while (*p >= '0' && *p <= '9') v = v * 10 + *p++ - '0'; stack[sp++] = v; p--; }
        else if (*p != ' ') {
            long b = stack[--sp], a = stack[--sp];
            enum op o = *p == '+' ? ADD : *p == '-' ? SUB : *p == '*' ? MUL : DIV;
            stack[sp++] = ops[o](a, b);
        }
    }
    return stack[0];
}

static __attribute__((noinline)) struct pair swap(struct pair p) { return (struct pair){p.b, p.a}; }
static __attribute__((noinline)) struct big fill(long seed) {
    struct big b;
    for (int i = 0; i < 12; i++) b.v[i] = seed * (i + 1);
    return b;
}

int main(void) {
    struct flags f = {0};
    f.ready = 1; f.mode = 5; f.delta = -3; f.count = 0xABCDEF;
    uint32_t raw;
    memcpy(&raw, &f, 4);
    printf("bit-fields: ready %u mode %u delta %d count %x, raw %08x, sizeof %zu\n", f.ready, f.mode, f.delta, f.count, raw, sizeof f);
    volatile unsigned nine = 9;
    f.mode = nine;   /* truncated to 3 bits */
    f.delta = 7; f.delta++;
    printf("mode after 9: %u, delta after 7+1: %d\n", f.mode, f.delta);

    union pun p = {.f = -1.5f};
    printf("union: -1.5f is %08x, bytes %02x %02x %02x %02x (little-endian: %s)\n", p.u, p.b[0], p.b[1], p.b[2], p.b[3], p.b[0] == 0 ? "yes" : "no");

    unsigned char wire[32];
    for (int i = 0; i < 32; i++) wire[i] = (unsigned char)(0x10 + i);
    struct header *h = (struct header *)(wire + 1);   /* misaligned on purpose */
    printf("packed: sizeof %zu, offsetof length %zu port %zu stamp %zu\n", sizeof *h, offsetof(struct header, length),
           offsetof(struct header, port), offsetof(struct header, stamp));
    printf("packed fields read misaligned: tag %02x length %08x port %04x stamp %016llx\n", h->tag, h->length, h->port,
           (unsigned long long)h->stamp);
    h->stamp = 0x1122334455667788ull;
    h->length = 0xDEADBEEF;
    printf("after misaligned writes: wire[2..5] %02x %02x %02x %02x, wire[8] %02x wire[15] %02x\n", wire[2], wire[3], wire[4], wire[5], wire[8], wire[15]);

    const char *greeting = "flexible array member";
    struct message *m = malloc(sizeof *m + strlen(greeting) + 1);
    m->len = (uint16_t)strlen(greeting);
    memcpy(m->text, greeting, m->len + 1);
    printf("message: sizeof header %zu, len %u, text '%s'\n", sizeof *m, m->len, m->text);
    free(m);

    struct aligned a[2];
    printf("alignas(32): sizeof %zu, alignof %zu, offsetof d %zu, second element 32-aligned: %s\n", sizeof a[0],
           alignof(struct aligned), offsetof(struct aligned, d), ((uintptr_t)&a[1].d % 32) == 0 ? "yes" : "no");

    struct pair q = swap((struct pair){3, 4});
    struct big b = fill(7);
    struct big c = b;
    c.v[11] = 0;
    printf("pair by value: %ld %ld; big by value: %ld %ld, copy changed only its own: %ld %ld\n", q.a, q.b, b.v[0], b.v[11], c.v[11], b.v[11]);

    const char *exprs[] = {"3 4 +", "5 1 2 + 4 * + 3 -", "2 3 4 * +", "100 7 /", "9 0 /"};
    for (int i = 0; i < 5; i++) printf("rpn '%s' = %ld\n", exprs[i], rpn(exprs[i]));

    printf("bswap: %08x %016llx %04x\n", __builtin_bswap32(0x12345678), (unsigned long long)__builtin_bswap64(0x0102030405060708ull),
           __builtin_bswap16(0xABCD));
    printf("clz %d ctz %d popcount %d parity %d ffs %d\n", __builtin_clz(0x00F00000), __builtin_ctzll(0x8000000000ull),
           __builtin_popcountll(0xFFFF0000FFFFull), __builtin_parity(7), __builtin_ffs(0x50));
    return 0;
}
