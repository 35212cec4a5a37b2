/* student_atomic: C11 <stdatomic.h> on one thread (a reference count, a spin lock from
 * atomic_flag, compare-and-exchange loops, fetch-and-or/and/xor, exchange, atomic pointers and
 * 64-bit and 8-bit and 16-bit atomics, fences and the memory orders) and gcc's __sync and __atomic
 * builtins. gcc 12 calls libgcc's out-of-line atomics, which choose load/store-exclusive loops
 * when AT_HWCAP has no LSE, as on a Cortex-A53. */
#include <stdio.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdbool.h>

static atomic_int refs = ATOMIC_VAR_INIT(1);
static atomic_flag lock = ATOMIC_FLAG_INIT;
static atomic_ullong big;
static _Atomic(uint8_t) small8;
static _Atomic(uint16_t) small16;
static int table[4] = {10, 20, 30, 40};
static _Atomic(int *) cursor = table;

static void spin_lock(void) { while (atomic_flag_test_and_set_explicit(&lock, memory_order_acquire)) {} }
static void spin_unlock(void) { atomic_flag_clear_explicit(&lock, memory_order_release); }

static int atomic_max(atomic_int *a, int v) {
    int cur = atomic_load(a);
    while (cur < v && !atomic_compare_exchange_weak(a, &cur, v)) {}
    return atomic_load(a);
}

int main(void) {
    printf("lock free: int %d, llong %d, pointer %d\n", ATOMIC_INT_LOCK_FREE, ATOMIC_LLONG_LOCK_FREE, ATOMIC_POINTER_LOCK_FREE);
    for (int i = 0; i < 1000; i++) atomic_fetch_add_explicit(&refs, 1, memory_order_relaxed);
    for (int i = 0; i < 400; i++) atomic_fetch_sub(&refs, 1);
    printf("refs %d\n", atomic_load(&refs));

    spin_lock();
    bool again = atomic_flag_test_and_set(&lock);
    spin_unlock();
    bool after = atomic_flag_test_and_set(&lock);
    atomic_flag_clear(&lock);
    printf("flag while held %d, after release %d\n", again, after);

    atomic_int m = 5;
    printf("max: %d %d %d\n", atomic_max(&m, 3), atomic_max(&m, 9), atomic_max(&m, 9));

    int expected = 7;
    atomic_int cas = 5;
    bool ok = atomic_compare_exchange_strong(&cas, &expected, 8);
    printf("cas 5 expecting 7: %d, expected now %d\n", ok, expected);
    ok = atomic_compare_exchange_strong(&cas, &expected, 8);
    printf("cas again: %d, value %d\n", ok, atomic_load(&cas));

    atomic_store(&big, 0xF0F0F0F0F0F0F0F0ull);
    unsigned long long old = atomic_fetch_or(&big, 0x0F);
    atomic_fetch_and(&big, ~0xF000000000000000ull);
    atomic_fetch_xor(&big, 0xFFull << 32);
    printf("big: old %llx now %llx\n", old, atomic_load(&big));
    printf("exchange: %llx then %llx\n", atomic_exchange(&big, 42), atomic_load(&big));

    for (int i = 0; i < 300; i++) { atomic_fetch_add(&small8, 1); atomic_fetch_add(&small16, 300); }
    printf("8-bit wraps to %u, 16-bit to %u\n", atomic_load(&small8), atomic_load(&small16));

    int *p = atomic_fetch_add(&cursor, 2);
    /* gcc's atomic_fetch_add on an atomic pointer adds bytes, not elements (a known gcc quirk) */
    printf("pointer: was at %d, moved %td bytes\n", *p, (char *)atomic_load(&cursor) - (char *)table);

    atomic_thread_fence(memory_order_seq_cst);
    atomic_signal_fence(memory_order_acq_rel);

    long counter = 0;
    long before = __sync_fetch_and_add(&counter, 5);
    long now = __sync_add_and_fetch(&counter, 10);
    bool swapped = __sync_bool_compare_and_swap(&counter, 15, 100);
    long val = __sync_val_compare_and_swap(&counter, 1, 2);
    int spin = 0;
    int was = __sync_lock_test_and_set(&spin, 1);
    __sync_lock_release(&spin);
    __sync_synchronize();
    printf("__sync: %ld %ld %d %ld lock was %d now %d\n", before, now, swapped, val, was, spin);

    short s = 1;
    __atomic_fetch_nand(&s, 3, __ATOMIC_SEQ_CST);
    int e = 0, x = 0;
    bool w = __atomic_compare_exchange_n(&x, &e, 9, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
    printf("__atomic: nand %d, cas %d -> %d, exchange %d\n", s, w, x, __atomic_exchange_n(&x, 3, __ATOMIC_RELAXED));
    return 0;
}
