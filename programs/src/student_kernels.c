/* student_kernels: many small loops over pseudo-random arrays of every integer width and both
 * float types, built with -O3 (build.sh), each printed as a checksum with the floating-point
 * exception flags it raised (fetestexcept, then cleared), so that gcc's vectoriser emits a broad
 * mix of Advanced SIMD forms and their FPSR flags are compared too: widening and narrowing,
 * clamped, halving and rounding arithmetic, division by constants, shifts by vectors, min/max/abs,
 * masks and selects, interleaved loads and stores, conversions between all widths and float
 * (clamped, fixed point), rounding functions, reductions, and per-element popcount, clz and
 * ctz (CNT, CLZ, RBIT). NaN, infinity, -0 and a subnormal are planted among the floats. */
#include <stdio.h>
#include <stdint.h>
#include <math.h>
#include <string.h>
#include <fenv.h>

#define N 1027
static int8_t a8[N], b8[N], r8[N];
static uint8_t ua8[N], ub8[N], ur8[N];
static int16_t a16[N], b16[N], r16[N];
static uint16_t ua16[N], ur16[N];
static int32_t a32[N], b32[N], r32[N];
static uint32_t ua32[N], ur32[N];
static int64_t a64[N], b64[N], r64[N];
static uint64_t ua64[N], ur64[N];
static float fa[N], fb[N], fr[N];
static double da[N], db[N], dr[N];

static uint64_t st = 0x9e3779b97f4a7c15ull;
static uint64_t rnd(void) { st ^= st << 13; st ^= st >> 7; st ^= st << 17; return st; }

static uint64_t h;
static void mix(const void *p, size_t n) {
    const unsigned char *c = p;
    for (size_t i = 0; i < n; i++) h = (h ^ c[i]) * 0x100000001b3ull;
}
#define CHECK(name, arr) do { h = 0xcbf29ce484222325ull; mix(arr, sizeof arr); printf("%-16s %016llx flags %02x\n", name, (unsigned long long) h, fetestexcept(FE_ALL_EXCEPT)); feclearexcept(FE_ALL_EXCEPT); } while (0)
#define CHECKV(name, v) do { printf("%-16s %lld\n", name, (long long) (v)); } while (0)

static void fill(void) {
    for (int i = 0; i < N; i++) {
        uint64_t r = rnd();
        a8[i] = (int8_t) r; b8[i] = (int8_t) (r >> 8); ua8[i] = (uint8_t) (r >> 16); ub8[i] = (uint8_t) (r >> 24);
        a16[i] = (int16_t) (r >> 32); b16[i] = (int16_t) (r >> 40); ua16[i] = (uint16_t) (r >> 48);
        a32[i] = (int32_t) rnd(); b32[i] = (int32_t) (rnd() >> 7); ua32[i] = (uint32_t) rnd();
        a64[i] = (int64_t) rnd(); b64[i] = (int64_t) rnd() >> (i % 60); ua64[i] = rnd();
        fa[i] = (float) ((int32_t) rnd()) / 65536.0f; fb[i] = (float) ((int16_t) rnd()) / 128.0f + 0.5f;
        da[i] = (double) ((int64_t) rnd()) / 4294967296.0; db[i] = (double) ((int32_t) rnd()) / 3.0;
    }
    fa[5] = NAN; fa[6] = INFINITY; fa[7] = -0.0f; fa[8] = 1e-40f; fa[9] = 2.5f; fa[10] = -2.5f; fa[11] = 3.5f;
    da[5] = NAN; da[6] = -INFINITY; da[7] = 1e-310; da[8] = 2.5; da[9] = -0.5; da[10] = 4503599627370497.0;
    fb[3] = 0.0f; db[3] = 0.0;
}

int main(void) {
    fill();
    for (int i = 0; i < N; i++) r8[i] = (int8_t) (a8[i] + b8[i]);
    CHECK("add8", r8);
    for (int i = 0; i < N; i++) { int v = a8[i] + b8[i]; r8[i] = v > 127 ? 127 : v < -128 ? -128 : v; }
    CHECK("sqadd8", r8);
    for (int i = 0; i < N; i++) { int v = ua8[i] - ub8[i]; ur8[i] = v < 0 ? 0 : v; }
    CHECK("uqsub8", ur8);
    for (int i = 0; i < N; i++) ur8[i] = (uint8_t) ((ua8[i] + ub8[i] + 1) >> 1);
    CHECK("urhadd8", ur8);
    for (int i = 0; i < N; i++) r8[i] = (int8_t) ((a8[i] + b8[i]) >> 1);
    CHECK("shadd8", r8);
    for (int i = 0; i < N; i++) ur8[i] = ua8[i] > ub8[i] ? ua8[i] - ub8[i] : ub8[i] - ua8[i];
    CHECK("uabd8", ur8);
    for (int i = 0; i < N; i++) r8[i] = (int8_t) (a8[i] < 0 ? -a8[i] : a8[i]);
    CHECK("abs8", r8);
    for (int i = 0; i < N; i++) ur8[i] = (uint8_t) (ua8[i] / 7);
    CHECK("udiv8by7", ur8);
    for (int i = 0; i < N; i++) r8[i] = (int8_t) (a8[i] / 5);
    CHECK("sdiv8by5", r8);
    for (int i = 0; i < N; i++) ur8[i] = (uint8_t) __builtin_popcount(ua8[i]);
    CHECK("cnt8", ur8);
    for (int i = 0; i < N; i++) ur8[i] = (uint8_t) (ua8[i] ? __builtin_clz(ua8[i]) - 24 : 8);
    CHECK("clz8", ur8);
    for (int i = 0; i < N; i++) r16[i] = (int16_t) (a8[i] * b8[i]);
    CHECK("smull8", r16);
    for (int i = 0; i < N; i++) ur16[i] = (uint16_t) (ua8[i] * ub8[i] + ua16[i]);
    CHECK("umlal8", ur16);
    for (int i = 0; i < N; i++) r16[i] = (int16_t) (((int32_t) a16[i] * b16[i]) >> 15);
    CHECK("mulhi16", r16);
    for (int i = 0; i < N; i++) r16[i] = (int16_t) (a16[i] << (ua8[i] & 7));
    CHECK("shl16var", r16);
    for (int i = 0; i < N; i++) r16[i] = (int16_t) (a16[i] >> (ua8[i] & 15));
    CHECK("sshr16var", r16);
    for (int i = 0; i < N; i++) ur16[i] = (uint16_t) (ua16[i] >> (ub8[i] & 15));
    CHECK("ushr16var", ur16);
    for (int i = 0; i < N; i++) r8[i] = (int8_t) (a16[i] >> 8);
    CHECK("narrow16hi", r8);
    for (int i = 0; i < N; i++) { int v = a16[i]; r8[i] = v > 127 ? 127 : v < -128 ? -128 : v; }
    CHECK("sqxtn16", r8);
    for (int i = 0; i < N; i++) { int v = a16[i]; ur8[i] = v > 255 ? 255 : v < 0 ? 0 : v; }
    CHECK("sqxtun16", ur8);
    for (int i = 0; i < N; i++) r16[i] = a16[i] > b16[i] ? a16[i] : b16[i];
    CHECK("smax16", r16);
    for (int i = 0; i < N; i++) r16[i] = (int16_t) (a16[i] / 10);
    CHECK("sdiv16by10", r16);
    for (int i = 0; i < N; i++) ur16[i] = (uint16_t) (ua16[i] % 1000);
    CHECK("umod16", ur16);
    for (int i = 0; i < N; i++) r32[i] = a16[i] * b16[i] + a32[i];
    CHECK("smlal16", r32);
    for (int i = 0; i < N; i++) r32[i] = a32[i] / 3;
    CHECK("sdiv32by3", r32);
    for (int i = 0; i < N; i++) ur32[i] = ua32[i] / 1000000007u;
    CHECK("udiv32big", ur32);
    for (int i = 0; i < N; i++) r32[i] = b32[i] ? a32[i] / (b32[i] | 1) : 0;
    CHECK("sdiv32", r32);
    for (int i = 0; i < N; i++) r32[i] = (a32[i] & 0xff00ff) | (b32[i] & ~0xff00ff);
    CHECK("bsl32", r32);
    for (int i = 0; i < N; i++) r32[i] = (a32[i] > b32[i]) ? -1 : 0;
    CHECK("cmgt32", r32);
    for (int i = 0; i < N; i++) r32[i] = (a32[i] & b32[i]) != 0;
    CHECK("cmtst32", r32);
    for (int i = 0; i < N; i++) ur32[i] = __builtin_popcount(ua32[i]);
    CHECK("popcount32", ur32);
    for (int i = 0; i < N; i++) ur32[i] = ua32[i] ? __builtin_clz(ua32[i]) : 32;
    CHECK("clz32", ur32);
    for (int i = 0; i < N; i++) ur32[i] = ua32[i] ? __builtin_ctz(ua32[i]) : 32;
    CHECK("ctz32", ur32);
    for (int i = 0; i < N; i++) ur32[i] = __builtin_bswap32(ua32[i]);
    CHECK("rev32", ur32);
    for (int i = 0; i < N; i++) ur32[i] = (ua32[i] << 7) | (ua32[i] >> 25);
    CHECK("rotl32", ur32);
    for (int i = 0; i < N; i++) r64[i] = (int64_t) a32[i] * b32[i];
    CHECK("smull32", r64);
    for (int i = 0; i < N; i++) ur64[i] = (uint64_t) ua32[i] * ua32[i] + ua64[i];
    CHECK("umlal32", ur64);
    for (int i = 0; i < N; i++) r64[i] = a64[i] + b64[i];
    CHECK("add64", r64);
    for (int i = 0; i < N; i++) r64[i] = a64[i] > b64[i] ? a64[i] : b64[i];
    CHECK("smax64", r64);
    for (int i = 0; i < N; i++) r64[i] = a64[i] < 0 ? -a64[i] : a64[i];
    CHECK("abs64", r64);
    for (int i = 0; i < N; i++) ur64[i] = ua64[i] >> (ua8[i] & 63);
    CHECK("ushr64var", ur64);
    for (int i = 0; i < N; i++) r64[i] = a64[i] / 7;
    CHECK("sdiv64by7", r64);
    for (int i = 0; i < N; i++) ur64[i] = __builtin_popcountll(ua64[i]);
    CHECK("popcount64", ur64);
    for (int i = 0; i < N; i++) ur64[i] = ua64[i] ? __builtin_clzll(ua64[i]) : 64;
    CHECK("clz64", ur64);
    for (int i = 0; i < N; i++) r32[i] = (int32_t) a64[i];
    CHECK("xtn64", r32);
    /* interleaved: complex-like pairs, RGB triples, RGBA quads */
    for (int i = 0; i + 1 < N; i += 2) { r16[i] = a16[i] + a16[i + 1]; r16[i + 1] = a16[i] - a16[i + 1]; }
    CHECK("ld2st2", r16);
    for (int i = 0; i + 2 < N; i += 3) { ur8[i] = ua8[i + 2]; ur8[i + 1] = ua8[i + 1]; ur8[i + 2] = ua8[i]; }
    CHECK("ld3st3", ur8);
    for (int i = 0; i + 3 < N; i += 4) ur8[i / 4] = (uint8_t) ((ua8[i] * 77 + ua8[i + 1] * 150 + ua8[i + 2] * 29) >> 8);
    CHECK("ld4gray", ur8);
    for (int i = 0; i < N; i++) r32[i] = a32[N - 1 - i];
    CHECK("reverse32", r32);
    for (int i = 0; i < N; i++) ur8[i] = ua8[N - 1 - i];
    CHECK("reverse8", ur8);
    /* float */
    for (int i = 0; i < N; i++) fr[i] = fa[i] * fb[i] + fr[i];
    CHECK("fmla", fr);
    for (int i = 0; i < N; i++) fr[i] = fb[i] != 0 ? fa[i] / fb[i] : 0;
    CHECK("fdiv", fr);
    for (int i = 0; i < N; i++) fr[i] = sqrtf(fabsf(fa[i]));
    CHECK("fsqrt", fr);
    for (int i = 0; i < N; i++) fr[i] = fminf(fa[i], fb[i]);
    CHECK("fminnm", fr);
    for (int i = 0; i < N; i++) fr[i] = fa[i] > fb[i] ? fa[i] : fb[i];
    CHECK("fmax-sel", fr);
    for (int i = 0; i < N; i++) fr[i] = fabsf(fa[i] - fb[i]);
    CHECK("fabd", fr);
    for (int i = 0; i < N; i++) fr[i] = copysignf(fb[i], fa[i]);
    CHECK("copysign", fr);
    for (int i = 0; i < N; i++) fr[i] = roundf(fa[i]);
    CHECK("frinta", fr);
    for (int i = 0; i < N; i++) fr[i] = floorf(fa[i]) + ceilf(fb[i]) + truncf(fa[i] * 3);
    CHECK("frintm/p/z", fr);
    for (int i = 0; i < N; i++) fr[i] = rintf(fa[i]) + nearbyintf(fb[i]);
    CHECK("frintx/i", fr);
    for (int i = 0; i < N; i++) r32[i] = (int32_t) fa[i];
    CHECK("fcvtzs", r32);
    for (int i = 0; i < N; i++) ur32[i] = (uint32_t) fb[i];
    CHECK("fcvtzu", ur32);
    for (int i = 0; i < N; i++) r32[i] = (int32_t) lrintf(fa[i] / 65536.0f);
    CHECK("lrintf", r32);
    for (int i = 0; i < N; i++) r64[i] = lroundf(fb[i]);
    CHECK("lroundf", r64);
    for (int i = 0; i < N; i++) r32[i] = (int32_t) (fa[i] * 256.0f);
    CHECK("fcvtzs-fixed", r32);
    for (int i = 0; i < N; i++) fr[i] = (float) a32[i] / 65536.0f;
    CHECK("scvtf-fixed", fr);
    for (int i = 0; i < N; i++) fr[i] = (float) ua32[i];
    CHECK("ucvtf", fr);
    for (int i = 0; i < N; i++) fr[i] = (float) a16[i];
    CHECK("s16tof", fr);
    for (int i = 0; i < N; i++) fr[i] = (float) ua8[i] * (1.0f / 255.0f);
    CHECK("u8tof", fr);
    for (int i = 0; i < N; i++) { float v = fa[i] * 8; ur8[i] = v >= 255 ? 255 : v <= 0 ? 0 : (uint8_t) v; }
    CHECK("ftou8sat", ur8);
    for (int i = 0; i < N; i++) r16[i] = (int16_t) fb[i];
    CHECK("fto16", r16);
    for (int i = 0; i < N; i++) r32[i] = fa[i] < fb[i];
    CHECK("fcmlt", r32);
    for (int i = 0; i < N; i++) r32[i] = isunordered(fa[i], fb[i]);
    CHECK("unordered", r32);
    for (int i = 0; i < N; i++) dr[i] = fa[i];
    CHECK("fcvtl", dr);
    for (int i = 0; i < N; i++) fr[i] = (float) da[i];
    CHECK("fcvtn", fr);
    for (int i = 0; i < N; i++) dr[i] = fma(da[i], db[i], -dr[i]);
    CHECK("fma", dr);
    for (int i = 0; i < N; i++) dr[i] = db[i] != 0 ? da[i] / db[i] : 0;
    CHECK("ddiv", dr);
    for (int i = 0; i < N; i++) dr[i] = sqrt(fabs(da[i]));
    CHECK("dsqrt", dr);
    for (int i = 0; i < N; i++) dr[i] = round(da[i]) + floor(db[i]) + rint(da[i] * 0.5);
    CHECK("drint", dr);
    for (int i = 0; i < N; i++) r64[i] = (int64_t) da[i];
    CHECK("dcvtzs", r64);
    for (int i = 0; i < N; i++) ur64[i] = (uint64_t) fabs(db[i]);
    CHECK("dcvtzu", ur64);
    for (int i = 0; i < N; i++) r64[i] = llrint(da[i]);
    CHECK("llrint", r64);
    for (int i = 0; i < N; i++) dr[i] = (double) a64[i];
    CHECK("scvtf64", dr);
    for (int i = 0; i < N; i++) dr[i] = (double) ua64[i];
    CHECK("ucvtf64", dr);
    for (int i = 0; i < N; i++) dr[i] = (double) a32[i];
    CHECK("s32tod", dr);
    for (int i = 0; i < N; i++) r32[i] = (int32_t) db[i];
    CHECK("dtos32", r32);
    for (int i = 0; i < N; i++) dr[i] = fmax(da[i], db[i]) - fmin(da[i], db[i]);
    CHECK("fmaxnm-d", dr);
    /* reductions */
    int64_t s8 = 0; for (int i = 0; i < N; i++) s8 += a8[i];
    CHECKV("sum8", s8);
    uint32_t su8 = 0; for (int i = 0; i < N; i++) su8 += ua8[i];
    CHECKV("sumu8", su8);
    int16_t mx = -32768; for (int i = 0; i < N; i++) mx = a16[i] > mx ? a16[i] : mx;
    CHECKV("max16", mx);
    uint32_t mn = ~0u; for (int i = 0; i < N; i++) mn = ua32[i] < mn ? ua32[i] : mn;
    CHECKV("minu32", mn);
    uint64_t x = 0; for (int i = 0; i < N; i++) x ^= ua64[i];
    CHECKV("xor64", x);
    int64_t dot = 0; for (int i = 0; i < N; i++) dot += (int64_t) a32[i] * b32[i];
    CHECKV("dot32", dot);
    int32_t dot16 = 0; for (int i = 0; i < N; i++) dot16 += a16[i] * b16[i];
    CHECKV("dot16", dot16);
    uint32_t sad = 0; for (int i = 0; i < N; i++) sad += ua8[i] > ub8[i] ? ua8[i] - ub8[i] : ub8[i] - ua8[i];
    CHECKV("sad8", sad);
    int cnt = 0; for (int i = 0; i < N; i++) cnt += __builtin_popcountll(ua64[i]);
    CHECKV("popsum", cnt);
    float fs = 0; for (int i = 12; i < N; i++) fs += fa[i];
    printf("%-16s %a\n", "fsum", fs);
    double ds = 0; for (int i = 11; i < N; i++) ds += da[i] * db[i];
    printf("%-16s %a\n", "ddot", ds);
    float fm = -INFINITY; for (int i = 12; i < N; i++) fm = fa[i] > fm ? fa[i] : fm;
    printf("%-16s %a\n", "fmaxred", fm);
    return 0;
}
